/**
 * The visible appearance of a signature widget: a small form XObject drawn with pdf-lib on a throw-away page (subset
 * Noto Sans SC, so Chinese names show) and copied into the document being signed. Its objects get numbers above
 * every object of the file, so the incremental update (placeholder.ts) can write them after the existing bytes.
 */
import { PDFDocument, rgb, type PDFRef } from "pdf-lib";
import { embedFonts } from "./fonts.js";
import { signatureBoxOf, type SignatureBox } from "./signature-boxes.js";

export interface Appearance {
  ref: PDFRef;
  box: SignatureBox;
  /** The first object number of the copied objects (all of them are new). */
  firstObject: number;
}

const SEAL = rgb(0.72, 0.08, 0.08);

/** Draws `lines` into the recorded box of `field` (none recorded: undefined, the signature stays invisible). */
export async function makeAppearance(pdf: Buffer, doc: PDFDocument, field: string, lines: string[]): Promise<Appearance | undefined> {
  const box = signatureBoxOf(doc, field);
  if (!box) return undefined;
  const [x1, y1, x2, y2] = box.rect;
  const width = Math.max(20, x2 - x1);
  const height = Math.max(12, y2 - y1);
  const tmp = await PDFDocument.create({ updateMetadata: false });
  const fonts = await embedFonts(tmp);
  const page = tmp.addPage([width, height]);
  page.drawRectangle({ x: 0.5, y: 0.5, width: width - 1, height: height - 1, color: rgb(1, 1, 1), borderColor: SEAL, borderWidth: 0.8 });
  const pad = 3;
  let size = Math.min(9, (height - 2 * pad) / (lines.length * 1.25));
  for (const l of lines) size = Math.min(size, (width - 2 * pad) / Math.max(1, fonts.width(l, "regular", 1)));
  lines.forEach((l, i) => {
    const font = i === 0 ? fonts.bold : fonts.regular;
    page.drawText(l, { x: pad, y: height - pad - (i + 1) * size * 1.2 + size * 0.2, size, font, color: SEAL });
  });
  const src = await PDFDocument.load(await tmp.save({ useObjectStreams: false }));
  // New objects are numbered after everything the file already has (also objects only named by /Size of an update).
  const ctx = doc.context;
  const sizes = [...pdf.subarray(Math.max(0, pdf.length - 4096)).toString("latin1").matchAll(/\/Size\s+(\d+)/g)].map((m) => Number(m[1]));
  ctx.largestObjectNumber = Math.max(ctx.largestObjectNumber, ...sizes.map((n) => n - 1));
  const firstObject = ctx.largestObjectNumber + 1;
  const embedded = await doc.embedPage(src.getPage(0));
  await embedded.embed();
  return { ref: embedded.ref, box, firstObject };
}
