// The live hub: server-held, versioned state per stream, persisted so a
// restart loses nothing acknowledged. A refresh rebuilds a stream's state,
// diffs it against the last version (JSON Patch, RFC 6902), stores the
// update and sends it to the stream's Socket.IO room. Joins answer with the
// missed updates when they are still kept, else a snapshot.
import fastJsonPatch from "fast-json-patch";
import type { Server, Socket } from "socket.io";
import type { JsonPatchOp, LiveJoinResult, LiveUpdate } from "@contracts/live";
import type { ClientToServerEvents, ServerToClientEvents } from "@contracts/events";
import type { Principal } from "../auth/principal";
import { directSql, type Db } from "../db";
import { AppError } from "../errors";
import type { Logger } from "../logger";
import type { StreamKind } from "./streams";

const { compare } = fastJsonPatch;

const isContainer = (v: unknown): v is object => typeof v === "object" && v !== null;

/** RFC 6902 patch from a to b; a change of the root's kind (null ↔ object, object ↔ array) replaces the root. */
function diff(a: unknown, b: unknown): JsonPatchOp[] {
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) return compare(a, b) as JsonPatchOp[];
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ op: "replace", path: "", value: b }];
}

interface Held {
  version: number;
  state: unknown;
}

export type HallIo = Server<ClientToServerEvents, ServerToClientEvents>;
export type HallSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface HubOptions {
  tickMs: number;
  keepUpdates: number;
  /** Several processes write the streams (REDIS_URL): a held copy may be stale, so joins check the stored version. */
  shared?: boolean;
}

