/**
 * `renderPdf`: lays out a {@link PdfDoc} on A4 pages with embedded, subset
 * Noto Sans SC and returns the PDF bytes (classic xref table, no object
 * streams — ready for {@link signPdf}).
 */
import { PDFDocument } from "pdf-lib";
import { drawHeading, drawImage, drawKeyValue, drawParagraph, drawSignatures, drawTitle } from "./blocks.js";
import { DocumentError } from "./errors.js";
import { embedFonts } from "./fonts.js";
import { COLORS, Flow } from "./layout.js";
import type { PdfBlock, PdfDoc } from "./model.js";
import { drawTable } from "./table.js";
import { recordSignatureBoxes } from "./signature-boxes.js";

/** Creator entry of every rendered document. */
export const PDF_CREATOR = "电子开评标大厅 bid-hall";

async function drawBlock(flow: Flow, block: PdfBlock): Promise<void> {
  switch (block.kind) {
    case "heading":
      return drawHeading(flow, block);
    case "paragraph":
      return drawParagraph(flow, block);
    case "keyValue":
      return drawKeyValue(flow, block);
    case "table":
      return drawTable(flow, block);
    case "signatures":
      return drawSignatures(flow, block);
    case "image":
      return drawImage(flow, block);
    case "spacer":
      flow.y -= Math.max(0, block.height);
      if (flow.remaining < 0) flow.newPage();
      return;
    case "pageBreak":
      if (!flow.atPageTop) flow.newPage();
      return;
    default: {
      const unknown: never = block;
      throw new DocumentError("DOC_INVALID", `unknown block kind ${JSON.stringify(unknown)}`);
    }
  }
}

/** First line of `text` that fits `maxWidth`, with "…" when cut. */
function fitLine(flow: Flow, text: string, maxWidth: number, size: number): string {
  const lines = flow.wrap(text.replace(/\s+/g, " "), maxWidth, size);
  const first = lines[0] ?? "";
  if (lines.length <= 1) return first;
  let cut = [...first];
  while (cut.length > 1 && flow.width(`${cut.join("")}…`, size) > maxWidth) cut = cut.slice(0, -1);
  return `${cut.join("")}…`;
}

/**
 * Footer of every page: "<title>  第 N 页 / 共 M 页" centred, `footerText`
 * on the left. The title is there for the reader and for text extraction:
 * poppler reads a line made only of one-character words ("第 1 页 / 共 2 页")
 * as letter-spaced text and drops its spaces ("第1页/共2页").
 */
function drawFooters(flow: Flow, title: string, footerText: string | undefined): void {
  const size = 8.5;
  const total = flow.pages.length;
  const yTop = flow.bottom - 16;
  const style = { size, color: COLORS.muted } as const;
  const shortTitle = fitLine(flow, title, flow.contentWidth * 0.35, size);
  flow.pages.forEach((page, i) => {
    const label = `${shortTitle}  第 ${i + 1} 页 / 共 ${total} 页`;
    flow.drawLine(label, flow.left, yTop, flow.contentWidth, { ...style, align: "center" }, page);
    if (footerText) {
      const room = (flow.contentWidth - flow.width(label, size)) / 2 - 12;
      if (room > size * 3) flow.drawLine(fitLine(flow, footerText, room, size), flow.left, yTop, room, style, page);
    }
  });
}

function setMetadata(pdf: PDFDocument, doc: PdfDoc): void {
  const meta = doc.metadata ?? {};
  const created = meta.creationDate ?? new Date();
  if (Number.isNaN(created.getTime())) throw new DocumentError("DOC_INVALID", "metadata.creationDate is invalid");
  pdf.setTitle(meta.title ?? doc.title, { showInWindowTitleBar: true });
  if (meta.subject) pdf.setSubject(meta.subject);
  if (meta.author) pdf.setAuthor(meta.author);
  if (meta.keywords?.length) pdf.setKeywords(meta.keywords);
  pdf.setCreator(PDF_CREATOR);
  pdf.setProducer(PDF_CREATOR);
  pdf.setLanguage("zh-CN");
  pdf.setCreationDate(created);
  pdf.setModificationDate(created);
}

/**
 * Renders `doc` to PDF bytes. Deterministic for a fixed `metadata.creationDate`.
 * @throws DocumentError `DOC_INVALID` for malformed tables or images.
 */
export async function renderPdf(doc: PdfDoc): Promise<Uint8Array> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  setMetadata(pdf, doc);
  const flow = new Flow(pdf, await embedFonts(pdf), doc.orientation ?? "portrait");
  drawTitle(flow, doc.title);
  for (const block of doc.blocks) await drawBlock(flow, block);
  drawFooters(flow, doc.title, doc.footerText);
  recordSignatureBoxes(pdf, flow.signatureBoxes);
  return pdf.save({ useObjectStreams: false });
}

/**
 * Renders a small throw-away document so that the first real request does not
 * pay for reading the fonts and warming up fontkit (call at server start).
 */
export async function warmUpRenderer(): Promise<void> {
  await renderPdf({
    title: "预热 Warm-up",
    metadata: { creationDate: new Date(0) },
    blocks: [
      { kind: "paragraph", text: "开标记录表 评标报告 投标人 报价 0123456789" },
      { kind: "table", columns: [{ header: "序号", width: 1 }, { header: "名称", width: 3 }], rows: [["1", "公司"]] },
    ],
  });
}
