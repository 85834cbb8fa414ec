/**
 * Expert draw over a pool of 1,000,000 experts (reports only, never fails):
 *   npx tsx bench/experts-draw.bench.ts [--experts 1000000] [--runs 30] [--baseline-runs 7] [--keep]
 *
 * Builds the pool with a fast bulk insert (real encrypted ID numbers and
 * mobiles, indexes made after the load), adds exclusions (bidders' and the
 * owner's staff, declared relations, leaves, a draw history, same county,
 * manual), then draws 9 members + 3 backups over two sites (main: three
 * specialties province-wide; secondary: two specialties in another city):
 *   ours      = PoolReader.freeze (eligible lists of the 5 buckets, every exclusion
 *               counted, digests) + the seeded selection; warm bucket cache,
 *               and the first (cold) draw after a pool change reported apart;
 *   commands  = requestDraw + revealDraw through the app (one raw write transaction
 *               each for the frozen lists, exclusions, picks, audit rows; the
 *               invitations batched after), then cancel;
 *   baseline  = the same draw as one `... ORDER BY RANDOM() LIMIT n` per bucket with
 *               the same exclusions in SQL, on the same database in the same run.
 * `--keep` keeps the built database in data/bench/ and reuses it next time.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { flag, numArg, percentile, table } from "./lib/report";
import { SecretBox } from "../server/platform/secrets";
import { IdHasher } from "../server/experts/identity";
import { syntheticExperts, creditCodeFor } from "../server/experts/synth";
import { SAMPLE_TREE, flattenTree } from "../server/experts/specialties";
import { PoolReader, type FreezeRequest } from "../server/experts/buckets";
import { DrawWalk, selectInitial } from "../server/experts/sampler";
import { newSeed } from "../server/opening/draws";
import { sqlTime } from "../server/experts/raw";
import { recomputeBusyRaw } from "../server/experts/busy";
import { loadConfig } from "../server/config";
import { createApp } from "../server/app";
import { timeDrawCommands } from "./lib/experts-commands";

const require = createRequire(import.meta.url);
const N = numArg("experts", 1_000_000);
const RUNS = numArg("runs", 30);
const BASE_RUNS = numArg("baseline-runs", 7);
const keep = flag("keep");
const SECRET = "bench-experts-draw-secret-0123456789abcdef";

const dir = keep ? resolve("data/bench") : mkdtempSync(join(tmpdir(), "experts-draw-"));
mkdirSync(dir, { recursive: true });
const file = join(dir, `experts-${N}.db`);
const url = `file:${file}`;
const leaves = flattenTree(SAMPLE_TREE)
  .filter((s, _i, all) => !all.some((c) => c.parentCode === s.code))
  .map((s) => s.code);

const ms = (x: number) => `${x.toFixed(1)} ms`;

function migrate() {
  execFileSync(process.execPath, [require.resolve("prisma/build/index.js"), "migrate", "deploy"], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DATABASE_URL: url } });
}

function buildPool() {
  const t0 = performance.now();
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -200000");
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('Expert', 'ExpertSpecialtyLink') AND sql IS NOT NULL").all() as { name: string; sql: string }[];
  for (const i of indexes) db.exec(`DROP INDEX "${i.name}"`);
  const box = new SecretBox(SECRET);
  const ids = new IdHasher(SECRET);
  const now = sqlTime(new Date());
  const ins = db.prepare(
    `INSERT INTO Expert (id, name, idCipher, idHash, idMasked, mobileCipher, mobileMasked, regionCode, regionName, employerName, employerCreditCode, title, status, statusReason, createdAt, updatedAt)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`,
  );
  const link = db.prepare("INSERT INTO ExpertSpecialtyLink (expertId, specialtyCode, status, region) VALUES (?, ?, ?, ?)");
  const spec = db.prepare("INSERT OR IGNORE INTO ExpertSpecialty (code, name, parentCode, createdAt) VALUES (?, ?, ?, ?)");
  for (const s of flattenTree(SAMPLE_TREE)) spec.run(s.code, s.name, s.parentCode, now);
  let id = 0;
  const gen = syntheticExperts(N, { specialties: leaves, employers: 50_000, seed: 1 });
  const batch = db.transaction((rows: ReturnType<typeof gen.next>["value"][]) => {
    for (const e of rows) {
      if (!e) continue;
      id++;
      ins.run(id, e.name, box.seal(e.residentId), ids.hash(e.residentId), `${e.residentId.slice(0, 4)}**********${e.residentId.slice(-4)}`, box.seal(e.mobile), `${e.mobile.slice(0, 3)}****${e.mobile.slice(-4)}`, e.regionCode, e.regionName, e.employerName, e.employerCreditCode, e.title, e.status, now, now);
      for (const c of e.specialties) link.run(id, c, e.status, Number(e.regionCode));
    }
  });
  let rows: ReturnType<typeof gen.next>["value"][] = [];
  for (const e of gen) {
    rows.push(e);
    if (rows.length === 50_000) {
      batch(rows);
      rows = [];
      process.stderr.write(`\r  pool: ${id.toLocaleString("en")} experts`);
    }
  }
  batch(rows);
  process.stderr.write(`\r  pool: ${id.toLocaleString("en")} experts, making indexes…`);
  for (const i of indexes) db.exec(i.sql);
  db.exec("ANALYZE");
  db.prepare("INSERT INTO ExpertPoolState (id, generation, updatedAt) VALUES (1, 1, ?) ON CONFLICT(id) DO UPDATE SET generation = generation + 1").run(now);
  db.close();
  process.stderr.write("\n");
  return performance.now() - t0;
}

/** Exclusion data: leaves, relations, a draw history; returns the request's exclusion inputs. */
function addExclusionData(evaluationAt: Date) {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  const now = sqlTime(new Date());
  const count = (db.prepare("SELECT count(*) FROM ExpertLeave").pluck().get() as number) + (db.prepare("SELECT count(*) FROM ExpertPick").pluck().get() as number);
  const codeOf = (id: number) => db.prepare("SELECT employerCreditCode FROM Expert WHERE id = ?").pluck().get(1 + (id % N)) as string;
  const bidders = [11, 222, 3333, 4444, 5555].map((o) => codeOf(o * 97));
  const owner = codeOf(7777);
  if (count === 0) {
    db.transaction(() => {
      const leave = db.prepare("INSERT INTO ExpertLeave (id, expertId, startsAt, endsAt, reason, createdAt) VALUES (?, ?, ?, ?, '出差', ?)");
      for (let i = 0; i < 20_000; i++) leave.run(`lv${i}`, 1 + ((i * 7919) % N), sqlTime(new Date(evaluationAt.getTime() - 86_400_000)), sqlTime(new Date(evaluationAt.getTime() + 86_400_000 * (1 + (i % 5)))), now);
      const rel = db.prepare("INSERT INTO ExpertRelation (id, expertId, creditCode, companyName, relation, createdAt) VALUES (?, ?, ?, '', '近亲属', ?)");
      for (let i = 0; i < 5_000; i++) rel.run(`rl${i}`, 1 + ((i * 104729) % N), i % 10 === 0 ? bidders[i % 5]! : creditCodeFor("320500", 900_000 + i), now);
      // A month of history: 3,000 past draws × 10 picks, a few experts drawn often.
      const pick = db.prepare("INSERT INTO ExpertPick (id, drawId, bucketIndex, seq, position, expertId, kind, state, pickedAt, otpTries) VALUES (?, ?, 0, ?, 0, ?, 'member', 'accepted', ?, 0)");
      for (let d = 0; d < 3_000; d++) {
        for (let s = 1; s <= 10; s++) pick.run(`pk${d}-${s}`, `hist${d}`, s, s <= 3 ? 1 + (d % 500) : 1 + ((d * 31 + s * 7) % N), sqlTime(new Date(Date.now() - (d % 28) * 86_400_000)));
      }
      // Leaves are cached per pool generation: a writer of leaves bumps it (as the admin commands do).
      db.prepare("UPDATE ExpertPoolState SET generation = generation + 1 WHERE id = 1").run();
    })();
  }
  // The commands keep ExpertBusy up to date as they write picks; history written here is tallied once.
  db.transaction(() => recomputeBusyRaw(db, HISTORY.maxDraws, 30)).immediate();
  db.close();
  return { bidders, owner };
}

