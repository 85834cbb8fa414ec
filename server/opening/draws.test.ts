import { describe, expect, it } from "vitest";
import { computeDraw, newSeed, seedHash, uniform, verifyDraw } from "./draws";
import type { DrawConfig } from "@contracts/opening";

const coefficient: DrawConfig = {
  kind: "coefficient",
  options: [
    { label: "A", basisPoints: 150 },
    { label: "B", basisPoints: 125 },
    { label: "C", basisPoints: 100 },
    { label: "D", basisPoints: 75 },
    { label: "E", basisPoints: 50 },
    { label: "F", basisPoints: 25 },
  ],
};
const koneps: DrawConfig = { kind: "koneps", baseFen: 100_000_000, rangeBasisPoints: 200, count: 15, picksPerBidder: 2, averageOf: 4 };

describe("opening draws", () => {
  it("is deterministic in the seed and replays; a changed seed or result does not verify", () => {
    const seed = newSeed();
    const result = computeDraw({ seedHex: seed, config: coefficient });
    expect(computeDraw({ seedHex: seed, config: coefficient })).toEqual(result);
    const rec = { lotCode: "L1", config: coefficient, seedHash: seedHash(seed), seed, picks: [], result };
    expect(verifyDraw(rec)).toEqual({ ok: true });
    const other = newSeed();
    expect(verifyDraw({ ...rec, seed: other })).toMatchObject({ ok: false });
    if (result?.kind === "coefficient") {
      const forged = { ...result, index: (result.index + 1) % 6 };
      expect(verifyDraw({ ...rec, result: forged })).toMatchObject({ ok: false });
    }
  });

  it("picks each coefficient with equal probability (chi-square over 60,000 seeds)", () => {
    const counts = Array(6).fill(0) as number[];
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const r = computeDraw({ seedHex: newSeed(), config: coefficient });
      if (r?.kind === "coefficient") counts[r.index]!++;
    }
    const e = n / 6;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(20.52); // df = 5, p = 0.001
  });

  it("KONEPS: 15 prices within ±2 % of the base, the 4 most picked average to the reserve, half up", () => {
    const seed = newSeed();
    const picks = [[1, 2], [1, 3], [2, 3], [1, 4], [5, 6], [2, 7]];
    const r = computeDraw({ seedHex: seed, config: koneps, picks });
    if (r?.kind !== "koneps") throw new Error("expected koneps");
    expect(r.pricesFen).toHaveLength(15);
    for (const p of r.pricesFen) {
      expect(p).toBeGreaterThanOrEqual(98_000_000);
      expect(p).toBeLessThanOrEqual(102_000_000);
    }
    // tally: 1→3, 2→3, 3→2, 4,5,6,7→1; top 4 = 1,2,3 then 4 (lowest number among the ties)
    expect(r.tally.slice(0, 7)).toEqual([3, 3, 2, 1, 1, 1, 1]);
    expect(r.chosen).toEqual([1, 2, 3, 4]);
    const sum = [0, 1, 2, 3].reduce((s, i) => s + r.pricesFen[i]!, 0);
    expect(r.reserveFen).toBe(Math.floor((sum * 2 + 4) / 8));
  });

  it("uniform() has no modulo bias for small n and rejects bad n", () => {
    expect(() => uniform("00", "x", 0)).toThrow();
    const seen = new Set<number>();
    for (let c = 0; c < 200; c++) seen.add(uniform(newSeed(), "t", 3));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
