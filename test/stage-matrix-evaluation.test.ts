// The evaluation's stage matrix: every state-changing `evaluation:` command tried
// in every stage of one real evaluation (comprehensive method, 7 experts at two
// sites), by every role, with an input valid in that stage: not started → each
// step of stepsFor("comprehensive") (a pause taken at the scoring step) → closed.
// Only the table's allowed pairs succeed; a refused pair answers FORBIDDEN for
// the role or the stage's code (STEP_CONFLICT, SESSION_PAUSED, SESSION_CLOSED,
// EVALUATION_EXISTS) and changes nothing. Roles: the five people, the chair's
// terminal and another member's terminal.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientEvents } from "@contracts/events";
import { stepsFor } from "@contracts/evaluation";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { dbFingerprint } from "./helpers/db-state";
import { committeeTerminals, comprehensiveTemplate, evalFingerprint, evaluationWorld, expertKey, ok, signInAt, terminal, type EvalWorld } from "./helpers/evaluation";
import { countNa, expectCoverage, newTally, summary, tryAllowed, tryRefused, walked, type MatrixAck, type MatrixRow, type MatrixTable, type Tally } from "./helpers/stage-matrix";

const STAGES = ["not-started", "signin", "pledge", "conflicts", "chair", "qualification", "paused", "scoring", "price", "aggregate", "candidates", "report", "closed"] as const;
type Stage = (typeof STAGES)[number];
const ROLES = ["admin", "agent", "bidder", "expert", "supervisor", "chair", "member"] as const;
type Role = (typeof ROLES)[number];
type Person = "admin" | "agent" | "bidder" | "expert" | "supervisor";

interface Member {
  socket: TestSocket;
  memberId: string;
  residentId: string;
  key: ReturnType<typeof expertKey>;
}

let t: TestApp;
let w: EvalWorld;
let sessionId = "";
let stage: Stage = "not-started";
let bidderCompany = "";
let bidderIds: string[] = [];
const members: Member[] = [];
const people = new Map<Person, TestSocket>();
/** In each stage, the next member (after the chair) whose one-time acts (pledge, vote, submit, sign…) are still open. */
let cursor = 1;
/** Drafts' clientSeq: only goes up (as a terminal's). */
let draftSeq = 0;

const running: Stage[] = ["signin", "pledge", "conflicts", "chair", "qualification", "scoring", "price", "aggregate", "candidates", "report"];
const beforeChair: Stage[] = ["not-started", "signin", "pledge", "conflicts", "chair"];
const noSession = (s: Stage) => s === "not-started";
const sheetStep = () => (stage === "scoring" || stage === "paused" ? "scoring" : "qualification");

/** The socket of a role: a person's, the chair's terminal (the first member, elected in the chair step), or the next open member's. */
function who(role: Role): { socket: TestSocket; m: Member | null } {
  if (role === "chair") return { socket: members[0]!.socket, m: members[0]! };
  if (role === "member") return { socket: members[cursor]!.socket, m: members[cursor]! };
  // A person acting in a member's place brings a valid member input (the first member's key).
  return { socket: people.get(role)!, m: role === "expert" || role === "bidder" || role === "admin" || role === "agent" || role === "supervisor" ? members[0] ?? null : null };
}
/** Runs a member's one-time act: a success by "member" moves the cursor on to the next member. */
async function once(role: Role, f: (socket: TestSocket, m: Member | null) => Promise<MatrixAck>): Promise<MatrixAck> {
  const { socket, m } = who(role);
  const res = await f(socket, m);
  if (res.ok && role === "member") cursor++;
  return res;
}
const as = (role: Role, f: (socket: TestSocket, m: Member | null) => Promise<MatrixAck>) => f(who(role).socket, who(role).m);
const qualificationRows = () => bidderIds.flatMap((companyId) => ["license", "credit"].map((criterion) => ({ companyId, criterion, pass: true, reason: "" })));
const scoringRows = () => bidderIds.flatMap((companyId) => [{ companyId, criterion: "tech", score: 30 }, { companyId, criterion: "biz", score: 20 }]);
const sheet = (step: "qualification" | "scoring") => (step === "qualification" ? { step, rows: qualificationRows() } : { step, rows: scoringRows() });
const latestPending = async () => (await t.app.db.evalRequest.findFirst({ where: { sessionId, state: "pending" }, orderBy: { requestedAt: "desc" } }))?.id ?? randomUUID();
const openQuestion = async () =>
  (await t.app.db.evalClarification.findFirst({ where: { sessionId, companyId: bidderCompany, answeredAt: null, expiredAt: null }, orderBy: { askedAt: "desc" } }))?.id ?? randomUUID();

