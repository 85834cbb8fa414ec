/**
 * inspectEnvelope: streaming parse of an envelope file on disk.
 */
import { parseEnvelope } from "./envelope-parser";
import { FileSource, StreamSource, detectFormat, pemToDer } from "./file-source";
import type { EnvelopeInfo } from "./types";

/**
 * Parses the CMS EnvelopedData in the file at `path` (DER, or PEM armoured as
 * "CMS" / "PKCS7") without loading it: the recipients, the content cipher and
 * IV, and where the ciphertext lies (for PEM, offsets into the decoded DER
 * stream). Definite and indefinite (`openssl cms -stream`) lengths are read.
 *
 * Throws SealingError ENVELOPE_CORRUPT (not DER/PEM, malformed, truncated),
 * ENVELOPE_NOT_ENVELOPED, ENVELOPE_UNSUPPORTED_CIPHER; file-system errors
 * (ENOENT, EACCES) pass through unchanged.
 */
export async function inspectEnvelope(path: string): Promise<EnvelopeInfo> {
  const format = await detectFormat(path);
  const src = format === "der" ? await FileSource.open(path) : new StreamSource(pemToDer(path));
  try {
    return await parseEnvelope(src, format);
  } finally {
    await src.close();
  }
}
