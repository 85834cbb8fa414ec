// inspect → findRecipient → unwrapKey → decryptToFile against openssl-made envelopes.
import { execFileSync } from "node:child_process";
import { createDecipheriv, createPrivateKey } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkBidZip,
  decryptToFile,
  findRecipient,
  inspectEnvelope,
  keyFromHex,
  sha256File,
  unwrapKey,
  type EnvelopeInfo,
} from "./index";
import { OPENSSL_KEY_RECOVERY_SH } from "./openssl-recipe";
import { type Party, type Pki, makeBidZip, makePki, openssl, opensslSeal, random, sha256 } from "../../../test/helpers/sealing-pki";

let pki: Pki;
let plain: string;
let plainBytes: Buffer;
const at = (name: string) => join(pki.dir, name);

beforeAll(() => {
  pki = makePki();
  plain = at("plain.zip");
  plainBytes = Buffer.concat([Buffer.from(makeBidZip({ "tech/方案.bin": random(300_000) }))]);
  writeFileSync(plain, plainBytes);
});
afterAll(() => pki.cleanup());

/** The full server-side opening with one party's key. */
async function open(env: string, party: Party, out: string) {
  const info = await inspectEnvelope(env);
  const ri = findRecipient(info, party.certPem);
  const key = unwrapKey(ri, party.keyPem);
  return { info, key, result: await decryptToFile(env, key, out, info) };
}

describe("opening openssl envelopes", () => {
  const ciphers = ["aes128", "aes192", "aes256"] as const;
  const paddings = ["pkcs1", "oaep-sha1", "oaep-sha256"] as const;
  const forms = [
    { outform: "DER", stream: false },
    { outform: "DER", stream: true },
    { outform: "PEM", stream: false },
    { outform: "PEM", stream: true },
  ] as const;
  const cases = ciphers.flatMap((cipher) => paddings.flatMap((padding) => forms.map((f) => ({ cipher, padding, ...f }))));

  it.each(cases)("$cipher $padding $outform stream=$stream", async (o) => {
    const env = at(`m-${o.cipher}-${o.padding}-${o.outform}-${o.stream}`);
    opensslSeal(plain, env, [pki.bidder.cert], o);
    const out = `${env}.out`;
    const { key, result } = await open(env, pki.bidder, out);
    expect(key).toHaveLength({ aes128: 16, aes192: 24, aes256: 32 }[o.cipher]);
    expect(result).toEqual({ bytes: plainBytes.length, sha256: sha256(plainBytes) });
    expect(await sha256File(out)).toBe(sha256(plainBytes));
    const bid = await checkBidZip(out);
    expect(bid.bidJson).toMatchObject({ bidder: "某某建设有限公司" });
  });

  it("two recipients (bidder + escrow): both open it", async () => {
    const env = at("two.der");
    opensslSeal(plain, env, [pki.bidder.cert, pki.escrow.cert], { padding: "oaep-sha256", stream: true });
    const a = await open(env, pki.bidder, at("two.bidder.out"));
    const b = await open(env, pki.escrow, at("two.escrow.out"));
    expect(a.key.equals(b.key)).toBe(true);
    expect(a.result.sha256).toBe(sha256(plainBytes));
    expect(b.result.sha256).toBe(sha256(plainBytes));
  });

  it("OAEP with SHA-256 but MGF1-SHA-1 (Node cannot; forge fallback)", async () => {
    const env = at("mixed.der");
    opensslSeal(plain, env, [pki.bidder.cert], { padding: "oaep-sha256-mgf1-sha1" });
    const { info, result } = await open(env, pki.bidder, at("mixed.out"));
    expect(findRecipient(info, pki.bidder.certPem).keyEncryptionAlgorithm).toMatchObject({ hash: "sha256", mgf1Hash: "sha1" });
    expect(result.sha256).toBe(sha256(plainBytes));
  });

  it("accepts an encrypted PKCS#8 key with its passphrase", async () => {
    const env = at("enckey.der");
    opensslSeal(plain, env, [pki.bidder.cert]);
    const encPem = createPrivateKey(pki.bidder.keyPem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "口令" });
    const ri = findRecipient(await inspectEnvelope(env), pki.bidder.certPem);
    expect(unwrapKey(ri, encPem.toString(), { passphrase: "口令" })).toHaveLength(32);
    expect(() => unwrapKey(ri, encPem.toString(), { passphrase: "wrong" })).toThrow(expect.objectContaining({ code: "PRIVATE_KEY_INVALID" }));
  });

  it("ENVELOPE_UNWRAP_FAILED with another party's private key", async () => {
    for (const padding of ["pkcs1", "oaep-sha256"] as const) {
      const env = at(`uw-${padding}.der`);
      opensslSeal(plain, env, [pki.bidder.cert], { padding });
      const ri = findRecipient(await inspectEnvelope(env), pki.bidder.certPem);
      expect(() => unwrapKey(ri, pki.escrow.keyPem)).toThrow(expect.objectContaining({ code: "ENVELOPE_UNWRAP_FAILED" }));
    }
  });

  it("ENVELOPE_NOT_FOR_RECIPIENT for an envelope sealed to someone else", async () => {
    const env = at("escrow-only.der");
    opensslSeal(plain, env, [pki.escrow.cert]);
    const info = await inspectEnvelope(env);
    expect(() => findRecipient(info, pki.bidder.certPem)).toThrow(expect.objectContaining({ code: "ENVELOPE_NOT_FOR_RECIPIENT" }));
  });
});

