/**
 * Typed errors of the document module. Callers switch on `code`, which is
 * stable; `message` is for logs and may change.
 */

/** Stable error codes raised by `server/documents`. */
export const DOCUMENT_ERROR_CODES = [
  /** The document model is malformed (row length, widths, image bytes…). */
  "DOC_INVALID",
  /** The input bytes are not a readable, unencrypted PDF. */
  "PDF_INVALID",
  /** The certificate PEM cannot be parsed. */
  "SIGNER_CERT_INVALID",
  /** The private key PEM cannot be parsed or is not RSA. */
  "SIGNER_KEY_INVALID",
  /** The private key does not belong to the certificate. */
  "SIGNER_KEY_MISMATCH",
  /** The certificate's notAfter lies before the signing time (or now). */
  "SIGNER_CERT_EXPIRED",
  /** The certificate's notBefore lies after the signing time (or now). */
  "SIGNER_CERT_NOT_YET_VALID",
  /** A signature field with this name already exists in the PDF. */
  "SIGNATURE_FIELD_EXISTS",
  /** The CMS signature does not fit into the reserved placeholder. */
  "SIGNATURE_TOO_LARGE",
  /** Field name, reason, … are not acceptable. */
  "SIGNATURE_OPTIONS_INVALID",
  /** `pdfsig` is missing or failed in an unexpected way. */
  "VERIFY_TOOL_FAILED",
] as const;

/** One of {@link DOCUMENT_ERROR_CODES}. */
export type DocumentErrorCode = (typeof DOCUMENT_ERROR_CODES)[number];

/** Error raised by rendering, signing and verification helpers. */
export class DocumentError extends Error {
  override readonly name = "DocumentError";

  constructor(
    readonly code: DocumentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Type guard: `err` is a {@link DocumentError}, optionally with `code`. */
export function isDocumentError(err: unknown, code?: DocumentErrorCode): err is DocumentError {
  return err instanceof DocumentError && (code === undefined || err.code === code);
}
