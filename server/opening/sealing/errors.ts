/**
 * Typed errors of the sealing library. Browser-safe (no Node imports).
 *
 * Every failure the library reports on purpose is a {@link SealingError}
 * whose `code` is one of the stable strings below; callers switch on `code`,
 * never on `message` (messages are for logs and may change).
 */

/** Stable error codes. */
export type SealingErrorCode =
  /** Not DER/PEM, malformed or truncated DER, or a broken PEM armour. */
  | "ENVELOPE_CORRUPT"
  /** Well-formed CMS but not EnvelopedData (e.g. SignedData, AuthEnvelopedData). */
  | "ENVELOPE_NOT_ENVELOPED"
  /** Content-encryption algorithm other than AES-128/192/256-CBC. */
  | "ENVELOPE_UNSUPPORTED_CIPHER"
  /** No RecipientInfo is addressed to the given certificate / key. */
  | "ENVELOPE_NOT_FOR_RECIPIENT"
  /** Content key does not fit the cipher, or decryption fails (bad padding). */
  | "ENVELOPE_WRONG_KEY"
  /** RSA decryption of the encryptedKey failed (wrong private key, bad padding). */
  | "ENVELOPE_UNWRAP_FAILED"
  /** RecipientInfo uses a key-transport scheme this library does not implement. */
  | "ENVELOPE_UNSUPPORTED_KEY_TRANSPORT"
  /** The certificate given cannot be parsed or has no RSA key. */
  | "CERTIFICATE_INVALID"
  /** The private key (PEM / PKCS#12) cannot be read or the password is wrong. */
  | "PRIVATE_KEY_INVALID"
  /** The decrypted bid is not a ZIP archive. */
  | "BID_NOT_ZIP"
  /** A ZIP entry is damaged (CRC, sizes, unsafe name, encryption, bad compression). */
  | "BID_ZIP_CORRUPT"
  /** The ZIP exceeds the entry-count or uncompressed-size limits (zip bomb guard). */
  | "BID_ZIP_TOO_LARGE"
  /** The ZIP has no `bid.json` at its root. */
  | "BID_JSON_MISSING"
  /** `bid.json` is not valid UTF-8 JSON. */
  | "BID_JSON_INVALID";

/** An expected failure of the sealing library, identified by a stable `code`. */
export class SealingError extends Error {
  readonly code: SealingErrorCode;

  constructor(code: SealingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SealingError";
    this.code = code;
  }
}

/** True when `err` is a {@link SealingError} (optionally with the given code). */
export function isSealingError(err: unknown, code?: SealingErrorCode): err is SealingError {
  return err instanceof SealingError && (code === undefined || err.code === code);
}
