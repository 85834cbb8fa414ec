// Pure logic of the monitoring wall's alerts: order, age, which rooms have
// alerts and which of them the wall screen points at now.
import type { WallAlert, WallState } from "@contracts/rooms";
import { formatShanghai } from "@contracts/time";

const SEVERITY_RANK: Record<WallAlert["severity"], number> = { error: 0, warning: 1 };

/** Errors before warnings; within a severity the newest first; then by id (stable). */
export function sortAlerts(alerts: readonly WallAlert[]): WallAlert[] {
  return [...alerts].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      Date.parse(b.since) - Date.parse(a.since) ||
      a.id.localeCompare(b.id),
  );
}

export type AgeUnit = "justNow" | "seconds" | "minutes" | "hours" | "days";

/** How long ago `since` was, as an i18n unit and count ("justNow" under 10 s; a future instant is "justNow"). */
export function relativeAge(sinceIso: string, nowMs: number): { unit: AgeUnit; n: number } {
  const s = Math.floor((nowMs - Date.parse(sinceIso)) / 1000);
  if (!Number.isFinite(s) || s < 10) return { unit: "justNow", n: 0 };
  if (s < 60) return { unit: "seconds", n: s };
  if (s < 3600) return { unit: "minutes", n: Math.floor(s / 60) };
  if (s < 86_400) return { unit: "hours", n: Math.floor(s / 3600) };
  return { unit: "days", n: Math.floor(s / 86_400) };
}

/** The instant in Asia/Shanghai: "14:30:05" when on the same Shanghai day as now, else "11-24 14:30". */
export function alertClock(sinceIso: string, nowMs: number): string {
  const since = formatShanghai(new Date(sinceIso));
  const today = formatShanghai(new Date(nowMs)).slice(0, 10);
  return since.slice(0, 10) === today ? since.slice(11) : `${since.slice(5, 10)} ${since.slice(11, 16)}`;
}

export function worstSeverity(alerts: readonly WallAlert[]): WallAlert["severity"] | null {
  if (alerts.some((a) => a.severity === "error")) return "error";
  return alerts.length ? "warning" : null;
}

/** Alerts per room id. */
export function alertsByRoom(alerts: readonly WallAlert[]): Map<string, WallAlert[]> {
  const m = new Map<string, WallAlert[]>();
  for (const a of sortAlerts(alerts)) {
    const list = m.get(a.roomId);
    if (list) list.push(a);
    else m.set(a.roomId, [a]);
  }
  return m;
}

/** Ids of the rooms with alerts, in the wall's room order (the order the screen cycles through). */
export function roomsWithAlerts(state: Pick<WallState, "rooms" | "alerts"> | undefined): string[] {
  if (!state) return [];
  const withAlerts = new Set(state.alerts.map((a) => a.roomId));
  return state.rooms.filter((r) => withAlerts.has(r.id)).map((r) => r.id);
}

/** The next room to point at after `current` (wrapping); the first when `current` is gone; null when none. */
export function nextFocus(ids: readonly string[], current: string | null): string | null {
  if (ids.length === 0) return null;
  const i = current === null ? -1 : ids.indexOf(current);
  return ids[(i + 1) % ids.length] ?? null;
}

/** Ids of the devices an alert is about (alert ids end in `:<deviceId>`, e.g. `device-offline:<id>`). */
export function alertedDevices(alerts: readonly WallAlert[], deviceIds: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const id of deviceIds) if (alerts.some((a) => a.id.endsWith(`:${id}`))) out.add(id);
  return out;
}

/** The devices with alerts first (in their order), then the rest: what the hall screen shows before it scrolls. */
export function alertedFirst<T extends { id: string }>(devices: readonly T[], alerted: ReadonlySet<string>): T[] {
  return [...devices.filter((d) => alerted.has(d.id)), ...devices.filter((d) => !alerted.has(d.id))];
}
