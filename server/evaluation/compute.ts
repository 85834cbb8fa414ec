// Pure computations of the evaluation: sheet checks, qualification majority,
// the price score (scoring.ts), committee aggregation, ranking and outliers.
// Every result carries its formula, inputs and rounding.
import type { AdjustmentDecision, PriceScores, QualificationResultRow, ResultRow, ScoringTemplate, Sheet } from "@contracts/evaluation";
import { fenToYuan } from "@contracts/money";
import { AppError } from "../errors";
import { uniform } from "../opening/draws";
import { Q, mean, sum } from "./rational";
import { aggregateExpertScores, averageTimesOneMinusK, isOutlier, lowestPriceBase, trimmedAverageDeviation, type Bid } from "./scoring";

export interface Bidder {
  companyId: string;
  companyName: string;
  bidId: string;
  priceFen: number;
}

/** Checks a complete sheet against the template and the bidders; typed errors, nothing changed. */
export function checkSheet(t: ScoringTemplate, sheet: Sheet, bidders: Bidder[], qualified: Set<string> | null): void {
  const known = new Set(bidders.map((b) => b.companyId));
  const seen = new Set<string>();
  if (sheet.step === "qualification") {
    const keys = new Set(t.qualification.map((c) => c.key));
    for (const r of sheet.rows) {
      if (!known.has(r.companyId)) throw new AppError("UNKNOWN_BIDDER", `No bidder ${r.companyId} in this evaluation`);
      if (!keys.has(r.criterion)) throw new AppError("UNKNOWN_CRITERION", `No qualification criterion ${r.criterion}`);
      if (!r.pass && r.reason.trim().length < 2) throw new AppError("REASON_REQUIRED", `A fail needs a reason (${r.criterion})`, [{ path: `${r.companyId}.${r.criterion}`, message: "reason required" }]);
      const k = `${r.companyId}/${r.criterion}`;
      if (seen.has(k)) throw new AppError("DUPLICATE_ROW", `Twice: ${k}`);
      seen.add(k);
    }
    const missing = bidders.length * keys.size - seen.size;
    if (missing > 0) throw new AppError("SHEET_INCOMPLETE", `${missing} judgements missing`);
    return;
  }
  if (sheet.step === "adjustments") return checkAdjustments(t, sheet, bidders, qualified);
  const crit = new Map(t.criteria.map((c) => [c.key, c]));
  if (crit.size === 0) throw new AppError("STEP_CONFLICT", "This method has no detailed scoring");
  for (const r of sheet.rows) {
    if (!known.has(r.companyId)) throw new AppError("UNKNOWN_BIDDER", `No bidder ${r.companyId} in this evaluation`);
    if (qualified && !qualified.has(r.companyId)) throw new AppError("BIDDER_DISQUALIFIED", `Bidder ${r.companyId} did not pass the qualification review and is not scored`);
    const c = crit.get(r.criterion);
    if (!c) throw new AppError("UNKNOWN_CRITERION", `No scoring criterion ${r.criterion}`);
    const v = Q.dec(r.score.toFixed(2));
    if (v.cmp(Q.dec(c.max)) > 0) {
      throw new AppError("SCORE_OUT_OF_RANGE", `${c.label}: ${r.score} is above the maximum ${c.max}`, [{ path: `${r.companyId}.${r.criterion}`, message: `must be 0–${c.max}` }]);
    }
    const k = `${r.companyId}/${r.criterion}`;
    if (seen.has(k)) throw new AppError("DUPLICATE_ROW", `Twice: ${k}`);
    seen.add(k);
  }
  const n = qualified ? qualified.size : bidders.length;
  const missing = n * crit.size - seen.size;
  if (missing > 0) throw new AppError("SHEET_INCOMPLETE", `${missing} scores missing`);
}

/**
 * An adjustment sheet (经评审的最低投标价法): only for that method, only qualified bidders, every item non-zero with a
 * reason; an item may not exceed the bid price itself and the member's adjusted price must stay above 0.
 * No row at all is a valid sheet (no adjustment).
 */
