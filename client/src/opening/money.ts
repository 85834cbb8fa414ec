// Money for people: integer fen shown as 元 with thousands separators, and
// yuan typed into a form parsed back to fen (no floating point anywhere).
import { fenToYuan, yuanToFen } from "@contracts/money";

/** 965000050 fen → "9,650,000.50" (元). */
export function formatYuan(fen: number | bigint): string {
  const s = fenToYuan(fen);
  const neg = s.startsWith("-");
  const [int = "0", dec = "00"] = (neg ? s.slice(1) : s).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${grouped}.${dec}`;
}

export type YuanProblem = "empty" | "format" | "decimals" | "negative";
export type YuanParse = { ok: true; fen: number } | { ok: false; problem: YuanProblem };

/**
 * Parses an amount in 元 typed by a person: "9650000", "9,650,000.5",
 * " 9650000.50 ". At most 2 decimals, not negative, no exponent.
 */
export function parseYuan(text: string): YuanParse {
  const t = text.replace(/[,，\s]/g, "");
  if (t === "") return { ok: false, problem: "empty" };
  if (t.startsWith("-")) return { ok: false, problem: "negative" };
  if (/^\d+\.\d{3,}$/.test(t)) return { ok: false, problem: "decimals" };
  const fen = yuanToFen(t);
  if (fen === null || !Number.isSafeInteger(fen)) return { ok: false, problem: "format" };
  return { ok: true, fen };
}

/** Optional amount: empty → null (no amount), else as parseYuan. */
export function parseOptionalYuan(text: string): { ok: true; fen: number | null } | { ok: false; problem: YuanProblem } {
  if (text.replace(/[,，\s]/g, "") === "") return { ok: true, fen: null };
  return parseYuan(text);
}
