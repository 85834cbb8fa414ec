// The evaluated-price adjustment sheet (经评审的最低投标价法): per qualified bidder,
// items of (sign, amount typed in 元, reason), held as text while typing, restored
// from the server's draft, checked as the server checks them (reason of at least
// 2 characters, a non-zero amount of at most 2 decimals, no item larger than the
// bid price, an evaluated price above 0), totalled exactly in fen, and turned
// into the wire's DraftSheet and Sheet.
import type { DraftSheet, EvalExpertState, Sheet } from "@contracts/evaluation";
import { MAX_ADJUSTMENT_FEN } from "@contracts/evaluation";
import { parseYuan } from "../opening/money";
import { scoredBidders } from "./sheets";

type Bidder = EvalExpertState["bidders"][number];

export interface AdjustItem {
  /** A local key for the list (not sent). */
  key: number;
  companyId: string;
  /** +1 raises the evaluated price (e.g. a missing item priced in), −1 lowers it. */
  sign: 1 | -1;
  /** The amount in 元 as typed, without sign. */
  text: string;
  reason: string;
}

export type AdjustProblem = "amount" | "zero" | "reason" | "overBid" | "notPositive";

let nextKey = 1;
export const newItem = (companyId: string): AdjustItem => ({ key: nextKey++, companyId, sign: 1, text: "", reason: "" });

/** The item's amount in fen with its sign; null while the text is not a valid amount. */
export function itemFen(item: AdjustItem): number | null {
  const r = parseYuan(item.text);
  if (!r.ok || r.fen > MAX_ADJUSTMENT_FEN) return null;
  return item.sign * r.fen;
}

/** The items the server holds as this member's draft (an unfinished amount is null there). */
export function adjustmentItems(bidders: readonly Bidder[], draft: DraftSheet | null | undefined): AdjustItem[] {
  if (draft?.step !== "adjustments") return [];
  const ids = new Set(scoredBidders(bidders).map((b) => b.companyId));
  return draft.rows
    .filter((r) => ids.has(r.companyId))
    .map((r) => ({
      key: nextKey++,
      companyId: r.companyId,
      sign: r.amountFen !== null && r.amountFen < 0 ? -1 : 1,
      text: r.amountFen === null ? "" : (Math.abs(r.amountFen) / 100).toFixed(2),
      reason: r.reason ?? "",
    }));
}

export interface ItemProblem {
  key: number;
  problem: AdjustProblem;
}
export interface BidderProblem {
  companyId: string;
  problem: "notPositive";
}

/** Every problem the server would refuse, before anything is sent: per item, then per bidder. */
export function checkAdjustmentItems(items: readonly AdjustItem[], bidders: readonly Bidder[]): { items: ItemProblem[]; bidders: BidderProblem[] } {
  const price = new Map(bidders.map((b) => [b.companyId, b.priceFen]));
  const out: ItemProblem[] = [];
  for (const i of items) {
    const fen = itemFen(i);
    if (fen === null) out.push({ key: i.key, problem: "amount" });
    else if (fen === 0) out.push({ key: i.key, problem: "zero" });
    else if (Math.abs(fen) > (price.get(i.companyId) ?? 0)) out.push({ key: i.key, problem: "overBid" });
    if (i.reason.trim().length < 2) out.push({ key: i.key, problem: "reason" });
  }
  const bad: BidderProblem[] = [];
  for (const [companyId, t] of adjustmentTotals(items, bidders)) if (t.evaluatedFen <= 0) bad.push({ companyId, problem: "notPositive" });
  return { items: out, bidders: bad };
}

/** Per scored bidder: the exact total of the valid amounts typed so far and the evaluated price it gives. */
export function adjustmentTotals(items: readonly AdjustItem[], bidders: readonly Bidder[]): Map<string, { adjustmentFen: number; evaluatedFen: number; complete: boolean }> {
  const out = new Map<string, { adjustmentFen: number; evaluatedFen: number; complete: boolean }>();
  for (const b of scoredBidders(bidders)) {
    let sum = 0;
    let complete = true;
    for (const i of items) {
      if (i.companyId !== b.companyId) continue;
      const fen = itemFen(i);
      if (fen === null) complete = false;
      else sum += fen;
    }
    out.set(b.companyId, { adjustmentFen: sum, evaluatedFen: b.priceFen + sum, complete });
  }
  return out;
}

export function adjustmentDraft(items: readonly AdjustItem[]): DraftSheet {
  return { step: "adjustments", rows: items.map((i) => ({ companyId: i.companyId, amountFen: itemFen(i), reason: i.reason.slice(0, 500) })) };
}

/** The sheet to submit; null while any item has a problem. No item at all is a valid sheet (no adjustment). */
export function adjustmentSheet(items: readonly AdjustItem[], bidders: readonly Bidder[]): Sheet | null {
  const p = checkAdjustmentItems(items, bidders);
  if (p.items.length || p.bidders.length) return null;
  return { step: "adjustments", rows: items.map((i) => ({ companyId: i.companyId, amountFen: itemFen(i)!, reason: i.reason.trim() })) };
}

/** Signed yuan for people: +10,000.00 / -5,000.00 / 0.00. */
export function signedYuan(fen: number, format: (fen: number) => string): string {
  return fen > 0 ? `+${format(fen)}` : format(fen);
}
