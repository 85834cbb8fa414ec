// The experts domain's fast paths on PostgreSQL (DATABASE_URL=postgresql://…).
// On SQLite they run on direct better-sqlite3 connections (raw.ts, buckets.ts,
// model.ts writeRaw); here they go through Prisma's client: reads with
// $queryRaw on PostgreSQL SQL (quoted identifiers), writes inside interactive
// transactions (each takes the writer advisory lock, server/db.ts), the audit
// row through appendAudit. Same rows, same results as the SQLite paths.
import { ExclusionReason } from "@contracts/experts";
import type { Db, Tx } from "../db";
import { computeFreeze, STATUS_CODE, type BucketArrays, type FreezeRequest, type FreezeResult } from "./buckets";

const REASONS = ExclusionReason.options;
/** $1…$n */
const marks = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${from + i}`).join(", ");

/** Bumps the pool generation (inside the caller's transaction). */
export async function bumpGenerationPg(tx: Tx): Promise<number> {
  const [row] = await tx.$queryRawUnsafe<{ generation: number }[]>(
    `INSERT INTO "ExpertPoolState" (id, generation, "updatedAt") VALUES (1, 1, $1)
     ON CONFLICT (id) DO UPDATE SET generation = "ExpertPoolState".generation + 1, "updatedAt" = excluded."updatedAt" RETURNING generation`,
    new Date(),
  );
  return Number(row?.generation ?? 0);
}

/** The pool's read side on PostgreSQL: the same bucket cache per pool generation as PoolReader. */
export { marks as pgMarks };

export class PgPool {
  private readonly cache = new Map<string, BucketArrays>();
  private cacheGeneration = -1;
  /** Leave periods not yet over when loaded (leave changes bump the generation too). */
  private leaves: { ids: Uint32Array; starts: Float64Array; ends: Float64Array } | null = null;

  constructor(private readonly db: Db) {}

  private async generation(q: Db | Tx): Promise<number> {
    const [row] = await q.$queryRawUnsafe<{ generation: number }[]>(`SELECT generation FROM "ExpertPoolState" WHERE id = 1`);
    return Number(row?.generation ?? 0);
  }

  private sync(generation: number) {
    if (generation !== this.cacheGeneration) {
      this.cache.clear();
      this.leaves = null;
      this.cacheGeneration = generation;
    }
  }

  /** Experts on leave at `at` (cached per generation, as PoolReader.onLeaveAt). */
  private async onLeaveAt(q: Tx, at: Date, generation: number): Promise<number[]> {
    this.sync(generation);
    if (!this.leaves) {
      const rows = await q.$queryRawUnsafe<{ expertId: number; startsAt: Date; endsAt: Date }[]>(`SELECT "expertId", "startsAt", "endsAt" FROM "ExpertLeave" WHERE "endsAt" > $1`, new Date());
      const l = { ids: new Uint32Array(rows.length), starts: new Float64Array(rows.length), ends: new Float64Array(rows.length) };
      rows.forEach((r, i) => {
        l.ids[i] = Number(r.expertId);
        l.starts[i] = new Date(r.startsAt).getTime();
        l.ends[i] = new Date(r.endsAt).getTime();
      });
      this.leaves = l;
    }
    const t = at.getTime();
    const { ids, starts, ends } = this.leaves;
    const out: number[] = [];
    for (let i = 0; i < ids.length; i++) if (starts[i]! <= t && ends[i]! > t) out.push(ids[i]!);
    return out;
  }

  private async bucket(q: Db | Tx, code: string, generation: number): Promise<BucketArrays> {
    this.sync(generation);
    const hit = this.cache.get(code);
    if (hit) return hit;
    const rows = await q.$queryRawUnsafe<{ expertId: number; status: string; region: number }[]>(
      `SELECT "expertId", status, region FROM "ExpertSpecialtyLink" WHERE "specialtyCode" >= $1 AND "specialtyCode" < $2 ORDER BY "expertId"`,
      code,
      `${code}~`,
    );
    const ids = new Uint32Array(rows.length);
    const status = new Uint8Array(rows.length);
    const region = new Uint32Array(rows.length);
    let n = 0;
    for (const r of rows) {
      const id = Number(r.expertId);
      if (n > 0 && ids[n - 1] === id) continue; // an expert with two codes under the prefix
      ids[n] = id;
      status[n] = STATUS_CODE[r.status] ?? 1;
      region[n] = Number(r.region);
      n++;
    }
    const b = { ids: ids.subarray(0, n), status: status.subarray(0, n), region: region.subarray(0, n) };
    this.cache.set(code, b);
    return b;
  }

  /** Computes the eligible list of every bucket, in one transaction (one consistent view of the pool). */
  async freeze(req: FreezeRequest): Promise<FreezeResult> {
    return this.db.$transaction(async (tx) => {
      const generation = await this.generation(tx);
      const keys: number[] = [];
      const details = new Map<string, number[]>();
      const flag = (id: number, reason: ExclusionReason, detail: string) => {
        keys.push(Number(id) * 16 + REASONS.indexOf(reason));
        const key = `${reason}\u0000${detail}`;
        let list = details.get(key);
        if (!list) details.set(key, (list = []));
        list.push(Number(id));
      };
      const byEmployer = async (codes: string[], reason: ExclusionReason) => {
        if (codes.length === 0) return;
        const rows = await tx.$queryRawUnsafe<{ id: number; employerCreditCode: string }[]>(`SELECT id, "employerCreditCode" FROM "Expert" WHERE "employerCreditCode" IN (${marks(codes.length)})`, ...codes);
        for (const r of rows) flag(r.id, reason, r.employerCreditCode);
      };
      await byEmployer(req.bidderCodes, "bidder-employer");
      await byEmployer(req.ownerCodes, "owner-staff");
      if (req.ownerName) {
        const rows = await tx.$queryRawUnsafe<{ id: number }[]>(`SELECT id FROM "Expert" WHERE "employerName" = $1`, req.ownerName);
        for (const r of rows) flag(r.id, "owner-staff", req.ownerName);
      }
      const related = [...new Set([...req.bidderCodes, ...req.ownerCodes])];
      if (related.length) {
        const rows = await tx.$queryRawUnsafe<{ expertId: number; creditCode: string }[]>(`SELECT "expertId", "creditCode" FROM "ExpertRelation" WHERE "creditCode" IN (${marks(related.length)})`, ...related);
        for (const r of rows) flag(r.expertId, "declared-relation", r.creditCode);
      }
      for (const id of await this.onLeaveAt(tx, req.evaluationAt, generation)) flag(id, "on-leave", "");
      const busy = await tx.$queryRawUnsafe<{ expertId: number }[]>(`SELECT "expertId" FROM "ExpertBusy" WHERE until > $1`, req.now);
      for (const r of busy) flag(r.expertId, "drawn-too-often", "");
      let manualMatched = 0;
      if (req.manual.length) {
        const reasons = new Map(req.manual.map((m) => [m.idHash, m.reason]));
        const rows = await tx.$queryRawUnsafe<{ id: number; idHash: string }[]>(`SELECT id, "idHash" FROM "Expert" WHERE "idHash" IN (${marks(reasons.size)})`, ...reasons.keys());
        for (const r of rows) {
          flag(r.id, "manual", reasons.get(r.idHash)!);
          manualMatched++;
        }
      }
      const buckets = new Map<string, BucketArrays>();
      for (const b of req.buckets) if (!buckets.has(b.specialtyCode)) buckets.set(b.specialtyCode, await this.bucket(tx, b.specialtyCode, generation));
      return computeFreeze(req, generation, keys, details, manualMatched, (code) => buckets.get(code)!);
    });
  }

  close(): void {
    this.cache.clear();
    this.leaves = null;
  }
}

/** A draw's frozen lists, in bucket order. */
export async function drawListsPg(q: Db | Tx, drawId: string): Promise<Uint8Array[]> {
  const rows = await q.expertDrawBucket.findMany({ where: { drawId }, orderBy: { index: "asc" }, select: { list: true } });
  return rows.map((r) => new Uint8Array(r.list.buffer, r.list.byteOffset, r.list.byteLength));
}
