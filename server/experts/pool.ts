// The expert pool, administrators only: add, edit, leave periods, declared
// relations, browse (masked), one expert's history. Each command is one
// transaction with its audit row; changes that affect the draw's buckets
// (status, specialties, region) bump the pool generation in that transaction.
import { ExpertStatus, type ExpertDetail, type ExpertInput, type ExpertListQuery, type ExpertSummary, type ExpertUpdateInput } from "@contracts/experts";
import { isValidResidentId } from "@contracts/ids";
import type { z } from "zod";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { dbProvider, sqlFor, type Db, type Tx } from "../db";
import { AppError } from "../errors";
import { maskMobile } from "./identity";
import { storedForm } from "./rows";

export function assertAdmin(p: Principal) {
  if (p.kind !== "user" || p.role !== "admin") throw new AppError("FORBIDDEN", "Only administrators manage the expert pool");
  return p;
}

export async function bumpGeneration(tx: Tx): Promise<void> {
  await tx.expertPoolState.upsert({ where: { id: 1 }, create: { id: 1, generation: 1 }, update: { generation: { increment: 1 } } });
}

async function assertSpecialties(db: Db | Tx, codes: string[]) {
  const found = new Set((await db.expertSpecialty.findMany({ where: { code: { in: codes } }, select: { code: true } })).map((s) => s.code));
  const unknown = codes.filter((c) => !found.has(c));
  if (unknown.length) {
    throw new AppError("VALIDATION_FAILED", `Unknown specialty code ${unknown.join(", ")}`, [{ path: "specialties", message: `unknown ${unknown.join(", ")}` }]);
  }
}

type ExpertRow = NonNullable<Awaited<ReturnType<Db["expert"]["findUnique"]>>>;

function summary(e: ExpertRow, specialties: string[]): ExpertSummary {
  return {
    id: e.id,
    name: e.name,
    idMasked: e.idMasked,
    mobileMasked: e.mobileMasked,
    specialties,
    regionCode: e.regionCode,
    regionName: e.regionName,
    employerName: e.employerName,
    employerCreditCode: e.employerCreditCode,
    title: e.title,
    status: ExpertStatus.parse(e.status),
    statusReason: e.statusReason,
  };
}

export async function getExpert(db: Db, expertId: number): Promise<ExpertDetail> {
  const e = await db.expert.findUnique({ where: { id: expertId } });
  if (!e) throw new AppError("NOT_FOUND", `No expert #${expertId}`);
  const [links, leaves, relations, picks] = await Promise.all([
    db.expertSpecialtyLink.findMany({ where: { expertId }, orderBy: { specialtyCode: "asc" } }),
    db.expertLeave.findMany({ where: { expertId }, orderBy: { startsAt: "desc" } }),
    db.expertRelation.findMany({ where: { expertId }, orderBy: { createdAt: "asc" } }),
    db.expertPick.findMany({ where: { expertId }, orderBy: { pickedAt: "desc" }, take: 200 }),
  ]);
  const draws = new Map((await db.expertDraw.findMany({ where: { id: { in: [...new Set(picks.map((p) => p.drawId))] } } })).map((d) => [d.id, d]));
  return {
    ...summary(e, links.map((l) => l.specialtyCode)),
    leaves: leaves.map((l) => ({ id: l.id, startsAt: l.startsAt.toISOString(), endsAt: l.endsAt.toISOString(), reason: l.reason })),
    relations: relations.map((r) => ({ id: r.id, creditCode: r.creditCode, companyName: r.companyName, relation: r.relation })),
    history: picks.map((p) => ({
      drawId: p.drawId,
      projectId: draws.get(p.drawId)?.projectId ?? "",
      evaluationAt: (draws.get(p.drawId)?.evaluationAt ?? p.pickedAt).toISOString(),
      kind: p.kind as "member" | "backup" | "replacement",
      state: p.state,
      pickedAt: p.pickedAt.toISOString(),
    })),
  };
}

