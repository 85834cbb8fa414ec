/**
 * Data shapes returned by the envelope parser. Browser-safe.
 */
import type { CipherSpec, OaepHash } from "./algorithms";

/** How the key-encryption (RSA) step of a RecipientInfo is done. */
export type KeyEncryptionAlgorithm =
  | { name: "rsaEncryption"; oid: string; padding: "pkcs1" }
  | {
      name: "rsaesOaep";
      oid: string;
      padding: "oaep";
      /** OAEP hash; null when the params name a hash this library does not know. */
      hash: OaepHash | null;
      /** MGF1 hash; null when unknown (or a mask generation function other than MGF1). */
      mgf1Hash: OaepHash | null;
      /** OAEP label (pSpecified); empty by default. */
      label: Uint8Array;
    }
  | { name: "unknown"; oid: string; padding: null };

/** A KeyTransRecipientInfo (RSA key transport), the only kind this library opens. */
export interface KeyTransRecipientInfo {
  kind: "keyTransport";
  /** Position in the envelope's RecipientInfos. */
  index: number;
  version: number;
  /** Issuer of the recipient certificate (rid = issuerAndSerialNumber), else null. */
  issuer: { dn: string; der: Uint8Array } | null;
  /** Serial number as lowercase hex (rid = issuerAndSerialNumber), else null. */
  serialNumberHex: string | null;
  /** subjectKeyIdentifier as lowercase hex (rid = [0] SKI), else null. */
  subjectKeyIdentifierHex: string | null;
  keyEncryptionAlgorithm: KeyEncryptionAlgorithm;
  encryptedKey: Uint8Array;
}

/** Any other RecipientInfo choice (key agreement, KEK, password, other): listed, not opened. */
export interface OtherRecipientInfo {
  kind: "keyAgreement" | "kek" | "password" | "other";
  index: number;
}

/** One RecipientInfo of an envelope. */
export type RecipientInfo = KeyTransRecipientInfo | OtherRecipientInfo;

/** A run of ciphertext bytes inside the DER encoding. */
export interface ContentSegment {
  /** Offset in the DER bytes (for PEM files: in the base64-decoded DER stream). */
  offset: number;
  length: number;
}

/** Everything before the ciphertext: enough to recover the content key. */
export interface EnvelopeHeader {
  /** How the file was encoded. */
  format: "der" | "pem";
  /** EnvelopedData version. */
  version: number;
  recipients: RecipientInfo[];
  /** Inner content type (normally id-data). */
  contentType: string;
  /** Content-encryption algorithm and its IV. */
  cipher: CipherSpec & { iv: Uint8Array };
}

/** The parsed envelope, without the ciphertext itself. */
export interface EnvelopeInfo extends EnvelopeHeader {
  /** Where the ciphertext lies: one segment if definite-length, one per chunk if constructed. */
  encryptedContent: {
    segments: ContentSegment[];
    /** Total ciphertext length in bytes. */
    length: number;
    /** True when the content was a constructed (chunked) OCTET STRING, e.g. `openssl cms -stream`. */
    chunked: boolean;
  };
  /** Length of the DER encoding in bytes. */
  derLength: number;
}
