// A member refuses to sign (with reasons) or, without reasons, is recorded as agreeing; the last one closes the session.
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { changed, memberAt } from "../model";
import { assertRunning, assertStep } from "../rules";
import { finishIfAllSigned } from "../closing";

export async function refuseSign(app: AppContext, principal: Principal, input: { sessionId: string; reason: string }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  assertStep(s, "report");
  if (member.signature !== "pending") throw new AppError("ALREADY_DONE", `Already ${member.signature}`);
  const recordedAs = input.reason.trim().length >= 2 ? ("refused-with-reasons" as const) : ("agreeing" as const);
  await app.db.$transaction(async (tx) => {
    await tx.evalMember.update({ where: { id: member.id }, data: { signature: recordedAs === "agreeing" ? "agreeing" : "refused", refuseReason: input.reason || null, signedAt: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.refuseSign", target: `evaluation:${s.id}`, payload: { seat: member.seat, reason: input.reason, recordedAs } });
  });
  await finishIfAllSigned(app, s.id);
  await changed(app, s.id);
  return { recordedAs };
}