function checkAdjustments(t: ScoringTemplate, sheet: Extract<Sheet, { step: "adjustments" }>, bidders: Bidder[], qualified: Set<string> | null): void {
  if (t.method !== "lowest-evaluated-price") throw new AppError("STEP_CONFLICT", "Only the lowest evaluated price method adjusts prices");
  const byId = new Map(bidders.map((b) => [b.companyId, b]));
  const totals = new Map<string, number>();
  sheet.rows.forEach((r, i) => {
    const b = byId.get(r.companyId);
    if (!b) throw new AppError("UNKNOWN_BIDDER", `No bidder ${r.companyId} in this evaluation`);
    if (qualified && !qualified.has(r.companyId)) throw new AppError("BIDDER_DISQUALIFIED", `Bidder ${r.companyId} did not pass the qualification review and is not evaluated`);
    const path = `rows.${i}`;
    if (!Number.isSafeInteger(r.amountFen) || r.amountFen === 0) throw new AppError("ADJUSTMENT_OUT_OF_RANGE", `${b.companyName}: an adjustment is a non-zero whole number of fen`, [{ path: `${path}.amountFen`, message: "non-zero whole fen" }]);
    if (r.reason.trim().length < 2) throw new AppError("REASON_REQUIRED", `An adjustment needs a reason (${b.companyName})`, [{ path: `${path}.reason`, message: "reason required" }]);
    if (Math.abs(r.amountFen) > b.priceFen) {
      throw new AppError("ADJUSTMENT_OUT_OF_RANGE", `${b.companyName}: an adjustment of ${fenToYuan(r.amountFen)} yuan is larger than the bid price ${fenToYuan(b.priceFen)} yuan`, [{ path: `${path}.amountFen`, message: `at most ±${fenToYuan(b.priceFen)}` }]);
    }
    totals.set(r.companyId, (totals.get(r.companyId) ?? 0) + r.amountFen);
  });
  for (const [id, total] of totals) {
    const b = byId.get(id)!;
    if (b.priceFen + total <= 0) throw new AppError("ADJUSTMENT_OUT_OF_RANGE", `${b.companyName}: the evaluated price would be ${fenToYuan(b.priceFen + total)} yuan (it must stay above 0)`, [{ path: id, message: "evaluated price must stay above 0" }]);
  }
}

/**
 * The committee's adjustment per bidder: each member's total for the bidder (0 without an item) aggregated like the
 * scores (template.aggregation: drop the highest and the lowest from minForTrim members on, then the mean), rounded
 * half up to the fen. evaluated price = bid price + adjustment.
 */
export function adjustmentDecisions(t: ScoringTemplate, bidders: Bidder[], sheets: { seat: number; sheet: Sheet }[]): AdjustmentDecision[] {
  const subs = sheets.filter((x) => x.sheet.step === "adjustments").sort((a, b) => a.seat - b.seat);
  return bidders.map((b) => {
    const items = subs.flatMap(({ seat, sheet }) => (sheet.step === "adjustments" ? sheet.rows.filter((r) => r.companyId === b.companyId).map((r) => ({ seat, amountFen: r.amountFen, reason: r.reason })) : []));
    const totals = subs.map(({ seat }) => items.filter((i) => i.seat === seat).reduce((s, i) => s + i.amountFen, 0));
    if (totals.length === 0 || totals.every((x) => x === 0)) {
      return { companyId: b.companyId, companyName: b.companyName, priceFen: b.priceFen, adjustmentFen: 0, evaluatedFen: b.priceFen, working: "无调整", items };
    }
    const sorted = [...totals].sort((x, y) => x - y);
    const trim = t.aggregation.trim && sorted.length >= t.aggregation.minForTrim;
    const kept = trim ? sorted.slice(1, -1) : sorted;
    const meanFen = mean(kept.map((x) => Q.of(x)));
    const adjustmentFen = Number(meanFen.round(0));
    const y = (fen: number) => fenToYuan(fen);
    const working = `(${kept.map(y).join(" + ")}) / ${kept.length} = ${fenToYuan(adjustmentFen)}${trim ? `（去掉最高 ${y(sorted[sorted.length - 1]!)}、最低 ${y(sorted[0]!)}）` : ""}，四舍五入到分；评标价 = ${y(b.priceFen)} + (${y(adjustmentFen)}) = ${y(b.priceFen + adjustmentFen)}`;
    return { companyId: b.companyId, companyName: b.companyName, priceFen: b.priceFen, adjustmentFen, evaluatedFen: b.priceFen + adjustmentFen, working, items };
  });
}

/**
 * The recorded tie draw: the tied company ids in a canonical order (sorted ids), shuffled by Fisher–Yates with
 * uniform(seed, label, n) of the opening draws (HMAC-SHA256, no modulo bias). Anyone with the revealed seed replays it.
 */
