// A new center's first start and its CLIs (server/boot.ts, server/seed): every CLI
// works on a fresh DATA_DIR (it migrates first, with the server's DATA_DIR rules);
// a bad DATABASE_URL is one clear line; APP_SECRET is checked against the database's
// key check value before anything is written (server start and CLI); a center's own
// specialty tree imported before the first start makes the demo skip its pool with
// a line, never fail the start; DEMO=off seeds nothing.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../server/app";
import { checkAppSecret, StartupError } from "../server/boot";
import { ConfigError, loadConfig } from "../server/config";
import { createDb } from "../server/db";
import { DEMO_PROJECT_CODE } from "../server/seed/content";
import { seedOnStart } from "../server/seed/start";
import { listRules, setRule } from "../server/stats/rules";
import { startTestApp } from "./helpers/app";

const exec = promisify(execFile);
const template = inject("dbTemplate");
const onSqlite = !/^postgres(ql)?:\/\//.test(template);
const dirs: string[] = [];
const tempDir = (tag: string) => {
  const d = mkdtempSync(join(tmpdir(), `hall-first-${tag}-`));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const OTHER_SECRET = "another-secret-".padEnd(40, "x");

/** Runs a CLI with tsx as `npm run` would, on its own environment (never the test run's database). */
async function cli(script: string, args: string[], env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "test", LOG_LEVEL: "silent" };
  for (const k of ["DATABASE_URL", "APP_SECRET", "DATA_DIR", "REDIS_URL", "DEMO"]) delete base[k];
  return exec(process.execPath, ["--import", "tsx", script, ...args], { env: { ...base, ...env }, maxBuffer: 16 << 20 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" }),
  );
}

/** What a refused run must not have changed. */
async function footprint(databaseUrl: string) {
  const db = createDb(databaseUrl);
  try {
    return JSON.stringify({
      audit: await db.auditEvent.count(),
      check: await db.secretCheck.findMany(),
      specialties: await db.expertSpecialty.count(),
      experts: await db.expert.count(),
      deals: await db.statsDeal.count(),
      centers: await db.center.count(),
    });
  } finally {
    await db.$disconnect();
  }
}

const TREE = { nodes: [{ code: "C01", name: "本中心工程类", children: [{ code: "C0101", name: "本中心房建" }, { code: "C0102", name: "本中心市政" }] }] };

describe.skipIf(!onSqlite)("a fresh DATA_DIR: CLIs migrate it, the secret is checked, the demo fits itself to the center's data", () => {
  const dir = tempDir("cli");
  const url = `file:${join(dir, "hall.db")}`;

  it("db:migrate migrates DATA_DIR/hall.db (not ./data), then has nothing to do", async () => {
    const first = await cli("scripts/db/migrate.ts", [], { DATA_DIR: dir });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applying \d+ migrations to file:.*hall\.db \(0001_init … \d{4}_\w+\)/);
    expect(existsSync(join(dir, "hall.db"))).toBe(true);
    expect(existsSync(join(dir, "app-secret"))).toBe(true); // the server's dev secret, made where the server makes it
    const again = await cli("scripts/db/migrate.ts", [], { DATA_DIR: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("up to date, nothing to apply");
  }, 180_000);

  it("stats import works on a new database of its own (migrated first), then on this one", async () => {
    const fresh = tempDir("stats");
    const r = await cli("server/stats/cli.ts", ["import", "server/seed/data/half-year-2018.csv"], { DATA_DIR: fresh });
    expect(r.stderr).toMatch(/\[db\] applying \d+ migrations/);
    expect(r.stdout).toMatch(/71 rows — 71 created/);
    expect(r.code).toBe(0);
  }, 180_000);

  it("the experts CLI with another APP_SECRET refuses, naming APP_SECRET and DATA_DIR/app-secret, and writes nothing", async () => {
    const treeFile = join(dir, "tree.json");
    writeFileSync(treeFile, JSON.stringify(TREE));
    const before = await footprint(url);
    const wrong = await cli("server/experts/cli.ts", ["specialties", treeFile], { DATA_DIR: dir, APP_SECRET: OTHER_SECRET });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrong.stderr).toContain("APP_SECRET does not match the database");
    expect(wrong.stderr).toContain(`DATA_DIR/app-secret (${join(dir, "app-secret")}`);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
    expect(await footprint(url)).toBe(before);
    // the right secret (DATA_DIR/app-secret, as the server reads it): the center's own tree is imported
    const right = await cli("server/experts/cli.ts", ["specialties", treeFile], { DATA_DIR: dir });
    expect(right.stdout).toContain("specialties: 3 added, 0 renamed, 3 in the tree");
    expect(right.code).toBe(0);
  }, 180_000);

  it("the first start after the center imported its own tree seeds the rest and says what it skipped", async () => {
    const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dir, LOG_LEVEL: "silent", CLIENT_DIST: join(dir, "dist") });
    const seeded = await seedOnStart(config);
    expect(seeded).not.toBeNull();
    expect(seeded!.message).toMatch(/^seeded the demo in [\d.]+ s: 15 devices, 0 experts, 71 deals, open tender DEMO-GC-001/);
    expect(seeded!.skipped).toHaveLength(1);
    expect(seeded!.skipped[0]).toMatch(/^demo expert pool skipped: the specialty tree is the center's own and lacks \d+ code\(s\) the demo experts use \(A0101\d\d, /);
    const db = createDb(config.databaseUrl);
    try {
      expect(await db.expertSpecialty.count()).toBe(3); // the center's tree is untouched
      expect(await db.expert.count()).toBe(0);
      expect(await db.project.count({ where: { code: DEMO_PROJECT_CODE } })).toBe(1);
    } finally {
      await db.$disconnect();
    }
    expect(await seedOnStart(config)).toBeNull(); // and the next start has nothing to do
  }, 120_000);

  it("npm start with another APP_SECRET refuses before it writes anything", async () => {
    const before = await footprint(url);
    const r = await cli("scripts/start.ts", ["--no-build"], { DATA_DIR: dir, APP_SECRET: OTHER_SECRET, PORT: "0" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("APP_SECRET does not match the database");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await footprint(url)).toBe(before);
  }, 120_000);

  it("a bad or unreachable DATABASE_URL is one clear line, no stack trace", async () => {
    const pg = await cli("server/stats/cli.ts", ["categories"], { DATA_DIR: dir, DATABASE_URL: "postgresql://nobody@127.0.0.1:1/hall" });
    expect(pg.code).toBe(2);
    expect(pg.stderr.trim().split("\n")).toHaveLength(1);
    expect(pg.stderr).toMatch(/cannot use the database postgresql:\/\/\*\*\*@127\.0\.0\.1:1\/hall: .*(reach|refused).*check DATABASE_URL/i);
    const file = await cli("server/experts/cli.ts", ["specialties"], { DATA_DIR: dir, DATABASE_URL: "file:/dev/null/hall.db" });
    expect(file.code).toBe(2);
    expect(file.stderr.trim().split("\n")).toHaveLength(1);
    expect(file.stderr).toMatch(/cannot use the database file:\/dev\/null\/hall\.db: .*check DATABASE_URL/);
    const scheme = await cli("scripts/audit-verify.ts", [], { DATA_DIR: dir, DATABASE_URL: "mysql://x@y/z" });
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/DATABASE_URL: must start with "file:" \(SQLite\) or "postgresql:\/\/"/);
    expect(scheme.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});

describe("APP_SECRET against the database's key check value (createApp: the server, the seed, the tests)", () => {
  it("a database made before the check gets one at its first start; another secret is then refused, nothing written", async () => {
    const t = await startTestApp({}, { seed: "none" });
    const { config } = t;
    try {
      const db = t.app.db;
      expect(await db.secretCheck.count()).toBe(1); // written by this first start
      await db.secretCheck.deleteMany(); // as a database migrated from before this change
      expect(await checkAppSecret(db, config)).toBe("written");
      expect(await checkAppSecret(db, config)).toBe("ok");
    } finally {
      await t.app.close(); // keeps its data folder and database for the starts below
    }
    const before = await footprint(config.databaseUrl);
    const other = { ...config, appSecret: OTHER_SECRET };
    const refused = await createApp(other).then(
      (app) => app.close().then(() => null),
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StartupError);
    expect((refused as Error).message).toMatch(/APP_SECRET does not match the database .*DATA_DIR\/app-secret/);
    expect(await footprint(config.databaseUrl)).toBe(before);
    const again = await createApp(config); // the right secret: fine
    await again.close();
    await t.close();
  }, 60_000);

  it("an old database with sealed data and no check value yet: another secret is refused, not written as the check", async () => {
    const t = await startTestApp({}, { seed: "content" });
    const { config } = t;
    try {
      expect(await t.app.db.expert.count()).toBeGreaterThan(0);
      await t.app.db.secretCheck.deleteMany();
    } finally {
      await t.app.close();
    }
    const before = await footprint(config.databaseUrl);
    await expect(createApp({ ...config, appSecret: OTHER_SECRET })).rejects.toThrow(/APP_SECRET does not match the database/);
    expect(await footprint(config.databaseUrl)).toBe(before);
    const db = createDb(config.databaseUrl);
    try {
      expect(await checkAppSecret(db, config)).toBe("written"); // the database's own secret opens its sealed data
    } finally {
      await db.$disconnect();
      await t.close();
    }
  }, 90_000);
});

describe.skipIf(!onSqlite)("DEMO", () => {
  it("a center that set its own category rules first: the demo ledger is skipped with a line, the rest is seeded", async () => {
    const dir = tempDir("rules");
    copyFileSync(template, join(dir, "hall.db"));
    const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dir, LOG_LEVEL: "silent", CLIENT_DIST: join(dir, "dist") });
    const db = createDb(config.databaseUrl);
    try {
      const engineering = (await listRules(db)).find((r) => r.category === "engineering")!;
      await setRule(db, { kind: "system", id: "cli:test", role: "system" }, { ...engineering, budget: "forbidden" });
    } finally {
      await db.$disconnect();
    }
    const seeded = await seedOnStart(config);
    expect(seeded!.message).toMatch(/: 15 devices, 120 experts, 0 deals, open tender DEMO-GC-001/);
    expect(seeded!.skipped).toEqual([expect.stringMatching(/^demo statistics ledger skipped: the center's rules refuse it \(.*budget/)]);
  }, 120_000);

  it("DEMO=off starts with no demo at all; a bad value names the variable", async () => {
    const dir = tempDir("nodemo");
    copyFileSync(template, join(dir, "hall.db"));
    const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dir, DEMO: "off", LOG_LEVEL: "silent" });
    expect(config.demo).toBe(false);
    expect(await seedOnStart(config)).toBeNull();
    expect(JSON.parse(await footprint(config.databaseUrl))).toMatchObject({ audit: 0, centers: 0, experts: 0, deals: 0, specialties: 0 });
    expect(existsSync(join(dir, "demo-devices.json"))).toBe(false);
    expect(loadConfig({ DATA_DIR: dir }).demo).toBe(true);
    expect(() => loadConfig({ DATA_DIR: dir, DEMO: "no" })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dir, DEMO: "no" })).toThrow(/DEMO: must be "on" \(seed the demo center on a new database\) or "off" \(no demo at all\)/);
  });
});
