// A question to a bidder (澄清) by the chair or the agent, with an answer deadline (timers.ts).
import { randomUUID } from "node:crypto";
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { assertLotAgent } from "../../opening/projects";
import { loadSession, loadBidders, changed, memberAt } from "../model";
import { assertRunning, assertStep } from "../rules";
import { armClarification } from "../timers";

export async function requestClarification(app: AppContext, principal: Principal, input: { sessionId: string; companyId: string; question: string; answerMinutes: number }) {
  const { s } = await loadSession(app.db, input.sessionId);
  if (principal.kind === "device") {
    const { member } = await memberAt(app, principal, s.id);
    if (s.chairMemberId !== member.id) throw new AppError("FORBIDDEN", "The chair asks for the committee");
  } else {
    const lot = await app.db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
    assertLotAgent(principal, lot);
  }
  assertRunning(s);
  assertStep(s, "qualification", "scoring", "price", "adjustments", "aggregate");
  const bidders = await loadBidders(app.db, s.lotId);
  if (!bidders.some((b) => b.companyId === input.companyId)) throw new AppError("UNKNOWN_BIDDER", "No such bidder in this evaluation");
  const id = randomUUID();
  const now = new Date();
  const answerBy = new Date(now.getTime() + input.answerMinutes * 60_000);
  await app.db.$transaction(async (tx) => {
    await tx.evalClarification.create({ data: { id, sessionId: s.id, companyId: input.companyId, question: input.question, askedBy: actorOf(principal).id, askedAt: now, answerBy } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.clarificationAsked", target: `evaluation:${s.id}`, payload: { id, companyId: input.companyId, question: input.question } });
  });
  armClarification(app, id, answerBy);
  await changed(app, s.id, [input.companyId]);
  return { clarificationId: id };
}
