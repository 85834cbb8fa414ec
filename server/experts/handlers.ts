// Socket handlers of the experts domain: input validated and audience checked
// by the dispatcher; each calls one command.
import type { DomainHandlers } from "../sockets/handlers";
import { ownerRepSignInFinish, ownerRepSignInStart } from "../evaluation/committee";
import { cancelDraw } from "./commands/cancel-draw";
import { requestDraw } from "./commands/request-draw";
import { revealDraw } from "./commands/reveal-draw";
import { signInDecline } from "./commands/sign-in-decline";
import { signInFinish } from "./commands/sign-in-finish";
import { signInStart } from "./commands/sign-in-start";

export const expertHandlers: DomainHandlers<"experts"> = {
  "experts:requestDraw": ({ app, principal }, i) => requestDraw(app, principal, i),
  "experts:draw": ({ app, principal }, i) => revealDraw(app, principal, i.drawId),
  "experts:cancelDraw": ({ app, principal }, i) => cancelDraw(app, principal, i.drawId, i.reason),
  // The tenderer's representatives (招标人代表) sign in through the same commands (evaluation/committee.ts).
  "experts:signInStart": async ({ app, principal }, i) => (await ownerRepSignInStart(app, principal, i.residentId)) ?? signInStart(app, principal, i.residentId),
  "experts:signInFinish": async ({ app, principal }, i) => (await ownerRepSignInFinish(app, principal, i.residentId, i.code)) ?? signInFinish(app, principal, i.residentId, i.code),
  "experts:signInDecline": ({ app, principal }, i) => signInDecline(app, principal, i),
};
