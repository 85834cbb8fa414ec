// requestDraw: rules checked, exclusions recorded per expert and reason, the
// eligible list of every site × specialty frozen (digest recorded), a fresh seed
// made and only its SHA-256 published (status committed; the supervisors'
// stream shows it). One transaction with its audit row.
import { randomUUID } from "node:crypto";
import type { DrawCommitment, RequestDrawInput } from "@contracts/experts";
import { formatShanghai } from "@contracts/time";
import { appendAudit, type AuditInput } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import type { Tx } from "../../db";
import { AppError } from "../../errors";
import { newSeed, seedHash } from "../../opening/draws";
import { assertLotAgent } from "../../opening/projects";
import type { FreezeResult } from "../buckets";
import { blob, changed, loadProject, onPg, streamsOf, writeRaw } from "../model";
import { pgMarks } from "../pg";
import { appendAuditRaw, sqlTime, type RawDb } from "../raw";
import { assertPoolCovers, checkCommittee, drawPlan, type CommitteeCheck, type PlannedBucket } from "../rules";
import { digestPacked, packIds } from "../sampler";

type Project = Awaited<ReturnType<typeof loadProject>>;
type Lot = Project["lots"][number];

/** What the request names, read and checked: rooms, specialties, and the bidders' credit codes. */
interface Refs {
  rooms: Map<string, { id: string; name: string; city: string }>;
  specialties: Map<string, { code: string; name: string }>;
  bidderCodes: string[];
}

/** The rows a committed draw writes (ExpertDraw, its buckets and exclusions) and its audit entry. */
interface DrawRows {
  drawId: string;
  projectId: string;
  lotId: string | null;
  requestedBy: string;
  evaluationAt: Date;
  request: string;
  committee: string;
  answerMinutes: number;
  poolGeneration: number;
  seedHash: string;
  seedSealed: string;
  now: Date;
  plan: PlannedBucket[];
  frozen: FreezeResult;
  packed: Uint8Array[];
  digests: string[];
  exclusions: (FreezeResult["exclusions"][number] & { packed: Uint8Array })[];
  audit: AuditInput;
}

export async function requestDraw(app: AppContext, principal: Principal, input: RequestDrawInput): Promise<DrawCommitment> {
  if (principal.kind !== "user") throw new AppError("FORBIDDEN", "Only people request draws");
  const project = await loadProject(app, input.projectId);
  assertLotAgent(principal, { project });
  const cfg = app.config.experts;
  const lot = input.lotId ? project.lots.find((l) => l.id === input.lotId) : undefined;
  if (input.lotId && !lot) throw new AppError("NOT_FOUND", `No lot ${input.lotId} in project ${project.code}`);
  const now = new Date();
  const evaluationAt = new Date(input.evaluationAt);
  if (evaluationAt <= now) throw new AppError("EVALUATION_STARTED", `The evaluation time ${formatShanghai(evaluationAt)} has passed; no draw for an evaluation that has started`);

  // Bidders' employers: every company that submitted a bid on the lot(s), withdrawn or not (avoidance errs on the safe side).
  const refs = await readRefs(app, input, lot ? [lot.id] : project.lots.map((l) => l.id));
  const committee = committeeOf(app, project, lot, input);
  const sameCountyRule = input.excludeSameCounty ?? cfg.excludeSameCounty;
  if (sameCountyRule && !input.projectRegionCode) {
    throw new AppError("VALIDATION_FAILED", "projectRegionCode is needed: the same-county rule applies", [{ path: "projectRegionCode", message: "required by the same-county rule" }]);
  }
  const open = openDrawOf(app, project.id, input.lotId);
  const already = onPg(app) ? await open.pg(app.db) : open.sqlite(app.experts.pool().db);
  if (already) throw open.conflict(already);

  const plan = drawPlan(input.sites);
  const frozen: FreezeResult = await app.experts.freeze(app.db, {
    buckets: plan.map((p) => ({ specialtyCode: p.specialtyCode, regionPrefix: p.regionPrefix })),
    evaluationAt,
    bidderCodes: refs.bidderCodes,
    ownerCodes: input.ownerCreditCodes,
    ownerName: project.ownerName,
    manual: input.manualExclusions.map((m) => ({ idHash: app.experts.ids.hash(m.residentId), reason: m.reason })),
    sameCounty: sameCountyRule ? input.projectRegionCode! : null,
    now,
  });
  assertPoolCovers(plan, frozen.buckets, input.sites, (id) => refs.rooms.get(id)!.name, (code) => refs.specialties.get(code)!.name);

  const rows = drawRows(app, principal, { project, input, plan, frozen, committee, sameCountyRule, bidderCodes: refs.bidderCodes, evaluationAt, now });
  if (onPg(app)) await persistPg(app, open, rows);
  else await writeRaw(app, (db) => persistSqlite(db, open, rows));
  app.experts.keepFrozen(rows.drawId, frozen.buckets.map((b) => b.eligible));
  changed(app, rows.drawId);
  return commitmentOf(rows, committee, refs);
}

