// The member's pledge (承诺); a backup pledging at the conflicts step is checked against the bidders (conflicts.ts).
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { detectConflicts } from "../conflicts";
import { changed, memberAt } from "../model";
import { assertRunning, assertStep } from "../rules";

export async function pledge(app: AppContext, principal: Principal, sessionId: string) {
  const { s, member } = await memberAt(app, principal, sessionId);
  assertRunning(s);
  assertStep(s, "pledge", "conflicts");
  if (member.pledgedAt) throw new AppError("ALREADY_DONE", "The pledge is already taken");
  let recused = 0;
  await app.db.$transaction(async (tx) => {
    await tx.evalMember.update({ where: { id: member.id }, data: { pledgedAt: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.pledge", target: `evaluation:${sessionId}`, payload: { seat: member.seat } });
    // A backup joining at the conflicts step: checked against the bidders (conflicts.ts).
    if (s.step === "conflicts") recused = await detectConflicts(app, tx, s, [member.id], actorOf(principal));
  });
  if (recused) app.events.emit("experts.drawChanged", { drawId: s.drawId });
  await changed(app, sessionId);
  return { pledged: true as const };
}
