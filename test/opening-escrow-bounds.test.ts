// Records that stay true. Over real sockets and HTTP: a platform fault and the
// escrow hand-in are accepted only from the decryption window to the end of the
// announcement; never for a bid that lapsed through its bidder; a bid sealed
// without the escrow certificate is refused at once (from its submission); an
// escrow opening is on the card, the bidder row and the signed record with its
// supervisors and time; once the record is issued nothing changes it, and a
// correction is a supplement record (补充记录): its own signed PDF, listed beside
// the original. Each refusal leaves the database as it was.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpeningPublicState } from "@contracts/opening";
import { call, startTestApp, untilStream, type TestApp, type TestSocket } from "./helpers/app";
import { dbFingerprint } from "./helpers/db-state";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";
import { recordPath } from "../server/opening/record";
import { pdfSignatures, pdfTextFlat } from "./helpers/pdf";

let t: TestApp;
let dir: string;
let kits: BidderKit[];
let agent: TestSocket;
let agentToken: string;
let bidders: TestSocket[];
const supervisors: { token: string; socket: TestSocket }[] = [];

interface Lot {
  id: string;
  code: string;
  escrowCert: string;
  bids: string[];
  envelopes: string[];
  shares: string[];
}

async function makeLot(name: string, withEscrow: boolean[]): Promise<Lot> {
  const p = await createLot(t, agentToken);
  const l = p.lots[0]!;
  const escrowCert = join(dir, `${name}-escrow.pem`);
  writeFileSync(escrowCert, l.escrowCertPem);
  const lot: Lot = { id: l.id, code: l.code, escrowCert, bids: [], envelopes: [], shares: [] };
  for (const [i, k] of kits.entries()) {
    const file = sealWithOpenssl(dir, `${name}-${i}`, bidZip(bidJson(l.code, k.creditCode, 9_000_000 + i)), withEscrow[i] ? [k.certFile, escrowCert] : [k.certFile]);
    const up = await uploadBid(t, k.token, l.id, file);
    expect(up.body.ok, JSON.stringify(up.body)).toBe(true);
    // What was recorded at submission is on the bidder's signed receipt.
    expect(JSON.parse(up.body.data!.receiptJson)).toMatchObject({ escrowRecipient: withEscrow[i] });
    lot.bids.push(up.body.data!.receipt.bidId);
    lot.envelopes.push(file);
  }
  for (const s of supervisors) {
    const res = await t.api<{ share: string }>("GET", `/api/lots/${l.id}/escrow-share`, { token: s.token });
    if (!res.body.ok) throw new Error(JSON.stringify(res.body));
    lot.shares.push(res.body.data.share);
  }
  return lot;
}

const publicState = async (lotId: string, pred: (s: OpeningPublicState) => boolean = () => true) => {
  let last: OpeningPublicState | null = null;
  // (The stream's stored state is null until the opening starts, and may still be when a command has just answered.)
  await untilStream<OpeningPublicState | null>(t, `opening:${lotId}`, (s) => {
    last = s;
    return s !== null && pred(s);
  });
  return last! as OpeningPublicState;
};