/** Rooms, specialties and the bidders' codes: three indexed reads on the pool's raw connection (no Prisma round trips). */
async function readRefs(app: AppContext, input: RequestDrawInput, lotIds: string[]): Promise<Refs> {
  const codes = [...new Set(input.sites.flatMap((s) => s.needs.map((n) => n.specialtyCode)))];
  const raw = onPg(app) ? null : app.experts.pool().db;
  const marks = (n: number) => Array.from({ length: n }, () => "?").join(",");
  const roomIds = [...new Set(input.sites.map((s) => s.roomId))];
  const roomRows = raw
    ? (raw.prepare(`SELECT id, name, city FROM Room WHERE id IN (${marks(roomIds.length)})`).all(...roomIds) as { id: string; name: string; city: string }[])
    : await app.db.room.findMany({ where: { id: { in: roomIds } }, select: { id: true, name: true, city: true } });
  const specialtyRows = raw
    ? (raw.prepare(`SELECT code, name FROM ExpertSpecialty WHERE code IN (${marks(codes.length)})`).all(...codes) as { code: string; name: string }[])
    : await app.db.expertSpecialty.findMany({ where: { code: { in: codes } }, select: { code: true, name: true } });
  const bidderCodes =
    lotIds.length === 0
      ? []
      : raw
        ? (raw
            .prepare(`SELECT DISTINCT c.creditCode FROM Bid b JOIN Company c ON c.id = b.companyId WHERE b.lotId IN (${marks(lotIds.length)}) ORDER BY c.creditCode`)
            .pluck()
            .all(...lotIds) as string[])
        : (
            await app.db.$queryRawUnsafe<{ creditCode: string }[]>(
              `SELECT DISTINCT c."creditCode" FROM "Bid" b JOIN "Company" c ON c.id = b."companyId" WHERE b."lotId" IN (${pgMarks(lotIds.length)})`,
              ...lotIds,
            )
          )
            .map((r) => r.creditCode)
            .sort();
  const rooms = new Map(roomRows.map((r) => [r.id, r]));
  input.sites.forEach((s, i) => {
    if (!rooms.has(s.roomId)) throw new AppError("NOT_FOUND", `No room ${s.roomId} (sites.${i}.roomId)`, [{ path: `sites.${i}.roomId`, message: "no such room" }]);
  });
  const specialties = new Map(specialtyRows.map((s) => [s.code, s]));
  input.sites.forEach((s, i) =>
    s.needs.forEach((n, j) => {
      if (!specialties.has(n.specialtyCode)) {
        throw new AppError("VALIDATION_FAILED", `Unknown specialty ${n.specialtyCode} (sites.${i}.needs.${j})`, [{ path: `sites.${i}.needs.${j}.specialtyCode`, message: "unknown specialty" }]);
      }
    }),
  );
  return { rooms, specialties, bidderCodes };
}

/** The committee rules on the drawn experts and the tenderer's representatives (budget of the lot, else of every lot). */
function committeeOf(app: AppContext, project: Project, lot: Lot | undefined, input: RequestDrawInput): CommitteeCheck {
  const experts = input.sites.reduce((s, site) => s + site.needs.reduce((t, n) => t + n.count, 0), 0);
  const budgetFen = lot ? lot.budgetFen : project.lots.reduce<bigint | null>((s, l) => (l.budgetFen === null ? s : (s ?? 0n) + l.budgetFen), null);
  return checkCommittee(app.config.experts.committee, { category: project.category, procedure: project.procedure, budgetFen }, experts, input.ownerRepresentatives);
}

