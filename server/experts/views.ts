// Live views of a draw, cut per role on the server by the stream key:
//   expert-draw:<drawId>:agent       the project's agent (and administrators):
//                                    commitment, counts, each seat's kind and state;
//   expert-draw:<drawId>:supervisor  supervisors (and administrators): the same plus
//                                    candidates and exclusions per reason (counts).
// Names stay sealed (null) in both until the expert signs in at a terminal.
import { DrawStatus, PickKind, PickState, type BucketView, type DrawAgentState, type DrawCounts, type DrawSupervisorState, type SeatView } from "@contracts/experts";
import { ExclusionReason } from "@contracts/experts";
import type { Principal } from "../auth/principal";
import type { Db } from "../db";
import { parseStreamKey } from "@contracts/streams";
import type { StreamKind } from "../live/streams";
import type { AppContext } from "../context";
import { pickByToken, storedCommittee, storedExcluded } from "./model";

export async function buildBucketViews(db: Db, drawId: string): Promise<BucketView[]> {
  const buckets = await db.expertDrawBucket.findMany({
    where: { drawId },
    orderBy: { index: "asc" },
    select: { index: true, siteIndex: true, roomId: true, siteRole: true, regionPrefix: true, specialtyCode: true, need: true, backups: true, eligible: true, listDigest: true },
  });
  const rooms = new Map((await db.room.findMany({ where: { id: { in: buckets.map((b) => b.roomId) } } })).map((r) => [r.id, r]));
  const names = new Map((await db.expertSpecialty.findMany({ where: { code: { in: buckets.map((b) => b.specialtyCode) } } })).map((s) => [s.code, s.name]));
  return buckets.map((b) => ({
    index: b.index,
    site: { index: b.siteIndex, roomId: b.roomId, roomName: rooms.get(b.roomId)?.name ?? "", city: rooms.get(b.roomId)?.city ?? "", role: b.siteRole as "main" | "secondary", regionPrefix: b.regionPrefix },
    specialty: { code: b.specialtyCode, name: names.get(b.specialtyCode) ?? "" },
    need: b.need,
    backups: b.backups,
    eligible: b.eligible,
    listDigest: b.listDigest,
  }));
}

