// A member declares conflicts with bidders (回避) or none; a recused member's seat goes to a backup, checked in turn.
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { detectConflicts, seatBackup } from "../conflicts";
import { loadBidders, changed, memberAt } from "../model";
import { assertRunning, assertStep } from "../rules";

export async function declareConflicts(app: AppContext, principal: Principal, input: { sessionId: string; conflicts: { companyId: string; reason: string }[] }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  assertStep(s, "conflicts");
  if (!member.pledgedAt) throw new AppError("STEP_CONFLICT", "Take the pledge first");
  if (member.declaredAt) throw new AppError("ALREADY_DONE", "Conflicts are already declared");
  const bidders = new Set((await loadBidders(app.db, s.lotId)).map((b) => b.companyId));
  for (const c of input.conflicts) if (!bidders.has(c.companyId)) throw new AppError("UNKNOWN_BIDDER", `No bidder ${c.companyId} in this evaluation`);
  const actor = actorOf(principal);
  let backupCalled = false;
  await app.db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.evalMember.updateMany({ where: { id: member.id, declaredAt: null }, data: { declaredAt: now, ...(input.conflicts.length ? { state: "recused" } : {}) } });
    if (count !== 1) throw new AppError("ALREADY_DONE", "Conflicts are already declared");
    for (const c of input.conflicts) await tx.evalConflict.create({ data: { sessionId: s.id, memberId: member.id, companyId: c.companyId, reason: c.reason, at: now } });
    await appendAudit(tx, { actor, action: input.conflicts.length ? "evaluation.recuse" : "evaluation.noConflict", target: `evaluation:${s.id}`, payload: { seat: member.seat, conflicts: input.conflicts } });
    if (input.conflicts.length) {
      const backup = await seatBackup(app, tx, s, member, actor);
      if (backup) {
        backupCalled = true;
        // The backup joins: its pool record is checked against the bidders too.
        await detectConflicts(app, tx, s, [backup], actor);
      }
    }
  });
  app.events.emit("experts.drawChanged", { drawId: s.drawId });
  await changed(app, s.id);
  return { recused: input.conflicts.length > 0, backupCalled };
}
