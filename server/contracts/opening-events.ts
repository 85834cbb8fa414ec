// Socket events of the opening (开标). Merged into clientEvents in events.ts.
import { z } from "zod";
import { ev } from "./event-contract";
import {
  AnswerObjectionInput,
  BidSummary,
  ConfirmInput,
  DrawResult,
  EscrowShareInput,
  IssueSupplementInput,
  LotRef,
  MarkPlatformFaultInput,
  ObjectionInput,
  PickInput,
  SignInInput,
  Stage,
  SubmitKeyInput,
} from "./opening";

function build() {
  const agent = ["agent", "admin"] as const;
  const StageResult = z.object({ lotId: z.string(), stage: Stage });
  const step = (summary: string) => ev({ input: LotRef, output: StageResult, audience: agent, summary });
  return {
    "opening:open": step("Open the lot's live opening (at or after the opening time)"),
    "opening:publishBidders": step("Publish the list of bidders"),
    "opening:startDecryption": step("Open the decryption window; its countdown shows on every screen"),
    "opening:endDecryption": step(
      "Close the decryption window: after its time, or early once no bid is pending (each decrypted, failed after its key was handed in, given up or a platform fault; on the record); refused with WINDOW_STILL_OPEN naming the pending bids otherwise",
    ),
    "opening:startDraw": step("Open the random draw stage"),
    "opening:startConfirmation": step("Ask the bidders to confirm the opening record within the time limit"),
    "opening:close": ev({
      input: LotRef,
      output: z.object({ lotId: z.string(), stage: Stage, recordSha256: z.string() }),
      audience: agent,
      summary: "Close the opening and issue the signed opening record",
    }),
    "opening:revealDraw": ev({
      input: LotRef,
      output: z.object({ seed: z.string(), seedHash: z.string(), result: DrawResult.nullable() }),
      audience: agent,
      summary: "Reveal the committed seed; the draw result follows from it",
    }),
    "opening:signIn": ev({
      input: SignInInput,
      output: z.object({ signedIn: z.enum(["onsite", "online"]) }),
      audience: ["bidder"],
      summary: "A bidder signs in, in the hall or online",
    }),
    "opening:submitKey": ev({
      input: SubmitKeyInput,
      output: z.object({ bidId: z.string(), summary: BidSummary }),
      audience: ["bidder"],
      summary: "A bidder hands in its bid's content key; the server decrypts and announces",
    }),
    "opening:giveUpDecryption": ev({
      input: LotRef,
      output: z.object({ bidId: z.string(), status: z.literal("failed-bidder") }),
      audience: ["bidder"],
      summary: "A bidder gives up decrypting its bid during the window (it fails now, on the record)",
    }),
    "opening:withdrawBid": ev({
      input: LotRef,
      output: z.object({ bidId: z.string(), status: z.literal("withdrawn") }),
      audience: ["bidder"],
      summary: "Withdraw the company's bid before the deadline",
    }),
    "opening:pick": ev({
      input: PickInput,
      output: z.object({ picks: z.array(z.number()) }),
      audience: ["bidder"],
      summary: "KONEPS draw: tick the reserve-price numbers",
    }),
    "opening:confirm": ev({
      input: ConfirmInput,
      output: z.object({ decision: z.enum(["confirm", "object"]) }),
      audience: ["bidder"],
      summary: "Confirm the opening record or object to it",
    }),
    "opening:raiseObjection": ev({
      input: ObjectionInput,
      output: z.object({ objectionId: z.string() }),
      audience: ["bidder"],
      summary: "Raise an objection (异议) on the record",
    }),
    "opening:answerObjection": ev({
      input: AnswerObjectionInput,
      output: z.object({ objectionId: z.string(), answered: z.literal(true) }),
      audience: agent,
      summary: "Answer an objection on the record",
    }),
    "opening:markPlatformFault": ev({
      input: MarkPlatformFaultInput,
      output: z.object({ bidId: z.string(), status: z.literal("failed-platform") }),
      audience: agent,
      summary: "Record that a bid failed to decrypt through the platform's fault",
    }),
    "opening:issueSupplement": ev({
      input: IssueSupplementInput,
      output: z.object({ lotId: z.string(), seq: z.number(), sha256: z.string() }),
      audience: agent,
      summary: "Issue a supplement (补充记录) on a closed opening's record: its own signed PDF, listed beside the original",
    }),
    "opening:submitEscrowShare": ev({
      input: EscrowShareInput,
      output: z.object({ bidId: z.string(), sharesHeld: z.number(), opened: z.boolean(), summary: BidSummary.optional() }),
      audience: ["supervisor"],
      summary: "A supervisor hands back its escrow share to open a platform-fault bid",
    }),
  };
}

export const openingEvents = build();
