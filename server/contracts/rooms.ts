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
      kind: z.enum(["opening"]),
      lotId: Id,
      /** The stream to render, e.g. `opening:<lotId>`. */
      stream: z.string(),
      stage: z.string(),
      title: z.string(),
    })
    .nullable(),
});
export type RoomScreenState = z.infer<typeof RoomScreenState>;

/** State of the `wall` stream: the supervisors' monitoring wall. */
export const WallState = z.object({
  centerName: z.string(),
  rooms: z.array(RoomSummary.extend({ devices: z.array(DeviceSummary) })),
});
export type WallState = z.infer<typeof WallState>;

export const RoomList = z.array(RoomSummary);
