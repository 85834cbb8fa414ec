// A supervisor approves or rejects the chair's request, re-checked inside the transaction.
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { loadSession, changed, lockStage } from "../model";
import { assertRunning } from "../rules";

export async function approveAction(app: AppContext, principal: Principal, input: { sessionId: string; requestId: string; approve: boolean; note: string }) {
  if (principal.kind !== "user" || principal.role !== "supervisor") throw new AppError("FORBIDDEN", "Only a supervisor approves");
  const { s } = await loadSession(app.db, input.sessionId);
  const r = await app.db.evalRequest.findUnique({ where: { id: input.requestId } });
  if (!r || r.sessionId !== s.id) throw new AppError("NOT_FOUND", "No such request");
  if (r.state !== "pending") throw new AppError("ALREADY_DONE", `The request is ${r.state}`);
  const now = new Date();
  let status = s.status;
  await app.db.$transaction(async (tx) => {
    // A sealed or closed session takes no decision any more (its record is final).
    const s = await lockStage(tx, input.sessionId, (cur) => {
      if (cur.status === "sealed" || cur.status === "closed") assertRunning(cur);
    });
    const { count } = await tx.evalRequest.updateMany({ where: { id: r.id, state: "pending" }, data: { state: input.approve ? "approved" : "rejected", decidedBy: principal.userId, decidedAt: now, note: input.note } });
    if (count !== 1) throw new AppError("ALREADY_DONE", "The request was decided meanwhile");
    if (input.approve) {
      if (r.kind === "pause") {
        if (s.status !== "running") throw new AppError("STEP_CONFLICT", "The evaluation is not running");
        await tx.evalSession.update({ where: { id: s.id }, data: { status: "paused", pausedAt: now } });
        status = "paused";
      } else if (r.kind === "resume") {
        if (s.status !== "paused") throw new AppError("STEP_CONFLICT", "The evaluation is not paused");
        await tx.evalSession.update({ where: { id: s.id }, data: { status: "running", pausedAt: null } });
        status = "running";
      } else {
        if (s.step !== r.step) throw new AppError("STEP_CONFLICT", "The step moved on; the correction no longer applies");
        const { count: c } = await tx.evalSubmission.updateMany({ where: { sessionId: s.id, memberId: r.memberId!, step: r.step!, supersededAt: null }, data: { supersededAt: now } });
        if (c !== 1) throw new AppError("NOT_FOUND", "No submitted sheet to reopen");
      }
    }
    await appendAudit(tx, { actor: actorOf(principal), action: input.approve ? "evaluation.approveAction" : "evaluation.rejectAction", target: `evaluation:${s.id}`, payload: { id: r.id, kind: r.kind, note: input.note } });
  });
  await changed(app, s.id);
  return { requestId: r.id, state: input.approve ? ("approved" as const) : ("rejected" as const), status: status as "running" | "paused" };
}
