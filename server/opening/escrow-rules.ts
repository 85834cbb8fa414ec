// When a bid's outcome may still change after its bidder's own decryption: the
// agent's record of a platform fault and the supervisors' escrow hand-in. The
// one rule, read by the commands inside their transaction (decryption.ts) and
// by the public view (views.ts), which sends each bid's answer so the console
// and the escrow page enable exactly what would be accepted.
//
// - Only from the decryption window to the end of the announcement (唱标): once
//   the results are being confirmed they are what the bidders confirm, and once
//   the record is issued (closed) nothing changes what it states — a correction
//   is a supplement record (supplements.ts).
// - A platform fault only for a bid still sealed: never for one that lapsed
//   through its bidder (no key in time, or given up: 视为撤回), nor twice.
// - Neither for a bid sealed without the lot's escrow certificate as a
//   recipient: escrow could never open it (known from its submission).
import type { Stage } from "@contracts/opening";
import { AppError } from "../errors";

/** The stages in which a platform fault may be recorded and escrow shares handed in. */
export const ESCROW_STAGES: readonly Stage[] = ["decrypting", "announcing"];

export interface BidOutcomeFacts {
  status: string;
  /** Read from the envelope at submission; null for bids from before it was recorded (the command reads the envelope). */
  escrowRecipient: boolean | null;
}

function stageRefusal(stage: Stage | null): AppError | null {
  if (stage === null) return new AppError("ESCROW_TOO_EARLY", "The opening of this lot has not started; escrow and platform faults come after the decryption window opens");
  if (stage === "closed") return new AppError("RECORD_ISSUED", "The opening record is issued and is not changed; a correction is a supplement record");
  if (!ESCROW_STAGES.includes(stage)) {
    return new AppError(
      ["signin", "bidders-published"].includes(stage) ? "ESCROW_TOO_EARLY" : "ESCROW_WINDOW_OVER",
      `Only from the decryption window to the end of the announcement (now: ${stage})`,
    );
  }
  return null;
}

/** Why the agent may not record a platform fault for this bid now, or null. */
export function faultRefusal(stage: Stage | null, bid: BidOutcomeFacts): AppError | null {
  const s = stageRefusal(stage);
  if (s) return s;
  if (bid.status === "failed-bidder") return new AppError("BID_LAPSED", "This bid lapsed through its bidder (treated as withdrawn); it cannot be recorded as a platform fault");
  if (bid.status === "failed-platform") return new AppError("FAULT_ALREADY_RECORDED", "A platform fault is already on the record for this bid");
  if (bid.status === "decrypted") return new AppError("ALREADY_DECRYPTED", "This bid is already decrypted");
  if (bid.status !== "sealed") return new AppError("NO_BID", `This bid is ${bid.status}`);
  if (bid.escrowRecipient === false) return notARecipient();
  return null;
}

/** Why supervisors may not hand in escrow shares for this bid now, or null. */
export function escrowRefusal(stage: Stage | null, bid: BidOutcomeFacts): AppError | null {
  if (bid.escrowRecipient === false) return notARecipient();
  const s = stageRefusal(stage);
  if (s) return s;
  if (bid.status === "decrypted") return new AppError("ALREADY_DECRYPTED", "This bid is already decrypted");
  if (bid.status !== "failed-platform") return new AppError("ESCROW_NOT_ALLOWED", "Escrow opens only bids that failed through the platform's fault");
  return null;
}

const notARecipient = () =>
  new AppError("ESCROW_NOT_A_RECIPIENT", "This bid was sealed without the lot's escrow certificate (recorded at its submission): escrow cannot open it");
