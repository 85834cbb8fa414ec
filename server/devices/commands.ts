import type { HeartbeatInput } from "@contracts/devices";
import type { DeviceSelf } from "@contracts/devices";
import type { Principal } from "../auth/principal";
import type { Db } from "../db";
import type { DomainEventBus } from "../domain-events";
import { AppError } from "../errors";
import type { PresenceRegistry } from "./presence";
import { DeviceKind, RoomKind } from "@contracts/common";

export interface DeviceDeps {
  db: Db;
  events: DomainEventBus;
  presence: PresenceRegistry;
}

type DevicePrincipal = Principal & { kind: "device" };

export async function deviceSelf(db: Db, deviceId: string): Promise<DeviceSelf> {
  const d = await db.device.findUnique({ where: { id: deviceId }, include: { room: true } });
  if (!d) throw new AppError("NOT_FOUND", `No device ${deviceId}`);
  return {
    id: d.id,
    code: d.code,
    name: d.name,
    kind: DeviceKind.parse(d.kind),
    room: { id: d.room.id, name: d.room.name, kind: RoomKind.parse(d.room.kind), city: d.room.city },
  };
}

/** A device's socket connected: mark it online (presence is not audited: it is not a command of a person). */
export async function deviceConnected(deps: DeviceDeps, p: DevicePrincipal): Promise<void> {
  const cameOnline = deps.presence.connected(p.deviceId);
  await deps.db.device.update({ where: { id: p.deviceId }, data: { lastSeenAt: new Date() } });
  if (cameOnline) deps.events.emit("device.presenceChanged", { deviceId: p.deviceId, roomId: p.roomId, online: true });
}

export async function deviceDisconnected(deps: DeviceDeps, p: DevicePrincipal): Promise<void> {
  const wentOffline = deps.presence.disconnected(p.deviceId);
  await deps.db.device.update({ where: { id: p.deviceId }, data: { lastSeenAt: new Date() } });
  if (wentOffline) deps.events.emit("device.presenceChanged", { deviceId: p.deviceId, roomId: p.roomId, online: false });
}

export async function heartbeat(deps: DeviceDeps, p: DevicePrincipal, input: HeartbeatInput) {
  deps.presence.heartbeat(p.deviceId, input);
  return { serverTime: new Date().toISOString() };
}
