import { describe, expect, it } from "vitest";
import { ScoringTemplate } from "@contracts/evaluation";
import { checkSheet, outliers, priceScores, qualificationResult, rankResult, sheetTotals, type Bidder } from "./compute";
import { AppError } from "../errors";

const t = ScoringTemplate.parse({
  method: "comprehensive",
  qualification: [{ key: "license", label: "资质" }],
  criteria: [
    { key: "tech", label: "技术", max: "40" },
    { key: "biz", label: "商务", max: "30" },
  ],
  price: { kind: "trimmed-average-deviation", full: "60" },
});
const bidders: Bidder[] = [920, 950, 980, 1000, 1050].map((p, i) => ({ companyId: `c${i}`, companyName: `公司${i}`, bidId: `b${i}`, priceFen: p * 100 }));
const code = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return (e as AppError).code;
  }
  return "ok";
};

describe("evaluation computations", () => {
  it("qualification: majority per criterion, a tie fails", () => {
    const sheet = (pass: boolean) => ({ step: "qualification" as const, rows: [{ companyId: "c0", criterion: "license", pass, reason: pass ? "" : "过期" }] });
    const two = [sheet(true), sheet(false)];
    expect(qualificationResult(t, bidders.slice(0, 1), two)[0]).toMatchObject({ qualified: false, criteria: [{ pass: 1, fail: 1, passed: false, reasons: ["过期"] }] });
    expect(qualificationResult(t, bidders.slice(0, 1), [...two, sheet(true)])[0]!.qualified).toBe(true);
  });

  it("sheet checks: range, coverage, disqualified bidders", () => {
    const rows = (tech: number) => bidders.slice(0, 2).flatMap((b) => [{ companyId: b.companyId, criterion: "tech", score: tech }, { companyId: b.companyId, criterion: "biz", score: 20 }]);
    const q = new Set(["c0", "c1"]);
    expect(code(() => checkSheet(t, { step: "scoring", rows: rows(40) }, bidders, q))).toBe("ok");
    expect(code(() => checkSheet(t, { step: "scoring", rows: rows(40.01) }, bidders, q))).toBe("SCORE_OUT_OF_RANGE");
    expect(code(() => checkSheet(t, { step: "scoring", rows: rows(40).slice(1) }, bidders, q))).toBe("SHEET_INCOMPLETE");
    expect(code(() => checkSheet(t, { step: "scoring", rows: rows(40) }, bidders, new Set(["c0"])))).toBe("BIDDER_DISQUALIFIED");
    expect(code(() => checkSheet(t, { step: "scoring", rows: [...rows(40), rows(40)[0]!] }, bidders, q))).toBe("DUPLICATE_ROW");
  });

  it("the price score of the template: worked example 2 with the names filled in", () => {
    const p = priceScores(t, bidders, null)!;
    expect(p.base).toBe("976.67");
    expect(p.lines.map((l) => l.score)).toEqual(["57.10", "58.64", "59.66", "57.61", "52.49"]);
    expect(p.lines[0]!.companyName).toBe("公司0");
  });

  it("K from the draw when the template gives none; none at all is a typed error", () => {
    const k = ScoringTemplate.parse({ ...t, price: { kind: "average-times-one-minus-k" } });
    const six = [900, 930, 950, 970, 990, 1100].map((p, i) => ({ companyId: `k${i}`, companyName: `K${i}`, bidId: `x${i}`, priceFen: p * 100 }));
    expect(priceScores(k, six, "0.05")!.lines.map((l) => l.score)).toEqual(["99.95", "96.08", "93.42", "90.75", "88.09", "73.43"]);
    expect(code(() => priceScores(k, six, null))).toBe("NO_COEFFICIENT");
  });

  it("aggregation drops the ends (worked example 5) and ties go by the configured rule", () => {
    const sheets = [82, 85, 86, 88, 90, 91, 97].map((x) => ({ step: "scoring" as const, rows: [{ companyId: "c0", criterion: "tech", score: x }, { companyId: "c1", criterion: "tech", score: x }] }));
    const two = bidders.slice(0, 2);
    const lower = rankResult(t, two, sheets, null);
    expect(lower.map((r) => [r.companyId, r.expertScore, r.total])).toEqual([["c0", "88.00", "88.00"], ["c1", "88.00", "88.00"]]);
    // Equal totals: the lower price first; with "higher-technical" the higher committee score first.
    const price = { method: "m", formula: "f", inputs: {}, rounding: { places: 2, mode: "half-up" as const }, base: "0", lines: [{ companyId: "c0", companyName: "", priceFen: 0, score: "2.00", working: "" }, { companyId: "c1", companyName: "", priceFen: 0, score: "1.00", working: "" }] };
    const sheets2 = sheets.map((s) => ({ ...s, rows: [s.rows[0]!, { companyId: "c1", criterion: "tech", score: s.rows[1]!.score + 1 }] }));
    const tech = ScoringTemplate.parse({ ...t, tieRule: "higher-technical" });
    expect(rankResult(tech, two, sheets2, price).map((r) => [r.companyId, r.total])).toEqual([["c1", "90.00"], ["c0", "90.00"]]);
    expect(rankResult(t, two, sheets2, price).map((r) => [r.companyId, r.total])).toEqual([["c0", "90.00"], ["c1", "90.00"]]);
  });

  it("outliers: beyond ±30 % of the others' mean", () => {
    const others = [60, 62, 58].map((x) => sheetTotals({ rows: [{ companyId: "c0", score: x }] }));
    expect(outliers(sheetTotals({ rows: [{ companyId: "c0", score: 41 }] }), others, "0.30")).toEqual([{ companyId: "c0", myTotal: "41.00", othersMean: "60.00", deviation: "-31.7%" }]);
    expect(outliers(sheetTotals({ rows: [{ companyId: "c0", score: 42 }] }), others, "0.30")).toEqual([]);
  });
});
