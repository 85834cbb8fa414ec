// Pure string/integer conversions for the statistics page: the report's yuan
// strings ("21062790.00") to 万元 with 2 decimals (half up, away from zero),
// fraction rates ("0.0312") to percentages ("3.12"), and Asia/Shanghai periods.

const YUAN = /^(-?)(\d+)\.(\d{2})$/;
const RATE = /^(-?)(\d+)\.(\d{4})$/;

/** "21062790.00" → "2106.28" (万元, 2 decimals, half up); null/malformed → null. */
export function yuanToWan(yuan: string | null | undefined): string | null {
  if (yuan == null) return null;
  const m = YUAN.exec(yuan);
  if (!m) return null;
  const fen = BigInt(m[2]! + m[3]!);
  // 1 unit of the result (0.01 万元) = 100 yuan = 10000 fen.
  const unit = BigInt(10000);
  let q = fen / unit;
  if (fen % unit >= BigInt(5000)) q += BigInt(1);
  const s = q.toString().padStart(3, "0");
  const out = `${s.slice(0, -2)}.${s.slice(-2)}`;
  return m[1] === "-" && q !== BigInt(0) ? `-${out}` : out;
}

/** "0.0312" → "3.12" (percent, exact); null/malformed → null. */
export function rateToPercent(rate: string | null | undefined): string | null {
  if (rate == null) return null;
  const m = RATE.exec(rate);
  if (!m) return null;
  const digits = (m[2]! + m[3]!).replace(/^0+(?=\d{5})/, "");
  const s = digits.padStart(5, "0");
  const out = `${String(Number(s.slice(0, -2)))}.${s.slice(-2)}`;
  return m[1] === "-" && /[1-9]/.test(s) ? `-${out}` : out;
}

/** A 万元 or percent string as a number for charts (null stays null). */
export const toNumber = (s: string | null): number | null => (s == null ? null : Number(s));

/** Today's date `YYYY-MM-DD` in Asia/Shanghai. */
export function shanghaiToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

export type PeriodKind = "half" | "quarter" | "year";
const lastDay = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const pad = (n: number): string => String(n).padStart(2, "0");

/** The half-year / quarter / year holding `date` (YYYY-MM-DD), shifted by `offset` periods. */
export function periodRange(kind: PeriodKind, date: string, offset = 0): { from: string; to: string } {
  const y = Number(date.slice(0, 4));
  const mo = Number(date.slice(5, 7));
  const months = kind === "year" ? 12 : kind === "half" ? 6 : 3;
  const index = Math.floor((mo - 1) / months) + offset; // periods since January of y
  const start = y * 12 + index * months; // absolute month index
  const sy = Math.floor(start / 12);
  const sm = (start % 12) + 1;
  const end = start + months - 1;
  const ey = Math.floor(end / 12);
  const em = (end % 12) + 1;
  return { from: `${sy}-${pad(sm)}-01`, to: `${ey}-${pad(em)}-${pad(lastDay(ey, em))}` };
}

/** Integer fen → yuan string with 2 decimals (12345 → "123.45"); null stays null. */
export function fenToYuan(fen: number | null): string | null {
  if (fen == null || !Number.isSafeInteger(fen)) return null;
  const a = Math.abs(fen);
  return `${fen < 0 ? "-" : ""}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}
