/**
 * Appends an empty signature field to a PDF as an incremental update: the
 * original bytes stay untouched (so earlier signatures stay valid) and a new
 * section with the signature dictionary, its widget, the updated AcroForm /
 * page / catalog and a classic xref table follows.
 *
 * Written here rather than with `@signpdf/placeholder-plain` 3.3, which names
 * every field `SignatureN` (no custom field names), garbles non-ASCII
 * `/Reason` and `/Name` (its UTF-16 string is re-encoded as UTF-8), and finds
 * an existing AcroForm by searching for `/Type /AcroForm`, which pdf-lib's
 * AcroForm does not carry. pdf-lib is used only to read the object graph.
 */
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  ParseSpeeds,
  type PDFObject,
} from "pdf-lib";
import { ANNOTATION_FLAGS, DEFAULT_BYTE_RANGE_PLACEHOLDER, SIG_FLAGS, SUBFILTER_ADOBE_PKCS7_DETACHED } from "@signpdf/utils";
import { DocumentError } from "./errors.js";
import type { Appearance } from "./appearance.js";

/** Entries of the new signature dictionary. */
export interface PlaceholderOptions {
  fieldName: string;
  reason: string;
  name: string;
  location?: string;
  contactInfo?: string;
  signingTime: Date;
  /** Bytes reserved for the CMS blob (hex doubles it in the file). */
  signatureLength: number;
  /** A visible widget in the field's recorded box (appearance.ts makeAppearance, on the same `doc`); else invisible. */
  appearance?: Appearance | undefined;
}

/** Annotation flag 8 (Locked): the widget cannot be deleted or moved. */
const LOCKED = 128;
const name = (n: string) => PDFName.of(n);
const text = (s: string) => PDFHexString.fromText(s).toString();

/** Loads `pdf` read-only with pdf-lib; anything unreadable or encrypted is PDF_INVALID. */
export async function loadPdf(pdf: Uint8Array): Promise<PDFDocument> {
  const head = Buffer.from(pdf.subarray(0, 1024)).toString("latin1");
  if (!head.includes("%PDF-")) throw new DocumentError("PDF_INVALID", "input has no %PDF- header");
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, {
      updateMetadata: false,
      throwOnInvalidObject: true,
      parseSpeed: ParseSpeeds.Fastest,
    });
  } catch (cause) {
    throw new DocumentError("PDF_INVALID", "input cannot be parsed as PDF", { cause });
  }
  if (doc.isEncrypted) throw new DocumentError("PDF_INVALID", "encrypted PDFs cannot be signed");
  if (doc.getPageCount() === 0) throw new DocumentError("PDF_INVALID", "PDF has no pages");
  return doc;
}

/** Offset of the last cross-reference section (the final `startxref`). */
export function lastStartXref(pdf: Buffer): number {
  const tail = pdf.subarray(Math.max(0, pdf.length - 2048)).toString("latin1");
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!match?.[1]) throw new DocumentError("PDF_INVALID", "no startxref/%%EOF at the end of the file");
  return Number(match[1]);
}

/** Names (`/T`) of the top-level AcroForm fields. */
export function fieldNames(doc: PDFDocument): string[] {
  const fields = doc.catalog.lookupMaybe(name("AcroForm"), PDFDict)?.lookupMaybe(name("Fields"), PDFArray);
  const names: string[] = [];
  for (let i = 0; i < (fields?.size() ?? 0); i++) {
    const t = fields?.lookupMaybe(i, PDFDict)?.get(name("T"));
    if (t instanceof PDFString || t instanceof PDFHexString) names.push(t.decodeText());
  }
  return names;
}

function signatureDict(opts: PlaceholderOptions): string {
  const br = `/${DEFAULT_BYTE_RANGE_PLACEHOLDER}`;
  const lines = [
    "<<",
    "/Type /Sig",
    "/Filter /Adobe.PPKLite",
    `/SubFilter /${SUBFILTER_ADOBE_PKCS7_DETACHED}`,
    `/ByteRange [0 ${br} ${br} ${br}]`,
    `/Contents <${"0".repeat(opts.signatureLength * 2)}>`,
    `/Reason ${text(opts.reason)}`,
    `/M ${PDFString.fromDate(opts.signingTime).toString()}`,
    `/Name ${text(opts.name)}`,
    ...(opts.location ? [`/Location ${text(opts.location)}`] : []),
    ...(opts.contactInfo ? [`/ContactInfo ${text(opts.contactInfo)}`] : []),
    "/Prop_Build << /Filter << /Name /Adobe.PPKLite >> /App << /Name /bid-hall >> >>",
    ">>",
  ];
  return lines.join("\n");
}

export function serialize(obj: PDFObject): string {
  const bytes = new Uint8Array(obj.sizeInBytes());
  obj.copyBytesInto(bytes, 0);
  return Buffer.from(bytes).toString("latin1");
}

