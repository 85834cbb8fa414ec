// Bidder certificates for many companies, fast: a few RSA keys made by Node
// (2048-bit keys cost ~0.2 s each here), one certificate per company issued
// by a throw-away CA with a Chinese name. The certificates are built with
// node-forge but signed with Node's crypto (forge's pure-JS RSA signing
// costs ~55 ms per certificate). Each company still has its own certificate
// (own serial and subject, so findRecipient tells them apart); companies
// beyond the number of keys share key pairs, which the server cannot tell.
import { createPrivateKey, generateKeyPair, sign as nodeSign, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import forge from "node-forge";

const genKey = promisify(generateKeyPair);

export interface KeyPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export async function makeKeys(n: number, concurrency = 2): Promise<KeyPem[]> {
  const out: KeyPem[] = [];
  for (let i = 0; i < n; i += concurrency) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, n - i) }, () =>
        genKey("rsa", {
          modulusLength: 2048,
          publicKeyEncoding: { type: "spki", format: "pem" },
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
        }),
      ),
    );
    for (const k of batch) out.push({ privateKeyPem: k.privateKey, publicKeyPem: k.publicKey });
  }
  return out;
}

type Attr = { shortName: string; value: string; valueTagClass?: number };
const utf8 = (shortName: string, value: string): Attr => ({ shortName, value, valueTagClass: forge.asn1.Type.UTF8 as number });

/** A forge "key" whose sign() is Node's RSA-SHA256 over the TBSCertificate the md was fed. */
function nodeSigner(key: KeyObject, tbs: () => Buffer) {
  return { sign: () => nodeSign("sha256", tbs(), key).toString("binary") };
}

function buildCert(opts: {
  publicKeyPem: string;
  serialHex: string;
  subject: Attr[];
  issuer: Attr[];
  ca: boolean;
  signKey: KeyObject;
}): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(opts.publicKeyPem);
  cert.serialNumber = opts.serialHex;
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 86400_000);
  cert.setSubject(opts.subject);
  cert.setIssuer(opts.issuer);
  cert.setExtensions(
    opts.ca
      ? [{ name: "basicConstraints", cA: true }, { name: "keyUsage", keyCertSign: true, cRLSign: true }, { name: "subjectKeyIdentifier" }]
      : [{ name: "keyUsage", keyEncipherment: true, dataEncipherment: true, digitalSignature: true }, { name: "subjectKeyIdentifier" }],
  );
  // cert.sign computes the TBSCertificate, feeds it to md and calls key.sign(md); sign the same bytes with Node.
  const signer = nodeSigner(opts.signKey, () => Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), "binary"));
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export interface Ca {
  certPem: string;
  key: KeyObject;
  issuer: Attr[];
}

export function makeCa(key: KeyPem): Ca {
  const issuer = [utf8("C", "CN"), utf8("O", "基准测试数字证书认证中心"), utf8("CN", "基准测试CA")];
  const k = createPrivateKey(key.privateKeyPem);
  const certPem = buildCert({ publicKeyPem: key.publicKeyPem, serialHex: "01", subject: issuer, issuer, ca: true, signKey: k });
  return { certPem, key: k, issuer };
}

/** A bidder certificate for `companyName` issued by `ca`. */
export function issueCert(ca: Ca, key: KeyPem, serial: number, companyName: string, cn: string): string {
  return buildCert({
    publicKeyPem: key.publicKeyPem,
    serialHex: (0x100000 + serial).toString(16), // 6 hex digits, first byte 0x10: a minimal positive DER INTEGER
    subject: [utf8("C", "CN"), utf8("O", companyName), utf8("CN", cn)],
    issuer: ca.issuer,
    ca: false,
    signKey: ca.key,
  });
}
