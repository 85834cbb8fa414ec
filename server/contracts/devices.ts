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
  view: z.object({ kind: z.enum(["idle", "room", "wall", "board"]), stream: z.string() }),
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

// ── device management and remote commands ──

/** Projector status as a device agent reads it over PJLink (class 1). */
export const ProjectorStatus = z.object({
  reachable: z.boolean(),
  /** PJLink POWR: 0 off, 1 on, 2 cooling, 3 warming. */
  power: z.enum(["off", "on", "cooling", "warming", "unknown"]),
  /** PJLink INPT, e.g. "31" (digital 1). */
  input: z.string().max(4).nullable(),
  /** PJLink LAMP: hours of the first lamp. */
  lampHours: z.number().int().nonnegative().nullable(),
  /** PJLink ERST: each of fan, lamp, temperature, cover, filter, other: ok | warning | error. */
  errors: z
    .object({
      fan: z.enum(["ok", "warning", "error"]),
      lamp: z.enum(["ok", "warning", "error"]),
      temperature: z.enum(["ok", "warning", "error"]),
      cover: z.enum(["ok", "warning", "error"]),
      filter: z.enum(["ok", "warning", "error"]),
      other: z.enum(["ok", "warning", "error"]),
    })
    .nullable(),
  /** Why the last PJLink exchange failed (ERRA, timeout, garbage), if it did. */
  problem: z.string().max(200).nullable(),
});
export type ProjectorStatus = z.infer<typeof ProjectorStatus>;

export const DeviceHealth = HeartbeatInput.extend({ projector: ProjectorStatus.nullable().optional() });
export type DeviceHealth = z.infer<typeof DeviceHealth>;

/** A remote command to a device; the device answers through the Socket.IO acknowledgement. */
export const DeviceCommand = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("show-view"), view: z.enum(["idle", "room", "wall", "board"]) }),
  z.object({ kind: z.literal("identify"), seconds: z.number().int().min(1).max(60).default(10) }),
  z.object({ kind: z.literal("reload") }),
  z.object({ kind: z.literal("projector-power"), on: z.boolean() }),
  z.object({ kind: z.literal("projector-input"), input: z.string().regex(/^[1-5][1-9A-Z]$/, "a PJLink input such as 31") }),
]);
export type DeviceCommand = z.infer<typeof DeviceCommand>;

/** Server → device: `device:command` with this payload and an ack callback. */
export const DeviceCommandMessage = z.object({ commandId: z.string(), command: DeviceCommand });
export type DeviceCommandMessage = z.infer<typeof DeviceCommandMessage>;
/** Device → server, as the acknowledgement of `device:command`. */
export const DeviceCommandAck = z.object({
  commandId: z.string(),
  ok: z.boolean(),
  /** What the device did or why it could not (e.g. the PJLink answer). */
  detail: z.string().max(500).optional(),
  error: z.object({ code: z.string().max(64), message: z.string().max(500) }).optional(),
});
export type DeviceCommandAck = z.infer<typeof DeviceCommandAck>;

export const SendCommandInput = z.object({ deviceId: Id, command: DeviceCommand, timeoutMs: z.number().int().min(500).max(30000).default(5000) });
export const SendCommandResult = z.object({
  deviceId: Id,
  commandId: z.string(),
  ok: z.boolean(),
  detail: z.string().optional(),
  /** The device's own error code when it could not carry the command out (e.g. UNSUPPORTED, PJLINK_ERR3). */
  errorCode: z.string().optional(),
});

export const CreateDeviceInput = z.object({
  roomId: Id,
  kind: DeviceKind,
  code: z.string().trim().regex(/^[A-Za-z0-9-]{2,32}$/, "2–32 letters, digits or dashes"),
  name: z.string().trim().min(1).max(60),
});
export const DeviceAdminView = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  kind: DeviceKind,
  roomId: Id,
  roomName: z.string(),
  online: z.boolean(),
  revoked: z.boolean(),
  lastSeenAt: z.string().nullable(),
  health: DeviceHealth.nullable(),
});
export type DeviceAdminView = z.infer<typeof DeviceAdminView>;
/** The key is shown once, when the device is created or re-keyed; only its SHA-256 is stored. */
export const DeviceWithKey = z.object({ device: DeviceAdminView, key: z.string() });
