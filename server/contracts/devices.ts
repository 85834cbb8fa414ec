import { z } from "zod";
import { DeviceKind, Id, RoomKind } from "./common";

/** What a device learns about itself when it connects with its key. */
export const DeviceSelf = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  kind: DeviceKind,
  room: z.object({ id: Id, name: z.string(), kind: RoomKind, city: z.string() }),
});
export type DeviceSelf = z.infer<typeof DeviceSelf>;

/** State of the `device:<id>` stream: the view this device should show now. */
export const DeviceChannelState = z.object({
  device: DeviceSelf,
  /** Which stream the screen renders (its room's stream by default). */
  view: z.object({ kind: z.enum(["idle", "room", "wall"]), stream: z.string() }),
});
export type DeviceChannelState = z.infer<typeof DeviceChannelState>;

export const HeartbeatInput = z.object({
  uptimeS: z.number().nonnegative().max(1e9),
  memoryMb: z.number().nonnegative().max(1e6),
  rttMs: z.number().nonnegative().max(1e6).optional(),
  version: z.string().max(64).optional(),
});
export type HeartbeatInput = z.infer<typeof HeartbeatInput>;
export const HeartbeatResult = z.object({ serverTime: z.string() });

export const WhoAmIResult = DeviceSelf;
