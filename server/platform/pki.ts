// The platform's own keys: a root CA, the platform signing certificate
// (receipts, opening records) and per-lot escrow certificates. Made once with
// Node's key generation and node-forge's X.509 builder; names are written as
// UTF8String from UTF-8 bytes so OpenSSL and poppler read the Chinese names.
import forge from "node-forge";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface KeyCert {
  certPem: string;
  keyPem: string;
}
export interface PlatformPki {
  ca: KeyCert;
  platform: KeyCert & { chainPem: string[] };
}

export type NameAttr = { shortName: "C" | "O" | "OU" | "CN"; value: string };
const utf8Name = (attrs: NameAttr[]) =>
  attrs.map((a) => ({
    shortName: a.shortName,
    // forge UTF-8-encodes UTF8String values itself: pass the JS string as is.
    value: a.value,
    valueTagClass: (a.shortName === "C" ? forge.asn1.Type.PRINTABLESTRING : forge.asn1.Type.UTF8) as unknown as forge.asn1.Class,
  }));

function newRsa(bits = 2048): KeyCert & { forgeKey: forge.pki.rsa.PrivateKey; forgePub: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: bits,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return {
    certPem: "",
    keyPem: privateKey,
    forgeKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    forgePub: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

export interface IssueOptions {
  subject: NameAttr[];
  /** The issuer's subject as it was written (re-reading it from a forge-parsed certificate would double-encode UTF-8) and key. */
  issuer?: { subject: NameAttr[]; key: forge.pki.rsa.PrivateKey };
  days: number;
  ca?: boolean;
  usage: "ca" | "sign" | "encrypt";
}

/** Issues a certificate for a fresh RSA key (self-signed when no issuer). */
export function issue(opts: IssueOptions): KeyCert {
  const k = newRsa();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.forgePub;
  cert.serialNumber = "01" + randomBytes(15).toString("hex");
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + opts.days * 86_400_000);
  const subject = utf8Name(opts.subject);
  cert.setSubject(subject as forge.pki.CertificateField[]);
  cert.setIssuer((opts.issuer ? utf8Name(opts.issuer.subject) : subject) as forge.pki.CertificateField[]);
  const ext: object[] = [{ name: "basicConstraints", cA: opts.usage === "ca", critical: true }];
  if (opts.usage === "ca") ext.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true });
  if (opts.usage === "sign") ext.push({ name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true });
  if (opts.usage === "encrypt") ext.push({ name: "keyUsage", keyEncipherment: true, dataEncipherment: true, critical: true });
  ext.push({ name: "subjectKeyIdentifier" });
  cert.setExtensions(ext);
  cert.sign(opts.issuer?.key ?? k.forgeKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.keyPem };
}

export const forgeCert = (pem: string) => forge.pki.certificateFromPem(pem);
export const forgeKey = (pem: string) => forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;

export const platformCaSubject = (centerName: string): NameAttr[] => [
  { shortName: "C", value: "CN" },
  { shortName: "O", value: centerName },
  { shortName: "CN", value: "电子开评标平台根证书" },
];

/**
 * Loads the platform PKI from `dir`, creating it on first use. In production
 * point PLATFORM_DIR at keys issued by a real CA (same file names).
 */
export function loadOrCreatePlatformPki(dir: string, centerName = "演示公共资源交易中心"): PlatformPki {
  const files = { caCert: join(dir, "ca.pem"), caKey: join(dir, "ca.key.pem"), cert: join(dir, "platform.pem"), key: join(dir, "platform.key.pem") };
  if (!existsSync(files.cert)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const caSubject = platformCaSubject(centerName);
    const ca = issue({ subject: caSubject, days: 3650, usage: "ca" });
    const platform = issue({
      subject: [{ shortName: "C", value: "CN" }, { shortName: "O", value: centerName }, { shortName: "CN", value: "电子开评标平台签章" }],
      issuer: { subject: caSubject, key: forgeKey(ca.keyPem) },
      days: 1825,
      usage: "sign",
    });
    writeFileSync(files.caCert, ca.certPem);
    writeFileSync(files.caKey, ca.keyPem, { mode: 0o600 });
    writeFileSync(files.key, platform.keyPem, { mode: 0o600 });
    writeFileSync(files.cert, platform.certPem);
  }
  const ca = { certPem: readFileSync(files.caCert, "utf8"), keyPem: existsSync(files.caKey) ? readFileSync(files.caKey, "utf8") : "" };
  return {
    ca,
    platform: { certPem: readFileSync(files.cert, "utf8"), keyPem: readFileSync(files.key, "utf8"), chainPem: [ca.certPem] },
  };
}
