// "Drawn K times in the last D days" without reading the draw history at each
// draw: ExpertBusy holds, for every expert who reached K counted picks, until
// when that holds (the K-th latest counted pick + D days). Each command that
// writes picks refreshes the experts it touched, in its own transaction; the
// draw reads `until > now` — a handful of rows. A counted pick is any pick but a
// backup never called (reserve) and a cancelled one. When the configured K or D
// change, the table is recomputed once at start-up (ExpertPoolState.busyK/busyDays).
import { dbProvider, type Db, type Tx } from "../db";
import { sqlTime, type RawDb } from "./raw";

const COUNTED = "state NOT IN ('reserve', 'cancelled')";
const kthLatest = (where: string) =>
  `SELECT expertId, pickedAt FROM (SELECT expertId, pickedAt, row_number() OVER (PARTITION BY expertId ORDER BY pickedAt DESC) AS rn FROM ExpertPick WHERE ${COUNTED} AND ${where}) WHERE rn = ?`;

/** kthLatest in PostgreSQL's SQL (quoted identifiers, the subquery named); `$1` is K, then `$2`… */
const kthLatestPg = (where: string) =>
  `SELECT "expertId", "pickedAt" FROM (SELECT "expertId", "pickedAt", row_number() OVER (PARTITION BY "expertId" ORDER BY "pickedAt" DESC) AS rn FROM "ExpertPick" WHERE ${COUNTED} AND ${where}) AS k WHERE rn = $1`;

const untilOf = (pickedAt: unknown, days: number) => new Date(Date.parse(pickedAt instanceof Date ? pickedAt.toISOString() : String(pickedAt)) + days * 86_400_000);

/** Recomputes ExpertBusy for these experts (inside the caller's transaction). */
export async function refreshBusy(tx: Tx, expertIds: number[], k: number, days: number, now = new Date()): Promise<void> {
  const ids = [...new Set(expertIds)].filter((n) => Number.isSafeInteger(n));
  if (ids.length === 0) return;
  const list = ids.join(",");
  const pg = dbProvider(tx) === "postgresql";
  const rows = await tx.$queryRawUnsafe<{ expertId: number | bigint; pickedAt: unknown }[]>(pg ? kthLatestPg(`"expertId" IN (${list})`) : kthLatest(`expertId IN (${list})`), k);
  await tx.$executeRawUnsafe(pg ? `DELETE FROM "ExpertBusy" WHERE "expertId" IN (${list})` : `DELETE FROM ExpertBusy WHERE expertId IN (${list})`);
  const busy = rows.map((r) => ({ expertId: Number(r.expertId), until: untilOf(r.pickedAt, days) })).filter((r) => r.until > now);
  if (busy.length) await tx.expertBusy.createMany({ data: busy });
}

/** refreshBusy on a raw connection (inside the caller's write transaction). */
export function refreshBusyRaw(db: RawDb, expertIds: number[], k: number, days: number, now = new Date()): void {
  const ids = [...new Set(expertIds)].filter((n) => Number.isSafeInteger(n));
  if (ids.length === 0) return;
  const list = ids.join(",");
  const rows = db.prepare(kthLatest(`expertId IN (${list})`)).raw().all(k) as [number, string][];
  db.prepare(`DELETE FROM ExpertBusy WHERE expertId IN (${list})`).run();
  const ins = db.prepare("INSERT INTO ExpertBusy (expertId, until) VALUES (?, ?)");
  for (const [id, at] of rows) {
    const until = untilOf(at, days);
    if (until > now) ins.run(id, sqlTime(until));
  }
}

/** Recomputes the whole table (raw connection, inside a write transaction) and stamps K and D. */
export function recomputeBusyRaw(db: RawDb, k: number, days: number, now = new Date()): number {
  const since = sqlTime(new Date(now.getTime() - days * 86_400_000));
  const rows = db.prepare(kthLatest("pickedAt >= ?")).raw().all(since, k) as [number, string][];
  db.prepare("DELETE FROM ExpertBusy").run();
  const ins = db.prepare("INSERT INTO ExpertBusy (expertId, until) VALUES (?, ?)");
  let n = 0;
  for (const [id, at] of rows) {
    const until = untilOf(at, days);
    if (until > now) {
      ins.run(id, sqlTime(until));
      n++;
    }
  }
  db.prepare(
    `INSERT INTO ExpertPoolState (id, generation, busyK, busyDays, updatedAt) VALUES (1, 0, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET busyK = excluded.busyK, busyDays = excluded.busyDays, updatedAt = excluded.updatedAt`,
  ).run(k, days, sqlTime(now));
  return n;
}

/** At start-up: recompute when the table was made with another K or D (or never). */
export function ensureBusy(db: RawDb, k: number, days: number): boolean {
  const s = db.prepare("SELECT busyK, busyDays FROM ExpertPoolState WHERE id = 1").get() as { busyK: number; busyDays: number } | undefined;
  if (s && s.busyK === k && s.busyDays === days) return false;
  db.transaction(() => recomputeBusyRaw(db, k, days)).immediate();
  return true;
}

/** recomputeBusyRaw on PostgreSQL (inside the caller's transaction). */
export async function recomputeBusyPg(tx: Tx, k: number, days: number, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const rows = await tx.$queryRawUnsafe<{ expertId: number; pickedAt: Date }[]>(kthLatestPg(`"pickedAt" >= $2`), k, since);
  await tx.$executeRawUnsafe(`DELETE FROM "ExpertBusy"`);
  const busy = rows.map((r) => ({ expertId: Number(r.expertId), until: untilOf(r.pickedAt, days) })).filter((r) => r.until > now);
  if (busy.length) await tx.expertBusy.createMany({ data: busy });
  await tx.$executeRawUnsafe(
    `INSERT INTO "ExpertPoolState" (id, generation, "busyK", "busyDays", "updatedAt") VALUES (1, 0, $1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET "busyK" = excluded."busyK", "busyDays" = excluded."busyDays", "updatedAt" = excluded."updatedAt"`,
    k,
    days,
    now,
  );
  return busy.length;
}

/** ensureBusy on PostgreSQL. */
export async function ensureBusyPg(db: Db, k: number, days: number): Promise<boolean> {
  const s = await db.expertPoolState.findUnique({ where: { id: 1 }, select: { busyK: true, busyDays: true } });
  if (s && s.busyK === k && s.busyDays === days) return false;
  await db.$transaction((tx) => recomputeBusyPg(tx, k, days));
  return true;
}
