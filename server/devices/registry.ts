// Device management by administrators: add a device (its key shown once),
// rotate its key, revoke it. Re-keying or revoking drops its open sockets.
import { disconnectAfterEmit } from "../scale/redis";
import type { DeviceAdminView } from "@contracts/devices";
import { DeviceKind } from "@contracts/common";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { Db } from "../db";
import { AppError } from "../errors";
import { deviceRoom } from "./commands";
import { hashDeviceKey, newDeviceKey } from "./keys";

function view(app: AppContext, d: { id: string; code: string; name: string; kind: string; roomId: string; revokedAt: Date | null; lastSeenAt: Date | null; room: { name: string } }): DeviceAdminView {
  return {
    id: d.id,
    code: d.code,
    name: d.name,
    kind: DeviceKind.parse(d.kind),
    roomId: d.roomId,
    roomName: d.room.name,
    online: !d.revokedAt && app.presence.isOnline(d.id),
    revoked: d.revokedAt !== null,
    lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
    health: app.presence.get(d.id)?.health ?? null,
  };
}

export async function listDevices(app: AppContext): Promise<DeviceAdminView[]> {
  const rows = await app.db.device.findMany({ include: { room: true }, orderBy: { code: "asc" } });
  return rows.map((d) => view(app, d));
}

export async function createDevice(app: AppContext, principal: Principal, input: { roomId: string; kind: string; code: string; name: string }) {
  if (!(await app.db.room.findUnique({ where: { id: input.roomId } }))) throw new AppError("NOT_FOUND", `No room ${input.roomId}`);
  if (await app.db.device.findUnique({ where: { code: input.code } })) throw new AppError("CONFLICT", `Device code ${input.code} exists`);
  const key = newDeviceKey();
  const d = await app.db.$transaction(async (tx) => {
    const row = await tx.device.create({ data: { ...input, keyHash: hashDeviceKey(key) }, include: { room: true } });
    await appendAudit(tx, { actor: actorOf(principal), action: "device.create", target: `device:${row.id}`, payload: input });
    return row;
  });
  app.events.emit("device.registryChanged", { deviceId: d.id, roomId: d.roomId });
  return { device: view(app, d), key };
}

async function dropSockets(app: AppContext, deviceId: string, reason: string) {
  for (const s of await app.io.in(deviceRoom(deviceId)).fetchSockets()) {
    s.emit("auth:expired", { reason });
    disconnectAfterEmit(app, s);
  }
}

export async function rotateDeviceKey(app: AppContext, principal: Principal, deviceId: string) {
  const key = newDeviceKey();
  const d = await app.db.$transaction(async (tx) => {
    const found = await tx.device.findUnique({ where: { id: deviceId } });
    if (!found) throw new AppError("NOT_FOUND", `No device ${deviceId}`);
    const row = await tx.device.update({ where: { id: deviceId }, data: { keyHash: hashDeviceKey(key), revokedAt: null }, include: { room: true } });
    await appendAudit(tx, { actor: actorOf(principal), action: "device.rotateKey", target: `device:${deviceId}`, payload: {} });
    return row;
  });
  await dropSockets(app, deviceId, "device key rotated");
  app.events.emit("device.registryChanged", { deviceId, roomId: d.roomId });
  return { device: view(app, d), key };
}

export async function revokeDevice(app: AppContext, principal: Principal, deviceId: string) {
  const d = await app.db.$transaction(async (tx) => {
    const found = await tx.device.findUnique({ where: { id: deviceId } });
    if (!found) throw new AppError("NOT_FOUND", `No device ${deviceId}`);
    if (found.revokedAt) throw new AppError("DEVICE_REVOKED", "Already revoked");
    const row = await tx.device.update({ where: { id: deviceId }, data: { revokedAt: new Date() }, include: { room: true } });
    await appendAudit(tx, { actor: actorOf(principal), action: "device.revoke", target: `device:${deviceId}`, payload: {} });
    return row;
  });
  await dropSockets(app, deviceId, "device revoked");
  app.events.emit("device.registryChanged", { deviceId, roomId: d.roomId });
  return view(app, d);
}

/** Every second: devices gone silent for 10 s turn offline on the wall (a drop the socket has not noticed yet). */
export function startPresenceSweeper(app: AppContext, everyMs = 1000): () => void {
  const timer = setInterval(() => {
    import("./commands")
      .then(({ publishPresence }) => publishPresence(app))
      .catch((err: unknown) => app.log.warn({ err }, "presence sweep failed"));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export type { Db };
