// Formatting of integer fen for people. Pure integer arithmetic: no floating point.

/** 12345678 fen → "123456.78" (元, 2 decimals). */
export function fenToYuan(fen: number | bigint): string {
  const v = BigInt(fen);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const s = `${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
  return neg ? `-${s}` : s;
}

/** Fen → 万元 with 2 decimals, half up (away from zero): 2106279000 fen → "21062.79". */
export function fenToWanYuan(fen: number | bigint): string {
  const v = BigInt(fen);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  // 1 万元 = 1,000,000 fen; 0.01 万元 = 10,000 fen.
  const hundredths = (abs + 5000n) / 10000n;
  const s = `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")}`;
  return neg && hundredths !== 0n ? `-${s}` : s;
}

/** "123.45" / "123" / "123.4" 元 → fen; null when not a yuan amount with at most 2 decimals. */
export function yuanToFen(text: string): number | null {
  const m = /^(-)?(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -fen : fen;
}
