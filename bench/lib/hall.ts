// The hall under test: a fresh SQLite file migrated with the real Prisma CLI,
// the real app (createApp) seeded with the demo center, listening on port 0.
// The benchmarks run it in a child process (bench/lib/hall-child.ts) so its
// CPU, event loop and memory are measured apart from the load generator;
// `--inproc` runs the same code in the benchmark's own process.
//
// Besides the HTTP/Socket.IO surface the hall offers a few set-up operations
// that go straight to the database (bulk bidder accounts, "time passes",
// forcing a finished opening closed) and measurement hooks (memory, GC,
// a CPU profile of a time window through node:inspector).
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { creditCodeCheckChar } from "../../server/contracts/ids";
import { createApp, type App } from "../../server/app";
import { hashPassword } from "../../server/auth/password";
import { loadConfig } from "../../server/config";
import { seedDemo, type DemoDevice } from "../../server/seed/demo";
import { installSqlCounters, instrumentApp, startWindow, stopWindow, whatIfHub, whatIfLimitSubmitKey, whatIfUploadHighWaterMark, type WindowStats } from "./instrument";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface HallInfo {
  url: string;
  pid: number;
  dataDir: string;
  devices: DemoDevice[];
}

export interface BidderAccount {
  username: string;
  password: string;
  companyId: string;
  companyName: string;
  creditCode: string;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Every operation takes one JSON argument and answers JSON (it crosses the IPC channel). */
export interface HallOps {
  addBidders(a: { count: number }): Promise<BidderAccount[]>;
  passDeadline(a: { lotId: string }): Promise<void>;
  forceClose(a: { lotId: string }): Promise<void>;
  memory(a: Record<string, never>): Promise<MemorySample>;
  gc(a: Record<string, never>): Promise<boolean>;
  profileStart(a: { samplingIntervalUs?: number }): Promise<void>;
  profileStop(a: { file: string }): Promise<string>;
  /** CPU time used by the hall's process so far (µs). */
  cpu(a: Record<string, never>): Promise<{ userUs: number; systemUs: number }>;
  /** Event-loop delay since the last reset (ms): the hall's own responsiveness. */
  loopDelay(a: { reset?: boolean }): Promise<{ p50: number; p99: number; max: number; mean: number }>;
  /** Starts counting SQL statements, stream builds and domain events (see ./instrument.ts). */
  statsStart(a: Record<string, never>): Promise<void>;
  statsStop(a: { top?: number }): Promise<WindowStats>;
  /** Rows the live hub wrote for a stream, and its held version. */
  liveStats(a: { stream: string }): Promise<{ version: number | null; updateRows: number; stateBytes: number }>;
}

export interface Hall {
  info: HallInfo;
  ops: HallOps;
  close(): Promise<void>;
}

export const BENCH_PASSWORD = "Bench@2026";

/** Applies the committed migrations to a new SQLite file with the real Prisma CLI. */
export function migrate(dbFile: string): void {
  execFileSync(process.execPath, [join(REPO_ROOT, "node_modules/prisma/build/index.js"), "migrate", "deploy"], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: `file:${dbFile}` },
    stdio: "pipe",
  });
}

let batch = 0;

