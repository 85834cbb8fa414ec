// signInStart: at an expert terminal in the site's room, the ID number; a
// one-time code goes to the expert's mobile (rate-limited per seat).
import { randomInt } from "node:crypto";
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { maskMobile } from "../identity";
import { sha256 } from "../model";
import { checkCodeRate, OTP_TTL_MS } from "../rules";
import { seatAtTerminal } from "../terminal";

export async function signInStart(app: AppContext, principal: Principal, residentId: string) {
  const { expert, pick, draw } = await seatAtTerminal(app, principal, residentId);
  if (pick.state === "signed-in") throw new AppError("ALREADY_SIGNED_IN", "This expert has already signed in");
  let expiresAt!: Date;
  // Rate limit per seat, kept in the pick row (every process sees it, a restart keeps it) and checked inside the
  // transaction that issues the code: one a minute (the last code's time is its expiry − TTL), and at most
  // OTP_MAX_PER_HOUR in the hour that opened with the first code of the window.
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  await app.db.$transaction(async (tx) => {
    const p = await tx.expertPick.findUniqueOrThrow({ where: { id: pick.id } });
    const now = new Date();
    const { windowOpen } = checkCodeRate(p, now);
    expiresAt = new Date(now.getTime() + OTP_TTL_MS);
    await tx.expertPick.update({
      where: { id: pick.id },
      data: { otpHash: sha256(`${pick.id}:${code}`), otpExpiresAt: expiresAt, otpTries: 0, otpSends: windowOpen ? p.otpSends + 1 : 1, otpWindowAt: windowOpen ? p.otpWindowAt : now },
    });
    await appendAudit(tx, { actor: actorOf(principal), action: "experts.signInCode", target: `expert-draw:${draw.id}`, payload: { seq: pick.seq, expiresAt: expiresAt.toISOString() } });
  });
  const project = await app.db.project.findUniqueOrThrow({ where: { id: draw.projectId } });
  const mobile = app.box.open(expert.mobileCipher);
  try {
    await app.experts.notifier.send({
      kind: "sign-in-code",
      to: mobile,
      recipient: { name: expert.name, expertId: expert.id },
      text: `【评标专家签到】项目 ${project.code} 签到验证码 ${code}，5 分钟内有效。请勿告诉他人。`,
      drawId: draw.id,
      pickId: pick.id,
      projectCode: project.code,
      code,
    });
  } catch (err) {
    app.log.warn({ err, pickId: pick.id }, "sign-in code not delivered");
    throw new AppError("NOTIFY_FAILED", "The code could not be sent; try again");
  }
  return { sent: true as const, mobileMasked: maskMobile(mobile), expiresAt: expiresAt.toISOString() };
}