export class LiveHub {
  private readonly kinds: StreamKind<never>[] = [];
  private readonly held = new Map<string, Held>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Refreshes asked for and not yet started, per stream (they coalesce). */
  private readonly pending = new Map<string, Promise<number>>();
  /** When the last rebuild of a throttled stream (kind with minIntervalMs) started. */
  private readonly lastStart = new Map<string, number>();
  private tick: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly pruneEvery: number;
  /** When each stream last sent an update: an update carries the version and the server time, so no tick is due right after. */
  private readonly lastPublished = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly io: HallIo,
    private readonly log: Logger,
    private readonly opts: HubOptions,
  ) {
    this.pruneEvery = Math.max(1, Math.ceil(opts.keepUpdates / 10));
  }

  register<P>(kind: StreamKind<P>): void {
    this.kinds.push(kind as unknown as StreamKind<never>);
  }

  /** The kinds registered, in order (tests check each is declared in contracts/streams.ts). */
  registeredKinds(): readonly StreamKind<unknown>[] {
    return this.kinds as unknown as StreamKind<unknown>[];
  }

  private resolve(key: string): { kind: StreamKind<unknown>; params: unknown } | null {
    for (const k of this.kinds as unknown as StreamKind<unknown>[]) {
      const params = k.parse(key);
      if (params) return { kind: k, params };
    }
    return null;
  }

  /** Runs fn after every earlier operation on the same stream: one writer per stream in this process. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  /**
   * Rebuilds a stream from the database and publishes the difference as the next version.
   * A refresh asked for while one of the same stream is queued and not yet started joins
   * that one (it reads the database after every change that asked for it), so a burst of
   * changes costs one rebuild, not one each. A kind's `minIntervalMs` also spaces the
   * rebuilds of one stream (the trailing one is kept). A rebuild starts at once (so it is under
   * way before the command that asked for it answers) unless the rebuild slots are all taken.
   */
  refresh(key: string): Promise<number> {
    // Closing: a late trigger (e.g. the broadcaster's wall timer) must not start work on a closing database.
    if (this.closed) return Promise.resolve(this.held.get(key)?.version ?? 0);
    const queued = this.pending.get(key);
    if (queued) return queued;
    const run = this.serial(key, async () => {
      const interval = this.resolve(key)?.kind.minIntervalMs ?? 0;
      const wait = (this.lastStart.get(key) ?? -Infinity) + interval - Date.now();
      if (wait > 0) await new Promise<void>((r) => setTimeout(r, wait));
      await this.acquireSlot();
      try {
        // From here on, a new change needs a new rebuild.
        if (this.pending.get(key) === run) this.pending.delete(key);
        if (interval > 0) this.lastStart.set(key, Date.now());
        return await this.refreshNow(key);
      } finally {
        this.releaseSlot();
      }
    });
    this.pending.set(key, run);
    return run;
  }

  /**
   * At most MAX_REBUILDS rebuilds run at once across streams; the others wait (still coalescing)
   * and each turn passes on a fresh macrotask. With the synchronous SQLite driver, 200 company
   * streams rebuilt at once would otherwise hold the event loop for one long stretch.
   */
  private static readonly MAX_REBUILDS = 4;
  private rebuilding = 0;
  private readonly rebuildWaiters: (() => void)[] = [];

  private acquireSlot(): Promise<void> {
    if (this.rebuilding < LiveHub.MAX_REBUILDS) {
      this.rebuilding++;
      return Promise.resolve();
    }
    return new Promise<void>((r) => this.rebuildWaiters.push(r));
  }

  private releaseSlot(): void {
    const next = this.rebuildWaiters.shift();
    if (next) setImmediate(next); // the slot passes on: `rebuilding` stays
    else this.rebuilding--;
  }

  /** Refreshes every stream currently held whose key matches. */
  async refreshWhere(pred: (key: string) => boolean): Promise<void> {
    await Promise.all([...this.held.keys()].filter(pred).map((k) => this.refresh(k)));
  }

  private async load(key: string): Promise<Held | null> {
    const cached = this.held.get(key);
    if (cached) return cached;
    const row = await this.db.liveStream.findUnique({ where: { key } });
    return row ? { version: row.version, state: JSON.parse(row.state) } : null;
  }

  private async refreshNow(key: string, attempt = 0): Promise<number> {
    const r = this.resolve(key);
    if (!r) throw new AppError("NOT_FOUND", `Unknown stream ${key}`);
    const state = JSON.parse(JSON.stringify(await r.kind.build(r.params))) as unknown;
    const current = await this.load(key);
    if (!current) {
      await this.db.liveStream
        .upsert({
          where: { key },
          create: { key, version: 1, state: JSON.stringify(state) },
          update: {},
        })
        .catch((err: unknown) => {
          // Another process created the stream at the same moment (PostgreSQL): take theirs below.
          if ((err as { code?: string }).code !== "P2002") throw err;
        });
      this.held.delete(key);
      const again = await this.load(key);
      if (again && (again.version !== 1 || JSON.stringify(again.state) !== JSON.stringify(state))) return this.refreshNow(key, attempt + 1);
      this.held.set(key, { version: 1, state });
      return 1;
    }
    const patch = diff(current.state, state);
    if (patch.length === 0) {
      this.held.set(key, current);
      return current.version;
    }
    const version = current.version + 1;
    // Plain SQL outside Prisma's client (server/direct-sql.ts): this is on the path from every action to
    // every screen, and each Prisma call has a fixed cost (query compiler, spans, transaction manager).
    // A stream version is derived state: after a power loss its last versions may be missing; joins then
    // get a snapshot (a client takes a snapshot whatever its version) and the rebuild writes them again.
    // Old updates are pruned every `pruneEvery`-th version, so at least `keepUpdates` are kept.
    const at = new Date();
    const [stateJson, patchJson] = [JSON.stringify(state), JSON.stringify(patch)];
    const stored = await directSql(this.db).transaction(async (tx) => {
      const count = await tx.run(`UPDATE "LiveStream" SET "version" = ?, "state" = ?, "updatedAt" = ? WHERE "key" = ? AND "version" = ?`, [version, stateJson, at, key, current.version]);
      if (count !== 1) return false;
      await tx.run(`INSERT INTO "LiveUpdate" ("key", "version", "patch", "at") VALUES (?, ?, ?, ?)`, [key, version, patchJson, at]);
      if (version % this.pruneEvery === 0) {
        await tx.run(`DELETE FROM "LiveUpdate" WHERE "key" = ? AND "version" <= ?`, [key, version - this.opts.keepUpdates]);
      }
      return true;
    }, { durability: "derived" }); // rebuilt from the facts: see TxOptions
    if (!stored) {
      // Another writer moved the stream on: forget our copy and rebuild on top of theirs.
      this.held.delete(key);
      if (attempt > 5) throw new AppError("CONFLICT", `Stream ${key} is changing too fast; try again`);
      return this.refreshNow(key, attempt + 1);
    }
    this.held.set(key, { version, state });
    const update: LiveUpdate = { stream: key, version, patch, serverTime: at.toISOString() };
    this.io.to(key).emit("live:update", update);
    this.lastPublished.set(key, Date.now());
    return version;
  }

  /** Authorizes, subscribes the socket, then answers with missed updates or a snapshot. */
  async join(socket: HallSocket, principal: Principal, key: string, sinceVersion?: number): Promise<LiveJoinResult> {
    const r = this.resolve(key);
    if (!r) throw new AppError("NOT_FOUND", `Unknown stream ${key}`);
    const allowed = await r.kind.authorize(principal, r.params);
    if (allowed === "not-found") throw new AppError("NOT_FOUND", `No such stream ${key}`);
    if (!allowed) throw new AppError("FORBIDDEN", `Not allowed to watch ${key}`);
    // Subscribe first: an update published while we read is then either in
    // what we answer or arrives after it; the client drops versions it has.
    await socket.join(key);
    if (this.opts.shared && this.held.has(key)) await this.serial(key, () => this.reloadIfStale(key));
    if (!this.held.has(key)) await this.refresh(key);
    if (this.closed && !this.held.has(key)) throw new AppError("UNAVAILABLE", "The server is shutting down; join again in a moment");
    const held = await this.serial(key, async () => this.held.get(key)!);
    const serverTime = new Date().toISOString();
    if (sinceVersion !== undefined && sinceVersion <= held.version) {
      if (sinceVersion === held.version) return { mode: "updates", stream: key, updates: [], serverTime };
      const rows = await this.db.liveUpdate.findMany({
        where: { key, version: { gt: sinceVersion, lte: held.version } },
        orderBy: { version: "asc" },
      });
      if (rows.length === held.version - sinceVersion) {
        return {
          mode: "updates",
          stream: key,
          updates: rows.map((u) => ({ stream: key, version: u.version, patch: JSON.parse(u.patch) as JsonPatchOp[] })),
          serverTime,
        };
      }
    }
    return { mode: "snapshot", snapshot: { stream: key, version: held.version, state: held.state }, serverTime };
  }

  /** Another process may have moved the stream on: take the stored version when it differs from ours. */
  private async reloadIfStale(key: string): Promise<void> {
    const held = this.held.get(key);
    const row = await this.db.liveStream.findUnique({ where: { key }, select: { version: true } });
    if (!held || !row || row.version === held.version) return;
    const full = await this.db.liveStream.findUnique({ where: { key } });
    if (full) this.held.set(key, { version: full.version, state: JSON.parse(full.state) as unknown });
    else this.held.delete(key);
  }

  async leave(socket: HallSocket, key: string): Promise<void> {
    await socket.leave(key);
  }

  /** Current version held for a stream (tests, health). */
  versionOf(key: string): number | undefined {
    return this.held.get(key)?.version;
  }

  startTicks(): void {
    this.tick = setInterval(() => {
      const serverTime = new Date().toISOString();
      const now = Date.now();
      for (const [key, h] of this.held) {
        // A stream that sent an update within the last period has told its clients as much as a tick would.
        if (now - (this.lastPublished.get(key) ?? -Infinity) < this.opts.tickMs) continue;
        if ((this.io.sockets.adapter.rooms.get(key)?.size ?? 0) > 0) {
          // Local: every process ticks its own sockets (a tick through the adapter would reach each socket once per process).
          this.io.local.to(key).emit("live:tick", { stream: key, version: h.version, serverTime });
        }
      }
    }, this.opts.tickMs);
    this.tick.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    await Promise.allSettled([...this.queues.values()]);
  }
}
