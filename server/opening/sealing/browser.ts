/**
 * Browser entry point of the sealing library: everything here runs on
 * node-forge and plain Uint8Array (no node:fs, no node:crypto, no Buffer),
 * so the bidder's page can seal a bid and later recover its content key
 * locally — the private key never leaves the bidder's machine.
 */
import forge from "node-forge";
import type { ContentCipherName } from "./algorithms";
import { MemorySource } from "./byte-source";
import { certificateDer } from "./certificate";
import { Id, fromBinaryString, pemDecode, pemEncode, tlv, toBinaryString, toHex } from "./der";
import { parseEnvelope, parseEnvelopeHeader } from "./envelope-parser";
import { SealingError, isSealingError } from "./errors";
import { forgeUnwrap } from "./forge-rsa";
import { findRecipient } from "./recipients";
import type { EnvelopeHeader, EnvelopeInfo, KeyTransRecipientInfo } from "./types";

export { CIPHERS, keyFromHex, type ContentCipherName } from "./algorithms";
export { parseCertificate, type CertificateIds } from "./certificate";
export { SealingError, isSealingError, type SealingErrorCode } from "./errors";
export { findRecipient } from "./recipients";
export { sealForRecipients, type SealOptions } from "./seal";
export type * from "./types";

const PEM_LABELS = ["CMS", "PKCS7"];

/** DER bytes and format of an envelope given as DER bytes or PEM text/bytes. */
function envelopeDer(envelope: Uint8Array | string): { der: Uint8Array; format: EnvelopeInfo["format"] } {
  if (typeof envelope !== "string" && envelope[0] === 0x30) return { der: envelope, format: "der" };
  const text = typeof envelope === "string" ? envelope : new TextDecoder("latin1").decode(envelope);
  const pemLabel = /-----BEGIN ([A-Z0-9 #]+)-----/.exec(text)?.[1];
  if (!pemLabel) throw new SealingError("ENVELOPE_CORRUPT", "neither DER nor PEM");
  if (!PEM_LABELS.includes(pemLabel)) throw new SealingError("ENVELOPE_NOT_ENVELOPED", `PEM block "${pemLabel}" is not a CMS envelope`);
  const der = pemDecode(text, PEM_LABELS);
  if (!der) throw new SealingError("ENVELOPE_CORRUPT", "PEM END line missing (truncated?)");
  return { der, format: "pem" };
}

/**
 * Parses a whole envelope held in memory (DER bytes, or PEM as text/bytes).
 * Throws ENVELOPE_CORRUPT / ENVELOPE_NOT_ENVELOPED / ENVELOPE_UNSUPPORTED_CIPHER.
 */
export async function inspectEnvelopeBytes(envelope: Uint8Array | string): Promise<EnvelopeInfo> {
  const { der, format } = envelopeDer(envelope);
  return parseEnvelope(new MemorySource(der), format);
}

/**
 * Parses the envelope up to its ciphertext (recipients, cipher, IV). For DER
 * the bytes may be just the start of the file (e.g. `file.slice(0, 65536)`
 * in the browser); for PEM the whole text is needed.
 */
export async function inspectEnvelopeHeader(envelope: Uint8Array | string): Promise<EnvelopeHeader> {
  const { der, format } = envelopeDer(envelope);
  return parseEnvelopeHeader(new MemorySource(der), format);
}

/** The bidder's key material, as the browser gets it. */
export type BidderCredentials =
  | { kind: "p12"; p12: Uint8Array; password: string }
  | { kind: "pem"; privateKeyPem: string; password?: string; certificate?: string | Uint8Array };

/** Result of {@link recoverContentKey}. */
export interface RecoveredKey {
  /** The content-encryption key, lowercase hex. */
  contentKeyHex: string;
  cipher: ContentCipherName;
  /** Index of the RecipientInfo that was opened. */
  recipientIndex: number;
}

/** Reads a PKCS#12 file: the RSA private key and the certificate matching it. */
function fromP12(p12: Uint8Array, password: string): { key: forge.pki.rsa.PrivateKey; certDer: Uint8Array | null } {
  let pfx: forge.pkcs12.Pkcs12Pfx;
  const der = toBinaryString(p12);
  try {
    pfx = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), false, password);
  } catch (err) {
    // OpenSSL 3 writes PBES2 (AES) bags whose key is derived from the password's UTF-8 bytes, while the
    // MAC uses its BMPString form; forge uses one password string for both. When the MAC has verified
    // (forge got as far as the bags) and the password is not ASCII, retry the bags with the UTF-8 form.
    const macPassed = /SafeContents/.test((err as Error).message);
    if (!macPassed || !/[^\x00-\x7f]/.test(password)) {
      throw new SealingError("PRIVATE_KEY_INVALID", "cannot open the .p12 file (wrong password?)", { cause: err });
    }
    try {
      const noMac = forge.asn1.fromDer(der);
      (noMac.value as forge.asn1.Asn1[]).splice(2); // the MAC was checked above with the Unicode password
      pfx = forge.pkcs12.pkcs12FromAsn1(noMac, false, forge.util.encodeUtf8(password));
    } catch (err2) {
      throw new SealingError("PRIVATE_KEY_INVALID", "cannot open the .p12 file (wrong password?)", { cause: err2 });
    }
  }
  const keyBags = [
    ...(pfx.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag as string })[forge.pki.oids.pkcs8ShroudedKeyBag as string] ?? []),
    ...(pfx.getBags({ bagType: forge.pki.oids.keyBag as string })[forge.pki.oids.keyBag as string] ?? []),
  ];
  const key = keyBags.find((b) => b.key)?.key;
  if (!key) throw new SealingError("PRIVATE_KEY_INVALID", "the .p12 file holds no RSA private key");
  const certBags = pfx.getBags({ bagType: forge.pki.oids.certBag as string })[forge.pki.oids.certBag as string] ?? [];
  for (const bag of certBags) {
    const pub = bag.cert?.publicKey as forge.pki.rsa.PublicKey | undefined;
    if (!bag.cert || !pub?.n || pub.n.compareTo(key.n) !== 0) continue;
    // Re-encode from forge's captured ASN.1 of the TBSCertificate (byte-exact),
    // never via certificateToAsn1 (which double-encodes UTF-8 names).
    const tbs = fromBinaryString(forge.asn1.toDer(bag.cert.tbsCertificate).getBytes());
    return { key, certDer: tlv(Id.sequence, tbs) };
  }
  return { key, certDer: null };
}

