// The chair asks for a two-party action: pause, resume, or the correction of one member's submitted sheet.
import { randomUUID } from "node:crypto";
import type { SheetStep } from "@contracts/evaluation";
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { changed, memberAt } from "../model";
import { assertRunning, assertStep } from "../rules";

export async function requestAction(app: AppContext, principal: Principal, input: { sessionId: string; kind: "pause" | "resume" | "correction"; reason: string; memberId?: string | undefined; step?: SheetStep | undefined }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  if (s.chairMemberId !== member.id) throw new AppError("FORBIDDEN", "Only the chair asks for this");
  if (s.status === "sealed" || s.status === "closed") assertRunning(s);
  if (input.kind === "pause" && s.status !== "running") throw new AppError("STEP_CONFLICT", "The evaluation is not running");
  if (input.kind === "resume" && s.status !== "paused") throw new AppError("STEP_CONFLICT", "The evaluation is not paused");
  if (input.kind === "correction") {
    if (!input.memberId || !input.step) throw new AppError("VALIDATION_FAILED", "A correction names the member and the step", [{ path: "memberId", message: "required" }]);
    assertStep(s, input.step);
    const live = await app.db.evalSubmission.findFirst({ where: { sessionId: s.id, memberId: input.memberId, step: input.step, supersededAt: null } });
    if (!live) throw new AppError("NOT_FOUND", "That member has no submitted sheet for this step");
  }
  const pending = await app.db.evalRequest.findFirst({ where: { sessionId: s.id, kind: input.kind, state: "pending" } });
  if (pending) throw new AppError("REQUEST_PENDING", "Such a request is already waiting for a supervisor");
  const id = randomUUID();
  await app.db.$transaction(async (tx) => {
    await tx.evalRequest.create({ data: { id, sessionId: s.id, kind: input.kind, reason: input.reason, memberId: input.memberId ?? null, step: input.step ?? null, requestedBy: member.id, requestedAt: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.requestAction", target: `evaluation:${s.id}`, payload: { id, kind: input.kind, reason: input.reason, memberId: input.memberId ?? null, step: input.step ?? null } });
  });
  await changed(app, s.id);
  return { requestId: id };
}
