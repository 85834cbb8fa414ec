import { z } from "zod";
import { DrawConfig, DrawResult, type EscrowOpened } from "@contracts/opening";
import type { Principal } from "../auth/principal";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { DrawRecord } from "./draws";

/** Bidders see a lot's documents only when their company bid on it. */
export async function assertMayReadLot(db: Db, p: Principal, lotId: string) {
  if ((await db.lot.count({ where: { id: lotId } })) === 0) throw new AppError("NOT_FOUND", `No lot ${lotId}`);
  if (p.kind === "user" && p.role === "bidder") {
    if (!p.companyId || (await db.bid.count({ where: { lotId, companyId: p.companyId } })) === 0) {
      throw new AppError("FORBIDDEN", "Your company did not bid on this lot");
    }
  }
}

export async function drawRecord(db: Db, lotId: string): Promise<Omit<DrawRecord, "seed"> & { seed: string | null }> {
  const lot = await db.lot.findUnique({ where: { id: lotId }, include: { session: true } });
  if (!lot) throw new AppError("NOT_FOUND", `No lot ${lotId}`);
  const s = lot.session;
  if (!s?.drawSeedHash) throw new AppError("NOT_FOUND", "This lot has no draw (yet)");
  const picks = (await db.drawPick.findMany({ where: { sessionId: s.id }, orderBy: { companyId: "asc" } })).map((p) => JSON.parse(p.picks) as number[]);
  return {
    lotCode: lot.code,
    config: DrawConfig.parse(JSON.parse(lot.drawParams)),
    seedHash: s.drawSeedHash,
    seed: s.drawSeed,
    picks,
    result: s.drawResult ? DrawResult.parse(JSON.parse(s.drawResult)) : null,
  };
}

const SupervisorIds = z.array(z.string());

/**
 * How each bid was opened from escrow, if it was: when, and the supervisors (display names, in hand-in order) whose shares
 * rebuilt the key. One read of the names for all the bids; the public view and the opening record both use it.
 */
export async function escrowOpenings(
  db: Db,
  bids: { escrowOpenedAt: Date | null; escrowSupervisors: string | null }[],
): Promise<(bid: { escrowOpenedAt: Date | null; escrowSupervisors: string | null }) => EscrowOpened | null> {
  const idsOf = (b: { escrowSupervisors: string | null }) => (b.escrowSupervisors ? SupervisorIds.parse(JSON.parse(b.escrowSupervisors)) : []);
  const ids = [...new Set(bids.flatMap(idsOf))];
  const names = new Map(
    (ids.length ? await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } }) : []).map((u) => [u.id, u.displayName]),
  );
  return (b) => (b.escrowOpenedAt ? { at: b.escrowOpenedAt.toISOString(), supervisors: idsOf(b).map((id) => names.get(id) ?? id) } : null);
}
