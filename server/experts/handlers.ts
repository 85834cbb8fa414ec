// Socket handlers of the experts domain: input validated and audience checked
// by the dispatcher; each calls one command.
import type { DomainHandlers } from "../sockets/handlers";
import { cancelDraw, requestDraw, revealDraw, signInDecline, signInFinish, signInStart } from "./draws";

export const expertHandlers: DomainHandlers<"experts"> = {
  "experts:requestDraw": ({ app, principal }, i) => requestDraw(app, principal, i),
  "experts:draw": ({ app, principal }, i) => revealDraw(app, principal, i.drawId),
  "experts:cancelDraw": ({ app, principal }, i) => cancelDraw(app, principal, i.drawId, i.reason),
  "experts:signInStart": ({ app, principal }, i) => signInStart(app, principal, i.residentId),
  "experts:signInFinish": ({ app, principal }, i) => signInFinish(app, principal, i.residentId, i.code),
  "experts:signInDecline": ({ app, principal }, i) => signInDecline(app, principal, i),
};