export async function buildDrawView(db: Db, drawId: string, view: "agent" | "supervisor"): Promise<DrawAgentState | DrawSupervisorState | null> {
  const draw = await db.expertDraw.findUnique({ where: { id: drawId } });
  if (!draw) return null;
  const project = await db.project.findUnique({ where: { id: draw.projectId }, select: { code: true } });
  const lot = draw.lotId ? await db.lot.findUnique({ where: { id: draw.lotId }, select: { code: true } }) : null;
  const buckets = await buildBucketViews(db, drawId);
  const picks = await db.expertPick.findMany({ where: { drawId }, orderBy: { seq: "asc" } });
  const signedIn = picks.filter((p) => p.state === "signed-in").map((p) => p.expertId);
  const names = new Map((await db.expert.findMany({ where: { id: { in: signedIn } }, select: { id: true, name: true } })).map((e) => [e.id, e.name]));
  const seatOf = new Map<string, number>();
  const seats = new Map<number, SeatView[]>();
  for (const p of picks) {
    const list = seats.get(p.bucketIndex) ?? [];
    seatOf.set(p.id, list.length + 1);
    list.push({
      seat: list.length + 1,
      kind: PickKind.parse(p.kind),
      state: PickState.parse(p.state),
      name: p.state === "signed-in" ? (names.get(p.expertId) ?? null) : null,
      answerBy: p.state === "notified" && p.answerBy ? p.answerBy.toISOString() : null,
      replacesSeat: p.replacesId ? (seatOf.get(p.replacesId) ?? null) : null,
    });
    seats.set(p.bucketIndex, list);
  }
  const counts: DrawCounts = { needed: 0, accepted: 0, signedIn: 0, pending: 0, declined: 0, noAnswer: 0, replacements: 0, reserve: 0 };
  for (const b of buckets) counts.needed += b.need;
  for (const p of picks) {
    if (p.state === "accepted" || p.state === "signed-in") counts.accepted++;
    if (p.state === "signed-in") counts.signedIn++;
    if (p.state === "notified") counts.pending++;
    if (p.state === "declined") counts.declined++;
    if (p.state === "no-answer") counts.noAnswer++;
    if (p.state === "reserve") counts.reserve++;
    if (p.replacesId) counts.replacements++;
  }
  const status = DrawStatus.parse(draw.status);
  const base = {
    drawId,
    projectCode: project?.code ?? "",
    lotCode: lot?.code ?? null,
    status,
    evaluationAt: draw.evaluationAt.toISOString(),
    answerMinutes: draw.answerMinutes,
    commitment: {
      seedHash: draw.seedHash,
      seed: draw.seed,
      poolGeneration: draw.poolGeneration,
      committedAt: draw.committedAt.toISOString(),
      drawnAt: draw.drawnAt?.toISOString() ?? null,
    },
    committee: storedCommittee(draw.committee),
    counts,
  };
  const withSeats = buckets.map((b) => {
    const s = seats.get(b.index) ?? [];
    const filled = s.filter((x) => x.state === "accepted" || x.state === "signed-in" || x.state === "notified").length;
    return { ...b, seats: s, short: status === "drawn" && filled < b.need };
  });
  if (view === "agent") return { ...base, buckets: withSeats };
  const rows = await db.expertDrawBucket.findMany({ where: { drawId }, orderBy: { index: "asc" }, select: { candidates: true, excluded: true } });
  const exclusions = await db.expertDrawExclusion.findMany({ where: { drawId }, select: { reason: true, detail: true, count: true } });
  return {
    ...base,
    buckets: withSeats.map((b, i) => ({ ...b, candidates: rows[i]?.candidates ?? 0, excluded: storedExcluded(rows[i]?.excluded) })),
    exclusions: exclusions
      .map((e) => ({ reason: ExclusionReason.parse(e.reason), detail: e.reason === "manual" ? "" : e.detail, count: e.count }))
      .sort((a, b) => ExclusionReason.options.indexOf(a.reason) - ExclusionReason.options.indexOf(b.reason)),
  };
}

async function mayWatch(db: Db, p: Principal, drawId: string, view: "agent" | "supervisor"): Promise<boolean | "not-found"> {
  const draw = await db.expertDraw.findUnique({ where: { id: drawId }, select: { projectId: true } });
  if (!draw) return "not-found";
  if (p.kind !== "user") return false;
  if (p.role === "admin") return true;
  if (view === "supervisor") return p.role === "supervisor";
  if (p.role !== "agent") return false;
  const project = await db.project.findUnique({ where: { id: draw.projectId }, select: { agentUserId: true } });
  return project?.agentUserId === p.userId;
}

export function expertDrawStream(db: Db): StreamKind<{ drawId: string; view: "agent" | "supervisor" }> {
  return {
    prefix: "expert-draw",
    parse: (key) => {
      const agent = parseStreamKey("expertDrawAgent", key);
      if (agent) return { drawId: agent.drawId, view: "agent" };
      const supervisor = parseStreamKey("expertDrawSupervisor", key);
      return supervisor ? { drawId: supervisor.drawId, view: "supervisor" } : null;
    },
    authorize: (p, { drawId, view }) => mayWatch(db, p, drawId, view),
    build: ({ drawId, view }) => buildDrawView(db, drawId, view),
  };
}

/** What an invitation link shows before it is answered: the project, the time and the place. */
export async function viewInvitation(app: AppContext, token: string) {
  const { pick, draw } = await pickByToken(app, token);
  const project = await app.db.project.findUniqueOrThrow({ where: { id: draw.projectId } });
  const bucket = await app.db.expertDrawBucket.findUniqueOrThrow({ where: { drawId_index: { drawId: draw.id, index: pick.bucketIndex } }, omit: { list: true } });
  const room = await app.db.room.findUnique({ where: { id: bucket.roomId } });
  return {
    projectCode: project.code,
    evaluationAt: draw.evaluationAt.toISOString(),
    site: { roomName: room?.name ?? "", city: room?.city ?? "" },
    state: pick.state as "notified",
    answerBy: pick.answerBy?.toISOString() ?? null,
  };
}
