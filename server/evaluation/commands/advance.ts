// Moves the session to its next step (the agent or the chair's terminal) once nothing blocks it; entering a step computes
// its results (qualification, price scores, ranking, candidates), detects conflicts, records the deal or makes the report.
import { randomUUID } from "node:crypto";
import { rename, writeFile, mkdir, unlink } from "node:fs/promises";
import type { EvalStep } from "@contracts/evaluation";
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { assertLotAgent } from "../../opening/projects";
import { recordDeal } from "../../stats/ledger";
import { priceScores, qualificationResult } from "../compute";
import { makeReport } from "../report";
import { detectConflicts } from "../conflicts";
import { aggregateOutcome } from "../ranking";
import { loadSession, loadBidders, changed, memberAt, sheetsOf, drawK, reportPath, sha256, blockersOf } from "../model";
import { assertRunning, assertStep, blockerText, nextStep } from "../rules";

export async function advance(app: AppContext, principal: Principal, input: { sessionId: string; from: EvalStep }) {
  const { s, t } = await loadSession(app.db, input.sessionId);
  if (principal.kind === "device") {
    const { member } = await memberAt(app, principal, s.id);
    if (s.chairMemberId !== member.id) throw new AppError("FORBIDDEN", "Only the chair's terminal or the agent moves the steps on");
  } else {
    const lot = await app.db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
    assertLotAgent(principal, lot);
  }
  assertRunning(s);
  assertStep(s, input.from);
  const next = nextStep(t.method, s.step);
  if (!next || next === "closed") throw new AppError("STEP_CONFLICT", "The report closes the evaluation once everyone has signed");
  const blockers = await blockersOf(app.db, s);
  if (blockers.length) throw new AppError("STEP_INCOMPLETE", `The step ${s.step} is not complete: ${blockers.map(blockerText).join("; ")}`, blockers.map((b) => ({ path: "step", message: blockerText(b) })));
  const bidders = await loadBidders(app.db, s.lotId);
  const data: Record<string, unknown> = { step: next };
  if (s.step === "signin") data.beganAt = new Date();
  let qualifiedBidders = bidders;
  if (s.qualification) {
    const q = new Set((JSON.parse(s.qualification) as { companyId: string; qualified: boolean }[]).filter((x) => x.qualified).map((x) => x.companyId));
    qualifiedBidders = bidders.filter((b) => q.has(b.companyId));
  }
  if (s.step === "qualification") {
    const q = qualificationResult(t, bidders, await sheetsOf(app.db, s.id, "qualification"));
    data.qualification = JSON.stringify(q);
    qualifiedBidders = bidders.filter((b) => q.find((x) => x.companyId === b.companyId)?.qualified);
    if (qualifiedBidders.length === 0) throw new AppError("NO_QUALIFIED_BIDDER", "No bidder passed the qualification review; the evaluation cannot recommend a candidate");
  }
  let price = s.priceScores ? JSON.parse(s.priceScores) : null;
  if (next === "price") {
    price = priceScores(t, qualifiedBidders, await drawK(app.db, s.lotId));
    data.priceScores = JSON.stringify(price);
  }
  // Entering the aggregate step: adjustments decided (lowest evaluated price), ranked, the tie seed revealed (ranking.ts).
  const outcome = next === "aggregate" ? await aggregateOutcome(app, s, t, qualifiedBidders, price) : null;
  if (outcome) Object.assign(data, outcome.data);
  if (next === "candidates") data.candidates = JSON.stringify((JSON.parse(s.result!) as unknown[]).slice(0, t.candidates));
  const actor = actorOf(principal);
  let report: Uint8Array | null = null;
  if (next === "report") report = await makeReport(app, s.id);
  const tmp = report ? `${reportPath(app, s.id)}.${randomUUID()}.tmp` : null;
  if (report && tmp) {
    await mkdir(app.dirs.records, { recursive: true });
    await writeFile(tmp, report);
    data.reportSha256 = sha256(report);
    data.reportMadeAt = new Date();
  }
  let detected = 0;
  const committed = app.db.$transaction(async (tx) => {
    const { count } = await tx.evalSession.updateMany({ where: { id: s.id, step: s.step, status: "running" }, data });
    if (count !== 1) throw new AppError("STEP_CONFLICT", "The step changed meanwhile");
    await appendAudit(tx, { actor, action: "evaluation.advance", target: `evaluation:${s.id}`, payload: { from: s.step, to: next, ...(data.reportSha256 ? { reportSha256: data.reportSha256 } : {}) } });
    if (outcome) {
      await appendAudit(tx, { actor: { kind: "system", id: "evaluation", role: "system" }, action: "evaluation.ranked", target: `evaluation:${s.id}`, payload: { adjustments: outcome.adjustments?.map((a) => ({ companyId: a.companyId, adjustmentFen: a.adjustmentFen, evaluatedFen: a.evaluatedFen })) ?? null, tieDraw: outcome.tieDraw, ranking: outcome.result.map((r) => ({ rank: r.rank, companyId: r.companyId, tieBreak: r.tieBreak })) } });
    }
    // Entering the conflicts step: every signed-in member is checked against the bidders (conflicts.ts).
    if (next === "conflicts") detected = await detectConflicts(app, tx, s, null, actor);
    if (next === "report") {
      const first = (JSON.parse(s.candidates!) as { companyId: string; priceFen: number }[])[0]!;
      const sites = await tx.evalSite.count({ where: { sessionId: s.id } });
      const bid = bidders.find((b) => b.companyId === first.companyId)!;
      await recordDeal(tx, actor, { lotId: s.lotId, dealFen: first.priceFen, awardedAt: new Date(), remoteEvaluation: sites > 1, winnerCompanyId: first.companyId, bidId: bid.bidId });
    }
  });
  try {
    await committed;
  } catch (err) {
    if (tmp) await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (tmp) await rename(tmp, reportPath(app, s.id));
  if (detected) app.events.emit("experts.drawChanged", { drawId: s.drawId });
  await changed(app, s.id);
  return { sessionId: s.id, step: next };
}
