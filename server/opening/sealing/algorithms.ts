/**
 * Algorithm identifiers and the content-key helper. Browser-safe.
 */
import { fromHex } from "./der";
import { SealingError } from "./errors";

/** Object identifiers used in CMS EnvelopedData. */
export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  envelopedData: "1.2.840.113549.1.7.3",
  authEnvelopedData: "1.2.840.113549.1.9.16.1.23",
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsaesOaep: "1.2.840.113549.1.1.7",
  mgf1: "1.2.840.113549.1.1.8",
  pSpecified: "1.2.840.113549.1.1.9",
  subjectKeyIdentifier: "2.5.29.14",
} as const;

/** Supported content-encryption ciphers (Node/OpenSSL cipher names). */
export type ContentCipherName = "aes-128-cbc" | "aes-192-cbc" | "aes-256-cbc";

/** Static facts about a supported cipher. */
export interface CipherSpec {
  name: ContentCipherName;
  oid: string;
  /** Key length in bytes. */
  keyLength: 16 | 24 | 32;
}

/** Supported ciphers by name. */
export const CIPHERS: Readonly<Record<ContentCipherName, CipherSpec>> = {
  "aes-128-cbc": { name: "aes-128-cbc", oid: "2.16.840.1.101.3.4.1.2", keyLength: 16 },
  "aes-192-cbc": { name: "aes-192-cbc", oid: "2.16.840.1.101.3.4.1.22", keyLength: 24 },
  "aes-256-cbc": { name: "aes-256-cbc", oid: "2.16.840.1.101.3.4.1.42", keyLength: 32 },
};

/** Known but unsupported content ciphers, for readable error messages. */
const UNSUPPORTED_CIPHERS: Readonly<Record<string, string>> = {
  "1.2.840.113549.3.7": "des-ede3-cbc",
  "1.3.14.3.2.7": "des-cbc",
  "1.2.840.113549.3.2": "rc2-cbc",
  "2.16.840.1.101.3.4.1.6": "aes-128-gcm",
  "2.16.840.1.101.3.4.1.26": "aes-192-gcm",
  "2.16.840.1.101.3.4.1.46": "aes-256-gcm",
  "1.2.156.10197.1.104.2": "sm4-cbc",
};

/** Cipher spec for an OID; throws ENVELOPE_UNSUPPORTED_CIPHER otherwise. */
export function cipherByOid(oid: string): CipherSpec {
  for (const spec of Object.values(CIPHERS)) if (spec.oid === oid) return spec;
  const known = UNSUPPORTED_CIPHERS[oid];
  throw new SealingError(
    "ENVELOPE_UNSUPPORTED_CIPHER",
    `content encryption ${known ?? oid} is not supported (only AES-128/192/256-CBC)`,
  );
}

/** Hash functions allowed in RSAES-OAEP-params (Node digest names). */
export type OaepHash = "sha1" | "sha224" | "sha256" | "sha384" | "sha512";

/** OAEP hash OIDs. */
export const HASH_OIDS: Readonly<Record<OaepHash, string>> = {
  sha1: "1.3.14.3.2.26",
  sha224: "2.16.840.1.101.3.4.2.4",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
};

/** Hash name for an OID, or null if unknown. */
export function hashByOid(oid: string): OaepHash | null {
  for (const [name, o] of Object.entries(HASH_OIDS)) if (o === oid) return name as OaepHash;
  return null;
}

/**
 * Validates a hex content key for a cipher and returns its bytes.
 * Accepts upper or lower case; surrounding whitespace is ignored.
 * Throws ENVELOPE_WRONG_KEY when the text is not hex or has the wrong length
 * (32 hex digits for AES-128, 48 for AES-192, 64 for AES-256).
 */
export function keyFromHex(hex: string, cipher: ContentCipherName | CipherSpec): Uint8Array {
  const spec = typeof cipher === "string" ? CIPHERS[cipher] : cipher;
  if (!spec) throw new SealingError("ENVELOPE_UNSUPPORTED_CIPHER", `unknown cipher ${String(cipher)}`);
  const text = hex.trim();
  const bytes = fromHex(text);
  if (!bytes) throw new SealingError("ENVELOPE_WRONG_KEY", "content key is not valid hex");
  if (bytes.length !== spec.keyLength) {
    throw new SealingError(
      "ENVELOPE_WRONG_KEY",
      `${spec.name} needs a ${spec.keyLength * 2}-hex-digit key, got ${text.length} digits`,
    );
  }
  return bytes;
}