type Row = MatrixRow<Stage, Role, null>;
const exceptClosed = { paused: "SESSION_PAUSED", closed: "SESSION_CLOSED" } as const;
const rows: Row[] = [
  {
    command: "evaluation:create",
    roles: ["agent", "admin"],
    stages: ["not-started"],
    stageCode: Object.fromEntries(STAGES.filter((s) => s !== "not-started").map((s) => [s, "EVALUATION_EXISTS"])),
    moves: true,
    run: (r) => as(r, (s) => call(s, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensiveTemplate, confirm: true })),
  },
  {
    command: "evaluation:advance",
    roles: ["agent", "admin", "chair"],
    // Before the election the chair's terminal is a member's like any other.
    rolesIn: Object.fromEntries(beforeChair.map((s) => [s, ["agent", "admin"]])),
    stages: ["signin", "pledge", "conflicts", "chair", "qualification", "scoring", "price", "aggregate", "candidates"],
    stageCode: exceptClosed,
    na: noSession,
    moves: true,
    run: (r) => as(r, (s) => call(s, "evaluation:advance", { sessionId, from: stage === "paused" ? "scoring" : stage === "closed" ? "closed" : (stage as "signin") })),
  },
  {
    command: "evaluation:pledge",
    roles: ["chair", "member"],
    stages: ["pledge"],
    stageCode: exceptClosed,
    // At the conflicts step only a backup who joins pledges: this committee has none.
    na: (s) => noSession(s) || s === "conflicts",
    run: (r) => once(r, (s) => call(s, "evaluation:pledge", { sessionId })),
  },
  {
    command: "evaluation:declareConflicts",
    roles: ["chair", "member"],
    stages: ["conflicts"],
    stageCode: exceptClosed,
    na: noSession,
    run: (r) => once(r, (s) => call(s, "evaluation:declareConflicts", { sessionId, conflicts: [] })),
  },
  {
    command: "evaluation:voteChair",
    roles: ["chair", "member"],
    stages: ["chair"],
    stageCode: exceptClosed,
    na: noSession,
    run: (r) => once(r, (s) => call(s, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: members[0]!.memberId })),
  },
  ...(["qualification", "scoring"] as const).map(
    (step): Row => ({
      command: "evaluation:draft",
      variant: step,
      roles: ["chair", "member"],
      // Keystrokes are kept while paused.
      stages: step === "scoring" ? ["scoring", "paused"] : ["qualification"],
      stageCode: { closed: "SESSION_CLOSED" },
      na: noSession,
      run: (r) => as(r, (s) => call(s, "evaluation:draft", { sessionId, clientSeq: ++draftSeq, sheet: sheet(step) })),
    }),
  ),
  ...(["qualification", "scoring"] as const).map(
    (step): Row => ({
      command: "evaluation:submit",
      variant: step,
      roles: ["chair", "member"],
      stages: [step],
      stageCode: exceptClosed,
      na: noSession,
      run: (r) => once(r, (s) => call(s, "evaluation:submit", { sessionId, idempotencyKey: `k-${randomUUID()}`, sheet: sheet(step) })),
    }),
  ),
  {
    command: "evaluation:dissent",
    roles: ["chair", "member"],
    stages: ["price", "aggregate", "candidates"],
    stageCode: exceptClosed,
    na: noSession,
    run: (r) => as(r, (s) => call(s, "evaluation:dissent", { sessionId, text: "对价格分的计算方法保留意见" })),
  },
  {
    command: "evaluation:enrollKey",
    roles: ["chair", "member"],
    // A key may be registered (or replaced) at any running step until the member has signed.
    stages: running,
    stageCode: exceptClosed,
    na: noSession,
    run: (r) => as(r, (s, m) => call(s, "evaluation:enrollKey", { sessionId, publicKeyPem: m!.key.publicKeyPem })),
  },
  {
    command: "evaluation:prepareSignature",
    roles: ["chair", "member"],
    stages: ["report"],
    stageCode: exceptClosed,
    na: noSession,
    run: (r) => as(r, (s) => call(s, "evaluation:prepareSignature", { sessionId })),
  },
  {
    command: "evaluation:sign",
    roles: ["chair", "member"],
    stages: ["report"],
    stageCode: exceptClosed,
    na: noSession,
    // At the report step: prepared just before (a signature landing meanwhile would make it stale); elsewhere no
    // preparation can exist, and the step is what refuses.
    run: (r) =>
      once(r, async (s, m) => {
        if (stage !== "report" || (r !== "chair" && r !== "member")) return call(s, "evaluation:sign", { sessionId, prepId: randomUUID(), signatureB64: "A".repeat(344) });
        const prep = ok(await call(s, "evaluation:prepareSignature", { sessionId }));
        return call(s, "evaluation:sign", { sessionId, prepId: prep.prepId, signatureB64: m!.key.sign(prep.toSignB64) });
      }),
  },
  {
    command: "evaluation:refuseSign",
    roles: ["chair", "member"],
    stages: ["report"],
    stageCode: exceptClosed,
    na: noSession,
    run: (r) => once(r, (s) => call(s, "evaluation:refuseSign", { sessionId, reason: "对推荐结果有不同意见" })),
  },
  ...(["pause", "resume", "correction"] as const).map(
    (kind): Row => ({
      command: "evaluation:requestAction",
      variant: kind,
      roles: ["chair"],
      rolesIn: Object.fromEntries(beforeChair.map((s) => [s, []])),
      stages: kind === "pause" ? ["qualification", "scoring", "price", "aggregate", "candidates", "report"] : kind === "resume" ? ["paused"] : ["qualification", "scoring"],
      stageCode: { closed: "SESSION_CLOSED" },
      // A correction reopens a submitted sheet: none is submitted while paused (the pause comes before any scoring sheet).
      na: (s) => noSession(s) || (kind === "correction" && s === "paused"),
      run: (r) =>
        as(r, (s) =>
          call(s, "evaluation:requestAction", {
            sessionId,
            kind,
            reason: "申请操作",
            ...(kind === "correction" ? { memberId: members[0]!.memberId, step: sheetStep() } : {}),
          }),
        ),
    }),
  ),
  {
    command: "evaluation:approveAction",
    variant: "reject",
    roles: ["supervisor"],
    stages: ["qualification", "paused", "scoring", "price", "aggregate", "candidates", "report"],
    stageCode: { closed: "SESSION_CLOSED" },
    // No request can exist before a chair is elected.
    na: (s) => beforeChair.includes(s),
    run: async (r) => as(r, async (s) => call(s, "evaluation:approveAction", { sessionId, requestId: await latestPending(), approve: false, note: "不同意" })),
  },
  {
    command: "evaluation:requestClarification",
    roles: ["agent", "admin", "chair"],
    rolesIn: Object.fromEntries(beforeChair.map((s) => [s, ["agent", "admin"]])),
    stages: ["qualification", "scoring", "price", "aggregate"],
    stageCode: exceptClosed,
    na: noSession,
    run: (r) => as(r, (s) => call(s, "evaluation:requestClarification", { sessionId, companyId: bidderCompany, question: "请澄清工期安排", answerMinutes: 60 })),
  },
  {
    command: "evaluation:answerClarification",
    roles: ["bidder"],
    // Answers reach the committee until its report is signed.
    stages: ["qualification", "paused", "scoring", "price", "aggregate", "candidates", "report"],
    stageCode: { closed: "SESSION_CLOSED" },
    na: (s) => beforeChair.includes(s),
    run: async (r) => as(r, async (s) => call(s, "evaluation:answerClarification", { clarificationId: await openQuestion(), answer: "工期按投标文件执行" })),
  },
  {
    command: "evaluation:seal",
    roles: ["supervisor"],
    // Only after a site's fault clock ran out (set-up not made here): the pair is allowed, and sealing would end the walk.
    stages: [...running, "paused"],
    stageCode: { closed: "SESSION_CLOSED" },
    na: noSession,
    moves: true,
    run: (r) => as(r, (s) => call(s, "evaluation:seal", { sessionId, reason: "异地链路中断超过时限" })),
  },
];
const table: MatrixTable<Stage, Role, null> = { name: "evaluation", stages: STAGES, roles: ROLES, stageCode: () => "STEP_CONFLICT", rows };

