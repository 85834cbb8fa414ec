// The evaluation session (评标), command by command. Each command is one
// transaction with its audit row; domain events follow the commit and the
// broadcaster refreshes `evaluation:<id>` (+ :agent, :supervisor, :expert:*, :company:*).
//
// Members are the draw's seated picks; an expert command comes from an expert
// terminal (a device) and acts for the member signed in there (experts domain
// sign-in: ID number + one-time code). Steps are the same for every site.
import { createHash, randomUUID } from "node:crypto";
import { readFile, rename, writeFile, mkdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ScoringTemplate, type Blocker, type EvalStep, type Sheet, type SheetStep } from "@contracts/evaluation";
import { appendAudit, digestPayload, type Actor } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { Db, Tx } from "../db";
import { AppError } from "../errors";
import { assertLotAgent } from "../opening/projects";
import { recordDeal } from "../stats/ledger";
import { formatShanghai, signPdf } from "../documents";
import { checkSheet, outliers, priceScores, qualificationResult, sheetTotals, type Bidder } from "./compute";
import { embedExternalSignature, issueExpertCertificate, prepareExternalSignature, signatureMatches } from "./signing";
import { makeReport } from "./report";
import { detectConflicts, seatBackup } from "./conflicts";
import { committeeOf } from "./committee";
import { aggregateOutcome, sealTieSeed } from "./ranking";
import { withSigningRecord } from "./signing-record";

export const streamsOf = (id: string) => ({ public: `evaluation:${id}`, agent: `evaluation:${id}:agent`, supervisor: `evaluation:${id}:supervisor` });
const sha256 = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");

import { stepsFor } from "@contracts/evaluation"; // the order of the steps per method, stated once in the contract
export { stepsFor };

export type SessionRow = NonNullable<Awaited<ReturnType<Db["evalSession"]["findUnique"]>>>;
export type MemberRow = NonNullable<Awaited<ReturnType<Db["evalMember"]["findUnique"]>>>;

export const reportPath = (app: AppContext, sessionId: string) => join(app.dirs.records, `${sessionId}-evaluation-report.pdf`);

export async function loadSession(db: Db | Tx, sessionId: string) {
  const s = await db.evalSession.findUnique({ where: { id: sessionId } });
  if (!s) throw new AppError("NOT_FOUND", `No evaluation ${sessionId}`);
  const t = ScoringTemplate.parse(JSON.parse(s.template));
  return { s, t };
}

/** The lot's decrypted bids in announcement order. */
export async function loadBidders(db: Db | Tx, lotId: string): Promise<Bidder[]> {
  const bids = await db.bid.findMany({ where: { lotId, status: "decrypted", summary: { not: null } }, orderBy: { decryptedAt: "asc" } });
  const companies = new Map((await db.company.findMany({ where: { id: { in: bids.map((b) => b.companyId) } } })).map((c) => [c.id, c.name]));
  return bids.map((b) => ({ companyId: b.companyId, companyName: companies.get(b.companyId) ?? "", bidId: b.id, priceFen: (JSON.parse(b.summary!) as { priceFen: number }).priceFen }));
}

export async function siteRooms(db: Db | Tx, sessionId: string) {
  return (await db.evalSite.findMany({ where: { sessionId } })).map((x) => x.roomId);
}

export async function changed(app: AppContext, sessionId: string, companyIds?: string[]) {
  app.events.emit("evaluation.changed", { sessionId, roomIds: await siteRooms(app.db, sessionId), ...(companyIds ? { companyIds } : {}) });
}

function assertRunning(s: SessionRow) {
  if (s.status === "paused") throw new AppError("SESSION_PAUSED", "The evaluation is paused");
  if (s.status === "sealed") throw new AppError("SESSION_SEALED", "The evaluation was sealed");
  if (s.status === "closed") throw new AppError("SESSION_CLOSED", "The evaluation is closed");
}
function assertStep(s: SessionRow, ...steps: EvalStep[]) {
  if (!steps.includes(s.step as EvalStep)) throw new AppError("STEP_CONFLICT", `The evaluation is at step ${s.step}, not ${steps.join("/")}`);
}

/**
 * The session's status and step again, inside the command's transaction, with its row taken first (a no-op write:
 * `advance`, a pause or a seal, which write the row, wait for this transaction or make it fail here), so nothing
 * lands on a step that moved or a session that stopped after the command's first look.
 */
