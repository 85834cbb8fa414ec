// Socket.IO: authenticate the connection (bearer token or device key), then
// dispatch every event from the contracts table: size check → audience check
// → zod parse → handler → typed ack. Unknown events get UNKNOWN_EVENT.
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Ack } from "@contracts/common";
import { MAX_EVENT_BYTES, clientEvents, isClientEvent, type ClientEventName } from "@contracts/events";
import { admits, type Principal } from "../auth/principal";
import { authenticateToken } from "../auth/tokens";
import type { AppContext } from "../context";
import { authenticateDevice } from "../devices/keys";
import { deviceConnected, deviceDisconnected, deviceRoom } from "../devices/commands";
import { AppError, toErrorBody, validationError } from "../errors";
import type { HallIo, HallSocket } from "../live/hub";
import { disconnectAfterEmit } from "../scale/redis";
import { handlers, type Handler } from "./handlers";

declare module "socket.io" {
  interface SocketData {
    principal: Principal;
  }
}

type AnyAck = (res: Ack<unknown>) => void;

export function wireSockets(io: HallIo, app: AppContext): void {
  const eventLimiter = new RateLimiterMemory({ points: app.config.eventRatePerSecond, duration: 1 });

  io.use(async (socket, next) => {
    try {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      if (typeof auth.token === "string") socket.data.principal = await authenticateToken(app.db, auth.token);
      else if (typeof auth.deviceKey === "string") socket.data.principal = await authenticateDevice(app.db, auth.deviceKey);
      else throw new AppError("UNAUTHENTICATED", "Connect with auth.token (people) or auth.deviceKey (devices)");
      next();
    } catch (err) {
      const body = toErrorBody(err);
      if (body.code === "INTERNAL") app.log.error({ err }, "socket auth failed");
      next(Object.assign(new Error(body.message), { data: body }));
    }
  });

  // A logged-out token's open sockets are told and dropped at once (on every process: with Redis,
  // the process that served the logout tells the others through the adapter).
  const dropToken = (tokenId: string) => {
    for (const [, s] of io.sockets.sockets) {
      const p = s.data.principal as Principal | undefined;
      if (p?.kind === "user" && p.tokenId === tokenId) {
        s.emit("auth:expired", { reason: "logged out" });
        disconnectAfterEmit(app, s);
      }
    }
  };
  app.events.on("auth.tokenRevoked", ({ tokenId }) => {
    dropToken(tokenId);
    if (app.redis) (io as unknown as { serverSideEmit(e: string, id: string): void }).serverSideEmit("hall:tokenRevoked", tokenId);
  });
  if (app.redis) (io as unknown as { on(e: string, f: (id: string) => void): void }).on("hall:tokenRevoked", (id) => typeof id === "string" && dropToken(id));

  // A hall holds thousands of device sockets: per socket there is no closure of ours but one
  // timer (people's token expiry); one dispatcher and one disconnect listener serve every socket,
  // and a socket's logger is made only when something is logged.
  const expiries = new WeakMap<HallSocket, NodeJS.Timeout>();
  const logOf = (socket: HallSocket) => {
    const p = socket.data.principal;
    return app.log.child({ socket: socket.id, who: p.kind === "user" ? p.username : p.code });
  };

  function onDisconnect(this: HallSocket): void {
    const principal = this.data.principal;
    const expiry = expiries.get(this);
    if (expiry) clearTimeout(expiry);
    if (principal.kind === "device") {
      void deviceDisconnected(app, principal).catch((err: unknown) => logOf(this).warn({ err }, "device disconnect bookkeeping failed"));
    }
  }

  // Every event from the contracts table: dispatch → typed ack. Unknown events get UNKNOWN_EVENT.
  function onEvent(this: HallSocket, event: string, ...args: unknown[]): void {
    const ack = args[args.length - 1];
    if (typeof ack !== "function") return; // every event is request/response; without an ack there is no one to answer
    const respond = ack as AnyAck;
    if (!isClientEvent(event)) {
      respond({ ok: false, error: { code: "UNKNOWN_EVENT", message: `Unknown event "${event}"` } });
      return;
    }
    const socket = this;
    dispatch(app, socket, eventLimiter, event, args.length > 1 ? args[0] : undefined).then(
      (data) => respond({ ok: true, data }),
      (err: unknown) => {
        const body = toErrorBody(err);
        if (body.code === "INTERNAL") logOf(socket).error({ err, event }, "event failed");
        respond({ ok: false, error: body });
      },
    );
  }

  io.on("connection", (socket: HallSocket) => {
    const principal = socket.data.principal;
    if (principal.kind === "user") {
      const ms = Math.min(principal.expiresAt.getTime() - Date.now(), 2 ** 31 - 1);
      expiries.set(
        socket,
        setTimeout(() => {
          socket.emit("auth:expired", { reason: "token expired" });
          disconnectAfterEmit(app, socket);
        }, ms),
      );
    } else {
      void socket.join(deviceRoom(principal.deviceId));
      void deviceConnected(app, principal).catch((err: unknown) => logOf(socket).error({ err }, "device connect bookkeeping failed"));
    }
    socket.on("disconnect", onDisconnect);
    socket.onAny(onEvent);
  });
}

async function dispatch(app: AppContext, socket: HallSocket, limiter: RateLimiterMemory, name: ClientEventName, payload: unknown) {
  const principal = socket.data.principal;
  try {
    await limiter.consume(socket.id);
  } catch {
    throw new AppError("RATE_LIMITED", "Too many events; slow down");
  }
  if (principal.kind === "user" && principal.expiresAt.getTime() <= Date.now()) {
    throw new AppError("TOKEN_EXPIRED", "Token expired; log in again");
  }
  const size = payload === undefined ? 0 : Buffer.byteLength(JSON.stringify(payload) ?? "");
  if (size > MAX_EVENT_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Payload of ${size} bytes exceeds ${MAX_EVENT_BYTES}`);
  const contract = clientEvents[name];
  if (!admits(contract.audience, principal)) throw new AppError("FORBIDDEN", `Not allowed to send ${name}`);
  const parsed = contract.input.safeParse(payload ?? {});
  if (!parsed.success) throw validationError(parsed.error, `${name} payload`);
  const handler = handlers[name] as Handler<ClientEventName>;
  return handler({ app, socket, principal }, parsed.data as never);
}
