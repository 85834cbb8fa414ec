// The evaluation's data: its rows as the commands and views read them (loaders), the session's row taken inside a
// command's transaction (lockStage), the member acting at an expert terminal, and the refresh after a change.
// Commands, views, the report and the timers read through here; nothing here imports a command.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ScoringTemplate, type Blocker, type Sheet, type SheetStep } from "@contracts/evaluation";
import { streamKey } from "@contracts/streams";
import type { Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { Db, Tx } from "../db";
import { AppError } from "../errors";
import type { Bidder } from "./compute";
import { committeeOf } from "./committee";
import { blockersFrom, tallyLeaders } from "./rules";

export const streamsOf = (id: string) => ({ public: streamKey.evaluation(id), agent: streamKey.evaluationAgent(id), supervisor: streamKey.evaluationSupervisor(id) });
export const sha256 = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");

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

/**
 * The session's status and step again, inside the command's transaction, with its row taken first (a no-op write:
 * `advance`, a pause or a seal, which write the row, wait for this transaction or make it fail here), so nothing
 * lands on a step that moved or a session that stopped after the command's first look.
 */
export async function lockStage(tx: Tx, sessionId: string, check: (s: SessionRow) => void): Promise<SessionRow> {
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

export const liveSubs = (db: Db | Tx, sessionId: string, step: SheetStep) => db.evalSubmission.findMany({ where: { sessionId, step, supersededAt: null } });

/** Why the current step may not be left yet (empty: it may): codes and seats (rules.ts blockersFrom); the pages word them (i18n). */
export async function blockersOf(db: Db | Tx, s: SessionRow): Promise<Blocker[]> {
  const all = await membersWithPicks(db, s.id);
  const sheetStep = s.step === "qualification" || s.step === "scoring" || s.step === "adjustments";
  const submitted = sheetStep ? new Set((await liveSubs(db, s.id, s.step as SheetStep)).map((x) => x.memberId)) : null;
  return blockersFrom(s, all, submitted);
}

/** Candidates of a chair round: every active member in round 1, else those tied at the top of the round before. */
export async function chairCandidates(db: Db | Tx, s: SessionRow, activeIds: string[]): Promise<string[]> {
  if (s.chairRound <= 1) return activeIds;
  const votes = await db.evalVote.findMany({ where: { sessionId: s.id, round: s.chairRound - 1 } });
  const { leaders } = tallyLeaders(votes);
  return activeIds.filter((id) => leaders.includes(id));
}

export async function drawK(db: Db | Tx, lotId: string): Promise<string | null> {
  const o = await db.openingSession.findUnique({ where: { lotId } });
  if (!o?.drawResult) return null;
  const r = JSON.parse(o.drawResult) as { kind: string; basisPoints?: number };
  if (r.kind !== "coefficient" || r.basisPoints === undefined) return null;
  return (r.basisPoints / 10000).toFixed(4);
}

export async function sheetsOf(db: Db | Tx, sessionId: string, step: SheetStep): Promise<Sheet[]> {
  return (await liveSubs(db, sessionId, step)).map((x) => JSON.parse(x.sheet) as Sheet);
}
