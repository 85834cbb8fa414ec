// Filling a seat a pick leaves (decline, no answer): the bucket's next backup,
// else a replacement (补抽) continuing the seeded walk over the same frozen list.
import { randomUUID } from "node:crypto";
import { appendAudit, type Actor } from "../audit/chain";
import type { AppContext } from "../context";
import type { Tx } from "../db";
import { refreshBusy } from "./busy";
import { drawLists, newToken, sha256 } from "./model";
import { resumeWalk, unpackIds } from "./sampler";

export interface Called {
  kind: "backup" | "replacement";
  drawId: string;
  pickId: string;
  token: string;
  answerBy: Date;
}

/**
 * Fills the seat a pick leaves (decline, no answer): the bucket's next backup
 * in reserve is called; else a replacement (补抽) continues the seeded walk over
 * the same frozen list. Inside the caller's transaction.
 */
export async function fillSeat(app: AppContext, tx: Tx, drawId: string, left: { id: string; seq: number; bucketIndex: number }, now: Date, actor: Actor): Promise<Called | null> {
  const draw = await tx.expertDraw.findUniqueOrThrow({ where: { id: drawId } });
  if (now >= draw.evaluationAt) {
    await appendAudit(tx, { actor, action: "experts.replacementSkipped", target: `expert-draw:${drawId}`, payload: { seat: left.seq, reason: "the evaluation has started" } });
    return null;
  }
  const token = newToken();
  const answerBy = new Date(now.getTime() + draw.answerMinutes * 60_000);
  const backup = await tx.expertPick.findFirst({ where: { drawId, bucketIndex: left.bucketIndex, state: "reserve" }, orderBy: { seq: "asc" } });
  if (backup) {
    await tx.expertPick.update({ where: { id: backup.id }, data: { state: "notified", tokenHash: sha256(token), answerBy, replacesId: left.id } });
    await refreshBusy(tx, [backup.expertId], app.config.experts.maxDraws, app.config.experts.drawWindowDays, now);
    await appendAudit(tx, { actor, action: "experts.backupCalled", target: `expert-draw:${drawId}`, payload: { seq: backup.seq, replaces: left.seq } });
    return { kind: "backup", drawId, pickId: backup.id, token, answerBy };
  }
  const picks = await tx.expertPick.findMany({ where: { drawId }, orderBy: { seq: "asc" } });
  const walk = resumeWalk(draw.seed!, (await drawLists(app, tx, drawId)).map(unpackIds), picks.map((p) => ({ bucket: p.bucketIndex, position: p.position, expertId: p.expertId })));
  const next = walk.next(left.bucketIndex);
  if (!next) {
    await appendAudit(tx, { actor, action: "experts.replacementImpossible", target: `expert-draw:${drawId}`, payload: { seat: left.seq, bucket: left.bucketIndex, reason: "the frozen list is used up" } });
    return null;
  }
  const id = randomUUID();
  const seq = picks.length + 1;
  await tx.expertPick.create({
    data: { id, drawId, bucketIndex: left.bucketIndex, seq, position: next.position, expertId: next.expertId, kind: "replacement", state: "notified", replacesId: left.id, tokenHash: sha256(token), pickedAt: now, answerBy },
  });
  await refreshBusy(tx, [next.expertId], app.config.experts.maxDraws, app.config.experts.drawWindowDays, now);
  await appendAudit(tx, { actor, action: "experts.replacement", target: `expert-draw:${drawId}`, payload: { seq, bucket: left.bucketIndex, position: next.position, expertId: next.expertId, replaces: left.seq } });
  return { kind: "replacement", drawId, pickId: id, token, answerBy };
}

