// Test fixtures for openings: bidder certificates made by the openssl binary,
// sealed bids made by `openssl cms -encrypt`, a lot created through the API.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import type { ProjectView } from "@contracts/opening";
import type { TestApp } from "./app";
import { findRecipient, inspectEnvelope, unwrapKey } from "../../server/opening/sealing";

export const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });

export interface BidderKit {
  username: string;
  companyId: string;
  creditCode: string;
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  token: string;
}

/**
 * A CA (Chinese name) and one certificate per bidder company, registered through the API
 * (`register: false`: only the files on disk, for a test that registers them on the bidder page).
 */
export async function bidderKits(t: TestApp, usernames = ["bidder", "bidder2", "bidder3"], opts: { register?: boolean } = {}): Promise<{ dir: string; kits: BidderKit[] }> {
  const dir = mkdtempSync(join(tmpdir(), "hall-bidders-"));
  const f = (n: string) => join(dir, n);
  writeFileSync(f("ext.cnf"), "subjectKeyIdentifier=hash\nkeyUsage=keyEncipherment,dataEncipherment,digitalSignature\n");
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", f("ca.key")]);
  openssl(["req", "-x509", "-new", "-utf8", "-key", f("ca.key"), "-subj", "/C=CN/O=测试数字证书认证中心/CN=测试CA", "-days", "30", "-out", f("ca.pem")]);
  const kits: BidderKit[] = [];
  for (const username of usernames) {
    const login = await t.login(username);
    const companyId = login.user.companyId!;
    const company = await t.app.db.company.findUniqueOrThrow({ where: { id: companyId } });
    openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", f(`${username}.key`)]);
    openssl(["req", "-new", "-utf8", "-key", f(`${username}.key`), "-subj", `/C=CN/O=${company.name}/CN=${username}`, "-out", f(`${username}.csr`)]);
    openssl(["x509", "-req", "-in", f(`${username}.csr`), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "30", "-extfile", f("ext.cnf"), "-out", f(`${username}.pem`)]);
    const certPem = readFileSync(f(`${username}.pem`), "utf8");
    const res = opts.register === false ? { body: { ok: true } } : await t.api("POST", `/api/companies/${companyId}/certificates`, { token: login.token, body: { certificate: certPem } });
    if (!res.body.ok) throw new Error(`certificate for ${username}: ${JSON.stringify(res.body)}`);
    kits.push({ username, companyId, creditCode: company.creditCode, certFile: f(`${username}.pem`), keyFile: f(`${username}.key`), certPem, keyPem: readFileSync(f(`${username}.key`), "utf8"), token: login.token });
  }
  return { dir, kits };
}

export function bidJson(lotCode: string, creditCode: string, price: string | number, extra: Record<string, unknown> = {}) {
  return { lotCode, bidderCreditCode: creditCode, price, durationDays: 180, quality: "合格", projectManager: "张工", ...extra };
}

/** A bid ZIP: bid.json plus a document. */
export function bidZip(json: unknown, files: Record<string, string> = { "技术标/施工组织设计.pdf": "%PDF-1.4 demo" }): Uint8Array {
  const enc = new TextEncoder();
  const entries: Record<string, Uint8Array> = {};
  if (json !== undefined) entries["bid.json"] = enc.encode(typeof json === "string" ? json : JSON.stringify(json));
  for (const [k, v] of Object.entries(files)) entries[k] = enc.encode(v);
  return zipSync(entries);
}

export interface SealOpts {
  cipher?: "aes128" | "aes192" | "aes256";
  oaep?: boolean;
  pem?: boolean;
  stream?: boolean;
}

/** `openssl cms -encrypt -binary … -recip cert [-recip escrow]` → the envelope file path. */
export function sealWithOpenssl(dir: string, name: string, plaintext: Uint8Array, recipients: string[], o: SealOpts = {}): string {
  const input = join(dir, `${name}.zip`);
  const out = join(dir, `${name}.p7m`);
  writeFileSync(input, plaintext);
  const args = ["cms", "-encrypt", "-binary", `-${o.cipher ?? "aes256"}`, "-in", input, "-out", out, "-outform", o.pem ? "PEM" : "DER"];
  if (o.stream) args.push("-stream");
  for (const r of recipients) {
    args.push("-recip", r);
    if (o.oaep) args.push("-keyopt", "rsa_padding_mode:oaep");
  }
  openssl(args);
  return out;
}

/** What the bidder does on its own side: recover the content key from its envelope with its private key. */
export async function recoverKeyHex(envelopeFile: string, kit: { certPem: string; keyPem: string }): Promise<string> {
  const env = await inspectEnvelope(envelopeFile);
  return unwrapKey(findRecipient(env, kit.certPem), kit.keyPem).toString("hex");
}

export async function uploadBid(t: TestApp, token: string, lotId: string, file: string) {
  const res = await fetch(`${t.url}/api/lots/${lotId}/bid`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: readFileSync(file),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; data?: { receipt: { bidId: string; sha256: string }; receiptJson: string; signature: string }; error?: { code: string; message: string } } };
}

export async function createLot(
  t: TestApp,
  agentToken: string,
  lot: Record<string, unknown> = {},
  project: Record<string, unknown> = {},
): Promise<ProjectView> {
  const roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } })).id;
  const code = `P${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const hour = new Date(Date.now() + 3_600_000).toISOString();
  const res = await t.api<ProjectView>("POST", "/api/projects", {
    token: agentToken,
    body: {
      code,
      name: "滨江大道道路改造工程",
      category: "engineering",
      procedure: "open",
      ownerName: "演示县交通运输局",
      ...project,
      lots: [
        {
          code: `${code}-01`,
          name: "第一标段",
          budgetFen: 1_000_000_000,
          controlPriceFen: 980_000_000,
          bidDeadline: hour,
          openingTime: hour,
          roomId,
          evaluationMethod: "comprehensive",
          draw: { kind: "none" },
          ...lot,
        },
      ],
    },
  });
  if (!res.body.ok) throw new Error(`createLot: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/**
 * "Time passes": the deadline and opening time move into the past. The agent's stream said "allowed from the
 * old opening time" (an hour ahead); a real clock reaches it, a moved one does not: the streams are rebuilt.
 */
export async function passDeadline(t: TestApp, lotId: string) {
  const past = new Date(Date.now() - 1000);
  const lot = await t.app.db.lot.update({ where: { id: lotId }, data: { bidDeadline: past, openingTime: past } });
  t.app.ctx.events.emit("opening.changed", { lotId, roomId: lot.roomId });
}