export async function createExpert(app: AppContext, principal: Principal, input: ExpertInput): Promise<ExpertDetail> {
  const admin = assertAdmin(principal);
  const specialties = [...new Set(input.specialties)];
  await assertSpecialties(app.db, specialties);
  const s = storedForm(input, app.box, app.experts.ids);
  const id = await app.db.$transaction(async (tx) => {
    const dup = await tx.expert.findUnique({ where: { idHash: s.idHash }, select: { id: true } });
    if (dup) throw new AppError("CONFLICT", `This ID number is already in the pool (expert #${dup.id})`, [{ path: "residentId", message: "duplicate" }]);
    const e = await tx.expert.create({ data: s });
    await tx.expertSpecialtyLink.createMany({ data: specialties.map((code) => ({ expertId: e.id, specialtyCode: code, status: e.status, region: Number(e.regionCode) })) });
    await bumpGeneration(tx);
    await appendAudit(tx, { actor: actorOf(admin), action: "experts.create", target: `expert:${e.id}`, payload: { ...input, residentId: s.idMasked, mobile: s.mobileMasked } });
    return e.id;
  });
  return getExpert(app.db, id);
}

export async function updateExpert(app: AppContext, principal: Principal, input: ExpertUpdateInput): Promise<ExpertDetail> {
  const admin = assertAdmin(principal);
  const { expertId, specialties, mobile, ...rest } = input;
  if (specialties) await assertSpecialties(app.db, specialties);
  await app.db.$transaction(async (tx) => {
    const before = await tx.expert.findUnique({ where: { id: expertId } });
    if (!before) throw new AppError("NOT_FOUND", `No expert #${expertId}`);
    const data: Record<string, unknown> = { ...rest };
    if (mobile) Object.assign(data, { mobileCipher: app.box.seal(mobile), mobileMasked: maskMobile(mobile) });
    const e = await tx.expert.update({ where: { id: expertId }, data });
    const codes = specialties ? [...new Set(specialties)] : (await tx.expertSpecialtyLink.findMany({ where: { expertId } })).map((l) => l.specialtyCode);
    await tx.expertSpecialtyLink.deleteMany({ where: { expertId } });
    await tx.expertSpecialtyLink.createMany({ data: codes.map((code) => ({ expertId, specialtyCode: code, status: e.status, region: Number(e.regionCode) })) });
    await bumpGeneration(tx);
    await appendAudit(tx, { actor: actorOf(admin), action: "experts.update", target: `expert:${expertId}`, payload: { ...input, mobile: mobile ? maskMobile(mobile) : undefined } });
  });
  return getExpert(app.db, expertId);
}

async function audited(app: AppContext, principal: Principal, expertId: number, action: string, payload: unknown, fn: (tx: Tx) => Promise<void>) {
  const admin = assertAdmin(principal);
  await app.db.$transaction(async (tx) => {
    if (!(await tx.expert.findUnique({ where: { id: expertId }, select: { id: true } }))) throw new AppError("NOT_FOUND", `No expert #${expertId}`);
    await fn(tx);
    await bumpGeneration(tx);
    await appendAudit(tx, { actor: actorOf(admin), action, target: `expert:${expertId}`, payload });
  });
  return getExpert(app.db, expertId);
}

export const addLeave = (app: AppContext, p: Principal, i: { expertId: number; startsAt: string; endsAt: string; reason: string }) =>
  audited(app, p, i.expertId, "experts.addLeave", i, async (tx) => {
    await tx.expertLeave.create({ data: { expertId: i.expertId, startsAt: new Date(i.startsAt), endsAt: new Date(i.endsAt), reason: i.reason } });
  });

export const removeLeave = (app: AppContext, p: Principal, expertId: number, leaveId: string) =>
  audited(app, p, expertId, "experts.removeLeave", { leaveId }, async (tx) => {
    const { count } = await tx.expertLeave.deleteMany({ where: { id: leaveId, expertId } });
    if (count !== 1) throw new AppError("NOT_FOUND", `No leave ${leaveId} of expert #${expertId}`);
  });

export const addRelation = (app: AppContext, p: Principal, i: { expertId: number; creditCode: string; companyName: string; relation: string }) =>
  audited(app, p, i.expertId, "experts.addRelation", i, async (tx) => {
    await tx.expertRelation.create({ data: i });
  });

