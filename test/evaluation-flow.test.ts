// A whole evaluation (评标) over real sockets: 7 experts across the main room
// (P01) and an off-site room (Y01), signed in at terminals with one-time codes;
// pledge; a conflict declared (the expert leaves, the backup signs in); a chair
// election with a tie and a re-vote; qualification by majority (one bidder fails);
// detailed scoring with server-held drafts, a terminal dropped mid-scoring that
// reconnects and finds its draft, an outlier that needs a written reason; the
// price score (87号令 worked example), the aggregation dropping the ends, the
// candidates (the deal is recorded), a dissent; each expert signs the report with
// its own key (one refuses without reasons: recorded as agreeing), the platform
// signs; pdfsig validates every signature and pdftotext reads the Chinese.
// Bad input along the way: each a typed error, nothing changed.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvalAgentState, EvalExpertState, EvalPublicState, EvalSupervisorState } from "@contracts/evaluation";
import type { RoomScreenState, WallState } from "@contracts/rooms";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, untilStream, type TestApp, type TestSocket } from "./helpers/app";
import { committeeTerminals, comprehensiveTemplate, evaluationWorld, expectUnchanged, expertKey, ok, signInAt, terminal, type EvalWorld } from "./helpers/evaluation";
import { pdfSignatures } from "./helpers/pdf";
import { verifyAudit } from "../server/audit/chain";
import { Q } from "../server/evaluation/rational";
import { changed } from "../server/evaluation/model";
import { CLOSED_SHOWN_MS } from "../server/evaluation/rules";

let t: TestApp;
let w: EvalWorld;
let sup: TestSocket;
let supToken: string;
let sessionId: string;
interface Seat {
  residentId: string;
  name: string;
  device: string;
  socket: TestSocket;
  memberId: string;
  view: LiveStreamClient<EvalExpertState>;
  key: ReturnType<typeof expertKey>;
}
const seats: Seat[] = [];
let backup: Seat;
let publicView: LiveStreamClient<EvalPublicState>;
let supView: LiveStreamClient<EvalSupervisorState>;
let wall: LiveStreamClient<WallState>;
// 87号令 worked example: 800k, 850k, 920k (the third fails the qualification).
const prices = [80_000_000, 85_000_000, 92_000_000];

const unchanged = (f: () => Promise<unknown>, code: string) => expectUnchanged(t, f, code);
const active = () => [...seats.filter((s) => s !== seats[0]), backup];
/** The test's own record of where each seat sits (its terminal's room), independent of the server. */
const siteOf = (s: Seat) => (s.device.startsWith("P01") ? "main" : "secondary");
/** Per site (main, secondary): how many of `who` sit there. */
const perSite = (who: Seat[]) => [who.filter((s) => siteOf(s) === "main").length, who.filter((s) => siteOf(s) === "secondary").length];
/** The public per-site progress as [role, members, signedIn, pledged, declared, sheet]. */
const pubProgress = () => publicView.state!.siteProgress.map((p) => [p.role, p.members, p.signedIn, p.pledged, p.declared, p.sheet]);
/** Counts only: every per-site entry has exactly these fields, and the whole public state names no expert. */
const countsOnly = () => {
  for (const p of publicView.state!.siteProgress) {
    expect(Object.keys(p).sort()).toEqual(["declared", "members", "pledged", "roomId", "roomName", "role", "sheet", "signedIn"].sort());
    if (p.sheet) expect(Object.keys(p.sheet).sort()).toEqual(["step", "submitted"].sort());
  }
  const pub = JSON.stringify(publicView.state);
  for (const e of w.pool) {
    expect(pub).not.toContain(e.name);
    expect(pub).not.toContain(e.residentId);
  }
};

