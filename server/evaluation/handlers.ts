// Socket handlers of the evaluation: input validated and audience checked by
// the dispatcher; each calls one command.
import type { DomainHandlers } from "../sockets/handlers";
import { createEvaluation } from "./commands/create-evaluation";
import { advance } from "./commands/advance";
import { answerClarification } from "./commands/answer-clarification";
import { approveAction } from "./commands/approve-action";
import { declareConflicts } from "./commands/declare-conflicts";
import { dissent } from "./commands/dissent";
import { enrollKey } from "./commands/enroll-key";
import { pledge } from "./commands/pledge";
import { prepareSignature } from "./commands/prepare-signature";
import { refuseSign } from "./commands/refuse-sign";
import { requestAction } from "./commands/request-action";
import { requestClarification } from "./commands/request-clarification";
import { saveDraft } from "./commands/save-draft";
import { sealSession } from "./commands/seal-session";
import { signReport } from "./commands/sign-report";
import { submitSheet } from "./commands/submit-sheet";
import { voteChair } from "./commands/vote-chair";
import { whoami } from "./commands/whoami";

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
