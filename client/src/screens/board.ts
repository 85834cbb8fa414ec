// Pure logic of the entrance board (stream `board`): the board's names for a
// session's state, its tone, and times in Asia/Shanghai.
import type { BoardState } from "@contracts/rooms";
import { formatShanghai } from "@contracts/time";

export type BoardSession = BoardState["sessions"][number];

/** The states the board names, in the order a session goes through them. */
export const BOARD_STATES = ["scheduled", "signin", "decrypting", "announcing", "drawing", "confirming", "closed"] as const;
export type BoardStateName = (typeof BOARD_STATES)[number];

/**
 * The board's name for a session state: `scheduled`, a live stage, or `closed`.
 * Publishing the bidder list is still the sign-in part for a visitor in the
 * lobby. Unknown states (a stage added later) give null: shown as sent.
 */
export function boardStateOf(state: string): BoardStateName | null {
  if (state === "bidders-published") return "signin";
  return (BOARD_STATES as readonly string[]).includes(state) ? (state as BoardStateName) : null;
}

export type BoardTone = "scheduled" | "live" | "closed";

export function boardTone(state: string): BoardTone {
  const s = boardStateOf(state);
  if (s === "scheduled") return "scheduled";
  if (s === "closed") return "closed";
  return "live";
}

/** ISO instant → "14:30" in Asia/Shanghai. */
export function shanghaiHm(iso: string): string {
  return formatShanghai(new Date(iso)).slice(11, 16);
}

/** By opening time; sessions at the same instant keep the server's order. */
export function sortSessions(list: readonly BoardSession[]): BoardSession[] {
  return [...list].sort((a, b) => Date.parse(a.openingTime) - Date.parse(b.openingTime));
}

export function boardCounts(list: readonly BoardSession[]): { total: number; live: number; closed: number; scheduled: number } {
  const c = { total: list.length, live: 0, closed: 0, scheduled: 0 };
  for (const s of list) c[boardTone(s.state)]++;
  return c;
}

/** The session to point at: the first live one, else the next scheduled one at or after now. */
export function focusSession(list: readonly BoardSession[], nowMs: number): string | null {
  const live = list.find((s) => boardTone(s.state) === "live");
  if (live) return live.lotId;
  const next = list.find((s) => boardTone(s.state) === "scheduled" && Date.parse(s.openingTime) >= nowMs - 60_000);
  return next?.lotId ?? null;
}
