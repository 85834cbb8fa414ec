// Benchmark: action-to-last-device latency with two server processes through
// Redis against one process, same run (goal ≤ 1.5×).
//
// Timed: `room:setNotice` emitted on an agent socket (clock read just before the
// emit) → the resulting `live:update` arriving at the LAST of N device sockets
// joined to `room:<K01 id>`; p50 / p99 over the broadcasts.
//   reference  one process (PostgreSQL, no Redis: Socket.IO's in-memory adapter)
//   measured   two processes (PostgreSQL + Redis streams adapter); the agent is on
//              process B, the devices alternate A, B, A, … so half of them get the
//              update through Redis.
// Both run on the same PostgreSQL server, each on a fresh database copied from one
// migrated template; servers are child processes (test/helpers/server-entry.ts),
// all client sockets live in this process (one clock for emit and arrivals).
// Per N, repetitions alternate the order (1p→2p, 2p→1p, …); figures are medians of reps.
//
// Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
//          npx tsx bench/scaleout.bench.ts [--n 1000,10000] [--reps 2] [--broadcasts 30] [--gap-ms 60] [--conc 100]
// Reports only; never exits non-zero (but says when the services are missing).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { io as ioClient } from "socket.io-client";
import { createClient } from "redis";
import { createDatabase, createMigratedDatabase, dropDatabase, pgReachable, randomDbName } from "../scripts/db/pg-databases";
import type { DemoDevice } from "../server/seed/demo";
import { onEntryOutput } from "../test/helpers/server-process";
import { call, type HallSocket } from "./lib/client";

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : def;
};
const NS = arg("n", "1000,10000").split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
const REPS = Number(arg("reps", "2"));
const BROADCASTS = Number(arg("broadcasts", "30"));
const WARMUP = 3;
const GAP_MS = Number(arg("gap-ms", "60"));
const CONC = Number(arg("conc", "100"));
const GOAL = 1.5;
const pgUrl = /^postgres/.test(process.env.DATABASE_URL ?? "") ? process.env.DATABASE_URL! : "postgresql://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hr = () => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const median = (xs: number[]) => pct(xs, 50);

interface Proc {
  child: ChildProcess;
  url: string;
  devices: DemoDevice[];
}

