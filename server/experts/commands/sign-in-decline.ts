import type { SignInDeclineInput } from "@contracts/experts";
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { changed } from "../model";
import { fillSeat, type Called } from "../seats";
import { checkCode, seatAtTerminal } from "../terminal";
import { afterCalled } from "../timers";

/**
 * At the terminal, instead of signing in: the expert declines the seat or
 * declares a conflict (回避), proven by the one-time code; a signed-in expert
 * may still declare 回避 at the terminal where they signed in (e.g. on seeing
 * the bidders). The seat is filled from the same frozen list — the next
 * backup, else a replacement (补抽) continuing the seeded walk — and recorded.
 */
export async function signInDecline(app: AppContext, principal: Principal, input: SignInDeclineInput) {
  const { pick, draw } = await seatAtTerminal(app, principal, input.residentId);
  const device = principal as Extract<Principal, { kind: "device" }>;
  if (pick.state === "signed-in") {
    if (input.decision !== "recuse") throw new AppError("ALREADY_SIGNED_IN", "This expert has signed in: only a conflict of interest (回避) can still be declared");
    if (pick.signedInDevice !== device.deviceId) throw new AppError("FORBIDDEN", "回避 after sign-in is declared at the terminal where the expert signed in");
  } else {
    if (!input.code) throw new AppError("VALIDATION_FAILED", "The one-time code is needed to decline before signing in", [{ path: "code", message: "required" }]);
    await checkCode(app, pick, input.code);
  }
  const now = new Date();
  const actor = actorOf(principal);
  const reason = input.decision === "recuse" ? `回避：${input.reason}${input.creditCode ? `（${input.creditCode}）` : ""}` : input.reason;
  let called: Called | null = null;
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.expertPick.updateMany({
      where: { id: pick.id, state: pick.state },
      data: { state: "declined", answeredAt: pick.answeredAt ?? now, answerVia: pick.answerVia ?? "terminal", declineReason: reason, otpHash: null, otpExpiresAt: null },
    });
    if (count !== 1) throw new AppError("ALREADY_ANSWERED", "This seat changed meanwhile; try again");
    await appendAudit(tx, {
      actor,
      action: input.decision === "recuse" ? "experts.recuse" : "experts.declineAtTerminal",
      target: `expert-draw:${draw.id}`,
      payload: { seq: pick.seq, via: "terminal", device: device.code, reason: input.reason, creditCode: input.creditCode ?? null, wasSignedIn: pick.state === "signed-in" },
    });
    called = await fillSeat(app, tx, draw.id, pick, now, actor);
  });
  app.timers.cancel(`expert-answer:${pick.id}`);
  changed(app, draw.id);
  const filled = called as Called | null;
  afterCalled(app, filled);
  return { state: "declined" as const, filledBy: filled ? filled.kind : ("none" as const) };
}

