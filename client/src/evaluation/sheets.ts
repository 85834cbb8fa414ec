// The expert's sheets (qualification: pass/fail per criterion per bidder with a
// reason on fail; scoring: a score per criterion per qualified bidder within its
// range), held as text while typing, restored from the server's draft, checked
// before submission, turned into the wire's DraftSheet and Sheet, and totalled
// exactly per bidder.
import type { DraftSheet, EvalExpertState, Sheet } from "@contracts/evaluation";
import { checkScore, formatDecimal, parseDecimal, scoreToText, type ScoreProblem } from "./decimal";

type Template = EvalExpertState["template"];
type Bidder = EvalExpertState["bidders"][number];

export interface QualCell {
  companyId: string;
  criterion: string;
  pass: boolean | null;
  reason: string;
}
export interface ScoreCell {
  companyId: string;
  criterion: string;
  /** What the expert typed. */
  text: string;
}

const cellKey = (companyId: string, criterion: string) => `${companyId}\u0000${criterion}`;

/** One cell per bidder × qualification criterion, filled from the draft where it has them. */
export function qualificationCells(template: Template, bidders: readonly Bidder[], draft: DraftSheet | null | undefined): QualCell[] {
  const held = new Map<string, { pass: boolean | null; reason: string }>();
  if (draft?.step === "qualification") for (const r of draft.rows) held.set(cellKey(r.companyId, r.criterion), { pass: r.pass, reason: r.reason ?? "" });
  const cells: QualCell[] = [];
  for (const b of bidders)
    for (const c of template.qualification) {
      const h = held.get(cellKey(b.companyId, c.key));
      cells.push({ companyId: b.companyId, criterion: c.key, pass: h?.pass ?? null, reason: h?.reason ?? "" });
    }
  return cells;
}

/** The bidders to score: those not disqualified (qualified false drops a bidder). */
export const scoredBidders = (bidders: readonly Bidder[]): Bidder[] => bidders.filter((b) => b.qualified !== false);

/** One cell per scored bidder × scoring criterion, filled from the draft. */
export function scoringCells(template: Template, bidders: readonly Bidder[], draft: DraftSheet | null | undefined): ScoreCell[] {
  const held = new Map<string, number | null>();
  if (draft?.step === "scoring") for (const r of draft.rows) held.set(cellKey(r.companyId, r.criterion), r.score);
  const cells: ScoreCell[] = [];
  for (const b of scoredBidders(bidders))
    for (const c of template.criteria) cells.push({ companyId: b.companyId, criterion: c.key, text: scoreToText(held.get(cellKey(b.companyId, c.key))) });
  return cells;
}

/**
 * The cells rebuilt (the scored bidders or the criteria changed, e.g. the qualification's result arrived while the
 * expert was typing), keeping what the expert typed for a cell that is still there: it is newer than the server's
 * draft, whose debounced update may not have gone out yet.
 */
export function keepTyped(fresh: ScoreCell[], typed: readonly ScoreCell[]): ScoreCell[] {
  const mine = new Map(typed.filter((c) => c.text.trim() !== "").map((c) => [cellKey(c.companyId, c.criterion), c.text]));
  return fresh.map((c) => ({ ...c, text: mine.get(cellKey(c.companyId, c.criterion)) ?? c.text }));
}

export const draftOutlierReasons = (draft: DraftSheet | null | undefined): Record<string, string> =>
  draft?.step === "scoring" ? { ...draft.outlierReasons } : {};

export type QualProblem = "missing" | "reason";
export interface CellProblem<P extends string> {
  companyId: string;
  criterion: string;
  problem: P;
}

export function checkQualification(cells: readonly QualCell[]): CellProblem<QualProblem>[] {
  const out: CellProblem<QualProblem>[] = [];
  for (const c of cells) {
    if (c.pass === null) out.push({ companyId: c.companyId, criterion: c.criterion, problem: "missing" });
    else if (!c.pass && c.reason.trim().length === 0) out.push({ companyId: c.companyId, criterion: c.criterion, problem: "reason" });
  }
  return out;
}

