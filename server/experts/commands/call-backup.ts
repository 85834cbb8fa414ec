import { appendAudit, type Actor } from "../../audit/chain";
import type { AppContext } from "../../context";
import type { Tx } from "../../db";
import { refreshBusy } from "../busy";

/**
 * For the evaluation (评标): a member declared a conflict (回避) and leaves the
 * committee; the bucket's next backup in reserve is called at once (backups stand
 * by for the evaluation, so no answer window) and may sign in at a terminal.
 * Inside the caller's transaction. Returns the called pick, or null when the
 * bucket has no backup left (recorded).
 */
export async function callBackupForEvaluation(
  app: AppContext,
  tx: Tx,
  drawId: string,
  left: { id: string; seq: number; bucketIndex: number },
  actor: Actor,
  reason = "conflict declared at the evaluation",
): Promise<{ pickId: string } | null> {
  const now = new Date();
  const backup = await tx.expertPick.findFirst({ where: { drawId, bucketIndex: left.bucketIndex, state: "reserve" }, orderBy: { seq: "asc" } });
  if (!backup) {
    await appendAudit(tx, { actor, action: "experts.replacementImpossible", target: `expert-draw:${drawId}`, payload: { seat: left.seq, bucket: left.bucketIndex, reason: "no backup in reserve at the evaluation" } });
    return null;
  }
  await tx.expertPick.update({ where: { id: backup.id }, data: { state: "accepted", answeredAt: now, answerVia: "evaluation", replacesId: left.id } });
  await refreshBusy(tx, [backup.expertId], app.config.experts.maxDraws, app.config.experts.drawWindowDays, now);
  await appendAudit(tx, { actor, action: "experts.backupCalled", target: `expert-draw:${drawId}`, payload: { seq: backup.seq, replaces: left.seq, reason } });
  return { pickId: backup.id };
}
