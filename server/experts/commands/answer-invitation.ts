// answerInvitation (by link): accept, or decline → the bucket's next backup is
// called, else a replacement (补抽) continues the same seeded walk over the same
// frozen list. The link is proven by the last 4 characters of the ID number.
import { timingSafeEqual } from "node:crypto";
import { appendAudit } from "../../audit/chain";
import type { AppContext } from "../../context";
import type { Db, Tx } from "../../db";
import { AppError } from "../../errors";
import { changed, linkActor, pickByToken } from "../model";
import { ANSWER_MAX_TRIES } from "../rules";
import { fillSeat, type Called } from "../seats";
import { afterCalled } from "../timers";

/**
 * The proof that the one answering the link is the invited expert: the last 4
 * characters of their ID number. Each try is taken from the seat's allowance
 * first (one conditional increment, shared by every process), then compared, so
 * even parallel requests get ANSWER_MAX_TRIES comparisons in all; then the link
 * is locked (the expert can still answer at the terminal or by the center).
 */
async function checkAnswerProof(app: AppContext, pick: { id: string; expertId: number }, idLast4: string): Promise<void> {
  const { count } = await app.db.expertPick.updateMany({ where: { id: pick.id, state: "notified", answerTries: { lt: ANSWER_MAX_TRIES } }, data: { answerTries: { increment: 1 } } });
  if (count !== 1) throw new AppError("INVITE_LOCKED", `${ANSWER_MAX_TRIES} wrong answers: this link can no longer answer; sign in at the expert terminal or call the center`);
  const expert = await app.db.expert.findUniqueOrThrow({ where: { id: pick.expertId }, select: { idCipher: true } });
  const expected = Buffer.from(app.box.open(expert.idCipher).trim().toUpperCase().slice(-4));
  const given = Buffer.from(idLast4.toUpperCase());
  if (given.length === expected.length && timingSafeEqual(given, expected)) return;
  const used = (await app.db.expertPick.findUniqueOrThrow({ where: { id: pick.id }, select: { answerTries: true } })).answerTries;
  throw new AppError("INVITE_PROOF_WRONG", `The last 4 characters of the ID number do not match (${Math.max(0, ANSWER_MAX_TRIES - used)} tries left)`, [
    { path: "idLast4", message: `does not match; ${Math.max(0, ANSWER_MAX_TRIES - used)} tries left` },
  ]);
}

export async function answerInvitation(app: AppContext, token: string, decision: "accept" | "decline", idLast4: string, reason?: string) {
  const { pick, draw } = await pickByToken(app, token);
  if (draw.status !== "drawn") throw new AppError("INVITATION_CLOSED", "This draw was cancelled");
  if (pick.state !== "notified") throw new AppError("ALREADY_ANSWERED", `This invitation is already ${pick.state}`);
  const now = new Date();
  if (pick.answerBy && now >= pick.answerBy) throw new AppError("ANSWER_CLOSED", "The time to answer is over; a replacement has been or is being drawn");
  const started = (db: Db | Tx) => db.evalSession.findFirst({ where: { drawId: draw.id, status: { in: ["running", "paused", "closed"] } }, select: { id: true } });
  const startedError = () => new AppError("EVALUATION_STARTED", "The evaluation has started: the invitation can no longer be answered by link");
  // Before the proof takes one of the link's tries; again inside the transaction below.
  if (await started(app.db)) throw startedError();
  await checkAnswerProof(app, pick, idLast4);
  const actor = linkActor(pick.id);
  let called: Called | null = null;
  await app.db.$transaction(async (tx) => {
    const state = decision === "accept" ? "accepted" : "declined";
    const { count } = await tx.expertPick.updateMany({
      where: { id: pick.id, state: "notified" },
      data: { state, answeredAt: now, answerVia: "link", declineReason: decision === "decline" ? (reason ?? "") : null },
    });
    if (count !== 1) throw new AppError("ALREADY_ANSWERED", "This invitation was already answered");
    // Once the committee's evaluation has started the link is closed: the expert is at a terminal or not (a decline
    // here would draw a replacement beside a committee already seated).
    if (await started(tx)) throw startedError();
    await appendAudit(tx, { actor, action: `experts.${decision}`, target: `expert-draw:${draw.id}`, payload: { seq: pick.seq, via: "link", reason: reason ?? null } });
    if (decision === "decline") called = await fillSeat(app, tx, draw.id, pick, now, actor);
  });
  app.timers.cancel(`expert-answer:${pick.id}`);
  changed(app, draw.id);
  afterCalled(app, called);
  return { state: decision === "accept" ? ("accepted" as const) : ("declined" as const) };
}

