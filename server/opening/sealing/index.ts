/**
 * Sealed bids (CMS EnvelopedData, RFC 5652) on the server: inspect an
 * envelope file, find the recipient, unwrap the content key, stream-decrypt,
 * check the bid ZIP. No HTTP, no database.
 *
 * Browser code must import "./browser" instead (forge only, no node:*).
 */
export { CIPHERS, keyFromHex, type CipherSpec, type ContentCipherName, type OaepHash } from "./algorithms";
export { checkBidZip, type BidZipCheck, type BidZipEntry, type BidZipLimits } from "./bid-zip";
export { parseCertificate, type CertificateIds } from "./certificate";
export { decryptToFile, sha256File, type DecryptResult } from "./decrypt";
export { SealingError, isSealingError, type SealingErrorCode } from "./errors";
export { inspectEnvelope } from "./inspect";
export { findRecipient } from "./recipients";
export { sealForRecipients, type SealOptions } from "./seal";
export type * from "./types";
export { unwrapKey, type UnwrapOptions } from "./unwrap";
