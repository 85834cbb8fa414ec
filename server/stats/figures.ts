// Savings (节资) and premium (溢价) in integer fen, from one deal up to any sum
// of deals. Nothing here touches floating point: sums are BigInt, rates are
// rounded half up (away from zero) from the exact fraction.
//   savings = budget − deal,        savings rate = savings / budget
//   premium = deal − reference,     premium rate = premium / reference
// A sum covers only the deals a figure applies to: the savings of a group are
// Σ budget − Σ deal over its deals with a budget; the premium likewise over its
// deals with a reference price.
import type { Figures } from "@contracts/stats";
import { fenToYuan } from "@contracts/money";

/** Sums of a set of deals (all fen). */
export interface Bucket {
  deals: bigint;
  remote: bigint;
  dealFen: bigint;
  /** Deals with a budget: how many, Σ budget, Σ their deal prices. */
  budgeted: bigint;
  budgetFen: bigint;
  dealBudgetedFen: bigint;
  /** Deals with a reference price: how many, Σ reference, Σ their deal prices. */
  referenced: bigint;
  referenceFen: bigint;
  dealReferencedFen: bigint;
}

export const emptyBucket = (): Bucket => ({
  deals: 0n,
  remote: 0n,
  dealFen: 0n,
  budgeted: 0n,
  budgetFen: 0n,
  dealBudgetedFen: 0n,
  referenced: 0n,
  referenceFen: 0n,
  dealReferencedFen: 0n,
});

export function addInto(into: Bucket, b: Bucket): Bucket {
  for (const k of Object.keys(into) as (keyof Bucket)[]) into[k] += b[k];
  return into;
}

/** One deal as a bucket. */
export function dealBucket(d: { dealFen: bigint; budgetFen: bigint | null; referenceFen: bigint | null; remoteEvaluation: boolean }): Bucket {
  return {
    deals: 1n,
    remote: d.remoteEvaluation ? 1n : 0n,
    dealFen: d.dealFen,
    budgeted: d.budgetFen === null ? 0n : 1n,
    budgetFen: d.budgetFen ?? 0n,
    dealBudgetedFen: d.budgetFen === null ? 0n : d.dealFen,
    referenced: d.referenceFen === null ? 0n : 1n,
    referenceFen: d.referenceFen ?? 0n,
    dealReferencedFen: d.referenceFen === null ? 0n : d.dealFen,
  };
}

/**
 * `num / den` as a fraction string with `decimals` places, rounded half up
 * (half away from zero: 0.00005 → "0.0001", −0.00005 → "-0.0001");
 * null when `den` is 0.
 */
export function rateString(num: bigint, den: bigint, decimals = 4): string | null {
  if (den === 0n) return null;
  const neg = num < 0n !== den < 0n && num !== 0n;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  const scale = 10n ** BigInt(decimals);
  const q = (2n * n * scale + d) / (2n * d);
  const s = `${q / scale}.${(q % scale).toString().padStart(decimals, "0")}`;
  return neg && q !== 0n ? `-${s}` : s;
}

/** "0.0312" → "3.12%" (exact: the 4-decimal fraction has 2 decimals as a percentage). */
export function percentOf(rate: string | null): string {
  if (rate === null) return "—";
  const neg = rate.startsWith("-");
  const [int, frac] = (neg ? rate.slice(1) : rate).split(".") as [string, string];
  const pct = `${Number(int + frac.slice(0, 2))}.${frac.slice(2)}`;
  return `${neg ? "-" : ""}${pct}%`;
}

export interface FenFigures {
  savingsFen: bigint | null;
  savingsRate: string | null;
  premiumFen: bigint | null;
  premiumRate: string | null;
}

/** Savings and premium of a bucket, in fen. */
export function fenFigures(b: Bucket): FenFigures {
  const savingsFen = b.budgeted > 0n ? b.budgetFen - b.dealBudgetedFen : null;
  const premiumFen = b.referenced > 0n ? b.dealReferencedFen - b.referenceFen : null;
  return {
    savingsFen,
    savingsRate: savingsFen === null ? null : rateString(savingsFen, b.budgetFen),
    premiumFen,
    premiumRate: premiumFen === null ? null : rateString(premiumFen, b.referenceFen),
  };
}

/** The report's figures of a bucket: yuan strings with 2 decimals, null where n/a. */
export function figures(b: Bucket): Figures {
  const f = fenFigures(b);
  const yuan = (v: bigint | null) => (v === null ? null : fenToYuan(v));
  return {
    deals: Number(b.deals),
    remoteEvaluations: Number(b.remote),
    dealYuan: fenToYuan(b.dealFen),
    budgetYuan: b.budgeted > 0n ? fenToYuan(b.budgetFen) : null,
    savingsYuan: yuan(f.savingsFen),
    savingsRate: f.savingsRate,
    referenceYuan: b.referenced > 0n ? fenToYuan(b.referenceFen) : null,
    premiumYuan: yuan(f.premiumFen),
    premiumRate: f.premiumRate,
  };
}

/** Yuan string with 2 decimals → fen (the report's amounts back to integers, e.g. for 万元). */
export function yuanStringToFen(s: string): bigint {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(s);
  if (!m) throw new RangeError(`not a yuan amount: ${s}`);
  const v = BigInt(m[2]!) * 100n + BigInt(m[3]!);
  return m[1] ? -v : v;
}
