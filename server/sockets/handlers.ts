// One handler per client event: the command to call after the dispatcher has
// validated the input and checked the audience. Resource checks that need
// the input (which room, which company) happen in the command or stream kind.
import type { ClientEventName, EventInput, EventOutput } from "@contracts/events";
import type { z } from "zod";
import type { clientEvents } from "@contracts/events";
import type { Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { HallSocket } from "../live/hub";
import { setRoomNotice } from "../rooms/commands";
import { deviceSelf, heartbeat, sendCommand } from "../devices/commands";
import { AppError } from "../errors";
import { openingHandlers } from "../opening/handlers";
import { expertHandlers } from "../experts/handlers";
import { evaluationHandlers } from "../evaluation/handlers";

export interface HandlerCtx {
  app: AppContext;
  socket: HallSocket;
  principal: Principal;
}

type Parsed<E extends ClientEventName> = z.output<(typeof clientEvents)[E]["input"]>;
export type Handler<E extends ClientEventName> = (ctx: HandlerCtx, input: Parsed<E>) => Promise<EventOutput<E>>;
export type Handlers = { [E in ClientEventName]: Handler<E> };
/** A domain's share of the handlers table (server/<domain>/handlers.ts). */
export type DomainHandlers<P extends string> = { [E in Extract<ClientEventName, `${P}:${string}`>]: Handler<E> };
// Keep EventInput referenced for readers: the wire type before parsing.
export type { EventInput };

const asDevice = (p: Principal) => {
  if (p.kind !== "device") throw new AppError("FORBIDDEN", "Only devices may send this event");
  return p;
};

export const handlers: Handlers = {
  ...openingHandlers,
  ...expertHandlers,
  ...evaluationHandlers,
  "live:join": ({ app, socket, principal }, input) => app.hub.join(socket, principal, input.stream, input.sinceVersion),
  "live:leave": async ({ app, socket }, input) => {
    await app.hub.leave(socket, input.stream);
    return { left: true as const };
  },
  "room:setNotice": ({ app, principal }, input) => setRoomNotice(app, principal, input),
  "device:whoami": ({ app, principal }) => deviceSelf(app.db, asDevice(principal).deviceId),
  "device:heartbeat": ({ app, principal }, input) => heartbeat(app, asDevice(principal), input),
  "device:sendCommand": ({ app, principal }, input) => sendCommand(app, principal, input),
};
