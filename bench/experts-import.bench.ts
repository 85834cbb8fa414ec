/**
 * Import of experts from CSV (reports only, never fails):
 *   npx tsx bench/experts-import.bench.ts [--rows 1000000] [--small 100000]
 *
 * Writes synthetic CSV files (valid ID numbers and credit codes), then imports
 * each into a fresh migrated database in a child process (the real importer:
 * validate + encrypt + stage, then batched transactions with audit rows), and
 * prints time, rows per second and the child's peak RSS (VmHWM). The small and
 * the large file side by side show whether memory stays flat as rows grow.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { numArg, table } from "./lib/report";

const require = createRequire(import.meta.url);
const SECRET = "bench-experts-import-secret-0123456789abcdef";

async function child(file: string, dbUrl: string) {
  const { importExperts } = await import("../server/experts/importer");
  const { SecretBox } = await import("../server/platform/secrets");
  const { IdHasher } = await import("../server/experts/identity");
  const { createDb } = await import("../server/db");
  const { ensureSampleTree } = await import("../server/experts/specialties");
  const db = createDb(dbUrl);
  await ensureSampleTree(db, { kind: "system", id: "bench", role: "admin" });
  await db.$disconnect();
  const t0 = performance.now();
  const r = await importExperts(
    { databaseUrl: dbUrl, box: new SecretBox(SECRET), ids: new IdHasher(SECRET) },
    { file, format: "csv", policy: "all-or-nothing", actor: { kind: "system", id: "bench", role: "admin" } },
  );
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, imported: r.imported, rejected: r.rejected, committed: r.committed }));
}

/** Runs the import in a child and polls its peak RSS (VmHWM) from /proc. */
async function measured(file: string, dbUrl: string) {
  const proc = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", file, dbUrl], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
  let peakKB = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"));
      if (m) peakKB = Math.max(peakKB, Number(m[1]));
    } catch {
      /* exited */
    }
  }, 50);
  const code = await new Promise<number | null>((res) => proc.on("exit", res));
  clearInterval(poll);
  if (code !== 0) throw new Error(`import child exited with ${code}`);
  return { ...(JSON.parse(out) as { ms: number; imported: number; rejected: number; committed: boolean }), peakMiB: peakKB / 1024 };
}

async function main() {
  const rows = numArg("rows", 1_000_000);
  const small = numArg("small", 100_000);
  const dir = mkdtempSync(join(tmpdir(), "experts-import-"));
  console.log(`expert import benchmark: ${small.toLocaleString("en")} and ${rows.toLocaleString("en")} CSV rows, node ${process.version}\n`);
  try {
    const results: string[][] = [["rows", "file", "import time", "rows/s", "peak RSS", "imported"]];
    for (const n of [small, rows]) {
      const file = join(dir, `experts-${n}.csv`);
      execFileSync(process.execPath, ["--import", "tsx", "server/experts/cli.ts", "generate", file, "--rows", String(n)], { stdio: "ignore" });
      const dbUrl = `file:${join(dir, `import-${n}.db`)}`;
      execFileSync(process.execPath, [require.resolve("prisma/build/index.js"), "migrate", "deploy"], { stdio: "ignore", env: { ...process.env, DATABASE_URL: dbUrl } });
      const r = await measured(file, dbUrl);
      results.push([
        n.toLocaleString("en"),
        `${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`,
        `${(r.ms / 1000).toFixed(1)} s`,
        Math.round(r.imported / (r.ms / 1000)).toLocaleString("en"),
        `${r.peakMiB.toFixed(0)} MiB`,
        `${r.imported.toLocaleString("en")}${r.committed ? "" : " (NOT committed)"}`,
      ]);
      rmSync(file, { force: true });
    }
    table(results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const i = process.argv.indexOf("--child");
if (i >= 0) await child(process.argv[i + 1]!, process.argv[i + 2]!);
else await main().catch((err: unknown) => console.error(err));