beforeAll(async () => {
  t = await startTestApp();
  w = await evaluationWorld(t, prices);
  const s = await t.login("supervisor");
  supToken = s.token;
  sup = await t.connect({ token: s.token });
  // Terminals of both sites are online before the session starts.
  for (const c of await committeeTerminals(t, w)) {
    const seat: Seat = { residentId: c.residentId, name: c.name, device: c.device, socket: await terminal(t, c.device), memberId: "", view: null as never, key: expertKey() };
    if (c.kind === "backup") backup = seat;
    else seats.push(seat);
  }
  expect(seats).toHaveLength(7);
}, 120_000);
afterAll(() => t.close());

describe("an evaluation across two sites, end to end", () => {
  it("creates the session from the opened lot and the drawn committee; bad creations change nothing", async () => {
    const bidder = await t.connect({ token: (await t.login("bidder")).token });
    await unchanged(() => call(bidder, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensiveTemplate }), "FORBIDDEN");
    await unchanged(() => call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: { ...comprehensiveTemplate, method: "lowest-evaluated-price" } }), "VALIDATION_FAILED");
    await unchanged(() => call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: "nope", template: comprehensiveTemplate }), "NOT_FOUND");
    const res = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensiveTemplate }));
    sessionId = res.sessionId;
    expect(res.step).toBe("signin");
    await unchanged(() => call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensiveTemplate }), "EVALUATION_EXISTS");
    publicView = new LiveStreamClient<EvalPublicState>(w.agent, res.streams.public).start();
    supView = new LiveStreamClient<EvalSupervisorState>(sup, res.streams.supervisor).start();
    wall = new LiveStreamClient<WallState>(sup, "wall").start();
    await until(() => publicView.state?.sites.length === 2, 5000, "public stream");
    expect(publicView.state!.sites.map((s) => [s.role, s.members, s.link])).toEqual([["main", 5, "up"], ["secondary", 2, "up"]]);
    // The room streams point at the evaluation.
    const p01 = await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } });
    const room = ok(await call(seats[0]!.socket, "live:join", { stream: `room:${p01.id}` }));
    expect(JSON.stringify(room)).toContain(`evaluation:${sessionId}`);
  });

  it("signs the experts in at their terminals; only then are names unsealed; the public stream never names them", async () => {
    // Not signed in yet: no member at this terminal.
    await unchanged(() => call(seats[0]!.socket, "evaluation:whoami", { sessionId }), "NOT_ON_COMMITTEE");
    for (const s of seats) {
      const done = await signInAt(w, s.socket, s.residentId);
      expect(done.name).toBe(s.name);
      const me = ok(await call(s.socket, "evaluation:whoami", { sessionId }));
      expect(me.name).toBe(s.name);
      s.memberId = me.memberId;
      s.view = new LiveStreamClient<EvalExpertState>(s.socket, me.stream).start();
    }
    await until(() => supView.state?.members.filter((m) => m.state === "signed-in").length === 7, 5000, "all signed in");
    expect(supView.state!.members.map((m) => m.name).sort()).toEqual(seats.map((s) => s.name).sort());
    await until(() => publicView.state?.committee.signedIn === 7, 5000, "public count");
    const pub = JSON.stringify(publicView.state);
    for (const e of w.pool) expect(pub).not.toContain(e.name);
    // Per site: members and signed in, nothing pledged or declared yet, no sheet step.
    const [m, r] = perSite(seats);
    expect(pubProgress()).toEqual([
      ["main", m, m, 0, 0, null],
      ["secondary", r, r, 0, 0, null],
    ]);
    countsOnly();
    // Another expert's stream is not this terminal's.
    expect(await call(seats[1]!.socket, "live:join", { stream: `evaluation:${sessionId}:expert:${seats[0]!.memberId}` })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });

  it("runs the pledge and the conflict declarations; a conflict brings the backup in", async () => {
    await unchanged(() => call(w.agent, "evaluation:advance", { sessionId, from: "scoring" }), "STEP_CONFLICT");
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "signin" }));
    await unchanged(() => call(seats[0]!.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }), "STEP_CONFLICT");
    // One off-site expert pledges first: the secondary site shows 1, the main site 0.
    const firstRemote = seats.find((s) => siteOf(s) === "secondary")!;
    ok(await call(firstRemote.socket, "evaluation:pledge", { sessionId }));
    await until(() => publicView.state?.siteProgress[1]?.pledged === 1, 5000, "one pledge on the public stream");
    expect(publicView.state!.siteProgress.map((p) => p.pledged)).toEqual([0, 1]);
    for (const s of seats.filter((x) => x !== firstRemote)) ok(await call(s.socket, "evaluation:pledge", { sessionId }));
    await until(() => publicView.state?.siteProgress.every((p) => p.pledged === p.members) === true, 5000, "all pledged per site");
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "pledge" }));
    const conflict = ok(await call(seats[0]!.socket, "evaluation:declareConflicts", { sessionId, conflicts: [{ companyId: w.bidders[0]!.companyId, reason: "配偶任该公司项目经理" }] }));
    expect(conflict).toEqual({ recused: true, backupCalled: true });
    // The recused expert is no longer on the committee.
    await unchanged(() => call(seats[0]!.socket, "evaluation:pledge", { sessionId }), "NOT_ON_COMMITTEE");
    for (const s of seats.slice(1)) ok(await call(s.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    await unchanged(() => call(w.agent, "evaluation:advance", { sessionId, from: "conflicts" }), "STEP_INCOMPLETE");
    await signInAt(w, backup.socket, backup.residentId);
    const me = ok(await call(backup.socket, "evaluation:whoami", { sessionId }));
    backup.memberId = me.memberId;
    backup.view = new LiveStreamClient<EvalExpertState>(backup.socket, me.stream).start();
    ok(await call(backup.socket, "evaluation:pledge", { sessionId }));
    ok(await call(backup.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "conflicts" }));
    await until(() => supView.state?.conflicts.length === 1, 5000, "conflict on the supervisor stream");
    await until(() => supView.state?.members.find((m) => m.memberId === backup.memberId)?.state === "signed-in", 5000, "backup signed in on the supervisor stream");
    expect(supView.state!.members.find((m) => m.memberId === backup.memberId)).toMatchObject({ replacesSeat: 1, state: "signed-in" });
  });

  it("elects the chair: a tie opens a new round", async () => {
    const [a, b, c] = active();
    const votes1 = [a, a, a, b, b, b, c];
    for (const [i, s] of active().entries()) ok(await call(s.socket, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: votes1[i]!.memberId }));
    const s0 = await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect([s0.chairRound, s0.chairMemberId]).toEqual([2, null]);
    await unchanged(() => call(a!.socket, "evaluation:voteChair", { sessionId, round: 2, candidateMemberId: c!.memberId }), "NOT_A_CANDIDATE");
    let last;
    for (const s of active()) last = ok(await call(s.socket, "evaluation:voteChair", { sessionId, round: 2, candidateMemberId: s === b ? b!.memberId : a!.memberId }));
    expect(last).toMatchObject({ chairMemberId: a!.memberId });
    // The chair's terminal moves on; another expert's may not.
    await unchanged(() => call(b!.socket, "evaluation:advance", { sessionId, from: "chair" }), "FORBIDDEN");
    ok(await call(a!.socket, "evaluation:advance", { sessionId, from: "chair" }));
  });

  it("reviews the qualification: exactly once per expert, majority decides", async () => {
    const [first, second] = active();
    const rows = (failThird: boolean) =>
      w.bidders.flatMap((b, i) =>
        ["license", "credit"].map((criterion) => ({ companyId: b.companyId, criterion, pass: !(failThird && i === 2 && criterion === "license"), reason: failThird && i === 2 && criterion === "license" ? "资质证书已过期" : "" })),
      );
    // A fail without a reason; a bidder not in the evaluation.
    await unchanged(() => call(first!.socket, "evaluation:submit", { sessionId, idempotencyKey: "q-bad-0001", sheet: { step: "qualification", rows: rows(true).map((r) => ({ ...r, reason: "" })) } }), "REASON_REQUIRED");
    await unchanged(() => call(first!.socket, "evaluation:submit", { sessionId, idempotencyKey: "q-bad-0002", sheet: { step: "qualification", rows: [...rows(false).slice(1), { companyId: "nobody", criterion: "license", pass: true, reason: "" }] } }), "UNKNOWN_BIDDER");
    // Scoring now is a step out of order.
    await unchanged(() => call(first!.socket, "evaluation:submit", { sessionId, idempotencyKey: "s-early-01", sheet: { step: "scoring", rows: [] } }), "STEP_CONFLICT");
    const answers: unknown[] = [];
    const submitAt = async (i: number) => answers.push(ok(await call(active()[i]!.socket, "evaluation:submit", { sessionId, idempotencyKey: `qual-${i}-key`, sheet: { step: "qualification", rows: rows(i < 4) } })));
    for (const i of [0, 1, 2]) await submitAt(i);
    // The projector: per site, how many submitted this sheet step (counts only).
    const [sm, sr] = perSite(active().slice(0, 3));
    await until(() => publicView.state?.progress?.submitted === 3, 5000, "three submitted");
    expect(publicView.state!.siteProgress.map((p) => [p.role, p.sheet])).toEqual([
      ["main", { step: "qualification", submitted: sm }],
      ["secondary", { step: "qualification", submitted: sr }],
    ]);
    countsOnly();
    // The chair's terminal lists what blocks the step — the same list as the agent's console; another member's lists nothing.
    const seatOf = (x: Seat) => supView.state!.members.find((m) => m.memberId === x.memberId)!.seat;
    const waiting = active().slice(3).map(seatOf).sort((a, b) => a - b);
    const notSubmitted = (blockers: EvalAgentState["blockers"] | undefined) => blockers?.find((b) => b.code === "not-submitted")?.seats.join(",");
    await until(() => notSubmitted(first!.view.state?.blockers) === waiting.join(","), 5000, "blockers at the chair");
    expect(first!.view.state!.me.isChair).toBe(true);
    await untilStream<EvalAgentState>(t, `evaluation:${sessionId}:agent`, (st) => notSubmitted(st.blockers) === waiting.join(","));
    const agentNow = ok(await call(w.agent, "live:join", { stream: `evaluation:${sessionId}:agent` })) as { snapshot: { state: EvalAgentState } };
    expect(first!.view.state!.blockers).toEqual(agentNow.snapshot.state.blockers);
    expect(second!.view.state!.blockers).toEqual([]);
    await unchanged(() => call(first!.socket, "evaluation:advance", { sessionId, from: "qualification" }), "STEP_INCOMPLETE");
    for (const i of [3, 4, 5, 6]) await submitAt(i);
    await until(() => first!.view.state?.blockers.length === 0, 5000, "nothing blocks the chair");
    // The replay answers the same; another payload under the same key or a second submission is refused.
    const replay = ok(await call(first!.socket, "evaluation:submit", { sessionId, idempotencyKey: "qual-0-key", sheet: { step: "qualification", rows: rows(true) } }));
    expect(replay).toEqual(answers[0]);
    await unchanged(() => call(first!.socket, "evaluation:submit", { sessionId, idempotencyKey: "qual-0-key", sheet: { step: "qualification", rows: rows(false) } }), "IDEMPOTENCY_KEY_REUSED");
    await unchanged(() => call(first!.socket, "evaluation:submit", { sessionId, idempotencyKey: "qual-0-again", sheet: { step: "qualification", rows: rows(false) } }), "ALREADY_SUBMITTED");
    await unchanged(() => call(second!.socket, "evaluation:submit", { sessionId, idempotencyKey: "qual-1-key", sheet: { step: "qualification", rows: rows(false) } }), "IDEMPOTENCY_KEY_REUSED");
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "qualification" }));
    const s = await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } });
    const q = JSON.parse(s.qualification!) as { companyId: string; qualified: boolean; criteria: { pass: number; fail: number }[] }[];
    expect(q.map((x) => x.qualified)).toEqual([true, true, false]);
    expect(q[2]!.criteria[0]).toMatchObject({ pass: 3, fail: 4 });
  });

  let scores: Map<string, number[]>;
  it("scores with server-held drafts: a dropped terminal reconnects and finds its draft; an outlier needs a reason", async () => {
    const [A, B, C] = w.bidders;
    const sheet = (tech: [number, number], biz: [number, number]) => ({
      step: "scoring" as const,
      rows: [
        { companyId: A!.companyId, criterion: "tech", score: tech[0] },
        { companyId: A!.companyId, criterion: "biz", score: biz[0] },
        { companyId: B!.companyId, criterion: "tech", score: tech[1] },
        { companyId: B!.companyId, criterion: "biz", score: biz[1] },
      ],
    });
    const x = active()[1]!;
    // Out of range, not a number, a disqualified bidder.
    await unchanged(() => call(x.socket, "evaluation:submit", { sessionId, idempotencyKey: "bad-range-1", sheet: sheet([41, 30], [20, 20]) }), "SCORE_OUT_OF_RANGE");
    await unchanged(() => call(x.socket, "evaluation:submit", { sessionId, idempotencyKey: "bad-nan-01", sheet: { step: "scoring", rows: [{ companyId: A!.companyId, criterion: "tech", score: "abc" as unknown as number }] } }), "VALIDATION_FAILED");
    await unchanged(() => call(x.socket, "evaluation:submit", { sessionId, idempotencyKey: "bad-neg-01", sheet: sheet([-1, 30], [20, 20]) }), "VALIDATION_FAILED");
    await unchanged(
      () => call(x.socket, "evaluation:submit", { sessionId, idempotencyKey: "bad-disq-1", sheet: { step: "scoring", rows: [...sheet([30, 30], [20, 20]).rows, { companyId: C!.companyId, criterion: "tech", score: 10 }] } }),
      "BIDDER_DISQUALIFIED",
    );
    // Per-expert totals: A in 50s–60s, B around 55; the last expert scores A far lower.
    const plan: [number, number, number, number][] = [
      [30, 25, 28, 22],
      [32, 24, 29, 21],
      [31, 26, 30, 22],
      [29, 25, 27, 23],
      [33, 27, 31, 24],
      [28, 24, 26, 20],
      [12, 10, 28, 22],
    ];
    scores = new Map([[A!.companyId, []], [B!.companyId, []]]);
    for (const [i, s] of active().entries()) {
      const [ta, ba, tb, bb] = plan[i]!;
      scores.get(A!.companyId)!.push(ta + ba);
      scores.get(B!.companyId)!.push(tb + bb);
      const full = sheet([ta, tb], [ba, bb]);
      if (s === x) {
        // Keystrokes go to the server…
        ok(await call(s.socket, "evaluation:draft", { sessionId, clientSeq: 1, sheet: { step: "scoring", rows: [{ ...full.rows[0]!, score: null }] } }));
        ok(await call(s.socket, "evaluation:draft", { sessionId, clientSeq: 3, sheet: { step: "scoring", rows: full.rows, outlierReasons: {} } }));
        const late = ok(await call(s.socket, "evaluation:draft", { sessionId, clientSeq: 2, sheet: { step: "scoring", rows: [], outlierReasons: {} } }));
        expect(late.applied).toBe(false);
        // …the terminal drops (the supervisors see it) and comes back: the draft is there.
        s.view.stop();
        s.socket.disconnect();
        await until(() => supView.state?.members.find((m) => m.memberId === s.memberId)?.online === false, 8000, "terminal offline");
        await until(() => !!wall.state?.alerts.some((a) => a.kind === "expert-missing"), 8000, "expert missing on the wall");
        s.socket = await terminal(t, s.device);
        s.view = new LiveStreamClient<EvalExpertState>(s.socket, `evaluation:${sessionId}:expert:${s.memberId}`).start();
        await until(() => s.view.state?.drafts.clientSeq === 3, 5000, "resynced with the draft");
        expect(s.view.state!.drafts.scoring).toMatchObject({ step: "scoring", rows: full.rows });
        expect(s.view.state!.drafts.clientSeq).toBe(3);
        await until(() => supView.state?.members.find((m) => m.memberId === s.memberId)?.online === true, 8000, "terminal online");
      }
      // Others' scores stay hidden until everyone has submitted.
      expect(s.view.state!.others.filter((o) => o.step === "scoring")).toEqual([]);
      if (i === 6) {
        ok(await call(s.socket, "evaluation:draft", { sessionId, clientSeq: 10, sheet: { ...full, outlierReasons: {} } }));
        await until(() => (s.view.state?.outliers.length ?? 0) === 1, 5000, "live outlier warning");
        expect(s.view.state!.outliers[0]).toMatchObject({ companyId: A!.companyId, myTotal: "22.00" });
        await unchanged(() => call(s.socket, "evaluation:submit", { sessionId, idempotencyKey: "score-6-key", sheet: full }), "OUTLIER_REASON_REQUIRED");
        ok(await call(s.socket, "evaluation:submit", { sessionId, idempotencyKey: "score-6-key", sheet: full, outlierReasons: [{ companyId: A!.companyId, reason: "技术方案未响应招标文件关键工期要求" }] }));
      } else {
        ok(await call(s.socket, "evaluation:submit", { sessionId, idempotencyKey: `score-${i}-key`, sheet: full }));
      }
    }
    await until(() => (active()[0]!.view.state?.others.filter((o) => o.step === "scoring").length ?? 0) === 6, 5000, "scores visible after all submitted");
    await until(() => !!wall.state?.alerts.some((a) => a.kind === "outlier-reason"), 5000, "outlier reason on the wall");
    await until(() => (supView.state?.outlierReasons.length ?? 0) === 1, 5000, "outlier reason on the supervisor stream");
    await until(() => publicView.state?.siteProgress.every((p) => p.sheet?.step === "scoring" && p.sheet.submitted === p.members) === true, 5000, "scoring submitted per site");
    expect(supView.state!.outlierReasons).toEqual([expect.objectContaining({ reason: "技术方案未响应招标文件关键工期要求" })]);
    // The projector: every site's members submitted the scoring sheet — counts only, no name anywhere.
    expect(publicView.state!.siteProgress.map((p) => [p.sheet?.step, p.sheet?.submitted, p.members])).toEqual(perSite(active()).map((n) => ["scoring", n, n]));
    countsOnly();
    // The streams carry exactly the shapes of the contract the client pages are built on.
    for (const s of active()) EvalExpertState.parse(s.view.state);
    EvalSupervisorState.parse(supView.state);
    EvalPublicState.parse(publicView.state);
    EvalAgentState.parse((ok(await call(w.agent, "live:join", { stream: `evaluation:${sessionId}:agent` })) as { snapshot: { state: unknown } }).snapshot.state);
  });

  it("computes the price score (87号令 worked example), aggregates dropping the ends, ranks", async () => {
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "scoring" }));
    await until(() => !!supView.state?.priceScores, 5000, "price scores");
    const ps = supView.state!.priceScores!;
    expect(ps.lines.map((l) => l.score)).toEqual(["30.00", "28.24"]);
    expect(ps.rounding).toEqual({ places: 2, mode: "half-up" });
    expect(ps.formula).toContain("评标基准价");
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "price" }));
    await until(() => !!supView.state?.result, 5000, "result");
    // Independent of the code under test: sort, drop the highest and the lowest, average, round half up.
    const expected = (xs: number[], price: string) => {
      const kept = [...xs].sort((a, b) => a - b).slice(1, -1);
      const mean = Q.of(kept.reduce((a, b) => a + b, 0), kept.length);
      return mean.rounded(2).add(Q.dec(price)).round(2);
    };
    const [A, B] = w.bidders;
    const rows = supView.state!.result!;
    expect(rows.find((r) => r.companyId === A!.companyId)!.total).toBe(expected(scores.get(A!.companyId)!, "30.00"));
    expect(rows.find((r) => r.companyId === B!.companyId)!.total).toBe(expected(scores.get(B!.companyId)!, "28.24"));
    expect(rows.map((r) => r.rank)).toEqual([1, 2]);
    expect(publicView.state!.candidates).toBeNull();
  });

  it("asks a bidder to clarify; the bidder answers on its page", async () => {
    // (Asked here, during the result step; the committee may ask during review steps.)
    const chair = active()[0]!;
    const c = ok(await call(chair.socket, "evaluation:requestClarification", { sessionId, companyId: w.bidders[1]!.companyId, question: "请澄清投标报价中暂列金额的构成。", answerMinutes: 30 }));
    const bidderLogin = await t.app.db.user.findFirstOrThrow({ where: { companyId: w.bidders[1]!.companyId } });
    const bidderToken = (await t.login(bidderLogin.username)).token;
    const bs = await t.connect({ token: bidderToken });
    const found = await t.api<{ sessionId: string; streams: { company: string | null; agent: string | null } }>("GET", `/api/lots/${w.lotId}/evaluation`, { token: bidderToken });
    expect(found.body).toMatchObject({ ok: true, data: { sessionId, streams: { company: `evaluation:${sessionId}:company:${w.bidders[1]!.companyId}`, agent: null } } });
    const page = new LiveStreamClient<{ clarifications: { id: string; question: string }[] }>(bs, `evaluation:${sessionId}:company:${w.bidders[1]!.companyId}`).start();
    // Another bidder's page is not this one's.
    expect(await call(bs, "live:join", { stream: `evaluation:${sessionId}:company:${w.bidders[0]!.companyId}` })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    await until(() => page.state?.clarifications.length === 1, 5000, "question on the bidder's page");
    ok(await call(bs, "evaluation:answerClarification", { clarificationId: c.clarificationId, answer: "暂列金额为 20 万元，按招标文件计列，不作调整。" }));
    await unchanged(() => call(bs, "evaluation:answerClarification", { clarificationId: c.clarificationId, answer: "再答一次" }), "ALREADY_DONE");
  });

  it("confirms the candidates (the deal is recorded), records a dissent, makes the report", async () => {
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "aggregate" }));
    await until(() => !!publicView.state?.candidates, 5000, "candidates public");
    ok(await call(active()[6]!.socket, "evaluation:dissent", { sessionId, text: "本人认为第一名投标人的技术方案工期响应存在缺陷。" }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "candidates" }));
    const deal = await t.app.db.statsDeal.findFirst({ where: { lotId: w.lotId } });
    expect(deal).not.toBeNull();
    expect(Number(deal!.dealFen)).toBe(supView.state!.result![0]!.priceFen);
  });

  it("each expert signs with its own key; a signature by someone else's key is refused; one refuses without reasons (agreeing); the platform signs", async () => {
    const [e1, e2] = active();
    // A terminal that lost its key registers a new one (before signing); the old key no longer signs.
    const lost = expertKey();
    ok(await call(e1!.socket, "evaluation:enrollKey", { sessionId, publicKeyPem: lost.publicKeyPem }));
    await unchanged(() => call(e1!.socket, "evaluation:enrollKey", { sessionId, publicKeyPem: "-----BEGIN PUBLIC KEY-----\nnot a key at all, just text that is long enough to pass the length check of the contract....\n-----END PUBLIC KEY-----" }), "KEY_INVALID");
    const lostPrep = ok(await call(e1!.socket, "evaluation:prepareSignature", { sessionId }));
    for (const s of active()) ok(await call(s.socket, "evaluation:enrollKey", { sessionId, publicKeyPem: s.key.publicKeyPem }));
    await unchanged(() => call(e1!.socket, "evaluation:sign", { sessionId, prepId: lostPrep.prepId, signatureB64: lost.sign(lostPrep.toSignB64) }), "NOT_FOUND");
    const prep = ok(await call(e1!.socket, "evaluation:prepareSignature", { sessionId }));
    await unchanged(() => call(e1!.socket, "evaluation:sign", { sessionId, prepId: prep.prepId, signatureB64: e2!.key.sign(prep.toSignB64) }), "SIGNATURE_KEY_MISMATCH");
    // Prepared over the report before e1's signature lands: stale afterwards.
    const early = ok(await call(e2!.socket, "evaluation:prepareSignature", { sessionId }));
    const others = active().slice(0, 6);
    for (const s of others) {
      if (s === e2) await unchanged(() => call(e2.socket, "evaluation:sign", { sessionId, prepId: early.prepId, signatureB64: e2.key.sign(early.toSignB64) }), "SIGNATURE_STALE");
      const p = ok(await call(s.socket, "evaluation:prepareSignature", { sessionId }));
      ok(await call(s.socket, "evaluation:sign", { sessionId, prepId: p.prepId, signatureB64: s.key.sign(p.toSignB64) }));
    }
    const last = ok(await call(active()[6]!.socket, "evaluation:refuseSign", { sessionId, reason: "" }));
    expect(last.recordedAs).toBe("agreeing");
    await until(() => supView.state?.status === "closed" && supView.state.report?.platformSigned === true, 5000, "closed");
    expect(supView.state!.report).toMatchObject({ platformSigned: true });
    EvalSupervisorState.parse(supView.state);
    await until(() => publicView.state?.step === "closed", 5000, "public closed");
    EvalPublicState.parse(publicView.state);
    await until(() => active()[0]!.view.state?.status === "closed", 5000, "expert closed");
    EvalExpertState.parse(active()[0]!.view.state);
    expect(active()[0]!.view.state!.blockers).toEqual([]);
  });

  it("the closed session stays on its rooms' screens (the terminals' closed page) for a while, then the rooms go back to idle", async () => {
    const p01 = await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } });
    const room = new LiveStreamClient<RoomScreenState>(active()[1]!.socket, `room:${p01.id}`).start();
    await until(() => room.state?.session?.stage === "closed", 5000, "room stream shows the closed session");
    expect(room.state!.session).toMatchObject({ kind: "evaluation", stream: `evaluation:${sessionId}`, stage: "closed" });
    // The terminal still reads its own stream: the closed page has the report and the expert's signature.
    await until(() => active()[1]!.view.state?.status === "closed" && active()[1]!.view.state?.me.signature === "signed" && active()[1]!.view.state?.report?.platformSigned === true, 5000, "closed page at the terminal");
    expect(active()[1]!.view.state).toMatchObject({ step: "closed", status: "closed", me: { signature: "signed" }, report: { platformSigned: true } });
    // The timer that sends the rooms back is armed; time passes (closedAt moved back), the timer's refresh runs.
    expect(t.app.ctx.timers.has(`eval-closed:${sessionId}`)).toBe(true);
    await t.app.db.evalSession.update({ where: { id: sessionId }, data: { closedAt: new Date(Date.now() - CLOSED_SHOWN_MS - 1000) } });
    await changed(t.app.ctx, sessionId);
    await until(() => room.state?.session === null, 5000, "room idle again");
    room.stop();
  });

  it("the signed report: pdfsig validates every signature, pdftotext reads the Chinese", async () => {
    const res = await fetch(`${t.url}/api/evaluations/${sessionId}/report.pdf`, { headers: { authorization: `Bearer ${supToken}` } });
    expect(res.status).toBe(200);
    const file = join(t.dir, "report.pdf");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync("pdftotext", ["-layout", file, "-"]).toString();
    for (const s of ["评标报告", "评标委员会", "资格审查", "资质证书已过期", "价格分", "30.00", "28.24", "推荐中标候选人", "技术方案未响应招标文件关键工期要求", "暂列金额", "配偶任该公司项目经理", "本人认为第一名投标人", ...active().map((x) => x.name)]) {
      expect(text).toContain(s);
    }
    const signatures = await pdfSignatures(t, file);
    expect(signatures).toHaveLength(7);
    for (const sig of signatures) expect(sig).toMatchObject({ valid: true, trusted: true });
    expect(signatures.map((s) => s.signerName)).toEqual([...active().slice(0, 6).map((x) => x.name), "电子开评标平台签章"]);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  });
});
