// Small pure helpers of the experts pages: import file kinds, the progress of
// an upload, the row errors of an import grouped by line, a draw's seats
// summarised, the fairness figures for people.
import type { DrawAgentState, FairnessReport, ImportRowError, PickState } from "@contracts/experts";

/** csv / xlsx from a file name; null for anything else. */
export function importFormat(fileName: string): "csv" | "xlsx" | null {
  const m = /\.(csv|txt|xlsx)$/i.exec(fileName.trim());
  if (!m) return null;
  return m[1]!.toLowerCase() === "xlsx" ? "xlsx" : "csv";
}

/** Whole percent of an upload, 0–100 (unknown total → 0). */
export const percentOf = (loaded: number, total: number) => (total > 0 ? Math.min(100, Math.max(0, Math.floor((loaded * 100) / total))) : 0);

/** Row errors grouped by line, lines ascending, fields in the order met. */
export function errorsByLine(errors: readonly ImportRowError[]): { line: number; problems: { field: string; message: string }[] }[] {
  const by = new Map<number, { field: string; message: string }[]>();
  for (const e of errors) by.set(e.line, [...(by.get(e.line) ?? []), { field: e.field, message: e.message }]);
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([line, problems]) => ({ line, problems }));
}

/** The row errors of a refused import (IMPORT_REJECTED: details `line N` → `field: reason`). */
export function refusedRows(error: { code: string; details?: { path: string; message: string }[] }): ImportRowError[] {
  if (error.code !== "IMPORT_REJECTED") return [];
  return (error.details ?? []).flatMap((d) => {
    const line = /^line (\d+)$/.exec(d.path);
    if (!line) return [];
    const cut = d.message.indexOf(": ");
    return [{ line: Number(line[1]), field: cut > 0 ? d.message.slice(0, cut) : "", message: cut > 0 ? d.message.slice(cut + 2) : d.message }];
  });
}

/** Element Plus tag type per seat state. */
export function stateTagType(state: PickState): "success" | "warning" | "danger" | "info" | "primary" {
  switch (state) {
    case "signed-in":
      return "success";
    case "accepted":
      return "primary";
    case "notified":
      return "warning";
    case "declined":
    case "no-answer":
      return "danger";
    default:
      return "info";
  }
}

/** Seats still to be filled per bucket: needed minus those accepted, signed in or waiting for an answer. */
export function openSeats(state: Pick<DrawAgentState, "buckets">): number {
  return state.buckets.reduce((sum, b) => {
    const filled = b.seats.filter((s) => s.state === "accepted" || s.state === "signed-in" || s.state === "notified").length;
    return sum + Math.max(0, b.need - filled);
  }, 0);
}

/** 0.1234 → "12.3%". */
export const percent = (share: number, digits = 1) => `${(share * 100).toFixed(digits)}%`;

/** The fairness report's headline figures for people. */
export function fairnessSummary(r: FairnessReport) {
  return {
    gini: r.gini.toFixed(3),
    largestShare: r.largest ? percent(r.largest.share) : "—",
    neverDrawnShare: r.poolActive > 0 ? percent(r.neverDrawn / r.poolActive) : "—",
    sittingsPerExpert: r.expertsSitting > 0 ? (r.sittings / r.expertsSitting).toFixed(2) : "0",
  };
}

/** Bars of the distribution (k sittings → experts), widths relative to the largest group, in percent. */
export function distributionBars(r: Pick<FairnessReport, "distribution">): { sittings: number; experts: number; width: number }[] {
  const max = Math.max(1, ...r.distribution.map((d) => d.experts));
  return [...r.distribution].sort((a, b) => a.sittings - b.sittings).map((d) => ({ ...d, width: Math.round((d.experts * 100) / max) }));
}

/** The invitation link's token from the address's hash: #t=<token>. */
export function tokenFromHash(hash: string): string | null {
  const t = new URLSearchParams(hash.replace(/^#/, "")).get("t");
  return t && /^[A-Za-z0-9_-]{20,100}$/.test(t) ? t : null;
}

/** An 18-character ID number as typed at the terminal (digits and X), or null while incomplete. */
export function normaliseResidentId(text: string): string | null {
  const v = text.replace(/\s+/g, "").toUpperCase();
  return /^\d{17}[\dX]$/.test(v) ? v : null;
}
