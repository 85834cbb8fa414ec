/**
 * Where a signature shows: a signature block (blocks.ts) records the box of each signer that names a `field`; the
 * renderer writes them into the document information dictionary (`/BidHallSignatureBoxes`, JSON text), and the
 * incremental placeholder (placeholder.ts) reads the box of its field there to place a visible widget with an
 * appearance stream (name, seat, time) instead of an invisible one. Documents without the entry sign invisibly.
 */
import { PDFDict, PDFHexString, PDFName, PDFString, type PDFDocument, type PDFRef } from "pdf-lib";

export interface SignatureBox {
  field: string;
  page: number;
  rect: [number, number, number, number];
}

const KEY = PDFName.of("BidHallSignatureBoxes");

function infoDict(doc: PDFDocument): PDFDict | undefined {
  const info = doc.context.trailerInfo.Info;
  return info ? doc.context.lookupMaybe(info as PDFRef, PDFDict) : undefined;
}

/** Stores the boxes in the info dictionary of a document being rendered. */
export function recordSignatureBoxes(doc: PDFDocument, boxes: SignatureBox[]): void {
  if (boxes.length === 0) return;
  infoDict(doc)?.set(KEY, PDFHexString.fromText(JSON.stringify(boxes)));
}

/** The box recorded for `field`, if any. */
export function signatureBoxOf(doc: PDFDocument, field: string): SignatureBox | undefined {
  const v = infoDict(doc)?.get(KEY);
  if (!(v instanceof PDFHexString || v instanceof PDFString)) return undefined;
  try {
    const boxes = JSON.parse(v.decodeText()) as SignatureBox[];
    return boxes.find((b) => b.field === field && b.page >= 0 && b.page < doc.getPageCount() && b.rect.length === 4);
  } catch {
    return undefined;
  }
}
