// The evaluation's other paths over real sockets: the lowest evaluated price
// method (no detailed scoring; ranking by price), pause and resume by the chair
// with a supervisor, a correction (chair + supervisor, recorded, a new version),
// the fault clock of an off-site room whose link is lost (on the wall and the
// supervisors' stream, re-armed from the database at start-up) and the seal at
// expiry. Refused inputs change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvalBidderState, EvalSupervisorState, ScoringTemplateInput } from "@contracts/evaluation";
import type { WallState } from "@contracts/rooms";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { evaluationWorld, expectUnchanged, lowestTemplate, ok, terminal, toQualification as toQualificationIn, type CommitteeMember, type EvalWorld } from "./helpers/evaluation";
import { armEvaluationTimers } from "../server/evaluation/timers";

let t: TestApp;
let sup: TestSocket;

const unchanged = (f: () => Promise<unknown>, code: string) => expectUnchanged(t, f, code);

type Member = CommitteeMember;
const toQualification = (w: EvalWorld, template: ScoringTemplateInput) => toQualificationIn(t, w, template);

beforeAll(async () => {
  t = await startTestApp();
  sup = await t.connect({ token: (await t.login("supervisor")).token });
}, 60_000);
afterAll(() => t.close());

describe("the lowest evaluated price, pause, correction", () => {
  let w: EvalWorld;
  let sessionId: string;
  let members: Member[];
  let supView: LiveStreamClient<EvalSupervisorState>;
  const rows = (w: EvalWorld, pass = true) => w.bidders.map((b) => ({ companyId: b.companyId, criterion: "license", pass, reason: pass ? "" : "资质不符" }));

  it("runs to the qualification review with the lowest evaluated price template", async () => {
    w = await evaluationWorld(t, [92_000_000, 85_000_000, 88_000_000], { lot: { evaluationMethod: "lowest-evaluated-price" }, poolOffset: 1 });
    const r = await toQualification(w, lowestTemplate);
    sessionId = r.sessionId;
    members = r.members;
    supView = new LiveStreamClient<EvalSupervisorState>(sup, r.streams.supervisor).start();
    await until(() => supView.state?.step === "qualification", 5000, "qualification");
  }, 120_000);

  it("pauses and resumes only with the chair and a supervisor; a paused session takes no submission", async () => {
    const [chair, other] = members;
    await unchanged(() => call(other!.socket, "evaluation:requestAction", { sessionId, kind: "pause", reason: "副场网络抖动" }), "FORBIDDEN");
    const req = ok(await call(chair!.socket, "evaluation:requestAction", { sessionId, kind: "pause", reason: "副场网络抖动" }));
    await unchanged(() => call(chair!.socket, "evaluation:requestAction", { sessionId, kind: "pause", reason: "再次申请" }), "REQUEST_PENDING");
    await unchanged(() => call(w.agent, "evaluation:approveAction", { sessionId, requestId: req.requestId, approve: true, note: "" }), "FORBIDDEN");
    expect(ok(await call(sup, "evaluation:approveAction", { sessionId, requestId: req.requestId, approve: true, note: "同意暂停" }))).toMatchObject({ status: "paused" });
    await unchanged(() => call(other!.socket, "evaluation:submit", { sessionId, idempotencyKey: "paused-sub-1", sheet: { step: "qualification", rows: rows(w) } }), "SESSION_PAUSED");
    await unchanged(() => call(sup, "evaluation:approveAction", { sessionId, requestId: req.requestId, approve: true, note: "" }), "ALREADY_DONE");
    const res = ok(await call(chair!.socket, "evaluation:requestAction", { sessionId, kind: "resume", reason: "网络恢复" }));
    expect(ok(await call(sup, "evaluation:approveAction", { sessionId, requestId: res.requestId, approve: true, note: "" }))).toMatchObject({ status: "running" });
    await until(() => supView.state?.status === "running" && supView.state.requests.length === 2, 5000, "requests on the stream");
  });

  it("corrects a submitted sheet with the chair and a supervisor; the correction is recorded and a new version submitted", async () => {
    const [chair, x] = members;
    ok(await call(x!.socket, "evaluation:submit", { sessionId, idempotencyKey: "corr-first-1", sheet: { step: "qualification", rows: rows(w, false) } }));
    // A detailed-scoring sheet does not exist in this method.
    await unchanged(() => call(x!.socket, "evaluation:submit", { sessionId, idempotencyKey: "no-scoring-1", sheet: { step: "scoring", rows: [] } }), "STEP_CONFLICT");
    await unchanged(() => call(x!.socket, "evaluation:submit", { sessionId, idempotencyKey: "corr-again-1", sheet: { step: "qualification", rows: rows(w) } }), "ALREADY_SUBMITTED");
    const req = ok(await call(chair!.socket, "evaluation:requestAction", { sessionId, kind: "correction", reason: "误判资质，申请更正", memberId: x!.memberId, step: "qualification" }));
    ok(await call(sup, "evaluation:approveAction", { sessionId, requestId: req.requestId, approve: true, note: "同意更正" }));
    const again = ok(await call(x!.socket, "evaluation:submit", { sessionId, idempotencyKey: "corr-again-1", sheet: { step: "qualification", rows: rows(w) } }));
    expect(again.version).toBe(2);
    await until(() => supView.state?.corrections.length === 1, 5000, "correction on the stream");
    expect(supView.state!.corrections[0]).toMatchObject({ step: "qualification", fromVersion: 1, reason: "误判资质，申请更正" });
    for (const m of members.filter((m) => m !== x)) ok(await call(m.socket, "evaluation:submit", { sessionId, idempotencyKey: `low-q-${m.device}`, sheet: { step: "qualification", rows: rows(w) } }));
  });

  it("a question left unanswered closes at its deadline by the server (once, audited) on every screen; a late answer is refused", async () => {
    const bidder = w.bidders[0]!;
    const c = ok(await call(w.agent, "evaluation:requestClarification", { sessionId, companyId: bidder.companyId, question: "请说明营业执照经营范围是否涵盖本项目。", answerMinutes: 5 }));
    const login = await t.app.db.user.findFirstOrThrow({ where: { companyId: bidder.companyId } });
    const bs = await t.connect({ token: (await t.login(login.username)).token });
    const page = new LiveStreamClient<EvalBidderState>(bs, `evaluation:${sessionId}:company:${bidder.companyId}`).start();
    const onPage = () => page.state?.clarifications.find((x) => x.id === c.clarificationId);
    const onWall = () => supView.state?.clarifications.find((x) => x.id === c.clarificationId);
    await until(() => !!onPage() && !!onWall(), 5000, "the question on the bidder's page and the supervisors' view");
    expect([onPage()!.expiredAt, onWall()!.expiredAt]).toEqual([null, null]);
    expect(await t.app.ctx.timers.has(`eval-clarification:${c.clarificationId}`)).toBe(true);
    // The deadline passes while the server is down (moved into the past rather than waited for): the re-arm at start-up fires it.
    await t.app.db.evalClarification.update({ where: { id: c.clarificationId }, data: { answerBy: new Date(Date.now() - 1_000) } });
    await armEvaluationTimers(t.app.ctx);
    await until(() => !!onPage()?.expiredAt && !!onWall()?.expiredAt, 5000, "closed as unanswered on the bidder's page and the supervisors' view");
    const expiredRows = () => t.app.db.auditEvent.count({ where: { action: "evaluation.clarificationExpired", target: `evaluation:${sessionId}` } });
    expect(await expiredRows()).toBe(1);
    await unchanged(() => call(bs, "evaluation:answerClarification", { clarificationId: c.clarificationId, answer: "迟到的答复" }), "ANSWER_CLOSED");
    // Armed again (another restart): nothing more happens.
    await armEvaluationTimers(t.app.ctx);
    await t.app.ctx.timers.settled();
    await new Promise((r) => setTimeout(r, 200));
    expect(await expiredRows()).toBe(1);
    expect((await t.app.db.evalClarification.findUniqueOrThrow({ where: { id: c.clarificationId } })).answer).toBeNull();
    page.stop();
    bs.disconnect();
  });

  it("ranks by the lowest evaluated price and goes on to the report", async () => {
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "qualification" }));
    // No adjustment (each member submits an empty adjustment sheet): the evaluated price is the bid price.
    for (const [i, m] of members.entries()) ok(await call(m.socket, "evaluation:submit", { sessionId, idempotencyKey: `adjust-none-${i}`, sheet: { step: "adjustments", rows: [] } }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "adjustments" }));
    await until(() => !!supView.state?.result, 5000, "result");
    expect(supView.state!.step).toBe("aggregate");
    expect(supView.state!.result!.map((r) => [r.rank, r.priceFen, r.total])).toEqual([
      [1, 85_000_000, "850000.00"],
      [2, 88_000_000, "880000.00"],
      [3, 92_000_000, "920000.00"],
    ]);
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "aggregate" }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "candidates" }));
    await until(() => !!supView.state?.report, 5000, "report made");
    expect(supView.state!.candidates!.map((c) => c.priceFen)).toEqual([85_000_000, 88_000_000]);
    await unchanged(() => call(w.agent, "evaluation:advance", { sessionId, from: "report" }), "STEP_CONFLICT"); // never left by advance: it closes once everyone has signed
  });

  it("refusing to sign: with reasons it is recorded as a refusal, without as agreeing; each member once; the platform closes", async () => {
    const [chair, x, ...rest] = members;
    await unchanged(() => call(x!.socket, "evaluation:refuseSign", { sessionId, reason: "理".repeat(4001) }), "VALIDATION_FAILED");
    await unchanged(() => call(w.agent, "evaluation:refuseSign", { sessionId, reason: "代替专家拒签" }), "FORBIDDEN");
    expect(ok(await call(x!.socket, "evaluation:refuseSign", { sessionId, reason: "对推荐排序有异议，不同意评标结论" }))).toEqual({ recordedAs: "refused-with-reasons" });
    await unchanged(() => call(x!.socket, "evaluation:refuseSign", { sessionId, reason: "" }), "ALREADY_DONE");
    // A one-character "reason" is no reason: recorded as agreeing.
    expect(ok(await call(chair!.socket, "evaluation:refuseSign", { sessionId, reason: "无" }))).toEqual({ recordedAs: "agreeing" });
    await until(() => supView.state?.members.find((m) => m.memberId === x!.memberId)?.signature === "refused", 5000, "refusal on the stream");
    expect(supView.state!.status).toBe("running");
    for (const m of rest) ok(await call(m.socket, "evaluation:refuseSign", { sessionId, reason: "" }));
    await until(() => supView.state?.status === "closed", 5000, "closed by the platform");
    expect(supView.state!.members.map((m) => m.signature).sort()).toEqual(["agreeing", ...rest.map(() => "agreeing"), "refused"].sort());
    expect(supView.state!.report).toMatchObject({ platformSigned: true, signatures: [] });
    const row = await t.app.db.evalMember.findUniqueOrThrow({ where: { id: x!.memberId } });
    expect(row.refuseReason).toBe("对推荐排序有异议，不同意评标结论");
    const audit = await t.app.db.auditEvent.findMany({ where: { target: `evaluation:${sessionId}`, action: "evaluation.refuseSign" } });
    expect(audit).toHaveLength(members.length);
    for (const m of members) m.socket.disconnect();
  });
});