export function drawOrder(seedHex: string, companyIds: string[]): string[] {
  const ids = [...companyIds].sort();
  const label = `evaluation-tie:${ids.join(",")}`;
  for (let i = ids.length - 1; i > 0; i--) {
    const j = uniform(seedHex, `${label}:${i}`, i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}

/**
 * Sorts by `cmp`, then breaks what `cmp` leaves equal by the draw; marks every row whose place a tie rule decided.
 * Never by company name.
 */
function orderWithTies<R extends { b: Bidder }>(rows: R[], keyCmp: (x: R, y: R) => number, tieRules: { name: "lower-price" | "higher-technical"; cmp: (x: R, y: R) => number }[], seedHex: string | null) {
  const groups: { companyIds: string[]; order: string[] }[] = [];
  const tieBreak = new Map<string, ResultRow["tieBreak"]>();
  const sorted = [...rows].sort((x, y) => keyCmp(x, y) || tieRules.reduce((c, r) => c || r.cmp(x, y), 0));
  const out: R[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && keyCmp(sorted[i]!, sorted[j]!) === 0) j++;
    const block = sorted.slice(i, j);
    if (block.length > 1) {
      // Within equal keys: the tie rules in order, then the draw for rows still equal.
      for (let a = 0; a < block.length; ) {
        let z = a + 1;
        while (z < block.length && tieRules.every((r) => r.cmp(block[a]!, block[z]!) === 0)) z++;
        const same = block.slice(a, z);
        if (same.length > 1) {
          if (!seedHex) throw new AppError("NO_TIE_SEED", "A tie needs the recorded draw and no seed is available");
          const order = drawOrder(seedHex, same.map((r) => r.b.companyId));
          groups.push({ companyIds: same.map((r) => r.b.companyId).sort(), order });
          for (const id of order) tieBreak.set(id, "draw");
          out.push(...order.map((id) => same.find((r) => r.b.companyId === id)!));
        } else {
          const r = same[0]!;
          const decidedBy = tieRules.find((rule) => block.some((o) => o !== r && rule.cmp(r, o) !== 0 && tieRules.slice(0, tieRules.indexOf(rule)).every((p) => p.cmp(r, o) === 0)));
          tieBreak.set(r.b.companyId, decidedBy?.name ?? null);
          out.push(r);
        }
        a = z;
      }
    } else out.push(block[0]!);
    i = j;
  }
  return { rows: out, groups, tieBreak };
}

/** A scoring sheet's total per bidder (exact, as 2-decimal text). */
export function sheetTotals(sheet: { rows: { companyId: string; score: number | null }[] }): Map<string, Q> {
  const out = new Map<string, Q>();
  for (const r of sheet.rows) {
    if (r.score === null) continue;
    out.set(r.companyId, (out.get(r.companyId) ?? Q.of(0)).add(Q.dec(r.score.toFixed(2))));
  }
  return out;
}

/** Bidders whose total in `mine` deviates beyond the limit from the mean of the others' totals. */
export function outliers(mine: Map<string, Q>, others: Map<string, Q>[], limit: string) {
  const out: { companyId: string; myTotal: string; othersMean: string; deviation: string }[] = [];
  for (const [companyId, total] of mine) {
    const o = others.map((m) => m.get(companyId)).filter((x): x is Q => x !== undefined);
    if (o.length === 0) continue;
    if (!isOutlier(total.round(2), o.map((x) => x.round(2)), limit)) continue;
    const m = mean(o);
    const dev = m.cmp(Q.of(0)) === 0 ? "∞" : `${total.sub(m).div(m).mul(Q.of(100)).round(1)}%`;
    out.push({ companyId, myTotal: total.round(2), othersMean: m.round(2), deviation: dev });
  }
  return out;
}

/** Majority per bidder per criterion (a tie fails); a bidder is qualified when every criterion passes. */
export function qualificationResult(t: ScoringTemplate, bidders: Bidder[], sheets: Sheet[]): QualificationResultRow[] {
  return bidders.map((b) => {
    const criteria = t.qualification.map((c) => {
      let pass = 0;
      let fail = 0;
      const reasons: string[] = [];
      for (const s of sheets) {
        if (s.step !== "qualification") continue;
        const r = s.rows.find((x) => x.companyId === b.companyId && x.criterion === c.key);
        if (!r) continue;
        if (r.pass) pass++;
        else {
          fail++;
          reasons.push(r.reason);
        }
      }
      return { criterion: c.label, pass, fail, passed: pass > fail, reasons };
    });
    return { companyId: b.companyId, companyName: b.companyName, qualified: criteria.every((c) => c.passed), criteria };
  });
}

/** The price score of the qualified bidders under the template's rule. K (a fraction as text) from the opening's draw. */
export function priceScores(t: ScoringTemplate, bidders: Bidder[], drawK: string | null): PriceScores | null {
  const rule = t.price;
  if (rule.kind === "none" || bidders.length === 0) return null;
  const bids: Bid[] = bidders.map((b) => ({ bidder: b.companyId, priceFen: b.priceFen }));
  const places = t.rounding.places;
  const r =
    rule.kind === "lowest-price-base"
      ? lowestPriceBase(bids, rule.weight, places)
      : rule.kind === "trimmed-average-deviation"
        ? trimmedAverageDeviation(bids, rule.full, { below: rule.below, above: rule.above, places, deviationPlaces: rule.deviationPlaces, floorZero: t.priceFloorZero })
        : (() => {
            const k = rule.k ?? drawK;
            if (k === null) throw new AppError("NO_COEFFICIENT", "The price rule needs K: the opening drew none and the template gives none");
            return averageTimesOneMinusK(bids, k, { below: rule.below, above: rule.above, full: rule.full, places, floorZero: t.priceFloorZero });
          })();
  const name = new Map(bidders.map((b) => [b.companyId, b.companyName]));
  return {
    method: r.method,
    formula: r.formula,
    // Inputs name bidders by company id inside the formula module: show their names.
    inputs: Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => x.replace(/^([^:]+):/, (m, id: string) => (name.has(id) ? `${name.get(id)}:` : m))) : v])),
    rounding: r.rounding,
    base: r.base,
    lines: r.lines.map((l) => ({ companyId: l.bidder, companyName: name.get(l.bidder) ?? "", priceFen: l.priceFen, score: l.score, working: l.working.replaceAll(l.bidder, name.get(l.bidder) ?? l.bidder) })),
  };
}

