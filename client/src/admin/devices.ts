// Pure logic of the admin devices page: the table rows with live online
// state from the `wall` stream, the room filter, the screen address of a key,
// and the remote commands an admin picks.
import type { DeviceKind } from "@contracts/common";
import type { DeviceAdminView, DeviceCommand } from "@contracts/devices";
import type { WallState } from "@contracts/rooms";
import { healthFromReport, type HealthView } from "../monitor/health";

export interface DeviceRow extends DeviceAdminView {
  /** Health as shown (from the wall while it is live, else from the list). */
  shown: HealthView | null;
}

/** The list from GET /api/devices with what the wall knows now (online, last seen, revoked, health). */
export function mergeLive(list: readonly DeviceAdminView[], wall: Pick<WallState, "rooms"> | undefined): DeviceRow[] {
  const live = new Map<string, WallState["rooms"][number]["devices"][number]>();
  for (const r of wall?.rooms ?? []) for (const d of r.devices) live.set(d.id, d);
  return list.map((d) => {
    const w = live.get(d.id);
    if (!w) return { ...d, shown: d.online ? healthFromReport(d.health) : null };
    const online = w.online && !w.revoked;
    return {
      ...d,
      online,
      revoked: w.revoked,
      lastSeenAt: w.lastSeenAt ?? d.lastSeenAt,
      shown: online ? (w.health ?? healthFromReport(d.health)) : null,
    };
  });
}

/** True when the wall names a device the list does not have (added elsewhere): time to reload the list. */
export function listIsBehind(list: readonly DeviceAdminView[], wall: Pick<WallState, "rooms"> | undefined): boolean {
  if (!wall) return false;
  const known = new Set(list.map((d) => d.id));
  return wall.rooms.some((r) => r.devices.some((d) => !known.has(d.id)));
}

export function filterByRoom<T extends { roomId: string }>(rows: readonly T[], roomId: string | null | undefined): T[] {
  return roomId ? rows.filter((r) => r.roomId === roomId) : [...rows];
}

/** The address a hall screen opens with its key (the key in the hash never reaches a server log). */
export function screenUrl(origin: string, key: string): string {
  return `${origin.replace(/\/+$/, "")}/screen#key=${encodeURIComponent(key)}`;
}

/** The device kinds an admin may register (the contracts' DeviceKind, without loading zod here). */
export const DEVICE_KINDS = [
  "projector",
  "entrance-board",
  "expert-terminal",
  "bidder-terminal",
  "monitoring-wall",
  "recorder",
] as const satisfies readonly DeviceKind[];

export const DEVICE_CODE_RE = /^[A-Za-z0-9-]{2,32}$/;
export const PJLINK_INPUT_RE = /^[1-5][1-9A-Z]$/;

/** Common PJLink inputs (class 1): type digit then the number of that type. */
export const PJLINK_INPUTS = ["11", "12", "21", "31", "32", "33", "41", "51"] as const;

export const COMMAND_CHOICES = ["identify", "reload", "projector-on", "projector-off", "projector-input"] as const;
export type CommandChoice = (typeof COMMAND_CHOICES)[number];

export type BuiltCommand = { ok: true; command: DeviceCommand } | { ok: false; problem: "seconds" | "input" };

export function buildCommand(choice: CommandChoice, opts: { seconds?: number; input?: string } = {}): BuiltCommand {
  switch (choice) {
    case "identify": {
      const s = opts.seconds ?? 10;
      if (!Number.isInteger(s) || s < 1 || s > 60) return { ok: false, problem: "seconds" };
      return { ok: true, command: { kind: "identify", seconds: s } };
    }
    case "reload":
      return { ok: true, command: { kind: "reload" } };
    case "projector-on":
    case "projector-off":
      return { ok: true, command: { kind: "projector-power", on: choice === "projector-on" } };
    case "projector-input": {
      const input = (opts.input ?? "").trim().toUpperCase();
      if (!PJLINK_INPUT_RE.test(input)) return { ok: false, problem: "input" };
      return { ok: true, command: { kind: "projector-input", input } };
    }
  }
}

/** Projector commands make sense for devices driven by a hall PC agent with a projector. */
export const projectorCapable = (kind: string): boolean => kind === "projector";

/** Typed errors of device:sendCommand the page explains itself. */
export const COMMAND_ERRORS = ["DEVICE_OFFLINE", "DEVICE_TIMEOUT", "MALFORMED_ACK", "DEVICE_REVOKED", "NOT_FOUND"] as const;
