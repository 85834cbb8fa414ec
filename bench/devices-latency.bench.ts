// Benchmark: how fast an agent's action reaches every device in a room, and
// what each connected device costs the server in memory.
//
// Timed: `room:setNotice` emitted on an agent socket (the clock read just
// before the emit) → the resulting `live:update` arriving at the LAST of N
// device sockets joined to `room:<K01 id>`; p50 and p99 over the broadcasts.
// The N sockets are real authenticated devices of room K01 (the five demo
// device keys K01-PJ, -EB, -BT1, -BT2, -MW used round-robin).
// Reference in the same run: a bare Socket.IO server (no auth, no database,
// same engine options) re-broadcasting a payload of the same size, sent by an
// agent socket, to the same N clients. Per repetition both run, in
// alternating order (ours→bare, bare→ours, …); figures are medians of reps
// (method of /work/shared/notes/realtime-scale.md).
// Every server runs alone in a fresh child process (ours on a fresh copy of a
// migrated database); all client sockets (agent included, so the emit time and
// the arrival times share one clock) live in one client worker process.
// Memory per device: the server's RSS and heapUsed after GC, before and after
// connecting (and joining) the N devices, divided by N. Goals: ratio ≤ 1.2,
// ≤ 20 KB per device, every device ends at the server's final version.
//
// Usage: npx tsx bench/devices-latency.bench.ts [--n 100,1000,3000] [--reps 3] [--broadcasts 50]
//          [--warmup 5] [--gap-ms 30] [--notice-chars 300] [--conc 50] [--timeout-ms 10000]
//          [--tick-ms 1000] [--max-minutes 40] [--profile] [--profile-n 100,3000] [--heap] [--heap-n 1000]
// --gap-ms       idle time between broadcasts (the server limits a socket to 50 events/s)
// --notice-chars length of each notice (Chinese, 3 bytes each: 300 → a ~1 KB live:update)
// --conc         device sockets connecting at a time
// --tick-ms      LIVE_TICK_MS of our server (default: the app's default, 1000 ms); a diagnostic:
//                every tick is one more message to every socket of the room
// --profile      after the table, one more run of each server at each --profile-n (default:
//                the largest N) with a V8 CPU profile of the server over the broadcasts;
//                prints the hot spots (the .cpuprofile files are kept in a temp folder)
// --heap         one more run of each server at --heap-n (default 1000) with heap snapshots
//                before/after connecting; prints what each device added, by kind of object
// Reports only; never exits non-zero.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { killAllChildren, REPO_ROOT, spawnChild, type ChildHandle } from "./lib/devices-ipc";
import type { DevicesResult, FinalResult, RunArgs, RunResult } from "./lib/devices-clients";
import type { ServerInfo, ServerMem } from "./lib/devices-server";
import { argValue, fmt, hasFlag, median, percentile, printHeapDiff, printProfile, table } from "./lib/devices-report";

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER = join(HERE, "lib/devices-server.ts");
const CLIENTS = join(HERE, "lib/devices-clients.ts");

const argv = process.argv.slice(2);
const num = (name: string, def: number) => {
  const v = argValue(argv, name);
  const n = v === undefined ? def : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : def;
};
const NS = (argValue(argv, "n") ?? "100,1000,3000")
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const REPS = num("reps", 3); // 0: diagnostics (--profile / --heap) only
const BROADCASTS = Math.max(1, num("broadcasts", 50));
const WARMUP = num("warmup", 5);
const GAP_MS = num("gap-ms", 30);
const NOTICE_CHARS = Math.min(500, Math.max(20, num("notice-chars", 300)));
const CONC = Math.max(1, num("conc", 50));
const TIMEOUT_MS = num("timeout-ms", 10_000);
const MAX_MINUTES = num("max-minutes", 40);
const TICK_MS = argValue(argv, "tick-ms");
const PROFILE = hasFlag(argv, "profile");
const PROFILE_NS = (argValue(argv, "profile-n") ?? String(Math.max(...NS)))
  .split(",")
  .map((x) => Number(x.trim()))
  .filter((x) => Number.isInteger(x) && x > 0);
