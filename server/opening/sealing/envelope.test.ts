// inspectEnvelope / findRecipient against envelopes made by the openssl binary.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRecipient, inspectEnvelope, parseCertificate, type KeyTransRecipientInfo } from "./index";
import { makePki, opensslSeal, openssl, random, type Pki } from "../../../test/helpers/sealing-pki";

let pki: Pki;
let plain: string;
const at = (name: string) => join(pki.dir, name);

beforeAll(() => {
  pki = makePki();
  plain = at("plain.bin");
  writeFileSync(plain, random(200_000));
});
afterAll(() => pki.cleanup());

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: "SealingError", code });
}

describe("inspectEnvelope", () => {
  it.each([
    ["aes128", "aes-128-cbc", 16],
    ["aes192", "aes-192-cbc", 24],
    ["aes256", "aes-256-cbc", 32],
  ] as const)("reads the cipher and IV of -%s", async (flag, name, keyLength) => {
    const env = at(`c-${flag}.der`);
    opensslSeal(plain, env, [pki.bidder.cert], { cipher: flag });
    const info = await inspectEnvelope(env);
    expect(info.cipher.name).toBe(name);
    expect(info.cipher.keyLength).toBe(keyLength);
    expect(info.cipher.iv).toHaveLength(16);
    // openssl's asn1parse sees the same IV
    const ivHex = /OCTET STRING\s+\[HEX DUMP\]:([0-9A-F]{32})\s*$/m.exec(openssl(["asn1parse", "-inform", "DER", "-in", env]).toString())?.[1];
    expect(Buffer.from(info.cipher.iv).toString("hex")).toBe(ivHex?.toLowerCase());
  });

  it("lists recipients with issuer DN, serial, algorithm and encrypted key", async () => {
    const env = at("two.der");
    opensslSeal(plain, env, [pki.bidder.cert, pki.escrow.cert], { padding: "oaep-sha256" });
    const info = await inspectEnvelope(env);
    expect(info.format).toBe("der");
    expect(info.recipients).toHaveLength(2);
    const [a, b] = info.recipients as KeyTransRecipientInfo[];
    for (const ri of [a, b]) {
      expect(ri?.kind).toBe("keyTransport");
      expect(ri?.issuer?.dn).toBe("C=CN, O=测试CA, CN=测试根证书");
      expect(ri?.keyEncryptionAlgorithm).toMatchObject({ name: "rsaesOaep", hash: "sha256", mgf1Hash: "sha256" });
      expect(ri?.encryptedKey).toHaveLength(256);
    }
    const serials = [a?.serialNumberHex, b?.serialNumberHex];
    expect(serials).toContain(parseCertificate(pki.bidder.certPem).serialNumberHex);
    expect(serials).toContain(parseCertificate(pki.escrow.certPem).serialNumberHex);
  });

  it("reads PKCS#1 v1.5 and OAEP-SHA1 defaults", async () => {
    opensslSeal(plain, at("v15.der"), [pki.bidder.cert]);
    opensslSeal(plain, at("oaep1.der"), [pki.bidder.cert], { padding: "oaep-sha1" });
    const v15 = (await inspectEnvelope(at("v15.der"))).recipients[0] as KeyTransRecipientInfo;
    const oaep = (await inspectEnvelope(at("oaep1.der"))).recipients[0] as KeyTransRecipientInfo;
    expect(v15.keyEncryptionAlgorithm).toMatchObject({ name: "rsaEncryption", padding: "pkcs1" });
    expect(oaep.keyEncryptionAlgorithm).toMatchObject({ name: "rsaesOaep", hash: "sha1", mgf1Hash: "sha1" });
  });

  it("locates the ciphertext in definite-length DER", async () => {
    const env = at("def.der");
    opensslSeal(plain, env, [pki.bidder.cert]);
    const info = await inspectEnvelope(env);
    expect(info.encryptedContent.chunked).toBe(false);
    expect(info.encryptedContent.segments).toHaveLength(1);
    expect(info.encryptedContent.length).toBe((Math.floor(200_000 / 16) + 1) * 16);
    expect(info.derLength).toBe(readFileSync(env).length);
  });

  it("locates the chunks of indefinite-length -stream output", async () => {
    const env = at("stream.der");
    opensslSeal(plain, env, [pki.bidder.cert], { stream: true });
    expect(readFileSync(env)[1]).toBe(0x80); // indefinite length
    const info = await inspectEnvelope(env);
    expect(info.encryptedContent.chunked).toBe(true);
    expect(info.encryptedContent.segments.length).toBeGreaterThan(10);
    expect(info.encryptedContent.length).toBe((Math.floor(200_000 / 16) + 1) * 16);
  });

  it.each([false, true])("reads PEM (-----BEGIN CMS-----), stream=%s, with DER offsets", async (stream) => {
    const pem = at(`e-${stream}.pem`);
    opensslSeal(plain, pem, [pki.bidder.cert], { outform: "PEM", stream });
    expect(readFileSync(pem, "utf8")).toMatch(/^-----BEGIN CMS-----/);
    const info = await inspectEnvelope(pem);
    expect(info.format).toBe("pem");
    expect(info.encryptedContent.chunked).toBe(stream);
    // offsets refer to the DER bytes
    const der = openssl(["cms", "-cmsout", "-inform", "PEM", "-in", pem, "-outform", "DER"]);
    const fromDer = await inspectEnvelope((writeFileSync(at("conv.der"), der), at("conv.der")));
    expect(fromDer.cipher.iv).toEqual(info.cipher.iv);
  });

  it("reads -----BEGIN PKCS7----- from openssl smime", async () => {
    const pem = at("smime.pem");
    openssl(["smime", "-encrypt", "-binary", "-aes256", "-in", plain, "-out", pem, "-outform", "PEM", pki.bidder.cert]);
    expect(readFileSync(pem, "utf8")).toMatch(/^-----BEGIN PKCS7-----/);
    const info = await inspectEnvelope(pem);
    expect(info.cipher.name).toBe("aes-256-cbc");
  });
});

