// The published worked examples of the price formulas give exactly their published scores.
import { describe, expect, it } from "vitest";
import { Q } from "./rational";
import { aggregateExpertScores, averageTimesOneMinusK, isOutlier, lowestPriceBase, trimmedAverageDeviation } from "./scoring";

const bids = (...yuan: number[]) => yuan.map((y, i) => ({ bidder: `B${i + 1}`, priceFen: y * 100 }));

describe("price scores (worked examples)", () => {
  it("财政部令第87号 lowest-price base: 800k, 850k, 920k at 30 % → 30.00, 28.24, 26.09", () => {
    const r = lowestPriceBase(bids(800_000, 850_000, 920_000), "0.3");
    expect(r.lines.map((l) => l.score)).toEqual(["30.00", "28.24", "26.09"]);
    expect(r.base).toBe("800000.00");
    expect(r.lines[1]!.working).toBe("800000.00 / 850000.00 × 0.3 × 100 = 28.24");
  });

  it("trimmed average with deviation penalty: 920, 950, 980, 1000, 1050, full 60 → base 976.67; 57.10, 58.64, 59.66, 57.61, 52.49", () => {
    const r = trimmedAverageDeviation(bids(920, 950, 980, 1000, 1050), "60");
    expect(r.base).toBe("976.67");
    expect(r.lines.map((l) => l.score)).toEqual(["57.10", "58.64", "59.66", "57.61", "52.49"]);
    expect(r.inputs.dropped).toEqual(["920.00", "1050.00"]);
  });

  it("average × (1 − K): 900, 930, 950, 970, 990, 1100 with K = 5 % → B = 900.6; 99.95, 96.08, 93.42, 90.75, 88.09, 73.43", () => {
    const r = averageTimesOneMinusK(bids(900, 930, 950, 970, 990, 1100), "0.05");
    expect(r.base).toBe("900.60");
    expect(r.lines.map((l) => l.score)).toEqual(["99.95", "96.08", "93.42", "90.75", "88.09", "73.43"]);
  });
});

describe("committee aggregation", () => {
  it("drops each bidder's highest and lowest expert score: 82, 85, 86, 88, 90, 91, 97 → 88.00", () => {
    const a = aggregateExpertScores(["82", "85", "86", "88", "90", "91", "97"]);
    expect(a.score).toBe("88.00");
    expect(a.dropped).toEqual(["82.00", "97.00"]);
    expect(aggregateExpertScores(["82", "85", "86"], { minForTrim: 5 }).dropped).toEqual([]);
  });

  it("flags a score more than ±30 % from the mean of the others", () => {
    expect(isOutlier("60", ["88", "90", "86", "92"])).toBe(true);
    expect(isOutlier("80", ["88", "90", "86", "92"])).toBe(false);
  });
});

describe("exact half-up rounding", () => {
  it("rounds .5 up and never drifts like floating point", () => {
    expect(Q.dec("1.005").round(2)).toBe("1.01"); // 1.005 in binary floating point rounds to 1.00
    expect(Q.dec("2.675").round(2)).toBe("2.68");
    expect(Q.of(1, 3).round(2)).toBe("0.33");
    expect(Q.dec("-1.005").round(2)).toBe("-1.01");
  });
});
