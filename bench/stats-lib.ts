// Shared by the statistics benchmarks: a fresh migrated SQLite file, a million
// synthetic deals written by SQL, and a synthetic CSV file written as a stream.
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { createDb, dbProvider, type Db } from "../server/db";
import { createMigratedDatabase, randomDbName } from "../scripts/db/pg-databases";

export const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** A new SQLite file with every committed migration applied (the real Prisma CLI, as in the tests). */
export async function freshDb(prefix = "hall-stats-bench-"): Promise<{ db: Db; url: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // DATABASE_URL=postgresql://… runs the benchmark on PostgreSQL (a fresh migrated database, left for inspection).
  const pg = process.env.DATABASE_URL;
  if (pg && /^postgres(ql)?:\/\//.test(pg)) {
    const url = await createMigratedDatabase(pg, randomDbName("hall_stats_bench"));
    return { db: createDb(url), url, dir };
  }
  const url = `file:${join(dir, "hall.db")}`;
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  const db = createDb(url);
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  return { db, url, dir };
}

/**
 * `n` deals spread over ten years (2015–2024), the four categories in turn,
 * amounts with fen, a budget for engineering/procurement, an assessed value for
 * property, one in seven evaluated remotely, 3 halls and 20 agents.
 */
export async function synthesizeDeals(db: Db, n: number): Promise<void> {
  if (dbProvider(db) === "postgresql") {
    await db.$executeRawUnsafe(`
      INSERT INTO "StatsDeal" ("id", "code", "name", "category", "budgetFen", "referenceFen", "dealFen", "dealDay", "dealMonth", "remoteEvaluation", "hall", "agent", "source", "createdAt", "updatedAt")
      SELECT 'bench-' || lpad(i::text, 8, '0'), 'B' || lpad(i::text, 8, '0'), '基准测试项目 ' || i,
        CASE i % 4 WHEN 0 THEN 'engineering' WHEN 1 THEN 'procurement' WHEN 2 THEN 'property' ELSE 'land' END,
        CASE WHEN i % 4 < 2 THEN 100000000 + (i::bigint * 7919) % 50000000 END,
        CASE WHEN i % 4 = 2 THEN 5000000 + (i::bigint * 104729) % 3000000 END,
        90000000 + (i::bigint * 7907) % 40000000 + (i % 100),
        to_char(date '2015-01-01' + (i % 3653), 'YYYYMMDD')::int,
        to_char(date '2015-01-01' + (i % 3653), 'YYYYMM')::int,
        (i % 7 = 0), '第' || (i % 3 + 1) || '开标厅', '代理机构' || (i % 20), 'import',
        timestamp '2026-01-01 00:00:00', timestamp '2026-01-01 00:00:00'
      FROM generate_series(0, ${n - 1}) AS i`);
    await db.$executeRawUnsafe("ANALYZE");
    return;
  }
  await db.$executeRawUnsafe(`
    WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n - 1})
    INSERT INTO "StatsDeal" (id, code, name, category, budgetFen, referenceFen, dealFen, dealDay, dealMonth, remoteEvaluation, hall, agent, source, createdAt, updatedAt)
    SELECT printf('bench-%08d', i), printf('B%08d', i), '基准测试项目 ' || i,
      CASE i % 4 WHEN 0 THEN 'engineering' WHEN 1 THEN 'procurement' WHEN 2 THEN 'property' ELSE 'land' END,
      CASE WHEN i % 4 < 2 THEN 100000000 + (i * 7919) % 50000000 END,
      CASE WHEN i % 4 = 2 THEN 5000000 + (i * 104729) % 3000000 END,
      90000000 + (i * 7907) % 40000000 + (i % 100),
      CAST(strftime('%Y%m%d', date('2015-01-01', '+' || (i % 3653) || ' days')) AS INTEGER),
      CAST(strftime('%Y%m', date('2015-01-01', '+' || (i % 3653) || ' days')) AS INTEGER),
      (i % 7 = 0), '第' || (i % 3 + 1) || '开标厅', '代理机构' || (i % 20), 'import',
      '2026-01-01T00:00:00.000+00:00', '2026-01-01T00:00:00.000+00:00'
    FROM seq`);
  await db.$executeRawUnsafe("ANALYZE");
}

/** A ledger CSV of `n` rows (UTF-8 with BOM, CRLF, hall and agent columns), written as a stream. */
export async function writeCsv(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  const cats = ["工程建设", "procurement", "国有产权", "land"];
  out.write("\uFEFFcode,name,category,budget_yuan,reference_yuan,deal_yuan,deal_date,remote_evaluation,hall,agent\r\n");
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    const deal = 900_000 + ((i * 7907) % 400_000);
    const day = new Date(Date.UTC(2015, 0, 1) + (i % 3653) * 86_400_000).toISOString().slice(0, 10);
    const line = `C${String(i).padStart(8, "0")},"演示县第${i}号项目, 一标段",${cats[c]},${c < 2 ? `${deal + 30_000 + (i % 5000)}.${String(i % 100).padStart(2, "0")}` : ""},${c === 2 ? `${deal - 100_000}.50` : ""},${deal}.${String((i * 7) % 100).padStart(2, "0")},${day},${i % 7 === 0},第${(i % 3) + 1}开标厅,代理机构${i % 20}\r\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}
