// At the expert terminal, beyond signing in: the per-seat limit on asking for
// sign-in codes (RATE_LIMITED, nothing sent, nothing changed); an expert who
// declines or declares a conflict (回避) there — with the one-time code, or
// for 回避 after signing in at the same terminal — leaves a seat that the next
// backup or a replacement (补抽) from the same frozen list fills, recorded and
// replayable; bad input to the new event. The holiday file at start-up.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrawCommitment } from "@contracts/experts";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { createLot } from "./helpers/opening";
import { makeExperts, seedPool } from "./helpers/experts";
import { dbFingerprint } from "./helpers/db-state";
import { RecordingNotifier } from "../server/experts/notifier";
import { expertDrawRecord } from "../server/experts/queries";
import { verifyExpertDraw } from "../server/experts/sampler";
import { verifyAudit } from "../server/audit/chain";
import { creditCodeFor, type SynthExpert } from "../server/experts/synth";

const goodCode = creditCodeFor("320500", 424_242);
const badCode = goodCode.slice(0, 17) + (goodCode.endsWith("0") ? "1" : "0");

let t: TestApp;
const rec = new RecordingNotifier();
let agent: { token: string; socket: TestSocket };
let pool: SynthExpert[];
let ids: Map<string, number>;
let draw: DrawCommitment;
let et1: TestSocket;
let et2: TestSocket;

const codes = () => rec.messages.filter((m) => m.kind === "sign-in-code");
const expertOf = (expertId: number) => pool.find((e) => ids.get(e.residentId) === expertId)!;
const picks = () => t.app.db.expertPick.findMany({ where: { drawId: draw.drawId }, orderBy: { seq: "asc" } });
const members = async () => (await picks()).filter((p) => p.kind === "member");
/** Everything a refused call must leave as it was: the audit, the streams, the picks with their codes. */
const state = async () => JSON.stringify({ db: await dbFingerprint(t.app.db, { live: false }), picks: await picks(), sent: rec.messages.length });
/** Moves the seat's last code back in time, as if `ms` had passed since it was sent. */
const age = async (pickId: string, ms: number) => {
  const p = await t.app.db.expertPick.findUniqueOrThrow({ where: { id: pickId } });
  await t.app.db.expertPick.update({ where: { id: pickId }, data: { otpExpiresAt: new Date(p.otpExpiresAt!.getTime() - ms) } });
};

beforeAll(async () => {
  t = await startTestApp();
  t.app.ctx.experts.notifier = rec;
  const a = await t.login("agent");
  agent = { token: a.token, socket: await t.connect({ token: a.token }) };
  const project = await createLot(t, a.token);
  pool = makeExperts(30, ["A010101"], { seed: 21, cities: [5] });
  ids = await seedPool(t, pool);
  const main = (await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } })).id;
  const c = await call(agent.socket, "experts:requestDraw", {
    projectId: project.id,
    lotId: project.lots[0]!.id,
    evaluationAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    sites: [{ roomId: main, role: "main", needs: [{ specialtyCode: "A010101", count: 5, backups: 1 }] }],
  });
  if (!c.ok) throw new Error(JSON.stringify(c.error));
  draw = c.data;
  const d = await call(agent.socket, "experts:draw", { drawId: draw.drawId });
  if (!d.ok) throw new Error(JSON.stringify(d.error));
  et1 = await t.connect({ deviceKey: t.devices.find((x) => x.code === "P01-ET1")!.key });
  et2 = await t.connect({ deviceKey: t.devices.find((x) => x.code === "P01-ET2")!.key });
}, 120_000);
afterAll(() => t.close());

