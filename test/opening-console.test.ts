// The agent's console rule over real sockets: at every state of two openings
// (with and without a draw), each stage command is tried and must answer as the
// agent's stream `opening:<lotId>:agent` said (allowed ↔ accepted, refused ↔
// the same error code) — the test fails as soon as the rule and the commands
// diverge. Then the early end of the decryption window (allowed, refused
// naming the pending bids, a bidder giving up, a race with a late decryption,
// the opening record mentioning it) and opening lots placed only in opening rooms.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentCommand, OpeningAgentState } from "@contracts/opening";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";
import { buildOpeningAgent } from "../server/opening/agent-view";
import { recordPath } from "../server/opening/record";

let t: TestApp;
let dir: string;
let kits: BidderKit[];
let agentToken: string;
let agent: TestSocket;
beforeAll(async () => {
  t = await startTestApp({ EVENT_RATE_PER_SECOND: "1000" }); // the walk tries every command at every state in a burst: not what the event limit is about
  ({ dir, kits } = await bidderKits(t));
  agentToken = (await t.login("agent")).token;
  agent = await t.connect({ token: agentToken });
}, 120_000);
afterAll(() => t.close());

/** A lot with one sealed bid per kit, past its opening time; returns the lot and each bidder's envelope and socket. */
async function world(lot: Record<string, unknown> = {}) {
  const project = await createLot(t, agentToken, lot);
  const { id: lotId, code } = project.lots[0]!;
  const bidders = [];
  for (const [i, k] of kits.entries()) {
    const file = sealWithOpenssl(dir, `${code}-${i}`, bidZip(bidJson(code, k.creditCode, 9_000_000 + i)), [k.certFile]);
    expect((await uploadBid(t, k.token, lotId, file)).body.ok).toBe(true);
    bidders.push({ k, file, s: await t.connect({ token: k.token }) });
  }
  return { lotId, code, bidders };
}

/**
 * Tries every stage command the stream says is refused (each must answer the refusal's code and change
 * nothing), checks that `take` is allowed, then gives it and expects it to succeed.
 */
async function everyCommand(lotId: string, take: AgentCommand | null) {
  const view = await buildOpeningAgent(t.app.db, lotId);
  const before = await t.app.db.openingSession.findUnique({ where: { lotId }, select: { stage: true } });
  for (const c of view.commands.filter((x) => !x.allowed)) {
    const res = await call(agent, c.command, { lotId });
    expect(res, `${c.command} at ${view.stage}`).toMatchObject({ ok: false, error: { code: c.refusal!.code } });
  }
  expect((await t.app.db.openingSession.findUnique({ where: { lotId }, select: { stage: true } }))?.stage).toBe(before?.stage);
  const allowed = view.commands.filter((x) => x.allowed).map((x) => x.command);
  if (take === null) return expect(allowed, `at ${view.stage}`).toEqual([]);
  expect(allowed, `at ${view.stage}`).toEqual([take]);
  const res = await call(agent, take, { lotId });
  expect(res, `${take} at ${view.stage}`).toMatchObject({ ok: true });
}

const decryptAll = async (w: Awaited<ReturnType<typeof world>>) => {
  for (const b of w.bidders) expect((await call(b.s, "opening:submitKey", { lotId: w.lotId, keyHex: await recoverKeyHex(b.file, b.k) })).ok).toBe(true);
};

