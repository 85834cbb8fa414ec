// The bidder's answer to a clarification, before its deadline.
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { changed, lockStage } from "../model";
import { assertRunning } from "../rules";

export async function answerClarification(app: AppContext, principal: Principal, input: { clarificationId: string; answer: string }) {
  if (principal.kind !== "user" || principal.role !== "bidder" || !principal.companyId) throw new AppError("FORBIDDEN", "Only the bidder answers");
  const c = await app.db.evalClarification.findUnique({ where: { id: input.clarificationId } });
  if (!c || c.companyId !== principal.companyId) throw new AppError("NOT_FOUND", "No such question to your company");
  if (c.answeredAt) throw new AppError("ALREADY_DONE", "Already answered");
  const now = new Date();
  if (c.expiredAt || now > c.answerBy) throw new AppError("ANSWER_CLOSED", "The time to answer is over");
  await app.db.$transaction(async (tx) => {
    // The committee reads answers until its report is signed: a sealed or closed session takes none.
    await lockStage(tx, c.sessionId, (s) => {
      if (s.status === "sealed" || s.status === "closed") assertRunning(s);
    });
    const { count } = await tx.evalClarification.updateMany({ where: { id: c.id, answeredAt: null, expiredAt: null }, data: { answer: input.answer, answeredAt: now } });
    if (count !== 1) {
      const again = await tx.evalClarification.findUnique({ where: { id: c.id } });
      throw again?.expiredAt ? new AppError("ANSWER_CLOSED", "The time to answer is over") : new AppError("ALREADY_DONE", "Already answered");
    }
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.clarificationAnswered", target: `evaluation:${c.sessionId}`, payload: { id: c.id, answer: input.answer } });
  });
  await changed(app, c.sessionId, [c.companyId]);
  return { clarificationId: c.id, answeredAt: now.toISOString() };
}