function freezeRequest(evaluationAt: Date, ex: { bidders: string[]; owner: string }, ids: IdHasher, manual: string[]): FreezeRequest {
  return {
    buckets: [
      { specialtyCode: "A010101", regionPrefix: "" },
      { specialtyCode: "A010201", regionPrefix: "" },
      { specialtyCode: "A0401", regionPrefix: "" },
      { specialtyCode: "A010101", regionPrefix: "3206" },
      { specialtyCode: "A0401", regionPrefix: "3206" },
    ],
    evaluationAt,
    bidderCodes: ex.bidders,
    ownerCodes: [ex.owner],
    ownerName: "演示县交通运输局",
    manual: manual.map((h) => ({ idHash: h, reason: "人工回避" })),
    sameCounty: "320506",
    now: new Date(),
  };
}
const HISTORY = { maxDraws: 3, windowStart: new Date(Date.now() - 30 * 86_400_000) };
const PLAN = [
  { need: 3, backups: 1 },
  { need: 2, backups: 1 },
  { need: 1, backups: 0 },
  { need: 2, backups: 1 },
  { need: 1, backups: 0 },
];

/** The same draw the naive way: per bucket, the exclusions in SQL and ORDER BY RANDOM() LIMIT n. */
function baselineDraw(db: Database.Database, req: FreezeRequest): number[] {
  const picked: number[] = [];
  const at = sqlTime(req.evaluationAt);
  const codes = [...req.bidderCodes, ...req.ownerCodes];
  req.buckets.forEach((b, i) => {
    const [lo, hi] = b.regionPrefix ? [b.regionPrefix, `${b.regionPrefix}~`] : ["0", "~"];
    const sql = `SELECT e.id FROM ExpertSpecialtyLink l JOIN Expert e ON e.id = l.expertId
      WHERE l.specialtyCode >= ? AND l.specialtyCode < ? AND e.status = 'active' AND e.regionCode >= ? AND e.regionCode < ?
        AND e.regionCode <> ?
        AND e.employerCreditCode NOT IN (${codes.map(() => "?").join(",")}) AND e.employerName <> ?
        AND e.id NOT IN (SELECT expertId FROM ExpertRelation WHERE creditCode IN (${codes.map(() => "?").join(",")}))
        AND e.id NOT IN (SELECT expertId FROM ExpertLeave WHERE endsAt > ? AND startsAt <= ?)
        AND e.id NOT IN (SELECT expertId FROM ExpertPick WHERE pickedAt >= ? AND state NOT IN ('reserve', 'cancelled') GROUP BY expertId HAVING count(*) >= ?)
        AND e.idHash NOT IN (${req.manual.map(() => "?").join(",")})
        AND e.id NOT IN (${picked.length ? picked.join(",") : "-1"})
      ORDER BY RANDOM() LIMIT ?`;
    const rows = db
      .prepare(sql)
      .pluck()
      .all(b.specialtyCode, `${b.specialtyCode}~`, lo, hi, req.sameCounty, ...codes, req.ownerName, ...codes, at, at, sqlTime(HISTORY.windowStart), HISTORY.maxDraws, ...req.manual.map((m) => m.idHash), PLAN[i]!.need + PLAN[i]!.backups) as number[];
    picked.push(...rows);
  });
  return picked;
}

