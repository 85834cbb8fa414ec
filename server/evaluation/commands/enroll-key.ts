// Registers a member's signing key: the platform CA certifies it (replaceable until the member signs).
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { issueExpertCertificate } from "../signing";
import { memberAt } from "../model";
import { assertRunning } from "../rules";

export async function enrollKey(app: AppContext, principal: Principal, input: { sessionId: string; publicKeyPem: string }) {
  const { s, member, person } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  // A terminal that lost its key (cleared storage) may register a new one until the member has signed.
  if (member.certPem && member.signature !== "pending") throw new AppError("ALREADY_DONE", `Already ${member.signature}`);
  const center = await app.db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  const cert = issueExpertCertificate(input.publicKeyPem, { name: person.name, org: center.name }, app.pki.ca);
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.evalMember.updateMany({ where: { id: member.id, certPem: member.certPem, signature: "pending" }, data: { certPem: cert.certPem, certSha256: cert.sha256 } });
    if (count !== 1) throw new AppError("ALREADY_DONE", "The member's key changed or the member signed meanwhile");
    await tx.evalSignPrep.deleteMany({ where: { sessionId: s.id, memberId: member.id } });
    await appendAudit(tx, { actor: actorOf(principal), action: member.certPem ? "evaluation.replaceKey" : "evaluation.enrollKey", target: `evaluation:${s.id}`, payload: { seat: member.seat, certSha256: cert.sha256, replaces: member.certSha256 } });
  });
  app.events.emit("evaluation.memberChanged", { sessionId: s.id, memberId: member.id });
  return { certificatePem: cert.certPem, sha256: cert.sha256 };
}
