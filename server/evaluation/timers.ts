// The evaluation's timers: a site's fault clock running out, a closed session leaving its rooms' screens, a
// clarification's answer deadline. Armed by the commands and links.ts, and armed again from the database at
// start-up (armEvaluationTimers).
import { appendAudit } from "../audit/chain";
import type { AppContext } from "../context";
import { changed } from "./model";
import { CLOSED_SHOWN_MS } from "./rules";

const faultTimer = (sessionId: string, roomId: string) => `eval-fault:${sessionId}:${roomId}`;

/** A site's fault clock (links.ts): at its end the streams refresh (the wall shows it expired, a supervisor may seal). */
export function armFault(app: AppContext, sessionId: string, roomId: string, endsAt: Date) {
  app.timers.at(faultTimer(sessionId, roomId), endsAt, () => changed(app, sessionId));
}

/** The site's link came back: its fault clock stops. */
export function cancelFault(app: AppContext, sessionId: string, roomId: string) {
  app.timers.cancel(faultTimer(sessionId, roomId));
}

/** Arms the refresh of the rooms when the closed session leaves their screens. */
export function armClosedShown(app: AppContext, sessionId: string, closedAt: Date) {
  app.timers.at(`eval-closed:${sessionId}`, new Date(closedAt.getTime() + CLOSED_SHOWN_MS), () => changed(app, sessionId));
}

const clarificationTimer = (id: string) => `eval-clarification:${id}`;

/** The answer deadline of a clarification (armed when asked, re-armed at start-up: armEvaluationTimers). */
export function armClarification(app: AppContext, id: string, answerBy: Date): void {
  app.timers.at(clarificationTimer(id), answerBy, () => expireClarification(app, id));
}

/**
 * The deadline passed without an answer: the question is closed as unanswered (逾期未答复), audited, and every
 * screen of the evaluation (the committee's, the agent's, the bidder's page) shows it from the server's state.
 * Idempotent: a question answered in time, or already closed, is left alone.
 */
export async function expireClarification(app: AppContext, id: string, now = new Date()): Promise<boolean> {
  const c = await app.db.evalClarification.findUnique({ where: { id } });
  if (!c || c.answeredAt || c.expiredAt || c.answerBy > now) return false;
  const expired = await app.db.$transaction(async (tx) => {
    const { count } = await tx.evalClarification.updateMany({ where: { id, answeredAt: null, expiredAt: null }, data: { expiredAt: now } });
    if (count !== 1) return false;
    await appendAudit(tx, { actor: { kind: "system", id: "clarification-deadline", role: "system" }, action: "evaluation.clarificationExpired", target: `evaluation:${c.sessionId}`, payload: { id, companyId: c.companyId, answerBy: c.answerBy.toISOString() } });
    return true;
  });
  if (expired) await changed(app, c.sessionId, [c.companyId]);
  return expired;
}

/** At start-up: every timer is armed again from the database (fault clocks, closed screens, clarification deadlines). */
export async function armEvaluationTimers(app: AppContext): Promise<void> {
  const sites = await app.db.evalSite.findMany({ where: { link: "down", faultEndsAt: { not: null } } });
  for (const x of sites) {
    const s = await app.db.evalSession.findUnique({ where: { id: x.sessionId }, select: { status: true } });
    if (s && (s.status === "running" || s.status === "paused")) armFault(app, x.sessionId, x.roomId, x.faultEndsAt!);
  }
  // Sessions closed a moment ago still shown in their rooms: their screens go back to idle on time.
  const closed = await app.db.evalSession.findMany({ where: { status: "closed", closedAt: { gt: new Date(Date.now() - CLOSED_SHOWN_MS) } }, select: { id: true, closedAt: true } });
  for (const s of closed) armClosedShown(app, s.id, s.closedAt!);
  // Questions to bidders still open: their answer deadline (a deadline passed while the server was down fires at once).
  const open = await app.db.evalClarification.findMany({ where: { answeredAt: null, expiredAt: null }, select: { id: true, answerBy: true } });
  for (const c of open) armClarification(app, c.id, c.answerBy);
}