describe("the console's commands are exactly the ones the server accepts", () => {
  for (const withDraw of [false, true]) {
    it(`walks an opening ${withDraw ? "with" : "without"} a draw trying every command at every state`, async () => {
      const w = await world(
        withDraw ? { draw: { kind: "coefficient", options: [{ label: "A", basisPoints: 100 }, { label: "B", basisPoints: 50 }] } } : {},
      );
      const { lotId } = w;
      // Before the opening time: nothing, `open` refused TOO_EARLY with the time it becomes allowed.
      const early = await buildOpeningAgent(t.app.db, lotId);
      expect(early.commands.find((c) => c.command === "opening:open")).toMatchObject({ allowed: false, refusal: { code: "TOO_EARLY" } });
      expect(early.commands.find((c) => c.command === "opening:open")!.allowedFrom).not.toBeNull();
      await everyCommand(lotId, null);
      await passDeadline(t, lotId);
      await everyCommand(lotId, "opening:open");
      for (const b of w.bidders) expect((await call(b.s, "opening:signIn", { lotId, mode: "online" })).ok).toBe(true);
      // giving up is for the decryption window only
      expect(await call(w.bidders[0]!.s, "opening:giveUpDecryption", { lotId })).toMatchObject({ ok: false, error: { code: "STAGE_CONFLICT" } });
      await everyCommand(lotId, "opening:publishBidders");
      await everyCommand(lotId, "opening:startDecryption");
      await everyCommand(lotId, null); // every bid sealed and the window open: endDecryption refused
      await decryptAll(w);
      await everyCommand(lotId, "opening:endDecryption");
      if (withDraw) {
        await everyCommand(lotId, "opening:startDraw");
        await everyCommand(lotId, "opening:revealDraw");
      }
      await everyCommand(lotId, "opening:startConfirmation");
      // One objection on the record, then everyone confirms: close is refused until it is answered.
      expect((await call(w.bidders[0]!.s, "opening:raiseObjection", { lotId, text: "唱标顺序有误" })).ok).toBe(true);
      for (const b of w.bidders) expect((await call(b.s, "opening:confirm", { lotId, decision: "confirm" })).ok).toBe(true);
      await everyCommand(lotId, null);
      const o = await t.app.db.objection.findFirstOrThrow({ where: { session: { lotId } } });
      expect((await call(agent, "opening:answerObjection", { objectionId: o.id, answer: "已按解密顺序唱标" })).ok).toBe(true);
      await everyCommand(lotId, "opening:close");
      await everyCommand(lotId, null);
    }, 60_000);
  }

  it("sends the commands in the agent's own stream, live; bidders and other agents cannot join it", async () => {
    const w = await world();
    await passDeadline(t, w.lotId);
    const view = new LiveStreamClient<OpeningAgentState>(agent, `opening:${w.lotId}:agent`).start();
    // The lot's time was moved by the test, not by the clock: the stream built before says when `open` becomes allowed.
    await until(() => {
      const open = view.state?.commands.find((c) => c.command === "opening:open");
      return !!open && (open.allowed || (open.allowedFrom !== null && Date.parse(open.allowedFrom) > Date.now()));
    }, 3000, "open listed");
    expect((await call(agent, "opening:open", { lotId: w.lotId })).ok).toBe(true);
    await until(() => view.state?.stage === "signin" && view.state.commands.filter((c) => c.allowed).map((c) => c.command).join() === "opening:publishBidders", 3000, "publish allowed");
    view.stop();
    const bidder = await call(w.bidders[0]!.s, "live:join", { stream: `opening:${w.lotId}:agent` });
    expect(bidder.ok).toBe(false);
    const other = await t.connect({ token: (await t.login("supervisor")).token });
    expect((await call(other, "live:join", { stream: `opening:${w.lotId}:agent` })).ok).toBe(false);
    await t.app.db.openingSession.update({ where: { lotId: w.lotId }, data: { stage: "closed" } });
  });
});

async function toDecryption() {
  const w = await world();
  await passDeadline(t, w.lotId);
  expect((await call(agent, "opening:open", { lotId: w.lotId })).ok).toBe(true);
  for (const b of w.bidders) expect((await call(b.s, "opening:signIn", { lotId: w.lotId, mode: "online" })).ok).toBe(true);
  expect((await call(agent, "opening:publishBidders", { lotId: w.lotId })).ok).toBe(true);
  expect((await call(agent, "opening:startDecryption", { lotId: w.lotId })).ok).toBe(true);
  return w;
}
const wrongKey = () => randomBytes(32).toString("hex");
const earlyRows = (lotId: string) => t.app.db.auditEvent.count({ where: { action: "opening.endDecryptionEarly", target: `lot:${lotId}` } });