describe("sign-in codes: at most one a minute and five an hour per seat", () => {
  it("a second code within a minute → RATE_LIMITED, nothing sent or changed; after a minute it goes; the sixth in an hour does not", async () => {
    const seat = (await members())[0]!;
    const { residentId } = expertOf(seat.expertId);
    expect(await call(et1, "experts:signInStart", { residentId })).toMatchObject({ ok: true });
    const before = await state();
    const again = await call(et1, "experts:signInStart", { residentId });
    expect(again).toMatchObject({ ok: false, error: { code: "RATE_LIMITED", message: expect.stringContaining("less than a minute") } });
    expect(await state()).toBe(before);
    // Four more, each a minute after the last: five in the hour.
    for (let i = 2; i <= 5; i++) {
      await age(seat.id, 61_000);
      expect(await call(et1, "experts:signInStart", { residentId })).toMatchObject({ ok: true });
    }
    expect(codes().filter((m) => m.pickId === seat.id)).toHaveLength(5);
    await age(seat.id, 61_000);
    const before6 = await state();
    const sixth = await call(et1, "experts:signInStart", { residentId });
    expect(sixth).toMatchObject({ ok: false, error: { code: "RATE_LIMITED", message: expect.stringContaining("5 codes") } });
    expect(await state()).toBe(before6);
    // The count is the seat's row (every process and a restart see it), not one process's memory.
    const row = await t.app.db.expertPick.findUniqueOrThrow({ where: { id: seat.id } });
    expect(row.otpSends).toBe(5);
    expect(Date.now() - row.otpWindowAt!.getTime()).toBeLessThan(60_000);
    // An hour after the window opened, codes go again (the window moved back rather than waited for).
    await t.app.db.expertPick.update({ where: { id: seat.id }, data: { otpWindowAt: new Date(row.otpWindowAt!.getTime() - 3_600_000) } });
    expect(await call(et1, "experts:signInStart", { residentId })).toMatchObject({ ok: true });
    expect(await t.app.db.expertPick.findUniqueOrThrow({ where: { id: seat.id } })).toMatchObject({ otpSends: 1 });
    // The last code still signs in.
    const code = codes().filter((m) => m.pickId === seat.id).at(-1)!.code!;
    expect(await call(et1, "experts:signInFinish", { residentId, code })).toMatchObject({ ok: true, data: { name: expertOf(seat.expertId).name } });
  });
});

