// Bad input at the opening: each a clear error, nothing stored half-way
// (no bid row, no file left behind), nothing lost.
import { readdirSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectView } from "@contracts/opening";
import { call, startTestApp, type TestApp } from "./helpers/app";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";
import { dbFingerprint, settledFingerprint } from "./helpers/db-state";

let t: TestApp;
let dir: string;
let kits: BidderKit[];
let agentToken: string;
let project: ProjectView;
let lotId: string;
let lotCode: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ dir, kits } = await bidderKits(t));
  agentToken = (await t.login("agent")).token;
  project = await createLot(t, agentToken, { maxBidMegabytes: 1 });
  lotId = project.lots[0]!.id;
  lotCode = project.lots[0]!.code;
}, 120_000);
afterAll(() => t.close());

const bidsOnDisk = () => (existsSync(join(t.dir, "bids", lotId)) ? readdirSync(join(t.dir, "bids", lotId)) : []);

async function expectRejected(file: string, code: string, kit = kits[0]!, status?: number) {
  const before = await settledFingerprint(t.app.db);
  const bidsBefore = await t.app.db.bid.count();
  const filesBefore = bidsOnDisk().length;
  const res = await uploadBid(t, kit.token, lotId, file);
  expect(res.body).toMatchObject({ ok: false, error: { code } });
  expect(res.body.error!.message.length).toBeGreaterThan(5);
  if (status) expect(res.status).toBe(status);
  expect(await t.app.db.bid.count()).toBe(bidsBefore);
  expect(bidsOnDisk().length).toBe(filesBefore);
  expect(await dbFingerprint(t.app.db)).toBe(before);
}

describe("submission bad input", () => {
  it("corrupt DER, random bytes, an empty body → ENVELOPE_CORRUPT", async () => {
    const good = sealWithOpenssl(dir, "good", bidZip(bidJson(lotCode, kits[0]!.creditCode, "100.00")), [kits[0]!.certFile]);
    const { readFileSync } = await import("node:fs");
    const bytes = readFileSync(good);
    writeFileSync(join(dir, "trunc.p7m"), bytes.subarray(0, bytes.length - 40));
    writeFileSync(join(dir, "random.p7m"), Buffer.from("这不是一个信封".repeat(30)));
    writeFileSync(join(dir, "empty.p7m"), Buffer.alloc(0));
    await expectRejected(join(dir, "trunc.p7m"), "ENVELOPE_CORRUPT");
    await expectRejected(join(dir, "random.p7m"), "ENVELOPE_CORRUPT");
    await expectRejected(join(dir, "empty.p7m"), "ENVELOPE_CORRUPT");
  });

  it("an envelope for another recipient → ENVELOPE_NOT_FOR_RECIPIENT", async () => {
    const other = sealWithOpenssl(dir, "other", bidZip(bidJson(lotCode, kits[0]!.creditCode, "100.00")), [kits[1]!.certFile]);
    await expectRejected(other, "ENVELOPE_NOT_FOR_RECIPIENT");
  });

  it("a bid over the lot's size limit → 413 PAYLOAD_TOO_LARGE, streamed and refused", async () => {
    const { randomBytes } = await import("node:crypto");
    const big = sealWithOpenssl(dir, "big", bidZip(bidJson(lotCode, kits[0]!.creditCode, "1"), { "x.bin": randomBytes(1_200_000).toString("base64") }), [kits[0]!.certFile]);
    await expectRejected(big, "PAYLOAD_TOO_LARGE", kits[0], 413);
  });

  it("a company without a registered certificate → NO_CERTIFICATE", async () => {
    await t.app.db.certificate.updateMany({ where: { companyId: kits[2]!.companyId }, data: { notAfter: new Date(Date.now() - 1000) } });
    const f = sealWithOpenssl(dir, "nocert", bidZip(bidJson(lotCode, kits[2]!.creditCode, "1")), [kits[2]!.certFile]);
    await expectRejected(f, "NO_CERTIFICATE", kits[2]);
    await t.app.db.certificate.updateMany({ where: { companyId: kits[2]!.companyId }, data: { notAfter: new Date(Date.now() + 86_400_000) } });
  });

  it("a person who is not a bidder, or no token → FORBIDDEN / UNAUTHENTICATED", async () => {
    const f = sealWithOpenssl(dir, "agentbid", bidZip(bidJson(lotCode, kits[0]!.creditCode, "1")), [kits[0]!.certFile]);
    await expectRejected(f, "FORBIDDEN", { ...kits[0]!, token: agentToken });
    const res = await fetch(`${t.url}/api/lots/${lotId}/bid`, { method: "PUT", body: "x" });
    expect(res.status).toBe(401);
  });

  it("a bidder acting for another company: registering its certificate → FORBIDDEN", async () => {
    const r = await t.api("POST", `/api/companies/${kits[1]!.companyId}/certificates`, { token: kits[0]!.token, body: { certificate: kits[0]!.certPem } });
    expect(r).toMatchObject({ status: 403, body: { ok: false, error: { code: "FORBIDDEN" } } });
  });

  it("certificates: garbage, expired duplicates → typed errors", async () => {
    const bad = await t.api("POST", `/api/companies/${kits[0]!.companyId}/certificates`, { token: kits[0]!.token, body: { certificate: "-----BEGIN CERTIFICATE-----\n" + "A".repeat(200) + "\n-----END CERTIFICATE-----" } });
    expect(bad.body).toMatchObject({ ok: false, error: { code: "CERTIFICATE_INVALID" } });
    const dup = await t.api("POST", `/api/companies/${kits[0]!.companyId}/certificates`, { token: kits[0]!.token, body: { certificate: kits[0]!.certPem } });
    expect(dup.body).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
  });

  it("companies: an invalid credit code → VALIDATION_FAILED naming the field", async () => {
    const r = await t.api("POST", "/api/companies", { token: agentToken, body: { name: "某某公司", creditCode: "91320500MA1HJ0001X" } });
    expect(r.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "creditCode" }] } });
  });

  it("projects: an opening before the deadline, a budget on land, a past deadline → VALIDATION_FAILED", async () => {
    const roomId = project.lots[0]!.roomId;
    const base = { code: "X-1", name: "n", category: "land", procedure: "listing", ownerName: "o" };
    const lot = { code: "X-1-1", name: "l", roomId, evaluationMethod: "lowest-price" };
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const earlier = new Date(Date.now() + 1_800_000).toISOString();
    const before = await settledFingerprint(t.app.db);
    for (const body of [
      { ...base, lots: [{ ...lot, bidDeadline: soon, openingTime: earlier }] },
      { ...base, lots: [{ ...lot, bidDeadline: soon, openingTime: soon, budgetFen: 100 }] },
      { ...base, lots: [{ ...lot, bidDeadline: new Date(Date.now() - 1000).toISOString(), openingTime: soon }] },
      { ...base, lots: [] },
    ]) {
      const r = await t.api("POST", "/api/projects", { token: agentToken, body });
      expect(r.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    }
    expect(await dbFingerprint(t.app.db)).toBe(before);
  });
});

