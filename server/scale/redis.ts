// Redis for several processes (REDIS_URL): the Socket.IO streams adapter,
// shared presence and the login throttle. One command client that fails fast
// while Redis is away (the process keeps serving its own sockets and falls
// back to per-process limits), and reconnects by itself; /healthz says which.
import { createClient } from "redis";
import { randomUUID } from "node:crypto";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { Logger } from "../logger";
import type { HallIo } from "../live/hub";

export type RedisClient = ReturnType<typeof createClient>;

export class RedisLink {
  /** Commands (presence, throttle, health): rejected at once while disconnected. */
  readonly client: RedisClient;
  /** This process, as other processes see it in shared state. */
  readonly nodeId = randomUUID();
  private state: "connecting" | "ready" | "down" = "connecting";
  private lastError = "";
  private readonly readyListeners: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly url: string,
    readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 3000, reconnectStrategy: (retries) => Math.min(100 * 2 ** Math.min(retries, 5), 2000) },
    });
    this.client.on("ready", () => {
      if (this.state !== "ready") this.log.info({ redis: this.redacted }, "redis ready");
      this.state = "ready";
      this.lastError = "";
      for (const f of this.readyListeners) f();
    });
    this.client.on("error", (err: Error) => {
      if (this.state !== "down") this.log.warn({ err: err.message }, "redis unavailable; serving this process's sockets alone until it returns");
      this.state = "down";
      this.lastError = err.message || String(err);
    });
    this.client.on("end", () => {
      if (!this.closed) this.state = "down";
    });
  }

  get redacted(): string {
    return this.url.replace(/\/\/[^@]*@/, "//***@");
  }

  /** Connects (waits at most `waitMs` for the first connection; keeps trying in the background after). */
  async connect(waitMs = 5000): Promise<void> {
    const first = this.client.connect().then(
      () => undefined,
      (err: unknown) => {
        this.state = "down";
        this.lastError = (err as Error).message;
      },
    );
    await Promise.race([first, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  get ready(): boolean {
    return this.state === "ready" && this.client.isReady;
  }

  /** Called each time the connection is (re-)established. */
  onReady(f: () => void): void {
    this.readyListeners.push(f);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(":");
  }

  /** "ok", or why not (for /healthz). */
  async check(timeoutMs = 1000): Promise<string> {
    if (!this.client.isReady) return `error: ${this.lastError || "not connected"}`;
    try {
      const pong = await Promise.race([
        this.client.ping(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref()),
      ]);
      return pong === "PONG" ? "ok" : `error: unexpected answer ${String(pong)}`;
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  }

  /**
   * The Socket.IO Redis streams adapter: broadcasts reach every process's sockets, and
   * connection state recovery works across processes (the pub/sub adapter loses events).
   * Its publishing client fails fast while Redis is away (a local broadcast must not wait
   * for Redis); its reading clients (duplicates) queue and resume from their last offset.
   */
  attachAdapter(io: HallIo): void {
    const pub = this.client.duplicate();
    const duplicate = pub.duplicate.bind(pub);
    (pub as { duplicate: unknown }).duplicate = () => duplicate({ disableOfflineQueue: false });
    pub.on("error", () => undefined);
    void pub.connect().catch(() => undefined);
    this.adapterClients.push(pub);
    io.adapter(createAdapter(pub, { streamName: this.key("sio"), sessionKeyPrefix: `${this.key("sio-session")}:`, channelPrefix: this.key("sio-ch"), maxLen: 10_000 }));
  }
  private readonly adapterClients: RedisClient[] = [];

  async close(): Promise<void> {
    this.closed = true;
    for (const c of [this.client, ...this.adapterClients]) {
      if (c.isOpen) await c.close().catch(() => c.destroy());
      else c.destroy();
    }
  }
}

/**
 * Disconnects a socket right after something was emitted to it. With Redis, connection state
 * recovery is on and a socket's own emits go through the adapter (stored in the stream first,
 * then sent), so an immediate disconnect would cut the message off: wait a moment.
 */
export function disconnectAfterEmit(app: { redis: RedisLink | null }, s: { disconnect(close?: boolean): unknown }): void {
  if (!app.redis) {
    s.disconnect(true);
    return;
  }
  setTimeout(() => s.disconnect(true), 250).unref();
}