/** Classic xref section for `entries` (object number → offset, generation). */
export function xrefTable(entries: { ref: PDFRef; offset: number }[]): string {
  const sorted = [...entries].sort((a, b) => a.ref.objectNumber - b.ref.objectNumber);
  let out = "xref\n";
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (sorted[j + 1]?.ref.objectNumber === (sorted[j]?.ref.objectNumber ?? 0) + 1) j++;
    out += `${sorted[i]?.ref.objectNumber} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) {
      const e = sorted[k];
      if (e) out += `${String(e.offset).padStart(10, "0")} ${String(e.ref.generationNumber).padStart(5, "0")} n\r\n`;
    }
    i = j + 1;
  }
  return out;
}

/**
 * Returns `pdf` + an incremental update adding the signature field
 * `opts.fieldName` (invisible widget on page 1) with a zero-filled
 * `/Contents` placeholder and a `/ByteRange` placeholder.
 */
export function appendPlaceholder(pdf: Buffer, doc: PDFDocument, opts: PlaceholderOptions): Buffer {
  const ctx = doc.context;
  const prevXref = lastStartXref(pdf);
  const root = ctx.trailerInfo.Root;
  if (!(root instanceof PDFRef)) throw new DocumentError("PDF_INVALID", "trailer has no /Root reference");
  const tail = pdf.subarray(Math.max(0, pdf.length - 4096)).toString("latin1");
  const sizes = [...tail.matchAll(/\/Size\s+(\d+)/g)].map((m) => Number(m[1]));
  let next = Math.max(ctx.largestObjectNumber + 1, ...sizes);
  const alloc = () => PDFRef.of(next++);

  const objects: { ref: PDFRef; body: string }[] = [];
  const sigRef = alloc();
  const widgetRef = alloc();
  objects.push({ ref: sigRef, body: signatureDict(opts) });

  const ap = opts.appearance;
  const page = doc.getPage(ap ? ap.box.page : 0);
  const widget = ctx.obj({
    Type: "Annot",
    Subtype: "Widget",
    FT: "Sig",
    Rect: ap ? ap.box.rect : [0, 0, 0, 0],
    V: sigRef,
    T: PDFHexString.fromText(opts.fieldName),
    F: ANNOTATION_FLAGS.PRINT | LOCKED,
    P: page.ref,
    ...(ap ? { AP: { N: ap.ref } } : {}),
  });
  objects.push({ ref: widgetRef, body: serialize(widget) });
  // The appearance's objects (copied into the context by makeAppearance, numbered from firstObject on).
  if (ap) for (const [ref, obj] of ctx.enumerateIndirectObjects()) if (ref.objectNumber >= ap.firstObject && ref.objectNumber < sigRef.objectNumber) objects.push({ ref, body: serialize(obj) });

  // Page /Annots: rewrite the array object if indirect, else the page.
  const annots = page.node.get(name("Annots"));
  if (annots instanceof PDFRef) {
    const arr = ctx.lookup(annots, PDFArray).clone(ctx);
    arr.push(widgetRef);
    objects.push({ ref: annots, body: serialize(arr) });
  } else {
    const pageDict = page.node.clone(ctx);
    const arr = annots instanceof PDFArray ? annots.clone(ctx) : ctx.obj([]);
    arr.push(widgetRef);
    pageDict.set(name("Annots"), arr);
    objects.push({ ref: page.ref, body: serialize(pageDict) });
  }

  // AcroForm: rewrite in place if indirect, else make it indirect and rewrite the catalog.
  const formEntry = doc.catalog.get(name("AcroForm"));
  const oldForm = doc.catalog.lookupMaybe(name("AcroForm"), PDFDict);
  const form = oldForm ? oldForm.clone(ctx) : ctx.obj({});
  const oldFields = form.lookupMaybe(name("Fields"), PDFArray);
  const fields = oldFields ? oldFields.clone(ctx) : ctx.obj([]);
  fields.push(widgetRef);
  form.set(name("Fields"), fields);
  const flags = form.lookupMaybe(name("SigFlags"), PDFNumber)?.asNumber() ?? 0;
  form.set(name("SigFlags"), PDFNumber.of(flags | SIG_FLAGS.SIGNATURES_EXIST | SIG_FLAGS.APPEND_ONLY));
  if (formEntry instanceof PDFRef) {
    objects.push({ ref: formEntry, body: serialize(form) });
  } else {
    const formRef = alloc();
    objects.push({ ref: formRef, body: serialize(form) });
    const catalog = doc.catalog.clone(ctx);
    catalog.set(name("AcroForm"), formRef);
    objects.push({ ref: root, body: serialize(catalog) });
  }

  // Serialise: objects, xref, trailer. Offsets are absolute in the new file.
  let update = "\n";
  const entries: { ref: PDFRef; offset: number }[] = [];
  for (const o of objects) {
    entries.push({ ref: o.ref, offset: pdf.length + Buffer.byteLength(update, "latin1") });
    update += `${o.ref.objectNumber} ${o.ref.generationNumber} obj\n${o.body}\nendobj\n`;
  }
  const xrefOffset = pdf.length + Buffer.byteLength(update, "latin1");
  const { Info, ID } = ctx.trailerInfo;
  const trailer = [
    `/Size ${next}`,
    `/Root ${root.toString()}`,
    ...(Info ? [`/Info ${Info.toString()}`] : []),
    ...(ID ? [`/ID ${ID.toString()}`] : []),
    `/Prev ${prevXref}`,
  ];
  update += `${xrefTable(entries)}trailer\n<< ${trailer.join(" ")} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(update, "latin1")]);
}