async function lockStage(tx: Tx, sessionId: string, check: (s: SessionRow) => void): Promise<SessionRow> {
  await tx.evalSession.updateMany({ where: { id: sessionId }, data: { chairRound: { increment: 0 } } });
  const s = await tx.evalSession.findUniqueOrThrow({ where: { id: sessionId } });
  check(s);
  return s;
}

/** Members with their seating (`pick`: signed in or not, where) and person (name, employer, expert or 招标人代表): committee.ts. */
export const membersWithPicks = committeeOf;

/** The member signed in at this expert terminal for this session. */
export async function memberAt(app: AppContext, principal: Principal, sessionId: string) {
  if (principal.kind !== "device" || principal.deviceKind !== "expert-terminal") throw new AppError("FORBIDDEN", "Experts act from an expert terminal");
  const { s, t } = await loadSession(app.db, sessionId);
  const all = await membersWithPicks(app.db, sessionId);
  const mine = all.find(({ m, pick }) => m.state !== "recused" && pick.state === "signed-in" && pick.signedInDevice === principal.deviceId);
  if (!mine) throw new AppError("NOT_ON_COMMITTEE", "No member of this committee is signed in at this terminal");
  return { s, t, member: mine.m, pick: mine.pick, person: mine.person, all };
}

const liveSubs = (db: Db | Tx, sessionId: string, step: SheetStep) => db.evalSubmission.findMany({ where: { sessionId, step, supersededAt: null } });

/** Why the current step may not be left yet (empty: it may): codes and seats; the pages word them (i18n). */
export async function blockersOf(db: Db | Tx, s: SessionRow): Promise<Blocker[]> {
  const all = await membersWithPicks(db, s.id);
  const active = all.filter((x) => x.m.state !== "recused");
  const out: Blocker[] = [];
  const seats = (code: Blocker["code"], list: number[]) => {
    if (list.length) out.push({ code, seats: list });
  };
  const notSigned = active.filter((x) => x.pick.state !== "signed-in").map((x) => x.m.seat);
  switch (s.step as EvalStep) {
    case "signin":
      seats("not-signed-in", notSigned);
      break;
    case "pledge":
      seats("no-pledge", active.filter((x) => !x.m.pledgedAt).map((x) => x.m.seat));
      break;
    case "conflicts": {
      seats("not-signed-in", notSigned);
      seats("no-pledge", active.filter((x) => !x.m.pledgedAt).map((x) => x.m.seat));
      seats("not-declared", active.filter((x) => !x.m.declaredAt).map((x) => x.m.seat));
      const recused = all.filter((x) => x.m.state === "recused");
      // A representative who withdraws is not replaced (never drawn): the committee goes on without the seat.
      seats("no-backup", recused.filter((r) => r.m.kind !== "owner-rep" && !all.some((x) => x.m.replacesId === r.m.id)).map((r) => r.m.seat));
      break;
    }
    case "chair":
      if (!s.chairMemberId) out.push({ code: "no-chair", seats: [] });
      break;
    case "qualification":
    case "scoring":
    case "adjustments": {
      const subs = new Set((await liveSubs(db, s.id, s.step as SheetStep)).map((x) => x.memberId));
      seats("not-submitted", active.filter((x) => !subs.has(x.m.id)).map((x) => x.m.seat));
      break;
    }
    case "report":
      seats("not-signed", active.filter((x) => x.m.signature === "pending").map((x) => x.m.seat));
      break;
    default:
      break;
  }
  if (s.status !== "running") out.push({ code: "not-running", seats: [] });
  return out;
}

/** A blocker in the error's details and the log (English; the pages word blockers from their codes). */
export const blockerText = (b: Blocker): string => (b.seats.length ? `${b.code}: ${b.seats.join(",")}` : b.code);

// ── the terminal ──

export async function whoami(app: AppContext, principal: Principal, sessionId: string) {
  const { member, person } = await memberAt(app, principal, sessionId);
  const site = await app.db.evalSite.findUniqueOrThrow({ where: { sessionId_roomId: { sessionId, roomId: member.roomId } } });
  const room = await app.db.room.findUniqueOrThrow({ where: { id: member.roomId } });
  return {
    sessionId,
    memberId: member.id,
    name: person.name,
    kind: person.kind,
    seat: member.seat,
    site: { roomId: room.id, roomName: room.name, role: site.role as "main" | "secondary" },
    stream: `evaluation:${sessionId}:expert:${member.id}`,
    publicStream: `evaluation:${sessionId}`,
  };
}