async function main() {
  console.log(`expert draw benchmark: pool of ${N.toLocaleString("en")}, ${RUNS} runs (baseline ${BASE_RUNS}), node ${process.version}\n`);
  let buildMs = 0;
  if (!existsSync(file)) {
    migrate();
    buildMs = buildPool();
  } else {
    console.log(`  reusing ${file}`);
    migrate(); // migrations added since it was built
  }
  const evaluationAt = new Date(Date.now() + 2 * 86_400_000);
  const ex = addExclusionData(evaluationAt);
  const ids = new IdHasher(SECRET);
  const manualIds = (() => {
    const db = new Database(file, { readonly: true });
    const hs = db.prepare("SELECT idHash FROM Expert WHERE id IN (5, 50, 500, 5000, 50000)").pluck().all() as string[];
    db.close();
    return hs;
  })();
  const req = freezeRequest(evaluationAt, ex, ids, manualIds);

  // ── ours: freeze (5 buckets, all exclusions, digests) + seeded selection ──
  const reader = new PoolReader(url);
  const once = () => {
    const t0 = performance.now();
    const frozen = reader.freeze(req);
    const res = selectInitial(new DrawWalk(newSeed(), frozen.buckets.map((b) => b.eligible)), PLAN);
    if (!("picks" in res)) throw new Error("short");
    return { ms: performance.now() - t0, frozen, picks: res.picks };
  };
  const cold = once();
  const ours: number[] = [];
  for (let i = 0; i < RUNS; i++) ours.push(once().ms);
  const f = cold.frozen;

  // ── the commands through the app (Prisma, audit), warm ──
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dir, DATABASE_URL: url, LOG_LEVEL: "silent", APP_SECRET: SECRET, PORT: "0" });
  const app = await createApp(config);
  const { commands, reqOnly } = await timeDrawCommands(app, evaluationAt, ex.owner, Math.max(5, Math.floor(RUNS / 3)));
  app.ctx.experts.notifier = { name: "null", send: async () => undefined };
  await app.close();

  // ── baseline: ORDER BY RANDOM() LIMIT, same exclusions, same database ──
  const raw = new Database(file, { readonly: true });
  const base: number[] = [];
  let basePicks = 0;
  for (let i = 0; i < BASE_RUNS; i++) {
    const t0 = performance.now();
    basePicks = baselineDraw(raw, req).length;
    base.push(performance.now() - t0);
  }
  raw.close();
  reader.close();

  const med = (xs: number[]) => percentile(xs, 50);
  table([
    ["bucket", "candidates", "eligible", "excluded (top reasons)"],
    ...f.buckets.map((b, i) => [
      `${req.buckets[i]!.specialtyCode}${req.buckets[i]!.regionPrefix ? ` @${req.buckets[i]!.regionPrefix}` : ""}`,
      b.candidates.toLocaleString("en"),
      b.eligible.length.toLocaleString("en"),
      Object.entries(b.excluded)
        .sort((a, c) => c[1] - a[1])
        .map(([r, n]) => `${r} ${n}`)
        .join(", "),
    ]),
  ]);
  console.log("");
  table([
    ["draw of 9 + 3 backups over 2 sites", "median", "p99", "runs"],
    ["ours: freeze + select (warm cache)", ms(med(ours)), ms(percentile(ours, 99)), String(ours.length)],
    ["ours: first draw after a pool change (cold)", ms(cold.ms), "", "1"],
    ["ours: requestDraw (writes, audit)", ms(med(reqOnly)), ms(percentile(reqOnly, 99)), String(reqOnly.length)],
    ["ours: requestDraw + revealDraw commands", ms(med(commands)), ms(percentile(commands, 99)), String(commands.length)],
    ["baseline: ORDER BY RANDOM() LIMIT n per bucket", ms(med(base)), ms(percentile(base, 99)), String(base.length)],
  ]);
  console.log(`\nratio baseline / ours (median, freeze + select): ${(med(base) / med(ours)).toFixed(1)}×`);
  console.log(`ratio baseline / ours (median, full commands):   ${(med(base) / med(commands)).toFixed(1)}×`);
  console.log(`picks: ours ${cold.picks.length}, baseline ${basePicks}; exclusions recorded: ${f.exclusions.map((e) => `${e.reason} ${e.ids.length}`).join(", ")}`);
  if (buildMs) console.log(`pool built in ${(buildMs / 1000).toFixed(1)} s (${file})`);
  console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  process.exitCode = 0;
});
