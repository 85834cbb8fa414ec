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
// nobody else can be sending: everything unsent goes at once. In a cluster,
// every process also sweeps once a minute (startInvitationSweep) for invitations
// whose process died while the others kept running; a re-key is conditional on
// the link it replaces, so of processes racing for one invitation one sends it.
import { createHash, randomBytes } from "node:crypto";
import type { AppContext } from "../context";
import { sendInvitations } from "./invitations";

/** Issued, not yet handed to the gateway, not failed, still answerable, and not just re-sent by some process. */
const unsentWhere = (now: Date) => ({
  state: "notified",
  notifiedAt: null,
  notifyError: null,
  answerBy: { gt: now },
  OR: [{ handoverUntil: null }, { handoverUntil: { lte: now } }],
});

/** How long an invitation being handed over is left to the process doing it (0 when this process is alone). */
const handoverMs = (app: AppContext) => (app.redis ? app.config.experts.inviteHandoverMs : 0);

export async function resendUnsentInvitations(app: AppContext, now = new Date(), opts: { armLater?: boolean } = {}): Promise<number> {
  const unsent = await app.db.expertPick.findMany({ where: unsentWhere(now), select: { id: true, drawId: true, answerBy: true } });
  if (unsent.length === 0) return 0;
  const answerMinutes = new Map(
    (await app.db.expertDraw.findMany({ where: { id: { in: [...new Set(unsent.map((p) => p.drawId))] } }, select: { id: true, answerMinutes: true } })).map((d) => [d.id, d.answerMinutes]),
  );
  const handover = handoverMs(app);
  const due: string[] = [];
  for (const p of unsent) {
    const issuedAt = p.answerBy!.getTime() - (answerMinutes.get(p.drawId) ?? 0) * 60_000;
    const at = issuedAt + handover;
    if (at <= now.getTime()) due.push(p.id);
    else if (opts.armLater ?? true) app.timers.at(`invite-handover:${p.id}`, new Date(at), () => resendPicks(app, [p.id]));
  }
  const sent = await resendPicks(app, due);
  if (sent > 0 || (opts.armLater ?? true)) app.log.info({ picks: unsent.length, now: sent, later: unsent.length - due.length }, "experts: invitations never handed to the gateway sent again");
  return unsent.length;
}

/**
 * Clusters only (REDIS_URL): every `everyMs` this process looks for invitations issued more than the handover
 * time ago and still unsent (their process died while the others kept running) and sends them. Returns the stop
 * (it waits for a sweep under way).
 */
export function startInvitationSweep(app: AppContext, everyMs = 60_000): () => Promise<void> {
  if (!app.redis) return async () => undefined; // alone: the start-up resend covers it
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    running ??= resendUnsentInvitations(app, new Date(), { armLater: false })
      .catch((err: unknown) => app.log.warn({ err }, "experts: invitation sweep failed"))
      .finally(() => (running = null));
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running; // a sweep under way finishes its reads and hand-overs (their sends are tracked by the runtime)
  };
}

/**
 * Sends again, with a fresh link each, those of `pickIds` that are still unsent; the number sent. The re-key is
 * conditional on the link read: of several processes doing this at once for one invitation, one wins and sends.
 */
async function resendPicks(app: AppContext, pickIds: string[]): Promise<number> {
  if (pickIds.length === 0) return 0;
  const now = new Date();
  const still = await app.db.expertPick.findMany({ where: { id: { in: pickIds }, ...unsentWhere(now) }, select: { id: true, drawId: true, tokenHash: true } });
  const byDraw = new Map<string, { pickId: string; token: string }[]>();
  let n = 0;
  for (const p of still) {
    const token = randomBytes(24).toString("base64url");
    // The re-sending process holds the invitation for the handover time, as its first process did.
    const { count } = await app.db.expertPick.updateMany({
      where: { id: p.id, state: "notified", notifiedAt: null, tokenHash: p.tokenHash },
      data: { tokenHash: createHash("sha256").update(token).digest("hex"), handoverUntil: new Date(now.getTime() + handoverMs(app)) },
    });
    if (count === 1) {
      byDraw.set(p.drawId, [...(byDraw.get(p.drawId) ?? []), { pickId: p.id, token }]);
      n++;
    }
  }
  for (const [drawId, invites] of byDraw) app.experts.track(sendInvitations(app, drawId, invites));
  return n;
}
