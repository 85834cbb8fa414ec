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
import { openingEvents } from "./opening-events";
import { expertEvents } from "./experts-events";
import { evaluationEvents } from "./evaluation-events";
import { ev, type EventContract } from "./event-contract";

export type { EventContract };

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
  ...openingEvents,
  ...expertEvents,
  ...evaluationEvents,
} as const satisfies Record<string, EventContract>;

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
