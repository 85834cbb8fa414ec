// A member's dissent (不同意见), recorded for the report.
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { changed, memberAt } from "../model";
import { assertRunning, assertStep } from "../rules";

export async function dissent(app: AppContext, principal: Principal, input: { sessionId: string; text: string }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  assertStep(s, "price", "aggregate", "candidates");
  await app.db.$transaction(async (tx) => {
    await tx.evalDissent.create({ data: { sessionId: s.id, memberId: member.id, text: input.text, at: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.dissent", target: `evaluation:${s.id}`, payload: { seat: member.seat, text: input.text } });
  });
  await changed(app, s.id);
  return { recorded: true as const };
}