/** The project's (or lot's) draw still on, if any: read before the freeze and again inside the write. */
function openDrawOf(app: AppContext, projectId: string, lotId: string | undefined) {
  return {
    sqlite: (db: RawDb) =>
      db
        .prepare(`SELECT id FROM ExpertDraw WHERE projectId = ? AND lotId ${lotId ? "= ?" : "IS NULL"} AND status IN ('committed', 'drawn') LIMIT 1`)
        .pluck()
        .get(...(lotId ? [projectId, lotId] : [projectId])) as string | undefined,
    pg: async (q: Tx) => (await q.expertDraw.findFirst({ where: { projectId, lotId: lotId ?? null, status: { in: ["committed", "drawn"] } }, select: { id: true } }))?.id,
    conflict: (id: string) => new AppError("CONFLICT", `A draw for this ${lotId ? "lot" : "project"} is already on (${id}); cancel it first`),
  };
}

/** The seed (sealed; only its hash is published), the packed lists and their digests, the request as recorded, the audit entry. */
function drawRows(
  app: AppContext,
  principal: Extract<Principal, { kind: "user" }>,
  d: { project: Project; input: RequestDrawInput; plan: PlannedBucket[]; frozen: FreezeResult; committee: CommitteeCheck; sameCountyRule: boolean; bidderCodes: string[]; evaluationAt: Date; now: Date },
): DrawRows {
  const { project, input, plan, frozen, committee, now } = d;
  const cfg = app.config.experts;
  const seed = newSeed();
  const hash = seedHash(seed);
  const drawId = randomUUID();
  const packed = frozen.buckets.map((b) => packIds(b.eligible));
  const digests = packed.map(digestPacked);
  const exclusions = frozen.exclusions.map((e) => ({ ...e, packed: packIds(e.ids) }));
  const windowStart = new Date(now.getTime() - cfg.drawWindowDays * 86_400_000);
  const request = {
    ...input,
    manualExclusions: input.manualExclusions.map((m) => ({ idMasked: `${m.residentId.slice(0, 4)}**********${m.residentId.slice(-4)}`, reason: m.reason })),
    excludeSameCounty: d.sameCountyRule,
    bidderCreditCodes: d.bidderCodes,
    ownerName: project.ownerName,
    maxDraws: cfg.maxDraws,
    drawWindowDays: cfg.drawWindowDays,
    windowStart: windowStart.toISOString(),
  };
  const payload = {
    drawId,
    request,
    committee,
    seedHash: hash,
    poolGeneration: frozen.generation,
    buckets: plan.map((p, i) => ({ ...p, eligible: frozen.buckets[i]!.eligible.length, listDigest: digests[i], excluded: frozen.buckets[i]!.excluded })),
    exclusions: exclusions.map((e) => ({ reason: e.reason, detail: e.detail, count: e.ids.length, digest: digestPacked(e.packed) })),
  };
  return {
    drawId,
    projectId: project.id,
    lotId: input.lotId ?? null,
    requestedBy: principal.userId,
    evaluationAt: d.evaluationAt,
    request: JSON.stringify(request),
    committee: JSON.stringify(committee),
    answerMinutes: cfg.answerMinutes,
    poolGeneration: frozen.generation,
    seedHash: hash,
    seedSealed: app.box.seal(seed),
    now,
    plan,
    frozen,
    packed,
    digests,
    exclusions,
    audit: { actor: actorOf(principal), action: "experts.requestDraw", target: `expert-draw:${drawId}`, payload },
  };
}

