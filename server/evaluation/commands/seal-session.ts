// A supervisor seals the session once a site's fault clock has run out.
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { loadSession, changed } from "../model";
import { assertRunning } from "../rules";

export async function sealSession(app: AppContext, principal: Principal, input: { sessionId: string; reason: string }) {
  if (principal.kind !== "user" || principal.role !== "supervisor") throw new AppError("FORBIDDEN", "Only a supervisor seals");
  const { s } = await loadSession(app.db, input.sessionId);
  if (s.status === "sealed" || s.status === "closed") assertRunning(s);
  const now = new Date();
  const expired = await app.db.evalSite.findFirst({ where: { sessionId: s.id, link: "down", faultEndsAt: { lte: now } } });
  if (!expired) throw new AppError("FAULT_CLOCK_RUNNING", "No site's fault clock has run out: the session may only be sealed after it");
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.evalSession.updateMany({ where: { id: s.id, status: { in: ["running", "paused"] } }, data: { status: "sealed", sealedAt: now, sealReason: input.reason } });
    if (count !== 1) throw new AppError("SESSION_SEALED", "Already sealed or closed");
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.seal", target: `evaluation:${s.id}`, payload: { reason: input.reason, site: expired.roomId, faultSince: expired.faultSince?.toISOString() ?? null } });
  });
  await changed(app, s.id);
  return { sessionId: s.id, status: "sealed" as const };
}

