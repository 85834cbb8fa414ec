// `npm run start:cluster -- --workers N`: N server processes on one machine,
// all listening on PORT (node:cluster hands each new connection to the next
// worker, round robin). Clients use the websocket transport, so a client needs
// no stickiness: every request of a connection is on that one connection.
// The workers share PostgreSQL (DATABASE_URL=postgresql://…) and Redis
// (REDIS_URL: Socket.IO adapter, presence, login throttle); timers fire once
// through database leases. The primary applies migrations and seeds first,
// then forks; a worker that dies is replaced.
// Several machines: run this (or `npm start`) on each, behind a proxy; see docs/operations.md, "Scale-out".
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { loadConfig, type Config } from "../server/config";
import { checkAppSecret, exitOnStartupError, migrateDatabase } from "../server/boot";
import { buildClientIfMissing } from "./client-build";

function parseWorkers(argv: string[]): number {
  const i = argv.indexOf("--workers");
  const raw = i >= 0 ? argv[i + 1] : process.env.WORKERS;
  if (raw === undefined) return availableParallelism();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 256) {
    console.error(`--workers: a whole number from 1 to 256, got "${raw}"`);
    process.exit(2);
  }
  return Number(raw);
}

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    exitOnStartupError(err);
    throw err;
  }
}

async function primary(): Promise<void> {
  const workers = parseWorkers(process.argv);
  const cfg = config();
  if (workers > 1 && !cfg.redis) {
    console.error("start:cluster: several workers need REDIS_URL (Socket.IO adapter, shared presence and throttles)");
    process.exit(2);
  }
  if (workers > 1 && cfg.databaseUrl.startsWith("file:")) {
    console.error("start:cluster: several workers need PostgreSQL (DATABASE_URL=postgresql://…); SQLite serves one process");
    process.exit(2);
  }
  process.env.DATABASE_URL = cfg.databaseUrl;
  await migrateDatabase(cfg, (line) => console.log(`[cluster] ${line}`));
  const { createDb } = await import("../server/db");
  const { seedDemo } = await import("../server/seed/demo");
  const db = createDb(cfg.databaseUrl);
  try {
    await checkAppSecret(db, cfg); // before anything is written
    const seeded = cfg.demo ? await seedDemo(db) : null;
    if (seeded) console.log(`[cluster] seeded the demo center (${seeded.devices.length} devices)`);
  } finally {
    await db.$disconnect();
  }
  await buildClientIfMissing(cfg, "cluster");

  let stopping = false;
  const fork = () => cluster.fork({ HALL_WORKER: "1" });
  for (let i = 0; i < workers; i++) fork();
  cluster.on("exit", (w, code, signal) => {
    if (stopping) return;
    console.error(`[cluster] worker ${w.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 500);
  });
  console.log(`[cluster] ${workers} worker(s) on port ${cfg.port}`);
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    setTimeout(() => process.exit(0), 10_000).unref();
    cluster.on("exit", () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.once("SIGINT", () => stop("SIGTERM"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

if (cluster.isPrimary) {
  primary().catch((err: unknown) => {
    exitOnStartupError(err);
    console.error(err);
    process.exit(1);
  });
} else {
  const { main } = await import("../server/main");
  await main();
}
