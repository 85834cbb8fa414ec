// Socket handlers of the opening: input already validated and the audience
// checked by the dispatcher; each calls one command.
import type { DomainHandlers } from "../sockets/handlers";
import * as session from "./session";
import { endDecryption, giveUpDecryption, submitKey } from "./decryption";
import { markPlatformFault, submitEscrowShare } from "./escrow-commands";
import { withdrawBid } from "./bids";
import { issueSupplement } from "./supplements";

export const openingHandlers: DomainHandlers<"opening"> = {
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
  "opening:giveUpDecryption": ({ app, principal }, i) => giveUpDecryption(app, principal, i.lotId),
  "opening:withdrawBid": ({ app, principal }, i) => withdrawBid(app, principal, i.lotId),
  "opening:pick": ({ app, principal }, i) => session.pickReservePrices(app, principal, i.lotId, i.picks),
  "opening:confirm": ({ app, principal }, i) => session.confirmRecord(app, principal, i.lotId, i.decision, i.text),
  "opening:raiseObjection": ({ app, principal }, i) => session.raiseObjection(app, principal, i.lotId, i.text),
  "opening:answerObjection": ({ app, principal }, i) => session.answerObjection(app, principal, i.objectionId, i.answer),
  "opening:markPlatformFault": ({ app, principal }, i) => markPlatformFault(app, principal, i.bidId, i.reason),
  "opening:issueSupplement": ({ app, principal }, i) => issueSupplement(app, principal, i),
  "opening:submitEscrowShare": ({ app, principal }, i) => submitEscrowShare(app, principal, i.bidId, i.share),
};
