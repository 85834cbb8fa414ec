/**
 * Appends the pages of another PDF to a (possibly signed) PDF as an incremental update: the existing bytes stay as
 * they are, so every earlier signature keeps verifying over its byte range. Used for the signing record page of the
 * evaluation report (who signed, who refused and why), added after the members and before the platform's seal.
 */
import { PDFDict, PDFDocument, PDFName, PDFRef } from "pdf-lib";
import { lastStartXref, loadPdf, serialize, xrefTable } from "./placeholder.js";

export async function appendPages(pdf: Uint8Array, extra: Uint8Array): Promise<Buffer> {
  const bytes = Buffer.from(pdf);
  const doc = await loadPdf(bytes);
  const ctx = doc.context;
  const prevXref = lastStartXref(bytes);
  const sizes = [...bytes.subarray(Math.max(0, bytes.length - 4096)).toString("latin1").matchAll(/\/Size\s+(\d+)/g)].map((m) => Number(m[1]));
  ctx.largestObjectNumber = Math.max(ctx.largestObjectNumber, ...sizes.map((n) => n - 1));
  const first = ctx.largestObjectNumber + 1;
  const src = await PDFDocument.load(extra);
  const pages = await doc.copyPages(src, src.getPageIndices());
  for (const p of pages) doc.addPage(p);
  const changed = new Map<number, PDFRef>();
  for (const [ref] of ctx.enumerateIndirectObjects()) if (ref.objectNumber >= first) changed.set(ref.objectNumber, ref);
  // The page tree nodes above the new pages (their /Kids and /Count changed).
  for (const p of pages) {
    let parent = p.node.get(PDFName.of("Parent"));
    while (parent instanceof PDFRef) {
      changed.set(parent.objectNumber, parent);
      parent = ctx.lookupMaybe(parent, PDFDict)?.get(PDFName.of("Parent"));
    }
  }
  const root = ctx.trailerInfo.Root;
  let update = "\n";
  const entries: { ref: PDFRef; offset: number }[] = [];
  for (const ref of [...changed.values()].sort((a, b) => a.objectNumber - b.objectNumber)) {
    entries.push({ ref, offset: bytes.length + Buffer.byteLength(update, "latin1") });
    update += `${ref.objectNumber} ${ref.generationNumber} obj\n${serialize(ctx.lookup(ref)!)}\nendobj\n`;
  }
  const xrefOffset = bytes.length + Buffer.byteLength(update, "latin1");
  const { Info, ID } = ctx.trailerInfo;
  const trailer = [`/Size ${ctx.largestObjectNumber + 1}`, `/Root ${root!.toString()}`, ...(Info ? [`/Info ${Info.toString()}`] : []), ...(ID ? [`/ID ${ID.toString()}`] : []), `/Prev ${prevXref}`];
  update += `${xrefTable(entries)}trailer\n<< ${trailer.join(" ")} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.concat([bytes, Buffer.from(update, "latin1")]);
}
