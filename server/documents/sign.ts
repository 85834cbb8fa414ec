/**
 * `signPdf`: adds one `adbe.pkcs7.detached` signature (RSA, SHA-256) as an
 * incremental update. Sign a rendered report several times (each expert, then
 * the platform) with different field names; earlier signatures stay valid.
 */
import { SignPdf } from "@signpdf/signpdf";
import { DEFAULT_SIGNATURE_LENGTH, Signer } from "@signpdf/utils";
import { buildDetachedSignedData } from "./cms.js";
import { DocumentError } from "./errors.js";
import { appendPlaceholder, fieldNames, lastStartXref, loadPdf } from "./placeholder.js";
import { loadSigner, type SignerMaterial, type SignerPems } from "./signer-keys.js";

export type { SignerPems } from "./signer-keys.js";

/** Options of one signature. Text may be Chinese (written as UTF-16 hex strings). */
export interface SignOptions {
  /** Unique AcroForm field name, e.g. `expert-1`, `platform`. No dots. */
  fieldName: string;
  /** e.g. "评标报告确认" or "Evaluation report approved". */
  reason: string;
  /** Name of the signing person or organisation (`/Name`). */
  name: string;
  location?: string;
  contactInfo?: string;
  /** Signing time written to `/M` and the CMS signingTime; default now. */
  signedAt?: Date;
  /** Bytes reserved for the CMS blob; default 8192. */
  signatureLength?: number;
}

/** Signer that throws SIGNATURE_TOO_LARGE itself rather than a SignPdfError. */
class PlatformSigner extends Signer {
  constructor(
    private readonly material: SignerMaterial,
    private readonly signedAt: Date,
    private readonly maxLength: number,
  ) {
    super();
  }

  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    const cms = buildDetachedSignedData(pdfBuffer, this.material, this.signedAt);
    if (cms.length > this.maxLength) {
      throw new DocumentError("SIGNATURE_TOO_LARGE", `CMS is ${cms.length} bytes, placeholder holds ${this.maxLength}`);
    }
    return cms;
  }
}

function checkOptions(opts: SignOptions): void {
  const bad = (why: string) => new DocumentError("SIGNATURE_OPTIONS_INVALID", why);
  if (!/^[^.\u0000-\u001f]{1,100}$/u.test(opts.fieldName)) throw bad("fieldName must be 1–100 chars without dots");
  if (!opts.name.trim()) throw bad("name is empty");
  if (opts.reason.length > 500) throw bad("reason is longer than 500 chars");
  if (opts.signedAt && Number.isNaN(opts.signedAt.getTime())) throw bad("signedAt is an invalid Date");
  const len = opts.signatureLength ?? DEFAULT_SIGNATURE_LENGTH;
  if (!Number.isInteger(len) || len < 1024 || len > 65536) throw bad("signatureLength must be 1024–65536");
}

/**
 * Signs `pdf` and returns the signed bytes (input bytes + incremental update).
 * @throws DocumentError PDF_INVALID, SIGNER_* (see `loadSigner`),
 *   SIGNATURE_FIELD_EXISTS, SIGNATURE_TOO_LARGE, SIGNATURE_OPTIONS_INVALID
 */
export async function signPdf(pdf: Uint8Array, signer: SignerPems, opts: SignOptions): Promise<Uint8Array> {
  checkOptions(opts);
  const now = new Date();
  const signedAt = opts.signedAt ?? now;
  const material = loadSigner(signer, [now, signedAt]);

  let bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let doc = await loadPdf(bytes);
  const xrefAt = lastStartXref(bytes);
  const classicXref = bytes.subarray(xrefAt, xrefAt + 4).toString("latin1") === "xref";
  if (!classicXref && fieldNames(doc).length === 0) {
    // Cross-reference streams from other producers: rewrite once, classic, while nothing is signed yet.
    bytes = Buffer.from(await doc.save({ useObjectStreams: false }));
    doc = await loadPdf(bytes);
  }
  if (fieldNames(doc).includes(opts.fieldName)) {
    throw new DocumentError("SIGNATURE_FIELD_EXISTS", `field "${opts.fieldName}" already exists`);
  }
  const signatureLength = opts.signatureLength ?? DEFAULT_SIGNATURE_LENGTH;
  const prepared = appendPlaceholder(bytes, doc, {
    fieldName: opts.fieldName,
    reason: opts.reason,
    name: opts.name,
    signingTime: signedAt,
    signatureLength,
    ...(opts.location ? { location: opts.location } : {}),
    ...(opts.contactInfo ? { contactInfo: opts.contactInfo } : {}),
  });
  const signed = await new SignPdf().sign(prepared, new PlatformSigner(material, signedAt, signatureLength));
  return new Uint8Array(signed.buffer, signed.byteOffset, signed.byteLength);
}
