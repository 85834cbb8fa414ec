// The close of an evaluation: once every active member has signed (or refused) the report, the names of those who
// did not sign go on an appended page and the platform seals the PDF; the session is closed and its rooms' screens
// show it for a while (timers.ts). Called by the signing commands (commands/sign-report.ts, commands/refuse-sign.ts).
import { randomUUID } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { appendAudit } from "../audit/chain";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { signPdf } from "../documents";
import { withSigningRecord } from "./signing-record";
import { loadSession, membersWithPicks, reportPath, sha256 } from "./model";
import { armClosedShown } from "./timers";

/** Closes the session when nobody is left to sign: the platform seal, the record, the screens' timer. */
export async function finishIfAllSigned(app: AppContext, sessionId: string) {
  const { s } = await loadSession(app.db, sessionId);
  if (s.step !== "report" || s.status !== "running") return;
  const all = await membersWithPicks(app.db, sessionId);
  if (all.some((x) => x.m.state !== "recused" && x.m.signature === "pending")) return;
  const center = await app.db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  // Members who did not sign are named on an appended page (signing-record.ts) before the platform seals.
  const current = await withSigningRecord(app, s.id, await readFile(reportPath(app, s.id)));
  const signed = await signPdf(current, app.pki.platform, { fieldName: "platform", reason: "Evaluation report sealed by the platform", name: center.name });
  const tmp = `${reportPath(app, s.id)}.${randomUUID()}.tmp`;
  await writeFile(tmp, signed);
  const now = new Date();
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.evalSession.updateMany({ where: { id: s.id, step: "report", reportSha256: s.reportSha256 }, data: { step: "closed", status: "closed", closedAt: now, platformSignedAt: now, reportSha256: sha256(signed) } });
    if (count !== 1) throw new AppError("SIGNATURE_STALE", "The report changed meanwhile");
    await tx.evalSignPrep.deleteMany({ where: { sessionId: s.id } });
    await appendAudit(tx, { actor: { kind: "system", id: "platform", role: "system" }, action: "evaluation.close", target: `evaluation:${s.id}`, payload: { reportSha256: sha256(signed) } });
  });
  await rename(tmp, reportPath(app, s.id));
  armClosedShown(app, s.id, now);
}
