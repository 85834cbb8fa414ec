// Pure computations of the evaluation: sheet checks, qualification majority,
// the price score (scoring.ts), committee aggregation, ranking and outliers.
// Every result carries its formula, inputs and rounding.
import type { PriceScores, QualificationResultRow, ResultRow, ScoringTemplate, Sheet } from "@contracts/evaluation";
import { AppError } from "../errors";
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
        ? trimmedAverageDeviation(bids, rule.full, { below: rule.below, above: rule.above, places, deviationPlaces: rule.deviationPlaces })
        : (() => {
            const k = rule.k ?? drawK;
            if (k === null) throw new AppError("NO_COEFFICIENT", "The price rule needs K: the opening drew none and the template gives none");
            return averageTimesOneMinusK(bids, k, { below: rule.below, above: rule.above, full: rule.full, places });
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

/** Committee totals and ranking. Comprehensive: trimmed mean of expert totals + price score; else lowest evaluated price. */
export function rankResult(t: ScoringTemplate, bidders: Bidder[], scoringSheets: Sheet[], price: PriceScores | null): ResultRow[] {
  const places = t.rounding.places;
  if (t.method === "lowest-evaluated-price") {
    const rows = bidders.map((b) => ({ b, evaluatedFen: b.priceFen }));
    rows.sort((x, y) => x.evaluatedFen - y.evaluatedFen || x.b.priceFen - y.b.priceFen || x.b.companyName.localeCompare(y.b.companyName));
    return rows.map((r, i) => ({
      rank: i + 1,
      companyId: r.b.companyId,
      companyName: r.b.companyName,
      priceFen: r.b.priceFen,
      expertScore: null,
      expertWorking: null,
      priceScore: null,
      total: Q.of(r.evaluatedFen, 100).round(2),
      evaluatedFen: r.evaluatedFen,
    }));
  }
  const totals = scoringSheets.map((s) => sheetTotals(s as { rows: { companyId: string; score: number }[] }));
  const rows = bidders.map((b) => {
    const scores = totals.map((m) => m.get(b.companyId)).filter((x): x is Q => x !== undefined);
    const agg = scores.length > 0 ? aggregateExpertScores(scores.map((q) => q.round(2)), { trim: t.aggregation.trim, minForTrim: t.aggregation.minForTrim, places }) : null;
    const ps = price?.lines.find((l) => l.companyId === b.companyId)?.score ?? null;
    const total = sum([agg ? Q.dec(agg.score) : Q.of(0), ps ? Q.dec(ps) : Q.of(0)]);
    return { b, agg, ps, total };
  });
  rows.sort((x, y) => {
    const c = y.total.cmp(x.total);
    if (c !== 0) return c;
    if (t.tieRule === "higher-technical") {
      const a = x.agg ? Q.dec(x.agg.score) : Q.of(0);
      const b = y.agg ? Q.dec(y.agg.score) : Q.of(0);
      const d = b.cmp(a);
      if (d !== 0) return d;
    }
    return x.b.priceFen - y.b.priceFen || x.b.companyName.localeCompare(y.b.companyName);
  });
  return rows.map((r, i) => ({
    rank: i + 1,
    companyId: r.b.companyId,
    companyName: r.b.companyName,
    priceFen: r.b.priceFen,
    expertScore: r.agg?.score ?? null,
    expertWorking: r.agg?.working ?? null,
    priceScore: r.ps,
    total: r.total.round(places),
    evaluatedFen: null,
  }));
}
