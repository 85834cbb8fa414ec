/**
 * The few X.509 fields the sealing library needs, read from the
 * certificate's original DER bytes (never re-encoded, so UTF-8 names stay
 * exactly as the CA wrote them — forge issue #847). Browser-safe.
 */
import { OID } from "./algorithms";
import {
  type DerNode,
  Tag,
  contentOf,
  encodingOf,
  expectUniversal,
  integerHex,
  isContext,
  isUniversal,
  oidOf,
  parseDer,
  pemDecode,
  toHex,
} from "./der";
import { SealingError, isSealingError } from "./errors";
import { formatName } from "./names";

/** Identifying fields of a certificate. */
export interface CertificateIds {
  /** The whole certificate, DER. */
  der: Uint8Array;
  /** Issuer Name exactly as encoded in the certificate. */
  issuerDer: Uint8Array;
  issuerDn: string;
  subjectDn: string;
  /** serialNumber INTEGER, its DER encoding (tag + length + value). */
  serialNumberDer: Uint8Array;
  /** Serial number, lowercase hex without redundant leading zeros. */
  serialNumberHex: string;
  /** subjectKeyIdentifier extension value, lowercase hex, or null. */
  subjectKeyIdentifierHex: string | null;
  /** SubjectPublicKeyInfo, DER. */
  spkiDer: Uint8Array;
}

/** Certificate bytes from PEM text, a PEM/DER buffer. */
export function certificateDer(input: string | Uint8Array): Uint8Array {
  try {
    if (typeof input !== "string") {
      if (input[0] === 0x30) return input;
      input = new TextDecoder().decode(input);
    }
    const der = pemDecode(input, ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]);
    if (!der) throw new Error("no PEM certificate found");
    return der;
  } catch (err) {
    throw new SealingError("CERTIFICATE_INVALID", `cannot read certificate: ${(err as Error).message}`, { cause: err });
  }
}

/** Parses a certificate (PEM or DER); throws CERTIFICATE_INVALID. */
export function parseCertificate(input: string | Uint8Array): CertificateIds {
  const der = certificateDer(input);
  try {
    const cert = parseDer(der);
    const tbs = expectUniversal(cert.children[0], Tag.sequence, "TBSCertificate");
    const fields = tbs.children;
    let i = fields[0] && isContext(fields[0], 0) ? 1 : 0;
    const serial = expectUniversal(fields[i++], Tag.integer, "serialNumber");
    i++; // signature AlgorithmIdentifier
    const issuer = expectUniversal(fields[i++], Tag.sequence, "issuer Name");
    i++; // validity
    const subject = expectUniversal(fields[i++], Tag.sequence, "subject Name");
    const spki = expectUniversal(fields[i++], Tag.sequence, "subjectPublicKeyInfo");
    let ski: string | null = null;
    for (; i < fields.length; i++) {
      const f = fields[i] as DerNode;
      if (isContext(f, 3)) ski = findSki(der, f);
    }
    return {
      der,
      issuerDer: encodingOf(der, issuer),
      issuerDn: formatName(der, issuer),
      subjectDn: formatName(der, subject),
      serialNumberDer: encodingOf(der, serial),
      serialNumberHex: integerHex(contentOf(der, serial)),
      subjectKeyIdentifierHex: ski,
      spkiDer: encodingOf(der, spki),
    };
  } catch (err) {
    if (isSealingError(err, "CERTIFICATE_INVALID")) throw err;
    throw new SealingError("CERTIFICATE_INVALID", `malformed certificate: ${(err as Error).message}`, { cause: err });
  }
}

/** subjectKeyIdentifier from the [3] extensions element. */
function findSki(der: Uint8Array, extsTagged: DerNode): string | null {
  const exts = extsTagged.children[0];
  if (!exts) return null;
  for (const ext of exts.children) {
    const [id, ...rest] = ext.children;
    if (!id || oidOf(der, id) !== OID.subjectKeyIdentifier) continue;
    const value = rest[rest.length - 1];
    if (!value || !isUniversal(value, Tag.octetString)) return null;
    const inner = parseDer(der, value.contentStart, value.contentEnd);
    return toHex(contentOf(der, expectUniversal(inner, Tag.octetString, "KeyIdentifier")));
  }
  return null;
}
