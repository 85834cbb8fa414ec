/**
 * Sealing tests (server and client): a throw-away PKI made with the real
 * `openssl` binary — a CA with a Chinese name, a bidder, an escrow and an
 * unrelated certificate — and wrappers around `openssl cms`.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";

/** Runs openssl, returning stdout; throws with stderr on failure. */
export function openssl(args: string[], cwd?: string): Buffer {
  return execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
}

/** One party of the test PKI. */
export interface Party {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
}

/** The test PKI. */
export interface Pki {
  dir: string;
  ca: Party;
  bidder: Party & { p12: string };
  escrow: Party;
  other: Party;
  cleanup(): void;
}

const P12_PASSWORD = "bidder-Pass-123";

/** Creates the PKI in a fresh temp dir. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "sealing-test-"));
  const file = (n: string) => join(dir, n);
  const party = (name: string): Party => ({
    cert: file(`${name}.pem`),
    key: file(`${name}.key`),
    certPem: readFileSync(file(`${name}.pem`), "utf8"),
    keyPem: readFileSync(file(`${name}.key`), "utf8"),
  });
  writeFileSync(file("ext.cnf"), "subjectKeyIdentifier=hash\nkeyUsage=keyEncipherment,dataEncipherment\n");
  const newKey = (name: string) => openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file(`${name}.key`)]);
  newKey("ca");
  openssl(["req", "-x509", "-new", "-utf8", "-key", file("ca.key"), "-subj", "/C=CN/O=测试CA/CN=测试根证书", "-days", "30", "-out", file("ca.pem")]);
  const issue = (name: string, subj: string) => {
    newKey(name);
    openssl(["req", "-new", "-utf8", "-key", file(`${name}.key`), "-subj", subj, "-out", file(`${name}.csr`)]);
    openssl(["x509", "-req", "-in", file(`${name}.csr`), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial",
      "-days", "30", "-extfile", file("ext.cnf"), "-out", file(`${name}.pem`)]);
  };
  issue("bidder", "/C=CN/O=某某建设有限公司/CN=投标人");
  issue("escrow", "/C=CN/O=公共资源交易中心/CN=开标托管");
  newKey("other");
  openssl(["req", "-x509", "-new", "-utf8", "-key", file("other.key"), "-subj", "/C=CN/O=测试CA/CN=测试根证书", "-days", "30", "-out", file("other.pem")]);
  openssl(["pkcs12", "-export", "-inkey", file("bidder.key"), "-in", file("bidder.pem"), "-certfile", file("ca.pem"),
    "-passout", `pass:${P12_PASSWORD}`, "-out", file("bidder.p12")]);
  return {
    dir,
    ca: party("ca"),
    bidder: { ...party("bidder"), p12: file("bidder.p12") },
    escrow: party("escrow"),
    other: party("other"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The PKCS#12 password of the bidder. */
export const bidderP12Password = P12_PASSWORD;

/** How to seal with `openssl cms -encrypt`. */
export interface OpensslSealOptions {
  cipher?: "aes128" | "aes192" | "aes256" | "des3" | "aes-256-gcm";
  /** Key transport; default pkcs1. "oaep-sha256-mgf1-sha1" mixes hashes (OpenSSL allows it). */
  padding?: "pkcs1" | "oaep-sha1" | "oaep-sha256" | "oaep-sha256-mgf1-sha1";
  outform?: "DER" | "PEM";
  stream?: boolean;
}

/** Seals `input` for `certs` with `openssl cms -encrypt`, writing `out`. */
export function opensslSeal(input: string, out: string, certs: string[], o: OpensslSealOptions = {}): void {
  const args = ["cms", "-encrypt", "-binary", `-${o.cipher ?? "aes256"}`, "-in", input, "-out", out, "-outform", o.outform ?? "DER"];
  if (o.stream) args.push("-stream");
  for (const cert of certs) {
    args.push("-recip", cert);
    if (o.padding?.startsWith("oaep")) args.push("-keyopt", "rsa_padding_mode:oaep");
    if (o.padding?.startsWith("oaep-sha256")) args.push("-keyopt", "rsa_oaep_md:sha256");
    if (o.padding === "oaep-sha256-mgf1-sha1") args.push("-keyopt", "rsa_mgf1_md:sha1");
  }
  openssl(args);
}

/** `openssl cms -decrypt`; returns the plaintext. */
export function opensslOpen(envelope: string, party: Party, inform: "DER" | "PEM" = "DER"): Buffer {
  return openssl(["cms", "-decrypt", "-binary", "-inform", inform, "-in", envelope, "-recip", party.cert, "-inkey", party.key]);
}

/** SHA-256 hex. */
export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A small bid archive made with fflate. */
export function makeBidZip(files: Record<string, Uint8Array | string> = {}): Uint8Array {
  const enc = new TextEncoder();
  const entries: Record<string, Uint8Array> = {};
  const all = { "bid.json": JSON.stringify({ tender: "ZB-2026-001", bidder: "某某建设有限公司", price: "1234567.89" }), ...files };
  for (const [name, v] of Object.entries(all)) entries[name] = typeof v === "string" ? enc.encode(v) : v;
  return zipSync(entries, { level: 6 });
}

/** Random bytes. */
export function random(n: number): Buffer {
  return randomBytes(n);
}