describe("decryption bad input", () => {
  const files: Record<string, string> = {};
  beforeAll(async () => {
    const [k1, k2, k3] = kits as [BidderKit, BidderKit, BidderKit];
    files.notZip = sealWithOpenssl(dir, "notzip", new TextEncoder().encode("plain text, not a zip"), [k1.certFile]);
    files.k2 = sealWithOpenssl(dir, "k2", bidZip(bidJson(lotCode, k2.creditCode, "-5")), [k2.certFile]);
    files.k3 = sealWithOpenssl(dir, "k3", bidZip(bidJson(lotCode, k3.creditCode, "123.456")), [k3.certFile]);
    for (const [k, f] of [[k1, files.notZip], [k2, files.k2], [k3, files.k3]] as const) {
      const r = await uploadBid(t, k.token, lotId, f!);
      expect(r.body.ok).toBe(true);
    }
  });

  it("a submission after the deadline or to a closed lot → BID_AFTER_DEADLINE / LOT_CLOSED", async () => {
    await passDeadline(t, lotId);
    const late = sealWithOpenssl(dir, "late", bidZip(bidJson(lotCode, kits[0]!.creditCode, "1")), [kits[0]!.certFile]);
    await expectRejected(late, "BID_AFTER_DEADLINE");
    const w = await t.api("DELETE", `/api/lots/${lotId}/bid`, { token: kits[0]!.token });
    expect(w.body).toMatchObject({ ok: false, error: { code: "BID_AFTER_DEADLINE" } });
  });

  it("a key before the window → KEY_BEFORE_WINDOW; plaintext checks after it, each a typed error and another try", async () => {
    const agent = await t.connect({ token: agentToken });
    expect(await call(agent, "opening:open", { lotId })).toMatchObject({ ok: true }); // (the whole answer shown if not)
    const late = sealWithOpenssl(dir, "late2", bidZip(bidJson(lotCode, kits[0]!.creditCode, "1")), [kits[0]!.certFile]);
    await expectRejected(late, "LOT_CLOSED");
    const [k1, k2, k3] = kits as [BidderKit, BidderKit, BidderKit];
    const [s1, s2, s3] = await Promise.all(kits.map((k) => t.connect({ token: k.token })));
    for (const s of [s1!, s2!, s3!]) expect(await call(s, "opening:signIn", { lotId, mode: "online" })).toMatchObject({ ok: true });
    const key1 = await recoverKeyHex(files.notZip!, k1);
    expect(await call(s1!, "opening:submitKey", { lotId, keyHex: key1 })).toMatchObject({ ok: false, error: { code: "KEY_BEFORE_WINDOW" } });
    await call(agent, "opening:publishBidders", { lotId });
    await call(agent, "opening:startDecryption", { lotId });

    // A key for another bid: the right length, the wrong envelope.
    const key2 = await recoverKeyHex(files.k2!, k2);
    expect(await call(s1!, "opening:submitKey", { lotId, keyHex: key2 })).toMatchObject({ ok: false, error: { code: "ENVELOPE_WRONG_KEY" } });
    expect(await call(s1!, "opening:submitKey", { lotId, keyHex: "zz" })).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    const notZip = await call(s1!, "opening:submitKey", { lotId, keyHex: key1 });
    expect(notZip).toMatchObject({ ok: false, error: { code: "BID_NOT_ZIP", message: "the bid is not a ZIP archive" } });
    // The code once: in the stored record ("CODE: message"), and in the bidder's own view apart from its message.
    const stored = await t.app.db.bid.findFirstOrThrow({ where: { lotId, companyId: k1.companyId, status: "sealed" } });
    expect(stored.lastError).toBe("BID_NOT_ZIP: the bid is not a ZIP archive");
    const { buildOpeningBidder } = await import("../server/opening/views");
    expect((await buildOpeningBidder(t.app.db, lotId, k1.companyId)).bid).toMatchObject({ lastError: "the bid is not a ZIP archive", lastErrorCode: "BID_NOT_ZIP" });
    const neg = await call(s2!, "opening:submitKey", { lotId, keyHex: key2 });
    expect(neg).toMatchObject({ ok: false, error: { code: "BID_JSON_INVALID" } });
    if (!neg.ok) expect(neg.error.message).toContain("price");
    const three = await call(s3!, "opening:submitKey", { lotId, keyHex: await recoverKeyHex(files.k3!, k3) });
    expect(three).toMatchObject({ ok: false, error: { code: "BID_JSON_INVALID" } });

    // Nothing half-stored: every bid still sealed, no plaintext left on disk, each try counted.
    const bids = await t.app.db.bid.findMany({ where: { lotId, status: { notIn: ["replaced", "withdrawn"] } } });
    expect(bids.map((b) => b.status)).toEqual(["sealed", "sealed", "sealed"]);
    expect(bids.map((b) => [b.summary, b.lastError !== null])).toEqual([[null, true], [null, true], [null, true]]);
    expect(bidsOnDisk().filter((f) => f.endsWith(".zip"))).toEqual([]);

    // Escrow: not from a bidder, not for a bid that failed by the bidder's fault, not a foreign share.
    const bid1 = bids.find((b) => b.companyId === k1.companyId)!;
    expect(await call(s1!, "opening:submitEscrowShare", { bidId: bid1.id, share: "escrow:v1:x:1:aaaaaaaaaaaaaaaaaaaa" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const sup = await t.login("supervisor");
    const supSock = await t.connect({ token: sup.token });
    // (This bid was sealed to its bidder alone: escrow says so at once, from its submission.)
    expect(await call(supSock, "opening:submitEscrowShare", { bidId: bid1.id, share: `escrow:v1:${lotId}:1:aaaaaaaaaaaaaaaaaaaa` })).toMatchObject({ ok: false, error: { code: "ESCROW_NOT_A_RECIPIENT" } });
    // A supervisor cannot drive the opening.
    expect(await call(supSock, "opening:endDecryption", { lotId })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    // Nor can a bidder.
    expect(await call(s1!, "opening:endDecryption", { lotId })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });

  it("an escrow share before the decryption window → ESCROW_TOO_EARLY", async () => {
    const p2 = await createLot(t, agentToken);
    const l2 = p2.lots[0]!;
    const k1 = kits[0]!;
    writeFileSync(join(dir, "early-escrow.pem"), l2.escrowCertPem);
    const f = sealWithOpenssl(dir, "early", bidZip(bidJson(l2.code, k1.creditCode, "1")), [k1.certFile, join(dir, "early-escrow.pem")]);
    const up = await uploadBid(t, k1.token, l2.id, f);
    expect(up.body.ok).toBe(true);
    // Force a session record in its sign-in stage and a fault mark, as a platform fault flagged too early would be.
    await t.app.db.openingSession.create({ data: { lotId: l2.id, stage: "signin", openedAt: new Date(), openedBy: "x" } });
    await t.app.db.bid.update({ where: { id: up.body.data!.receipt.bidId }, data: { status: "failed-platform" } });
    const sup = await t.login("supervisor");
    const share = await t.api<{ share: string }>("GET", `/api/lots/${l2.id}/escrow-share`, { token: sup.token });
    if (!share.body.ok) throw new Error("share");
    const s = await t.connect({ token: sup.token });
    expect(await call(s, "opening:submitEscrowShare", { bidId: up.body.data!.receipt.bidId, share: share.body.data.share })).toMatchObject({
      ok: false,
      error: { code: "ESCROW_TOO_EARLY" },
    });
  });
});
