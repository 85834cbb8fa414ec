// The invitations of a draw sent to the experts' mobiles (the notifier): each
// with its link and answer deadline; who got theirs is recorded.
import { placeLabel } from "@contracts/experts";
import { formatShanghai } from "@contracts/time";
import type { AppContext } from "../context";

/** Sends the invitations of one draw: the data read once for all, then one send each, then one write of who got theirs. */
export async function sendInvitations(app: AppContext, drawId: string, invites: { pickId: string; token: string }[]): Promise<void> {
  if (invites.length === 0) return;
  const ids = invites.map((i) => i.pickId);
  const failed = async (pickIds: string[], err: unknown) => {
    app.log.warn({ err, pickIds }, "expert invitation not delivered; the answer deadline still applies");
    await app.db.expertPick
      .updateMany({ where: { id: { in: pickIds } }, data: { notifyError: String(err instanceof Error ? err.message : err).slice(0, 500) } })
      .catch(() => undefined);
  };
  let ctx;
  try {
    const [picks, draw, buckets] = await Promise.all([
      app.db.expertPick.findMany({ where: { id: { in: ids } }, select: { id: true, expertId: true, bucketIndex: true, answerBy: true } }),
      app.db.expertDraw.findUniqueOrThrow({ where: { id: drawId }, select: { projectId: true, evaluationAt: true } }),
      app.db.expertDrawBucket.findMany({ where: { drawId }, select: { index: true, roomId: true } }),
    ]);
    const [project, rooms, experts] = await Promise.all([
      app.db.project.findUniqueOrThrow({ where: { id: draw.projectId }, select: { code: true } }),
      app.db.room.findMany({ where: { id: { in: [...new Set(buckets.map((b) => b.roomId))] } } }),
      app.db.expert.findMany({ where: { id: { in: picks.map((p) => p.expertId) } }, select: { id: true, name: true, mobileCipher: true } }),
    ]);
    ctx = { picks: new Map(picks.map((p) => [p.id, p])), draw, project, roomOf: new Map(buckets.map((b) => [b.index, rooms.find((r) => r.id === b.roomId)])), experts: new Map(experts.map((e) => [e.id, e])) };
  } catch (err) {
    return failed(ids, err);
  }
  const sent: string[] = [];
  await Promise.all(
    invites.map(async ({ pickId, token }) => {
      try {
        const pick = ctx.picks.get(pickId);
        const room = pick && ctx.roomOf.get(pick.bucketIndex);
        const expert = pick && ctx.experts.get(pick.expertId);
        if (!pick || !room || !expert || !pick.answerBy) throw new Error(`invitation ${pickId}: pick, room or expert not found`);
        const link = `${app.config.experts.linkBase}/invite#t=${token}`;
        await app.experts.notifier.send({
          kind: "invitation",
          to: app.box.open(expert.mobileCipher),
          recipient: { name: expert.name, expertId: expert.id },
          text: `【评标专家抽取】您被随机抽取为项目 ${ctx.project.code} 的评标专家，评标时间 ${formatShanghai(ctx.draw.evaluationAt)}，地点 ${placeLabel(room.name, room.city)}。请于 ${formatShanghai(pick.answerBy)} 前答复（接受或拒绝）：${link}`,
          drawId,
          pickId,
          projectCode: ctx.project.code,
          token,
          link,
          answerBy: pick.answerBy.toISOString(),
        });
        sent.push(pickId);
      } catch (err) {
        await failed([pickId], err);
      }
    }),
  );
  if (sent.length) await app.db.expertPick.updateMany({ where: { id: { in: sent } }, data: { notifiedAt: new Date(), notifyError: null } }).catch(() => undefined);
}

