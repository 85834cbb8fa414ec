/**
 * CSV import of 1,000,000 rows into the ledger with the progress bar, memory
 * flat: each size runs in a child process of its own (fresh database, fresh
 * CSV file) that reports its time and peak RSS; the 100,000-row run is the
 * same-run reference (flat memory: peak RSS ratio ≈ 1 for 10× the rows).
 *   npx tsx bench/stats-import.bench.ts [--rows 1000000] [--reference-rows 100000]
 * Then the same file is imported again (every code exists: the upsert path).
 */
import { execFileSync } from "node:child_process";
import { createReadStream, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { arg, freshDb, writeCsv } from "./stats-lib";
import { importDeals } from "../server/stats/import";
import { importProgress } from "../server/stats/cli";

interface ChildResult {
  rows: number;
  mb: number;
  writeCsvMs: number;
  importMs: number;
  mergeMs: number;
  reimportMs: number;
  peakRssMb: number;
  rssAtMb: number[];
  created: number;
  unchanged: number;
}

async function child(n: number): Promise<void> {
  const { db, dir } = await freshDb("hall-stats-import-bench-");
  const file = join(dir, "deals.csv");
  try {
    let t0 = performance.now();
    await writeCsv(file, n);
    const writeCsvMs = performance.now() - t0;
    const size = statSync(file).size;
    const rssAt: number[] = [];
    let next = 0.1;
    let mergeAt = 0;
    const bar = importProgress(size, true);
    const onProgress: typeof bar.onProgress = (p) => {
      bar.onProgress?.(p);
      if (p.phase === "merging") mergeAt = performance.now();
      while (p.bytes / size >= next && next <= 1.0001) {
        rssAt.push(process.memoryUsage.rss() / 1048576);
        next += 0.1;
      }
    };
    const actor = { kind: "system" as const, id: "bench", role: "system" };
    t0 = performance.now();
    const first = await importDeals(db, actor, createReadStream(file), { onProgress });
    const importMs = performance.now() - t0;
    const mergeMs = performance.now() - mergeAt;
    bar.stop();
    t0 = performance.now();
    const again = await importDeals(db, actor, createReadStream(file));
    const reimportMs = performance.now() - t0;
    const out: ChildResult = {
      rows: n,
      mb: size / 1048576,
      writeCsvMs,
      importMs,
      mergeMs,
      reimportMs,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      rssAtMb: rssAt,
      created: first.created,
      unchanged: again.unchanged,
    };
    process.stdout.write(`\n@@${JSON.stringify(out)}\n`);
  } finally {
    await db.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

function inChild(n: number): ChildResult {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child", String(n)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 26,
  });
  const line = out.split("\n").find((l) => l.startsWith("@@"));
  if (!line) throw new Error(`child ${n} printed no result:\n${out}`);
  return JSON.parse(line.slice(2)) as ChildResult;
}

async function main(): Promise<void> {
  const childRows = arg("--child");
  if (childRows) return child(Number(childRows));
  const rows = Number(arg("--rows") ?? 1_000_000);
  const refRows = Number(arg("--reference-rows") ?? 100_000);
  const ref = inChild(refRows);
  const big = inChild(rows);
  const table = [
    ["rows", "CSV MB", "import s", "of which merge s", "rows/s", "re-import s", "peak RSS MB", "RSS at 10…100 % read (MB)"],
    ...[ref, big].map((r) => [
      r.rows.toLocaleString("en"),
      r.mb.toFixed(1),
      (r.importMs / 1000).toFixed(1),
      (r.mergeMs / 1000).toFixed(1),
      Math.round(r.rows / (r.importMs / 1000)).toLocaleString("en"),
      (r.reimportMs / 1000).toFixed(1),
      r.peakRssMb.toFixed(0),
      r.rssAtMb.map((x) => x.toFixed(0)).join(" "),
    ]),
  ];
  const w = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) console.log(r.map((c, i) => c.padStart(w[i]!)).join("  "));
  if (big.created !== rows || big.unchanged !== rows) throw new Error(`imported ${big.created}, re-import unchanged ${big.unchanged}, expected ${rows}`);
  console.log(`checked: ${big.created.toLocaleString("en")} created, then ${big.unchanged.toLocaleString("en")} unchanged on re-import`);
  console.log(`ratio for ${rows / refRows}× the rows: peak RSS ${(big.peakRssMb / ref.peakRssMb).toFixed(2)}× (flat ≈ 1), time ${(big.importMs / ref.importMs).toFixed(1)}× (linear ≈ ${rows / refRows})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
