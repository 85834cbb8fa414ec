import { z } from "zod";
import { DeviceKind, Id, IsoTime, RoomKind } from "./common";

export const SetNoticeInput = z.object({
  roomId: Id,
  /** The notice shown on every screen of the room (会场公告); empty clears it. */
  notice: z.string().max(500),
});
export type SetNoticeInput = z.infer<typeof SetNoticeInput>;
export const SetNoticeResult = z.object({ roomId: Id, notice: z.string() });

export const DeviceSummary = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  kind: DeviceKind,
  online: z.boolean(),
  revoked: z.boolean(),
  lastSeenAt: IsoTime.nullable(),
});
export type DeviceSummary = z.infer<typeof DeviceSummary>;

export const RoomSummary = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  kind: RoomKind,
  city: z.string(),
  notice: z.string(),
});
export type RoomSummary = z.infer<typeof RoomSummary>;

/** State of the `room:<id>` stream: what every screen in that room shows. */
export const RoomScreenState = z.object({
  room: RoomSummary,
  centerName: z.string(),
  /** The live session on in this room: screens switch to its stream by themselves. */
  session: z
    .object({
      kind: z.enum(["opening", "evaluation"]),
      lotId: Id,
      /** The stream to render, e.g. `opening:<lotId>`. */
      stream: z.string(),
      stage: z.string(),
      title: z.string(),
    })
    .nullable(),
});
export type RoomScreenState = z.infer<typeof RoomScreenState>;

/** What the wall shows of a device's health (rounded, so noise does not churn the wall). */
export const HealthShown = z.object({
  rttMs: z.number().nullable(),
  memoryMb: z.number(),
  version: z.string().nullable(),
  projector: z
    .object({ reachable: z.boolean(), power: z.string(), faults: z.array(z.string()), problem: z.string().nullable() })
    .nullable(),
});

export const WallAlert = z.object({
  /** Stable while the condition lasts (e.g. `device-offline:<deviceId>`). */
  id: z.string(),
  kind: z.enum(["device-offline", "projector-fault", "decryption-failing", "expert-missing", "link-lost", "outlier-reason"]),
  severity: z.enum(["warning", "error"]),
  roomId: Id,
  message: z.string(),
  since: IsoTime,
});
export type WallAlert = z.infer<typeof WallAlert>;

export const WallRoom = RoomSummary.extend({
  devices: z.array(DeviceSummary.extend({ health: HealthShown.nullable() })),
  /** The live session in the room, if any: its stage and who is present. */
  session: z
    .object({ kind: z.enum(["opening", "evaluation"]), lotId: Id, title: z.string(), stage: z.string(), bidders: z.number(), signedIn: z.number() })
    .nullable(),
});
export type WallRoom = z.infer<typeof WallRoom>;

/** State of the `wall` stream: the supervisors' monitoring wall. */
export const WallState = z.object({
  centerName: z.string(),
  rooms: z.array(WallRoom),
  alerts: z.array(WallAlert),
});
export type WallState = z.infer<typeof WallState>;

/** State of the `board` stream: the entrance board — today's sessions across all halls. */
export const BoardState = z.object({
  centerName: z.string(),
  /** Today in Asia/Shanghai, YYYY-MM-DD. */
  date: z.string(),
  sessions: z.array(
    z.object({
      lotId: Id,
      projectCode: z.string(),
      projectName: z.string(),
      lotName: z.string(),
      roomName: z.string(),
      openingTime: IsoTime,
      /** scheduled, a live stage (signin, decrypting, …), or closed. */
      state: z.string(),
    }),
  ),
});
export type BoardState = z.infer<typeof BoardState>;

export const RoomList = z.array(RoomSummary);
