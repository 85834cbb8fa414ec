// The app as a real child process on a fixed port, on one database file and one
// data folder, so a test can SIGKILL it and start it again in place: clients
// configured with reconnection find it again by themselves.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DemoDevice } from "../../server/seed/demo";
import { createDatabase, databaseName, dropDatabase, randomDbName } from "../../scripts/db/pg-databases";

/**
 * Follows what test/helpers/server-entry.ts prints on stdout, line by line: `SEEDED <devices JSON>`
 * (first start only) and `LISTENING <port>`.
 */
export function onEntryOutput(stdout: NodeJS.ReadableStream, on: { seeded?: (devices: DemoDevice[]) => void; listening: (port: number) => void }): void {
  let out = "";
  stdout.on("data", (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith("SEEDED ")) on.seeded?.(JSON.parse(line.slice(7)) as DemoDevice[]);
      if (line.startsWith("LISTENING ")) on.listening(Number(line.slice(10).trim()));
    }
  });
}

export interface ServerProcess {
  url: string;
  port: number;
  dir: string;
  dbFile: string;
  databaseUrl: string;
  env: Record<string, string>;
  /** Demo devices with their keys (from the first start, which seeds). */
  devices: DemoDevice[];
  /** The running child (undefined while down). */
  child: ChildProcess | undefined;
  /** Time (Date.now()) the current process printed LISTENING. */
  listeningAt: number;
  starts: number;
  /** Everything the children wrote to stderr (for failure messages). */
  stderr: string[];
  start(): Promise<void>;
  /** SIGKILL: no shutdown hook runs. Resolves once the process is gone. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (picked once; the same port is reused across restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `template` is the test run's migrated template (inject("dbTemplate")): a SQLite file, copied; or, in the
 * PostgreSQL pass, a database URL, cloned into a database of this process's own (dropped by stop()).
 */
export async function startServerProcess(opts: { template: string; env?: Record<string, string>; firstEnv?: Record<string, string>; root?: string }): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), "hall-proc-"));
  const dbFile = join(dir, "hall.db");
  const pgDb = /^postgres(ql)?:\/\//.test(opts.template) ? randomDbName("hall_p") : null;
  const databaseUrl = pgDb ? await createDatabase(opts.template, pgDb, databaseName(opts.template)) : `file:${dbFile}`;
  if (!pgDb) copyFileSync(opts.template, dbFile);
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: "test",
    DATA_DIR: dir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "error",
    CLIENT_DIST: join(dir, "dist"),
    LIVE_TICK_MS: "200",
    PORT: String(port),
    // The scale-out pass (REDIS_URL set): a key prefix of its own, the same across restarts.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: randomDbName("hall_p") } : {}),
    ...opts.env,
  };
  const root = opts.root ?? process.cwd();
  const sp: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    dbFile,
    databaseUrl,
    env,
    devices: [],
    child: undefined,
    listeningAt: 0,
    starts: 0,
    stderr: [],
    start() {
      const first = sp.starts === 0;
      sp.starts++;
      const childEnv = { ...process.env, ...env, ...(first ? { HALL_SEED: "1", ...opts.firstEnv } : {}) };
      const child = spawn(process.execPath, ["--import", "tsx", join(root, "test/helpers/server-entry.ts")], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
      sp.child = child;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start in 60 s: ${sp.stderr.join("").slice(-2000)}`)), 60_000);
        child.stderr!.on("data", (d: Buffer) => {
          sp.stderr.push(d.toString());
          if (sp.stderr.length > 200) sp.stderr.shift();
        });
        onEntryOutput(child.stdout!, {
          seeded: (devices) => (sp.devices = devices),
          listening: () => {
            sp.listeningAt = Date.now();
            clearTimeout(timer);
            resolve();
          },
        });
        child.once("exit", (code, signal) => {
          clearTimeout(timer);
          if (sp.child === child) sp.child = undefined;
          reject(new Error(`server exited (${code ?? signal}) before listening: ${sp.stderr.join("").slice(-2000)}`));
        });
      });
    },
    async kill() {
      const child = sp.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGKILL");
      await gone;
      sp.child = undefined;
    },
    async restart() {
      await sp.kill();
      await sp.start();
    },
    async stop() {
      await sp.kill();
      rmSync(dir, { recursive: true, force: true });
      if (pgDb) await dropDatabase(opts.template, pgDb);
    },
  };
  await sp.start();
  return sp;
}