function startServer(env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/server-entry.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let devices: DemoDevice[] = [];
    onEntryOutput(child.stdout!, {
      seeded: (d) => (devices = d),
      listening: (port) => resolve({ child, url: `http://127.0.0.1:${port}`, devices }),
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const gone = new Promise((r) => p.child.once("exit", r));
  p.child.kill("SIGTERM");
  const t = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await gone;
  clearTimeout(t);
}

const connect = (url: string, auth: Record<string, string>): Promise<HallSocket> =>
  new Promise((resolve, reject) => {
    const s: HallSocket = ioClient(url, { auth, transports: ["websocket"], reconnection: false, forceNew: true });
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });

/** One configuration: its servers up, N devices joined; returns per-broadcast last-device latencies. */
async function measure(mode: "1p" | "2p", n: number, template: string): Promise<{ last: number[]; incomplete: number }> {
  const dir = mkdtempSync(join(tmpdir(), `hall-scalebench-${mode}-`));
  const dbName = randomDbName("hall_bench");
  const prefix = randomDbName("hall_bench");
  const dbUrl = await createDatabase(pgUrl, dbName, template);
  const env: Record<string, string> = {
    NODE_ENV: "test",
    DATA_DIR: dir,
    DATABASE_URL: dbUrl,
    APP_SECRET: randomBytes(32).toString("hex"),
    LOG_LEVEL: "error",
    CLIENT_DIST: join(dir, "dist"),
    PORT: "0",
    EVENT_RATE_PER_SECOND: "1000",
    ...(mode === "2p" ? { REDIS_URL: redisUrl, REDIS_PREFIX: prefix } : {}),
  };
  const procs: Proc[] = [];
  const sockets: HallSocket[] = [];
  try {
    procs.push(await startServer({ ...env, HALL_SEED: "1" }));
    if (mode === "2p") procs.push(await startServer(env));
    const [A, B] = [procs[0]!, procs[procs.length - 1]!];
    const keys = A.devices.filter((d) => d.code.startsWith("K01-")).map((d) => d.key);
    const login = await fetch(`${B.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "agent", password: "Demo@2026" }) });
    const token = ((await login.json()) as { data: { token: string } }).data.token;
    const agent = await connect(B.url, { token });
    sockets.push(agent);
    const rooms = (await (await fetch(`${B.url}/api/rooms`, { headers: { authorization: `Bearer ${token}` } })).json()) as { data: { id: string; code: string }[] };
    const roomId = rooms.data.find((r) => r.code === "K01")!.id;
    const stream = `room:${roomId}`;

    // Arrivals per version: how many devices have it and when the last one did.
    const arrivals = new Map<number, { count: number; last: number }>();
    let i = 0;
    while (i < n) {
      const batch = Array.from({ length: Math.min(CONC, n - i) }, async (_, j) => {
        const k = i + j;
        const s = await connect(procs[k % procs.length]!.url, { deviceKey: keys[k % keys.length]! });
        s.on("live:update", (u: { stream: string; version: number }) => {
          if (u.stream !== stream) return;
          const a = arrivals.get(u.version) ?? { count: 0, last: 0 };
          a.count++;
          a.last = hr();
          arrivals.set(u.version, a);
        });
        const r = await call(s, "live:join", { stream }, 30_000);
        if (!r.ok) throw new Error(`join: ${r.error?.code}`);
        return s;
      });
      sockets.push(...(await Promise.all(batch)));
      i += batch.length;
    }
    await sleep(1000);
    const last: number[] = [];
    let incomplete = 0;
    let maxSeen = Math.max(0, ...arrivals.keys());
    for (let b = 0; b < WARMUP + BROADCASTS; b++) {
      const t0 = hr();
      const res = await call(agent, "room:setNotice", { roomId, notice: `第${b}次公告 ${"开标".repeat(100)}` }, 30_000);
      if (!res.ok) throw new Error(`setNotice: ${res.error?.code}`);
      const deadline = Date.now() + 30_000;
      let got: number | null = null;
      while (Date.now() < deadline) {
        for (const [v, a] of arrivals) {
          if (v > maxSeen && a.count >= n) {
            got = a.last - t0;
            maxSeen = v;
          }
        }
        if (got !== null) break;
        await sleep(2);
      }
      if (b >= WARMUP) {
        if (got === null) incomplete++;
        else last.push(got);
      }
      if (got === null) maxSeen = Math.max(maxSeen, ...arrivals.keys());
      await sleep(GAP_MS);
    }
    return { last, incomplete };
  } finally {
    for (const s of sockets) s.disconnect();
    for (const p of procs) await stop(p);
    await dropDatabase(pgUrl, dbName).catch(() => undefined);
    if (mode === "2p") {
      const r = createClient({ url: redisUrl });
      await r.connect();
      for await (const keys of r.scanIterator({ MATCH: `${prefix}:*`, COUNT: 100 })) if (keys.length) await r.del(keys);
      await r.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  try {
    await pgReachable(pgUrl);
    const r = createClient({ url: redisUrl, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
    r.on("error", () => undefined);
    await r.connect();
    await r.close();
  } catch (err) {
    console.log(`scaleout bench: PostgreSQL or Redis unreachable (${(err as Error).message}); set DATABASE_URL=postgresql://… REDIS_URL=redis://…`);
    return;
  }
  const templateName = randomDbName("hall_bench_tmpl");
  console.log("migrating a template database…");
  await createMigratedDatabase(pgUrl, templateName);
  try {
    const rows: string[][] = [];
    for (const n of NS) {
      const one: { p50: number[]; p99: number[] } = { p50: [], p99: [] };
      const two: { p50: number[]; p99: number[] } = { p50: [], p99: [] };
      let incomplete = 0;
      for (let rep = 0; rep < REPS; rep++) {
        const order: ("1p" | "2p")[] = rep % 2 === 0 ? ["1p", "2p"] : ["2p", "1p"];
        for (const mode of order) {
          const r = await measure(mode, n, templateName);
          incomplete += r.incomplete;
          const into = mode === "1p" ? one : two;
          into.p50.push(pct(r.last, 50));
          into.p99.push(pct(r.last, 99));
          console.log(`  N=${n} rep ${rep + 1} ${mode}: p50 ${pct(r.last, 50).toFixed(1)} ms, p99 ${pct(r.last, 99).toFixed(1)} ms${r.incomplete ? `, ${r.incomplete} incomplete` : ""}`);
        }
      }
      const [o50, o99, t50, t99] = [median(one.p50), median(one.p99), median(two.p50), median(two.p99)];
      rows.push([String(n), `${o50.toFixed(1)} / ${o99.toFixed(1)}`, `${t50.toFixed(1)} / ${t99.toFixed(1)}`, `${(t50 / o50).toFixed(2)}× / ${(t99 / o99).toFixed(2)}×`, t50 / o50 <= GOAL ? "yes" : "NO", String(incomplete)]);
    }
    const head = ["N devices", "1 process p50 / p99 ms", "2 processes + Redis p50 / p99 ms", "ratio p50 / p99", `p50 ≤ ${GOAL}×`, "incomplete"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
    console.log(`\naction → last device (room:setNotice → live:update), median of ${REPS} reps × ${BROADCASTS} broadcasts\n`);
    console.log(line(head));
    console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
    for (const r of rows) console.log(line(r));
  } finally {
    await dropDatabase(pgUrl, templateName).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
});