describe("declining or declaring 回避 at the terminal", () => {
  it("bad input: no code, a wrong code, a short reason, a bad credit code, an unknown decision, a person's socket — typed errors, nothing changed", async () => {
    const seat = (await members()).find((p) => p.state === "notified")!;
    const { residentId } = expertOf(seat.expertId);
    expect(await call(et2, "experts:signInStart", { residentId })).toMatchObject({ ok: true });
    const code = codes().at(-1)!.code!;
    const wrong = code === "000000" ? "000001" : "000000";
    const before = await state();
    const bad: [unknown, string][] = [
      [{ residentId, decision: "decline", reason: "临时有事" }, "VALIDATION_FAILED"],
      [{ residentId, code, decision: "decline", reason: "忙" }, "VALIDATION_FAILED"],
      [{ residentId, code, decision: "recuse", reason: "与投标人有利害关系", creditCode: badCode }, "VALIDATION_FAILED"],
      [{ residentId, code, decision: "maybe", reason: "临时有事" }, "VALIDATION_FAILED"],
      [{ residentId: "11010119900307000", code, decision: "decline", reason: "临时有事" }, "VALIDATION_FAILED"],
    ];
    for (const [payload, code] of bad) {
      expect(await call(et2, "experts:signInDecline", payload as never)).toMatchObject({ ok: false, error: { code } });
    }
    expect(await call(agent.socket, "experts:signInDecline", { residentId, code, decision: "decline", reason: "临时有事" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await state()).toBe(before);
    // A wrong code counts a try (that is all it changes).
    expect(await call(et2, "experts:signInDecline", { residentId, code: wrong, decision: "decline", reason: "临时有事" })).toMatchObject({ ok: false, error: { code: "CODE_WRONG" } });
    expect((await t.app.db.expertPick.findUniqueOrThrow({ where: { id: seat.id } })).otpTries).toBe(1);
  });

  it("a decline with the code: the seat is declined (via terminal) and the backup is called and invited", async () => {
    const seat = (await members()).find((p) => p.state === "notified" && p.otpHash)!;
    const { residentId } = expertOf(seat.expertId);
    const code = codes().filter((m) => m.pickId === seat.id).at(-1)!.code!;
    const invitesBefore = rec.messages.filter((m) => m.kind === "invitation").length;
    const res = await call(et2, "experts:signInDecline", { residentId, code, decision: "decline", reason: "临时出差无法参加" });
    expect(res).toEqual({ ok: true, data: { state: "declined", filledBy: "backup" } });
    const after = await picks();
    expect(after.find((p) => p.id === seat.id)).toMatchObject({ state: "declined", answerVia: "terminal", declineReason: "临时出差无法参加", otpHash: null });
    const backup = after.find((p) => p.kind === "backup")!;
    expect(backup).toMatchObject({ state: "notified", replacesId: seat.id });
    await expect.poll(() => rec.messages.filter((m) => m.kind === "invitation").length).toBe(invitesBefore + 1);
    expect(rec.messages.filter((m) => m.kind === "invitation").at(-1)!.pickId).toBe(backup.id);
    const actions = (await t.app.db.auditEvent.findMany({ where: { target: `expert-draw:${draw.drawId}` }, orderBy: { seq: "asc" } })).map((a) => a.action);
    expect(actions.slice(-2)).toEqual(["experts.declineAtTerminal", "experts.backupCalled"]);
    // The seat is no longer there to sign in with.
    expect(await call(et2, "experts:signInStart", { residentId })).toMatchObject({ ok: false, error: { code: "NOT_ON_COMMITTEE" } });
  });

  it("回避 with the code and no backup left: a replacement (补抽) continues the seeded walk over the same frozen list, and the draw still replays", async () => {
    const seat = (await members()).find((p) => p.state === "notified" && !p.otpHash)!;
    const { residentId } = expertOf(seat.expertId);
    expect(await call(et2, "experts:signInStart", { residentId })).toMatchObject({ ok: true });
    const code = codes().at(-1)!.code!;
    const res = await call(et2, "experts:signInDecline", { residentId, code, decision: "recuse", reason: "配偶任投标单位项目经理", creditCode: goodCode });
    if (!res.ok && res.error.code === "VALIDATION_FAILED") throw new Error(res.error.message);
    expect(res).toEqual({ ok: true, data: { state: "declined", filledBy: "replacement" } });
    const after = await picks();
    expect(after.find((p) => p.id === seat.id)!.declineReason).toBe(`回避：配偶任投标单位项目经理（${goodCode}）`);
    const replacement = after.find((p) => p.kind === "replacement")!;
    expect(replacement).toMatchObject({ state: "notified", replacesId: seat.id, seq: after.length });
    expect(after.filter((p) => p.expertId === replacement.expertId)).toHaveLength(1);
    // The replacement is invited (after the commit, by the notifier).
    await expect.poll(() => rec.messages.filter((m) => m.kind === "invitation").at(-1)?.pickId).toBe(replacement.id);
    const record = await expertDrawRecord(t.app.db, draw.drawId);
    const replay = verifyExpertDraw({
      seedHash: record.seedHash,
      seed: record.seed!,
      buckets: record.buckets.map((b) => ({ ...b, list: Buffer.from(b.list, "base64") })),
      picks: record.picks,
    });
    expect(replay).toEqual({ ok: true, picks: after.length });
    const actions = (await t.app.db.auditEvent.findMany({ where: { target: `expert-draw:${draw.drawId}` }, orderBy: { seq: "asc" } })).map((a) => a.action);
    expect(actions.slice(-2)).toEqual(["experts.recuse", "experts.replacement"]);
  });

  it("after signing in: a decline is refused, 回避 only at the terminal used to sign in, and then the seat is filled", async () => {
    const seat = (await members()).find((p) => p.state === "signed-in")!; // signed in at ET1 in the first test
    const { residentId } = expertOf(seat.expertId);
    await t.app.ctx.experts.settled(); // no invitation of an earlier step is still being recorded
    const before = await state();
    expect(await call(et1, "experts:signInDecline", { residentId, decision: "decline", reason: "临时有事" })).toMatchObject({ ok: false, error: { code: "ALREADY_SIGNED_IN" } });
    expect(await call(et2, "experts:signInDecline", { residentId, decision: "recuse", reason: "曾在投标单位任职" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await state()).toBe(before);
    const res = await call(et1, "experts:signInDecline", { residentId, decision: "recuse", reason: "曾在投标单位任职" });
    expect(res).toEqual({ ok: true, data: { state: "declined", filledBy: "replacement" } });
    expect(await t.app.db.expertPick.findUniqueOrThrow({ where: { id: seat.id } })).toMatchObject({ state: "declined", answerVia: "terminal" });
    expect((await picks()).filter((p) => p.kind === "replacement" && p.replacesId === seat.id)).toHaveLength(1);
  });
});

describe("EXPERT_HOLIDAYS_FILE at start-up", () => {
  it("a good file's days reach the draw rule; a bad file stops the server with HOLIDAYS_INVALID", async () => {
    const good = join(t.dir, "holidays-ok.json");
    writeFileSync(good, JSON.stringify([{ year: 2027, holidays: ["2027-01-01"], workdays: ["2027-01-02"] }]));
    const other = await startTestApp({ EXPERT_HOLIDAYS_FILE: good });
    try {
      expect(other.app.ctx.experts.calendar.isWorkday("2027-01-01")).toBe(false);
      expect(other.app.ctx.experts.calendar.isWorkday("2027-01-02")).toBe(true);
      expect(other.app.ctx.experts.calendar.isWorkday("2026-10-01")).toBe(false); // the built-in 2026 stays
    } finally {
      await other.close();
    }
    const bad = join(t.dir, "holidays-bad.json");
    writeFileSync(bad, JSON.stringify([{ year: 2027, holidays: [], workdays: ["2027-01-05"] }]));
    await expect(startTestApp({ EXPERT_HOLIDAYS_FILE: bad })).rejects.toMatchObject({ code: "HOLIDAYS_INVALID", message: expect.stringContaining("weekday") });
  });
});

describe("the draw's raw write path (one better-sqlite3 transaction inside Prisma's gate)", () => {
  it("two requests for one lot at once: one commits, the other is a CONFLICT; other commands' writes meanwhile succeed; the audit chain holds", async () => {
    const project = await createLot(t, agent.token);
    const main = (await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } })).id;
    const body = {
      projectId: project.id,
      lotId: project.lots[0]!.id,
      evaluationAt: new Date(Date.now() + 4 * 3_600_000).toISOString(),
      sites: [{ roomId: main, role: "main" as const, needs: [{ specialtyCode: "A010101", count: 5, backups: 0 }] }],
    };
    const [a, b, notice] = await Promise.all([
      call(agent.socket, "experts:requestDraw", body),
      call(agent.socket, "experts:requestDraw", body),
      call(agent.socket, "room:setNotice", { roomId: main, notice: "评标专家请到第一评标室签到" }),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect((a.ok ? b : a).ok === false && (a.ok ? b : a)).toMatchObject({ error: { code: "CONFLICT" } });
    expect(notice.ok).toBe(true);
    const committed = (a.ok ? a : b) as { ok: true; data: DrawCommitment };
    expect(await t.app.db.expertDraw.count({ where: { projectId: project.id } })).toBe(1);
    const reveal = await call(agent.socket, "experts:draw", { drawId: committed.data.drawId });
    expect(reveal).toMatchObject({ ok: true, data: { notified: 5, reserve: 0 } });
    expect(await t.app.db.expertPick.count({ where: { drawId: committed.data.drawId } })).toBe(5);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  });
});
