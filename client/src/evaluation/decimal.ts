// Exact decimal text arithmetic for the evaluation pages: scores are typed and
// shown as decimal text ("12.5", "88.00") and summed exactly as integers of
// millionths (BigInt), never as floating point. What the server computed
// (price scores, committee totals) is shown as the server's text, untouched.

/** Scale: DecimalText on the wire has at most 6 decimals. */
const PLACES = 6;
const SCALE = 10n ** BigInt(PLACES);

/** A non-negative decimal (at most 9 integer digits and 6 decimals) → millionths; null when not such a number. */
export function parseDecimal(text: string): bigint | null {
  const m = /^(\d{1,9})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) return null;
  const frac = (m[2] ?? "").padEnd(PLACES, "0");
  return BigInt(m[1]!) * SCALE + BigInt(frac);
}

/** Millionths → text with `places` decimals, rounded half up (away from zero for negatives). */
export function formatDecimal(v: bigint, places = 2): string {
  if (places < 0 || places > PLACES) throw new RangeError("places must be 0..6");
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const unit = 10n ** BigInt(PLACES - places);
  const rounded = (abs + unit / 2n) / unit; // half up on the magnitude
  const s = rounded.toString().padStart(places + 1, "0");
  const int = places ? s.slice(0, -places) : s;
  const frac = places ? "." + s.slice(-places) : "";
  return (neg && rounded !== 0n ? "-" : "") + int + frac;
}

/** Number of decimals written in a decimal text ("12.50" → 2). */
export function decimalsOf(text: string): number {
  const i = text.indexOf(".");
  return i < 0 ? 0 : text.trim().length - i - 1;
}

/** Exact sum of decimal texts, shown with `places` decimals; null when any is not a decimal. */
export function sumDecimals(texts: readonly string[], places = 2): string | null {
  let sum = 0n;
  for (const t of texts) {
    const v = parseDecimal(t);
    if (v === null) return null;
    sum += v;
  }
  return formatDecimal(sum, places);
}

/** a < b → -1, a = b → 0, a > b → 1 (both decimal texts). */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (x === null || y === null) throw new RangeError(`not a decimal: ${x === null ? a : b}`);
  return x < y ? -1 : x > y ? 1 : 0;
}

export type ScoreProblem = "empty" | "format" | "decimals" | "over";
export type ScoreCheck = { ok: true; text: string; value: number } | { ok: false; problem: ScoreProblem };

/**
 * A score typed by an expert: a non-negative number with at most 2 decimals,
 * no more than the criterion's maximum (decimal text). `value` is what goes on
 * the wire (ScoreValue is a JSON number with at most 2 decimals, exact enough).
 */
export function checkScore(input: string, max: string): ScoreCheck {
  const text = input.trim();
  if (text === "") return { ok: false, problem: "empty" };
  if (!/^\d{1,6}(\.\d+)?$/.test(text)) return { ok: false, problem: "format" };
  if (decimalsOf(text) > 2) return { ok: false, problem: "decimals" };
  const v = parseDecimal(text);
  const m = parseDecimal(max);
  if (v === null || m === null) return { ok: false, problem: "format" };
  if (v > m) return { ok: false, problem: "over" };
  return { ok: true, text, value: Number(text) };
}

/** A wire score (number with ≤ 2 decimals) back to text for the input box ("12.5" stays "12.5"). */
export function scoreToText(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return "";
  // toFixed(2) then trim trailing zeros: 12.5 → "12.5", 7 → "7", 0.1+0.2 noise never survives.
  return n.toFixed(2).replace(/\.?0+$/, "") || "0";
}

/** Exact deviation of `mine` from the mean of `others` as a fraction, shown as a percentage with 2 decimals ("31.25"). */
export function deviationPercent(mine: string, others: readonly string[]): string | null {
  const m = parseDecimal(mine);
  if (m === null || others.length === 0) return null;
  let sum = 0n;
  for (const o of others) {
    const v = parseDecimal(o);
    if (v === null) return null;
    sum += v;
  }
  if (sum === 0n) return null;
  const n = BigInt(others.length);
  const diff = m * n - sum; // (mine − mean) · n
  const abs = diff < 0n ? -diff : diff;
  // |mine − mean| / mean × 100, in millionths: abs · 100 · SCALE / sum
  return formatDecimal((abs * 100n * SCALE) / sum, 2);
}