async function fingerprint() {
  const prep = await t.app.db.evalSignPrep.count();
  return (await dbFingerprint(t.app.db, { live: false })) + (await evalFingerprint(t)) + prep;
}

/** The walk's own step out of a stage, by a role the table allows there (counted against the pairs tryAllowed left). */
async function step(tally: Tally, role: Role, f: () => Promise<MatrixAck>) {
  const res = await f();
  expect(res.ok ? "ok" : res.error.code, `[${stage}] the walk's step by ${role}`).toBe("ok");
  walked(tally);
}
const advanceBy = (tally: Tally, role: Role, from: string) => step(tally, role, () => call(who(role).socket, "evaluation:advance", { sessionId, from: from as "signin" }));
/** Every member from the cursor on does what the stage needs of it. */
async function rest(f: (m: Member) => Promise<MatrixAck>) {
  for (const m of members.slice(cursor)) ok((await f(m)) as never);
}
async function rejectPending() {
  for (const r of await t.app.db.evalRequest.findMany({ where: { sessionId, state: "pending" } })) {
    ok(await call(people.get("supervisor")!, "evaluation:approveAction", { sessionId, requestId: r.id, approve: false, note: "清理" }));
  }
}

beforeAll(async () => {
  t = await startTestApp();
  const companies = await t.app.db.company.findMany({ orderBy: { name: "asc" } });
  w = await evaluationWorld(t, companies.map((_, i) => 80_000_000 + i * 1_000_000));
  bidderIds = w.bidders.map((b) => b.companyId);
  for (const role of ["admin", "agent", "bidder", "expert", "supervisor"] as const) {
    const login = role === "agent" ? { token: w.agentToken } : await t.login(role);
    people.set(role, role === "agent" ? w.agent : await t.connect({ token: login.token }));
  }
  bidderCompany = (await t.app.db.user.findUniqueOrThrow({ where: { username: "bidder" } })).companyId!;
  expect(bidderIds).toContain(bidderCompany);
  for (const c of (await committeeTerminals(t, w)).filter((x) => x.kind === "member")) {
    members.push({ socket: await terminal(t, c.device), memberId: "", residentId: c.residentId, key: expertKey() });
  }
}, 120_000);
afterAll(() => t.close());

