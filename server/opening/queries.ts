import { DrawConfig, DrawResult } from "@contracts/opening";
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