describe("ending the decryption window early", () => {
  it("is refused while a bid is pending, naming it, and changes nothing", async () => {
    const w = await toDecryption();
    const [a, b] = w.bidders;
    expect((await call(a!.s, "opening:submitKey", { lotId: w.lotId, keyHex: await recoverKeyHex(a!.file, a!.k) })).ok).toBe(true);
    expect((await call(b!.s, "opening:submitKey", { lotId: w.lotId, keyHex: wrongKey() })).ok).toBe(false);
    const res = await call(agent, "opening:endDecryption", { lotId: w.lotId });
    if (res.ok) throw new Error("ended with a pending bid");
    expect(res.error.code).toBe("WINDOW_STILL_OPEN");
    // the third bidder handed in no key: it is named (details and message); the one that failed is not
    const third = await t.app.db.company.findUniqueOrThrow({ where: { id: w.bidders[2]!.k.companyId } });
    const second = await t.app.db.company.findUniqueOrThrow({ where: { id: b!.k.companyId } });
    expect(res.error.details?.map((d) => d.message)).toEqual([third.name]);
    expect(res.error.message).toContain(third.name);
    expect(res.error.message).not.toContain(second.name);
    expect((await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId: w.lotId } })).stage).toBe("decrypting");
    expect(await earlyRows(w.lotId)).toBe(0);
    const view = await buildOpeningAgent(t.app.db, w.lotId);
    expect(view.commands.find((c) => c.command === "opening:endDecryption")).toMatchObject({ allowed: false, refusal: { code: "WINDOW_STILL_OPEN", companies: [third.name] } });
    // only a bidder gives up its own bid
    expect(await call(agent, "opening:giveUpDecryption", { lotId: w.lotId })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    await t.app.db.openingSession.update({ where: { lotId: w.lotId }, data: { stage: "closed" } });
  });

  it("is allowed once every bid is decrypted, failed after its key or given up; on the record with its time", async () => {
    const w = await toDecryption();
    const [a, b, c] = w.bidders;
    expect((await call(a!.s, "opening:submitKey", { lotId: w.lotId, keyHex: await recoverKeyHex(a!.file, a!.k) })).ok).toBe(true);
    expect(await call(b!.s, "opening:submitKey", { lotId: w.lotId, keyHex: wrongKey() })).toMatchObject({ ok: false, error: { code: "ENVELOPE_WRONG_KEY" } });
    expect(await call(c!.s, "opening:giveUpDecryption", { lotId: w.lotId })).toMatchObject({ ok: true, data: { status: "failed-bidder" } });
    expect(await call(c!.s, "opening:giveUpDecryption", { lotId: w.lotId })).toMatchObject({ ok: false, error: { code: "NO_BID" } });
    const before = Date.now();
    expect(await call(agent, "opening:endDecryption", { lotId: w.lotId })).toMatchObject({ ok: true, data: { stage: "announcing" } });
    expect(await earlyRows(w.lotId)).toBe(1);
    const bids = await t.app.db.bid.findMany({ where: { lotId: w.lotId }, orderBy: { submittedAt: "asc" } });
    expect(bids.map((x) => x.status)).toEqual(["decrypted", "failed-bidder", "failed-bidder"]);
    const agentView = await buildOpeningAgent(t.app.db, w.lotId);
    expect(Date.parse(agentView.decryptionEndedEarlyAt!)).toBeGreaterThanOrEqual(before - 1000);
    // through confirmation to the record, which states the early end and its time
    expect((await call(agent, "opening:startConfirmation", { lotId: w.lotId })).ok).toBe(true);
    for (const x of w.bidders) expect((await call(x.s, "opening:confirm", { lotId: w.lotId, decision: "confirm" })).ok).toBe(true);
    expect((await call(agent, "opening:close", { lotId: w.lotId })).ok).toBe(true);
    const text = execFileSync("pdftotext", ["-layout", recordPath(t.app.ctx, w.lotId), "-"]).toString().replace(/\s+/g, "");
    expect(text).toContain("提前结束解密");
    const hhmm = new Date(Date.parse(agentView.decryptionEndedEarlyAt!) + 8 * 3_600_000).toISOString().slice(11, 16);
    expect(text).toContain(hhmm);
  }, 30_000);

  it("races a late decryption: either the key wins (the bid opens) or the end wins (the bid fails, the key is refused), never both", async () => {
    for (let round = 0; round < 3; round++) {
      const w = await toDecryption();
      const [a, b, c] = w.bidders;
      expect((await call(a!.s, "opening:submitKey", { lotId: w.lotId, keyHex: await recoverKeyHex(a!.file, a!.k) })).ok).toBe(true);
      expect((await call(c!.s, "opening:giveUpDecryption", { lotId: w.lotId })).ok).toBe(true);
      expect((await call(b!.s, "opening:submitKey", { lotId: w.lotId, keyHex: wrongKey() })).ok).toBe(false);
      // b tried in vain: the window may end early; b hands in its right key at the same moment.
      const key = await recoverKeyHex(b!.file, b!.k);
      const [late, end] = await Promise.all([call(b!.s, "opening:submitKey", { lotId: w.lotId, keyHex: key }), call(agent, "opening:endDecryption", { lotId: w.lotId })]);
      const bid = await t.app.db.bid.findFirstOrThrow({ where: { lotId: w.lotId, companyId: b!.k.companyId }, orderBy: { submittedAt: "desc" } });
      const stage = (await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId: w.lotId } })).stage;
      if (late.ok) expect(bid.status).toBe("decrypted");
      else {
        expect(late.error.code).toMatch(/^(WINDOW_CLOSED|STAGE_CONFLICT)$/);
        expect(bid.status).toBe(end.ok ? "failed-bidder" : "sealed");
      }
      if (!end.ok) {
        expect(end.error.code).toBe("WINDOW_STILL_OPEN"); // b was being decrypted right now
        expect(stage).toBe("decrypting");
        expect(late.ok).toBe(true);
      } else expect(stage).toBe("announcing");
      expect(late.ok || end.ok).toBe(true);
      await t.app.db.openingSession.update({ where: { lotId: w.lotId }, data: { stage: "closed" } });
    }
  }, 60_000);
});

describe("opening rooms", () => {
  it("places an opening lot only in an opening room: another kind is refused with the lot's path, nothing stored", async () => {
    const room = await t.app.db.room.findFirst({ where: { kind: { not: "opening" } } });
    if (!room) throw new Error("the demo center has an evaluation room");
    const projects = await t.app.db.project.count();
    await expect(createLot(t, agentToken, { roomId: room.id })).rejects.toThrow(/ROOM_NOT_OPENING.*lots\.0\.roomId/);
    expect(await t.app.db.project.count()).toBe(projects);
  });
});