export interface Ranking {
  rows: ResultRow[];
  /** Ties decided by the recorded draw (empty when none was needed). */
  drawGroups: { companyIds: string[]; order: string[] }[];
}

/**
 * Committee totals and ranking. Comprehensive: trimmed mean of expert totals + price score, equal totals by the
 * template's tie rule; lowest evaluated price: evaluated price (bid + the committee's adjustment) ascending, equal ones
 * by the lower bid price. Still equal: the recorded draw with `tieSeed` (drawOrder). Never by company name.
 */
export function rankResult(t: ScoringTemplate, bidders: Bidder[], scoringSheets: Sheet[], price: PriceScores | null, opts: { adjustments?: AdjustmentDecision[] | null; tieSeed?: string | null } = {}): Ranking {
  const places = t.rounding.places;
  const seed = opts.tieSeed ?? null;
  if (t.method === "lowest-evaluated-price") {
    const adj = new Map((opts.adjustments ?? []).map((a) => [a.companyId, a.adjustmentFen]));
    const rows = bidders.map((b) => ({ b, adjustmentFen: adj.get(b.companyId) ?? 0, evaluatedFen: b.priceFen + (adj.get(b.companyId) ?? 0) }));
    const o = orderWithTies(rows, (x, y) => x.evaluatedFen - y.evaluatedFen, [{ name: "lower-price", cmp: (x, y) => x.b.priceFen - y.b.priceFen }], seed);
    return {
      drawGroups: o.groups,
      rows: o.rows.map((r, i) => ({
        rank: i + 1,
        companyId: r.b.companyId,
        companyName: r.b.companyName,
        priceFen: r.b.priceFen,
        expertScore: null,
        expertWorking: null,
        priceScore: null,
        total: Q.of(r.evaluatedFen, 100).round(2),
        evaluatedFen: r.evaluatedFen,
        adjustmentFen: r.adjustmentFen,
        tieBreak: o.tieBreak.get(r.b.companyId) ?? null,
      })),
    };
  }
  const totals = scoringSheets.map((s) => sheetTotals(s as { rows: { companyId: string; score: number }[] }));
  const rows = bidders.map((b) => {
    const scores = totals.map((m) => m.get(b.companyId)).filter((x): x is Q => x !== undefined);
    const agg = scores.length > 0 ? aggregateExpertScores(scores.map((q) => q.round(2)), { trim: t.aggregation.trim, minForTrim: t.aggregation.minForTrim, places }) : null;
    const ps = price?.lines.find((l) => l.companyId === b.companyId)?.score ?? null;
    const total = sum([agg ? Q.dec(agg.score) : Q.of(0), ps ? Q.dec(ps) : Q.of(0)]);
    return { b, agg, ps, total };
  });
  const technical = (r: (typeof rows)[number]) => (r.agg ? Q.dec(r.agg.score) : Q.of(0));
  const rules: { name: "lower-price" | "higher-technical"; cmp: (x: (typeof rows)[number], y: (typeof rows)[number]) => number }[] = [
    ...(t.tieRule === "higher-technical" ? [{ name: "higher-technical" as const, cmp: (x: (typeof rows)[number], y: (typeof rows)[number]) => technical(y).cmp(technical(x)) }] : []),
    { name: "lower-price", cmp: (x, y) => x.b.priceFen - y.b.priceFen },
  ];
  const o = orderWithTies(rows, (x, y) => y.total.cmp(x.total), rules, seed);
  return {
    drawGroups: o.groups,
    rows: o.rows.map((r, i) => ({
      rank: i + 1,
      companyId: r.b.companyId,
      companyName: r.b.companyName,
      priceFen: r.b.priceFen,
      expertScore: r.agg?.score ?? null,
      expertWorking: r.agg?.working ?? null,
      priceScore: r.ps,
      total: r.total.round(places),
      evaluatedFen: null,
      adjustmentFen: null,
      tieBreak: o.tieBreak.get(r.b.companyId) ?? null,
    })),
  };
}
