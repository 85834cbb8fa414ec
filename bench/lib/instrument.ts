// Counters for a measured window inside the hall process, installed from the
// benchmark side without touching server code:
//  - every SQL statement better-sqlite3 runs (Prisma's driver adapter ends
//    there): count, rows, time in the native call, statement preparations;
//  - live hub activity: stream builds and refreshes per stream kind;
//  - domain events emitted, by name.
// Counting is cheap (one performance.now() pair per statement) and only
// aggregates between start() and stop().
import fs from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { performance } from "node:perf_hooks";
import type { App } from "../../server/app";
import { handlers } from "../../server/sockets/handlers";

const require = createRequire(import.meta.url);

export interface SqlLine {
  sql: string;
  count: number;
  rows: number;
  ms: number;
}

export interface WindowStats {
  sql: { statements: number; rows: number; ms: number; prepares: number; prepareMs: number; byKind: Record<string, number>; top: SqlLine[] };
  builds: Record<string, number>;
  refreshes: Record<string, number>;
  publishedUpdates: Record<string, number>;
  events: Record<string, number>;
}

let on = false;
let sqlByText = new Map<string, SqlLine>();
let prepares = 0;
let prepareMs = 0;
let builds: Record<string, number> = {};
let refreshes: Record<string, number> = {};
let published: Record<string, number> = {};
let events: Record<string, number> = {};
let patched = false;

const bump = (r: Record<string, number>, k: string, by = 1) => (r[k] = (r[k] ?? 0) + by);
const prefixOf = (key: string) => (/^opening:[^:]+:company:/.test(key) ? "opening-company" : key.split(":")[0]!);

const normalized = new Map<string, string>();
/** Collapses Prisma's parameter lists and quoting so equal statements group together (cached per SQL text). */
function normalize(sql: string): string {
  let n = normalized.get(sql);
  if (n === undefined) normalized.set(sql, (n = normalizeNow(sql)));
  return n;
}
function normalizeNow(sql: string): string {
  return sql
    .replace(/`main`\.|"main"\./g, "")
    .replace(/\((\s*\?\s*,)+\s*\?\s*\)/g, "(?…)")
    .replace(/\s+/g, " ")
    .trim();
}

/** Patches better-sqlite3's Statement and Database prototypes once per process. */
function patchSqlite(): void {
  if (patched) return;
  patched = true;
  const Database = require("better-sqlite3") as new (f: string) => { prepare(sql: string): object; close(): void };
  const probe = new Database(":memory:");
  const stmtProto = Object.getPrototypeOf(probe.prepare("select 1")) as Record<string, (...a: unknown[]) => unknown>;
  const dbProto = Object.getPrototypeOf(probe) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const m of ["all", "get", "run", "iterate"]) {
    const orig = stmtProto[m];
    if (typeof orig !== "function") continue;
    stmtProto[m] = function (this: { source: string }, ...args: unknown[]) {
      if (!on) return orig.apply(this, args);
      const t0 = performance.now();
      const out = orig.apply(this, args);
      const dt = performance.now() - t0;
      const key = normalize(this.source);
      let line = sqlByText.get(key);
      if (!line) sqlByText.set(key, (line = { sql: key, count: 0, rows: 0, ms: 0 }));
      line.count++;
      line.ms += dt;
      line.rows += Array.isArray(out) ? out.length : out && m === "get" ? 1 : 0;
      return out;
    };
  }
  const prep = dbProto.prepare;
  if (typeof prep === "function") {
    dbProto.prepare = function (this: unknown, ...args: unknown[]) {
      if (!on) return prep.apply(this, args);
      const t0 = performance.now();
      try {
        return prep.apply(this, args);
      } finally {
        prepares++;
        prepareMs += performance.now() - t0;
      }
    };
  }
}

/** Must run before createApp so the patched prototypes are the ones in use (they are shared anyway). */
export function installSqlCounters(): void {
  patchSqlite();
}

/** Wraps the live instance's hub and event bus (instance properties shadow the prototype methods). */
export function instrumentApp(app: App): void {
  const hub = app.ctx.hub as unknown as {
    kinds: { prefix: string; build: (p: unknown) => Promise<unknown> }[];
    refreshNow: (key: string, attempt?: number) => Promise<number>;
    versionOf: (key: string) => number | undefined;
  };
  for (const k of hub.kinds) {
    const build = k.build.bind(k);
    k.build = (p: unknown) => {
      if (on) bump(builds, k.prefix);
      return build(p);
    };
  }
  const refreshNow = hub.refreshNow.bind(hub);
  hub.refreshNow = async (key: string, attempt?: number) => {
    const before = hub.versionOf(key);
    const v = await refreshNow(key, attempt);
    if (on) {
      bump(refreshes, prefixOf(key));
      if (before !== undefined && v > before) bump(published, prefixOf(key));
    }
    return v;
  };
  const bus = app.ctx.events as unknown as { emit: (name: string, payload: unknown) => unknown };
  const emit = bus.emit.bind(bus);
  bus.emit = (name: string, payload: unknown) => {
    if (on) bump(events, name);
    return emit(name, payload);
  };
}

export function startWindow(): void {
  sqlByText = new Map();
  prepares = 0;
  prepareMs = 0;
  builds = {};
  refreshes = {};
  published = {};
  events = {};
  on = true;
}