describe("decryptToFile with a wrong key", () => {
  let env: string;
  let info: EnvelopeInfo;
  let rightKey: Buffer;
  beforeAll(async () => {
    env = at("wk.der");
    opensslSeal(plain, env, [pki.bidder.cert], { stream: true });
    info = await inspectEnvelope(env);
    rightKey = unwrapKey(findRecipient(info, pki.bidder.certPem), pki.bidder.keyPem);
  });

  /** Whether `key` passes the CBC padding check (decrypts the last two blocks). */
  function paddingOk(key: Buffer): boolean {
    const segs = info.encryptedContent.segments;
    const file = readFileSync(env);
    const ct = Buffer.concat(segs.map((s) => file.subarray(s.offset, s.offset + s.length)));
    const d = createDecipheriv("aes-256-cbc", key, ct.subarray(ct.length - 32, ct.length - 16));
    try {
      d.update(ct.subarray(ct.length - 16));
      d.final();
      return true;
    } catch {
      return false;
    }
  }
  /** A wrong key that fails (or passes) the padding check — ~1 in 256 passes. */
  function wrongKey(passes: boolean): Buffer {
    for (let i = 1; ; i++) {
      const k = Buffer.from(rightKey);
      k.writeUInt32BE((k.readUInt32BE(0) ^ i) >>> 0, 0);
      if (paddingOk(k) === passes) return k;
    }
  }

  it("ENVELOPE_WRONG_KEY on bad padding, and the partial output is removed", async () => {
    const out = at("wk.out");
    await expect(decryptToFile(env, wrongKey(false), out, info)).rejects.toMatchObject({ code: "ENVELOPE_WRONG_KEY" });
    expect(existsSync(out)).toBe(false);
  });

  it("ENVELOPE_WRONG_KEY for a key of the wrong length, nothing written", async () => {
    const out = at("wk-len.out");
    await expect(decryptToFile(env, rightKey.subarray(0, 16), out)).rejects.toMatchObject({ code: "ENVELOPE_WRONG_KEY" });
    expect(existsSync(out)).toBe(false);
  });

  it("a wrong key that passes the padding check yields garbage, caught as BID_NOT_ZIP", async () => {
    const out = at("wk-garbage.out");
    const r = await decryptToFile(env, wrongKey(true), out, info);
    expect(r.sha256).not.toBe(sha256(plainBytes));
    await expect(checkBidZip(out)).rejects.toMatchObject({ code: "BID_NOT_ZIP" });
  });

  it("keyFromHex validates the length per cipher", () => {
    expect(keyFromHex(rightKey.toString("hex").toUpperCase(), "aes-256-cbc")).toEqual(new Uint8Array(rightKey));
    expect(() => keyFromHex(rightKey.toString("hex"), "aes-128-cbc")).toThrow(expect.objectContaining({ code: "ENVELOPE_WRONG_KEY" }));
    expect(() => keyFromHex("zz".repeat(32), "aes-256-cbc")).toThrow(expect.objectContaining({ code: "ENVELOPE_WRONG_KEY" }));
    expect(keyFromHex("ab".repeat(32), info.cipher)).toHaveLength(32);
    expect(keyFromHex(" " + "0f".repeat(24) + "\n", "aes-192-cbc")).toHaveLength(24);
  });
});

describe("the bidder's OpenSSL key-recovery recipe", () => {
  // See openssl-recipe.ts: openssl asn1parse → cut the encryptedKey with
  // tail/head → openssl pkeyutl -decrypt [-pkeyopt rsa_padding_mode:oaep
  // -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256] → od → hex key.
  const script = () => (writeFileSync(at("recover-key.sh"), OPENSSL_KEY_RECOVERY_SH), at("recover-key.sh"));
  const recover = (env: string, party: Party) =>
    execFileSync("sh", [script(), env, party.cert, party.key], { encoding: "utf8" }).trim();

  it.each([
    { padding: "pkcs1", stream: false },
    { padding: "oaep-sha1", stream: true },
    { padding: "oaep-sha256", stream: false },
    { padding: "oaep-sha256", stream: true },
    { padding: "oaep-sha256-mgf1-sha1", stream: false },
  ] as const)("$padding stream=$stream: hex key from openssl opens with decryptToFile", async (o) => {
    const env = at(`recipe-${o.padding}-${o.stream}.der`);
    opensslSeal(plain, env, [pki.escrow.cert, pki.bidder.cert], { ...o, cipher: "aes192" });
    const hex = recover(env, pki.bidder);
    expect(hex).toMatch(/^[0-9a-f]{48}$/);
    const info = await inspectEnvelope(env);
    const out = `${env}.out`;
    const r = await decryptToFile(env, keyFromHex(hex, info.cipher.name), out, info);
    expect(r.sha256).toBe(sha256(plainBytes));
    expect(recover(env, pki.escrow)).toBe(hex);
  });

  it("PEM envelopes: convert with asn1parse -out first", async () => {
    const pem = at("recipe.pem");
    opensslSeal(plain, pem, [pki.bidder.cert], { outform: "PEM", padding: "oaep-sha256" });
    openssl(["asn1parse", "-inform", "PEM", "-in", pem, "-noout", "-out", at("recipe-from-pem.der")]);
    const hex = recover(at("recipe-from-pem.der"), pki.bidder);
    const r = await decryptToFile(pem, keyFromHex(hex, "aes-256-cbc"), at("recipe-pem.out"));
    expect(r.sha256).toBe(sha256(plainBytes));
  });

  it("fails clearly for a certificate the envelope is not for", () => {
    const env = at("recipe-other.der");
    opensslSeal(plain, env, [pki.bidder.cert]);
    expect(() => recover(env, pki.other)).toThrow(/no RecipientInfo/);
  });
});
