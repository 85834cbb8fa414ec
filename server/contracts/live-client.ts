// The client half of the live-state protocol, framework-free, shared by the
// Vue client (client/src/live), the device agent and simulator (devices/) and
// the tests. It holds one stream's state: join → snapshot or missed updates →
// ordered updates; on any gap, a tick with a newer version, a reconnect or a
// reset it joins again from the last version it holds. It never guesses.
import fastJsonPatch, { type Operation } from "fast-json-patch";
import type { Socket } from "socket.io-client";
import { emitAck, NETWORK_ERROR } from "./ack";
import type { ClientToServerEvents, ServerToClientEvents } from "./events";
import type { LiveTick, LiveUpdate } from "./live";

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveStreamOptions<S> {
  onState?: (state: S, version: number) => void;
  onStale?: (stale: boolean) => void;
  onError?: (error: { code: string; message: string }) => void;
  /** Mark the stream stale when nothing was heard for this long (ms). */
  staleMs?: number;
  joinTimeoutMs?: number;
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export class LiveStreamClient<S = unknown> {
  state: S | undefined;
  version = 0;
  stale = false;
  /** Offset to add to Date.now() to get the server's clock (for countdowns). */
  clockOffsetMs = 0;
  private joining = false;
  private rejoinWanted: boolean | "fresh" = false;
  private buffer: LiveUpdate[] = [];
  private lastHeard = Date.now();
  private staleTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private fatal = false;

  constructor(
    private readonly socket: ClientSocket,
    readonly stream: string,
    private readonly opts: LiveStreamOptions<S> = {},
  ) {}

  private readonly onUpdate = (u: LiveUpdate) => {
    if (u.stream !== this.stream) return;
    this.heard();
    if (u.serverTime) this.clockOffsetMs = Date.parse(u.serverTime) - Date.now();
    if (this.joining || this.version === 0) {
      this.buffer.push(u);
      return;
    }
    this.accept(u);
  };

  private readonly onTick = (t: LiveTick) => {
    if (t.stream !== this.stream) return;
    this.heard();
    this.clockOffsetMs = Date.parse(t.serverTime) - Date.now();
    if (t.version > this.version && !this.joining) void this.join();
  };

  private readonly onReset = (r: { stream: string }) => {
    if (r.stream === this.stream) void this.join(true);
  };

  private readonly onConnect = () => {
    if (!this.fatal) void this.join();
  };

  start(): this {
    this.socket.on("live:update", this.onUpdate);
    this.socket.on("live:tick", this.onTick);
    this.socket.on("live:reset", this.onReset);
    this.socket.on("connect", this.onConnect);
    const staleMs = this.opts.staleMs ?? 3000;
    this.staleTimer = setInterval(() => {
      const stale = Date.now() - this.lastHeard > staleMs;
      if (stale !== this.stale) {
        this.stale = stale;
        this.opts.onStale?.(stale);
      }
    }, Math.min(500, staleMs));
    if (this.socket.connected) void this.join();
    return this;
  }

  stop(): void {
    this.stopped = true;
    this.socket.off("live:update", this.onUpdate);
    this.socket.off("live:tick", this.onTick);
    this.socket.off("live:reset", this.onReset);
    this.socket.off("connect", this.onConnect);
    if (this.staleTimer) clearInterval(this.staleTimer);
    if (this.socket.connected) this.socket.emit("live:leave", { stream: this.stream }, () => undefined);
  }

  private heard() {
    this.lastHeard = Date.now();
    if (this.stale) {
      this.stale = false;
      this.opts.onStale?.(false);
    }
  }

  /** Joins (or re-joins) from the version held; `fresh` asks for a snapshot. */
  async join(fresh = false): Promise<void> {
    if (this.stopped) return;
    if (this.joining) {
      this.rejoinWanted = fresh ? "fresh" : this.rejoinWanted || true;
      return;
    }
    this.joining = true;
    try {
      const since = fresh || this.version === 0 ? undefined : this.version;
      const res = await emitAck(
        this.socket,
        "live:join",
        since === undefined ? { stream: this.stream } : { stream: this.stream, sinceVersion: since },
        this.opts.joinTimeoutMs ?? 10_000,
      );
      if (!res.ok && res.error.code === NETWORK_ERROR) {
        this.rejoinWanted = this.rejoinWanted || true; // timed out or dropped: try again below if still connected
        return;
      }
      if (!res.ok) {
        if (res.error.code === "FORBIDDEN" || res.error.code === "NOT_FOUND") this.fatal = true;
        this.opts.onError?.(res.error);
        return;
      }
      this.heard();
      this.clockOffsetMs = Date.parse(res.data.serverTime) - Date.now();
      if (res.data.mode === "snapshot") {
        this.state = clone(res.data.snapshot.state) as S;
        this.version = res.data.snapshot.version;
      } else {
        for (const u of res.data.updates) {
          if (!this.apply(u)) {
            this.rejoinWanted = "fresh";
            return;
          }
        }
      }
      const buffered = this.buffer.sort((a, b) => a.version - b.version);
      this.buffer = [];
      for (const u of buffered) {
        if (u.version <= this.version) continue;
        if (!this.apply(u)) {
          this.rejoinWanted = this.rejoinWanted || true;
          return;
        }
      }
      this.emitState();
    } finally {
      this.joining = false;
      const again = this.rejoinWanted;
      this.rejoinWanted = false;
      if (again && this.socket.connected && !this.fatal) void this.join(again === "fresh");
    }
  }

  private accept(u: LiveUpdate) {
    if (u.version <= this.version) return; // already have it
    if (!this.apply(u)) {
      // A gap: ask for what we missed. A patch that does not fit our copy: start afresh.
      void this.join(u.version === this.version + 1);
      return;
    }
    this.emitState();
  }

  /** Applies the next update in order; false on a gap or a patch that does not fit. */
  private apply(u: LiveUpdate): boolean {
    if (u.version !== this.version + 1) return false;
    try {
      const doc = fastJsonPatch.applyPatch(clone(this.state) as object, clone(u.patch) as Operation[], true, true).newDocument;
      this.state = doc as S;
      this.version = u.version;
      return true;
    } catch {
      return false;
    }
  }

  private emitState() {
    if (this.state !== undefined) this.opts.onState?.(this.state, this.version);
  }
}
