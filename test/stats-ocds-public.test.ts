// Open data through a real opening: three bidders seal with openssl, the agent
// runs the opening over sockets, and at each stage the OCDS release package is
// fetched without a login (plain fetch, no token) at its public addresses:
// refused before the opening, the tender once it has started, the bidders once
// published (no prices), the prices once read out; a bid failed through its
// bidder and one failed through the platform are `withdrawn` (never `pending`)
// with their reasons; every package validates (ajv + ajv-formats), is served as
// application/json without the `{ ok, data }` envelope, and names its own URL.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectView } from "@contracts/opening";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";
import { expectValidOcds, fetchOcds, ocdsCodes } from "./helpers/ocds-schema";

interface Bid {
  id: string;
  status: string;
  description?: string;
  tenderers: { id: string; name: string }[];
  value?: { amount: number; currency: string };
}
interface Release {
  ocid: string;
  id: string;
  date: string;
  tag: string[];
  parties: { id: string; roles: string[] }[];
  tender: { status: string; tenderers?: { id: string }[]; numberOfTenderers?: number };
  bids?: { details: Bid[] };
}

let t: TestApp;
let kits: BidderKit[];
let agent: TestSocket;
let agentToken: string;
let project: ProjectView;
let lotId: string;
const envelopes: string[] = [];
const bidIds: string[] = [];

/** The three public addresses of the one-lot project. */
const addresses = () => [`/api/open-data/projects/${project.id}/ocds`, `/api/open-data/lots/${lotId}/ocds`, `/api/stats/projects/${project.id}/ocds`];

/** Fetches every address without a login; checks the answer's form; returns the lot's release (the same at each). */
async function publicRelease(): Promise<Release> {
  const seen: Release[] = [];
  for (const path of addresses()) {
    const res = await fetchOcds(`${t.url}${path}`);
    expect(res.status, path).toBe(200);
    expect(res.type, path).toMatch(/^application\/json\b/);
    expect(res.body, path).not.toHaveProperty("ok");
    expect(res.body, path).not.toHaveProperty("data");
    expectValidOcds(res.body);
    expect(res.body.uri, path).toBe(`${t.url}${path}`);
    const releases = res.body.releases as Release[];
    expect(releases.length, path).toBe(1);
    seen.push(releases[0]!);
  }
  expect(seen[1]).toEqual(seen[0]);
  expect(seen[2]).toEqual(seen[0]);
  return seen[0]!;
}

beforeAll(async () => {
  t = await startTestApp();
  let dir: string;
  ({ dir, kits } = await bidderKits(t));
  agentToken = (await t.login("agent")).token;
  agent = await t.connect({ token: agentToken });
  project = await createLot(t, agentToken, {}, { name: "城南污水管网改造工程" });
  lotId = project.lots[0]!.id;
  const code = project.lots[0]!.code;
  const escrowCert = join(dir, "escrow.pem");
  writeFileSync(escrowCert, project.lots[0]!.escrowCertPem);
  const prices = ["9650000.00", "9720000.50", "9588000"];
  for (const [i, k] of kits.entries()) {
    envelopes.push(sealWithOpenssl(dir, `b${i}`, bidZip(bidJson(code, k.creditCode, prices[i]!)), [k.certFile, escrowCert]));
    const up = await uploadBid(t, k.token, lotId, envelopes[i]!);
    expect(up.status).toBe(200);
    bidIds.push(up.body.data!.receipt.bidId);
  }
}, 120_000);
afterAll(() => t.close());

