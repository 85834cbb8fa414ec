// Reads of the experts domain: the verify-draw record, the supervisors' audit
// with masked names, the list of draws (counts only).
import type { ExpertDrawRecord } from "@contracts/experts";
import { ExclusionReason, PickKind, PickState } from "@contracts/experts";
import type { Principal } from "../auth/principal";
import type { Db } from "../db";
import { AppError } from "../errors";
import { maskName } from "./identity";
import { unpackIds } from "./sampler";
import { buildDrawView } from "./views";

export async function expertDrawRecord(db: Db, drawId: string): Promise<ExpertDrawRecord> {
  const draw = await db.expertDraw.findUnique({ where: { id: drawId } });
  if (!draw) throw new AppError("NOT_FOUND", `No expert draw ${drawId}`);
  const project = await db.project.findUnique({ where: { id: draw.projectId }, select: { code: true } });
  const buckets = await db.expertDrawBucket.findMany({ where: { drawId }, orderBy: { index: "asc" } });
  const picks = await db.expertPick.findMany({ where: { drawId }, orderBy: { seq: "asc" } });
  return {
    kind: "expert-draw",
    drawId,
    projectCode: project?.code ?? "",
    seedHash: draw.seedHash,
    seed: draw.seed,
    poolGeneration: draw.poolGeneration,
    buckets: buckets.map((b) => ({
      index: b.index,
      siteIndex: b.siteIndex,
      specialtyCode: b.specialtyCode,
      need: b.need,
      backups: b.backups,
      listDigest: b.listDigest,
      list: Buffer.from(b.list).toString("base64"),
    })),
    picks: picks.map((p) => ({ seq: p.seq, bucket: p.bucketIndex, position: p.position, expertId: p.expertId, kind: PickKind.parse(p.kind) })),
  };
}

export async function expertDrawAudit(db: Db, drawId: string) {
  const draw = await db.expertDraw.findUnique({ where: { id: drawId } });
  if (!draw) throw new AppError("NOT_FOUND", `No expert draw ${drawId}`);
  const steps = await db.auditEvent.findMany({ where: { target: `expert-draw:${drawId}` }, orderBy: { seq: "asc" } });
  const picks = await db.expertPick.findMany({ where: { drawId }, orderBy: { seq: "asc" } });
  const exclusions = await db.expertDrawExclusion.findMany({ where: { drawId } });
  const shownPer = 200;
  const exclusionIds = exclusions.map((e) => Array.from(unpackIds(e.expertIds).subarray(0, shownPer)));
  const ids = [...new Set([...picks.map((p) => p.expertId), ...exclusionIds.flat()])];
  const experts = new Map((await db.expert.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, idMasked: true } })).map((e) => [e.id, e]));
  const masked = (id: number) => ({ nameMasked: maskName(experts.get(id)?.name ?? "?"), idMasked: experts.get(id)?.idMasked ?? "" });
  return {
    drawId,
    steps: steps.map((s) => ({ seq: s.seq, at: s.at.toISOString(), action: s.action, actorRole: s.actorRole, hash: s.hash })),
    picks: picks.map((p) => ({
      seq: p.seq,
      bucket: p.bucketIndex,
      kind: PickKind.parse(p.kind),
      state: PickState.parse(p.state),
      ...masked(p.expertId),
      answeredAt: p.answeredAt?.toISOString() ?? null,
      answerVia: p.answerVia,
    })),
    exclusions: exclusions.map((e, i) => ({ reason: ExclusionReason.parse(e.reason), detail: e.detail, count: e.count, experts: exclusionIds[i]!.map(masked) })),
  };
}

export async function listDraws(db: Db, p: Principal, projectId?: string) {
  if (p.kind !== "user") throw new AppError("FORBIDDEN", "Only people list draws");
  let projectIds: string[] | undefined;
  if (p.role === "agent") projectIds = (await db.project.findMany({ where: { agentUserId: p.userId }, select: { id: true } })).map((x) => x.id);
  const draws = await db.expertDraw.findMany({
    where: { ...(projectId ? { projectId } : {}), ...(projectIds ? { projectId: { in: projectIds } } : {}) },
    orderBy: { committedAt: "desc" },
    take: 200,
  });
  return Promise.all(
    draws.map(async (d) => {
      const view = await buildDrawView(db, d.id, "agent");
      return {
        drawId: d.id,
        projectId: d.projectId,
        lotId: d.lotId,
        status: d.status as "committed" | "drawn" | "cancelled",
        evaluationAt: d.evaluationAt.toISOString(),
        committedAt: d.committedAt.toISOString(),
        counts: view!.counts,
      };
    }),
  );
}
