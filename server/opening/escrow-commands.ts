// The two commands that may still change a bid's outcome after its bidder's own
// decryption: the agent records a platform fault, and two supervisors hand in
// their escrow shares to open such a bid. Both are bounded by the rule in
// escrow-rules.ts, checked again inside the transaction that records them.
import { Stage } from "@contracts/opening";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { Db, Tx } from "../db";
import { AppError } from "../errors";
import { decryptingNow } from "./allowed";
import { openBid, type BidRow } from "./decryption";
import { decodeShare, rebuildEscrowKey } from "./escrow";
import { escrowRefusal, faultRefusal } from "./escrow-rules";
import { assertLotAgent, loadLot } from "./projects";
import { findRecipient, inspectEnvelope, isSealingError, unwrapKey } from "./sealing";
import { loadSession } from "./session";

/** Whether the bid's envelope is also sealed to the lot's escrow certificate: as recorded at submission, else read from the envelope. */
export async function sealedToEscrow(bid: Pick<BidRow, "escrowRecipient" | "filePath">, escrowCertPem: string): Promise<boolean> {
  if (bid.escrowRecipient !== null) return bid.escrowRecipient;
  try {
    findRecipient(await inspectEnvelope(bid.filePath), escrowCertPem);
    return true;
  } catch {
    return false;
  }
}

async function stageOf(db: Db | Tx, lotId: string): Promise<Stage | null> {
  const s = await db.openingSession.findUnique({ where: { lotId }, select: { stage: true } });
  return s ? Stage.parse(s.stage) : null;
}

async function loadBid(db: Db | Tx, bidId: string): Promise<BidRow> {
  const bid = await db.bid.findUnique({ where: { id: bidId } });
  if (!bid) throw new AppError("NOT_FOUND", `No bid ${bidId}`);
  return bid;
}

/** The agent records that a bid could not be decrypted through the platform's fault (电子招标投标办法 art. 31). */
export async function markPlatformFault(app: AppContext, principal: Principal, bidId: string, reason: string) {
  const first = await loadBid(app.db, bidId);
  const lot = await loadLot(app.db, first.lotId);
  assertLotAgent(principal, lot);
  const escrowRecipient = await sealedToEscrow(first, lot.escrowCertPem);
  const at = new Date();
  await app.db.$transaction(async (tx) => {
    const bid = await loadBid(tx, bidId);
    const refused = faultRefusal(await stageOf(tx, bid.lotId), { status: bid.status, escrowRecipient });
    if (refused) throw refused;
    if (decryptingNow.has(bid.id)) throw new AppError("DECRYPTION_IN_PROGRESS", "This bid is being decrypted right now; wait for the answer");
    const { count } = await tx.bid.updateMany({
      where: { id: bid.id, status: "sealed" },
      data: {
        status: "failed-platform",
        lastError: `platform fault: ${reason}`,
        platformFaultReason: reason,
        platformFaultAt: at,
        platformFaultBy: principal.kind === "user" ? principal.userId : null,
        escrowRecipient,
      },
    });
    if (count !== 1) throw new AppError("CONFLICT", "This bid changed meanwhile");
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.platformFault", target: `lot:${bid.lotId}`, payload: { bidId, reason } });
  });
  app.events.emit("opening.changed", { lotId: lot.id, roomId: lot.roomId, companyIds: [first.companyId] });
  return { bidId, status: "failed-platform" as const };
}

/** A supervisor hands back its escrow share for one failed-platform bid; the second share opens it. */
export async function submitEscrowShare(app: AppContext, principal: Principal, bidId: string, shareText: string) {
  if (principal.kind !== "user" || principal.role !== "supervisor") throw new AppError("FORBIDDEN", "Only supervisors hold escrow shares");
  const first = await loadBid(app.db, bidId);
  const lot = await loadLot(app.db, first.lotId);
  const escrowRecipient = await sealedToEscrow(first, lot.escrowCertPem);
  // Said at once, before any share is taken: what was recorded at submission, the stage, the bid's outcome.
  const early = escrowRefusal(await stageOf(app.db, first.lotId), { status: first.status, escrowRecipient });
  if (early) throw early;
  const share = decodeShare(shareText);
  if (share.lotId !== first.lotId) throw new AppError("ESCROW_SHARE_INVALID", "This share belongs to another lot");
  const holder = await app.db.escrowShare.findUnique({ where: { lotId_index: { lotId: first.lotId, index: share.index } } });
  if (!holder || holder.supervisorId !== principal.userId) throw new AppError("FORBIDDEN", "This share was issued to another supervisor");
  app.escrow.check(bidId, principal.userId);
  await app.db.$transaction(async (tx) => {
    const bid = await loadBid(tx, bidId);
    const refused = escrowRefusal(await stageOf(tx, bid.lotId), { status: bid.status, escrowRecipient });
    if (refused) throw refused;
    await appendAudit(tx, { actor: actorOf(principal), action: "escrow.submitShare", target: `lot:${bid.lotId}`, payload: { bidId, index: share.index } });
  });
  const have = app.escrow.add(bidId, principal.userId, share.index, share.bytes);
  if (have < 2) return { bidId, sharesHeld: have, opened: false as const };
  const held = app.escrow.take(bidId);
  const keyPem = await rebuildEscrowKey(
    held.map((h) => h.bytes),
    lot.escrowCertPem,
  );
  const s = await loadSession(app, first.lotId);
  const bid = await loadBid(app.db, bidId);
  let contentKey: Buffer;
  try {
    contentKey = unwrapKey(findRecipient(await inspectEnvelope(bid.filePath), lot.escrowCertPem), keyPem);
  } catch (err) {
    if (isSealingError(err, "ENVELOPE_NOT_FOR_RECIPIENT")) throw new AppError("ESCROW_NOT_A_RECIPIENT", "This bid was not sealed to the escrow certificate");
    throw isSealingError(err) ? new AppError(err.code, err.message) : err;
  }
  const summary = await openBid(app, s, bid, contentKey, { how: "escrow", supervisors: held.map((h) => h.supervisorId) });
  return { bidId, sharesHeld: have, opened: true as const, summary };
}
