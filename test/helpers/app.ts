// Starts the real app on port 0 with a fresh, migrated, seeded database file.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { inject } from "vitest";
import { io as ioClient, type Socket } from "socket.io-client";
import { emitAck } from "@contracts/ack";
import type { Ack } from "@contracts/common";
import type { ClientEventName, ClientToServerEvents, EventInput, EventOutput, ServerToClientEvents } from "@contracts/events";
import type { LoginResult } from "@contracts/auth";
import { createApp, type App } from "../../server/app";
import { loadConfig, type Config } from "../../server/config";
import { DEMO_PASSWORD, seedDemo, type DemoDevice, type SeedDemoOptions, type SeedDemoResult } from "../../server/seed/demo";
import { createDatabase, databaseName, dropDatabase, randomDbName } from "../../scripts/db/pg-databases";

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestApp {
  app: App;
  url: string;
  dir: string;
  config: Config;
  dbFile: string;
  devices: DemoDevice[];
  /** What the seed made (null: not seeded). */
  seeded: SeedDemoResult | null;
  login(username: string, password?: string): Promise<LoginResult>;
  api<T = unknown>(method: string, path: string, opts?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: Ack<T> }>;
  connect(auth: { token?: string; deviceKey?: string } | Record<string, unknown>, opts?: { reconnection?: boolean }): Promise<TestSocket>;
  close(): Promise<void>;
}

/**
 * `opts.seed`: the demo center alone (default), the center with its content ("content": the specialty tree, the pool,
 * the ledger, an open tender), other seed options, or nothing ("none"). `opts.timings.seedMs` gets the seed's time.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: { seed?: SeedDemoOptions | "content" | "none"; timings?: { seedMs?: number } } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "hall-test-"));
  const dbFile = join(dir, "hall.db");
  const template = inject("dbTemplate");
  // PostgreSQL (DATABASE_URL=postgresql://… for the run): a database of its own, copied from the migrated template.
  const pgDb = /^postgres(ql)?:\/\//.test(template) ? randomDbName("hall_t") : null;
  const databaseUrl = pgDb ? await createDatabase(template, pgDb, databaseName(template)) : `file:${dbFile}`;
  if (!pgDb) copyFileSync(template, dbFile);
  const config = loadConfig({
    NODE_ENV: "test",
    DATA_DIR: dir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "silent",
    CLIENT_DIST: join(dir, "dist"),
    LIVE_TICK_MS: "200",
    // A run with REDIS_URL (the scale-out CI pass) uses it, each app under a key prefix of its own.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: randomDbName("hall_t") } : {}),
    ...env,
  });
  const app = await createApp(config);
  const seed = opts.seed ?? {};
  const started = performance.now();
  const seeded = seed === "none" ? null : await seedDemo(app.db, seed === "content" ? { app: app.ctx } : seed);
  if (opts.timings) opts.timings.seedMs = performance.now() - started;
  await new Promise<void>((r) => app.http.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  const sockets: TestSocket[] = [];

  const api: TestApp["api"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers["content-type"] ??= "application/json";
    const res = await fetch(url + path, { method, headers, body });
    return { status: res.status, body: (await res.json()) as never };
  };

  return {
    app,
    url,
    dir,
    config,
    dbFile,
    seeded,
    devices: seeded?.devices ?? [],
    api,
    async login(username, password = DEMO_PASSWORD) {
      const res = await api<LoginResult>("POST", "/api/auth/login", { body: { username, password } });
      if (!res.body.ok) throw new Error(`login ${username} failed: ${res.body.error.code}`);
      return res.body.data;
    },
    connect(auth, opts = {}) {
      const s: TestSocket = ioClient(url, { auth, transports: ["websocket"], reconnection: opts.reconnection ?? false, forceNew: true });
      sockets.push(s);
      return new Promise((resolve, reject) => {
        s.once("connect", () => resolve(s));
        s.once("connect_error", (e) => reject(e));
      });
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
      if (pgDb) await dropDatabase(template, pgDb);
    },
  };
}

/** Emits an event and returns its ack (the contracts' emitAck; a timeout or a drop answers NETWORK_ERROR). */
export function call<E extends ClientEventName>(s: TestSocket, event: E, payload: EventInput<E>, timeoutMs = 5000): Promise<Ack<EventOutput<E>>> {
  return emitAck(s, event, payload, timeoutMs);
}

/** Resolves when pred() holds, polling every 20 ms, or rejects after ms. */
export async function until(pred: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A command answers once committed; the live update of a stream it touched follows (at once on SQLite, a few
 * round trips later on PostgreSQL, and refreshes asked for close together may coalesce into one version).
 * Waits until the stream's stored state satisfies pred and the hub holds that version; returns the version.
 */
export async function untilStream<S>(t: TestApp, key: string, pred: (state: S) => boolean, ms = 5000): Promise<number> {
  let version = 0;
  await until(
    async () => {
      const row = await t.app.db.liveStream.findUnique({ where: { key } });
      if (!row || !pred(JSON.parse(row.state) as S) || t.app.ctx.hub.versionOf(key) !== row.version) return false;
      version = row.version;
      return true;
    },
    ms,
    `live stream ${key}`,
  );
  return version;
}