describe("open data through a real opening, read without a login", () => {
  it("before the opening: refused (404 OPEN_DATA_NOT_PUBLIC) at every address, a bidder too; staff still read the tender", async () => {
    for (const path of addresses()) {
      for (const token of [undefined, kits[0]!.token]) {
        const res = await fetchOcds(`${t.url}${path}`, token);
        expect(res.status, path).toBe(404);
        expect(res.type, path).toMatch(/^application\/json\b/);
        expect(res.body, path).toMatchObject({ ok: false, error: { code: "OPEN_DATA_NOT_PUBLIC" } });
      }
    }
    for (const role of ["agent", "admin", "supervisor"]) {
      const { token } = await t.login(role);
      const res = await fetchOcds(`${t.url}/api/open-data/projects/${project.id}/ocds`, token);
      expect(res.status, role).toBe(200);
      expectValidOcds(res.body);
      const [r] = res.body.releases as Release[];
      expect(r!.tender.status).toBe("active");
      expect(r!.bids, role).toBeUndefined();
      for (const k of kits) expect(JSON.stringify(res.body)).not.toContain(k.creditCode); // sealed bids: nobody's name
    }
  });

  it("opening started: the tender is public, the bidders are not yet", async () => {
    await passDeadline(t, lotId);
    expect((await call(agent, "opening:open", { lotId })).ok).toBe(true);
    const r = await publicRelease();
    expect(r.ocid).toBe(`ocds-bidhal-${project.lots[0]!.code}`);
    expect(r.tag).toEqual(["tender"]);
    expect(r.bids).toBeUndefined();
    expect(r.tender.tenderers).toBeUndefined();
    expect(r.parties.map((p) => p.roles)).toEqual([["buyer", "procuringEntity"]]);
  });

  it("bidder list published: tenderers and bids with their tenderers, every bid pending, no value anywhere", async () => {
    const before = await publicRelease();
    expect((await call(agent, "opening:publishBidders", { lotId })).ok).toBe(true);
    const r = await publicRelease();
    expect(r.id).not.toBe(before.id); // another content, another release
    expect(r.tender.numberOfTenderers).toBe(3);
    expect(r.tender.tenderers!.map((x) => x.id).sort()).toEqual(kits.map((k) => `CN-USCC-${k.creditCode}`).sort());
    expect(r.bids!.details.map((b) => [b.id, b.status, b.tenderers[0]!.id])).toEqual(kits.map((k, i) => [bidIds[i], "pending", `CN-USCC-${k.creditCode}`]));
    expect(r.bids!.details.some((b) => "value" in b)).toBe(false);
  });

  it("decryption: one bid opened, one given up by its bidder, one failed through the platform: still no value until read out", async () => {
    expect((await call(agent, "opening:startDecryption", { lotId })).ok).toBe(true);
    const s1 = await t.connect({ token: kits[0]!.token });
    const s2 = await t.connect({ token: kits[1]!.token });
    expect((await call(s1, "opening:signIn", { lotId, mode: "online" })).ok).toBe(true);
    expect((await call(s2, "opening:signIn", { lotId, mode: "online" })).ok).toBe(true);
    expect(await call(s1, "opening:submitKey", { lotId, keyHex: await recoverKeyHex(envelopes[0]!, kits[0]!) })).toMatchObject({ ok: true, data: { summary: { priceFen: 965_000_000 } } });
    expect((await call(s2, "opening:giveUpDecryption", { lotId })).ok).toBe(true);
    expect((await call(agent, "opening:markPlatformFault", { bidId: bidIds[2]!, reason: "签章服务故障" })).ok).toBe(true);
    const r = await publicRelease();
    expect(r.bids!.details.some((b) => "value" in b)).toBe(false);
    expect(JSON.stringify(r)).not.toContain("9650000");
  });

  it("announcing: the price read out is public; the failed bids are withdrawn with their reasons, never pending", async () => {
    expect((await call(agent, "opening:endDecryption", { lotId })).ok).toBe(true);
    const r = await publicRelease();
    expect(r.bids!.details.map((b) => [b.id, b.status, b.value ?? null, b.description ?? null])).toEqual([
      [bidIds[0], "pending", { amount: 9_650_000, currency: "CNY" }, null],
      [bidIds[1], "withdrawn", null, "解密失败（投标人原因，视为撤回）"],
      [bidIds[2], "withdrawn", null, "解密失败（平台原因）；平台原因：签章服务故障"],
    ]);
    expect(r.bids!.details.every((b) => ocdsCodes("bidStatus.csv").includes(b.status))).toBe(true);
    // Staff read the same release (nothing more once the opening has started).
    const staff = await fetchOcds(`${t.url}/api/open-data/lots/${lotId}/ocds`, agentToken);
    expect((staff.body.releases as Release[])[0]).toEqual(r);
  });
});