export function checkScoring(cells: readonly ScoreCell[], template: Template): CellProblem<ScoreProblem>[] {
  const max = new Map(template.criteria.map((c) => [c.key, c.max]));
  const out: CellProblem<ScoreProblem>[] = [];
  for (const c of cells) {
    const r = checkScore(c.text, max.get(c.criterion) ?? "0");
    if (!r.ok) out.push({ companyId: c.companyId, criterion: c.criterion, problem: r.problem });
  }
  return out;
}

/** Per bidder: the exact total of the valid scores typed so far, and whether every score is in. */
export function scoringTotals(cells: readonly ScoreCell[], template: Template): Map<string, { total: string; complete: boolean }> {
  const max = new Map(template.criteria.map((c) => [c.key, c.max]));
  const acc = new Map<string, { sum: bigint; complete: boolean }>();
  for (const c of cells) {
    const a = acc.get(c.companyId) ?? { sum: 0n, complete: true };
    const r = checkScore(c.text, max.get(c.criterion) ?? "0");
    if (r.ok) a.sum += parseDecimal(r.text)!;
    else a.complete = false;
    acc.set(c.companyId, a);
  }
  return new Map([...acc].map(([k, v]) => [k, { total: formatDecimal(v.sum, 2), complete: v.complete }]));
}

/** The highest total a bidder can get from the detailed criteria (exact). */
export function maxTotal(template: Template): string {
  let s = 0n;
  for (const c of template.criteria) s += parseDecimal(c.max) ?? 0n;
  return formatDecimal(s, 2);
}

/** The draft as the wire keeps it: what is typed and valid so far (an unfinished score is null). */
export function qualificationDraft(cells: readonly QualCell[]): DraftSheet {
  return { step: "qualification", rows: cells.map((c) => ({ companyId: c.companyId, criterion: c.criterion, pass: c.pass, reason: c.reason })) };
}

export function scoringDraft(cells: readonly ScoreCell[], template: Template, outlierReasons: Record<string, string>): DraftSheet {
  const max = new Map(template.criteria.map((c) => [c.key, c.max]));
  const reasons: Record<string, string> = {};
  for (const [k, v] of Object.entries(outlierReasons)) if (v) reasons[k] = v.slice(0, 1000);
  return {
    step: "scoring",
    rows: cells.map((c) => {
      const r = checkScore(c.text, max.get(c.criterion) ?? "0");
      return { companyId: c.companyId, criterion: c.criterion, score: r.ok ? r.value : null };
    }),
    outlierReasons: reasons,
  };
}

/** The sheet to submit; null while any cell has a problem. */
export function qualificationSheet(cells: readonly QualCell[]): Sheet | null {
  if (checkQualification(cells).length) return null;
  return { step: "qualification", rows: cells.map((c) => ({ companyId: c.companyId, criterion: c.criterion, pass: c.pass === true, reason: c.reason.trim() })) };
}

export function scoringSheet(cells: readonly ScoreCell[], template: Template): Sheet | null {
  if (checkScoring(cells, template).length) return null;
  const max = new Map(template.criteria.map((c) => [c.key, c.max]));
  return {
    step: "scoring",
    rows: cells.map((c) => {
      const r = checkScore(c.text, max.get(c.criterion) ?? "0");
      if (!r.ok) throw new Error("unreachable: checked above");
      return { companyId: c.companyId, criterion: c.criterion, score: r.value };
    }),
  };
}

/** Outlier reasons the submit needs: one of at least 5 characters per company the server flagged. */
export function missingOutlierReasons(flagged: readonly { companyId: string }[], reasons: Record<string, string>): string[] {
  return flagged.filter((o) => (reasons[o.companyId] ?? "").trim().length < 5).map((o) => o.companyId);
}

/** Submit payload's outlier reasons, for flagged companies only. */
export function outlierReasonList(flagged: readonly { companyId: string }[], reasons: Record<string, string>): { companyId: string; reason: string }[] {
  return flagged.map((o) => ({ companyId: o.companyId, reason: (reasons[o.companyId] ?? "").trim() }));
}
