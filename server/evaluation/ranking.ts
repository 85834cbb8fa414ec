// The committee's ranking as the session computes it when entering the aggregate step: the evaluated-price
// adjustments (经评审的最低投标价法, decided from the members' adjustment sheets) and the recorded tie draw.
//
// Tie draw, commit-reveal: a fresh seed is sealed when the session is created and only its SHA-256 is kept in the
// clear (and in the create audit row); the seed is revealed when the ranking is made, with the ranking. Sessions made
// before the seed existed get one at that moment (recorded the same way). Pure parts: compute.ts.
import type { AdjustmentDecision, PriceScores, ResultRow, ScoringTemplate, Sheet, TieDraw } from "@contracts/evaluation";
import type { AppContext } from "../context";
import type { Db, Tx } from "../db";
import { newSeed, seedHash } from "../opening/draws";
import { adjustmentDecisions, rankResult, type Bidder } from "./compute";

/** The sealed seed and its commitment for a new session (stored with it). */
export function sealTieSeed(app: AppContext) {
  const seed = newSeed();
  return { tieSeedHash: seedHash(seed), tieSealed: app.box.seal(seed) };
}

type SessionSeed = { id: string; tieSeedHash: string | null; tieSealed: string | null; tieSeed: string | null };

async function liveSheets(db: Db | Tx, sessionId: string, step: "scoring" | "adjustments") {
  const subs = await db.evalSubmission.findMany({ where: { sessionId, step, supersededAt: null } });
  const seats = new Map((await db.evalMember.findMany({ where: { id: { in: subs.map((x) => x.memberId) } } })).map((m) => [m.id, m.seat]));
  return subs.map((x) => ({ seat: seats.get(x.memberId) ?? 0, sheet: JSON.parse(x.sheet) as Sheet }));
}

export interface AggregateOutcome {
  /** Columns of EvalSession to write with the step change. */
  data: { result: string; adjustments: string | null; tieSeed: string; tieSeedHash: string; tieSealed: null };
  result: ResultRow[];
  adjustments: AdjustmentDecision[] | null;
  tieDraw: TieDraw;
}

/** Ranks the qualified bidders (adjustments decided first for the lowest evaluated price) and reveals the tie seed. */
export async function aggregateOutcome(app: AppContext, s: SessionSeed, t: ScoringTemplate, qualified: Bidder[], price: PriceScores | null): Promise<AggregateOutcome> {
  const seed = s.tieSeed ?? (s.tieSealed ? app.box.open(s.tieSealed) : newSeed());
  const hash = s.tieSeedHash ?? seedHash(seed);
  const adjustments = t.method === "lowest-evaluated-price" ? adjustmentDecisions(t, qualified, await liveSheets(app.db, s.id, "adjustments")) : null;
  const scoring = t.method === "comprehensive" ? (await liveSheets(app.db, s.id, "scoring")).map((x) => x.sheet) : [];
  const ranking = rankResult(t, qualified, scoring, price, { adjustments, tieSeed: seed });
  return {
    data: { result: JSON.stringify(ranking.rows), adjustments: adjustments ? JSON.stringify(adjustments) : null, tieSeed: seed, tieSeedHash: hash, tieSealed: null },
    result: ranking.rows,
    adjustments,
    tieDraw: { seedHash: hash, seed, groups: ranking.drawGroups },
  };
}

/** What the streams show of the adjustments and the tie draw (from the aggregate step on). */
export function rankingViews(s: { adjustments: string | null; tieSeed: string | null; tieSeedHash: string | null; result: string | null }): { adjustments: AdjustmentDecision[] | null; tieDraw: TieDraw | null } {
  const adjustments = s.adjustments ? (JSON.parse(s.adjustments) as AdjustmentDecision[]) : null;
  if (!s.tieSeed || !s.result) return { adjustments, tieDraw: null };
  const rows = JSON.parse(s.result) as ResultRow[];
  const drawn = rows.filter((r) => r.tieBreak === "draw");
  if (drawn.length === 0) return { adjustments, tieDraw: null };
  // Groups of consecutive drawn rows with the same key (evaluated price / total).
  const groups: TieDraw["groups"] = [];
  for (const r of drawn) {
    const key = r.evaluatedFen ?? r.total;
    const g = groups.find((x) => x.companyIds.some((id) => { const o = rows.find((y) => y.companyId === id)!; return (o.evaluatedFen ?? o.total) === key && o.priceFen === r.priceFen; }));
    if (g) {
      g.companyIds.push(r.companyId);
      g.order.push(r.companyId);
    } else groups.push({ companyIds: [r.companyId], order: [r.companyId] });
  }
  for (const g of groups) g.companyIds.sort();
  return { adjustments, tieDraw: { seedHash: s.tieSeedHash ?? "", seed: s.tieSeed, groups } };
}
