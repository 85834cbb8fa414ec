// The live-state protocol. A stream is a server-held, versioned JSON state
// (a room's screen view, the monitoring wall, a device's own channel, later a
// session's views per role). Join → snapshot or missed updates → ordered
// `live:update`s; any gap → join again with the last version held.
import { z } from "zod";

/** Stream keys: `room:<roomId>`, `wall`, `board`, `device:<deviceId>`, … */
export const StreamKey = z.string().min(1).max(128).regex(/^[a-z][a-z-]*(:[A-Za-z0-9_-]+)*$/);

export const JsonPatchOp = z.object({
  op: z.enum(["add", "remove", "replace", "move", "copy", "test"]),
  path: z.string(),
  from: z.string().optional(),
  value: z.unknown().optional(),
});
export type JsonPatchOp = z.infer<typeof JsonPatchOp>;

export const LiveJoinInput = z.object({
  stream: StreamKey,
  /** The last version this client holds; omit for a fresh snapshot. */
  sinceVersion: z.number().int().min(0).optional(),
});
export type LiveJoinInput = z.infer<typeof LiveJoinInput>;

export const LiveUpdate = z.object({
  stream: StreamKey,
  version: z.number().int().min(1),
  patch: z.array(JsonPatchOp),
  /** The server's clock when the update was sent (live, not on updates replayed by a join): like a tick's. */
  serverTime: z.string().optional(),
});
export type LiveUpdate = z.infer<typeof LiveUpdate>;

export const LiveSnapshot = z.object({
  stream: StreamKey,
  version: z.number().int().min(1),
  state: z.unknown(),
});
export type LiveSnapshot = z.infer<typeof LiveSnapshot>;

export const LiveJoinResult = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("snapshot"), snapshot: LiveSnapshot, serverTime: z.string() }),
  z.object({ mode: z.literal("updates"), stream: StreamKey, updates: z.array(LiveUpdate), serverTime: z.string() }),
]);
export type LiveJoinResult = z.infer<typeof LiveJoinResult>;

export const LiveLeaveInput = z.object({ stream: StreamKey });
export const LiveLeaveResult = z.object({ left: z.literal(true) });

/** Sent every second to each joined stream that sent no update within that second: lets a screen see it is alive and detect a missed update. */
export const LiveTick = z.object({ stream: StreamKey, version: z.number().int(), serverTime: z.string() });
export type LiveTick = z.infer<typeof LiveTick>;
