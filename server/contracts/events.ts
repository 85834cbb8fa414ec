// The Socket.IO wire: every client→server event with its input schema, its
// result schema and who may send it; every server→client event with its
// payload. The server dispatches from `clientEvents`; the typed event maps
// below are derived from it, so adding an event is one entry here.
import { z } from "zod";
import type { Ack, Audience } from "./common";
import { LiveJoinInput, LiveJoinResult, LiveLeaveInput, LiveLeaveResult, LiveTick, LiveUpdate, StreamKey } from "./live";
import { SetNoticeInput, SetNoticeResult } from "./rooms";
import {
  DeviceCommandAck,
  DeviceCommandMessage,
  DeviceHealth,
  HeartbeatResult,
  SendCommandInput,
  SendCommandResult,
  WhoAmIResult,
} from "./devices";
import { Empty } from "./auth";
import {
  AnswerObjectionInput,
  BidSummary,
  ConfirmInput,
  DrawResult,
  EscrowShareInput,
  LotRef,
  MarkPlatformFaultInput,
  ObjectionInput,
  PickInput,
  SignInInput,
  Stage,
  SubmitKeyInput,
} from "./opening";

export interface EventContract<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Coarse gate; the handler then checks the resource (which room, which company). */
  audience: readonly Audience[];
  /** Human summary, also used in docs and the authorization matrix. */
  summary: string;
}

const ev = <I extends z.ZodType, O extends z.ZodType>(c: EventContract<I, O>) => c;
const people = ["admin", "agent", "bidder", "expert", "supervisor"] as const;

export const clientEvents = {
  "live:join": ev({
    input: LiveJoinInput,
    output: LiveJoinResult,
    audience: [...people, "device"],
    summary: "Join a live stream: snapshot or the missed updates since a version",
  }),
  "live:leave": ev({
    input: LiveLeaveInput,
    output: LiveLeaveResult,
    audience: [...people, "device"],
    summary: "Stop receiving a live stream",
  }),
  "room:setNotice": ev({
    input: SetNoticeInput,
    output: SetNoticeResult,
    audience: ["admin", "agent"],
    summary: "Set the notice shown on every screen of a room",
  }),
  "device:whoami": ev({
    input: Empty,
    output: WhoAmIResult,
    audience: ["device"],
    summary: "A device learns its identity, room and channel",
  }),
  "device:heartbeat": ev({
    input: DeviceHealth,
    output: HeartbeatResult,
    audience: ["device"],
    summary: "A device reports its health (every few seconds; silence for 10 s marks it offline)",
  }),
  "device:sendCommand": ev({
    input: SendCommandInput,
    output: SendCommandResult,
    audience: ["admin"],
    summary: "Send a remote command to a device and wait for its acknowledgement",
  }),
  ...openingEvents(),
} as const satisfies Record<string, EventContract>;

function openingEvents() {
  const agent = ["agent", "admin"] as const;
  const StageResult = z.object({ lotId: z.string(), stage: Stage });
  const step = (summary: string) => ev({ input: LotRef, output: StageResult, audience: agent, summary });
  return {
    "opening:open": step("Open the lot's live opening (at or after the opening time)"),
    "opening:publishBidders": step("Publish the list of bidders"),
    "opening:startDecryption": step("Open the decryption window; its countdown shows on every screen"),
    "opening:endDecryption": step("Close the decryption window once every bid is settled (the timer closes it otherwise)"),
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
    "opening:submitEscrowShare": ev({
      input: EscrowShareInput,
      output: z.object({ bidId: z.string(), sharesHeld: z.number(), opened: z.boolean(), summary: BidSummary.optional() }),
      audience: ["supervisor"],
      summary: "A supervisor hands back its escrow share to open a platform-fault bid",
    }),
  };
}

export type ClientEventName = keyof typeof clientEvents;
export type EventInput<E extends ClientEventName> = z.input<(typeof clientEvents)[E]["input"]>;
export type EventOutput<E extends ClientEventName> = z.output<(typeof clientEvents)[E]["output"]>;

export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: EventInput<E>, ack: (res: Ack<EventOutput<E>>) => void) => void;
};

/** Server→client payload schemas (used by tests and the fuzzer to check what is sent). */
export const serverEvents = {
  "live:update": LiveUpdate,
  "live:tick": LiveTick,
  /** The stream was rebuilt from scratch: join again without a version. */
  "live:reset": z.object({ stream: StreamKey }),
  /** The session's token was revoked or expired: the client must log in again. */
  "auth:expired": z.object({ reason: z.string() }),
} as const;

export type ServerToClientEvents = {
  [E in keyof typeof serverEvents]: (payload: z.output<(typeof serverEvents)[E]>) => void;
} & {
  /** To a device: carry out a command and answer through the acknowledgement. */
  "device:command": (msg: DeviceCommandMessage, ack: (res: DeviceCommandAck) => void) => void;
};

/** Schemas of server→device messages that expect an answer. */
export const deviceCommandWire = { message: DeviceCommandMessage, ack: DeviceCommandAck } as const;

export const isClientEvent = (name: string): name is ClientEventName =>
  Object.prototype.hasOwnProperty.call(clientEvents, name);

/** Largest accepted event payload (serialized JSON) before any parsing work is done. */
export const MAX_EVENT_BYTES = 64 * 1024;
