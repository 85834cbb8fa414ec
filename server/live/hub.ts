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
import type { Db } from "../db";
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
}

export class LiveHub {
  private readonly kinds: StreamKind<never>[] = [];
  private readonly held = new Map<string, Held>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private tick: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly io: HallIo,
    private readonly log: Logger,
    private readonly opts: HubOptions,
  ) {}

  register<P>(kind: StreamKind<P>): void {
    this.kinds.push(kind as unknown as StreamKind<never>);
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

  /** Rebuilds a stream from the database and publishes the difference as the next version. */
  refresh(key: string): Promise<number> {
    return this.serial(key, () => this.refreshNow(key));
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
      await this.db.liveStream.upsert({
        where: { key },
        create: { key, version: 1, state: JSON.stringify(state) },
        update: {},
      });
      this.held.delete(key);
      const again = await this.load(key);
      if (again && again.version !== 1) return this.refreshNow(key, attempt + 1);
      this.held.set(key, { version: 1, state });
      return 1;
    }
    const patch = diff(current.state, state);
    if (patch.length === 0) {
      this.held.set(key, current);
      return current.version;
    }
    const version = current.version + 1;
    const stored = await this.db.$transaction(async (tx) => {
      const { count } = await tx.liveStream.updateMany({
        where: { key, version: current.version },
        data: { version, state: JSON.stringify(state) },
      });
      if (count !== 1) return false;
      await tx.liveUpdate.create({ data: { key, version, patch: JSON.stringify(patch) } });
      await tx.liveUpdate.deleteMany({ where: { key, version: { lte: version - this.opts.keepUpdates } } });
      return true;
    });
    if (!stored) {
      // Another writer moved the stream on: forget our copy and rebuild on top of theirs.
      this.held.delete(key);
      if (attempt > 5) throw new AppError("CONFLICT", `Stream ${key} is changing too fast; try again`);
      return this.refreshNow(key, attempt + 1);
    }
    this.held.set(key, { version, state });
    const update: LiveUpdate = { stream: key, version, patch };
    this.io.to(key).emit("live:update", update);
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
    if (!this.held.has(key)) await this.refresh(key);
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
      for (const [key, h] of this.held) {
        if ((this.io.sockets.adapter.rooms.get(key)?.size ?? 0) > 0) {
          this.io.to(key).emit("live:tick", { stream: key, version: h.version, serverTime });
        }
      }
    }, this.opts.tickMs);
    this.tick.unref();
  }

  async close(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    await Promise.allSettled([...this.queues.values()]);
  }
}
