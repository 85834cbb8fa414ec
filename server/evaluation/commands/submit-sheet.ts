// A sheet submitted once per step and member (idempotency key; outlier reasons for a scoring total far from the others'), re-checked inside the transaction.
import type { Sheet, SheetStep } from "@contracts/evaluation";
import { appendAudit, digestPayload } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { checkSheet, outliers, sheetTotals } from "../compute";
import { loadBidders, changed, memberAt, liveSubs, lockStage } from "../model";
import { assertRunning, assertStep } from "../rules";

function submissionAnswer(x: { id: string; step: string; payloadSha256: string; submittedAt: Date; version: number }) {
  return { submissionId: x.id, step: x.step as SheetStep, sha256: x.payloadSha256, submittedAt: x.submittedAt.toISOString(), version: x.version };
}

export async function submitSheet(app: AppContext, principal: Principal, input: { sessionId: string; idempotencyKey: string; sheet: Sheet; outlierReasons: { companyId: string; reason: string }[] }) {
  const { s, t, member } = await memberAt(app, principal, input.sessionId);
  const payloadSha256 = digestPayload({ sheet: input.sheet, outlierReasons: input.outlierReasons });
  const prior = await app.db.evalSubmission.findUnique({ where: { sessionId_idempotencyKey: { sessionId: s.id, idempotencyKey: input.idempotencyKey } } });
  if (prior) {
    if (prior.memberId === member.id && prior.payloadSha256 === payloadSha256) return submissionAnswer(prior);
    throw new AppError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was used for another submission");
  }
  assertRunning(s);
  assertStep(s, input.sheet.step);
  const live = await app.db.evalSubmission.findFirst({ where: { memberId: member.id, step: input.sheet.step, supersededAt: null } });
  if (live) throw new AppError("ALREADY_SUBMITTED", "This step is already submitted; a correction needs the chair and a supervisor");
  const bidders = await loadBidders(app.db, s.lotId);
  const qualified = input.sheet.step !== "qualification" && s.qualification ? new Set((JSON.parse(s.qualification) as { companyId: string; qualified: boolean }[]).filter((q) => q.qualified).map((q) => q.companyId)) : null;
  checkSheet(t, input.sheet, bidders, qualified);
  if (input.sheet.step === "scoring") {
    const others = (await liveSubs(app.db, s.id, "scoring")).filter((x) => x.memberId !== member.id).map((x) => sheetTotals(JSON.parse(x.sheet) as { rows: { companyId: string; score: number }[] }));
    const out = outliers(sheetTotals(input.sheet), others, t.outlierLimit);
    const reasons = new Map(input.outlierReasons.map((r) => [r.companyId, r.reason]));
    const missing = out.filter((o) => !reasons.get(o.companyId));
    if (missing.length) {
      throw new AppError(
        "OUTLIER_REASON_REQUIRED",
        `A written reason is required: your total deviates more than ±${Number(t.outlierLimit) * 100}% from the others' mean`,
        missing.map((o) => ({ path: o.companyId, message: `mine ${o.myTotal}, others' mean ${o.othersMean} (${o.deviation})` })),
      );
    }
  }
  const version = (await app.db.evalSubmission.count({ where: { memberId: member.id, step: input.sheet.step } })) + 1;
  const now = new Date();
  const row = await app.db.$transaction(async (tx) => {
    await lockStage(tx, s.id, (cur) => {
      assertRunning(cur);
      assertStep(cur, input.sheet.step);
    });
    // Two submissions racing for one member and step, or for one key: the unique indexes keep one.
    const clash = await tx.evalSubmission.findFirst({ where: { OR: [{ memberId: member.id, step: input.sheet.step, supersededAt: null }, { sessionId: s.id, idempotencyKey: input.idempotencyKey }] } });
    if (clash) throw new AppError("ALREADY_SUBMITTED", "This step was submitted meanwhile");
    const r = await tx.evalSubmission.create({
      data: { sessionId: s.id, memberId: member.id, step: input.sheet.step, version, idempotencyKey: input.idempotencyKey, payloadSha256, sheet: JSON.stringify(input.sheet), outlierReasons: JSON.stringify(input.outlierReasons), submittedAt: now },
    });
    await tx.evalDraft.deleteMany({ where: { memberId: member.id, step: input.sheet.step } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.submit", target: `evaluation:${s.id}`, payload: { seat: member.seat, step: input.sheet.step, version, sha256: payloadSha256, outlierReasons: input.outlierReasons } });
    return r;
  });
  await changed(app, s.id);
  return submissionAnswer(row);
}
