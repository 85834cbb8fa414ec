/**
 * Parsing and checking of a signer's certificate, private key and chain
 * before anything is written into a PDF.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { DocumentError } from "./errors.js";

/** PEM inputs of a signer: RSA key, its certificate, optional intermediates (and root). */
export interface SignerPems {
  certPem: string;
  keyPem: string;
  /** Further certificates to embed (issuer first), PEM each. */
  chainPem?: string[];
}

/** Parsed, checked signer material. */
export interface SignerMaterial {
  cert: X509Certificate;
  key: KeyObject;
  chain: X509Certificate[];
  /** Common name of the certificate subject (what pdfsig shows as the signer). */
  commonName: string;
}

function parseCert(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw new DocumentError("SIGNER_CERT_INVALID", `${what} is not a PEM/DER X.509 certificate`, { cause });
  }
}

function commonNameOf(cert: X509Certificate): string {
  const line = cert.subject.split("\n").find((l) => l.startsWith("CN="));
  return line ? line.slice(3) : cert.subject;
}

/**
 * Parses `pems` and checks that the key is RSA, belongs to the certificate,
 * and that the certificate is valid at every instant of `at`.
 * @throws DocumentError SIGNER_CERT_INVALID | SIGNER_KEY_INVALID | SIGNER_KEY_MISMATCH |
 *   SIGNER_CERT_EXPIRED | SIGNER_CERT_NOT_YET_VALID
 */
export function loadSigner(pems: SignerPems, at: Date[]): SignerMaterial {
  const cert = parseCert(pems.certPem, "certPem");
  const chain = (pems.chainPem ?? []).map((pem, i) => parseCert(pem, `chainPem[${i}]`));
  let key: KeyObject;
  try {
    key = createPrivateKey(pems.keyPem);
  } catch (cause) {
    throw new DocumentError("SIGNER_KEY_INVALID", "keyPem is not an unencrypted PEM private key", { cause });
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new DocumentError("SIGNER_KEY_INVALID", `only RSA keys are supported, got ${key.asymmetricKeyType}`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new DocumentError("SIGNER_KEY_MISMATCH", "the private key does not match the certificate");
  }
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  for (const t of at) {
    if (t.getTime() > notAfter.getTime()) {
      throw new DocumentError("SIGNER_CERT_EXPIRED", `certificate expired at ${notAfter.toISOString()}`);
    }
    if (t.getTime() < notBefore.getTime()) {
      throw new DocumentError("SIGNER_CERT_NOT_YET_VALID", `certificate is valid from ${notBefore.toISOString()}`);
    }
  }
  return { cert, key, chain, commonName: commonNameOf(cert) };
}
