// Invitations that a previous process committed but never handed to the
// gateway (it died between the draw's commit and the send): at start-up each
// gets a fresh link token and is sent again. Only the token's hash is stored,
// so the first link, had it arrived after all, stops working; the new one
// counts (at least once, never silently dropped). Picks whose send failed are
// left alone (their notifyError says so); the answer deadline is unchanged.
import { createHash, randomBytes } from "node:crypto";
import type { AppContext } from "../context";
import { sendInvitations } from "./draws";

export async function resendUnsentInvitations(app: AppContext): Promise<number> {
  const now = new Date();
  const unsent = await app.db.expertPick.findMany({
    where: { state: "notified", notifiedAt: null, notifyError: null, answerBy: { gt: now } },
    select: { id: true, drawId: true },
  });
  const byDraw = new Map<string, { pickId: string; token: string }[]>();
  for (const p of unsent) {
    const token = randomBytes(24).toString("base64url");
    const { count } = await app.db.expertPick.updateMany({
      where: { id: p.id, state: "notified", notifiedAt: null },
      data: { tokenHash: createHash("sha256").update(token).digest("hex") },
    });
    if (count === 1) byDraw.set(p.drawId, [...(byDraw.get(p.drawId) ?? []), { pickId: p.id, token }]);
  }
  for (const [drawId, invites] of byDraw) app.experts.track(sendInvitations(app, drawId, invites));
  if (unsent.length) app.log.info({ picks: unsent.length }, "experts: invitations never handed to the gateway sent again");
  return unsent.length;
}
