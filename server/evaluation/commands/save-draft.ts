// A sheet's draft, kept on every keystroke (the highest clientSeq wins); not audited.
import type { SheetStep } from "@contracts/evaluation";
import type { Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { memberAt } from "../model";
import { assertRunning, assertStep } from "../rules";

export async function saveDraft(app: AppContext, principal: Principal, input: { sessionId: string; clientSeq: number; sheet: { step: SheetStep } & Record<string, unknown> }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  // Keystrokes are kept while paused too; a sealed or closed session takes none.
  if (s.status !== "paused") assertRunning(s);
  assertStep(s, input.sheet.step);
  const live = await app.db.evalSubmission.findFirst({ where: { memberId: member.id, step: input.sheet.step, supersededAt: null } });
  if (live) throw new AppError("ALREADY_SUBMITTED", "This step is submitted; a correction needs the chair and a supervisor");
  const now = new Date();
  const key = { memberId_step: { memberId: member.id, step: input.sheet.step } };
  const prev = await app.db.evalDraft.findUnique({ where: key });
  const applied = !prev || input.clientSeq > prev.clientSeq;
  if (applied) {
    const data = { sessionId: s.id, sheet: JSON.stringify(input.sheet), clientSeq: input.clientSeq, savedAt: now };
    await app.db.evalDraft.upsert({ where: key, create: { memberId: member.id, step: input.sheet.step, ...data }, update: data });
    app.events.emit("evaluation.memberChanged", { sessionId: s.id, memberId: member.id });
  }
  return { step: input.sheet.step, clientSeq: applied ? input.clientSeq : prev!.clientSeq, savedAt: (applied ? now : prev!.savedAt).toISOString(), applied };
}
