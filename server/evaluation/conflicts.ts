// Conflict detection at the evaluation's conflicts step (回避). The draw kept the bidders'
// employees out at draw time, but bids may arrive after the draw and relations may be
// declared later; so when the step is entered (and again when a backup joins or pledges at it)
// each member's pool record is compared with the lot's bidders:
//   - the employer's credit code (统一社会信用代码) equals a bidder's → "detected: employer of bidder X"
//   - a declared relation (ExpertRelation) names a bidder's credit code → "detected: declared relation with X"
//   - the employer is the project owner (the draw's owner credit codes, or the owner's name) → "detected: staff of the owner X"
// A detected conflict is treated exactly like a declared one: the member is recused, the
// conflicts are recorded (EvalConflict, shown on the supervisor stream and in the report),
// the audit says so (action evaluation.recuseDetected by the platform; payload: seat + conflicts with their reasons), and a backup is called from the draw's reserve (and checked in turn).
// Everything runs on the caller's transaction (`tx`).
import { appendAudit, type Actor } from "../audit/chain";
import type { AppContext } from "../context";
import type { Tx } from "../db";
import { callBackupForEvaluation } from "../experts/commands/call-backup";
import { loadBidders } from "./model";

export interface DetectedConflict {
  companyId: string;
  reason: string;
}

interface Against {
  bidders: { companyId: string; name: string; creditCode: string }[];
  ownerCodes: Set<string>;
  ownerName: string;
}

async function against(tx: Tx, s: { lotId: string; drawId: string }): Promise<Against> {
  const bids = await loadBidders(tx, s.lotId);
  const companies = await tx.company.findMany({ where: { id: { in: bids.map((b) => b.companyId) } }, select: { id: true, name: true, creditCode: true } });
  const draw = await tx.expertDraw.findUnique({ where: { id: s.drawId }, select: { request: true } });
  let ownerCodes: string[] = [];
  try {
    const req = JSON.parse(draw?.request ?? "{}") as { ownerCreditCodes?: unknown };
    if (Array.isArray(req.ownerCreditCodes)) ownerCodes = req.ownerCreditCodes.filter((x): x is string => typeof x === "string");
  } catch {
    ownerCodes = [];
  }
  const lot = await tx.lot.findUnique({ where: { id: s.lotId }, include: { project: true } });
  return {
    bidders: companies.map((c) => ({ companyId: c.id, name: c.name, creditCode: c.creditCode })),
    ownerCodes: new Set(ownerCodes),
    ownerName: lot?.project.ownerName.trim() ?? "",
  };
}

/** What the pool record of `expertId` conflicts with (empty: nothing). */
export async function conflictsOf(tx: Tx, expertId: number, a: Against): Promise<DetectedConflict[]> {
  const expert = await tx.expert.findUnique({ where: { id: expertId }, select: { employerCreditCode: true, employerName: true } });
  if (!expert) return [];
  const relations = await tx.expertRelation.findMany({ where: { expertId }, select: { creditCode: true, companyName: true } });
  const out: DetectedConflict[] = [];
  const seen = new Set<string>();
  const add = (companyId: string, reason: string) => {
    if (seen.has(companyId)) return;
    seen.add(companyId);
    out.push({ companyId, reason });
  };
  for (const b of a.bidders) if (expert.employerCreditCode && b.creditCode === expert.employerCreditCode) add(b.companyId, `detected: employer of bidder ${b.name} (${b.creditCode})`);
  for (const r of relations) for (const b of a.bidders) if (b.creditCode === r.creditCode) add(b.companyId, `detected: declared relation with ${b.name} (${b.creditCode})`);
  if (expert.employerCreditCode && a.ownerCodes.has(expert.employerCreditCode)) add(`owner:${expert.employerCreditCode}`, `detected: staff of the owner ${a.ownerName || expert.employerCreditCode} (${expert.employerCreditCode})`);
  else if (a.ownerName && expert.employerName.trim() === a.ownerName) add(`owner:${a.ownerName}`, `detected: staff of the owner ${a.ownerName}`);
  return out;
}

/**
 * Seats the next reserve of the recused member's bucket as a new member (replacesId), or
 * records that none is left. Returns the new member's id.
 */
export async function seatBackup(
  app: AppContext,
  tx: Tx,
  s: { id: string; drawId: string },
  member: { id: string; pickId: string | null; roomId: string },
  actor: Actor,
  reason?: string,
): Promise<string | null> {
  // A tenderer's representative (no pick) has no backup: the seat is left empty.
  if (!member.pickId) return null;
  const pick = await tx.expertPick.findUniqueOrThrow({ where: { id: member.pickId } });
  const called = await callBackupForEvaluation(app, tx, s.drawId, { id: pick.id, seq: pick.seq, bucketIndex: pick.bucketIndex }, actor, reason);
  if (!called) return null;
  const seat = ((await tx.evalMember.aggregate({ where: { sessionId: s.id }, _max: { seat: true } }))._max.seat ?? 0) + 1;
  const np = await tx.expertPick.findUniqueOrThrow({ where: { id: called.pickId } });
  const created = await tx.evalMember.create({ data: { sessionId: s.id, pickId: np.id, expertId: np.expertId, roomId: member.roomId, seat, state: "active", replacesId: member.id } });
  return created.id;
}

/**
 * Checks the given members (null: every active member signed in) against the bidders; a member
 * in conflict is recused and replaced, and each backup seated is checked in turn. Returns the
 * number of members recused (the caller emits `experts.drawChanged` when > 0).
 */
export async function detectConflicts(app: AppContext, tx: Tx, s: { id: string; lotId: string; drawId: string }, memberIds: string[] | null, actor: Actor): Promise<number> {
  const a = await against(tx, s);
  let queue: string[];
  if (memberIds) queue = [...memberIds];
  else {
    const members = await tx.evalMember.findMany({ where: { sessionId: s.id, state: { not: "recused" } }, orderBy: { seat: "asc" } });
    const signedIn = new Set((await tx.expertPick.findMany({ where: { id: { in: members.flatMap((m) => (m.pickId ? [m.pickId] : [])) }, state: "signed-in" }, select: { id: true } })).map((p) => p.id));
    queue = members.filter((m) => m.pickId && signedIn.has(m.pickId)).map((m) => m.id);
  }
  let recused = 0;
  const systemActor: Actor = { kind: "system", id: "platform", role: "system" };
  for (let i = 0; i < queue.length; i++) {
    const member = await tx.evalMember.findUnique({ where: { id: queue[i]! } });
    // The tenderer's representatives are the owner's staff by design: only drawn experts are checked here.
    if (!member || member.sessionId !== s.id || member.state === "recused" || member.declaredAt || member.expertId === null) continue;
    const found = await conflictsOf(tx, member.expertId, a);
    if (found.length === 0) continue;
    const now = new Date();
    const { count } = await tx.evalMember.updateMany({ where: { id: member.id, state: { not: "recused" }, declaredAt: null }, data: { state: "recused", declaredAt: now } });
    if (count !== 1) continue;
    for (const c of found) await tx.evalConflict.create({ data: { sessionId: s.id, memberId: member.id, companyId: c.companyId, reason: c.reason, at: now } });
    await appendAudit(tx, { actor: systemActor, action: "evaluation.recuseDetected", target: `evaluation:${s.id}`, payload: { seat: member.seat, conflicts: found } });
    recused++;
    const backup = await seatBackup(app, tx, s, member, actor, "conflict detected at the evaluation");
    if (backup) queue.push(backup);
  }
  return recused;
}
