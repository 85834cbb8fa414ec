/**
 * The savings/premium report over 1,000,000 deals grouped by category and month
 * on SQLite (target ≤ 1 s), against the same-run reference of a naive JS reduce
 * over all rows (read through the same client), whose result must be equal:
 *   npx tsx bench/stats-report.bench.ts [--rows 1000000] [--runs 5]
 * Reports only; exits 0 even when the target is missed (it says so).
 */
import { rmSync } from "node:fs";
import { categoryOrder, type Category } from "@contracts/stats";
import { arg, freshDb, median, synthesizeDeals } from "./stats-lib";
import { addInto, dealBucket, emptyBucket, type Bucket } from "../server/stats/figures";
import { buildReport, monthBuckets } from "../server/stats/report";
import { dbProvider, sqlFor } from "../server/db";

const rows = Number(arg("--rows") ?? 1_000_000);
const runs = Number(arg("--runs") ?? 5);
const FROM = "2015-01-01";
const TO = "2024-12-31";

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [performance.now() - t0, v];
}

async function main() {
  const { db, dir } = await freshDb();
  try {
    const [genMs] = await timed(() => synthesizeDeals(db, rows));
    const count = Number((await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM "StatsDeal"`))[0]!.n);
    console.log(`${count.toLocaleString("en")} deals written in ${(genMs / 1000).toFixed(1)} s (${dir})`);
    const pg = dbProvider(db) === "postgresql";
    const plan = await db.$queryRawUnsafe<{ detail?: string; "QUERY PLAN"?: string }[]>(
      sqlFor(db, `${pg ? "EXPLAIN" : "EXPLAIN QUERY PLAN"} SELECT category, dealMonth, SUM(dealFen) FROM "StatsDeal" WHERE dealMonth BETWEEN 201501 AND 202412 AND dealDay BETWEEN 20150101 AND 20241231 GROUP BY category, dealMonth`),
    );
    console.log(`plan (${pg ? "PostgreSQL" : "SQLite"}): ${plan.map((p) => p.detail ?? p["QUERY PLAN"]).join(" | ")}`);

    await buildReport(db, { from: FROM, to: TO, by: "month" }); // warm-up
    const sqlMonth: number[] = [];
    const sqlCategory: number[] = [];
    const sqlHalf: number[] = [];
    let report;
    let half;
    for (let i = 0; i < runs; i++) {
      const [ms, r] = await timed(() => buildReport(db, { from: FROM, to: TO, by: "month" }));
      sqlMonth.push(ms);
      report = r;
      sqlCategory.push((await timed(() => buildReport(db, { from: FROM, to: TO, by: "category" })))[0]);
      const [hm, h] = await timed(() => buildReport(db, { from: "2018-01-01", to: "2018-06-30", by: "month" }));
      sqlHalf.push(hm);
      half = h;
    }

    // Reference: every row to JS, reduced there (the same buckets), once.
    const [naiveMs, naive] = await timed(async () => {
      const all = await db.$queryRawUnsafe<{ category: string; dealMonth: bigint; dealFen: bigint; budgetFen: bigint | null; referenceFen: bigint | null; remoteEvaluation: bigint | boolean }[]>(
        sqlFor(db, `SELECT category, dealMonth, dealFen, budgetFen, referenceFen, remoteEvaluation FROM "StatsDeal" WHERE dealDay BETWEEN 20150101 AND 20241231`),
      );
      const per = new Map<string, Bucket>();
      for (const r of all) {
        const k = `${r.category}|${r.dealMonth}`;
        let b = per.get(k);
        if (!b) per.set(k, (b = emptyBucket()));
        addInto(b, dealBucket({ dealFen: BigInt(r.dealFen), budgetFen: r.budgetFen === null ? null : BigInt(r.budgetFen), referenceFen: r.referenceFen === null ? null : BigInt(r.referenceFen), remoteEvaluation: Boolean(Number(r.remoteEvaluation)) }));
      }
      return per;
    });

    // Same numbers both ways.
    const sql = await monthBuckets(db, FROM, TO);
    let cells = 0;
    for (const [month, cats] of sql) {
      for (const c of categoryOrder as readonly Category[]) {
        const a = cats[c];
        const b = naive.get(`${c}|${month}`) ?? emptyBucket();
        if (JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) !== JSON.stringify(b, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) {
          throw new Error(`SQL and JS disagree at ${c} ${month}`);
        }
        cells++;
      }
    }
    if (report!.total.deals !== count) throw new Error(`report counts ${report!.total.deals} of ${count}`);

    const m = median(sqlMonth);
    const table = [
      ["case", "deals", "median ms", "min ms"],
      ["report by month (SQL, 120 months × 4 categories)", count.toLocaleString("en"), m.toFixed(0), Math.min(...sqlMonth).toFixed(0)],
      ["report by category (SQL)", count.toLocaleString("en"), median(sqlCategory).toFixed(0), Math.min(...sqlCategory).toFixed(0)],
      ["half-year 2018 by month (SQL)", (half?.total.deals ?? 0).toLocaleString("en"), median(sqlHalf).toFixed(1), Math.min(...sqlHalf).toFixed(1)],
      ["reference: every row to JS, reduce", count.toLocaleString("en"), naiveMs.toFixed(0), naiveMs.toFixed(0)],
    ];
    const w = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  "));
    console.log(`checked: SQL = JS in all ${cells} (category, month) cells; total ${report!.total.dealYuan} yuan`);
    console.log(`ratio: naive JS reduce / SQL report by month = ${(naiveMs / m).toFixed(1)}×`);
    console.log(`target ≤ 1000 ms for ${count.toLocaleString("en")} deals by category and month: ${m <= 1000 ? "met" : "NOT met"} (median ${m.toFixed(0)} ms, ${runs} runs)`);
  } finally {
    await db.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
