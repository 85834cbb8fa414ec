/**
 * Renderers of the non-table blocks. Each draws at the flow's cursor and
 * leaves the cursor below what it drew, including the spacing after it.
 */
import { DocumentError } from "./errors.js";
import { COLORS, type Flow } from "./layout.js";
import type {
  HeadingBlock,
  ImageBlock,
  KeyValueBlock,
  ParagraphBlock,
  SignatureBlock,
} from "./model.js";

/** Body text size (五号). */
export const BODY_SIZE = 10.5;
const HEADING_SIZE = { 1: 15, 2: 13, 3: 11.5 } as const;

/** Document title, centred at the top of the first page. */
export function drawTitle(flow: Flow, title: string): void {
  flow.flowText(title, { size: 18, weight: "bold", align: "center" });
  flow.y -= flow.lineHeight(BODY_SIZE) * 0.6;
}

/** Heading, kept together with at least two lines of what follows. */
export function drawHeading(flow: Flow, block: HeadingBlock): void {
  const size = HEADING_SIZE[block.level ?? 1];
  const lines = flow.wrap(block.text, flow.contentWidth, size, "bold");
  const before = flow.atPageTop ? 0 : flow.lineHeight(size) * 0.5;
  flow.ensure(before + lines.length * flow.lineHeight(size) + 2 * flow.lineHeight(BODY_SIZE));
  if (!flow.atPageTop) flow.y -= before;
  flow.flowText(block.text, { size, weight: "bold" });
  flow.y -= flow.lineHeight(size) * 0.15;
}

/** Wrapped paragraph; optional 首行缩进 by two ideographic spaces. */
export function drawParagraph(flow: Flow, block: ParagraphBlock): void {
  const size = block.fontSize ?? BODY_SIZE;
  const text = block.indent ? `\u3000\u3000${block.text}` : block.text;
  flow.flowText(text, { size, weight: block.bold ? "bold" : "regular", align: block.align ?? "left" });
  flow.y -= flow.lineHeight(size) * 0.35;
}

/** Label/value pairs; an item is kept on one page when it fits on one. */
export function drawKeyValue(flow: Flow, block: KeyValueBlock): void {
  const size = BODY_SIZE;
  const lh = flow.lineHeight(size);
  const keyWidth = flow.contentWidth * Math.min(Math.max(block.keyWidth ?? 0.25, 0.05), 0.8);
  const gap = 8;
  const valueWidth = flow.contentWidth - keyWidth - gap;
  for (const item of block.items) {
    const keys = flow.wrap(`${item.key}：`, keyWidth, size, "bold");
    const values = flow.wrap(item.value, valueWidth, size);
    const count = Math.max(keys.length, values.length);
    flow.ensure(Math.min(count * lh, flow.pageCapacity));
    for (let i = 0; i < count; i++) {
      flow.ensure(lh);
      flow.drawLine(keys[i] ?? "", flow.left, flow.y, keyWidth, { size, weight: "bold", color: COLORS.muted });
      flow.drawLine(values[i] ?? "", flow.left + keyWidth + gap, flow.y, valueWidth, { size });
      flow.y -= lh;
    }
  }
  flow.y -= lh * 0.35;
}

/** Signature boxes: "角色：姓名", then blank 签字 (and 日期) lines to sign on paper. */
export function drawSignatures(flow: Flow, block: SignatureBlock): void {
  const size = BODY_SIZE;
  const lh = flow.lineHeight(size);
  const perRow = Math.max(1, Math.floor(block.columns ?? 2));
  const boxWidth = flow.contentWidth / perRow;
  const blankLines = block.withDate === false ? ["签字"] : ["签字", "日期"];
  const signGap = 26;
  const boxHeight = lh + blankLines.length * signGap + 10;
  if (block.title) {
    flow.ensure(lh * 1.5 + boxHeight);
    flow.flowText(block.title, { size: 11.5, weight: "bold" });
    flow.y -= lh * 0.3;
  }
  for (let start = 0; start < block.signers.length; start += perRow) {
    flow.ensure(boxHeight);
    const top = flow.y;
    block.signers.slice(start, start + perRow).forEach((signer, i) => {
      const x = flow.left + i * boxWidth;
      const inner = boxWidth - 16;
      const label = flow.wrap(`${signer.role}：${signer.name ?? ""}`, inner, size)[0] ?? "";
      flow.drawLine(label, x, top, inner, { size });
      blankLines.forEach((word, j) => {
        const lineTop = top - lh - (j + 1) * signGap + lh;
        const text = `${word}：`;
        flow.drawLine(text, x, lineTop, inner, { size, color: COLORS.muted });
        const start = x + flow.width(text, size) + 2;
        flow.rule(start, x + inner, lineTop - lh + 3, 0.5);
      });
      // The area under the label: where the field's visible signature appearance goes.
      if (signer.field) flow.signatureBoxes.push({ field: signer.field, page: flow.pages.indexOf(flow.page), rect: [x, top - boxHeight + 4, x + inner, top - lh - 2] });
    });
    flow.y = top - boxHeight;
  }
}

/** PNG image, scaled to the requested width and shrunk to fit one page. */
export async function drawImage(flow: Flow, block: ImageBlock): Promise<void> {
  let image;
  try {
    image = await flow.doc.embedPng(block.png);
  } catch (cause) {
    throw new DocumentError("DOC_INVALID", "image block is not a readable PNG", { cause });
  }
  const captionHeight = block.caption ? flow.lineHeight(9) : 0;
  const maxWidth = flow.contentWidth * Math.min(Math.max(block.width ?? 1, 0.05), 1);
  let width = block.width === undefined ? Math.min(image.width, maxWidth) : maxWidth;
  let height = (image.height / image.width) * width;
  const maxHeight = flow.pageCapacity - captionHeight;
  if (height > maxHeight) {
    width *= maxHeight / height;
    height = maxHeight;
  }
  flow.ensure(height + captionHeight);
  const align = block.align ?? "center";
  const free = flow.contentWidth - width;
  const x = flow.left + (align === "center" ? free / 2 : align === "right" ? free : 0);
  flow.page.drawImage(image, { x, y: flow.y - height, width, height });
  flow.y -= height;
  if (block.caption) flow.flowText(block.caption, { size: 9, align: "center", color: COLORS.muted });
  flow.y -= flow.lineHeight(BODY_SIZE) * 0.35;
}
