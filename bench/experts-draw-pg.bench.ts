/**
 * The expert draw on PostgreSQL (reports only, never fails): the same draw as
 * bench/experts-draw.bench.ts — 9 members + 3 backups over two sites, five
 * buckets, every exclusion — over a pool built in a fresh PostgreSQL database:
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
 *     npx tsx bench/experts-draw-pg.bench.ts [--experts 200000] [--runs 30] [--baseline-runs 7] [--keep]
 *
 *   ours      = PgPool.freeze (server/experts/pg.ts: exclusions read in one
 *               transaction, buckets from ExpertSpecialtyLink cached per pool
 *               generation) + the seeded selection; warm, and the first (cold) draw;
 *   commands  = requestDraw + revealDraw through the app (Prisma transactions), then cancel;
 *   baseline  = one `... ORDER BY random() LIMIT n` per bucket with the same
 *               exclusions in SQL, on the same database in the same run.
 * `--keep` keeps the database (its name is printed) instead of dropping it.
 */
import { performance } from "node:perf_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { flag, numArg, percentile, table } from "./lib/report";
import { SecretBox } from "../server/platform/secrets";
import { IdHasher } from "../server/experts/identity";
import { syntheticExperts, creditCodeFor } from "../server/experts/synth";
import { SAMPLE_TREE, flattenTree } from "../server/experts/specialties";
import type { FreezeRequest } from "../server/experts/buckets";
import { PgPool } from "../server/experts/pg";
import { DrawWalk, selectInitial } from "../server/experts/sampler";
import { newSeed } from "../server/opening/draws";
import { recomputeBusyPg } from "../server/experts/busy";
import { loadConfig } from "../server/config";
import { createApp } from "../server/app";
import { timeDrawCommands } from "./lib/experts-commands";
import { createMigratedDatabase, dropDatabase, randomDbName } from "../scripts/db/pg-databases";