describe("evaluation: stage × command × role", () => {
  it("the table covers every state-changing command of the evaluation in the contracts; its stages follow stepsFor", () => {
    const events = Object.keys(clientEvents).filter((n) => n.startsWith("evaluation:"));
    // whoami only names the member signed in at the terminal. (The evaluation's HTTP routes are all GET.)
    expectCoverage(table as never, events, ["evaluation:whoami"]);
    const steps = STAGES.filter((s) => s !== "not-started" && s !== "paused");
    expect(steps).toEqual(stepsFor("comprehensive"));
  });

  it("walking one evaluation through every stage: only the allowed pairs succeed; refused pairs answer their code and change nothing", async () => {
    const tally = newTally();
    const tries = async () => {
      cursor = 1;
      await tryRefused(table, stage, null, fingerprint, tally);
      // The chair signs at the report step, so its refusal to sign is not run there.
      await tryAllowed(table, stage, null, tally, { skip: (row, role) => row.command === "evaluation:refuseSign" && role === "chair" });
      countNa(table, stage, tally);
    };
    const sup = people.get("supervisor")!;
    const chair = members[0]!.socket;

    await tries();
    await step(tally, "agent", async () => {
      const res = await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensiveTemplate, confirm: true });
      if (res.ok) sessionId = res.data.sessionId;
      return res;
    });

    stage = "signin";
    for (const m of members) {
      await signInAt(w, m.socket, m.residentId);
      m.memberId = ok(await call(m.socket, "evaluation:whoami", { sessionId })).memberId;
    }
    await tries();
    await advanceBy(tally, "agent", "signin");

    stage = "pledge";
    await tries();
    await rest((m) => call(m.socket, "evaluation:pledge", { sessionId }));
    await advanceBy(tally, "admin", "pledge");

    stage = "conflicts";
    await tries();
    await rest((m) => call(m.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    await advanceBy(tally, "agent", "conflicts");

    stage = "chair";
    await tries();
    await rest((m) => call(m.socket, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: members[0]!.memberId }));
    // Elected now: the chair's terminal moves on (a pair the table refuses before the election).
    ok(await call(chair, "evaluation:advance", { sessionId, from: "chair" }));

    stage = "qualification";
    await tries();
    await rest((m) => call(m.socket, "evaluation:submit", { sessionId, idempotencyKey: `k-${randomUUID()}`, sheet: sheet("qualification") }));
    await rejectPending();
    await advanceBy(tally, "admin", "qualification");

    // The chair asks for a pause before any scoring sheet; a supervisor approves.
    const pause = ok(await call(chair, "evaluation:requestAction", { sessionId, kind: "pause", reason: "休息" }));
    ok(await call(sup, "evaluation:approveAction", { sessionId, requestId: pause.requestId, approve: true, note: "" }));
    stage = "paused";
    await tries();
    const resume = ok(await call(chair, "evaluation:requestAction", { sessionId, kind: "resume", reason: "继续" }));
    ok(await call(sup, "evaluation:approveAction", { sessionId, requestId: resume.requestId, approve: true, note: "" }));

    stage = "scoring";
    await tries();
    await rest((m) => call(m.socket, "evaluation:submit", { sessionId, idempotencyKey: `k-${randomUUID()}`, sheet: sheet("scoring") }));
    await rejectPending();
    await advanceBy(tally, "chair", "scoring");

    for (const [s, by] of [["price", "agent"], ["aggregate", "admin"], ["candidates", "chair"]] as const) {
      stage = s;
      await tries();
      await rejectPending();
      await advanceBy(tally, by, s);
    }

    stage = "report";
    await tries();
    await rejectPending();
    // A request left pending into the closed stage (the supervisor's decision is refused there).
    ok(await call(chair, "evaluation:requestAction", { sessionId, kind: "pause", reason: "休息" }));
    await rest(async (m) => {
      ok(await call(m.socket, "evaluation:enrollKey", { sessionId, publicKeyPem: m.key.publicKeyPem }));
      const prep = ok(await call(m.socket, "evaluation:prepareSignature", { sessionId }));
      return call(m.socket, "evaluation:sign", { sessionId, prepId: prep.prepId, signatureB64: m.key.sign(prep.toSignB64) });
    });
    expect((await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } })).status).toBe("closed");

    stage = "closed";
    expect(await t.app.db.evalClarification.count({ where: { sessionId, companyId: bidderCompany, answeredAt: null } })).toBeGreaterThan(0);
    await tries();

    console.log(summary(table as never, tally));
    expect(tally.pairs + tally.na).toBe(table.rows.length * STAGES.length * ROLES.length);
  }, 300_000);
});
