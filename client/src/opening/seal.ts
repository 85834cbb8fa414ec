// The browser side of sealing, loaded lazily by the bidder pages only (it
// pulls node-forge): ZIP → CMS envelope for the company's certificate and the
// lot's escrow certificate; and the content key recovered from the bidder's
// own copy of the envelope with its private key, which never leaves the page.
import { recoverContentKey, sealForRecipients, isSealingError, type BidderCredentials } from "@sealing/browser";

export type { BidderCredentials };

/** Seals the ZIP for the given certificates: AES-256-CBC, RSA-OAEP (SHA-256). */
export function sealZip(zip: Uint8Array, certsPem: string[]): Uint8Array {
  return sealForRecipients(zip, certsPem, { cipher: "aes-256-cbc", padding: "oaep" });
}

/**
 * Recovers the content key (hex) from the envelope. For DER only the start of
 * the file is needed; PEM needs the whole text.
 */
export async function recoverKeyHex(envelope: Blob, credentials: BidderCredentials): Promise<string> {
  const head = new Uint8Array(await envelope.slice(0, 1).arrayBuffer());
  const bytes = head[0] === 0x30 ? new Uint8Array(await envelope.slice(0, 256 * 1024).arrayBuffer()) : new Uint8Array(await envelope.arrayBuffer());
  return (await recoverContentKey(bytes, credentials)).contentKeyHex;
}

/** The sealing library's error code, if it is one of its errors. */
export function sealingErrorCode(err: unknown): string | null {
  return isSealingError(err) ? (err as { code: string }).code : null;
}
