// The browser-safe part: forge sealing (opened by openssl and by the server
// code) and forge key recovery with a .p12 or PEM key.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelopeToPem, inspectEnvelopeBytes, inspectEnvelopeHeader, recoverContentKey, sealForRecipients, type SealOptions } from "./browser";
import { decryptToFile, findRecipient, inspectEnvelope, keyFromHex, parseCertificate, unwrapKey } from "./index";
import { type Pki, bidderP12Password, makeBidZip, makePki, opensslOpen, opensslSeal, random, sha256 } from "../../../test/helpers/sealing-pki";

let pki: Pki;
let bid: Uint8Array;
const at = (name: string) => join(pki.dir, name);

beforeAll(() => {
  pki = makePki();
  bid = makeBidZip({ "资格/营业执照.pdf": random(150_000) });
});
afterAll(() => pki.cleanup());

describe("sealForRecipients (forge)", () => {
  const cases: SealOptions[] = [
    { cipher: "aes-128-cbc", padding: "pkcs1" },
    { cipher: "aes-192-cbc", padding: "oaep", oaepHash: "sha1" },
    { cipher: "aes-256-cbc", padding: "oaep", oaepHash: "sha256" },
    { cipher: "aes-256-cbc", padding: "pkcs1" },
  ];

  it.each(cases)("$cipher $padding $oaepHash: openssl cms -decrypt opens it for bidder and escrow", (opts) => {
    const env = at(`forge-${opts.cipher}-${opts.padding}-${opts.oaepHash}.der`);
    writeFileSync(env, sealForRecipients(bid, [pki.bidder.certPem, pki.escrow.certPem], opts));
    expect(sha256(opensslOpen(env, pki.bidder))).toBe(sha256(bid));
    expect(sha256(opensslOpen(env, pki.escrow))).toBe(sha256(bid));
  });

  it.each(cases)("$cipher $padding $oaepHash: this library opens it", async (opts) => {
    const env = at(`forge-lib-${opts.cipher}-${opts.padding}-${opts.oaepHash}.der`);
    writeFileSync(env, sealForRecipients(bid, [pki.bidder.certPem, pki.escrow.certPem], opts));
    const info = await inspectEnvelope(env);
    expect(info.cipher.name).toBe(opts.cipher);
    for (const party of [pki.bidder, pki.escrow]) {
      const key = unwrapKey(findRecipient(info, party.certPem), party.keyPem);
      const r = await decryptToFile(env, key, `${env}.out`, info);
      expect(r.sha256).toBe(sha256(bid));
    }
  });

  it("writes the recipient issuer byte for byte from the certificate (forge #847)", async () => {
    const env = sealForRecipients(bid, [pki.bidder.certPem], { padding: "pkcs1" });
    const info = await inspectEnvelopeBytes(env);
    const ri = findRecipient(info, pki.bidder.certPem);
    expect(Buffer.from(ri.issuer!.der).equals(Buffer.from(parseCertificate(pki.bidder.certPem).issuerDer))).toBe(true);
    expect(ri.issuer!.dn).toBe("C=CN, O=测试CA, CN=测试根证书");
  });

  it("PEM output (-----BEGIN CMS-----) opens in openssl too", () => {
    const pem = at("forge.pem");
    writeFileSync(pem, envelopeToPem(sealForRecipients(bid, [pki.bidder.certPem])));
    expect(sha256(opensslOpen(pem, pki.bidder, "PEM"))).toBe(sha256(bid));
  });

  it("handles empty and block-aligned plaintexts", () => {
    for (const size of [0, 16, 4096]) {
      const env = at(`forge-size-${size}.der`);
      const data = random(size);
      writeFileSync(env, sealForRecipients(data, [pki.bidder.certPem]));
      expect(opensslOpen(env, pki.bidder).equals(data)).toBe(true);
    }
  });

  it("CERTIFICATE_INVALID for a bad certificate", () => {
    expect(() => sealForRecipients(bid, ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])).toThrow(
      expect.objectContaining({ code: "CERTIFICATE_INVALID" }),
    );
  });
});

