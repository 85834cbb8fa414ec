// Price-score formulas and committee aggregation, exact and explainable:
// every computed score carries its formula, its inputs and its rounding, so
// it can be recomputed and shown in the report. Rounding: half up, 2 decimals
// by default (configurable), applied to the final score only unless a rule
// says the base is rounded first.
import { Q, mean } from "./rational";

export interface ScoreLine {
  bidder: string;
  priceFen: number;
  score: string;
  /** The formula in words and symbols, with this bidder's numbers filled in. */
  working: string;
}
export interface PriceScoreResult {
  method: string;
  formula: string;
  inputs: Record<string, string | number | string[]>;
  rounding: { places: number; mode: "half-up" };
  base: string;
  lines: ScoreLine[];
}

export interface Bid {
  bidder: string;
  priceFen: number;
}

const yuan = (fen: number) => Q.of(fen, 100);
const ZERO = Q.of(0);
/** The template's floor (priceFloorZero): an exact score below 0 counts as 0; the working says so. */
function floorAt0(s: Q, floorZero: boolean | undefined, places: number): { s: Q; note: string } {
  if (!floorZero || s.cmp(ZERO) >= 0) return { s, note: "" };
  return { s: ZERO, note: `（${s.round(places)} 低于 0 分，按 0 分计）` };
}
const fmtYuan = (q: Q) => q.round(2);

/**
 * 财政部令第87号 lowest-price method: base = lowest valid bid;
 * score = base / bid × weight × 100.
 */
export function lowestPriceBase(bids: Bid[], weight: string, places = 2): PriceScoreResult {
  if (bids.length === 0) throw new RangeError("no bids");
  const w = Q.dec(weight);
  const base = bids.map((b) => yuan(b.priceFen)).reduce((m, x) => (x.cmp(m) < 0 ? x : m));
  return {
    method: "lowest-price-base",
    formula: "价格分 = 评标基准价 / 投标报价 × 价格权重 × 100；评标基准价 = 最低有效投标报价",
    inputs: { weight, bids: bids.map((b) => `${b.bidder}:${fmtYuan(yuan(b.priceFen))}`) },
    rounding: { places, mode: "half-up" },
    base: fmtYuan(base),
    lines: bids.map((b) => {
      const p = yuan(b.priceFen);
      const s = base.div(p).mul(w).mul(Q.of(100));
      return { bidder: b.bidder, priceFen: b.priceFen, score: s.round(places), working: `${fmtYuan(base)} / ${fmtYuan(p)} × ${weight} × 100 = ${s.round(places)}` };
    }),
  };
}

/**
 * Trimmed-average base with deviation penalty: with more than 3 bids drop the
 * highest and the lowest and average the rest (else average all);
 * d = |bid − base| / base × 100 (%); score = full − 0.5·d below the base, full − 1·d above.
 */
export function trimmedAverageDeviation(
  bids: Bid[],
  full: string,
  opts: { below?: string; above?: string; places?: number; deviationPlaces?: number; floorZero?: boolean } = {},
): PriceScoreResult {
  if (bids.length === 0) throw new RangeError("no bids");
  const places = opts.places ?? 2;
  const below = Q.dec(opts.below ?? "0.5");
  const above = Q.dec(opts.above ?? "1");
  const F = Q.dec(full);
  const prices = bids.map((b) => yuan(b.priceFen)).sort((a, b) => a.cmp(b));
  const kept = prices.length > 3 ? prices.slice(1, -1) : prices;
  const dp = opts.deviationPlaces ?? 2;
  // The base is money: rounded to the fen; the deviation rate (in %) is rounded half up to `dp` decimals before use.
  const base = mean(kept).rounded(2);
  return {
    method: "trimmed-average-deviation",
    formula: `基准价 = 去掉最高、最低报价后的算术平均（>3 家时，保留两位小数）；偏差率 d = |报价 − 基准价| / 基准价 × 100（%，四舍五入保留 ${dp} 位小数）；低于基准价得分 = ${full} − ${opts.below ?? "0.5"}·d，高于基准价得分 = ${full} − ${opts.above ?? "1"}·d`,
    inputs: { full, below: opts.below ?? "0.5", above: opts.above ?? "1", deviationPlaces: dp, kept: kept.map(fmtYuan), dropped: prices.length > 3 ? [fmtYuan(prices[0]!), fmtYuan(prices[prices.length - 1]!)] : [], floorAtZero: opts.floorZero ? "是" : "否" },
    rounding: { places, mode: "half-up" },
    base: base.round(2),
    lines: bids.map((b) => {
      const p = yuan(b.priceFen);
      const d = p.sub(base).abs().div(base).mul(Q.of(100)).rounded(dp);
      const k = p.cmp(base) < 0 ? below : above;
      const raw = F.sub(k.mul(d));
      const { s, note } = floorAt0(raw, opts.floorZero, places);
      return {
        bidder: b.bidder,
        priceFen: b.priceFen,
        score: s.round(places),
        working: `d = |${fmtYuan(p)} − ${base.round(2)}| / ${base.round(2)} × 100 = ${d.round(dp)}；${full} − ${k.round(1)} × ${d.round(dp)} = ${raw.round(places)}${note}`,
      };
    }),
  };
}

