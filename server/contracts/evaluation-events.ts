// Socket events of the evaluation (评标). Merged into clientEvents in events.ts.
// Expert-side events come from expert terminals (audience "device"): the server
// finds the member by the expert signed in at that terminal for the session.
import { z } from "zod";
import { ev } from "./event-contract";
import {
  AdvanceInput,
  AdvanceResult,
  AnswerClarificationInput,
  AnswerClarificationResult,
  ApproveActionInput,
  ApproveActionResult,
  ClarificationInput,
  ClarificationResult,
  CreateEvaluationInput,
  CreateEvaluationResult,
  DeclareConflictsInput,
  DeclareConflictsResult,
  DissentInput,
  DraftInput,
  DraftResult,
  EnrollKeyInput,
  EnrollKeyResult,
  PrepareSignatureResult,
  RefuseSignInput,
  RefuseSignResult,
  RequestActionInput,
  RequestActionResult,
  SealInput,
  SealResult,
  SessionRef,
  SignInput,
  SignResult,
  SubmitInput,
  SubmitResult,
  VoteChairInput,
  VoteChairResult,
  WhoAmIResult,
} from "./evaluation";

const agent = ["agent", "admin"] as const;
const terminal = ["device"] as const;

export const evaluationEvents = {
  "evaluation:create": ev({
    input: CreateEvaluationInput,
    output: CreateEvaluationResult,
    audience: agent,
    summary: "Start the evaluation of an opened lot with a drawn committee and a scoring template",
  }),
  "evaluation:advance": ev({
    input: AdvanceInput,
    output: AdvanceResult,
    audience: [...agent, "device"],
    summary: "Move every site to the next step once the current one is complete (the agent or the chair's terminal)",
  }),
  "evaluation:whoami": ev({
    input: SessionRef,
    output: WhoAmIResult,
    audience: terminal,
    summary: "At an expert terminal after sign-in: the member and its stream",
  }),
  "evaluation:pledge": ev({
    input: SessionRef,
    output: z.object({ pledged: z.literal(true) }),
    audience: terminal,
    summary: "The expert takes the integrity pledge (廉洁承诺)",
  }),
  "evaluation:declareConflicts": ev({
    input: DeclareConflictsInput,
    output: DeclareConflictsResult,
    audience: terminal,
    summary: "Declare conflicts (回避) or none; a conflict removes the expert and calls a backup",
  }),
  "evaluation:voteChair": ev({
    input: VoteChairInput,
    output: VoteChairResult,
    audience: terminal,
    summary: "Vote for the chair (组长); a tie opens a new round",
  }),
  "evaluation:draft": ev({
    input: DraftInput,
    output: DraftResult,
    audience: terminal,
    summary: "Keep the expert's sheet draft on the server (every keystroke)",
  }),
  "evaluation:submit": ev({
    input: SubmitInput,
    output: SubmitResult,
    audience: terminal,
    summary: "Submit the step's sheet exactly once (idempotency key)",
  }),
  "evaluation:dissent": ev({
    input: DissentInput,
    output: z.object({ recorded: z.literal(true) }),
    audience: terminal,
    summary: "Record a dissenting opinion for the report",
  }),
  "evaluation:enrollKey": ev({
    input: EnrollKeyInput,
    output: EnrollKeyResult,
    audience: terminal,
    summary: "Register the expert's signing public key; the platform CA issues its certificate",
  }),
  "evaluation:prepareSignature": ev({
    input: SessionRef,
    output: PrepareSignatureResult,
    audience: terminal,
    summary: "Prepare the expert's incremental signature on the report: the bytes to sign",
  }),
  "evaluation:sign": ev({
    input: SignInput,
    output: SignResult,
    audience: terminal,
    summary: "Hand in the expert's signature over the prepared bytes; it is embedded in the report",
  }),
  "evaluation:refuseSign": ev({
    input: RefuseSignInput,
    output: RefuseSignResult,
    audience: terminal,
    summary: "Refuse to sign (with reasons; without reasons it counts as agreeing)",
  }),
  "evaluation:requestAction": ev({
    input: RequestActionInput,
    output: RequestActionResult,
    audience: terminal,
    summary: "The chair asks to pause, resume or correct a submitted sheet; a supervisor must approve",
  }),
  "evaluation:approveAction": ev({
    input: ApproveActionInput,
    output: ApproveActionResult,
    audience: ["supervisor"],
    summary: "A supervisor approves or rejects the chair's request",
  }),
  "evaluation:requestClarification": ev({
    input: ClarificationInput,
    output: ClarificationResult,
    audience: [...agent, "device"],
    summary: "The committee (chair's terminal or agent) asks a bidder to clarify in writing",
  }),
  "evaluation:answerClarification": ev({
    input: AnswerClarificationInput,
    output: AnswerClarificationResult,
    audience: ["bidder"],
    summary: "The bidder answers a clarification question on its page",
  }),
  "evaluation:seal": ev({
    input: SealInput,
    output: SealResult,
    audience: ["supervisor"],
    summary: "Seal the session once the fault clock has run out (a new committee follows)",
  }),
};
