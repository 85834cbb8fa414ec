// Pure logic of the supervisors' escrow page: which lots, which bids wait for
// escrow shares, what a share looks like, and how far the hand-in has come.
import type { BidSummary, OpeningPublicState, ProjectView } from "@contracts/opening";

/** Two of the three supervisors' shares rebuild a lot's escrow key. */
export const ESCROW_THRESHOLD = 2;

export interface LotChoice {
  lotId: string;
  lotCode: string;
  lotName: string;
  projectCode: string;
  projectName: string;
  status: ProjectView["lots"][number]["status"];
  openingTime: string;
}

const STATUS_ORDER: Record<LotChoice["status"], number> = { opening: 0, accepting: 1, opened: 2, cancelled: 3 };

/** Every lot, those in opening first, then by opening time. */
export function lotChoices(projects: readonly ProjectView[]): LotChoice[] {
  const out: LotChoice[] = [];
  for (const p of projects) {
    for (const l of p.lots) {
      out.push({ lotId: l.id, lotCode: l.code, lotName: l.name, projectCode: p.code, projectName: p.name, status: l.status, openingTime: l.openingTime });
    }
  }
  return out.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || Date.parse(a.openingTime) - Date.parse(b.openingTime));
}

const SHARE_RE = /^escrow:v1:([A-Za-z0-9-]{1,64}):([1-9]):[A-Za-z0-9_-]{16,}$/;

/** A share as handed out: `escrow:v1:<lotId>:<index>:<base64url>`; null when the text is not one. */
export function parseShare(text: string): { lotId: string; index: number } | null {
  const m = SHARE_RE.exec(text.trim());
  return m ? { lotId: m[1]!, index: Number(m[2]) } : null;
}

/** What is wrong with a pasted share before sending it, if anything the client can see. */
export function shareProblem(text: string, lotId: string): "empty" | "format" | "otherLot" | null {
  if (!text.trim()) return "empty";
  const s = parseShare(text);
  if (!s) return "format";
  return s.lotId === lotId ? null : "otherLot";
}

export function shareFileName(lotCode: string, index: number): string {
  return `escrow-share-${lotCode.replace(/[^A-Za-z0-9-]/g, "_")}-${index}.txt`;
}

export interface HandIn {
  sharesHeld: number;
  opened: boolean;
  summary?: BidSummary;
}

type Bidder = OpeningPublicState["bidders"][number];

export interface EscrowBidRow {
  bidId: string;
  companyName: string;
  bidStatus: Bidder["bidStatus"];
  handIn: HandIn | null;
  /** The server's answer: shares are accepted for this bid now (server/opening/escrow-rules.ts). */
  mayHandIn: boolean;
  escrowRecipient: boolean;
  platformFault: Bidder["platformFault"];
  escrowOpened: Bidder["escrowOpened"];
}

/** Bids recorded as failed through the platform's fault, those opened from escrow, and those this page handed shares in for. */
export function escrowBids(state: OpeningPublicState | null | undefined, handIns: Readonly<Record<string, HandIn>>): EscrowBidRow[] {
  if (!state) return [];
  return state.bidders
    .filter((b) => b.bidStatus === "failed-platform" || b.escrowOpened !== null || handIns[b.bidId] !== undefined)
    .map((b) => ({
      bidId: b.bidId,
      companyName: b.companyName,
      bidStatus: b.bidStatus,
      handIn: handIns[b.bidId] ?? null,
      mayHandIn: b.may.handInShare,
      escrowRecipient: b.escrowRecipient,
      platformFault: b.platformFault,
      escrowOpened: b.escrowOpened,
    }));
}

/** The announced summary of a bid opened from escrow (its 唱标 card), by company name. */
export function openedSummary(state: OpeningPublicState | null | undefined, companyName: string): BidSummary | null {
  return state?.announcements.find((a) => a.companyName === companyName)?.summary ?? null;
}

/** Error codes of the escrow hand-in the page explains. */
export const ESCROW_ERRORS = ["ESCROW_TOO_EARLY", "ESCROW_WINDOW_OVER", "RECORD_ISSUED", "ESCROW_NOT_A_RECIPIENT", "ESCROW_NOT_ALLOWED", "ESCROW_SHARE_INVALID", "ESCROW_SHARE_DUPLICATE", "ESCROW_SHARES_MISMATCH"] as const;