describe("inspectEnvelope errors", () => {
  let good: Buffer;
  beforeAll(() => {
    opensslSeal(plain, at("good.der"), [pki.bidder.cert]);
    good = readFileSync(at("good.der"));
  });
  const write = (name: string, data: Uint8Array | string) => (writeFileSync(at(name), data), at(name));

  it("ENVELOPE_CORRUPT for a truncated file", async () => {
    await expectCode(inspectEnvelope(write("trunc.der", good.subarray(0, good.length - 100))), "ENVELOPE_CORRUPT");
    await expectCode(inspectEnvelope(write("trunc2.der", good.subarray(0, 300))), "ENVELOPE_CORRUPT");
  });

  it("ENVELOPE_CORRUPT for a truncated -stream file", async () => {
    opensslSeal(plain, at("s.der"), [pki.bidder.cert], { stream: true });
    const s = readFileSync(at("s.der"));
    await expectCode(inspectEnvelope(write("strunc.der", s.subarray(0, s.length - 2))), "ENVELOPE_CORRUPT");
    await expectCode(inspectEnvelope(write("strunc2.der", s.subarray(0, 50_000))), "ENVELOPE_CORRUPT");
  });

  it("ENVELOPE_CORRUPT for random bytes, empty file and text", async () => {
    await expectCode(inspectEnvelope(write("rand.bin", random(5000))), "ENVELOPE_CORRUPT");
    const r = random(5000);
    r[0] = 0x30;
    await expectCode(inspectEnvelope(write("rand30.bin", r)), "ENVELOPE_CORRUPT");
    await expectCode(inspectEnvelope(write("empty.bin", "")), "ENVELOPE_CORRUPT");
    await expectCode(inspectEnvelope(write("text.txt", "投标文件 hello")), "ENVELOPE_CORRUPT");
  });

  it("ENVELOPE_CORRUPT for flipped tags", async () => {
    const first = Buffer.from(good);
    first[0] = 0x31; // SEQUENCE → SET
    await expectCode(inspectEnvelope(write("flip0.der", first)), "ENVELOPE_CORRUPT");
    const info = await inspectEnvelope(at("good.der"));
    // the RecipientInfos SET (0x31) right after "version INTEGER 0"
    const setAt = good.indexOf(Buffer.from([0x02, 0x01, 0x00, 0x31])) + 3;
    const flipped = Buffer.from(good);
    flipped[setAt] = 0x32;
    await expectCode(inspectEnvelope(write("flipset.der", flipped)), "ENVELOPE_CORRUPT");
    // the [0] encryptedContent tag just before the ciphertext
    const contentTag = Buffer.from(good);
    const seg = info.encryptedContent.segments[0]!;
    const hdr = seg.offset - 5; // [0] IMPLICIT, long-form 3-byte length (200 016 bytes)
    expect([good[hdr], good[hdr + 1]]).toEqual([0x80, 0x83]);
    contentTag[hdr] = 0x04;
    await expectCode(inspectEnvelope(write("flipcontent.der", contentTag)), "ENVELOPE_CORRUPT");
  });

  it("ENVELOPE_CORRUPT for damaged PEM", async () => {
    opensslSeal(plain, at("p.pem"), [pki.bidder.cert], { outform: "PEM" });
    const pem = readFileSync(at("p.pem"), "utf8");
    await expectCode(inspectEnvelope(write("p-noend.pem", pem.replace(/-----END CMS-----\s*$/, ""))), "ENVELOPE_CORRUPT");
    await expectCode(inspectEnvelope(write("p-bad.pem", pem.replace(/\n([A-Za-z])/, "\n*"))), "ENVELOPE_CORRUPT");
    const lines = pem.split("\n");
    await expectCode(inspectEnvelope(write("p-cut.pem", [...lines.slice(0, 20), lines.at(-2), ""].join("\n"))), "ENVELOPE_CORRUPT");
  });

  it("ENVELOPE_NOT_ENVELOPED for SignedData and for a certificate PEM", async () => {
    openssl(["cms", "-sign", "-binary", "-in", plain, "-signer", pki.bidder.cert, "-inkey", pki.bidder.key, "-outform", "DER", "-out", at("signed.der")]);
    await expectCode(inspectEnvelope(at("signed.der")), "ENVELOPE_NOT_ENVELOPED");
    await expectCode(inspectEnvelope(pki.bidder.cert), "ENVELOPE_NOT_ENVELOPED");
  });

  it("ENVELOPE_NOT_ENVELOPED for AES-GCM (AuthEnvelopedData)", async () => {
    opensslSeal(plain, at("gcm.der"), [pki.bidder.cert], { cipher: "aes-256-gcm" });
    await expectCode(inspectEnvelope(at("gcm.der")), "ENVELOPE_NOT_ENVELOPED");
  });

  it("ENVELOPE_UNSUPPORTED_CIPHER for 3DES", async () => {
    opensslSeal(plain, at("des3.der"), [pki.bidder.cert], { cipher: "des3" });
    await expectCode(inspectEnvelope(at("des3.der")), "ENVELOPE_UNSUPPORTED_CIPHER");
  });
});

