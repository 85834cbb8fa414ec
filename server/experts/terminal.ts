// An expert at an expert terminal: the seat their ID number holds in the
// terminal's room near the evaluation time, and the one-time code of a seat.
import { timingSafeEqual } from "node:crypto";
import type { Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { sha256 } from "./model";
import { OTP_MAX_TRIES, SIGN_IN_WINDOW_MS } from "./rules";

export async function seatAtTerminal(app: AppContext, principal: Principal, residentId: string) {
  if (principal.kind !== "device" || principal.deviceKind !== "expert-terminal") throw new AppError("FORBIDDEN", "Experts sign in at an expert terminal");
  const expert = await app.db.expert.findUnique({ where: { idHash: app.experts.ids.hash(residentId) } });
  const now = Date.now();
  const none = new AppError("NOT_ON_COMMITTEE", "No committee seat for this ID number in this room at this time");
  if (!expert) throw none;
  const picks = await app.db.expertPick.findMany({ where: { expertId: expert.id, state: { in: ["notified", "accepted", "signed-in"] } }, orderBy: { pickedAt: "desc" } });
  for (const pick of picks) {
    const draw = await app.db.expertDraw.findUnique({ where: { id: pick.drawId } });
    if (!draw || draw.status !== "drawn" || Math.abs(draw.evaluationAt.getTime() - now) > SIGN_IN_WINDOW_MS) continue;
    const bucket = await app.db.expertDrawBucket.findUniqueOrThrow({ where: { drawId_index: { drawId: draw.id, index: pick.bucketIndex } }, omit: { list: true } });
    if (bucket.roomId !== principal.roomId) continue;
    return { expert, pick, draw, bucket, device: principal };
  }
  throw none;
}

export /** The one-time code of a seat: expired, locked after 5 wrong tries, wrong (counted), or right. */
async function checkCode(app: AppContext, pick: { id: string; otpHash: string | null; otpExpiresAt: Date | null; otpTries: number }, code: string): Promise<void> {
  if (!pick.otpHash || !pick.otpExpiresAt || pick.otpExpiresAt.getTime() <= Date.now()) throw new AppError("CODE_EXPIRED", "No valid code: ask for a new one");
  if (pick.otpTries >= OTP_MAX_TRIES) throw new AppError("CODE_LOCKED", "Too many wrong codes: ask for a new one");
  const given = Buffer.from(sha256(`${pick.id}:${code}`));
  if (!timingSafeEqual(given, Buffer.from(pick.otpHash))) {
    await app.db.expertPick.update({ where: { id: pick.id }, data: { otpTries: { increment: 1 } } });
    throw new AppError("CODE_WRONG", `Wrong code (${OTP_MAX_TRIES - pick.otpTries - 1} tries left)`);
  }
}

