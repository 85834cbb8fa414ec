// PostgreSQL databases for tests and benchmarks: a migrated template made once,
// then a fresh database per app copied from it (CREATE DATABASE … TEMPLATE, fast).
// Databases use the C collation so text sorts as in SQLite (by code point).
import pg from "pg";
import { randomBytes } from "node:crypto";
import { prismaCli } from "./schemas";

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Maintenance statements go through the `postgres` database: a template must have no connection while it is copied. */
async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(url, "postgres"), connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Resolves when the server answers; rejects with its error otherwise. */
export async function pgReachable(url: string): Promise<void> {
  await admin(url, (c) => c.query("SELECT 1"));
}

/**
 * The test run's own marker (set by test/global-setup.ts, inherited by test workers and the processes they
 * start): `r<pid base 36>x<random>`. Every database a run makes carries it, so the run drops exactly its own
 * at the end, never another run's, and a later run can tell a crashed run's leftovers (its pid is gone).
 */
export const RUN_ENV = "HALL_PG_RUN";
export const newRunMarker = () => `r${process.pid.toString(36)}x${randomBytes(3).toString("hex")}`;

export const randomDbName = (prefix: string) => {
  const run = process.env[RUN_ENV];
  return `${prefix}${run ? `_${run}` : ""}_${randomBytes(6).toString("hex")}`;
};

/** Names of the `hall_…` databases carrying a run marker, with the marker's pid; `run` narrows to one run. */
async function markedDatabases(url: string, run?: string): Promise<{ name: string; pid: number; connections: number }[]> {
  const rows = await admin(url, (c) =>
    c.query<{ datname: string; connections: string }>(
      `SELECT d.datname, (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid) AS connections FROM pg_database d WHERE d.datname LIKE 'hall%'`,
    ),
  );
  const out: { name: string; pid: number; connections: number }[] = [];
  for (const r of rows.rows) {
    const m = /^hall[a-z_]*?_(r([0-9a-z]+)x[0-9a-f]{6})_[0-9a-f]{12}$/.exec(r.datname);
    if (!m || (run && m[1] !== run)) continue;
    out.push({ name: r.datname, pid: parseInt(m[2]!, 36), connections: Number(r.connections) });
  }
  return out;
}

/** Drops every database of one run (its end: apps a failed test never closed included). */
export async function dropRunDatabases(url: string, run: string): Promise<string[]> {
  const dbs = await markedDatabases(url, run);
  for (const d of dbs) await dropDatabase(url, d.name);
  return dbs.map((d) => d.name);
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
};

/**
 * Drops what crashed runs left: databases whose run's process is gone and that nobody uses.
 * Only for a server on this machine (the pid means something only here).
 */
export async function dropStaleRunDatabases(url: string): Promise<string[]> {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]", ""].includes(host)) return [];
  const stale = (await markedDatabases(url)).filter((d) => d.pid !== process.pid && !pidAlive(d.pid) && d.connections === 0);
  for (const d of stale) await dropDatabase(url, d.name).catch(() => undefined);
  return stale.map((d) => d.name);
}

/** CREATE DATABASE name (from a template, or empty with C collation); returns its URL. */
export async function createDatabase(url: string, name: string, template?: string): Promise<string> {
  const sql = template
    ? `CREATE DATABASE "${name}" TEMPLATE "${template}"`
    : `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`;
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(url, (c) => c.query(sql));
      return withDatabase(url, name);
    } catch (err) {
      // "source database … is being accessed by other users": a concurrent copy; try again.
      if (attempt < 20 && (err as { code?: string }).code === "55006") {
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
        continue;
      }
      throw err;
    }
  }
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  await admin(url, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** A fresh database with every committed PostgreSQL migration applied (prisma migrate deploy). */
export async function createMigratedDatabase(url: string, name: string): Promise<string> {
  const dbUrl = await createDatabase(url, name);
  prismaCli("postgresql", ["migrate", "deploy"], dbUrl);
  return dbUrl;
}

export const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));
