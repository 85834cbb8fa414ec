// More of the opening: a bid sealed by the browser code (forge) and its key
// recovered from a .p12 the browser way; withdraw and replace before the
// deadline; the KONEPS draw with the bidders' picks over real sockets; a
// certificate expiring before the opening; two agents racing one stage change.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpeningPublicState } from "@contracts/opening";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp } from "./helpers/app";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, uploadBid, type BidderKit } from "./helpers/opening";
import { recoverContentKey, sealForRecipients } from "../server/opening/sealing/browser";
import { computeDraw } from "../server/opening/draws";

let t: TestApp;
let dir: string;
let kits: BidderKit[];
let agentToken: string;
beforeAll(async () => {
  t = await startTestApp();
  ({ dir, kits } = await bidderKits(t));
  agentToken = (await t.login("agent")).token;
}, 120_000);
afterAll(() => t.close());

describe("browser-sealed bids", () => {
  it("a bid sealed with the browser code opens with a key recovered from a .p12 in the browser way, and openssl opens it too", async () => {
    const project = await createLot(t, agentToken);
    const lot = project.lots[0]!;
    const k = kits[0]!;
    const sealed = sealForRecipients(bidZip(bidJson(lot.code, k.creditCode, "1234567.89")), [k.certPem, lot.escrowCertPem], { padding: "oaep" });
    const file = join(dir, "browser.p7m");
    writeFileSync(file, sealed);
    // openssl (the bidder's own tool) can open what the browser sealed.
    const plain = execFileSync("openssl", ["cms", "-decrypt", "-binary", "-inform", "DER", "-in", file, "-recip", k.certFile, "-inkey", k.keyFile]);
    expect(plain.subarray(0, 2).toString()).toBe("PK");
    expect((await uploadBid(t, k.token, lot.id, file)).body.ok).toBe(true);
    await passDeadline(t, lot.id);
    const agent = await t.connect({ token: agentToken });
    const s = await t.connect({ token: k.token });
    for (const ev of ["opening:open"] as const) expect((await call(agent, ev, { lotId: lot.id })).ok).toBe(true);
    expect((await call(s, "opening:signIn", { lotId: lot.id, mode: "online" })).ok).toBe(true);
    await call(agent, "opening:publishBidders", { lotId: lot.id });
    await call(agent, "opening:startDecryption", { lotId: lot.id });
    const p12 = join(dir, "b.p12");
    execFileSync("openssl", ["pkcs12", "-export", "-inkey", k.keyFile, "-in", k.certFile, "-passout", "pass:p12-密码", "-out", p12]);
    const { contentKeyHex } = await recoverContentKey(new Uint8Array(readFileSync(file)), { kind: "p12", p12: new Uint8Array(readFileSync(p12)), password: "p12-密码" });
    expect(await call(s, "opening:submitKey", { lotId: lot.id, keyHex: contentKeyHex })).toMatchObject({ ok: true, data: { summary: { priceFen: 123_456_789 } } });
    // free the room for the next tests
    await t.app.db.openingSession.update({ where: { lotId: lot.id }, data: { stage: "closed" } });
  });
});

describe("before the deadline", () => {
  it("withdraws (file removed, on the record) and accepts a new bid after a withdrawal", async () => {
    const project = await createLot(t, agentToken);
    const lot = project.lots[0]!;
    const k = kits[1]!;
    const f = join(dir, "w.p7m");
    writeFileSync(f, sealForRecipients(bidZip(bidJson(lot.code, k.creditCode, "1")), [k.certPem], { padding: "pkcs1" }));
    const up = await uploadBid(t, k.token, lot.id, f);
    const bidId = up.body.data!.receipt.bidId;
    const row = await t.app.db.bid.findUniqueOrThrow({ where: { id: bidId } });
    expect(existsSync(row.filePath)).toBe(true);
    const w = await t.api("DELETE", `/api/lots/${lot.id}/bid`, { token: k.token });
    expect(w.body).toEqual({ ok: true, data: { bidId, status: "withdrawn" } });
    expect(existsSync(row.filePath)).toBe(false);
    expect((await t.api("DELETE", `/api/lots/${lot.id}/bid`, { token: k.token })).body).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect((await uploadBid(t, k.token, lot.id, f)).body.ok).toBe(true);
    const mine = await t.api<{ status: string }[]>("GET", `/api/lots/${lot.id}/my-bids`, { token: k.token });
    expect(mine.body.ok && mine.body.data.map((b) => b.status)).toEqual(["withdrawn", "sealed"]);
    expect(await t.app.db.auditEvent.count({ where: { action: "bid.withdraw", target: `lot:${lot.id}` } })).toBe(1);
  });

  it("warns when a certificate expires before an upcoming opening", async () => {
    const far = new Date(Date.now() + 40 * 86_400_000).toISOString();
    await createLot(t, agentToken, { bidDeadline: far, openingTime: far });
    // the kit certificates are valid for 30 days: an opening in 40 days is after their expiry
    const list = await t.api<{ warnings: string[] }[]>("GET", `/api/companies/${kits[2]!.companyId}/certificates`, { token: kits[2]!.token });
    expect(list.body.ok && list.body.data[0]!.warnings[0]).toMatch(/开标前到期|before the opening/);
  });
});