async function persistPg(app: AppContext, open: ReturnType<typeof openDrawOf>, r: DrawRows): Promise<void> {
  await app.db.$transaction(async (tx) => {
    const again = await open.pg(tx);
    if (again) throw open.conflict(again);
    await tx.expertDraw.create({
      data: {
        id: r.drawId,
        projectId: r.projectId,
        lotId: r.lotId,
        requestedBy: r.requestedBy,
        status: "committed",
        evaluationAt: r.evaluationAt,
        request: r.request,
        committee: r.committee,
        answerMinutes: r.answerMinutes,
        poolGeneration: r.poolGeneration,
        seedHash: r.seedHash,
        seedSealed: r.seedSealed,
        committedAt: r.now,
      },
    });
    await tx.expertDrawBucket.createMany({
      data: r.plan.map((p, i) => {
        const b = r.frozen.buckets[i]!;
        return {
          drawId: r.drawId,
          index: i,
          siteIndex: p.siteIndex,
          roomId: p.roomId,
          siteRole: p.role,
          regionPrefix: p.regionPrefix,
          specialtyCode: p.specialtyCode,
          need: p.need,
          backups: p.backups,
          candidates: b.candidates,
          eligible: b.eligible.length,
          listDigest: r.digests[i]!,
          list: new Uint8Array(r.packed[i]!),
          excluded: JSON.stringify(b.excluded),
        };
      }),
    });
    if (r.exclusions.length) {
      await tx.expertDrawExclusion.createMany({ data: r.exclusions.map((e) => ({ drawId: r.drawId, reason: e.reason, detail: e.detail, count: e.ids.length, expertIds: new Uint8Array(e.packed) })) });
    }
    await appendAudit(tx, r.audit, r.now);
  });
}

function persistSqlite(db: RawDb, open: ReturnType<typeof openDrawOf>, r: DrawRows): void {
  const again = open.sqlite(db);
  if (again) throw open.conflict(again);
  db.prepare(
    `INSERT INTO ExpertDraw (id, projectId, lotId, requestedBy, status, evaluationAt, request, committee, answerMinutes, poolGeneration, seedHash, seedSealed, committedAt)
     VALUES (?, ?, ?, ?, 'committed', ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(r.drawId, r.projectId, r.lotId, r.requestedBy, sqlTime(r.evaluationAt), r.request, r.committee, r.answerMinutes, r.poolGeneration, r.seedHash, r.seedSealed, sqlTime(r.now));
  const bucketRow = db.prepare(
    `INSERT INTO ExpertDrawBucket (drawId, "index", siteIndex, roomId, siteRole, regionPrefix, specialtyCode, need, backups, candidates, eligible, listDigest, list, excluded)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  r.plan.forEach((p, i) => {
    const b = r.frozen.buckets[i]!;
    bucketRow.run(r.drawId, i, p.siteIndex, p.roomId, p.role, p.regionPrefix, p.specialtyCode, p.need, p.backups, b.candidates, b.eligible.length, r.digests[i]!, blob(r.packed[i]!), JSON.stringify(b.excluded));
  });
  const exclusionRow = db.prepare("INSERT INTO ExpertDrawExclusion (drawId, reason, detail, count, expertIds) VALUES (?, ?, ?, ?, ?)");
  for (const e of r.exclusions) exclusionRow.run(r.drawId, e.reason, e.detail, e.ids.length, blob(e.packed));
  appendAuditRaw(db, r.audit, r.now);
}

/** The commitment as the agent sees it: the seed's hash, the committee, each bucket's eligible count and list digest. */
function commitmentOf(r: DrawRows, committee: CommitteeCheck, refs: Refs): DrawCommitment {
  return {
    drawId: r.drawId,
    status: "committed",
    seedHash: r.seedHash,
    poolGeneration: r.poolGeneration,
    committee,
    buckets: r.plan.map((p, i) => {
      const room = refs.rooms.get(p.roomId)!;
      return {
        index: i,
        site: { index: p.siteIndex, roomId: p.roomId, roomName: room.name, city: room.city, role: p.role, regionPrefix: p.regionPrefix },
        specialty: { code: p.specialtyCode, name: refs.specialties.get(p.specialtyCode)!.name },
        need: p.need,
        backups: p.backups,
        eligible: r.frozen.buckets[i]!.eligible.length,
        listDigest: r.digests[i]!,
      };
    }),
    streams: streamsOf(r.drawId),
  };
}
