// Incremental PDF signatures made with a key the server never holds: the
// expert's terminal signs the CMS signed attributes (RSASSA-PKCS1-v1_5,
// SHA-256); the server prepares the placeholder and assembles the detached
// SignedData around the expert's signature (same ASN.1 as documents/cms.ts:
// issuer and serial copied from the certificate's own DER, so Chinese names
// survive). Also: the platform CA issues an expert's certificate for a public key.
import { createHash, createPublicKey, randomBytes, verify, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { SignPdf } from "@signpdf/signpdf";
import { Signer } from "@signpdf/utils";
import { assembleSignedData, signedAttributes, signedAttributesDer } from "../documents/cms";
import { appendPlaceholder, loadPdf } from "../documents/placeholder";
import { makeAppearance } from "../documents/appearance";
import { AppError } from "../errors";

const bin = (bytes: Uint8Array): string => Buffer.from(bytes).toString("binary");

class CaptureSigner extends Signer {
  attrs: Buffer | null = null;
  constructor(private readonly at: Date) {
    super();
  }
  override async sign(content: Buffer): Promise<Buffer> {
    // What the expert's key signs: the CMS signed attributes' DER (documents/cms.ts).
    this.attrs = signedAttributesDer(signedAttributes(content, this.at));
    return Buffer.alloc(0);
  }
}

/** Adds a signature field to `pdf` with an empty (zero) signature; returns the bytes and the attributes to sign. */
export async function prepareExternalSignature(pdf: Uint8Array, opts: { fieldName: string; name: string; reason: string; signedAt: Date; signatureLength?: number; appearance?: string[] }) {
  const bytes = Buffer.from(pdf);
  const doc = await loadPdf(bytes);
  // Visible in the signature block when the report recorded the field's box (name, seat, time in Asia/Shanghai).
  const appearance = opts.appearance ? await makeAppearance(bytes, doc, opts.fieldName, opts.appearance) : undefined;
  const prepared = appendPlaceholder(bytes, doc, {
    fieldName: opts.fieldName,
    reason: opts.reason,
    name: opts.name,
    signingTime: opts.signedAt,
    signatureLength: opts.signatureLength ?? 8192,
    appearance,
  });
  const capture = new CaptureSigner(opts.signedAt);
  const withZeros = await new SignPdf().sign(prepared, capture);
  return { prepared: Buffer.from(withZeros), signedAttrs: capture.attrs! };
}

/** Does `signature` verify over `signedAttrs` with this certificate's key? */
export function signatureMatches(certPem: string, signedAttrs: Buffer, signature: Buffer): boolean {
  try {
    return verify("sha256", signedAttrs, new X509Certificate(certPem).publicKey, signature);
  } catch {
    return false;
  }
}

/** Puts the detached SignedData (cert + chain + signed attributes + the expert's signature) into the prepared placeholder. */
export function embedExternalSignature(prepared: Buffer, signedAttrs: Buffer, signature: Buffer, certPems: string[]): Buffer {
  const certNodes = certPems.map((p) => forge.asn1.fromDer(bin(new X509Certificate(p).raw)));
  const attrs = forge.asn1.fromDer(bin(signedAttrs)).value as forge.asn1.Asn1[];
  const cms = assembleSignedData(certNodes, attrs, signature);
  const text = prepared.toString("latin1");
  const at = text.lastIndexOf("/ByteRange [");
  const m = /^\/ByteRange \[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text.slice(at));
  if (!m) throw new AppError("REPORT_INVALID", "No signature placeholder in the prepared report");
  const start = Number(m[2]) + 1;
  const end = Number(m[3]) - 1;
  const hex = cms.toString("hex");
  if (hex.length > end - start) throw new AppError("SIGNATURE_TOO_LARGE", "The signature does not fit the placeholder");
  const out = Buffer.from(prepared);
  out.write(hex.padEnd(end - start, "0"), start, "latin1");
  return out;
}

function issuerAttrs(caCertPem: string) {
  const ca = forge.pki.certificateFromPem(caCertPem);
  return ca.subject.attributes.map((a) => ({
    type: a.type,
    value: a.valueTagClass === (forge.asn1.Type.UTF8 as unknown) ? forge.util.decodeUtf8(a.value as string) : a.value,
    valueTagClass: a.valueTagClass,
  }));
}

/** The platform CA certifies an expert's RSA public key (≥ 2048 bits) for signing the report. */
export function issueExpertCertificate(publicKeyPem: string, subject: { name: string; org: string }, ca: { certPem: string; keyPem: string }, days = 30): { certPem: string; sha256: string } {
  let key;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    throw new AppError("KEY_INVALID", "publicKeyPem is not a PEM public key");
  }
  if (key.asymmetricKeyType !== "rsa" || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new AppError("KEY_INVALID", "an RSA key of at least 2048 bits is required");
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(key.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = "02" + randomBytes(15).toString("hex");
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * 86_400_000);
  const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
  cert.setSubject([
    { shortName: "C", value: "CN", valueTagClass: forge.asn1.Type.PRINTABLESTRING as unknown as forge.asn1.Class },
    { shortName: "O", value: subject.org, valueTagClass: utf8 },
    { shortName: "OU", value: "评标专家", valueTagClass: utf8 },
    { shortName: "CN", value: subject.name, valueTagClass: utf8 },
  ] as forge.pki.CertificateField[]);
  cert.setIssuer(issuerAttrs(ca.certPem) as forge.pki.CertificateField[]);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return { certPem, sha256: createHash("sha256").update(new X509Certificate(certPem).raw).digest("hex") };
}
