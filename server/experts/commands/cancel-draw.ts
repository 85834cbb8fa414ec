// cancelDraw: the draw is cancelled (the sealed seed dropped), its seats
// cancelled and the experts already told are told again; a committee whose
// evaluation has started keeps its draw.
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { assertLotAgent } from "../../opening/projects";
import { refreshBusy } from "../busy";
import { changed, loadDraw } from "../model";

export async function cancelDraw(app: AppContext, principal: Principal, drawId: string, reason: string) {
  const { draw, project } = await loadDraw(app, drawId);
  assertLotAgent(principal, { project });
  if (draw.status === "cancelled") throw new AppError("STAGE_CONFLICT", "This draw is already cancelled");
  const toTell = await app.db.expertPick.findMany({ where: { drawId, state: { in: ["notified", "accepted"] } } });
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.expertDraw.updateMany({
      where: { id: drawId, status: { in: ["committed", "drawn"] } },
      data: { status: "cancelled", cancelledAt: new Date(), cancelReason: reason, seedSealed: null },
    });
    if (count !== 1) throw new AppError("STAGE_CONFLICT", "This draw is already cancelled");
    // Checked after the draw's row is taken (evaluation/start.ts takes it too): a committee whose evaluation has
    // started (or ended) keeps its draw; only a sealed session's draw may go (a new committee follows).
    if (await tx.evalSession.findFirst({ where: { drawId, status: { in: ["running", "paused", "closed"] } }, select: { id: true } })) {
      throw new AppError("STAGE_CONFLICT", "The committee of this draw has started its evaluation: the draw can no longer be cancelled");
    }
    await tx.expertPick.updateMany({ where: { drawId, state: { in: ["reserve", "notified", "accepted"] } }, data: { state: "cancelled" } });
    const touched = await tx.expertPick.findMany({ where: { drawId }, select: { expertId: true } });
    await refreshBusy(tx, touched.map((p) => p.expertId), app.config.experts.maxDraws, app.config.experts.drawWindowDays);
    await appendAudit(tx, { actor: actorOf(principal), action: "experts.cancelDraw", target: `expert-draw:${drawId}`, payload: { reason } });
  });
  for (const p of toTell) app.timers.cancel(`expert-answer:${p.id}`);
  changed(app, drawId);
  void (async () => {
    for (const p of toTell) {
      const expert = await app.db.expert.findUnique({ where: { id: p.expertId } });
      if (!expert) continue;
      await app.experts.notifier
        .send({ kind: "cancelled", to: app.box.open(expert.mobileCipher), recipient: { name: expert.name, expertId: expert.id }, text: `【评标专家抽取】项目 ${project.code} 的评标专家邀请已取消，无需前往。`, drawId, pickId: p.id, projectCode: project.code })
        .catch((err: unknown) => app.log.warn({ err, pickId: p.id }, "cancellation not delivered"));
    }
  })();
  return { drawId, status: "cancelled" as const };
}

