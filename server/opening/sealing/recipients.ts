/**
 * RecipientInfos: parsing, and finding the one addressed to a certificate.
 * Browser-safe.
 */
import { OID, hashByOid } from "./algorithms";
import { parseCertificate } from "./certificate";
import {
  type DerNode,
  Tag,
  TagClass,
  bytesEqual,
  contentOf,
  encodingOf,
  expectUniversal,
  integerHex,
  isContext,
  isUniversal,
  octetsOf,
  oidOf,
  parseDer,
  smallIntOf,
  toHex,
} from "./der";
import { SealingError } from "./errors";
import { formatName, nameKey } from "./names";
import type { KeyEncryptionAlgorithm, KeyTransRecipientInfo, RecipientInfo } from "./types";

/** Parses the DER of a `RecipientInfos` SET. Throws ENVELOPE_CORRUPT. */
export function parseRecipientInfos(bytes: Uint8Array): RecipientInfo[] {
  const set = expectUniversal(parseDer(bytes), Tag.set, "RecipientInfos SET");
  if (set.children.length === 0) throw new SealingError("ENVELOPE_CORRUPT", "envelope has no recipients");
  return set.children.map((ri, index): RecipientInfo => {
    if (isUniversal(ri, Tag.sequence)) return parseKeyTrans(bytes, ri, index);
    if (ri.tagClass === TagClass.context) {
      const kind = ri.tagNumber === 1 ? "keyAgreement" : ri.tagNumber === 2 ? "kek" : ri.tagNumber === 3 ? "password" : "other";
      return { kind, index };
    }
    throw new SealingError("ENVELOPE_CORRUPT", `RecipientInfo ${index} has an unexpected tag`);
  });
}

function parseKeyTrans(bytes: Uint8Array, ri: DerNode, index: number): KeyTransRecipientInfo {
  const [version, rid, alg, ek] = ri.children;
  const info: KeyTransRecipientInfo = {
    kind: "keyTransport",
    index,
    version: smallIntOf(bytes, version, "KeyTransRecipientInfo version"),
    issuer: null,
    serialNumberHex: null,
    subjectKeyIdentifierHex: null,
    keyEncryptionAlgorithm: parseKeyEncryptionAlgorithm(bytes, expectUniversal(alg, Tag.sequence, "keyEncryptionAlgorithm")),
    encryptedKey: octetsOf(bytes, expectUniversal(ek, Tag.octetString, "encryptedKey")),
  };
  if (rid && isUniversal(rid, Tag.sequence)) {
    const issuer = expectUniversal(rid.children[0], Tag.sequence, "issuer Name");
    const serial = expectUniversal(rid.children[1], Tag.integer, "serialNumber");
    info.issuer = { dn: formatName(bytes, issuer), der: encodingOf(bytes, issuer).slice() };
    info.serialNumberHex = integerHex(contentOf(bytes, serial));
  } else if (rid && isContext(rid, 0)) {
    info.subjectKeyIdentifierHex = toHex(octetsOf(bytes, rid));
  } else {
    throw new SealingError("ENVELOPE_CORRUPT", `RecipientInfo ${index} has no recipient identifier`);
  }
  return info;
}

/** Parses an RSA key-encryption AlgorithmIdentifier (PKCS#1 v1.5 or OAEP). */
function parseKeyEncryptionAlgorithm(bytes: Uint8Array, alg: DerNode): KeyEncryptionAlgorithm {
  const oid = oidOf(bytes, alg.children[0], "key-encryption algorithm OID");
  if (oid === OID.rsaEncryption) return { name: "rsaEncryption", oid, padding: "pkcs1" };
  if (oid !== OID.rsaesOaep) return { name: "unknown", oid, padding: null };
  const result: KeyEncryptionAlgorithm = {
    name: "rsaesOaep",
    oid,
    padding: "oaep",
    hash: "sha1",
    mgf1Hash: "sha1",
    label: new Uint8Array(0),
  };
  const params = alg.children[1];
  if (!params || isUniversal(params, Tag.null)) return result;
  expectUniversal(params, Tag.sequence, "RSAES-OAEP-params");
  for (const field of params.children) {
    const inner = field.children[0];
    if (!inner || field.tagClass !== TagClass.context) throw new SealingError("ENVELOPE_CORRUPT", "bad RSAES-OAEP-params");
    const innerOid = oidOf(bytes, inner.children[0]);
    if (field.tagNumber === 0) {
      result.hash = hashByOid(innerOid);
    } else if (field.tagNumber === 1) {
      const mgfHash = inner.children[1];
      result.mgf1Hash = innerOid === OID.mgf1 && mgfHash ? hashByOid(oidOf(bytes, mgfHash.children[0])) : null;
    } else if (field.tagNumber === 2) {
      if (innerOid !== OID.pSpecified) throw new SealingError("ENVELOPE_CORRUPT", "unknown OAEP pSourceAlgorithm");
      const label = inner.children[1];
      result.label = label ? octetsOf(bytes, expectUniversal(label, Tag.octetString, "OAEP label")) : new Uint8Array(0);
    }
  }
  return result;
}

/**
 * The KeyTransRecipientInfo addressed to `certificate` (PEM or DER): matched
 * by issuer + serial number (issuer compared byte for byte, then as text), or
 * by subjectKeyIdentifier. Throws ENVELOPE_NOT_FOR_RECIPIENT if none matches,
 * CERTIFICATE_INVALID if the certificate cannot be read.
 */
export function findRecipient(
  envelope: { recipients: readonly RecipientInfo[] },
  certificatePemOrDer: string | Uint8Array,
): KeyTransRecipientInfo {
  const cert = parseCertificate(certificatePemOrDer);
  const certNameKey = nameKey(cert.issuerDn);
  for (const ri of envelope.recipients) {
    if (ri.kind !== "keyTransport") continue;
    if (ri.issuer && ri.serialNumberHex === cert.serialNumberHex) {
      if (bytesEqual(ri.issuer.der, cert.issuerDer) || nameKey(ri.issuer.dn) === certNameKey) return ri;
    }
    if (ri.subjectKeyIdentifierHex && ri.subjectKeyIdentifierHex === cert.subjectKeyIdentifierHex) return ri;
  }
  throw new SealingError(
    "ENVELOPE_NOT_FOR_RECIPIENT",
    `the envelope is not addressed to "${cert.subjectDn}" (issuer "${cert.issuerDn}", serial ${cert.serialNumberHex})`,
  );
}
