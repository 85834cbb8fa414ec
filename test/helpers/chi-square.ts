// The chi-square critical value for df degrees of freedom at an
// upper-tail probability p (Wilson–Hilferty approximation, within 1 % for df ≥ 3).
const Z: Record<string, number> = { "0.05": 1.6449, "0.01": 2.3263, "0.001": 3.0902 };

export function chiSquareCritical(df: number, p: 0.05 | 0.01 | 0.001): number {
  const z = Z[String(p)]!;
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}
