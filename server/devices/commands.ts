import { randomUUID } from "node:crypto";
import { DeviceCommandAck, type DeviceCommand, type DeviceHealth, type DeviceSelf } from "@contracts/devices";
import { appendAudit } from "../audit/chain";
import { actorOf } from "../auth/principal";
import type { HallIo } from "../live/hub";
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

/** Publishes presence flips (online ↔ offline) as domain events; called on connect, disconnect and by the sweeper. */
export async function publishPresence(deps: DeviceDeps): Promise<void> {
  const flips = deps.presence.flips([]);
  if (flips.length === 0) return;
  const rows = await deps.db.device.findMany({ where: { id: { in: flips.map((f) => f.deviceId) } }, select: { id: true, roomId: true } });
  const room = new Map(rows.map((r) => [r.id, r.roomId]));
  const now = new Date();
  await deps.db.device.updateMany({ where: { id: { in: flips.map((f) => f.deviceId) } }, data: { lastSeenAt: now } });
  for (const f of flips) {
    const roomId = room.get(f.deviceId);
    if (roomId) deps.events.emit("device.presenceChanged", { deviceId: f.deviceId, roomId, online: f.online });
  }
}

/** A device's socket connected (presence is not audited: it is not a command of a person). */
export async function deviceConnected(deps: DeviceDeps, p: DevicePrincipal): Promise<void> {
  deps.presence.connected(p.deviceId);
  await publishPresence(deps);
}

export async function deviceDisconnected(deps: DeviceDeps, p: DevicePrincipal): Promise<void> {
  deps.presence.disconnected(p.deviceId);
  await publishPresence(deps);
}

export async function heartbeat(deps: DeviceDeps, p: DevicePrincipal, input: DeviceHealth) {
  const before = deps.presence.get(p.deviceId)?.health;
  deps.presence.heartbeat(p.deviceId, input);
  await publishPresence(deps);
  // Only a change the wall shows is worth an update (not uptime ticking on).
  if (JSON.stringify(healthShown(before ?? null)) !== JSON.stringify(healthShown(input))) {
    deps.events.emit("device.healthChanged", { deviceId: p.deviceId, roomId: p.roomId });
  }
  return { serverTime: new Date().toISOString() };
}

/** The part of a device's health the monitoring wall shows (rounded so noise does not churn the wall). */
export function healthShown(h: DeviceHealth | null) {
  if (!h) return null;
  return {
    rttMs: h.rttMs === undefined ? null : Math.round(h.rttMs / 50) * 50,
    memoryMb: Math.round(h.memoryMb / 50) * 50,
    version: h.version ?? null,
    projector: h.projector
      ? {
          reachable: h.projector.reachable,
          power: h.projector.power,
          faults: h.projector.errors ? Object.entries(h.projector.errors).filter(([, v]) => v !== "ok").map(([k, v]) => `${k}:${v}`) : [],
          problem: h.projector.problem,
        }
      : null,
  };
}

/** The Socket.IO room every socket of one device is in. */
export const deviceRoom = (deviceId: string) => `dev:${deviceId}`;

/**
 * Sends a command to a device and waits for its acknowledgement. Audited before sending.
 * Typed errors: NOT_FOUND, DEVICE_REVOKED, DEVICE_OFFLINE, DEVICE_TIMEOUT, MALFORMED_ACK.
 */
export async function sendCommand(
  deps: DeviceDeps & { io: HallIo },
  principal: Principal,
  input: { deviceId: string; command: DeviceCommand; timeoutMs: number },
) {
  const d = await deps.db.device.findUnique({ where: { id: input.deviceId } });
  if (!d) throw new AppError("NOT_FOUND", `No device ${input.deviceId}`);
  if (d.revokedAt) throw new AppError("DEVICE_REVOKED", "This device is revoked");
  const online = deps.presence.isOnline(d.id);
  if (!online && input.command.kind !== "show-view") throw new AppError("DEVICE_OFFLINE", `${d.name} (${d.code}) is offline`);
  const commandId = randomUUID();
  await deps.db.$transaction((tx) =>
    appendAudit(tx, { actor: actorOf(principal), action: "device.command", target: `device:${d.id}`, payload: { commandId, command: input.command } }),
  );
  if (input.command.kind === "show-view") {
    // The view is the server's: the device channel names it and every screen of the device follows.
    const view = input.command.view;
    await deps.db.device.update({ where: { id: d.id }, data: { viewOverride: view } });
    deps.events.emit("device.registryChanged", { deviceId: d.id, roomId: d.roomId });
    return { deviceId: d.id, commandId, ok: true, detail: `view set to ${view} on the device channel` };
  }

  // A device may have several sockets (its agent, its screen): ask each and take the first that carries
  // the command out; a socket that cannot (e.g. a screen asked to switch a projector on) answers ok:false.
  const sockets = await deps.io.in(deviceRoom(d.id)).fetchSockets();
  const asked = sockets.map(async (s) => {
    const answer: unknown = await s.timeout(input.timeoutMs).emitWithAck("device:command", { commandId, command: input.command });
    const parsed = DeviceCommandAck.safeParse(answer);
    if (!parsed.success || parsed.data.commandId !== commandId) return { kind: "malformed" as const };
    return { kind: "answer" as const, ack: parsed.data };
  });
  const settled = await Promise.all(
    asked.map((p) =>
      p.then(
        (r) => {
          if (r.kind === "answer" && r.ack.ok) throw r; // first success wins (Promise.any below)
          return r;
        },
        () => ({ kind: "timeout" as const }),
      ),
    ),
  ).then(
    (all) => ({ all, winner: null }),
    (winner: { kind: "answer"; ack: DeviceCommandAck }) => ({ all: [] as { kind: string }[], winner }),
  );
  let ackData: DeviceCommandAck;
  if (settled.winner) ackData = settled.winner.ack;
  else {
    const answered = settled.all.find((r): r is { kind: "answer"; ack: DeviceCommandAck } => r.kind === "answer");
    if (answered) ackData = answered.ack;
    else if (settled.all.some((r) => r.kind === "malformed")) {
      throw new AppError("MALFORMED_ACK", `${d.name} answered with something that is not an acknowledgement of this command`);
    } else throw new AppError("DEVICE_TIMEOUT", `${d.name} did not answer within ${input.timeoutMs} ms`);
  }
  const ack = { data: ackData };
  const detail = ack.data.detail ?? ack.data.error?.message;
  const errorCode = ack.data.ok ? undefined : ack.data.error?.code;
  return { deviceId: d.id, commandId, ok: ack.data.ok, ...(detail ? { detail } : {}), ...(errorCode ? { errorCode } : {}) };
}