describe("KONEPS multiple reserve prices", () => {
  it("bidders pick before the reveal; the 4 most picked average to the reserve, replayable", async () => {
    const project = await createLot(t, agentToken, { draw: { kind: "koneps", baseFen: 980_000_000 } });
    const lot = project.lots[0]!;
    const sockets = [];
    for (const [i, k] of kits.entries()) {
      const f = join(dir, `kon${i}.p7m`);
      writeFileSync(f, sealForRecipients(bidZip(bidJson(lot.code, k.creditCode, String(9_500_000 + i))), [k.certPem]));
      expect((await uploadBid(t, k.token, lot.id, f)).body.ok).toBe(true);
      sockets.push({ k, f, s: await t.connect({ token: k.token }) });
    }
    await passDeadline(t, lot.id);
    const agent = await t.connect({ token: agentToken });
    expect((await call(agent, "opening:open", { lotId: lot.id })).ok).toBe(true);
    for (const { s } of sockets) await call(s, "opening:signIn", { lotId: lot.id, mode: "online" });
    await call(agent, "opening:publishBidders", { lotId: lot.id });
    await call(agent, "opening:startDecryption", { lotId: lot.id });
    for (const { s, f, k } of sockets) {
      const { contentKeyHex } = await recoverContentKey(new Uint8Array(readFileSync(f)), { kind: "pem", privateKeyPem: k.keyPem });
      expect((await call(s, "opening:submitKey", { lotId: lot.id, keyHex: contentKeyHex })).ok).toBe(true);
    }
    await call(agent, "opening:endDecryption", { lotId: lot.id });
    const [a, b, c] = sockets;
    expect(await call(a!.s, "opening:pick", { lotId: lot.id, picks: [3, 7] })).toMatchObject({ ok: false, error: { code: "STAGE_CONFLICT" } });
    expect((await call(agent, "opening:startDraw", { lotId: lot.id })).ok).toBe(true);
    expect(await call(a!.s, "opening:pick", { lotId: lot.id, picks: [3, 3] })).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect(await call(a!.s, "opening:pick", { lotId: lot.id, picks: [3, 16] })).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect((await call(a!.s, "opening:pick", { lotId: lot.id, picks: [3, 7] })).ok).toBe(true);
    expect(await call(a!.s, "opening:pick", { lotId: lot.id, picks: [1, 2] })).toMatchObject({ ok: false, error: { code: "ALREADY_PICKED" } });
    expect((await call(b!.s, "opening:pick", { lotId: lot.id, picks: [7, 9] })).ok).toBe(true);
    expect((await call(c!.s, "opening:pick", { lotId: lot.id, picks: [3, 12] })).ok).toBe(true);
    const reveal = await call(agent, "opening:revealDraw", { lotId: lot.id });
    if (!reveal.ok || reveal.data.result?.kind !== "koneps") throw new Error("koneps result");
    const r = reveal.data.result;
    expect(r.tally[2]).toBe(2);
    expect(r.tally[6]).toBe(2);
    // 3 and 7 picked twice; then 9 and 12 once: the lower numbers win ties → 3, 7, 9, 12
    expect(r.chosen).toEqual([3, 7, 9, 12]);
    const again = computeDraw({ seedHex: reveal.data.seed, config: { kind: "koneps", baseFen: 980_000_000, rangeBasisPoints: 200, count: 15, picksPerBidder: 2, averageOf: 4 }, picks: [[3, 7], [7, 9], [3, 12]] });
    expect(again).toEqual(r);
    expect(await call(agent, "opening:revealDraw", { lotId: lot.id })).toMatchObject({ ok: false, error: { code: "STAGE_CONFLICT" } });
    const sup = await t.connect({ token: (await t.login("supervisor")).token });
    const view = new LiveStreamClient<OpeningPublicState>(sup, `opening:${lot.id}`).start();
    await until(() => view.state?.draw?.result?.kind === "koneps", 3000, "koneps on the wall");
    expect(view.state!.bidders.every((x) => x.picked)).toBe(true);
    view.stop();
    await t.app.db.openingSession.update({ where: { lotId: lot.id }, data: { stage: "closed" } });
  });
});

describe("races", () => {
  it("two agents racing one stage change: one winner, one typed error, one audit row", async () => {
    const project = await createLot(t, agentToken);
    const lotId = project.lots[0]!.id;
    await passDeadline(t, lotId);
    const [x, y] = await Promise.all([t.connect({ token: agentToken }), t.connect({ token: (await t.login("admin")).token })]);
    const results = await Promise.all([call(x!, "opening:open", { lotId }), call(y!, "opening:open", { lotId })]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, error: { code: "STAGE_CONFLICT" } });
    const both = await Promise.all([call(x!, "opening:publishBidders", { lotId }), call(y!, "opening:publishBidders", { lotId })]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(await t.app.db.auditEvent.count({ where: { action: "opening.publishBidders", target: `lot:${lotId}` } })).toBe(1);
  });
});