/**
 * Average × (1 − K) base: with ≤ 5 bids keep all, with 6 drop the highest,
 * with ≥ 7 drop both ends; B = mean × (1 − K); score = 100 − 100·n·|P − B| / B,
 * n = 0.8 below B and 1.2 above (configurable). K comes from the opening's draw.
 */
export function averageTimesOneMinusK(
  bids: Bid[],
  k: string,
  opts: { below?: string; above?: string; full?: string; places?: number; floorZero?: boolean } = {},
): PriceScoreResult {
  if (bids.length === 0) throw new RangeError("no bids");
  const places = opts.places ?? 2;
  const nBelow = Q.dec(opts.below ?? "0.8");
  const nAbove = Q.dec(opts.above ?? "1.2");
  const F = Q.dec(opts.full ?? "100");
  const prices = bids.map((b) => yuan(b.priceFen)).sort((a, b) => a.cmp(b));
  const kept = prices.length <= 5 ? prices : prices.length === 6 ? prices.slice(0, -1) : prices.slice(1, -1);
  const B = mean(kept).mul(Q.of(1).sub(Q.dec(k)));
  return {
    method: "average-times-one-minus-k",
    formula: `B = 有效报价平均值 × (1 − K)（≤5 家全取；6 家去最高；≥7 家去最高最低）；得分 = ${opts.full ?? "100"} − 100·n·|P − B| / B，P < B 时 n = ${opts.below ?? "0.8"}，P > B 时 n = ${opts.above ?? "1.2"}`,
    inputs: { K: k, kept: kept.map(fmtYuan), below: opts.below ?? "0.8", above: opts.above ?? "1.2", floorAtZero: opts.floorZero ? "是" : "否" },
    rounding: { places, mode: "half-up" },
    base: B.round(2),
    lines: bids.map((b) => {
      const p = yuan(b.priceFen);
      const n = p.cmp(B) < 0 ? nBelow : nAbove;
      const raw = F.sub(Q.of(100).mul(n).mul(p.sub(B).abs()).div(B));
      const { s, note } = floorAt0(raw, opts.floorZero, places);
      return { bidder: b.bidder, priceFen: b.priceFen, score: s.round(places), working: `${opts.full ?? "100"} − 100 × ${n.round(1)} × |${fmtYuan(p)} − ${B.round(2)}| / ${B.round(2)} = ${raw.round(places)}${note}` };
    }),
  };
}

export interface Aggregate {
  score: string;
  dropped: string[];
  kept: string[];
  working: string;
}

/**
 * A bidder's committee score: drop the highest and the lowest expert score
 * when at least `minForTrim` experts scored (configurable), then average.
 */
export function aggregateExpertScores(scores: string[], opts: { trim?: boolean; minForTrim?: number; places?: number } = {}): Aggregate {
  if (scores.length === 0) throw new RangeError("no scores");
  const places = opts.places ?? 2;
  const qs = scores.map((s) => Q.dec(s)).sort((a, b) => a.cmp(b));
  const trim = (opts.trim ?? true) && qs.length >= (opts.minForTrim ?? 5);
  const kept = trim ? qs.slice(1, -1) : qs;
  const m = mean(kept);
  return {
    score: m.round(places),
    dropped: trim ? [qs[0]!.round(2), qs[qs.length - 1]!.round(2)] : [],
    kept: kept.map((q) => q.round(2)),
    working: `(${kept.map((q) => q.round(2)).join(" + ")}) / ${kept.length} = ${m.round(places)}${trim ? `（去掉最高 ${qs[qs.length - 1]!.round(2)}、最低 ${qs[0]!.round(2)}）` : ""}`,
  };
}

/** An expert's score more than ±limit (default 30 %) from the mean of the others must be explained in writing. */
export function isOutlier(score: string, others: string[], limit = "0.3"): boolean {
  if (others.length === 0) return false;
  const m = mean(others.map((s) => Q.dec(s)));
  if (m.cmp(Q.of(0)) === 0) return Q.dec(score).cmp(Q.of(0)) !== 0;
  return Q.dec(score).sub(m).abs().div(m).cmp(Q.dec(limit)) > 0;
}
