// The device side of the Socket.IO wire: a typed socket, a typed request with
// a timeout, and how a refused connection is told apart from a network blip.
import { io, type Socket } from "socket.io-client";
import { emitAck } from "@contracts/ack";
import type { ErrorBody } from "@contracts/common";
import type { ClientEventName, ClientToServerEvents, EventInput, EventOutput, ServerToClientEvents } from "@contracts/events";

export type DeviceSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface DeviceSocketOptions {
  /** Default ["websocket"]: hall PCs sit on the LAN; add "polling" behind hostile proxies. */
  transports?: ("websocket" | "polling")[];
  /** Socket.IO's own reconnection (network failures). Default on, forever, 0.5 s → 1.5 s with ±50 % jitter (back within ~2 s of a server restart). */
  reconnection?: boolean;
  reconnectionDelayMs?: number;
  reconnectionDelayMaxMs?: number;
  /** Do not connect until `socket.connect()`. */
  autoConnect?: boolean;
  /**
   * Sent as `auth.client` (e.g. "hall-agent/0.1.0"): tells the server this socket is an agent,
   * not the kiosk's /screen page on the same key. The server ignores it today.
   */
  client?: string;
}

/** A device socket authenticated by its key (a new Manager each time: no multiplexing between devices). */
export function deviceSocket(url: string, deviceKey: string, opts: DeviceSocketOptions = {}): DeviceSocket {
  return io(url, {
    auth: opts.client ? { deviceKey, client: opts.client } : { deviceKey },
    transports: opts.transports ?? ["websocket"],
    forceNew: true,
    autoConnect: opts.autoConnect ?? true,
    reconnection: opts.reconnection ?? true,
    reconnectionAttempts: Infinity,
    reconnectionDelay: opts.reconnectionDelayMs ?? 500,
    reconnectionDelayMax: opts.reconnectionDelayMaxMs ?? 1_500,
    randomizationFactor: 0.5,
  });
}

/** Error thrown by `request` when the server answered `{ ok: false }`. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  constructor(readonly body: ErrorBody) {
    super(`${body.code}: ${body.message}`);
  }
  get code(): string {
    return this.body.code;
  }
}

/**
 * Emits a client event and waits for its ack (the contracts' emitAck). Resolves
 * with the data; rejects with RequestError for `{ ok: false }`, NETWORK_ERROR
 * when the answer did not come in time or the connection dropped first.
 */
export async function request<E extends ClientEventName>(socket: DeviceSocket, event: E, payload: EventInput<E>, timeoutMs: number): Promise<EventOutput<E>> {
  const res = await emitAck(socket, event, payload, timeoutMs);
  if (!res.ok) throw new RequestError(res.error);
  return res.data;
}

/** Connection refusals that retrying will not fix: the key is wrong or revoked. */
export const FATAL_AUTH_CODES: readonly string[] = ["UNAUTHENTICATED", "DEVICE_REVOKED"];

/** The server's error body carried by a `connect_error` from its auth middleware, if any. */
export function refusal(err: Error): ErrorBody | null {
  const data = (err as Error & { data?: unknown }).data;
  if (typeof data === "object" && data !== null && typeof (data as ErrorBody).code === "string") {
    const d = data as ErrorBody;
    return { code: d.code, message: typeof d.message === "string" ? d.message : err.message };
  }
  return null;
}

/** Exponential backoff with full jitter, for reconnects Socket.IO does not do by itself. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly minMs = 500,
    private readonly maxMs = 30_000,
  ) {}
  next(): number {
    const cap = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(cap / 2 + (Math.random() * cap) / 2);
  }
  reset(): void {
    this.attempt = 0;
  }
}

/** The kiosk page of a device: the key travels in the hash, which never reaches a server log. */
export const displayUrl = (url: string, key: string): string => `${url.replace(/\/+$/, "")}/screen#key=${encodeURIComponent(key)}`;
