/**
 * Sealing a bid in the browser: CMS EnvelopedData built with node-forge
 * (AES-CBC + RSA key transport, PKCS#1 v1.5 or OAEP). Browser-safe.
 *
 * The envelope is written by hand rather than with forge's
 * createEnvelopedData because (a) forge only does v1.5, and (b) forge
 * re-encodes the recipient's issuer name and double-encodes UTF-8 (forge
 * issue #847), so OpenSSL would not find a recipient with a Chinese CA name.
 * Here the issuer and serial are copied from the certificate's own bytes.
 */
import forge from "node-forge";
import { CIPHERS, type ContentCipherName, HASH_OIDS, OID } from "./algorithms";
import { parseCertificate } from "./certificate";
import { Id, concatBytes, encodeOid, encodeSmallInt, tlv, tlvHeader, toBinaryString } from "./der";
import { SealingError } from "./errors";
import { forgeWrap } from "./forge-rsa";
import type { KeyEncryptionAlgorithm } from "./types";

/** Options of {@link sealForRecipients}. */
export interface SealOptions {
  /** Content cipher; default aes-256-cbc. */
  cipher?: ContentCipherName;
  /** RSA key transport padding; default oaep. */
  padding?: "pkcs1" | "oaep";
  /** OAEP hash (also used for MGF1); default sha256. */
  oaepHash?: "sha1" | "sha256";
}

/** Bytes of forge plaintext fed per update (bounds forge's string buffers). */
const CHUNK = 1 << 20;

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(out);
  const s = forge.random.getBytesSync(n);
  for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
  return out;
}

function keyEncryptionAlgorithm(padding: "pkcs1" | "oaep", hash: "sha1" | "sha256"): KeyEncryptionAlgorithm {
  if (padding === "pkcs1") return { name: "rsaEncryption", oid: OID.rsaEncryption, padding };
  return { name: "rsaesOaep", oid: OID.rsaesOaep, padding, hash, mgf1Hash: hash, label: new Uint8Array(0) };
}

/** AlgorithmIdentifier DER for the key-encryption algorithm. */
function encodeKeyEncryptionAlgorithm(alg: KeyEncryptionAlgorithm): Uint8Array {
  if (alg.padding === "pkcs1") return tlv(Id.sequence, encodeOid(OID.rsaEncryption), tlv(Id.null));
  if (alg.padding !== "oaep" || !alg.hash) throw new Error("unsupported key encryption");
  if (alg.hash === "sha1") return tlv(Id.sequence, encodeOid(OID.rsaesOaep), tlv(Id.sequence)); // all defaults
  const hashId = tlv(Id.sequence, encodeOid(HASH_OIDS[alg.hash]));
  const params = tlv(
    Id.sequence,
    tlv(Id.context(0, true), hashId),
    tlv(Id.context(1, true), tlv(Id.sequence, encodeOid(OID.mgf1), hashId)),
  );
  return tlv(Id.sequence, encodeOid(OID.rsaesOaep), params);
}

/** KeyTransRecipientInfo (version 0, issuerAndSerialNumber) for one certificate. */
function recipientInfo(certPem: string, alg: KeyEncryptionAlgorithm, contentKey: Uint8Array): Uint8Array {
  const cert = parseCertificate(certPem);
  let publicKey: forge.pki.rsa.PublicKey;
  try {
    publicKey = forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(toBinaryString(cert.spkiDer))) as forge.pki.rsa.PublicKey;
  } catch (err) {
    throw new SealingError("CERTIFICATE_INVALID", `certificate "${cert.subjectDn}" has no RSA public key`, { cause: err });
  }
  const encryptedKey = forgeWrap(publicKey, alg, contentKey);
  return tlv(
    Id.sequence,
    encodeSmallInt(0),
    tlv(Id.sequence, cert.issuerDer, cert.serialNumberDer),
    encodeKeyEncryptionAlgorithm(alg),
    tlv(Id.octetString, encryptedKey),
  );
}

/** Compares encodings for DER SET OF ordering. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** AES-CBC (PKCS#7 padding) with forge, written into `out` at `offset`. */
function forgeEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
  // forge picks AES-128/192/256 from the key length
  const aes = forge.cipher.createCipher("AES-CBC", toBinaryString(key));
  aes.start({ iv: toBinaryString(iv) });
  let o = offset;
  const drain = (): void => {
    const s = aes.output.getBytes();
    for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
  };
  for (let i = 0; i < plaintext.length; i += CHUNK) {
    aes.update(forge.util.createBuffer(toBinaryString(plaintext.subarray(i, i + CHUNK))));
    drain();
  }
  if (!aes.finish()) throw new Error("forge AES encryption failed");
  drain();
  if (o !== out.length) throw new Error("unexpected ciphertext length");
}

/**
 * Seals `plaintext` for every certificate in `certsPem` (PEM or DER each):
 * CMS EnvelopedData, DER, definite lengths, one KeyTransRecipientInfo per
 * certificate with the issuer/serial copied byte for byte from it. The
 * result opens with `openssl cms -decrypt -inform DER` and with this library.
 * Throws CERTIFICATE_INVALID for an unreadable or non-RSA certificate.
 */
export function sealForRecipients(plaintext: Uint8Array, certsPem: readonly string[], opts: SealOptions = {}): Uint8Array {
  const spec = CIPHERS[opts.cipher ?? "aes-256-cbc"];
  if (!spec) throw new SealingError("ENVELOPE_UNSUPPORTED_CIPHER", `unknown cipher ${String(opts.cipher)}`);
  if (certsPem.length === 0) throw new SealingError("CERTIFICATE_INVALID", "no recipient certificates");
  const alg = keyEncryptionAlgorithm(opts.padding ?? "oaep", opts.oaepHash ?? "sha256");
  const key = randomBytes(spec.keyLength);
  const iv = randomBytes(16);

  const recipients = certsPem.map((pem) => recipientInfo(pem, alg, key)).sort(compareBytes);
  const cipherTextLength = (Math.floor(plaintext.length / 16) + 1) * 16;
  const contentHeader = tlvHeader(Id.context(0, false), cipherTextLength);
  const eciPrefix = concatBytes([
    encodeOid(OID.data),
    tlv(Id.sequence, encodeOid(spec.oid), tlv(Id.octetString, iv)),
    contentHeader,
  ]);
  const eciLength = eciPrefix.length + cipherTextLength;
  const edPrefix = concatBytes([encodeSmallInt(0), tlv(Id.set, ...recipients), tlvHeader(Id.sequence, eciLength), eciPrefix]);
  const edLength = edPrefix.length + cipherTextLength;
  const edHeader = tlvHeader(Id.sequence, edLength);
  const explicitHeader = tlvHeader(Id.context(0, true), edHeader.length + edLength);
  const typeOid = encodeOid(OID.envelopedData);
  const ciLength = typeOid.length + explicitHeader.length + edHeader.length + edLength;
  const prefix = concatBytes([tlvHeader(Id.sequence, ciLength), typeOid, explicitHeader, edHeader, edPrefix]);

  const out = new Uint8Array(prefix.length + cipherTextLength);
  out.set(prefix, 0);
  forgeEncrypt(key, iv, plaintext, out, prefix.length);
  key.fill(0);
  return out;
}