export async function startHall(env: Record<string, string> = {}): Promise<Hall> {
  const dir = mkdtempSync(join(tmpdir(), "hall-bench-"));
  const dbFile = join(dir, "hall.db");
  migrate(dbFile);
  const config = loadConfig({
    NODE_ENV: "production",
    APP_SECRET: randomBytes(32).toString("base64url"),
    DATA_DIR: dir,
    DATABASE_URL: `file:${dbFile}`,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "silent",
    CLIENT_DIST: join(dir, "dist"),
    ...env,
  });
  installSqlCounters();
  const app: App = await createApp(config);
  instrumentApp(app);
  // Bench-only what-ifs of proposed server changes (see ./instrument.ts); after instrumentApp, so counts stay per real rebuild.
  const whatIf = (process.env.BENCH_WHATIF ?? "").split(",");
  if (whatIf.some((w) => ["coalesce", "throttle", "serial"].includes(w))) {
    whatIfHub(app, { minIntervalMs: whatIf.includes("throttle") ? 250 : 0, serial: whatIf.includes("serial") });
  }
  if (whatIf.includes("limit")) whatIfLimitSubmitKey(4);
  if (whatIf.includes("hwm")) whatIfUploadHighWaterMark();
  const seeded = await seedDemo(app.db);
  await new Promise<void>((r) => app.http.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  let profiler: Session | null = null;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  const ops: HallOps = {
    async addBidders({ count }) {
      const b = ++batch;
      const center = await app.db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
      const passwordHash = await hashPassword(BENCH_PASSWORD); // slow (scrypt): once for all
      const accounts: BidderAccount[] = [];
      const companies = [];
      const users = [];
      for (let i = 1; i <= count; i++) {
        // "9133010" + batch(3) + "MA" + index(5): 17 characters of the GB 32100 set.
        const first17 = `9133010${String(b).padStart(3, "0")}MA${String(i).padStart(5, "0")}`;
        const creditCode = first17 + creditCodeCheckChar(first17)!;
        const id = randomUUID();
        const name = `基准测试第${b}批${String(i).padStart(3, "0")}号建设工程有限公司`;
        const username = `bench${b}-${String(i).padStart(3, "0")}`;
        companies.push({ id, centerId: center.id, name, creditCode, contact: `联系人 ${i}` });
        users.push({ username, displayName: `投标人 ${username}`, role: "bidder", passwordHash, companyId: id });
        accounts.push({ username, password: BENCH_PASSWORD, companyId: id, companyName: name, creditCode });
      }
      await app.db.$transaction([app.db.company.createMany({ data: companies }), app.db.user.createMany({ data: users })]);
      return accounts;
    },
    async passDeadline({ lotId }) {
      const past = new Date(Date.now() - 1000);
      await app.db.lot.update({ where: { id: lotId }, data: { bidDeadline: past, openingTime: past } });
    },
    async forceClose({ lotId }) {
      const lot = await app.db.lot.findUniqueOrThrow({ where: { id: lotId } });
      await app.db.openingSession.update({ where: { lotId }, data: { stage: "closed", closedAt: new Date() } });
      await app.db.lot.update({ where: { id: lotId }, data: { status: "opened" } });
      app.ctx.timers.cancel(`decrypt:${lotId}`);
      app.ctx.timers.cancel(`confirm:${lotId}`);
      app.ctx.events.emit("opening.changed", { lotId, roomId: lot.roomId });
    },
    async memory() {
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
    },
    async gc() {
      const g = (globalThis as { gc?: () => void }).gc;
      if (!g) return false;
      g();
      return true;
    },
    async profileStart({ samplingIntervalUs }) {
      profiler = new Session();
      profiler.connect();
      await profiler.post("Profiler.enable");
      if (samplingIntervalUs) await profiler.post("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
      await profiler.post("Profiler.start");
    },
    async profileStop({ file }) {
      if (!profiler) throw new Error("profiler not started");
      const { profile } = await profiler.post("Profiler.stop");
      profiler.disconnect();
      profiler = null;
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
    async cpu() {
      const c = process.cpuUsage();
      return { userUs: c.user, systemUs: c.system };
    },
    async loopDelay({ reset }) {
      const r = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6, mean: loop.mean / 1e6 };
      if (reset) loop.reset();
      return r;
    },
    async statsStart() {
      startWindow();
    },
    async statsStop({ top }) {
      return stopWindow(top);
    },
    async liveStats({ stream }) {
      const row = await app.db.liveStream.findUnique({ where: { key: stream } });
      const updateRows = await app.db.liveUpdate.count({ where: { key: stream } });
      return { version: app.ctx.hub.versionOf(stream) ?? null, updateRows, stateBytes: row ? Buffer.byteLength(row.state) : 0 };
    },
  };

  return {
    info: { url, pid: process.pid, dataDir: dir, devices: seeded?.devices ?? [] },
    ops,
    async close() {
      profiler?.disconnect();
      loop.disable();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
