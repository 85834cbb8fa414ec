// Invitations that a previous process committed but never handed to the
// gateway (it died between the draw's commit and the send): at start-up each
// gets a fresh link token and is sent again. Only the token's hash is stored,
// so the first link, had it arrived after all, stops working; the new one
// counts (at least once, never silently dropped). Picks whose send failed are
// left alone (their notifyError says so); the answer deadline is unchanged.
//
// With several processes (REDIS_URL) an unsent invitation may be one that
// another, living process is handing over right now. It is left to that process
// for `inviteHandoverMs` after it was issued (answerBy − the draw's answer time):
// the process starting up looks again then (a cluster timer, fired once) and
// sends only what is still unsent. So a handover in progress is not sent twice,
// and one whose process died is sent once that time is over. Alone (no Redis),
// nobody else can be sending: everything unsent goes at once.
import { createHash, randomBytes } from "node:crypto";
import type { AppContext } from "../context";
import { sendInvitations } from "./draws";

const unsentWhere = (now: Date) => ({ state: "notified", notifiedAt: null, notifyError: null, answerBy: { gt: now } });

export async function resendUnsentInvitations(app: AppContext, now = new Date()): Promise<number> {
  const unsent = await app.db.expertPick.findMany({ where: unsentWhere(now), select: { id: true, drawId: true, answerBy: true } });
  if (unsent.length === 0) return 0;
  const answerMinutes = new Map(
    (await app.db.expertDraw.findMany({ where: { id: { in: [...new Set(unsent.map((p) => p.drawId))] } }, select: { id: true, answerMinutes: true } })).map((d) => [d.id, d.answerMinutes]),
  );
  const handover = app.redis ? app.config.experts.inviteHandoverMs : 0;
  const due: string[] = [];
  for (const p of unsent) {
    const issuedAt = p.answerBy!.getTime() - (answerMinutes.get(p.drawId) ?? 0) * 60_000;
    const at = issuedAt + handover;
    if (at <= now.getTime()) due.push(p.id);
    else app.timers.at(`invite-handover:${p.id}`, new Date(at), () => resendPicks(app, [p.id]));
  }
  await resendPicks(app, due);
  app.log.info({ picks: unsent.length, now: due.length, later: unsent.length - due.length }, "experts: invitations never handed to the gateway sent again");
  return unsent.length;
}

/** Sends again, with a fresh link each, those of `pickIds` that are still unsent. */
async function resendPicks(app: AppContext, pickIds: string[]): Promise<void> {
  if (pickIds.length === 0) return;
  const now = new Date();
  const still = await app.db.expertPick.findMany({ where: { id: { in: pickIds }, ...unsentWhere(now) }, select: { id: true, drawId: true } });
  const byDraw = new Map<string, { pickId: string; token: string }[]>();
  for (const p of still) {
    const token = randomBytes(24).toString("base64url");
    const { count } = await app.db.expertPick.updateMany({
      where: { id: p.id, state: "notified", notifiedAt: null },
      data: { tokenHash: createHash("sha256").update(token).digest("hex") },
    });
    if (count === 1) byDraw.set(p.drawId, [...(byDraw.get(p.drawId) ?? []), { pickId: p.id, token }]);
  }
  for (const [drawId, invites] of byDraw) app.experts.track(sendInvitations(app, drawId, invites));
}