describe("recoverContentKey (forge, in the browser)", () => {
  const p12 = () => new Uint8Array(readFileSync(pki.bidder.p12));

  it.each([
    { padding: "pkcs1", stream: false },
    { padding: "oaep-sha1", stream: true },
    { padding: "oaep-sha256", stream: false },
  ] as const)("openssl $padding stream=$stream envelope: .p12 gives the key decryptToFile uses", async (o) => {
    const env = at(`rk-${o.padding}-${o.stream}.der`);
    writeFileSync(at("bid.zip"), bid);
    opensslSeal(at("bid.zip"), env, [pki.escrow.cert, pki.bidder.cert], o);
    const bytes = new Uint8Array(readFileSync(env));
    const got = await recoverContentKey(bytes, { kind: "p12", p12: p12(), password: bidderP12Password });
    expect(got.cipher).toBe("aes-256-cbc");
    const r = await decryptToFile(env, keyFromHex(got.contentKeyHex, got.cipher), `${env}.out`);
    expect(r.sha256).toBe(sha256(bid));
    // the same with a PEM key, with and without the certificate
    const withCert = await recoverContentKey(bytes, { kind: "pem", privateKeyPem: pki.bidder.keyPem, certificate: pki.bidder.certPem });
    const tryAll = await recoverContentKey(bytes, { kind: "pem", privateKeyPem: pki.bidder.keyPem });
    expect(withCert).toEqual(got);
    expect(tryAll).toEqual(got);
  });

  it("needs only the first kilobytes of a DER envelope", async () => {
    for (const stream of [false, true]) {
      const env = at(`rk-head-${stream}.der`);
      writeFileSync(at("bid.zip"), bid);
      opensslSeal(at("bid.zip"), env, [pki.bidder.cert, pki.escrow.cert], { stream, padding: "oaep-sha256" });
      const head = new Uint8Array(readFileSync(env).subarray(0, 4096));
      const got = await recoverContentKey(head, { kind: "pem", privateKeyPem: pki.escrow.keyPem, certificate: pki.escrow.certPem });
      const r = await decryptToFile(env, keyFromHex(got.contentKeyHex, got.cipher), `${env}.out`);
      expect(r.sha256).toBe(sha256(bid));
      await expect(inspectEnvelopeHeader(head.subarray(0, 300))).rejects.toMatchObject({ code: "ENVELOPE_CORRUPT" });
    }
  });

  it("ENVELOPE_CORRUPT for a PEM envelope without its END line", async () => {
    const pem = envelopeToPem(sealForRecipients(bid, [pki.bidder.certPem]));
    await expect(inspectEnvelopeBytes(pem.replace(/-----END CMS-----\n$/, ""))).rejects.toMatchObject({ code: "ENVELOPE_CORRUPT" });
  });

  it("reads PEM envelopes given as text", async () => {
    const pem = at("rk.pem");
    writeFileSync(at("bid.zip"), bid);
    opensslSeal(at("bid.zip"), pem, [pki.bidder.cert], { outform: "PEM", padding: "oaep-sha256" });
    const got = await recoverContentKey(readFileSync(pem, "utf8"), { kind: "p12", p12: p12(), password: bidderP12Password });
    const r = await decryptToFile(pem, keyFromHex(got.contentKeyHex, got.cipher), at("rk-pem.out"));
    expect(r.sha256).toBe(sha256(bid));
  });

  it("round trip: forge-sealed, forge-recovered, both paddings", async () => {
    for (const padding of ["pkcs1", "oaep"] as const) {
      const env = sealForRecipients(bid, [pki.bidder.certPem, pki.escrow.certPem], { padding });
      const got = await recoverContentKey(env, { kind: "p12", p12: p12(), password: bidderP12Password });
      writeFileSync(at("rt.der"), env);
      const r = await decryptToFile(at("rt.der"), keyFromHex(got.contentKeyHex, got.cipher), at("rt.out"));
      expect(r.sha256).toBe(sha256(bid));
    }
  });

  it("PRIVATE_KEY_INVALID for a wrong .p12 password", async () => {
    const env = sealForRecipients(bid, [pki.bidder.certPem]);
    await expect(recoverContentKey(env, { kind: "p12", p12: p12(), password: "nope" })).rejects.toMatchObject({ code: "PRIVATE_KEY_INVALID" });
  });

  it("ENVELOPE_NOT_FOR_RECIPIENT when the envelope is for someone else", async () => {
    const env = sealForRecipients(bid, [pki.escrow.certPem]);
    await expect(recoverContentKey(env, { kind: "p12", p12: p12(), password: bidderP12Password })).rejects.toMatchObject({
      code: "ENVELOPE_NOT_FOR_RECIPIENT",
    });
    await expect(recoverContentKey(env, { kind: "pem", privateKeyPem: pki.other.keyPem })).rejects.toMatchObject({
      code: "ENVELOPE_NOT_FOR_RECIPIENT",
    });
  });
});

describe("browser.ts stays browser-safe", () => {
  it("imports no node:* module and uses no Buffer, transitively", () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, "utf8");
      const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      expect(code, file).not.toMatch(/from\s+["'](node:|fs|crypto|path|stream|zlib|yauzl)/);
      expect(code, file).not.toMatch(/\bBuffer\b/);
      for (const m of code.matchAll(/from\s+["'](\.[^"']+)["']/g)) visit(resolve(dirname(file), `${m[1]}.ts`));
    };
    visit(join(here, "browser.ts"));
    expect([...seen].map((f) => f.slice(here.length + 1)).sort()).toContain("seal.ts");
  });
});
