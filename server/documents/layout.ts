/**
 * Page flow for the renderer: a cursor that moves down the content area of
 * A4 pages, opens new pages when content does not fit, and draws single text
 * lines with consistent vertical metrics.
 */
import { PageSizes, rgb, type PDFDocument, type PDFPage, type RGB } from "pdf-lib";
import type { DocFonts, FontWeight } from "./fonts.js";
import type { Align } from "./model.js";
import { wrapText } from "./text.js";

/** Colours used by all blocks. */
export const COLORS = {
  text: rgb(0, 0, 0),
  muted: rgb(0.35, 0.35, 0.35),
  rule: rgb(0.45, 0.45, 0.45),
  headerFill: rgb(0.91, 0.92, 0.94),
} as const;

/** Page margins in points (top, right, bottom, left). */
const MARGIN = { top: 48, right: 48, bottom: 56, left: 48 } as const;
/** Line height as a multiple of the font size. */
const LEADING = 1.45;
/** Share of the em box above the baseline for Noto Sans SC (880/1000). */
const ASCENT = 0.88;

/** Options for drawing one line of text. */
export interface LineStyle {
  size: number;
  weight?: FontWeight;
  color?: RGB;
  align?: Align;
}

/** Cursor over the pages of one document. Coordinates are PDF points, origin bottom-left. */
export class Flow {
  readonly pages: PDFPage[] = [];
  /** Boxes of signature blocks named by their signature field (page index, rectangle [x1 y1 x2 y2]). */
  readonly signatureBoxes: { field: string; page: number; rect: [number, number, number, number] }[] = [];
  /** Top edge of the next thing to draw. */
  y = 0;
  private current: PDFPage | undefined;
  private readonly size: [number, number];

  constructor(
    readonly doc: PDFDocument,
    readonly fonts: DocFonts,
    orientation: "portrait" | "landscape",
  ) {
    const [w, h] = PageSizes.A4;
    this.size = orientation === "landscape" ? [h, w] : [w, h];
    this.newPage();
  }

  /** The page being filled. */
  get page(): PDFPage {
    if (!this.current) throw new Error("Flow has no page");
    return this.current;
  }
  /** x of the left content edge. */
  get left(): number {
    return MARGIN.left;
  }
  /** Width between the left and right margins. */
  get contentWidth(): number {
    return this.size[0] - MARGIN.left - MARGIN.right;
  }
  /** y of the top content edge. */
  get top(): number {
    return this.size[1] - MARGIN.top;
  }
  /** y of the bottom content edge (the footer lies below). */
  get bottom(): number {
    return MARGIN.bottom;
  }
  /** Height left on the current page. */
  get remaining(): number {
    return this.y - this.bottom;
  }
  /** Height of the content area of an empty page. */
  get pageCapacity(): number {
    return this.top - this.bottom;
  }
  /** Nothing has been drawn on the current page yet. */
  get atPageTop(): boolean {
    return this.y >= this.top;
  }

  /** Starts a new page and moves the cursor to its top. */
  newPage(): void {
    this.current = this.doc.addPage(this.size);
    this.pages.push(this.current);
    this.y = this.top;
  }

  /** Opens a new page unless `height` fits below the cursor (or the page is still empty). */
  ensure(height: number): void {
    if (height > this.remaining && !this.atPageTop) this.newPage();
  }

  /** Line height for a font size. */
  lineHeight(size: number): number {
    return size * LEADING;
  }

  /** Width of `text` in points. */
  width(text: string, size: number, weight: FontWeight = "regular"): number {
    return this.fonts.width(text, weight, size);
  }

  /** Wraps `text` to `maxWidth` with the given font. */
  wrap(text: string, maxWidth: number, size: number, weight: FontWeight = "regular"): string[] {
    return wrapText(text, maxWidth, (s) => this.fonts.width(s, weight, size));
  }

  /**
   * Draws one line whose line box has its top edge at `yTop`, inside the box
   * [x, x + boxWidth] with the given alignment.
   */
  drawLine(text: string, x: number, yTop: number, boxWidth: number, style: LineStyle, page = this.page): void {
    if (!text) return;
    const weight = style.weight ?? "regular";
    const w = this.width(text, style.size, weight);
    const dx = style.align === "center" ? (boxWidth - w) / 2 : style.align === "right" ? boxWidth - w : 0;
    const baseline = yTop - (this.lineHeight(style.size) - style.size) / 2 - ASCENT * style.size;
    page.drawText(text, {
      x: x + Math.max(0, dx),
      y: baseline,
      size: style.size,
      font: this.fonts[weight],
      color: style.color ?? COLORS.text,
    });
  }

  /** Draws wrapped text at the cursor, page-breaking between lines; advances the cursor. */
  flowText(text: string, style: LineStyle, x = this.left, boxWidth = this.contentWidth): void {
    const lh = this.lineHeight(style.size);
    for (const line of this.wrap(text, boxWidth, style.size, style.weight)) {
      this.ensure(lh);
      this.drawLine(line, x, this.y, boxWidth, style);
      this.y -= lh;
    }
  }

  /** Horizontal rule across `[x1, x2]` at height `y` on the current page. */
  rule(x1: number, x2: number, y: number, thickness = 0.6): void {
    this.page.drawLine({ start: { x: x1, y }, end: { x: x2, y }, thickness, color: COLORS.rule });
  }
}
