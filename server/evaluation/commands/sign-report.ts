// A member's signature embedded in the report; the last one closes the session (closing.ts).
import { randomUUID } from "node:crypto";
import { rename, writeFile, unlink } from "node:fs/promises";
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { embedExternalSignature, signatureMatches } from "../signing";
import { changed, memberAt, reportPath, sha256 } from "../model";
import { assertRunning, assertStep } from "../rules";
import { finishIfAllSigned } from "../closing";

export async function signReport(app: AppContext, principal: Principal, input: { sessionId: string; prepId: string; signatureB64: string }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  assertStep(s, "report");
  const prep = await app.db.evalSignPrep.findUnique({ where: { id: input.prepId } });
  if (!prep || prep.sessionId !== s.id || prep.memberId !== member.id) throw new AppError("NOT_FOUND", "No prepared signature of this member");
  if (member.signature !== "pending") throw new AppError("ALREADY_DONE", `Already ${member.signature}`);
  if (prep.baseSha256 !== s.reportSha256) throw new AppError("SIGNATURE_STALE", "Another signature landed meanwhile: prepare again");
  const signature = Buffer.from(input.signatureB64, "base64");
  if (!signatureMatches(member.certPem!, Buffer.from(prep.signedAttrs), signature)) {
    throw new AppError("SIGNATURE_KEY_MISMATCH", "The signature was not made with this expert's registered key");
  }
  const signed = embedExternalSignature(Buffer.from(prep.prepared), Buffer.from(prep.signedAttrs), signature, [member.certPem!, app.pki.ca.certPem]);
  const newSha = sha256(signed);
  const tmp = `${reportPath(app, s.id)}.${randomUUID()}.tmp`;
  await writeFile(tmp, signed);
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.evalSession.updateMany({ where: { id: s.id, reportSha256: prep.baseSha256 }, data: { reportSha256: newSha } });
    if (count !== 1) await unlink(tmp).catch(() => undefined);
    if (count !== 1) throw new AppError("SIGNATURE_STALE", "Another signature landed meanwhile: prepare again");
    // The time drawn in the appearance and put in the signed attributes (prepareSignature), so the record says the same.
    await tx.evalMember.update({ where: { id: member.id }, data: { signature: "signed", signedAt: prep.createdAt } });
    await tx.evalSignPrep.deleteMany({ where: { sessionId: s.id, memberId: member.id } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.sign", target: `evaluation:${s.id}`, payload: { seat: member.seat, field: prep.fieldName, certSha256: member.certSha256, reportSha256: newSha } });
  });
  await rename(tmp, reportPath(app, s.id));
  await finishIfAllSigned(app, s.id);
  await changed(app, s.id);
  const after = await app.db.evalSession.findUniqueOrThrow({ where: { id: s.id } });
  const signatures = await app.db.evalMember.count({ where: { sessionId: s.id, signature: "signed" } });
  return { signatures: signatures + (after.platformSignedAt ? 1 : 0), reportSha256: after.reportSha256!, closed: after.status === "closed" };
}
