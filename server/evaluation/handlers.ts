// Socket handlers of the evaluation: input validated and audience checked by
// the dispatcher; each calls one command.
import type { DomainHandlers } from "../sockets/handlers";
import {
  advance,
  answerClarification,
  approveAction,
  declareConflicts,
  dissent,
  enrollKey,
  pledge,
  prepareSignature,
  refuseSign,
  requestAction,
  requestClarification,
  saveDraft,
  sealSession,
  signReport,
  submitSheet,
  voteChair,
  whoami,
} from "./session";
import { createEvaluation } from "./start";

export const evaluationHandlers: DomainHandlers<"evaluation"> = {
  "evaluation:create": ({ app, principal }, i) => createEvaluation(app, principal, i),
  "evaluation:advance": ({ app, principal }, i) => advance(app, principal, i),
  "evaluation:whoami": ({ app, principal }, i) => whoami(app, principal, i.sessionId),
  "evaluation:pledge": ({ app, principal }, i) => pledge(app, principal, i.sessionId),
  "evaluation:declareConflicts": ({ app, principal }, i) => declareConflicts(app, principal, i),
  "evaluation:voteChair": ({ app, principal }, i) => voteChair(app, principal, i),
  "evaluation:draft": ({ app, principal }, i) => saveDraft(app, principal, i),
  "evaluation:submit": ({ app, principal }, i) => submitSheet(app, principal, i),
  "evaluation:dissent": ({ app, principal }, i) => dissent(app, principal, i),
  "evaluation:enrollKey": ({ app, principal }, i) => enrollKey(app, principal, i),
  "evaluation:prepareSignature": ({ app, principal }, i) => prepareSignature(app, principal, i.sessionId),
  "evaluation:sign": ({ app, principal }, i) => signReport(app, principal, i),
  "evaluation:refuseSign": ({ app, principal }, i) => refuseSign(app, principal, i),
  "evaluation:requestAction": ({ app, principal }, i) => requestAction(app, principal, i),
  "evaluation:approveAction": ({ app, principal }, i) => approveAction(app, principal, i),
  "evaluation:requestClarification": ({ app, principal }, i) => requestClarification(app, principal, i),
  "evaluation:answerClarification": ({ app, principal }, i) => answerClarification(app, principal, i),
  "evaluation:seal": ({ app, principal }, i) => sealSession(app, principal, i),
};
