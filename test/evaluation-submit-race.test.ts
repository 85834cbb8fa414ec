// A sheet never lands on a step that moved or a session that stopped after
// `evaluation:submit` first looked: the order is injected — the submission has
// passed its checks, then (before its transaction) a pause is approved, or the
// step moves on — and the submission is refused, nothing of it stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startTestApp, type TestApp } from "./helpers/app";
import { comprehensiveTemplate, evaluationWorld, ok, toQualification, type CommitteeMember, type EvalWorld } from "./helpers/evaluation";

let t: TestApp;
let w: EvalWorld;
let sessionId: string;
let members: CommitteeMember[];

/**
 * Runs `between` once, after submitSheet's own checks and before its transaction: at its last read outside the
 * transaction (the version count of the member's sheets for the step).
 */
function beforeSubmissionTx(between: () => Promise<void>) {
  const delegate = t.app.db.evalSubmission as unknown as { count: (args: { where?: { memberId?: string; step?: string } }) => Promise<number> };
  const original = delegate.count;
  const restore = () => {
    delegate.count = original;
  };
  delegate.count = async (args) => {
    if (args?.where?.memberId && args.where.step) {
      restore();
      await between();
    }
    return original.call(delegate, args);
  };
  return restore;
}

const sheet = () => ({ step: "qualification" as const, rows: w.bidders.flatMap((b) => ["license", "credit"].map((criterion) => ({ companyId: b.companyId, criterion, pass: true, reason: "" }))) });

beforeAll(async () => {
  t = await startTestApp();
  w = await evaluationWorld(t, [80_000_000, 85_000_000]);
  ({ sessionId, members } = await toQualification(t, w, comprehensiveTemplate));
}, 120_000);
afterAll(() => t.close());

describe("submit against a concurrent pause or step change", () => {
  it("a pause approved after the checks and before the transaction: refused (SESSION_PAUSED), nothing stored", async () => {
    const sup = await t.connect({ token: (await t.login("supervisor")).token });
    const { requestId } = ok(await call(members[0]!.socket, "evaluation:requestAction", { sessionId, kind: "pause", reason: "休息" }));
    let injected = false;
    const restore = beforeSubmissionTx(async () => {
      ok(await call(sup, "evaluation:approveAction", { sessionId, requestId, approve: true, note: "" }));
      injected = true;
    });
    const res = await call(members[1]!.socket, "evaluation:submit", { sessionId, idempotencyKey: "race-pause-1", sheet: sheet() });
    restore();
    expect(injected).toBe(true);
    expect(res).toMatchObject({ ok: false, error: { code: "SESSION_PAUSED" } });
    expect(await t.app.db.evalSubmission.count({ where: { sessionId, memberId: members[1]!.memberId } })).toBe(0);
    const resume = ok(await call(members[0]!.socket, "evaluation:requestAction", { sessionId, kind: "resume", reason: "继续" }));
    ok(await call(sup, "evaluation:approveAction", { sessionId, requestId: resume.requestId, approve: true, note: "" }));
  });

  it("the step moved on after the checks (as an advance committing in between): refused (STEP_CONFLICT), nothing stored", async () => {
    let injected = false;
    const restore = beforeSubmissionTx(async () => {
      await t.app.db.evalSession.update({ where: { id: sessionId }, data: { step: "scoring" } });
      injected = true;
    });
    const res = await call(members[2]!.socket, "evaluation:submit", { sessionId, idempotencyKey: "race-step-1", sheet: sheet() });
    restore();
    expect(injected).toBe(true);
    expect(res).toMatchObject({ ok: false, error: { code: "STEP_CONFLICT" } });
    expect(await t.app.db.evalSubmission.count({ where: { sessionId, memberId: members[2]!.memberId } })).toBe(0);
    await t.app.db.evalSession.update({ where: { id: sessionId }, data: { step: "qualification" } });
  });

  it("submissions and pauses racing for real, many times: no sheet is stored while the session is paused", async () => {
    const sup = await t.connect({ token: (await t.login("supervisor")).token });
    for (const [i, m] of members.slice(3).entries()) {
      const { requestId } = ok(await call(members[0]!.socket, "evaluation:requestAction", { sessionId, kind: "pause", reason: "休息" }));
      const [sub] = await Promise.all([
        call(m.socket, "evaluation:submit", { sessionId, idempotencyKey: `race-real-${i}`, sheet: sheet() }),
        call(sup, "evaluation:approveAction", { sessionId, requestId, approve: true, note: "" }),
      ]);
      const session = await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } });
      const row = await t.app.db.evalSubmission.findFirst({ where: { sessionId, memberId: m.memberId } });
      if (sub.ok) expect(row!.submittedAt.getTime()).toBeLessThanOrEqual(session.pausedAt!.getTime());
      else expect(row).toBeNull();
      const resume = ok(await call(members[0]!.socket, "evaluation:requestAction", { sessionId, kind: "resume", reason: "继续" }));
      ok(await call(sup, "evaluation:approveAction", { sessionId, requestId: resume.requestId, approve: true, note: "" }));
    }
  });
});

describe("a draft's clientSeq", () => {
  it("beyond a 32-bit integer is refused at the edge (VALIDATION_FAILED), not by the database (INTERNAL on PostgreSQL)", async () => {
    const before = await t.app.db.evalDraft.count();
    const res = await call(members[1]!.socket, "evaluation:draft", { sessionId, clientSeq: 2 ** 31, sheet: sheet() });
    expect(res).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect(await t.app.db.evalDraft.count()).toBe(before);
    ok(await call(members[1]!.socket, "evaluation:draft", { sessionId, clientSeq: 2 ** 31 - 1, sheet: sheet() }));
  });
});