describe("the fault clock of an off-site room", () => {
  it("a lost link runs the clock (on the wall), a supervisor seals only at expiry; the clock is re-armed at start-up", async () => {
    const w = await evaluationWorld(t, [80_000_000, 85_000_000], { poolOffset: 2 });
    const y01 = await t.app.db.room.findUniqueOrThrow({ where: { code: "Y01" } });
    // The terminals of the first session have gone (presence settles before this session starts).
    const y01Devices = await t.app.db.device.findMany({ where: { roomId: y01.id } });
    const y01Offline = () => y01Devices.every((d) => !t.app.ctx.presence.isOnline(d.id));
    await until(y01Offline, 10_000, "Y01 terminals offline");
    const remote = [await terminal(t, "Y01-ET1"), await terminal(t, "Y01-ET2")];
    const mainTerminal = await terminal(t, "P01-ET7");
    const { sessionId, streams } = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: { method: "comprehensive", qualification: [{ key: "license", label: "资质" }], criteria: [{ key: "tech", label: "技术", max: "70" }], price: { kind: "lowest-price-base", weight: "0.30" } } }));
    const supView = new LiveStreamClient<EvalSupervisorState>(sup, streams.supervisor).start();
    const wall = new LiveStreamClient<WallState>(sup, "wall").start();
    await until(() => supView.state?.sites.find((s) => s.roomId === y01.id)?.link === "up", 5000, "link up");
    for (const s of remote) s.disconnect();
    await until(y01Offline, 10_000, "Y01 terminals offline again");
    await until(() => supView.state?.faultClock?.roomId === y01.id, 10_000, "fault clock");
    const clock = supView.state!.faultClock!;
    expect(clock.kind).toBe("before-start");
    expect(Date.parse(clock.endsAt) - Date.parse(clock.since)).toBe(120 * 60_000);
    await until(() => !!wall.state?.alerts.some((a) => a.kind === "link-lost" && a.roomId === y01.id), 5000, "link lost on the wall");
    await unchanged(() => call(sup, "evaluation:seal", { sessionId, reason: "异地链路中断" }), "FAULT_CLOCK_RUNNING");
    await unchanged(() => call(w.agent, "evaluation:seal", { sessionId, reason: "异地链路中断" }), "FORBIDDEN");
    // Time passes: the deadline is in the past; start-up re-arms the clock from the database, which fires at once.
    await t.app.db.evalSite.update({ where: { sessionId_roomId: { sessionId, roomId: y01.id } }, data: { faultEndsAt: new Date(Date.now() - 1000) } });
    t.app.ctx.timers.cancel(`eval-fault:${sessionId}:${y01.id}`);
    expect(t.app.ctx.timers.has(`eval-fault:${sessionId}:${y01.id}`)).toBe(false);
    await armEvaluationTimers(t.app.ctx);
    await until(() => supView.state?.faultClock?.expired === true, 5000, "expired on the stream");
    expect(ok(await call(sup, "evaluation:seal", { sessionId, reason: "异地链路中断超过时限，封存" }))).toMatchObject({ status: "sealed" });
    await until(() => supView.state?.status === "sealed", 5000, "sealed");
    expect(supView.state!.sealReason).toBe("异地链路中断超过时限，封存");
    // The rooms leave the sealed session at once (not the closed page; not the earlier session closed a moment ago in P01).
    const p01 = await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } });
    const room = ok(await call(mainTerminal, "live:join", { stream: `room:${p01.id}` })) as { snapshot: { state: { session: unknown } } };
    expect(room.snapshot.state.session).toBeNull();
    // A sealed session takes nothing more; the lot may get a new committee.
    await unchanged(() => call(w.agent, "evaluation:advance", { sessionId, from: "signin" }), "SESSION_SEALED");
    const audit = await t.app.db.auditEvent.findMany({ where: { target: `evaluation:${sessionId}` }, select: { action: true } });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["evaluation.create", "evaluation.linkLost", "evaluation.seal"]));
    // The lot gets a new committee: a new session may start once the old one is sealed.
    const again = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: { method: "comprehensive", qualification: [{ key: "license", label: "资质" }], criteria: [{ key: "tech", label: "技术", max: "70" }], price: { kind: "lowest-price-base", weight: "0.30" } } }));
    expect(again.sessionId).not.toBe(sessionId);
    mainTerminal.disconnect();
  });
});