export async function pledge(app: AppContext, principal: Principal, sessionId: string) {
  const { s, member } = await memberAt(app, principal, sessionId);
  assertRunning(s);
  assertStep(s, "pledge", "conflicts");
  if (member.pledgedAt) throw new AppError("ALREADY_DONE", "The pledge is already taken");
  let recused = 0;
  await app.db.$transaction(async (tx) => {
    await tx.evalMember.update({ where: { id: member.id }, data: { pledgedAt: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.pledge", target: `evaluation:${sessionId}`, payload: { seat: member.seat } });
    // A backup joining at the conflicts step: checked against the bidders (conflicts.ts).
    if (s.step === "conflicts") recused = await detectConflicts(app, tx, s, [member.id], actorOf(principal));
  });
  if (recused) app.events.emit("experts.drawChanged", { drawId: s.drawId });
  await changed(app, sessionId);
  return { pledged: true as const };
}

export async function declareConflicts(app: AppContext, principal: Principal, input: { sessionId: string; conflicts: { companyId: string; reason: string }[] }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  assertStep(s, "conflicts");
  if (!member.pledgedAt) throw new AppError("STEP_CONFLICT", "Take the pledge first");
  if (member.declaredAt) throw new AppError("ALREADY_DONE", "Conflicts are already declared");
  const bidders = new Set((await loadBidders(app.db, s.lotId)).map((b) => b.companyId));
  for (const c of input.conflicts) if (!bidders.has(c.companyId)) throw new AppError("UNKNOWN_BIDDER", `No bidder ${c.companyId} in this evaluation`);
  const actor = actorOf(principal);
  let backupCalled = false;
  await app.db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.evalMember.updateMany({ where: { id: member.id, declaredAt: null }, data: { declaredAt: now, ...(input.conflicts.length ? { state: "recused" } : {}) } });
    if (count !== 1) throw new AppError("ALREADY_DONE", "Conflicts are already declared");
    for (const c of input.conflicts) await tx.evalConflict.create({ data: { sessionId: s.id, memberId: member.id, companyId: c.companyId, reason: c.reason, at: now } });
    await appendAudit(tx, { actor, action: input.conflicts.length ? "evaluation.recuse" : "evaluation.noConflict", target: `evaluation:${s.id}`, payload: { seat: member.seat, conflicts: input.conflicts } });
    if (input.conflicts.length) {
      const backup = await seatBackup(app, tx, s, member, actor);
      if (backup) {
        backupCalled = true;
        // The backup joins: its pool record is checked against the bidders too.
        await detectConflicts(app, tx, s, [backup], actor);
      }
    }
  });
  app.events.emit("experts.drawChanged", { drawId: s.drawId });
  await changed(app, s.id);
  return { recused: input.conflicts.length > 0, backupCalled };
}

/** Candidates of a chair round: every active member in round 1, else those tied at the top of the round before. */
export async function chairCandidates(db: Db | Tx, s: SessionRow, activeIds: string[]): Promise<string[]> {
  if (s.chairRound <= 1) return activeIds;
  const votes = await db.evalVote.findMany({ where: { sessionId: s.id, round: s.chairRound - 1 } });
  const tally = new Map<string, number>();
  for (const v of votes) tally.set(v.candidateId, (tally.get(v.candidateId) ?? 0) + 1);
  const top = Math.max(...tally.values());
  return activeIds.filter((id) => tally.get(id) === top);
}

export async function voteChair(app: AppContext, principal: Principal, input: { sessionId: string; round: number; candidateMemberId: string }) {
  const { s, member, all } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  assertStep(s, "chair");
  if (s.chairMemberId) throw new AppError("ALREADY_DONE", "The chair is elected");
  if (input.round !== s.chairRound) throw new AppError("STALE_ROUND", `The vote is in round ${s.chairRound}`);
  const active = all.filter((x) => x.m.state !== "recused").map((x) => x.m.id);
  const candidates = await chairCandidates(app.db, s, active);
  if (!candidates.includes(input.candidateMemberId)) throw new AppError("NOT_A_CANDIDATE", "Not a candidate in this round");
  let result = { round: s.chairRound, votes: 0, of: active.length, chairMemberId: null as string | null, newRound: false };
  await app.db.$transaction(async (tx) => {
    const exists = await tx.evalVote.findUnique({ where: { sessionId_round_voterId: { sessionId: s.id, round: s.chairRound, voterId: member.id } } });
    if (exists) throw new AppError("ALREADY_VOTED", "Already voted in this round");
    await tx.evalVote.create({ data: { sessionId: s.id, round: s.chairRound, voterId: member.id, candidateId: input.candidateMemberId } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.voteChair", target: `evaluation:${s.id}`, payload: { round: s.chairRound, seat: member.seat } });
    const votes = await tx.evalVote.findMany({ where: { sessionId: s.id, round: s.chairRound } });
    result.votes = votes.length;
    if (votes.length < active.length) return;
    const tally = new Map<string, number>();
    for (const v of votes) tally.set(v.candidateId, (tally.get(v.candidateId) ?? 0) + 1);
    const top = Math.max(...tally.values());
    const leaders = [...tally].filter(([, n]) => n === top).map(([id]) => id);
    if (leaders.length === 1) {
      await tx.evalSession.update({ where: { id: s.id }, data: { chairMemberId: leaders[0]! } });
      const seat = all.find((x) => x.m.id === leaders[0])!.m.seat;
      await appendAudit(tx, { actor: { kind: "system", id: "evaluation", role: "system" }, action: "evaluation.chairElected", target: `evaluation:${s.id}`, payload: { round: s.chairRound, seat, votes: top } });
      result = { ...result, chairMemberId: leaders[0]! };
    } else {
      await tx.evalSession.update({ where: { id: s.id }, data: { chairRound: s.chairRound + 1 } });
      await appendAudit(tx, { actor: { kind: "system", id: "evaluation", role: "system" }, action: "evaluation.chairTie", target: `evaluation:${s.id}`, payload: { round: s.chairRound, tied: leaders.length, votes: top } });
      result = { ...result, newRound: true };
    }
  });
  await changed(app, s.id);
  return result;
}

// ── sheets ──

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

function submissionAnswer(x: { id: string; step: string; payloadSha256: string; submittedAt: Date; version: number }) {
  return { submissionId: x.id, step: x.step as SheetStep, sha256: x.payloadSha256, submittedAt: x.submittedAt.toISOString(), version: x.version };
}

export async function submitSheet(app: AppContext, principal: Principal, input: { sessionId: string; idempotencyKey: string; sheet: Sheet; outlierReasons: { companyId: string; reason: string }[] }) {
  const { s, t, member } = await memberAt(app, principal, input.sessionId);
  const payloadSha256 = digestPayload({ sheet: input.sheet, outlierReasons: input.outlierReasons });
  const prior = await app.db.evalSubmission.findUnique({ where: { sessionId_idempotencyKey: { sessionId: s.id, idempotencyKey: input.idempotencyKey } } });
  if (prior) {
    if (prior.memberId === member.id && prior.payloadSha256 === payloadSha256) return submissionAnswer(prior);
    throw new AppError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was used for another submission");
  }
  assertRunning(s);
  assertStep(s, input.sheet.step);
  const live = await app.db.evalSubmission.findFirst({ where: { memberId: member.id, step: input.sheet.step, supersededAt: null } });
  if (live) throw new AppError("ALREADY_SUBMITTED", "This step is already submitted; a correction needs the chair and a supervisor");
  const bidders = await loadBidders(app.db, s.lotId);
  const qualified = input.sheet.step !== "qualification" && s.qualification ? new Set((JSON.parse(s.qualification) as { companyId: string; qualified: boolean }[]).filter((q) => q.qualified).map((q) => q.companyId)) : null;
  checkSheet(t, input.sheet, bidders, qualified);
  if (input.sheet.step === "scoring") {
    const others = (await liveSubs(app.db, s.id, "scoring")).filter((x) => x.memberId !== member.id).map((x) => sheetTotals(JSON.parse(x.sheet) as { rows: { companyId: string; score: number }[] }));
    const out = outliers(sheetTotals(input.sheet), others, t.outlierLimit);
    const reasons = new Map(input.outlierReasons.map((r) => [r.companyId, r.reason]));
    const missing = out.filter((o) => !reasons.get(o.companyId));
    if (missing.length) {
      throw new AppError(
        "OUTLIER_REASON_REQUIRED",
        `A written reason is required: your total deviates more than ±${Number(t.outlierLimit) * 100}% from the others' mean`,
        missing.map((o) => ({ path: o.companyId, message: `mine ${o.myTotal}, others' mean ${o.othersMean} (${o.deviation})` })),
      );
    }
  }
  const version = (await app.db.evalSubmission.count({ where: { memberId: member.id, step: input.sheet.step } })) + 1;
  const now = new Date();
  const row = await app.db.$transaction(async (tx) => {
    await lockStage(tx, s.id, (cur) => {
      assertRunning(cur);
      assertStep(cur, input.sheet.step);
    });
    // Two submissions racing for one member and step, or for one key: the unique indexes keep one.
    const clash = await tx.evalSubmission.findFirst({ where: { OR: [{ memberId: member.id, step: input.sheet.step, supersededAt: null }, { sessionId: s.id, idempotencyKey: input.idempotencyKey }] } });
    if (clash) throw new AppError("ALREADY_SUBMITTED", "This step was submitted meanwhile");
    const r = await tx.evalSubmission.create({
      data: { sessionId: s.id, memberId: member.id, step: input.sheet.step, version, idempotencyKey: input.idempotencyKey, payloadSha256, sheet: JSON.stringify(input.sheet), outlierReasons: JSON.stringify(input.outlierReasons), submittedAt: now },
    });
    await tx.evalDraft.deleteMany({ where: { memberId: member.id, step: input.sheet.step } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.submit", target: `evaluation:${s.id}`, payload: { seat: member.seat, step: input.sheet.step, version, sha256: payloadSha256, outlierReasons: input.outlierReasons } });
    return r;
  });
  await changed(app, s.id);
  return submissionAnswer(row);
}

export async function dissent(app: AppContext, principal: Principal, input: { sessionId: string; text: string }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  assertStep(s, "price", "aggregate", "candidates");
  await app.db.$transaction(async (tx) => {
    await tx.evalDissent.create({ data: { sessionId: s.id, memberId: member.id, text: input.text, at: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.dissent", target: `evaluation:${s.id}`, payload: { seat: member.seat, text: input.text } });
  });
  await changed(app, s.id);
  return { recorded: true as const };
}

// ── advancing ──

async function drawK(db: Db | Tx, lotId: string): Promise<string | null> {
  const o = await db.openingSession.findUnique({ where: { lotId } });
  if (!o?.drawResult) return null;
  const r = JSON.parse(o.drawResult) as { kind: string; basisPoints?: number };
  if (r.kind !== "coefficient" || r.basisPoints === undefined) return null;
  return (r.basisPoints / 10000).toFixed(4);
}

async function sheetsOf(db: Db | Tx, sessionId: string, step: SheetStep): Promise<Sheet[]> {
  return (await liveSubs(db, sessionId, step)).map((x) => JSON.parse(x.sheet) as Sheet);
}

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
  const steps = stepsFor(t.method);
  const next = steps[steps.indexOf(s.step as EvalStep) + 1];
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

// ── signing the report ──

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

async function finishIfAllSigned(app: AppContext, sessionId: string) {
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

/**
 * How long a closed evaluation stays on its rooms' screens (views.ts evaluationInRoom): the expert
 * terminals show the closed page (report signed, thank you), the projector the result. A timer
 * (armed at the close, re-armed at start-up) refreshes the rooms afterwards: back to their idle view.
 */
export const CLOSED_SHOWN_MS = 10 * 60_000;
/** Arms the refresh of the rooms when the closed session leaves their screens. */
export function armClosedShown(app: AppContext, sessionId: string, closedAt: Date) {
  app.timers.at(`eval-closed:${sessionId}`, new Date(closedAt.getTime() + CLOSED_SHOWN_MS), () => changed(app, sessionId));
}

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

// ── two-party actions, clarification, seal ──

export async function requestAction(app: AppContext, principal: Principal, input: { sessionId: string; kind: "pause" | "resume" | "correction"; reason: string; memberId?: string | undefined; step?: SheetStep | undefined }) {
  const { s, member } = await memberAt(app, principal, input.sessionId);
  if (s.chairMemberId !== member.id) throw new AppError("FORBIDDEN", "Only the chair asks for this");
  if (s.status === "sealed" || s.status === "closed") assertRunning(s);
  if (input.kind === "pause" && s.status !== "running") throw new AppError("STEP_CONFLICT", "The evaluation is not running");
  if (input.kind === "resume" && s.status !== "paused") throw new AppError("STEP_CONFLICT", "The evaluation is not paused");
  if (input.kind === "correction") {
    if (!input.memberId || !input.step) throw new AppError("VALIDATION_FAILED", "A correction names the member and the step", [{ path: "memberId", message: "required" }]);
    assertStep(s, input.step);
    const live = await app.db.evalSubmission.findFirst({ where: { sessionId: s.id, memberId: input.memberId, step: input.step, supersededAt: null } });
    if (!live) throw new AppError("NOT_FOUND", "That member has no submitted sheet for this step");
  }
  const pending = await app.db.evalRequest.findFirst({ where: { sessionId: s.id, kind: input.kind, state: "pending" } });
  if (pending) throw new AppError("REQUEST_PENDING", "Such a request is already waiting for a supervisor");
  const id = randomUUID();
  await app.db.$transaction(async (tx) => {
    await tx.evalRequest.create({ data: { id, sessionId: s.id, kind: input.kind, reason: input.reason, memberId: input.memberId ?? null, step: input.step ?? null, requestedBy: member.id, requestedAt: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.requestAction", target: `evaluation:${s.id}`, payload: { id, kind: input.kind, reason: input.reason, memberId: input.memberId ?? null, step: input.step ?? null } });
  });
  await changed(app, s.id);
  return { requestId: id };
}

export async function approveAction(app: AppContext, principal: Principal, input: { sessionId: string; requestId: string; approve: boolean; note: string }) {
  if (principal.kind !== "user" || principal.role !== "supervisor") throw new AppError("FORBIDDEN", "Only a supervisor approves");
  const { s } = await loadSession(app.db, input.sessionId);
  const r = await app.db.evalRequest.findUnique({ where: { id: input.requestId } });
  if (!r || r.sessionId !== s.id) throw new AppError("NOT_FOUND", "No such request");
  if (r.state !== "pending") throw new AppError("ALREADY_DONE", `The request is ${r.state}`);
  const now = new Date();
  let status = s.status;
  await app.db.$transaction(async (tx) => {
    // A sealed or closed session takes no decision any more (its record is final).
    const s = await lockStage(tx, input.sessionId, (cur) => {
      if (cur.status === "sealed" || cur.status === "closed") assertRunning(cur);
    });
    const { count } = await tx.evalRequest.updateMany({ where: { id: r.id, state: "pending" }, data: { state: input.approve ? "approved" : "rejected", decidedBy: principal.userId, decidedAt: now, note: input.note } });
    if (count !== 1) throw new AppError("ALREADY_DONE", "The request was decided meanwhile");
    if (input.approve) {
      if (r.kind === "pause") {
        if (s.status !== "running") throw new AppError("STEP_CONFLICT", "The evaluation is not running");
        await tx.evalSession.update({ where: { id: s.id }, data: { status: "paused", pausedAt: now } });
        status = "paused";
      } else if (r.kind === "resume") {
        if (s.status !== "paused") throw new AppError("STEP_CONFLICT", "The evaluation is not paused");
        await tx.evalSession.update({ where: { id: s.id }, data: { status: "running", pausedAt: null } });
        status = "running";
      } else {
        if (s.step !== r.step) throw new AppError("STEP_CONFLICT", "The step moved on; the correction no longer applies");
        const { count: c } = await tx.evalSubmission.updateMany({ where: { sessionId: s.id, memberId: r.memberId!, step: r.step!, supersededAt: null }, data: { supersededAt: now } });
        if (c !== 1) throw new AppError("NOT_FOUND", "No submitted sheet to reopen");
      }
    }
    await appendAudit(tx, { actor: actorOf(principal), action: input.approve ? "evaluation.approveAction" : "evaluation.rejectAction", target: `evaluation:${s.id}`, payload: { id: r.id, kind: r.kind, note: input.note } });
  });
  await changed(app, s.id);
  return { requestId: r.id, state: input.approve ? ("approved" as const) : ("rejected" as const), status: status as "running" | "paused" };
}

export async function requestClarification(app: AppContext, principal: Principal, input: { sessionId: string; companyId: string; question: string; answerMinutes: number }) {
  const { s } = await loadSession(app.db, input.sessionId);
  if (principal.kind === "device") {
    const { member } = await memberAt(app, principal, s.id);
    if (s.chairMemberId !== member.id) throw new AppError("FORBIDDEN", "The chair asks for the committee");
  } else {
    const lot = await app.db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
    assertLotAgent(principal, lot);
  }
  assertRunning(s);
  assertStep(s, "qualification", "scoring", "price", "adjustments", "aggregate");
  const bidders = await loadBidders(app.db, s.lotId);
  if (!bidders.some((b) => b.companyId === input.companyId)) throw new AppError("UNKNOWN_BIDDER", "No such bidder in this evaluation");
  const id = randomUUID();
  const now = new Date();
  const answerBy = new Date(now.getTime() + input.answerMinutes * 60_000);
  await app.db.$transaction(async (tx) => {
    await tx.evalClarification.create({ data: { id, sessionId: s.id, companyId: input.companyId, question: input.question, askedBy: actorOf(principal).id, askedAt: now, answerBy } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.clarificationAsked", target: `evaluation:${s.id}`, payload: { id, companyId: input.companyId, question: input.question } });
  });
  armClarification(app, id, answerBy);
  await changed(app, s.id, [input.companyId]);
  return { clarificationId: id };
}

const clarificationTimer = (id: string) => `eval-clarification:${id}`;

/** The answer deadline of a clarification (armed when asked, re-armed at start-up: links.ts armEvaluationTimers). */
export function armClarification(app: AppContext, id: string, answerBy: Date): void {
  app.timers.at(clarificationTimer(id), answerBy, () => expireClarification(app, id));
}

/**
 * The deadline passed without an answer: the question is closed as unanswered (逾期未答复), audited, and every
 * screen of the evaluation (the committee's, the agent's, the bidder's page) shows it from the server's state.
 * Idempotent: a question answered in time, or already closed, is left alone.
 */
export async function expireClarification(app: AppContext, id: string, now = new Date()): Promise<boolean> {
  const c = await app.db.evalClarification.findUnique({ where: { id } });
  if (!c || c.answeredAt || c.expiredAt || c.answerBy > now) return false;
  const expired = await app.db.$transaction(async (tx) => {
    const { count } = await tx.evalClarification.updateMany({ where: { id, answeredAt: null, expiredAt: null }, data: { expiredAt: now } });
    if (count !== 1) return false;
    await appendAudit(tx, { actor: { kind: "system", id: "clarification-deadline", role: "system" }, action: "evaluation.clarificationExpired", target: `evaluation:${c.sessionId}`, payload: { id, companyId: c.companyId, answerBy: c.answerBy.toISOString() } });
    return true;
  });
  if (expired) await changed(app, c.sessionId, [c.companyId]);
  return expired;
}

export async function answerClarification(app: AppContext, principal: Principal, input: { clarificationId: string; answer: string }) {
  if (principal.kind !== "user" || principal.role !== "bidder" || !principal.companyId) throw new AppError("FORBIDDEN", "Only the bidder answers");
  const c = await app.db.evalClarification.findUnique({ where: { id: input.clarificationId } });
  if (!c || c.companyId !== principal.companyId) throw new AppError("NOT_FOUND", "No such question to your company");
  if (c.answeredAt) throw new AppError("ALREADY_DONE", "Already answered");
  const now = new Date();
  if (c.expiredAt || now > c.answerBy) throw new AppError("ANSWER_CLOSED", "The time to answer is over");
  await app.db.$transaction(async (tx) => {
    // The committee reads answers until its report is signed: a sealed or closed session takes none.
    await lockStage(tx, c.sessionId, (s) => {
      if (s.status === "sealed" || s.status === "closed") assertRunning(s);
    });
    const { count } = await tx.evalClarification.updateMany({ where: { id: c.id, answeredAt: null, expiredAt: null }, data: { answer: input.answer, answeredAt: now } });
    if (count !== 1) {
      const again = await tx.evalClarification.findUnique({ where: { id: c.id } });
      throw again?.expiredAt ? new AppError("ANSWER_CLOSED", "The time to answer is over") : new AppError("ALREADY_DONE", "Already answered");
    }
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.clarificationAnswered", target: `evaluation:${c.sessionId}`, payload: { id: c.id, answer: input.answer } });
  });
  await changed(app, c.sessionId, [c.companyId]);
  return { clarificationId: c.id, answeredAt: now.toISOString() };
}

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

export type { Actor };
