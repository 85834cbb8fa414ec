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
import * as session from "../opening/session";
import { endDecryption, markPlatformFault, submitEscrowShare, submitKey } from "../opening/decryption";
import { withdrawBid } from "../opening/bids";

export interface HandlerCtx {
  app: AppContext;
  socket: HallSocket;
  principal: Principal;
}

type Parsed<E extends ClientEventName> = z.output<(typeof clientEvents)[E]["input"]>;
export type Handler<E extends ClientEventName> = (ctx: HandlerCtx, input: Parsed<E>) => Promise<EventOutput<E>>;
export type Handlers = { [E in ClientEventName]: Handler<E> };
// Keep EventInput referenced for readers: the wire type before parsing.
export type { EventInput };

const asDevice = (p: Principal) => {
  if (p.kind !== "device") throw new AppError("FORBIDDEN", "Only devices may send this event");
  return p;
};

export const handlers: Handlers = {
  "live:join": ({ app, socket, principal }, input) => app.hub.join(socket, principal, input.stream, input.sinceVersion),
  "live:leave": async ({ app, socket }, input) => {
    await app.hub.leave(socket, input.stream);
    return { left: true as const };
  },
  "room:setNotice": ({ app, principal }, input) => setRoomNotice(app, principal, input),
  "device:whoami": ({ app, principal }) => deviceSelf(app.db, asDevice(principal).deviceId),
  "device:heartbeat": ({ app, principal }, input) => heartbeat(app, asDevice(principal), input),
  "device:sendCommand": ({ app, principal }, input) => sendCommand(app, principal, input),
  "opening:open": ({ app, principal }, i) => session.openSession(app, principal, i.lotId),
  "opening:publishBidders": ({ app, principal }, i) => session.publishBidders(app, principal, i.lotId),
  "opening:startDecryption": ({ app, principal }, i) => session.startDecryption(app, principal, i.lotId),
  "opening:endDecryption": ({ app, principal }, i) => endDecryption(app, principal, i.lotId),
  "opening:startDraw": ({ app, principal }, i) => session.startDraw(app, principal, i.lotId),
  "opening:revealDraw": ({ app, principal }, i) => session.revealDraw(app, principal, i.lotId),
  "opening:startConfirmation": ({ app, principal }, i) => session.startConfirmation(app, principal, i.lotId),
  "opening:close": ({ app, principal }, i) => session.closeSession(app, principal, i.lotId),
  "opening:signIn": ({ app, principal }, i) => session.signIn(app, principal, i.lotId, i.mode),
  "opening:submitKey": ({ app, principal }, i) => submitKey(app, principal, i.lotId, i.keyHex),
  "opening:withdrawBid": ({ app, principal }, i) => withdrawBid(app, principal, i.lotId),
  "opening:pick": ({ app, principal }, i) => session.pickReservePrices(app, principal, i.lotId, i.picks),
  "opening:confirm": ({ app, principal }, i) => session.confirmRecord(app, principal, i.lotId, i.decision, i.text),
  "opening:raiseObjection": ({ app, principal }, i) => session.raiseObjection(app, principal, i.lotId, i.text),
  "opening:answerObjection": ({ app, principal }, i) => session.answerObjection(app, principal, i.objectionId, i.answer),
  "opening:markPlatformFault": ({ app, principal }, i) => markPlatformFault(app, principal, i.bidId, i.reason),
  "opening:submitEscrowShare": ({ app, principal }, i) => submitEscrowShare(app, principal, i.bidId, i.share),
};
