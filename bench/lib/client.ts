// The load generator's side of the wire: JSON API calls, logins, Socket.IO
// connections and acknowledged events (the same shapes as test/helpers/app.ts,
// which cannot be imported outside vitest).
import { io as ioClient, type Socket } from "socket.io-client";
import { emitAck, NETWORK_ERROR } from "@contracts/ack";
import type { Ack } from "@contracts/common";
import type { ClientEventName, ClientToServerEvents, EventInput, EventOutput, ServerToClientEvents } from "@contracts/events";
import type { LoginResult } from "@contracts/auth";

export type HallSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class HallClient {
  private readonly sockets: HallSocket[] = [];
  constructor(readonly url: string) {}

  async api<T = unknown>(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: Ack<T> }> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(this.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    return { status: res.status, body: (await res.json()) as Ack<T> };
  }

  async login(username: string, password: string): Promise<LoginResult> {
    const res = await this.api<LoginResult>("POST", "/api/auth/login", { body: { username, password } });
    if (!res.body.ok) throw new Error(`login ${username} failed: ${res.body.error.code} ${res.body.error.message}`);
    return res.body.data;
  }

  connect(auth: { token: string } | { deviceKey: string }, opts: { reconnection?: boolean } = {}): Promise<HallSocket> {
    const s: HallSocket = ioClient(this.url, { auth, transports: ["websocket"], reconnection: opts.reconnection ?? false, forceNew: true });
    this.sockets.push(s);
    return new Promise((resolve, reject) => {
      s.once("connect", () => resolve(s));
      s.once("connect_error", (e) => reject(e));
    });
  }

  closeAll(): void {
    for (const s of this.sockets) s.disconnect();
    this.sockets.length = 0;
  }
}

/** Emits an event and returns its ack (the contracts' emitAck; a timeout or a drop answers NETWORK_ERROR). */
export function call<E extends ClientEventName>(s: HallSocket, event: E, payload: EventInput<E>, timeoutMs = 60_000): Promise<Ack<EventOutput<E>>> {
  return emitAck(s, event, payload, timeoutMs);
}

/** Like call, but throws on a refusal. */
export async function must<E extends ClientEventName>(s: HallSocket, event: E, payload: EventInput<E>, timeoutMs?: number): Promise<EventOutput<E>> {
  const r = await call(s, event, payload, timeoutMs);
  if (!r.ok) throw new Error(`${event} refused: ${r.error.code} ${r.error.message}`);
  return r.data;
}

/**
 * call() as a real client does it: when the socket drops before the answer,
 * wait for the reconnection and send again (at most `tries` times).
 * Returns the last answer and how many times it had to resend.
 */
export async function callRetrying<E extends ClientEventName>(
  s: HallSocket,
  event: E,
  payload: EventInput<E>,
  timeoutMs = 60_000,
  tries = 3,
): Promise<{ ack: Ack<EventOutput<E>> | null; resent: number; lastError: string | null }> {
  let lastError: string | null = null;
  for (let i = 0; i <= tries; i++) {
    if (!s.connected) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        s.once("connect", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const ack = await call(s, event, payload, timeoutMs);
    if (ack.ok || ack.error.code !== NETWORK_ERROR) return { ack, resent: i, lastError };
    lastError = ack.error.message;
  }
  return { ack: null, resent: tries, lastError };
}