/** A refused command: its code, and nothing stored (audit rows, the bid as it was). */
async function refused(p: Promise<{ ok: boolean; error?: { code: string } }>, code: string, bidId?: string) {
  const before = await dbFingerprint(t.app.db, { live: false });
  const bidRow = async () => JSON.stringify(await t.app.db.bid.findUnique({ where: { id: bidId! } }), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
  const bid = bidId ? await bidRow() : null;
  const res = await p;
  expect(res, code).toMatchObject({ ok: false, error: { code } });
  expect(await dbFingerprint(t.app.db, { live: false })).toBe(before);
  if (bidId) expect(await bidRow()).toBe(bid);
}

const agentDo = (event: "opening:open" | "opening:publishBidders" | "opening:startDecryption" | "opening:endDecryption" | "opening:startConfirmation" | "opening:close", lotId: string) =>
  call(agent, event, { lotId }).then((r) => expect(r, event).toMatchObject({ ok: true }));

async function toDecrypting(lot: Lot) {
  await passDeadline(t, lot.id);
  await agentDo("opening:open", lot.id);
  for (const s of bidders) expect((await call(s, "opening:signIn", { lotId: lot.id, mode: "online" })).ok).toBe(true);
  await agentDo("opening:publishBidders", lot.id);
  await agentDo("opening:startDecryption", lot.id);
}

beforeAll(async () => {
  t = await startTestApp();
  ({ dir, kits } = await bidderKits(t));
  agentToken = (await t.login("agent")).token;
  agent = await t.connect({ token: agentToken });
  bidders = await Promise.all(kits.map((k) => t.connect({ token: k.token })));
  for (const u of ["supervisor", "supervisor2"]) {
    const { token } = await t.login(u);
    supervisors.push({ token, socket: await t.connect({ token }) });
  }
}, 120_000);
afterAll(() => t.close());

describe("escrow and platform faults, bounded by the opening", () => {
  let a: Lot;
  const share = (lot: Lot, sup: number, bid: number) => call(supervisors[sup]!.socket, "opening:submitEscrowShare", { bidId: lot.bids[bid]!, share: lot.shares[sup]! });
  const fault = (lot: Lot, bid: number, reason = "数字证书服务中断") => call(agent, "opening:markPlatformFault", { bidId: lot.bids[bid]!, reason });

  it("before the decryption window: refused, saying so", async () => {
    // bidder 0 and 2 sealed to escrow, bidder 1 not.
    a = await makeLot("a", [true, false, true]);
    await refused(fault(a, 0), "ESCROW_TOO_EARLY", a.bids[0]);
    await refused(share(a, 0, 0), "ESCROW_TOO_EARLY", a.bids[0]);
    await passDeadline(t, a.id);
    await agentDo("opening:open", a.id);
    await refused(fault(a, 0), "ESCROW_TOO_EARLY", a.bids[0]);
    for (const s of bidders) expect((await call(s, "opening:signIn", { lotId: a.id, mode: "online" })).ok).toBe(true);
    await agentDo("opening:publishBidders", a.id);
    await refused(fault(a, 0), "ESCROW_TOO_EARLY", a.bids[0]);
    // The rule as the pages get it: nothing allowed yet.
    const st = await publicState(a.id, (s) => s.stage === "bidders-published");
    expect(st.bidders.map((b) => b.may)).toEqual(kits.map(() => ({ markFault: false, handInShare: false })));
    expect(st.bidders.map((b) => b.escrowRecipient)).toEqual([true, false, true]);
  });

  it("in the window: a bid sealed without escrow is refused at once; a lapsed bid never becomes a platform fault", async () => {
    await agentDo("opening:startDecryption", a.id);
    const st = await publicState(a.id, (s) => s.stage === "decrypting");
    expect(st.bidders.map((b) => b.may.markFault)).toEqual([true, false, true]);
    // Sealed without the escrow certificate: no fault mark, and the FIRST share is refused (not the second).
    await refused(fault(a, 1), "ESCROW_NOT_A_RECIPIENT", a.bids[1]);
    await t.app.db.bid.update({ where: { id: a.bids[1]! }, data: { status: "failed-platform" } }); // even if it were marked
    await refused(share(a, 0, 1), "ESCROW_NOT_A_RECIPIENT", a.bids[1]);
    await t.app.db.bid.update({ where: { id: a.bids[1]! }, data: { status: "sealed" } });
    // bidder 2 gives up: it lapsed through its bidder (视为撤回); the agent cannot turn it into a platform fault.
    expect((await call(bidders[2]!, "opening:giveUpDecryption", { lotId: a.id })).ok).toBe(true);
    await refused(fault(a, 2), "BID_LAPSED", a.bids[2]);
    // Not yet a platform fault: escrow refuses.
    await refused(share(a, 0, 0), "ESCROW_NOT_ALLOWED", a.bids[0]);
    // bidder 0's fault is recorded, once.
    expect(await fault(a, 0)).toMatchObject({ ok: true, data: { status: "failed-platform" } });
    await refused(fault(a, 0), "FAULT_ALREADY_RECORDED", a.bids[0]);
    // bidder 1 decrypts with its own key: no bid is pending, the agent ends the window.
    expect((await call(bidders[1]!, "opening:submitKey", { lotId: a.id, keyHex: await recoverKeyHex(a.envelopes[1]!, kits[1]!) })).ok).toBe(true);
    await agentDo("opening:endDecryption", a.id);
    const after = await publicState(a.id, (s) => s.stage === "announcing");
    expect(after.bidders[0]).toMatchObject({ bidStatus: "failed-platform", platformFault: { reason: "数字证书服务中断" }, may: { markFault: false, handInShare: true } });
    expect(after.bidders[2]).toMatchObject({ bidStatus: "failed-bidder", platformFault: null, may: { markFault: false, handInShare: false } });
  });

  it("after the announcement: shares are refused, and once the record is issued nothing changes it", async () => {
    // One share in while the announcement runs; the confirmation starts before the second.
    expect(await share(a, 0, 0)).toMatchObject({ ok: true, data: { sharesHeld: 1, opened: false } });
    await agentDo("opening:startConfirmation", a.id);
    await refused(share(a, 1, 0), "ESCROW_WINDOW_OVER", a.bids[0]);
    await refused(fault(a, 0), "ESCROW_WINDOW_OVER", a.bids[0]);
    for (const s of bidders) expect((await call(s, "opening:confirm", { lotId: a.id, decision: "confirm" })).ok).toBe(true);
    await agentDo("opening:close", a.id);
    const session = await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId: a.id } });
    const recordBytes = readFileSync(recordPath(t.app.ctx, a.id));
    expect(createHash("sha256").update(recordBytes).digest("hex")).toBe(session.recordSha256);
    const text = pdfTextFlat(recordPath(t.app.ctx, a.id));
    expect(text).toContain("数字证书服务中断");
    expect(text).toContain("未经托管解密");
    await refused(share(a, 1, 0), "RECORD_ISSUED", a.bids[0]);
    await refused(share(a, 0, 0), "RECORD_ISSUED", a.bids[0]);
    await refused(fault(a, 0), "RECORD_ISSUED", a.bids[0]);
    const st = await publicState(a.id, (s) => s.stage === "closed");
    expect(st.bidders.every((b) => !b.may.markFault && !b.may.handInShare)).toBe(true);
    expect(st.announcements.map((x) => x.companyName)).toEqual([st.bidders[1]!.companyName]);
    expect(readFileSync(recordPath(t.app.ctx, a.id)).equals(recordBytes)).toBe(true);
  });

  it("a correction after the record is a supplement: signed on its own, listed beside the original", async () => {
    const issue = (socket: TestSocket, reason: string, text: string) => call(socket, "opening:issueSupplement", { lotId: a.id, reason, text });
    await refused(issue(bidders[0]!, "更正", "第1号投标人的故障原因更正为：CA 服务中断"), "FORBIDDEN");
    await refused(issue(supervisors[0]!.socket, "更正", "第1号投标人的故障原因更正为：CA 服务中断"), "FORBIDDEN");
    await refused(issue(agent, "x", "第1号投标人的故障原因更正为：CA 服务中断"), "VALIDATION_FAILED");
    await refused(issue(agent, "更正故障原因", " "), "VALIDATION_FAILED");
    const res = await issue(agent, "更正故障原因表述", "投标人一的平台原因更正为：数字证书认证服务中断约二十分钟。");
    expect(res).toMatchObject({ ok: true, data: { seq: 1 } });
    const st = await publicState(a.id, (s) => s.supplements.length === 1);
    expect(st.supplements[0]).toMatchObject({ seq: 1, reason: "更正故障原因表述", issuedBy: expect.any(String) as string });
    // Any bidder of the lot fetches it; pdfsig validates its own signature; it names the original record.
    const pdf = await fetch(`${t.url}/api/lots/${a.id}/opening-supplements/1.pdf`, { headers: { authorization: `Bearer ${kits[2]!.token}` } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toContain("application/pdf");
    const file = join(dir, "supplement-1.pdf");
    const bytes = Buffer.from(await pdf.arrayBuffer());
    writeFileSync(file, bytes);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(st.supplements[0]!.sha256);
    const session = await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId: a.id } });
    const text = pdfTextFlat(file);
    for (const s of ["开标记录补充记录（第1号）", "更正故障原因表述", "数字证书认证服务中断约二十分钟", session.recordSha256!]) expect(text).toContain(s);
    const signatures = await pdfSignatures(t, file);
    expect(signatures).toHaveLength(1);
    expect(signatures[0]).toMatchObject({ valid: true, trusted: true });
    // The original record is untouched; the next supplement is no. 2; an unknown number is a clear 404.
    const record = readFileSync(recordPath(t.app.ctx, a.id));
    expect(createHash("sha256").update(record).digest("hex")).toBe(session.recordSha256);
    expect(await issue(agent, "补充说明", "监督人员已现场核实。")).toMatchObject({ ok: true, data: { seq: 2 } });
    const missing = await t.api("GET", `/api/lots/${a.id}/opening-supplements/9.pdf`, { token: agentToken });
    expect(missing).toMatchObject({ status: 404, body: { ok: false, error: { code: "NOT_FOUND" } } });
  });

  it("escrow opens a platform-fault bid during the announcement, on the card and the record with its supervisors and time", async () => {
    const c = await makeLot("c", [true, true, true]);
    await toDecrypting(c);
    expect((await fault(c, 0, "投标文件解密服务异常")).ok).toBe(true);
    for (const i of [1, 2]) expect((await call(bidders[i]!, "opening:submitKey", { lotId: c.id, keyHex: await recoverKeyHex(c.envelopes[i]!, kits[i]!) })).ok).toBe(true);
    await agentDo("opening:endDecryption", c.id);
    await publicState(c.id, (s) => s.stage === "announcing");
    expect(await share(c, 1, 0)).toMatchObject({ ok: true, data: { sharesHeld: 1, opened: false } });
    await refused(share(c, 1, 0), "ESCROW_SHARE_DUPLICATE", c.bids[0]);
    expect(await share(c, 0, 0)).toMatchObject({ ok: true, data: { sharesHeld: 2, opened: true, summary: { priceFen: 900_000_000 } } });
    const st = await publicState(c.id, (s) => s.announcements.length === 3);
    const card = st.announcements.find((x) => x.summary.priceFen === 900_000_000)!;
    // In the order they handed in: supervisor2 first.
    expect(card.escrowOpened?.supervisors).toEqual(["监督 孙丽", "监督 赵刚"]);
    expect(Date.parse(card.escrowOpened!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(st.announcements.filter((x) => x.escrowOpened)).toHaveLength(1);
    expect(st.bidders[0]).toMatchObject({ bidStatus: "decrypted", platformFault: { reason: "投标文件解密服务异常" }, may: { handInShare: false } });
    await agentDo("opening:startConfirmation", c.id);
    for (const s of bidders) expect((await call(s, "opening:confirm", { lotId: c.id, decision: "confirm" })).ok).toBe(true);
    await agentDo("opening:close", c.id);
    const text = pdfTextFlat(recordPath(t.app.ctx, c.id));
    // (pdftotext interleaves the lines of neighbouring table cells: the status cell is checked by its first line.)
    for (const s of ["解密成功（由监督人", "由监督人托管密钥解密：监督孙丽、监督赵刚", "投标文件解密服务异常"]) expect(text).toContain(s);
    // The open data says so too, to anybody.
    const ocds = (await (await fetch(`${t.url}/api/open-data/lots/${c.id}/ocds`)).json()) as { releases: { bids: { details: { id: string; description?: string }[] } }[] };
    const detail = ocds.releases[0]!.bids.details.find((d) => d.id === c.bids[0]);
    expect(detail?.description).toContain("由监督人托管密钥解密");
    expect(ocds.releases[0]!.bids.details.filter((d) => d.description?.includes("托管"))).toHaveLength(1);
  });
  it("no supplement before the record is issued (the last test: this opening stays in its window)", async () => {
    const b = await makeLot("b", [true, true, true]);
    await toDecrypting(b);
    await refused(call(agent, "opening:issueSupplement", { lotId: b.id, reason: "更正", text: "尚未出具记录" }), "RECORD_NOT_ISSUED");
  });
});
