// The experts domain's timers: an invitation's answer deadline (no answer →
// the seat is filled), re-armed from the database at start-up; and what follows
// a called seat (its invitation sent, its deadline armed).
import { appendAudit, type Actor } from "../audit/chain";
import type { AppContext } from "../context";
import { ensureBusy, ensureBusyPg } from "./busy";
import { sendInvitations } from "./invitations";
import { changed, onPg } from "./model";
import { openRaw } from "./raw";
import { fillSeat, type Called } from "./seats";

/** A seat was called (backup or replacement): its invitation goes out and its answer deadline is armed. */
export function afterCalled(app: AppContext, called: Called | null) {
  if (!called) return;
  app.experts.track(sendInvitations(app, called.drawId, [called]));
  armAnswerTimer(app, called.pickId, called.answerBy);
}

/** The answer deadline of one invitation passed: no answer → replacement. Idempotent. */
export async function expireAnswer(app: AppContext, pickId: string): Promise<void> {
  const pick = await app.db.expertPick.findUnique({ where: { id: pickId } });
  if (!pick || pick.state !== "notified" || !pick.answerBy) return;
  const now = new Date();
  if (now < pick.answerBy) return armAnswerTimer(app, pickId, pick.answerBy);
  const actor: Actor = { kind: "system", id: "timer", role: "system" };
  let called: Called | null = null;
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.expertPick.updateMany({ where: { id: pickId, state: "notified" }, data: { state: "no-answer", answeredAt: now, answerVia: "timer" } });
    if (count !== 1) return;
    await appendAudit(tx, { actor, action: "experts.noAnswer", target: `expert-draw:${pick.drawId}`, payload: { seq: pick.seq, answerBy: pick.answerBy!.toISOString() } });
    called = await fillSeat(app, tx, pick.drawId, pick, now, actor);
  });
  changed(app, pick.drawId);
  afterCalled(app, called);
}

export function armAnswerTimer(app: AppContext, pickId: string, answerBy: Date): void {
  app.timers.at(`expert-answer:${pickId}`, answerBy, () => expireAnswer(app, pickId));
}

/**
 * At start-up: every invitation still waiting for an answer gets its deadline
 * armed again; ExpertBusy is recomputed if K or D changed since it was made.
 */
export async function armExpertTimers(app: AppContext): Promise<void> {
  if (onPg(app)) {
    if (await ensureBusyPg(app.db, app.config.experts.maxDraws, app.config.experts.drawWindowDays)) app.log.info("experts: recomputed who was drawn too often (K or D changed)");
  }
  const raw = onPg(app) ? null : openRaw(app.config.databaseUrl);
  try {
    if (raw && ensureBusy(raw, app.config.experts.maxDraws, app.config.experts.drawWindowDays)) app.log.info("experts: recomputed who was drawn too often (K or D changed)");
  } finally {
    raw?.close();
  }
  const waiting = await app.db.expertPick.findMany({ where: { state: "notified", answerBy: { not: null } }, select: { id: true, answerBy: true } });
  for (const p of waiting) armAnswerTimer(app, p.id, p.answerBy!);
}

