// Prepares a member's incremental signature of the report: the signed attributes the terminal signs with its own key.
import { readFile } from "node:fs/promises";
import type { Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { formatShanghai } from "../../documents";
import { prepareExternalSignature } from "../signing";
import { memberAt, reportPath, sha256 } from "../model";
import { assertRunning, assertStep } from "../rules";

export async function prepareSignature(app: AppContext, principal: Principal, sessionId: string) {
  const { s, member, person } = await memberAt(app, principal, sessionId);
  assertRunning(s);
  assertStep(s, "report");
  if (member.signature !== "pending") throw new AppError("ALREADY_DONE", `Already ${member.signature}`);
  if (!member.certPem) throw new AppError("KEY_NOT_ENROLLED", "Register the signing key first (evaluation:enrollKey)");
  const current = await readFile(reportPath(app, s.id));
  const baseSha256 = sha256(current);
  if (baseSha256 !== s.reportSha256) throw new AppError("REPORT_INVALID", "The report on disk does not match the record");
  const fieldName = `expert-${member.seat}`;
  const signedAt = new Date();
  const appearance = [`${person.name}（电子签名）`, `${member.kind === "owner-rep" ? "招标人代表" : "评委"}（席位 ${member.seat}）`, formatShanghai(signedAt)];
  const { prepared, signedAttrs } = await prepareExternalSignature(current, { fieldName, name: person.name, reason: "Evaluation report signed by committee member", signedAt, appearance });
  await app.db.evalSignPrep.deleteMany({ where: { sessionId: s.id, memberId: member.id } });
  const row = await app.db.evalSignPrep.create({ data: { sessionId: s.id, memberId: member.id, baseSha256, fieldName, prepared: new Uint8Array(prepared), signedAttrs: new Uint8Array(signedAttrs), createdAt: signedAt } });
  return { prepId: row.id, toSignB64: signedAttrs.toString("base64"), fieldName, baseSha256 };
}
