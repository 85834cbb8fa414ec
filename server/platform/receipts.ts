// Signed submission receipts: canonical JSON (RFC 8785) signed with the
// platform key (RSA-SHA256). Anyone verifies with the platform certificate:
//   openssl x509 -in platform.pem -pubkey -noout > platform.pub
//   openssl dgst -sha256 -verify platform.pub -signature receipt.sig receipt.json
import canonicalize from "canonicalize";
import { createSign, createVerify, X509Certificate } from "node:crypto";
import type { Receipt, SignedReceipt } from "@contracts/opening";

export function signReceipt(receipt: Receipt, platform: { certPem: string; keyPem: string }): SignedReceipt {
  const receiptJson = canonicalize(receipt)!;
  const signature = createSign("sha256").update(receiptJson, "utf8").sign(platform.keyPem).toString("base64");
  return { receipt, receiptJson, signature, platformCertificatePem: platform.certPem };
}

export function verifyReceipt(receiptJson: string, signatureB64: string, certPem: string): boolean {
  const pub = new X509Certificate(certPem).publicKey;
  return createVerify("sha256").update(receiptJson, "utf8").verify(pub, Buffer.from(signatureB64, "base64"));
}