const N = numArg("experts", 200_000);
const RUNS = numArg("runs", 30);
const BASE_RUNS = numArg("baseline-runs", 7);
const keep = flag("keep");
const SECRET = "bench-experts-draw-secret-0123456789abcdef";
const BASE_URL = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
if (!/^postgres(ql)?:\/\//.test(BASE_URL)) throw new Error("DATABASE_URL must be postgresql://… (a server to create the bench database on)");
const ms = (x: number) => `${x.toFixed(1)} ms`;
const leaves = flattenTree(SAMPLE_TREE)
  .filter((s, _i, all) => !all.some((c) => c.parentCode === s.code))
  .map((s) => s.code);

async function buildPool(c: pg.Client) {
  const t0 = performance.now();
  const box = new SecretBox(SECRET);
  const ids = new IdHasher(SECRET);
  const now = new Date();
  for (const s of flattenTree(SAMPLE_TREE)) {
    await c.query(`INSERT INTO "ExpertSpecialty" (code, name, "parentCode", "createdAt") VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [s.code, s.name, s.parentCode, now]);
  }
  await c.query(`ALTER TABLE "Expert" SET UNLOGGED`).catch(() => undefined);
  let id = 0;
  const cols: unknown[][] = Array.from({ length: 13 }, () => []);
  const links: unknown[][] = [[], [], [], []];
  const flush = async () => {
    if (cols[0]!.length === 0) return;
    await c.query(
      `INSERT INTO "Expert" (id, name, "idCipher", "idHash", "idMasked", "mobileCipher", "mobileMasked", "regionCode", "regionName", "employerName", "employerCreditCode", title, status, "statusReason", "createdAt", "updatedAt")
       SELECT u.*, '', $14::timestamptz, $14::timestamptz FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[]) AS u`,
      [...cols.slice(0, 13), now],
    );
    await c.query(`INSERT INTO "ExpertSpecialtyLink" ("expertId", "specialtyCode", status, region) SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[])`, links);
    for (const a of cols) a.length = 0;
    for (const a of links) a.length = 0;
  };
  for (const e of syntheticExperts(N, { specialties: leaves, employers: 50_000, seed: 1 })) {
    id++;
    const row = [id, e.name, box.seal(e.residentId), ids.hash(e.residentId), `${e.residentId.slice(0, 4)}**********${e.residentId.slice(-4)}`, box.seal(e.mobile), `${e.mobile.slice(0, 3)}****${e.mobile.slice(-4)}`, e.regionCode, e.regionName, e.employerName, e.employerCreditCode, e.title, e.status];
    row.forEach((v, i) => cols[i]!.push(v));
    for (const code of e.specialties) {
      links[0]!.push(id);
      links[1]!.push(code);
      links[2]!.push(e.status);
      links[3]!.push(Number(e.regionCode));
    }
    if (cols[0]!.length === 10_000) {
      await flush();
      process.stderr.write(`\r  pool: ${id.toLocaleString("en")} experts`);
    }
  }
  await flush();
  await c.query(`SELECT setval(pg_get_serial_sequence('"Expert"', 'id'), $1)`, [id]);
  await c.query(`INSERT INTO "ExpertPoolState" (id, generation, "updatedAt") VALUES (1, 1, $1) ON CONFLICT (id) DO UPDATE SET generation = "ExpertPoolState".generation + 1`, [now]);
  await c.query("ANALYZE");
  process.stderr.write("\n");
  return performance.now() - t0;
}

async function addExclusionData(c: pg.Client, evaluationAt: Date) {
  const now = new Date();
  const codeOf = async (id: number) => (await c.query<{ code: string }>(`SELECT "employerCreditCode" AS code FROM "Expert" WHERE id = $1`, [1 + (id % N)])).rows[0]!.code;
  const bidders: string[] = [];
  for (const o of [11, 222, 3333, 4444, 5555]) bidders.push(await codeOf(o * 97));
  const owner = await codeOf(7777);
  const lv: unknown[][] = [[], [], [], []];
  for (let i = 0; i < 20_000; i++) {
    lv[0]!.push(`lv${i}`);
    lv[1]!.push(1 + ((i * 7919) % N));
    lv[2]!.push(new Date(evaluationAt.getTime() - 86_400_000));
    lv[3]!.push(new Date(evaluationAt.getTime() + 86_400_000 * (1 + (i % 5))));
  }
  await c.query(`INSERT INTO "ExpertLeave" (id, "expertId", "startsAt", "endsAt", reason, "createdAt") SELECT u.*, '出差', $5::timestamptz FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::timestamptz[]) AS u`, [...lv, now]);
  const rl: unknown[][] = [[], [], []];
  for (let i = 0; i < 5_000; i++) {
    rl[0]!.push(`rl${i}`);
    rl[1]!.push(1 + ((i * 104729) % N));
    rl[2]!.push(i % 10 === 0 ? bidders[i % 5]! : creditCodeFor("320500", 900_000 + i));
  }
  await c.query(`INSERT INTO "ExpertRelation" (id, "expertId", "creditCode", "companyName", relation, "createdAt") SELECT u.*, '', '近亲属', $4::timestamptz FROM unnest($1::text[], $2::int[], $3::text[]) AS u(id, e, cc)`, [...rl, now]);
  const pk: unknown[][] = [[], [], [], [], []];
  for (let d = 0; d < 3_000; d++) {
    for (let s = 1; s <= 10; s++) {
      pk[0]!.push(`pk${d}-${s}`);
      pk[1]!.push(`hist${d}`);
      pk[2]!.push(s);
      pk[3]!.push(s <= 3 ? 1 + (d % 500) : 1 + ((d * 31 + s * 7) % N));
      pk[4]!.push(new Date(Date.now() - (d % 28) * 86_400_000));
    }
  }
  await c.query(
    `INSERT INTO "ExpertPick" (id, "drawId", "bucketIndex", seq, position, "expertId", kind, state, "pickedAt", "otpTries")
     SELECT u.id, u.d, 0, u.s, 0, u.e, 'member', 'accepted', u.at, 0 FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::timestamptz[]) AS u(id, d, s, e, at)`,
    pk,
  );
  await c.query(`UPDATE "ExpertPoolState" SET generation = generation + 1 WHERE id = 1`);
  return { bidders, owner };
}

const PLAN = [
  { need: 3, backups: 1 },
  { need: 2, backups: 1 },
  { need: 1, backups: 0 },
  { need: 2, backups: 1 },
  { need: 1, backups: 0 },
];
const MAX_DRAWS = 3;

function freezeRequest(evaluationAt: Date, ex: { bidders: string[]; owner: string }, manual: string[]): FreezeRequest {
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

/** The naive draw: per bucket, the exclusions in SQL and ORDER BY random() LIMIT n. */
async function baselineDraw(c: pg.Client, req: FreezeRequest): Promise<number> {
  const picked: number[] = [];
  const codes = [...req.bidderCodes, ...req.ownerCodes];
  const since = new Date(Date.now() - 30 * 86_400_000);
  for (const [i, b] of req.buckets.entries()) {
    const [lo, hi] = b.regionPrefix ? [b.regionPrefix, `${b.regionPrefix}~`] : ["0", "~"];
    const { rows } = await c.query<{ id: number }>(
      `SELECT e.id FROM "ExpertSpecialtyLink" l JOIN "Expert" e ON e.id = l."expertId"
       WHERE l."specialtyCode" >= $1 AND l."specialtyCode" < $2 AND e.status = 'active' AND e."regionCode" >= $3 AND e."regionCode" < $4
         AND e."regionCode" <> $5
         AND NOT (e."employerCreditCode" = ANY($6)) AND e."employerName" <> $7
         AND e.id NOT IN (SELECT "expertId" FROM "ExpertRelation" WHERE "creditCode" = ANY($6))
         AND e.id NOT IN (SELECT "expertId" FROM "ExpertLeave" WHERE "endsAt" > $8 AND "startsAt" <= $8)
         AND e.id NOT IN (SELECT "expertId" FROM "ExpertPick" WHERE "pickedAt" >= $9 AND state NOT IN ('reserve', 'cancelled') GROUP BY "expertId" HAVING count(*) >= $10)
         AND NOT (e."idHash" = ANY($11))
         AND NOT (e.id = ANY($12::int[]))
       ORDER BY random() LIMIT $13`,
      [b.specialtyCode, `${b.specialtyCode}~`, lo, hi, req.sameCounty, codes, req.ownerName, req.evaluationAt, since, MAX_DRAWS, req.manual.map((m) => m.idHash), picked, PLAN[i]!.need + PLAN[i]!.backups],
    );
    picked.push(...rows.map((r) => r.id));
  }
  return picked.length;
}

async function main() {
  console.log(`expert draw benchmark on PostgreSQL: pool of ${N.toLocaleString("en")}, ${RUNS} runs (baseline ${BASE_RUNS}), node ${process.version}\n`);
  const name = randomDbName("hall_bench");
  const url = await createMigratedDatabase(BASE_URL, name);
  const dir = mkdtempSync(join(tmpdir(), "experts-draw-pg-"));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const buildMs = await buildPool(c);
    const evaluationAt = new Date(Date.now() + 2 * 86_400_000);
    const ex = await addExclusionData(c, evaluationAt);
    const manualIds = (await c.query<{ h: string }>(`SELECT "idHash" AS h FROM "Expert" WHERE id IN (5, 50, 500, 5000, 50000)`)).rows.map((r) => r.h);
    const req = freezeRequest(evaluationAt, ex, manualIds);

    const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dir, DATABASE_URL: url, LOG_LEVEL: "silent", APP_SECRET: SECRET, PORT: "0" });
    const app = await createApp(config);
    app.ctx.experts.notifier = { name: "null", send: async () => undefined };
    await app.db.$transaction((tx) => recomputeBusyPg(tx, MAX_DRAWS, 30));

    // ── ours: freeze + seeded selection ──
    const reader = new PgPool(app.db);
    const once = async () => {
      const t0 = performance.now();
      const frozen = await reader.freeze(req);
      const res = selectInitial(new DrawWalk(newSeed(), frozen.buckets.map((b) => b.eligible)), PLAN);
      if (!("picks" in res)) throw new Error("short");
      return { ms: performance.now() - t0, frozen, picks: res.picks };
    };
    const cold = await once();
    const ours: number[] = [];
    for (let i = 0; i < RUNS; i++) ours.push((await once()).ms);
    const f = cold.frozen;

    // ── the commands through the app ──
    const { commands, reqOnly } = await timeDrawCommands(app, evaluationAt, ex.owner, Math.max(5, Math.floor(RUNS / 3)));
    await app.close();

    // ── baseline ──
    const base: number[] = [];
    let basePicks = 0;
    for (let i = 0; i < BASE_RUNS; i++) {
      const t0 = performance.now();
      basePicks = await baselineDraw(c, req);
      base.push(performance.now() - t0);
    }

    const med = (xs: number[]) => percentile(xs, 50);
    table([
      ["bucket", "candidates", "eligible", "excluded (top reasons)"],
      ...f.buckets.map((b, i) => [
        `${req.buckets[i]!.specialtyCode}${req.buckets[i]!.regionPrefix ? ` @${req.buckets[i]!.regionPrefix}` : ""}`,
        b.candidates.toLocaleString("en"),
        b.eligible.length.toLocaleString("en"),
        Object.entries(b.excluded)
          .sort((a, x) => x[1] - a[1])
          .map(([r, n]) => `${r} ${n}`)
          .join(", "),
      ]),
    ]);
    console.log("");
    table([
      ["draw of 9 + 3 backups over 2 sites (PostgreSQL)", "median", "p99", "runs"],
      ["ours: freeze + select (warm cache)", ms(med(ours)), ms(percentile(ours, 99)), String(ours.length)],
      ["ours: first draw after a pool change (cold)", ms(cold.ms), "", "1"],
      ["ours: requestDraw (writes, audit)", ms(med(reqOnly)), ms(percentile(reqOnly, 99)), String(reqOnly.length)],
      ["ours: requestDraw + revealDraw commands", ms(med(commands)), ms(percentile(commands, 99)), String(commands.length)],
      ["baseline: ORDER BY random() LIMIT n per bucket", ms(med(base)), ms(percentile(base, 99)), String(base.length)],
    ]);
    console.log(`\nratio baseline / ours (median, freeze + select): ${(med(base) / med(ours)).toFixed(1)}×`);
    console.log(`ratio baseline / ours (median, full commands):   ${(med(base) / med(commands)).toFixed(1)}×`);
    console.log(`picks: ours ${cold.picks.length}, baseline ${basePicks}; exclusions recorded: ${f.exclusions.map((e) => `${e.reason} ${e.ids.length}`).join(", ")}`);
    console.log(`pool built in ${(buildMs / 1000).toFixed(1)} s (database ${name}${keep ? ", kept" : ""})`);
    console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await c.end();
    rmSync(dir, { recursive: true, force: true });
    if (!keep) await dropDatabase(BASE_URL, name);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 0;
});
