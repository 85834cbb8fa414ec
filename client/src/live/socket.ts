// One typed Socket.IO connection per credential: a person's bearer token or a
// hall device's key. WebSocket only, reconnection on. Connection state and the
// last connect error (`err.data = {code, message}` from the server's auth
// middleware) are kept as refs for the screens to show.
import { io, type Socket } from "socket.io-client";
import { ref, type Ref } from "vue";
import type { ErrorBody } from "@contracts/common";
import type { ClientToServerEvents, ServerToClientEvents } from "@contracts/events";

export type HallSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type SocketAuth = { token: string } | { deviceKey: string };

export interface SocketStatus {
  connected: Ref<boolean>;
  /** Last connect error; cleared on connect. */
  error: Ref<ErrorBody | null>;
  /** True when the server refused the credential itself: no automatic retry. */
  refused: Ref<boolean>;
  /** When the next manual retry is due (ms epoch), for errors the client retries itself. */
  retryAt: Ref<number | null>;
}

interface Entry {
  key: string;
  socket: HallSocket;
  status: SocketStatus;
  kind: "person" | "device";
  retryTimer?: ReturnType<typeof setTimeout>;
}

/** Connect-error codes that mean "this credential will never work": do not retry. */
export const REFUSED_CODES: readonly string[] = ["UNAUTHENTICATED", "TOKEN_EXPIRED", "DEVICE_REVOKED", "FORBIDDEN"];
const RETRY_MS = 5_000;

const entries = new Map<string, Entry>();
const bySocket = new WeakMap<HallSocket, Entry>();
let authExpiredHandler: (reason: string) => void = () => undefined;

/** The app decides what a person's refused/expired socket means (log out → /login). */
export function onPersonAuthExpired(fn: (reason: string) => void): void {
  authExpiredHandler = fn;
}

const keyOf = (auth: SocketAuth) => ("token" in auth ? `t:${auth.token}` : `d:${auth.deviceKey}`);

function errorOf(err: Error): ErrorBody {
  const data = (err as Error & { data?: unknown }).data as Partial<ErrorBody> | undefined;
  if (data && typeof data.code === "string") return { code: data.code, message: typeof data.message === "string" ? data.message : err.message };
  return { code: "NETWORK_ERROR", message: err.message || "connection failed" };
}

function scheduleRetry(e: Entry) {
  if (e.retryTimer) return;
  e.status.retryAt.value = Date.now() + RETRY_MS;
  e.retryTimer = setTimeout(() => {
    e.retryTimer = undefined;
    e.status.retryAt.value = null;
    if (entries.get(e.key) === e && !e.socket.connected) e.socket.connect();
  }, RETRY_MS);
}

/** The socket for this credential, created (and connecting) on first use. */
export function getSocket(auth: SocketAuth): HallSocket {
  const key = keyOf(auth);
  const found = entries.get(key);
  if (found) return found.socket;

  const socket: HallSocket = io({
    auth,
    transports: ["websocket"],
    reconnection: true,
    // Back within ~2 s of a server restart (0.5 s → 1.5 s, ±50 % jitter so a hall does not reconnect in lockstep).
    reconnectionDelay: 500,
    reconnectionDelayMax: 1_500,
    randomizationFactor: 0.5,
    timeout: 10_000,
  });
  const e: Entry = {
    key,
    socket,
    kind: "token" in auth ? "person" : "device",
    status: { connected: ref(false), error: ref(null), refused: ref(false), retryAt: ref(null) },
  };
  entries.set(key, e);
  bySocket.set(socket, e);

  socket.on("connect", () => {
    e.status.connected.value = true;
    e.status.error.value = null;
    e.status.refused.value = false;
  });
  socket.on("disconnect", (reason) => {
    e.status.connected.value = false;
    // The server hung up on us (e.g. a device was revoked, a token expired): socket.io
    // does not reconnect by itself then. Try again; the handshake tells the truth.
    if (reason === "io server disconnect") scheduleRetry(e);
  });
  socket.on("connect_error", (err) => {
    const body = errorOf(err);
    e.status.error.value = body;
    if (socket.active) return; // a transport failure: socket.io retries by itself
    // The server's middleware refused the handshake.
    if (REFUSED_CODES.includes(body.code)) {
      e.status.refused.value = true;
      if (e.kind === "person") authExpiredHandler(body.message);
      return;
    }
    scheduleRetry(e); // INTERNAL, RATE_LIMITED, …: try again shortly
  });
  socket.on("auth:expired", ({ reason }) => {
    if (e.kind === "person") authExpiredHandler(reason);
  });
  return socket;
}

export function socketStatus(socket: HallSocket): SocketStatus {
  const e = bySocket.get(socket);
  if (!e) throw new Error("socketStatus: socket not made by getSocket");
  return e.status;
}

/** Closes and forgets the socket of this credential (on logout, on a changed device key). */
export function closeSocket(auth: SocketAuth): void {
  const e = entries.get(keyOf(auth));
  if (e) drop(e);
}

export function closePersonSockets(): void {
  for (const e of [...entries.values()]) if (e.kind === "person") drop(e);
}

function drop(e: Entry) {
  if (e.retryTimer) clearTimeout(e.retryTimer);
  entries.delete(e.key);
  e.socket.removeAllListeners();
  e.socket.disconnect();
  e.status.connected.value = false;
}