export const removeRelation = (app: AppContext, p: Principal, expertId: number, relationId: string) =>
  audited(app, p, expertId, "experts.removeRelation", { relationId }, async (tx) => {
    const { count } = await tx.expertRelation.deleteMany({ where: { id: relationId, expertId } });
    if (count !== 1) throw new AppError("NOT_FOUND", `No relation ${relationId} of expert #${expertId}`);
  });

/** Browse the pool (masked). `q` matches a name or employer, or — when it is a whole ID number — that expert. */
export async function listExperts(app: AppContext, principal: Principal, query: z.output<typeof ExpertListQuery>) {
  assertAdmin(principal);
  const conds: string[] = [];
  const args: (string | number)[] = [];
  if (query.q) {
    const q = query.q.toUpperCase();
    if (isValidResidentId(q)) {
      conds.push("e.idHash = ?");
      args.push(app.experts.ids.hash(q));
    } else {
      conds.push("(instr(e.name, ?) > 0 OR instr(e.employerName, ?) > 0)");
      args.push(query.q, query.q);
    }
  }
  if (query.status) {
    conds.push("e.status = ?");
    args.push(query.status);
  }
  if (query.region) {
    conds.push("e.regionCode >= ? AND e.regionCode < ?");
    args.push(query.region, `${query.region}~`);
  }
  if (query.specialty) {
    conds.push("EXISTS (SELECT 1 FROM ExpertSpecialtyLink l WHERE l.expertId = e.id AND l.specialtyCode >= ? AND l.specialtyCode < ?)");
    args.push(query.specialty, `${query.specialty}~`);
  }
  const where = conds.length ? `WHERE ${conds.join(" AND ")}` : "";
  if (dbProvider(app.db) === "postgresql") {
    // The same query in PostgreSQL's SQL: tables quoted, strpos for instr, $n placeholders (sqlFor).
    const pgWhere = where.replace("ExpertSpecialtyLink l", '"ExpertSpecialtyLink" l').replace(/instr\(/g, "strpos(");
    const [{ n }] = await app.db.$queryRawUnsafe<{ n: bigint | number }[]>(sqlFor(app.db, `SELECT count(*) AS n FROM "Expert" e ${pgWhere}`), ...args) as [{ n: bigint | number }];
    const rows = await app.db.$queryRawUnsafe<ExpertRow[]>(sqlFor(app.db, `SELECT e.* FROM "Expert" e ${pgWhere} ORDER BY e.id LIMIT ? OFFSET ?`), ...args, query.pageSize, (query.page - 1) * query.pageSize);
    const links = rows.length
      ? await app.db.expertSpecialtyLink.findMany({ where: { expertId: { in: rows.map((r) => r.id) } }, orderBy: [{ specialtyCode: "asc" }], select: { expertId: true, specialtyCode: true } })
      : [];
    const codes = new Map<number, string[]>();
    for (const l of links) codes.set(l.expertId, [...(codes.get(l.expertId) ?? []), l.specialtyCode]);
    return { total: Number(n), page: query.page, pageSize: query.pageSize, experts: rows.map((r) => summary(r, codes.get(r.id) ?? [])) };
  }
  const raw = app.experts.pool().db;
  const total = raw.prepare(`SELECT count(*) FROM Expert e ${where}`).pluck().get(...args) as number;
  const rows = raw.prepare(`SELECT e.* FROM Expert e ${where} ORDER BY e.id LIMIT ? OFFSET ?`).all(...args, query.pageSize, (query.page - 1) * query.pageSize) as ExpertRow[];
  const links = rows.length
    ? (raw.prepare(`SELECT expertId, specialtyCode FROM ExpertSpecialtyLink WHERE expertId IN (${rows.map(() => "?").join(",")}) ORDER BY specialtyCode`).all(...rows.map((r) => r.id)) as {
        expertId: number;
        specialtyCode: string;
      }[])
    : [];
  const codes = new Map<number, string[]>();
  for (const l of links) codes.set(l.expertId, [...(codes.get(l.expertId) ?? []), l.specialtyCode]);
  return { total, page: query.page, pageSize: query.pageSize, experts: rows.map((r) => summary(r, codes.get(r.id) ?? [])) };
}
