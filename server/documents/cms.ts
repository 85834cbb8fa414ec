/**
 * Detached CMS SignedData (RFC 5652) for `adbe.pkcs7.detached` PDF signatures.
 *
 * Built with node-forge's ASN.1 layer instead of `forge.pkcs7`, because forge
 * re-encodes UTF-8 issuer names twice (forge issue #847): a Chinese CA name
 * then no longer matches the certificate and pdfsig / OpenSSL reject the
 * signature. Here issuer, serial number and certificates are copied from the
 * certificates' original DER bytes. RSA PKCS#1 v1.5 with SHA-256 (node:crypto).
 */
import { createHash, sign as rsaSign, type X509Certificate } from "node:crypto";
import forge from "node-forge";
import { DocumentError } from "./errors.js";
import type { SignerMaterial } from "./signer-keys.js";

type Asn1 = forge.asn1.Asn1;
const { asn1 } = forge;
const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
const T = asn1.Type;

const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  sha256: "2.16.840.1.101.3.4.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
} as const;

const bin = (bytes: Uint8Array): string => Buffer.from(bytes).toString("binary");
const der = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), "binary");
const seq = (...items: Asn1[]): Asn1 => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
const set = (...items: Asn1[]): Asn1 => asn1.create(UNIVERSAL, T.SET, true, items);
const oid = (dotted: string): Asn1 => asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(dotted).getBytes());
const int = (n: number): Asn1 => asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const octets = (bytes: Uint8Array): Asn1 => asn1.create(UNIVERSAL, T.OCTETSTRING, false, bin(bytes));
const nul = (): Asn1 => asn1.create(UNIVERSAL, T.NULL, false, "");
/** `[0]` constructed, context-specific (IMPLICIT SET / EXPLICIT wrapper). */
const ctx0 = (items: Asn1[]): Asn1 => asn1.create(CONTEXT_SPECIFIC, T.NONE, true, items);

function time(date: Date): Asn1 {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** Parses DER and insists that re-encoding gives the very same bytes. */
function parseExact(bytes: Buffer, what: string): Asn1 {
  const node = asn1.fromDer(bin(bytes));
  if (!der(node).equals(bytes)) {
    throw new DocumentError("SIGNER_CERT_INVALID", `${what} does not round-trip as DER`);
  }
  return node;
}

function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new DocumentError("SIGNER_CERT_INVALID", `malformed ${what}`);
  return node.value;
}

/** IssuerAndSerialNumber taken verbatim from the certificate's TBSCertificate. */
function issuerAndSerial(certNode: Asn1): Asn1 {
  const tbs = children(children(certNode, "certificate")[0], "tbsCertificate");
  const offset = tbs[0]?.tagClass === CONTEXT_SPECIFIC ? 1 : 0; // [0] version
  const serial = tbs[offset];
  const issuer = tbs[offset + 2];
  if (!serial || !issuer) throw new DocumentError("SIGNER_CERT_INVALID", "malformed tbsCertificate");
  return seq(issuer, serial);
}

/** DER SET OF: elements sorted by their encodings. */
function derSetOf(items: Asn1[]): Asn1[] {
  return items
    .map((node) => ({ node, bytes: der(node) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map((x) => x.node);
}

/** Signed attributes contentType, signingTime, messageDigest (SHA-256 of `content`), in DER SET OF order. */
export function signedAttributes(content: Uint8Array, signingTime: Date): Asn1[] {
  const digest = createHash("sha256").update(content).digest();
  return derSetOf([
    seq(oid(OID.contentType), set(oid(OID.data))),
    seq(oid(OID.signingTime), set(time(signingTime))),
    seq(oid(OID.messageDigest), set(octets(digest))),
  ]);
}

/** What the signer signs: the attributes encoded as a universal SET (RFC 5652 §5.4). */
export const signedAttributesDer = (attrs: Asn1[]): Buffer => der(set(...attrs));

/**
 * ContentInfo(SignedData) around a finished RSA/SHA-256 `signature` over
 * `signedAttributesDer(attrs)`; `certNodes` = signer's certificate first, then the chain.
 */
export function assembleSignedData(certNodes: Asn1[], attrs: Asn1[], signature: Uint8Array): Buffer {
  const signerCert = certNodes[0];
  if (!signerCert) throw new DocumentError("SIGNER_CERT_INVALID", "no certificate");
  const sha256 = seq(oid(OID.sha256), nul());
  const signerInfo = seq(
    int(1),
    issuerAndSerial(signerCert),
    sha256,
    ctx0(attrs),
    seq(oid(OID.rsaEncryption), nul()),
    octets(signature),
  );
  const signedData = seq(int(1), set(sha256), seq(oid(OID.data)), ctx0(certNodes), set(signerInfo));
  return der(seq(oid(OID.signedData), ctx0([signedData])));
}

/**
 * Detached SignedData over `content`: signed attributes contentType,
 * signingTime, messageDigest (SHA-256); certificates = signer + chain.
 */
export function buildDetachedSignedData(content: Uint8Array, signer: SignerMaterial, signingTime: Date): Buffer {
  const certs: X509Certificate[] = [signer.cert, ...signer.chain];
  const certNodes = certs.map((c, i) => parseExact(c.raw, i === 0 ? "certificate" : `chain certificate ${i}`));
  if (!certNodes[0]) throw new DocumentError("SIGNER_CERT_INVALID", "no certificate");
  const attrs = signedAttributes(content, signingTime);
  const signature = rsaSign("sha256", signedAttributesDer(attrs), signer.key);
  return assembleSignedData(certNodes, attrs, signature);
}