describe("findRecipient", () => {
  it("finds bidder and escrow by issuer + serial, despite the Chinese CA name", async () => {
    opensslSeal(plain, at("fr.der"), [pki.bidder.cert, pki.escrow.cert]);
    const info = await inspectEnvelope(at("fr.der"));
    const b = findRecipient(info, pki.bidder.certPem);
    const e = findRecipient(info, readFileSync(pki.escrow.cert)); // PEM as bytes
    expect(b.serialNumberHex).toBe(parseCertificate(pki.bidder.certPem).serialNumberHex);
    expect(e.serialNumberHex).toBe(parseCertificate(pki.escrow.certPem).serialNumberHex);
    expect(b.index).not.toBe(e.index);
    const der = openssl(["x509", "-in", pki.bidder.cert, "-outform", "DER"]);
    expect(findRecipient(info, der).index).toBe(b.index);
  });

  it("finds a recipient identified by subjectKeyIdentifier (-keyid)", async () => {
    openssl(["cms", "-encrypt", "-binary", "-aes256", "-keyid", "-in", plain, "-outform", "DER", "-out", at("ski.der"), pki.bidder.cert]);
    const info = await inspectEnvelope(at("ski.der"));
    const ri = findRecipient(info, pki.bidder.certPem);
    expect(ri.issuer).toBeNull();
    expect(ri.subjectKeyIdentifierHex).toBe(parseCertificate(pki.bidder.certPem).subjectKeyIdentifierHex);
  });

  it("ENVELOPE_NOT_FOR_RECIPIENT for another certificate (even with the same issuer name)", async () => {
    opensslSeal(plain, at("nf.der"), [pki.bidder.cert]);
    const info = await inspectEnvelope(at("nf.der"));
    expect(() => findRecipient(info, pki.escrow.certPem)).toThrow(expect.objectContaining({ code: "ENVELOPE_NOT_FOR_RECIPIENT" }));
    expect(() => findRecipient(info, pki.other.certPem)).toThrow(expect.objectContaining({ code: "ENVELOPE_NOT_FOR_RECIPIENT" }));
    expect(() => findRecipient(info, "not a cert")).toThrow(expect.objectContaining({ code: "CERTIFICATE_INVALID" }));
  });
});