/** Reads a PEM private key (PKCS#1 or PKCS#8, optionally encrypted). */
function fromPem(pem: string, password?: string): forge.pki.rsa.PrivateKey {
  try {
    const key = /ENCRYPTED/.test(pem)
      ? forge.pki.decryptRsaPrivateKey(pem, password ?? "")
      : forge.pki.privateKeyFromPem(pem);
    if (key) return key;
  } catch (err) {
    throw new SealingError("PRIVATE_KEY_INVALID", "cannot read the private key", { cause: err });
  }
  throw new SealingError("PRIVATE_KEY_INVALID", "cannot decrypt the private key (wrong password?)");
}

/**
 * Recovers the content-encryption key of an envelope with the bidder's own
 * key (PKCS#12 + password, or PEM), using forge only (PKCS#1 v1.5 and
 * RSA-OAEP). `envelope` may be the whole file, only its first kilobytes
 * (DER), or an already parsed header. The RecipientInfo is chosen by the certificate (from the .p12
 * or given); without one, each RecipientInfo is tried. Throws
 * ENVELOPE_NOT_FOR_RECIPIENT, ENVELOPE_UNWRAP_FAILED, PRIVATE_KEY_INVALID.
 */
export async function recoverContentKey(
  envelope: Uint8Array | string | EnvelopeHeader,
  credentials: BidderCredentials,
): Promise<RecoveredKey> {
  const info = isEnvelopeHeader(envelope) ? envelope : await inspectEnvelopeHeader(envelope);
  let key: forge.pki.rsa.PrivateKey;
  let certDer: Uint8Array | null = null;
  if (credentials.kind === "p12") {
    ({ key, certDer } = fromP12(credentials.p12, credentials.password));
  } else {
    key = fromPem(credentials.privateKeyPem, credentials.password);
    if (credentials.certificate) certDer = certificateDer(credentials.certificate);
  }
  const candidates: KeyTransRecipientInfo[] = certDer
    ? [findRecipient(info, certDer)]
    : info.recipients.filter((r): r is KeyTransRecipientInfo => r.kind === "keyTransport");
  let lastError: unknown = new SealingError("ENVELOPE_NOT_FOR_RECIPIENT", "the envelope has no RSA recipients");
  for (const ri of candidates) {
    try {
      const cek = forgeUnwrap(key, ri.keyEncryptionAlgorithm, ri.encryptedKey);
      if (cek.length !== info.cipher.keyLength) throw new SealingError("ENVELOPE_UNWRAP_FAILED", "content key has the wrong length");
      return { contentKeyHex: toHex(cek), cipher: info.cipher.name, recipientIndex: ri.index };
    } catch (err) {
      if (!isSealingError(err, "ENVELOPE_UNWRAP_FAILED")) throw err;
      lastError = certDer ? err : new SealingError("ENVELOPE_NOT_FOR_RECIPIENT", "no RecipientInfo opens with this key", { cause: err });
    }
  }
  throw lastError;
}

function isEnvelopeHeader(x: unknown): x is EnvelopeHeader {
  return typeof x === "object" && x !== null && !(x instanceof Uint8Array) && "recipients" in x;
}

/** Wraps a DER envelope in "-----BEGIN CMS-----" PEM armour. */
export function envelopeToPem(der: Uint8Array): string {
  return pemEncode(der, "CMS");
}
