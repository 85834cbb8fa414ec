// Savings and premium, worked by hand, in integer fen; the rounding of rates.
import { describe, expect, it } from "vitest";
import { addInto, dealBucket, emptyBucket, fenFigures, figures, percentOf, rateString } from "./figures";
import { parseYuan } from "./csv";

const fen = (yuan: string) => {
  const v = parseYuan(yuan, "x");
  if (typeof v !== "bigint") throw new Error(`bad amount ${yuan}`);
  return v;
};

describe("worked examples", () => {
  it("savings: budget 1,000,000.00 yuan, winning price 968,800.00 → savings 31,200.00, rate 3.12 %", () => {
    const b = dealBucket({ budgetFen: fen("1000000.00"), referenceFen: null, dealFen: fen("968800.00"), remoteEvaluation: false });
    expect(fenFigures(b)).toEqual({ savingsFen: 3_120_000n, savingsRate: "0.0312", premiumFen: null, premiumRate: null });
    expect(figures(b)).toMatchObject({ dealYuan: "968800.00", budgetYuan: "1000000.00", savingsYuan: "31200.00", savingsRate: "0.0312", referenceYuan: null });
    expect(percentOf("0.0312")).toBe("3.12%");
  });

  it("premium: assessed value 675,000.00, deal 891,500.00 → premium 216,500.00, rate 216500/675000 = 0.32074… → 0.3207", () => {
    const b = dealBucket({ budgetFen: null, referenceFen: fen("675000"), dealFen: fen("891500"), remoteEvaluation: false });
    expect(fenFigures(b)).toEqual({ savingsFen: null, savingsRate: null, premiumFen: 21_650_000n, premiumRate: "0.3207" });
    expect(percentOf("0.3207")).toBe("32.07%");
  });

  it("a group sums only the deals a figure applies to (the county report's totals: 678.05 + 45.30 = 723.35 万元 below budget)", () => {
    const g = emptyBucket();
    addInto(g, dealBucket({ budgetFen: 2_174_084_000_000n / 100n, referenceFen: null, dealFen: 2_106_279_000_000n / 100n, remoteEvaluation: true }));
    addInto(g, dealBucket({ budgetFen: 2_023_630_000n, referenceFen: null, dealFen: 1_978_330_000n, remoteEvaluation: false }));
    addInto(g, dealBucket({ budgetFen: null, referenceFen: 67_500_000n, dealFen: 89_150_000n, remoteEvaluation: false }));
    addInto(g, dealBucket({ budgetFen: null, referenceFen: null, dealFen: 1_873_600_000n, remoteEvaluation: false }));
    expect(figures(g)).toEqual({
      deals: 4,
      remoteEvaluations: 1,
      dealYuan: "250038700.00",
      budgetYuan: "237644700.00",
      savingsYuan: "7233500.00",
      savingsRate: "0.0304",
      referenceYuan: "675000.00",
      premiumYuan: "216500.00",
      premiumRate: "0.3207",
    });
  });

  it("a deal above its budget has negative savings; below its reference, a negative premium", () => {
    const over = dealBucket({ budgetFen: 100_000n, referenceFen: null, dealFen: 101_000n, remoteEvaluation: false });
    expect(figures(over)).toMatchObject({ savingsYuan: "-10.00", savingsRate: "-0.0100" });
    const under = dealBucket({ budgetFen: null, referenceFen: 100_000n, dealFen: 99_999n, remoteEvaluation: false });
    expect(figures(under)).toMatchObject({ premiumYuan: "-0.01", premiumRate: "0.0000" }); // −0.00001 rounds to zero
  });
});

describe("rates: 4 decimals, half up (away from zero), exact", () => {
  it.each([
    [1n, 20000n, "0.0001"], // 0.00005 exactly → up
    [-1n, 20000n, "-0.0001"],
    [49999n, 1_000_000_000n, "0.0000"], // 0.000049999
    [1n, 3n, "0.3333"],
    [2n, 3n, "0.6667"],
    [3n, 3n, "1.0000"],
    [0n, 5n, "0.0000"],
    [-1n, 40000n, "0.0000"], // −0.000025 rounds to zero, no "-0.0000"
    [123456789n, 100n, "1234567.8900"],
  ])("%s / %s = %s", (n, d, want) => {
    expect(rateString(n, d)).toBe(want);
  });
  it("no rate without a denominator", () => expect(rateString(5n, 0n)).toBeNull());
  it("percentages", () => {
    expect(percentOf("1.2345")).toBe("123.45%");
    expect(percentOf("-0.0312")).toBe("-3.12%");
    expect(percentOf(null)).toBe("—");
  });
});

describe("report titles", () => {
  it.each([
    ["2018-01-01", "2018-06-30", "2018年上半年"],
    ["2018-07-01", "2018-12-31", "2018年下半年"],
    ["2018-01-01", "2018-12-31", "2018年度"],
    ["2018-04-01", "2018-06-30", "2018年第二季度"],
    ["2018-02-01", "2018-02-28", "2018年2月"],
    ["2016-02-01", "2016-02-29", "2016年2月"],
    ["2018-02-01", "2018-02-27", "2018-02-01 至 2018-02-27"],
    ["2017-07-01", "2018-06-30", "2017-07-01 至 2018-06-30"],
  ])("%s … %s → %s", async (from, to, title) => {
    const { periodTitle } = await import("./pdf");
    expect(periodTitle(from, to)).toBe(title);
  });
});