export function stopWindow(topN = 15): WindowStats {
  on = false;
  const lines = [...sqlByText.values()];
  const byKind: Record<string, number> = {};
  for (const l of lines) bump(byKind, l.sql.split(" ")[0]!.toUpperCase(), l.count);
  return {
    sql: {
      statements: lines.reduce((s, l) => s + l.count, 0),
      rows: lines.reduce((s, l) => s + l.rows, 0),
      ms: lines.reduce((s, l) => s + l.ms, 0),
      prepares,
      prepareMs,
      byKind,
      top: lines.sort((a, b) => b.ms - a.ms).slice(0, topN),
    },
    builds,
    refreshes,
    publishedUpdates: published,
    events,
  };
}

/**
 * WHAT-IF (bench only, not the server's behaviour): patches the running hub
 * the way the report suggests changing server/live/hub.ts, to measure the
 * gain before anyone edits the server:
 *  - coalescing: a refresh asked for while one for the same stream is queued
 *    and not yet started joins that one (it reads the database after every
 *    change that asked for it), so a burst of N changes costs ~2 rebuilds, not N;
 *  - `minIntervalMs` (throttle): a stream is rebuilt at most once per interval
 *    (trailing edge kept), so a steady trickle of changes is batched too;
 *  - `serial`: one rebuild at a time across all streams, each starting on a
 *    fresh macrotask, so socket I/O and heartbeats are served in between
 *    (otherwise e.g. the 200 company streams refreshed at endDecryption run
 *    as one uninterrupted chain of promise continuations);
 *  - without `serial`, each rebuild still starts on a fresh macrotask.
 */
export function whatIfHub(app: App, opts: { minIntervalMs: number; serial: boolean }): void {
  const hub = app.ctx.hub as unknown as {
    refresh: (key: string) => Promise<number>;
    refreshNow: (key: string, attempt?: number) => Promise<number>;
  };
  const queued = new Map<string, Promise<number>>();
  const lastStart = new Map<string, number>();
  const refresh = hub.refresh.bind(hub);
  hub.refresh = (key: string) => {
    let p = queued.get(key);
    if (!p) {
      const wait = (lastStart.get(key) ?? -Infinity) + opts.minIntervalMs - Date.now();
      p = wait > 0 ? new Promise<void>((r) => setTimeout(r, wait)).then(() => refresh(key)) : refresh(key);
      queued.set(key, p);
    }
    return p;
  };
  let running = false;
  const waiters: (() => void)[] = [];
  const nextTick = () => new Promise<void>((r) => setImmediate(r));
  const acquire = (): Promise<void> => {
    if (!opts.serial) return nextTick();
    if (running) return new Promise<void>((r) => waiters.push(r));
    running = true;
    return nextTick();
  };
  const release = () => {
    if (!opts.serial) return;
    const next = waiters.shift();
    if (next) setImmediate(next); // the turn passes on a fresh macrotask
    else running = false;
  };
  const refreshNow = hub.refreshNow.bind(hub);
  hub.refreshNow = async (key: string, attempt?: number) => {
    if (attempt) return refreshNow(key, attempt); // a retry inside a rebuild already holding the turn
    await acquire();
    queued.delete(key); // from here on, a new change needs a new rebuild
    lastStart.set(key, Date.now());
    try {
      return await refreshNow(key);
    } finally {
      release();
    }
  };
}

/**
 * WHAT-IF (bench only): at most `n` opening:submitKey commands run at once;
 * the others wait their turn without touching the database. With the
 * synchronous SQLite driver every query of every running command is a chain
 * of promise continuations, so 200 commands at once keep the event loop busy
 * for seconds without a break (no socket I/O, no heartbeats); a small limit
 * bounds those bursts. The slot is handed over on a fresh macrotask.
 */
export function whatIfLimitSubmitKey(n: number): void {
  const h = handlers as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const orig = h["opening:submitKey"]!;
  let active = 0;
  const waiting: (() => void)[] = [];
  h["opening:submitKey"] = async (...args: unknown[]) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    else active++;
    try {
      return await orig(...args);
    } finally {
      const next = waiting.shift();
      if (next) setImmediate(next); // the slot passes on: `active` stays
      else active--;
    }
  };
}

/**
 * WHAT-IF (bench only): the upload's temporary file (`<bidId>.upload`) is
 * written through a WriteStream with a 4 MiB highWaterMark instead of Node's
 * default 16 KiB, so socket chunks are batched into few large writes
 * (writev) instead of one thread-pool round trip per 64 KiB chunk with the
 * socket paused in between. Patches node:fs for the hall process
 * (syncBuiltinESMExports makes ESM named imports see it).
 */
export function whatIfUploadHighWaterMark(bytes = 4 << 20): void {
  const orig = fs.createWriteStream;
  const patched = ((path: fs.PathLike, options?: Parameters<typeof fs.createWriteStream>[1]) => {
    if (String(path).endsWith(".upload")) {
      const o = typeof options === "string" ? { encoding: options } : (options ?? {});
      return orig(path, { highWaterMark: bytes, ...o });
    }
    return orig(path, options);
  }) as typeof fs.createWriteStream;
  fs.createWriteStream = patched;
  syncBuiltinESMExports();
}