const HEAP = hasFlag(argv, "heap");
const HEAP_N = Math.max(1, num("heap-n", 1000));

const GOAL_RATIO = 1.2;
const GOAL_KB = 20;
/** Below this N the RSS difference (N × ~20 KB) drowns in the allocator's noise. */
const RSS_MIN_N = 1000;

type Kind = "ours" | "bare";

interface Rec {
  kind: Kind;
  n: number;
  rep: number;
  p50: number;
  p99: number;
  firstP50: number;
  /** p50 over broadcasts of (last − first): the fan-out itself. */
  spreadP50: number;
  halfP50: number;
  ackP50: number;
  timed: number;
  incomplete: number;
  ackErrors: string[];
  payloadBytes: number;
  connect: DevicesResult;
  mem0: ServerMem;
  mem1: ServerMem;
  mem2: ServerMem;
  final: FinalResult;
  /** Server CPU time (user + system) over the timed broadcasts, per broadcast (ms): load-independent. */
  cpuPerBcast: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const kb = (bytes: number) => bytes / 1024;
const records: Rec[] = [];
let oursStream: string | null = null;
let root = "";

function cleanup() {
  killAllChildren();
  if (root) rmSync(root, { recursive: true, force: true });
  root = "";
}

interface Diagnostics {
  profileFile?: string;
  heapBefore?: string;
  heapAfter?: string;
}

async function runOne(worker: ChildHandle<unknown>, template: string, kind: Kind, n: number, rep: number, diag: Diagnostics = {}): Promise<Rec | null> {
  const { profileFile } = diag;
  const dir = mkdtempSync(join(root, `${kind}-`));
  const server = await spawnChild<ServerInfo>(SERVER, {
    args: kind === "ours" ? ["ours", dir, template, ...(TICK_MS ? [TICK_MS] : [])] : ["bare", dir],
    execArgv: ["--expose-gc"],
    readyTimeoutMs: 120_000,
  });
  const info = server.ready;
  if (kind === "ours") oursStream = info.stream;
  const keys = kind === "ours" ? info.deviceKeys : null;
  try {
    await worker.call("agent", { url: info.url, kind, agent: info.agent }, 30_000);
    // Warm-up: a few devices connect, join and leave, so code paths and lazily built state exist before "before".
    await worker.call("devices", { url: info.url, n: Math.min(10, n), keys, stream: info.stream, conc: 10 }, 60_000);
    await worker.call("dropDevices");
    await sleep(500);
    if (diag.heapBefore) await server.call("heapSnapshot", { file: diag.heapBefore }, 300_000);
    const mem0 = await server.call<ServerMem>("mem");
    const connect = await worker.call<DevicesResult>("devices", { url: info.url, n, keys, stream: info.stream, conc: CONC }, 600_000);
    if (connect.failed > 0) console.error(`  ${kind} N=${n}: ${connect.failed} devices failed to connect/join: ${connect.firstError}`);
    await sleep(1000);
    const mem1 = await server.call<ServerMem>("mem");
    if (diag.heapAfter) {
      // A snapshot stops the server for longer than the ping timeout: the sockets may drop, so no broadcasts after it.
      await server.call("heapSnapshot", { file: diag.heapAfter }, 300_000);
      return null;
    }
    if (profileFile) await server.call("profileStart", { intervalUs: 250 });
    const cpu0 = await server.call<number>("cpu");
    const args: RunArgs = {
      kind,
      roomId: info.roomId,
      stream: oursStream ?? `room:${"x".repeat(25)}`,
      broadcasts: BROADCASTS,
      warmup: WARMUP,
      gapMs: GAP_MS,
      timeoutMs: TIMEOUT_MS,
      noticeChars: NOTICE_CHARS,
      tag: `${kind}${n}r${rep}`,
    };
    const run = await worker.call<RunResult>("run", args, (WARMUP + BROADCASTS) * (TIMEOUT_MS + GAP_MS + 500) + 30_000);
    const cpu1 = await server.call<number>("cpu");
    if (profileFile) await server.call("profileStop", { file: profileFile });
    const final = await worker.call<FinalResult>("final", { kind, stream: info.stream }, 30_000);
    const mem2 = await server.call<ServerMem>("mem");
    return {
      kind,
      n,
      rep,
      p50: percentile(run.lastMs, 50),
      p99: percentile(run.lastMs, 99),
      firstP50: percentile(run.firstMs, 50),
      spreadP50: percentile(
        run.lastMs.map((l, i) => l - (run.firstMs[i] ?? 0)),
        50,
      ),
      halfP50: percentile(run.halfMs, 50),
      ackP50: percentile(run.ackMs, 50),
      timed: run.lastMs.length,
      incomplete: run.incomplete,
      ackErrors: run.ackErrors,
      payloadBytes: run.payloadBytes,
      connect,
      mem0,
      mem1,
      mem2,
      final,
      cpuPerBcast: (cpu1 - cpu0) / (WARMUP + BROADCASTS),
    };
  } finally {
    await worker.call("closeAll", {}, 30_000).catch(() => undefined);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const consistent = (r: Rec) =>
  r.incomplete === 0 && r.final.behind === 0 && r.final.gaps === 0 && r.final.stillConnected === r.n && r.final.devices === r.n && r.connect.failed === 0;

function progress(r: Rec) {
  const f = r.final;
  console.error(
    `  ${r.kind.padEnd(4)} N=${String(r.n).padStart(5)} rep ${r.rep + 1}: last p50 ${fmt(r.p50)} / p99 ${fmt(r.p99)} ms, ` +
      `first p50 ${fmt(r.firstP50)}, half p50 ${fmt(r.halfP50)}, ack p50 ${fmt(r.ackP50)}, connect ${fmt(r.connect.connectMs / 1000, 1)} s, ` +
      `server CPU ${fmt(r.cpuPerBcast, 2)} ms/broadcast, RSS +${fmt(kb(r.mem1.rss - r.mem0.rss) / r.n)} KB/dev, heap +${fmt(kb(r.mem1.heapUsed - r.mem0.heapUsed) / r.n)} KB/dev, ` +
      `final v${f.minVersion}..${f.maxVersion} (server v${f.serverVersion}), gaps ${f.gaps}, incomplete ${r.incomplete}` +
      (r.ackErrors.length ? `, refused: ${[...new Set(r.ackErrors)].join(",")}` : ""),
  );
}

function report(partial: boolean) {
  if (records.length === 0) return;
  const ns = [...new Set(records.map((r) => r.n))];
  const of = (kind: Kind, n: number) => records.filter((r) => r.kind === kind && r.n === n);
  const med = (rs: Rec[], f: (r: Rec) => number) => median(rs.map(f));
  const rssKb = (r: Rec) => kb(r.mem1.rss - r.mem0.rss) / r.n;
  const heapKb = (r: Rec) => kb(r.mem1.heapUsed - r.mem0.heapUsed) / r.n;
  const ok = (v: number, goal: number) => (Number.isFinite(v) ? (v <= goal ? "✓" : "✗") : "");

  console.log(`\n## Agent action → last of N devices (ms), median of ${REPS} rep(s) × ${BROADCASTS} broadcasts${partial ? " (PARTIAL)" : ""}\n`);
  const rows = ns.map((n) => {
    const o = of("ours", n);
    const b = of("bare", n);
    const op50 = med(o, (r) => r.p50);
    const op99 = med(o, (r) => r.p99);
    const bp50 = med(b, (r) => r.p50);
    const bp99 = med(b, (r) => r.p99);
    const r50 = op50 / bp50;
    const r99 = op99 / bp99;
    const orss = med(o, rssKb);
    const cons = o.filter(consistent).length;
    const fin = o.map((r) => `v${r.final.serverVersion}`).join(",");
    const spread = `${fmt(med(o, (r) => r.firstP50))} + ${fmt(med(o, (r) => r.spreadP50))} / ${fmt(med(b, (r) => r.firstP50))} + ${fmt(med(b, (r) => r.spreadP50))}`;
    return [
      String(n),
      `${fmt(op50)} / ${fmt(op99)}`,
      `${fmt(bp50)} / ${fmt(bp99)}`,
      `${fmt(r50, 2)} ${ok(r50, GOAL_RATIO)} / ${fmt(r99, 2)} ${ok(r99, GOAL_RATIO)}`,
      spread,
      n < RSS_MIN_N ? `(${fmt(orss)})† / ${fmt(med(o, heapKb))}` : `${fmt(orss)} ${ok(orss, GOAL_KB)} / ${fmt(med(o, heapKb))}`,
      n < RSS_MIN_N ? `(${fmt(med(b, rssKb))})† / ${fmt(med(b, heapKb))}` : `${fmt(med(b, rssKb))} / ${fmt(med(b, heapKb))}`,
      `${cons === o.length && o.length > 0 ? "yes" : "NO"} (${cons}/${o.length}; ${fin})`,
      `${fmt(med(o, (r) => r.cpuPerBcast), 2)} / ${fmt(med(b, (r) => r.cpuPerBcast), 2)} (${fmt(med(o, (r) => r.cpuPerBcast) / med(b, (r) => r.cpuPerBcast), 2)}×)`,
    ];
  });
  console.log(
    table(
      [
        "N",
        "ours p50 / p99",
        "bare p50 / p99",
        `ratio p50 / p99 (≤ ${GOAL_RATIO})`,
        "first + fan-out p50: ours / bare",
        `ours KB/device RSS (≤ ${GOAL_KB}) / heap`,
        "bare KB/device RSS / heap",
        "every device at final version",
        "server CPU ms/broadcast: ours / bare",
      ],
      rows,
    ),
  );

  if (ns.some((n) => n < RSS_MIN_N)) {
    console.log(
      `\n† N < ${RSS_MIN_N}: a few MB of RSS is below the allocator's noise (pages freed after start-up can even make it negative); read the heap figure there.`,
    );
  }
  console.log("\n### Per run\n");
  console.log(
    table(
      ["N", "server", "rep", "last p50", "last p99", "first p50", "last−first p50", "half p50", "ack p50", "payload B", "connect+join s", "RSS KB/dev", "heap KB/dev", "RSS after bcasts KB/dev", "final / gaps / lost"],
      records.map((r) => [
        String(r.n),
        r.kind,
        String(r.rep + 1),
        fmt(r.p50),
        fmt(r.p99),
        fmt(r.firstP50),
        fmt(r.spreadP50),
        fmt(r.halfP50),
        fmt(r.ackP50),
        String(r.payloadBytes),
        fmt(r.connect.connectMs / 1000),
        fmt(rssKb(r)),
        fmt(heapKb(r)),
        fmt(kb(r.mem2.rss - r.mem0.rss) / r.n),
        `${r.final.minVersion === r.final.maxVersion ? `all v${r.final.maxVersion}` : `v${r.final.minVersion}..${r.final.maxVersion}`} (server v${r.final.serverVersion}) / ${r.final.gaps} / ${r.incomplete}`,
      ]),
    ),
  );
  console.log(
    "\nlast = emit → arrival at the last of N devices; first = at the first (ours: the database work before the fan-out); fan-out = last − first; half = at the ⌈N/2⌉-th; ack = emit → the agent's acknowledgement." +
      "\nserver CPU ms/broadcast = the server process's user+system CPU time over the timed window (warm-up included) ÷ broadcasts: what each broadcast costs, whatever the machine's load (ours includes its ticks, sweeper and wall)." +
      "\nRSS/heap KB/dev = server (RSS or heapUsed after GC, after connecting+joining N) − (before), ÷ N." +
      "\nlost = broadcasts that did not reach every device within the timeout; gaps = updates not exactly one version after the previous.",
  );
}

async function main() {
  console.log(`# devices-latency: ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? "?"}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; N=${NS.join(",")}, reps ${REPS}, broadcasts ${BROADCASTS} (+${WARMUP} warm-up), gap ${GAP_MS} ms, notice ${NOTICE_CHARS} chars, live tick ${TICK_MS ?? "1000 (default)"} ms`,
  );
  root = mkdtempSync(join(tmpdir(), "devices-latency-"));
  const template = join(root, "template.db");
  execFileSync(process.execPath, [join(REPO_ROOT, "node_modules/prisma/build/index.js"), "migrate", "deploy"], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: `file:${template}` },
    stdio: "pipe",
    timeout: 120_000,
  });
  const worker = await spawnChild<unknown>(CLIENTS, { execArgv: ["--max-old-space-size=4096"] });
  try {
    for (const n of NS) {
      for (let rep = 0; rep < REPS; rep++) {
        const order: Kind[] = rep % 2 === 0 ? ["ours", "bare"] : ["bare", "ours"];
        for (const kind of order) {
          try {
            const r = await runOne(worker, template, kind, n, rep);
            if (r) {
              records.push(r);
              progress(r);
            }
          } catch (err) {
            console.error(`  ${kind} N=${n} rep ${rep + 1} failed: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
    }
    report(false);

    if (PROFILE || HEAP) {
      const profDir = mkdtempSync(join(tmpdir(), "devices-latency-prof-"));
      console.log(`\n## Diagnostics (files kept in ${profDir})`);
      for (const n of PROFILE ? PROFILE_NS : []) {
        for (const kind of ["ours", "bare"] as Kind[]) {
          const file = join(profDir, `${kind}-${n}.cpuprofile`);
          try {
            const r = await runOne(worker, template, kind, n, 0, { profileFile: file });
            if (r)
              console.log(`\n${kind}, N=${n} (profiled): last p50 ${fmt(r.p50)} / p99 ${fmt(r.p99)} ms, ack p50 ${fmt(r.ackP50)} ms`);
            printProfile(`CPU profile: ${kind} server over ${WARMUP + BROADCASTS} broadcasts, N=${n}`, file, {
              inclusiveFilter: (name) => /server\/|\[socket\.io|\[engine\.io|\[ws\]|\[@prisma|\[fast-json-patch|\[pino|\[rate-limiter/.test(name),
            });
          } catch (err) {
            console.error(`  profile ${kind} N=${n} failed: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
      if (HEAP) {
        for (const kind of ["ours", "bare"] as Kind[]) {
          const heapBefore = join(profDir, `${kind}-${HEAP_N}-before.heapsnapshot`);
          const heapAfter = join(profDir, `${kind}-${HEAP_N}-after.heapsnapshot`);
          try {
            await runOne(worker, template, kind, HEAP_N, 0, { heapBefore, heapAfter });
            printHeapDiff(`${kind} server, N=${HEAP_N}`, heapBefore, heapAfter, HEAP_N);
          } catch (err) {
            console.error(`  heap ${kind} failed: ${err instanceof Error ? err.message : String(err)}`);
          } finally {
            rmSync(heapBefore, { force: true });
            rmSync(heapAfter, { force: true });
          }
        }
      }
      if (readdirSync(profDir).length === 0) rmSync(profDir, { recursive: true, force: true });
    }
  } finally {
    await worker.close().catch(() => undefined);
  }
}

const watchdog = setTimeout(() => {
  console.error(`\ntime limit of ${MAX_MINUTES} min reached: stopping`);
  report(true);
  cleanup();
  process.exit(0);
}, MAX_MINUTES * 60_000);
watchdog.unref();
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    report(true);
    cleanup();
    process.exit(0);
  });
}

try {
  await main();
} catch (err) {
  console.error(`devices-latency: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  report(true);
} finally {
  cleanup();
}
process.exit(0);
