import { describe, expect, it } from "vitest";
import { ScoringTemplate } from "@contracts/evaluation";
import { adjustmentDecisions, checkSheet, drawOrder, outliers, priceScores, qualificationResult, rankResult, sheetTotals, type Bidder } from "./compute";
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
    const lower = rankResult(t, two, sheets, null).rows;
    expect(lower.map((r) => [r.companyId, r.expertScore, r.total])).toEqual([["c0", "88.00", "88.00"], ["c1", "88.00", "88.00"]]);
    // Equal totals: the lower price first; with "higher-technical" the higher committee score first.
    const price = { method: "m", formula: "f", inputs: {}, rounding: { places: 2, mode: "half-up" as const }, base: "0", lines: [{ companyId: "c0", companyName: "", priceFen: 0, score: "2.00", working: "" }, { companyId: "c1", companyName: "", priceFen: 0, score: "1.00", working: "" }] };
    const sheets2 = sheets.map((s) => ({ ...s, rows: [s.rows[0]!, { companyId: "c1", criterion: "tech", score: s.rows[1]!.score + 1 }] }));
    const tech = ScoringTemplate.parse({ ...t, tieRule: "higher-technical" });
    expect(rankResult(tech, two, sheets2, price).rows.map((r) => [r.companyId, r.total])).toEqual([["c1", "90.00"], ["c0", "90.00"]]);
    expect(rankResult(t, two, sheets2, price).rows.map((r) => [r.companyId, r.total])).toEqual([["c0", "90.00"], ["c1", "90.00"]]);
  });

  it("outliers: beyond ±30 % of the others' mean", () => {
    const others = [60, 62, 58].map((x) => sheetTotals({ rows: [{ companyId: "c0", score: x }] }));
    expect(outliers(sheetTotals({ rows: [{ companyId: "c0", score: 41 }] }), others, "0.30")).toEqual([{ companyId: "c0", myTotal: "41.00", othersMean: "60.00", deviation: "-31.7%" }]);
    expect(outliers(sheetTotals({ rows: [{ companyId: "c0", score: 42 }] }), others, "0.30")).toEqual([]);
  });

  const lowest = ScoringTemplate.parse({ method: "lowest-evaluated-price", qualification: [{ key: "license", label: "资质" }], price: { kind: "none" } });
  const seed = "a".repeat(64);
  const adj = (seat: number, rows: { companyId: string; amountFen: number; reason: string }[]) => ({ seat, sheet: { step: "adjustments" as const, rows } });

  it("adjustment sheets: reason required, whole non-zero fen, not beyond the bid, evaluated price above 0, known and qualified bidders only", () => {
    const ok = { step: "adjustments" as const, rows: [{ companyId: "c0", amountFen: 15_000, reason: "缺项补齐" }, { companyId: "c1", amountFen: -2_000, reason: "算术错误修正" }] };
    expect(code(() => checkSheet(lowest, ok, bidders, null))).toBe("ok");
    expect(code(() => checkSheet(lowest, { step: "adjustments", rows: [] }, bidders, null))).toBe("ok");
    const one = (r: Partial<{ companyId: string; amountFen: number; reason: string }>) => ({ step: "adjustments" as const, rows: [{ companyId: "c0", amountFen: 100, reason: "缺项", ...r }] });
    expect(code(() => checkSheet(lowest, one({ reason: " " }), bidders, null))).toBe("REASON_REQUIRED");
    expect(code(() => checkSheet(lowest, one({ amountFen: 0 }), bidders, null))).toBe("ADJUSTMENT_OUT_OF_RANGE");
    expect(code(() => checkSheet(lowest, one({ amountFen: 10.5 }), bidders, null))).toBe("ADJUSTMENT_OUT_OF_RANGE");
    expect(code(() => checkSheet(lowest, one({ amountFen: 92_001 }), bidders, null))).toBe("ADJUSTMENT_OUT_OF_RANGE");
    expect(code(() => checkSheet(lowest, one({ amountFen: -92_000 }), bidders, null))).toBe("ADJUSTMENT_OUT_OF_RANGE");
    expect(code(() => checkSheet(lowest, one({ companyId: "nobody" }), bidders, null))).toBe("UNKNOWN_BIDDER");
    expect(code(() => checkSheet(lowest, one({}), bidders, new Set(["c1"])))).toBe("BIDDER_DISQUALIFIED");
    expect(code(() => checkSheet(t, one({}), bidders, null))).toBe("STEP_CONFLICT");
  });

  it("the committee's adjustment: each member's total, aggregated like scores, to the fen; evaluated price = bid + adjustment", () => {
    const three = bidders.slice(0, 3);
    const sheets = [
      adj(1, [{ companyId: "c0", amountFen: 10_000, reason: "缺项" }, { companyId: "c0", amountFen: 1, reason: "小项" }]),
      adj(2, [{ companyId: "c0", amountFen: 10_000, reason: "缺项" }]),
      adj(3, []),
    ];
    const d = adjustmentDecisions(lowest, three, sheets);
    // c0: members' totals 10001, 10000, 0 → mean 6667 fen (6666.67 rounded half up).
    expect(d[0]).toMatchObject({ companyId: "c0", adjustmentFen: 6_667, evaluatedFen: 92_000 + 6_667 });
    expect(d[0]!.items).toEqual([{ seat: 1, amountFen: 10_000, reason: "缺项" }, { seat: 1, amountFen: 1, reason: "小项" }, { seat: 2, amountFen: 10_000, reason: "缺项" }]);
    expect(d[0]!.working).toContain("66.67");
    expect(d[1]).toMatchObject({ adjustmentFen: 0, evaluatedFen: 95_000, working: "无调整" });
    // Five members: the highest and the lowest totals are dropped (template aggregation).
    const five = [500, 100, 200, 300, -900].map((f, i) => adj(i + 1, [{ companyId: "c1", amountFen: f, reason: "调整" }]));
    expect(adjustmentDecisions(lowest, three, five)[1]).toMatchObject({ adjustmentFen: 200, evaluatedFen: 95_000 + 200 });
  });

  it("lowest evaluated price ranking: evaluated price ascending, an equal evaluated price goes to the lower bid price", () => {
    const bs: Bidder[] = [
      { companyId: "x", companyName: "阿尔法", bidId: "1", priceFen: 105_000 },
      { companyId: "y", companyName: "贝塔", bidId: "2", priceFen: 101_000 },
      { companyId: "z", companyName: "伽马", bidId: "3", priceFen: 99_500 },
    ];
    const decisions = adjustmentDecisions(lowest, bs, [adj(1, [{ companyId: "x", amountFen: -5_000, reason: "让利核减" }, { companyId: "y", amountFen: -1_000, reason: "算术修正" }, { companyId: "z", amountFen: 500, reason: "缺项补齐" }])]);
    const r = rankResult(lowest, bs, [], null, { adjustments: decisions, tieSeed: seed });
    // All three evaluate to 1000.00 yuan: the lower bid price decides, no draw needed.
    expect(r.rows.map((x) => [x.companyId, x.evaluatedFen, x.adjustmentFen, x.total, x.tieBreak])).toEqual([
      ["z", 100_000, 500, "1000.00", "lower-price"],
      ["y", 100_000, -1_000, "1000.00", "lower-price"],
      ["x", 100_000, -5_000, "1000.00", "lower-price"],
    ]);
    expect(r.drawGroups).toEqual([]);
    // Without adjustments the bid price ranks alone.
    expect(rankResult(lowest, bs, [], null, { tieSeed: seed }).rows.map((x) => [x.companyId, x.tieBreak])).toEqual([["z", null], ["y", null], ["x", null]]);
  });

  it("fully equal (evaluated and bid price): the recorded draw decides, replayable from the seed, never the name", () => {
    const mk = (ids: string[]): Bidder[] => ids.map((id) => ({ companyId: id, companyName: `公司${id}`, bidId: id, priceFen: 100_000 }));
    const bs = mk(["p", "q", "r", "s"]);
    const r = rankResult(lowest, bs, [], null, { tieSeed: seed });
    expect(r.drawGroups).toEqual([{ companyIds: ["p", "q", "r", "s"], order: drawOrder(seed, ["s", "r", "q", "p"]) }]);
    expect(r.rows.map((x) => x.companyId)).toEqual(drawOrder(seed, ["p", "q", "r", "s"]));
    expect(r.rows.every((x) => x.tieBreak === "draw")).toBe(true);
    // The input order and the names do not matter; another seed may give another order.
    const renamed = bs.map((b, i) => ({ ...b, companyName: ["丁", "丙", "乙", "甲"][i]! })).reverse();
    expect(rankResult(lowest, renamed, [], null, { tieSeed: seed }).rows.map((x) => x.companyId)).toEqual(r.rows.map((x) => x.companyId));
    const orders = new Set(["0", "1", "2", "3", "4", "5", "6", "7"].map((c) => drawOrder(c.repeat(64), ["p", "q", "r", "s"]).join()));
    expect(orders.size).toBeGreaterThan(1);
    // No seed: a typed error, never a silent fallback.
    expect(code(() => rankResult(lowest, bs, [], null, {}))).toBe("NO_TIE_SEED");
  });

  it("comprehensive: equal totals and equal prices are drawn too (no name ordering)", () => {
    const two: Bidder[] = [{ companyId: "c1", companyName: "乙", bidId: "1", priceFen: 100 }, { companyId: "c0", companyName: "甲", bidId: "0", priceFen: 100 }];
    const sheets = [{ step: "scoring" as const, rows: two.map((b) => ({ companyId: b.companyId, criterion: "tech", score: 30 })) }];
    const r = rankResult(t, two, sheets, null, { tieSeed: seed });
    expect(r.rows.map((x) => x.companyId)).toEqual(drawOrder(seed, ["c0", "c1"]));
    expect(r.drawGroups).toHaveLength(1);
  });

  it("priceFloorZero: a negative price score counts as 0 in the exact scoring, both ways, and is stored with the inputs", () => {
    const high = [...bidders.slice(0, 4), { companyId: "c9", companyName: "高价", bidId: "b9", priceFen: 1_700 * 100 }];
    const plain = priceScores(t, high, null)!;
    const neg = plain.lines.find((l) => l.companyId === "c9")!;
    expect(neg.score.startsWith("-")).toBe(true);
    expect(plain.inputs.floorAtZero).toBe("否");
    const floored = priceScores(ScoringTemplate.parse({ ...t, priceFloorZero: true }), high, null)!;
    const f = floored.lines.find((l) => l.companyId === "c9")!;
    expect(f.score).toBe("0.00");
    expect(f.working).toContain(`${neg.score} 低于 0 分，按 0 分计`);
    expect(floored.inputs.floorAtZero).toBe("是");
    // Positive scores are untouched.
    expect(floored.lines.filter((l) => l.companyId !== "c9").map((l) => l.score)).toEqual(plain.lines.filter((l) => l.companyId !== "c9").map((l) => l.score));
    // Average × (1 − K) too.
    const k = ScoringTemplate.parse({ ...t, price: { kind: "average-times-one-minus-k", k: "0.05" }, priceFloorZero: true });
    const higher = high.map((b) => (b.companyId === "c9" ? { ...b, priceFen: 3_000 * 100 } : b));
    expect(priceScores(k, higher, null)!.lines.find((l) => l.companyId === "c9")!.score).toBe("0.00");
    // Validated: no floor without a price rule; not a boolean is refused.
    expect(ScoringTemplate.safeParse({ ...lowest, priceFloorZero: true }).success).toBe(false);
    expect(ScoringTemplate.safeParse({ ...t, priceFloorZero: "yes" }).success).toBe(false);
  });
});
