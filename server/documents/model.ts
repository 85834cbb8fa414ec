/**
 * Document model rendered by {@link renderPdf}: an A4 page flow of blocks.
 * Shared by the opening record (开标记录表), the evaluation report (评标报告)
 * and the statistics report. All text is plain Unicode; times are formatted by
 * the caller (see `formatShanghai`).
 */

/** Horizontal alignment of text inside its box. */
export type Align = "left" | "center" | "right";

/** PDF document information dictionary. Strings may be Chinese. */
export interface PdfMetadata {
  /** Defaults to the document title. */
  title?: string;
  subject?: string;
  author?: string;
  keywords?: string[];
  /** Defaults to `new Date()`; pass a fixed date for byte-identical output. */
  creationDate?: Date;
}

/** A document: A4, a title printed on the first page, and a list of blocks. */
export interface PdfDoc {
  title: string;
  /** Default `portrait`. */
  orientation?: "portrait" | "landscape";
  metadata?: PdfMetadata;
  /** Small text at the left of every footer (e.g. the project number). */
  footerText?: string;
  blocks: PdfBlock[];
}

/** Section heading; level 1 is the largest. Never left alone at a page bottom. */
export interface HeadingBlock {
  kind: "heading";
  text: string;
  level?: 1 | 2 | 3;
}

/** Wrapped text. `\n` starts a new line. CJK wraps anywhere, Latin at spaces. */
export interface ParagraphBlock {
  kind: "paragraph";
  text: string;
  align?: Align;
  bold?: boolean;
  /** Default 10.5 (五号). */
  fontSize?: number;
  /** Indent the first line by two full-width characters (首行缩进). */
  indent?: boolean;
}

/** Borderless label/value list, e.g. project name, number, opening time. */
export interface KeyValueBlock {
  kind: "keyValue";
  items: { key: string; value: string }[];
  /** Share of the content width for the key column, default 0.25. */
  keyWidth?: number;
}

/** Table column: `width` is a share of the content width (normalised to sum 1). */
export interface TableColumn {
  header: string;
  width: number;
  align?: Align;
}

/** Bordered table; cells wrap, rows continue on the next page with the header repeated. */
export interface TableBlock {
  kind: "table";
  columns: TableColumn[];
  /** Every row has exactly `columns.length` cells. */
  rows: string[][];
  /** Bold line printed above the table. */
  caption?: string;
  /** Default 9. */
  fontSize?: number;
}

/** Signature area: one box per person with the name and blank lines to sign on. */
export interface SignatureBlock {
  kind: "signatures";
  title?: string;
  /** `field`: the name of the signature field that will sign in this box (its rectangle is recorded, see signature-boxes.ts). */
  signers: { role: string; name?: string; field?: string }[];
  /** Boxes per row, default 2. */
  columns?: number;
  /** Add a blank 日期 line under each signature line. Default true. */
  withDate?: boolean;
}

/** PNG image (e.g. a chart), scaled to `width` × content width (default: natural size, at most 1). */
export interface ImageBlock {
  kind: "image";
  png: Uint8Array;
  width?: number;
  align?: Align;
  caption?: string;
}

/** Vertical space in points. */
export interface SpacerBlock {
  kind: "spacer";
  height: number;
}

/** Continue on a new page. */
export interface PageBreakBlock {
  kind: "pageBreak";
}

/** Any block of a {@link PdfDoc}. */
export type PdfBlock =
  | HeadingBlock
  | ParagraphBlock
  | KeyValueBlock
  | TableBlock
  | SignatureBlock
  | ImageBlock
  | SpacerBlock
  | PageBreakBlock;
