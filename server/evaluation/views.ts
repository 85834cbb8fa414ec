// Live stream kinds of the evaluation, each cut to its audience on the server:
//   evaluation:<id>                      public (projector, wall, rooms): stage, progress, links; no score, no expert name
//   evaluation:<id>:expert:<memberId>    one expert's terminal (the chair's too), drafts included
//   evaluation:<id>:agent                the agent's console: progress, blockers, results; names after sign-in
//   evaluation:<id>:supervisor           everything the agent sees + outlier reasons, conflicts, corrections, the log
//   evaluation:<id>:company:<companyId>  a bidder: the clarification questions to it
import {
  DraftSheet,
  EvalStep,
  evalStepNames,
  ScoringTemplate,
  type EvalAgentState,
  type EvalBidderState,
  type EvalExpertState,
  type EvalPublicState,
  type EvalSupervisorState,
  type MemberView,
  type PriceScores,
  type QualificationResultRow,
  type ResultRow,
  type Sheet,
  type SheetStep,
  type SiteProgress,
  type SiteView,
} from "@contracts/evaluation";
import type { Principal } from "../auth/principal";
import { directSql, type Db } from "../db";
import type { PresenceRegistry } from "../devices/presence";
import { parseStreamKey, streamKey } from "@contracts/streams";
import type { StreamKind } from "../live/streams";
import { blockersOf, chairCandidates, loadBidders } from "./model";
import { CLOSED_SHOWN_MS, stepsFor } from "./rules";
import { outliers, sheetTotals } from "./compute";
import { committeeOf, withPeople } from "./committee";
import { rankingViews } from "./ranking";

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * Who a conflict is with: a bidder's name, or the project owner (招标人) for a conflict detected from the expert's
 * employer (conflicts.ts records those as `owner:<credit code or name>`).
 */
function conflictPartyName(g: { companyName: Map<string, string>; lot: { project: { ownerName: string } } }, companyId: string): string {
  if (!companyId.startsWith("owner:")) return g.companyName.get(companyId) ?? "";
  const owner = g.lot.project.ownerName.trim() || companyId.slice("owner:".length);
  return `招标人 ${owner}`;
}

async function gather(db: Db, presence: PresenceRegistry, sessionId: string) {
  const s = await db.evalSession.findUnique({ where: { id: sessionId } });
  if (!s) return null;
  const t = ScoringTemplate.parse(JSON.parse(s.template));
  const lot = await db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
  const committee = await committeeOf(db, sessionId);
  const members = committee.map((x) => x.m);
  // Seating (signed in, where) and names by member id: drawn experts and the tenderer's representatives alike (committee.ts).
  const picks = new Map(committee.map((x) => [x.m.id, x.pick]));
  const experts = new Map(committee.map((x) => [x.m.id, x.person.name]));
  const subs = await db.evalSubmission.findMany({ where: { sessionId }, orderBy: { submittedAt: "asc" } });
  const live = subs.filter((x) => !x.supersededAt);
  const sitesRows = await db.evalSite.findMany({ where: { sessionId } });
  const rooms = new Map((await db.room.findMany({ where: { id: { in: sitesRows.map((x) => x.roomId) } } })).map((r) => [r.id, r]));
  const bidders = await loadBidders(db, s.lotId);
  const qual = s.qualification ? (JSON.parse(s.qualification) as QualificationResultRow[]) : null;
  const clar = await db.evalClarification.findMany({ where: { sessionId }, orderBy: { askedAt: "asc" } });
  const reqs = await db.evalRequest.findMany({ where: { sessionId }, orderBy: { requestedAt: "asc" } });
  const dissents = await db.evalDissent.findMany({ where: { sessionId }, orderBy: { at: "asc" } });
  const signedIn = (m: (typeof members)[number]) => picks.get(m.id)?.state === "signed-in";
  const online = (m: (typeof members)[number]) => {
    const d = picks.get(m.id)?.signedInDevice;
    return !!d && signedIn(m) && presence.isOnline(d);
  };
  const name = (memberId: string | null | undefined) => {
    const m = members.find((x) => x.id === memberId);
    return m && signedIn(m) ? (experts.get(m.id) ?? null) : null;
  };
  const seat = (memberId: string | null | undefined) => members.find((x) => x.id === memberId)?.seat ?? 0;
  const companyName = new Map(bidders.map((b) => [b.companyId, b.companyName]));
  const memberViews: MemberView[] = members.map((m) => ({
    memberId: m.id,
    seat: m.seat,
    kind: m.kind === "owner-rep" ? ("owner-rep" as const) : ("expert" as const),
    name: signedIn(m) ? (experts.get(m.id) ?? null) : null,
    roomId: m.roomId,
    state: m.state === "recused" ? "recused" : signedIn(m) ? "signed-in" : "waiting",
    isChair: s.chairMemberId === m.id,
    pledged: !!m.pledgedAt,
    declared: !!m.declaredAt,
    online: online(m),
    submitted: { qualification: live.some((x) => x.memberId === m.id && x.step === "qualification"), scoring: live.some((x) => x.memberId === m.id && x.step === "scoring"), adjustments: live.some((x) => x.memberId === m.id && x.step === "adjustments") },
    signature: m.signature as MemberView["signature"],
    replacesSeat: m.replacesId ? seat(m.replacesId) : null,
  }));
  const sites: SiteView[] = [];
  for (const x of sitesRows.sort((a, b) => (a.role === b.role ? a.roomId.localeCompare(b.roomId) : a.role === "main" ? -1 : 1))) {
    const here = members.filter((m) => m.roomId === x.roomId && m.state !== "recused");
    const r = rooms.get(x.roomId);
    sites.push({
      roomId: x.roomId,
      roomName: r?.name ?? "",
      city: r?.city ?? "",
      role: x.role as "main" | "secondary",
      members: here.length,
      signedIn: here.filter(signedIn).length,
      terminalsOnline: here.filter(online).length,
      link: x.link as "up" | "down",
      linkChangedAt: iso(x.linkChangedAt),
    });
  }
  // A closed session has no fault clock any more (the links of its rooms are not watched after the close).
  const down = s.status === "closed" ? undefined : sitesRows.filter((x) => x.link === "down" && x.faultEndsAt).sort((a, b) => a.faultEndsAt!.getTime() - b.faultEndsAt!.getTime())[0];
  const faultClock = down
    ? { roomId: down.roomId, roomName: rooms.get(down.roomId)?.name ?? "", kind: down.faultKind as "before-start" | "during", since: down.faultSince!.toISOString(), endsAt: down.faultEndsAt!.toISOString(), expired: down.faultEndsAt!.getTime() <= Date.now() }
    : null;
  const clarifications = clar.map((c) => ({ id: c.id, companyId: c.companyId, companyName: companyName.get(c.companyId) ?? "", question: c.question, askedAt: c.askedAt.toISOString(), answerBy: c.answerBy.toISOString(), answer: c.answer, answeredAt: iso(c.answeredAt), expiredAt: iso(c.expiredAt) }));
  const requests = reqs.map((r) => ({ id: r.id, kind: r.kind as "pause" | "resume" | "correction", reason: r.reason, memberSeat: r.memberId ? seat(r.memberId) : null, step: (r.step as SheetStep | null) ?? null, state: r.state as "pending" | "approved" | "rejected", requestedAt: r.requestedAt.toISOString(), decidedAt: iso(r.decidedAt) }));
  const stepIdx = stepsFor(t.method).indexOf(s.step as EvalStep);
  const atLeast = (step: EvalStep) => stepIdx >= stepsFor(t.method).indexOf(step);
  const report = s.reportSha256
    ? {
        sha256: s.reportSha256,
        madeAt: s.reportMadeAt!.toISOString(),
        signatures: members.filter((m) => m.signature === "signed").sort((a, b) => a.signedAt!.getTime() - b.signedAt!.getTime()).map((m) => ({ seat: m.seat, name: experts.get(m.id) ?? "", signedAt: m.signedAt!.toISOString(), field: `expert-${m.seat}` })),
        platformSigned: !!s.platformSignedAt,
        dissents: dissents.map((d) => ({ seat: seat(d.memberId), name: name(d.memberId) ?? "", text: d.text, at: d.at.toISOString() })),
        url: `/api/evaluations/${s.id}/report.pdf`,
      }
    : null;
  let chairElection = null;
  if (atLeast("chair")) {
    const active = members.filter((m) => m.state !== "recused").map((m) => m.id);
    const cands = s.chairMemberId ? [s.chairMemberId] : await chairCandidates(db, s, active);
    const votes = await db.evalVote.count({ where: { sessionId, round: s.chairRound } });
    chairElection = { round: s.chairRound, candidates: cands.map((id) => ({ memberId: id, seat: seat(id), name: name(id) })), votes, of: active.length, chairMemberId: s.chairMemberId };
  }
  return {
    s, t, lot, members, memberViews, subs, live, sites, faultClock, bidders, qual, clarifications, requests, report, chairElection, name, seat, companyName, atLeast, experts, picks, dissents, sitesRows,
    priceScores: s.priceScores ? (JSON.parse(s.priceScores) as PriceScores | null) : null,
    result: s.result ? (JSON.parse(s.result) as ResultRow[]) : null,
    candidates: s.candidates ? (JSON.parse(s.candidates) as ResultRow[]) : null,
  };
}
type Gathered = NonNullable<Awaited<ReturnType<typeof gather>>>;

const lotOf = (g: Gathered) => ({ id: g.lot.id, code: g.lot.code, name: g.lot.name, projectCode: g.lot.project.code, projectName: g.lot.project.name });
const bidderViews = (g: Gathered) => g.bidders.map((b) => ({ companyId: b.companyId, companyName: b.companyName, priceFen: b.priceFen, qualified: g.qual ? (g.qual.find((q) => q.companyId === b.companyId)?.qualified ?? false) : null }));

/** Per site: counts of its active members at each early step and of the current sheet step's submissions (never who). */
function siteProgress(g: Gathered, sheetStep: SheetStep | null): SiteProgress[] {
  return g.sites.map((site) => {
    const here = g.members.filter((m) => m.roomId === site.roomId && m.state !== "recused");
    const views = here.map((m) => g.memberViews.find((v) => v.memberId === m.id)!);
    return {
      roomId: site.roomId,
      roomName: site.roomName,
      role: site.role,
      members: here.length,
      signedIn: views.filter((v) => v.state === "signed-in").length,
      pledged: views.filter((v) => v.pledged).length,
      declared: views.filter((v) => v.declared).length,
      sheet: sheetStep ? { step: sheetStep, submitted: here.filter((m) => g.live.some((x) => x.step === sheetStep && x.memberId === m.id)).length } : null,
    };
  });
}

export async function buildEvalPublic(db: Db, presence: PresenceRegistry, sessionId: string): Promise<EvalPublicState | null> {
  const g = await gather(db, presence, sessionId);
  if (!g) return null;
  const steps = stepsFor(g.t.method);
  const cur = steps.indexOf(g.s.step as EvalStep);
  const active = g.members.filter((m) => m.state !== "recused");
  const sheetStep: SheetStep | null = g.s.step === "qualification" || g.s.step === "scoring" || g.s.step === "adjustments" ? g.s.step : null;
  return {
    sessionId,
    lot: lotOf(g),
    method: g.t.method,
    step: EvalStep.parse(g.s.step),
    status: g.s.status as EvalPublicState["status"],
    steps: steps.map((step, i) => ({ step, name: evalStepNames[step], state: i < cur || g.s.step === "closed" ? "done" : i === cur ? "current" : "pending" })),
    sites: g.sites,
    committee: { size: active.length, signedIn: g.memberViews.filter((m) => m.state === "signed-in").length, chairElected: !!g.s.chairMemberId },
    progress: sheetStep ? { submitted: g.live.filter((x) => x.step === sheetStep && active.some((m) => m.id === x.memberId)).length, of: active.length } : null,
    siteProgress: siteProgress(g, sheetStep),
    faultClock: g.faultClock,
    bidders: g.bidders.map((b) => ({ companyId: b.companyId, companyName: b.companyName })),
    candidates: g.atLeast("candidates") && g.candidates ? g.candidates.map((c) => ({ rank: c.rank, companyName: c.companyName, total: c.total })) : null,
    startedAt: g.s.startedAt.toISOString(),
    closedAt: iso(g.s.closedAt),
  };
}

async function buildAgent(db: Db, g: Gathered): Promise<EvalAgentState> {
  return {
    sessionId: g.s.id,
    lotId: g.s.lotId,
    drawId: g.s.drawId,
    step: EvalStep.parse(g.s.step),
    status: g.s.status as EvalAgentState["status"],
    lot: lotOf(g),
    method: g.t.method,
    sites: g.sites,
    members: g.memberViews,
    chairElection: g.chairElection,
    blockers: g.s.status === "closed" ? [] : await blockersOf(db, g.s),
    bidders: bidderViews(g),
    qualification: g.qual,
    priceScores: g.priceScores,
    ...rankingViews(g.s),
    result: g.result,
    candidates: g.candidates,
    clarifications: g.clarifications,
    requests: g.requests,
    report: g.report,
    faultClock: g.faultClock,
    startedAt: g.s.startedAt.toISOString(),
    closedAt: iso(g.s.closedAt),
  };
}

async function buildSupervisor(db: Db, g: Gathered): Promise<EvalSupervisorState> {
  const agent = await buildAgent(db, g);
  const scoring = g.subs.filter((x) => x.step === "scoring");
  const conflicts = await db.evalConflict.findMany({ where: { sessionId: g.s.id }, orderBy: { at: "asc" } });
  const audit = await db.auditEvent.findMany({ where: { target: `evaluation:${g.s.id}` }, orderBy: { seq: "asc" }, select: { at: true, action: true, actorRole: true } });
  return {
    ...agent,
    outlierReasons: scoring.flatMap((x) => (JSON.parse(x.outlierReasons) as { companyId: string; reason: string }[]).map((o) => ({ seat: g.seat(x.memberId), name: g.name(x.memberId), companyName: g.companyName.get(o.companyId) ?? "", reason: o.reason, at: x.submittedAt.toISOString() }))),
    corrections: g.subs.filter((x) => x.supersededAt).map((x) => ({ seat: g.seat(x.memberId), step: x.step as SheetStep, fromVersion: x.version, reason: g.requests.find((r) => r.kind === "correction" && r.state === "approved" && r.memberSeat === g.seat(x.memberId))?.reason ?? "", at: x.supersededAt!.toISOString() })),
    conflicts: conflicts.map((c) => ({ seat: g.seat(c.memberId), name: g.members.find((m) => m.id === c.memberId) ? (g.experts.get(c.memberId) ?? null) : null, companyName: conflictPartyName(g, c.companyId), reason: c.reason, at: c.at.toISOString() })),
    log: audit.map((a) => ({ at: a.at.toISOString(), action: a.action, detail: a.actorRole })),
    sealedAt: iso(g.s.sealedAt),
    sealReason: g.s.sealReason,
  };
}

async function buildExpert(db: Db, g: Gathered, memberId: string): Promise<EvalExpertState | null> {
  const m = g.members.find((x) => x.id === memberId);
  if (!m) return null;
  const view = g.memberViews.find((x) => x.memberId === memberId)!;
  const drafts = await db.evalDraft.findMany({ where: { memberId } });
  const draftOf = (step: string) => {
    const d = drafts.find((x) => x.step === step);
    if (!d) return null;
    const p = DraftSheet.safeParse(JSON.parse(d.sheet));
    return p.success ? p.data : null;
  };
  const active = g.members.filter((x) => x.state !== "recused");
  const allSubmitted = (step: string) => active.every((a) => g.live.some((x) => x.memberId === a.id && x.step === step));
  const visible = (step: string) => !g.t.hideScoresUntilAllSubmitted || allSubmitted(step);
  const others = g.live
    .filter((x) => x.memberId !== memberId && visible(x.step))
    .map((x) => ({ seat: g.seat(x.memberId), name: g.name(x.memberId), step: x.step as SheetStep, sheet: JSON.parse(x.sheet) as Sheet }));
  const scoringDraft = draftOf("scoring");
  const othersTotals = g.live.filter((x) => x.step === "scoring" && x.memberId !== memberId).map((x) => sheetTotals(JSON.parse(x.sheet) as { rows: { companyId: string; score: number }[] }));
  const myOutliers = scoringDraft && scoringDraft.step === "scoring" ? outliers(sheetTotals(scoringDraft), othersTotals, g.t.outlierLimit).map((o) => ({ ...o, needsReason: true as const })) : [];
  const myVote = g.s.chairMemberId ? null : ((await db.evalVote.findUnique({ where: { sessionId_round_voterId: { sessionId: g.s.id, round: g.s.chairRound, voterId: memberId } } }))?.candidateId ?? null);
  const expertName = g.experts.get(m.id) ?? "";
  const reveal = g.atLeast("candidates");
  return {
    sessionId: g.s.id,
    step: EvalStep.parse(g.s.step),
    status: g.s.status as EvalExpertState["status"],
    lot: { code: g.lot.code, name: g.lot.name, projectCode: g.lot.project.code, projectName: g.lot.project.name },
    template: g.t,
    me: { memberId, seat: m.seat, name: expertName, state: view.state, isChair: view.isChair, pledged: view.pledged, declared: view.declared, myVote, certificateSha256: m.certSha256, signature: view.signature },
    bidders: bidderViews(g),
    committee: g.memberViews,
    chairElection: g.chairElection,
    drafts: { qualification: draftOf("qualification"), scoring: scoringDraft, adjustments: draftOf("adjustments"), clientSeq: Math.max(0, ...drafts.map((d) => d.clientSeq)) },
    submissions: g.live
      .filter((x) => x.memberId === memberId)
      .map((x) => ({ submissionId: x.id, step: x.step as SheetStep, version: x.version, sha256: x.payloadSha256, submittedAt: x.submittedAt.toISOString(), sheet: JSON.parse(x.sheet) as Sheet, outlierReasons: JSON.parse(x.outlierReasons) as { companyId: string; reason: string }[] })),
    outliers: myOutliers,
    others,
    qualification: g.qual,
    priceScores: g.priceScores,
    ...rankingViews(g.s),
    result: g.result,
    candidates: reveal ? g.candidates : null,
    clarifications: g.clarifications,
    requests: view.isChair ? g.requests : [],
    report: g.report,
    faultClock: g.faultClock,
    sites: g.sites,
    // The chair moves every site on: it sees what the agent's console sees (the same check `evaluation:advance` makes).
    blockers: view.isChair && g.s.status !== "closed" ? await blockersOf(db, g.s) : [],
  };
}

async function sessionRooms(db: Db, sessionId: string) {
  const s = await db.evalSession.findUnique({ where: { id: sessionId } });
  if (!s) return null;
  const lot = await db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
  return { s, lot, rooms: (await db.evalSite.findMany({ where: { sessionId } })).map((x) => x.roomId) };
}

export function evaluationStreams(db: Db, presence: PresenceRegistry): StreamKind<{ id: string; view: string; sub: string }>[] {
  const publicKind: StreamKind<{ id: string; view: string; sub: string }> = {
    prefix: "evaluation",
    parse: (key) => {
      const m = parseStreamKey("evaluation", key);
      return m ? { id: m.sessionId, view: "public", sub: "" } : null;
    },
    async authorize(p: Principal, { id }) {
      const r = await sessionRooms(db, id);
      if (!r) return "not-found";
      if (p.kind === "device") return r.rooms.includes(p.roomId) || p.deviceKind === "monitoring-wall";
      if (p.role === "bidder") return !!p.companyId && (await db.bid.count({ where: { lotId: r.s.lotId, companyId: p.companyId } })) > 0;
      return p.role === "admin" || p.role === "agent" || p.role === "supervisor" || p.role === "expert";
    },
    build: ({ id }) => buildEvalPublic(db, presence, id),
  };
  const control = (view: "agent" | "supervisor"): StreamKind<{ id: string; view: string; sub: string }> => ({
    prefix: `evaluation-${view}`,
    parse: (key) => {
      const m = parseStreamKey(view === "agent" ? "evaluationAgent" : "evaluationSupervisor", key);
      return m ? { id: m.sessionId, view, sub: "" } : null;
    },
    async authorize(p, { id }) {
      const r = await sessionRooms(db, id);
      if (!r) return "not-found";
      if (p.kind !== "user") return false;
      if (view === "supervisor") return p.role === "supervisor" || p.role === "admin";
      return p.role === "admin" || p.role === "supervisor" || (p.role === "agent" && r.lot.project.agentUserId === p.userId);
    },
    async build({ id }) {
      const g = await gather(db, presence, id);
      if (!g) return null;
      return view === "agent" ? buildAgent(db, g) : buildSupervisor(db, g);
    },
  });
  const expertKind: StreamKind<{ id: string; view: string; sub: string }> = {
    prefix: "evaluation-expert",
    parse: (key) => {
      const m = parseStreamKey("evaluationExpert", key);
      return m ? { id: m.sessionId, view: "expert", sub: m.memberId } : null;
    },
    async authorize(p, { id, sub }) {
      const m = await db.evalMember.findUnique({ where: { id: sub } });
      if (!m || m.sessionId !== id) return "not-found";
      if (p.kind !== "device" || p.deviceKind !== "expert-terminal") return false;
      const seated = (await withPeople(db, id, [m]))[0]!.pick;
      return seated.state === "signed-in" && seated.signedInDevice === p.deviceId;
    },
    async build({ id, sub }) {
      const g = await gather(db, presence, id);
      return g ? buildExpert(db, g, sub) : null;
    },
  };
  const companyKind: StreamKind<{ id: string; view: string; sub: string }> = {
    prefix: "evaluation-company",
    parse: (key) => {
      const m = parseStreamKey("evaluationCompany", key);
      return m ? { id: m.sessionId, view: "company", sub: m.companyId } : null;
    },
    async authorize(p, { id, sub }) {
      const r = await sessionRooms(db, id);
      if (!r) return "not-found";
      return p.kind === "user" && p.role === "bidder" && p.companyId === sub && (await db.bid.count({ where: { lotId: r.s.lotId, companyId: sub } })) > 0;
    },
    async build({ id, sub }): Promise<EvalBidderState | null> {
      const s = await db.evalSession.findUnique({ where: { id } });
      if (!s) return null;
      const clar = await db.evalClarification.findMany({ where: { sessionId: id, companyId: sub }, orderBy: { askedAt: "asc" } });
      const company = await db.company.findUnique({ where: { id: sub } });
      return {
        sessionId: id,
        companyId: sub,
        step: EvalStep.parse(s.step),
        status: s.status as EvalBidderState["status"],
        clarifications: clar.map((c) => ({ id: c.id, companyId: c.companyId, companyName: company?.name ?? "", question: c.question, askedAt: c.askedAt.toISOString(), answerBy: c.answerBy.toISOString(), answer: c.answer, answeredAt: iso(c.answeredAt), expiredAt: iso(c.expiredAt) })),
      };
    },
  };
  return [publicKind, control("agent"), control("supervisor"), expertKind, companyKind];
}

export type RoomEvaluation = { sessionId: string; lotId: string; stream: string; stage: string; title: string; members: number; signedIn: number };

/** The live evaluation in a room (for the room stream), if any; a just-closed one for CLOSED_SHOWN_MS. */
export async function evaluationInRoom(db: Db, roomId: string, now = Date.now()): Promise<RoomEvaluation | null> {
  return (await evaluationsInRooms(db, now, roomId)).get(roomId) ?? null;
}

/**
 * The evaluation shown in each room (or in one room), in one plain read on the app's connection (directSql:
 * the room stream is rebuilt on every notice, on the path from an agent's action to the room's screens; the
 * wall reads every room at once). Per room: a live session first, else the newest that ended a moment ago
 * (none if that one was sealed). Rooms without an evaluation are absent.
 */
export async function evaluationsInRooms(db: Db, now = Date.now(), roomId?: string): Promise<Map<string, RoomEvaluation>> {
  const closedSince = new Date(now - CLOSED_SHOWN_MS);
  type Row = { roomId: string; sessionId: string; status: string; lotId: string; step: string; lotName: string; projectName: string; members: number | bigint | string; signedIn: number | bigint | string };
  const rows = await directSql(db).all<Row>(
    `SELECT x."roomId" AS "roomId", s."id" AS "sessionId", s."status" AS "status", s."lotId" AS "lotId", s."step" AS "step", l."name" AS "lotName", p."name" AS "projectName",
      (SELECT COUNT(*) FROM "EvalMember" m WHERE m."sessionId" = s."id" AND m."state" <> 'recused') AS "members",
      (SELECT COUNT(*) FROM "ExpertPick" k WHERE k."state" = 'signed-in' AND k."id" IN (SELECT m."pickId" FROM "EvalMember" m WHERE m."sessionId" = s."id" AND m."state" <> 'recused'))
        + (SELECT COUNT(*) FROM "EvalOwnerRep" r JOIN "EvalMember" m ON m."id" = r."memberId" WHERE r."sessionId" = s."id" AND r."signedInAt" IS NOT NULL AND m."state" <> 'recused') AS "signedIn"
    FROM "EvalSite" x JOIN "EvalSession" s ON s."id" = x."sessionId" JOIN "Lot" l ON l."id" = s."lotId" JOIN "Project" p ON p."id" = l."projectId"
    WHERE (s."status" IN ('running', 'paused') OR (s."status" = 'closed' AND s."closedAt" > ?) OR (s."status" = 'sealed' AND s."sealedAt" > ?))
      ${roomId === undefined ? "" : `AND x."roomId" = ?`}
    ORDER BY CASE WHEN s."status" IN ('running', 'paused') THEN 0 ELSE 1 END, s."startedAt" DESC`,
    roomId === undefined ? [closedSince, closedSince] : [closedSince, closedSince, roomId],
  );
  const seen = new Set<string>();
  const out = new Map<string, RoomEvaluation>();
  for (const r of rows) {
    if (seen.has(r.roomId)) continue;
    seen.add(r.roomId);
    if (r.status === "sealed") continue;
    out.set(r.roomId, { sessionId: r.sessionId, lotId: r.lotId, stream: streamKey.evaluation(r.sessionId), stage: r.step, title: `${r.projectName} ${r.lotName} 评标`, members: Number(r.members), signedIn: Number(r.signedIn) });
  }
  return out;
}

/** Wall alerts of live evaluations: a lost link (with its fault clock), an expert's terminal missing, outlier reasons. */
export async function evaluationWallAlerts(db: Db, presence: PresenceRegistry) {
  const out: { id: string; kind: "expert-missing" | "link-lost" | "outlier-reason"; severity: "warning" | "error"; roomId: string; message: string; since: string }[] = [];
  // One plain read (the wall is rebuilt up to once a second, mostly with no evaluation running).
  const sessions = await directSql(db).all<{ id: string }>(`SELECT "id" FROM "EvalSession" WHERE "status" IN ('running', 'paused')`);
  for (const s of sessions) {
    const g = await gather(db, presence, s.id);
    if (!g) continue;
    for (const x of g.sitesRows) {
      if (x.link !== "down") continue;
      const r = g.sites.find((y) => y.roomId === x.roomId);
      const expired = !!x.faultEndsAt && x.faultEndsAt.getTime() <= Date.now();
      out.push({
        id: `link-lost:${s.id}:${x.roomId}`,
        kind: "link-lost",
        severity: "error",
        roomId: x.roomId,
        message: `${r?.roomName ?? ""} 与评标主场连接中断，故障时钟${x.faultKind === "during" ? "（评标中）" : "（开始前）"}${expired ? "已到期，可封存" : `至 ${x.faultEndsAt?.toISOString() ?? ""}`} / link lost`,
        since: (x.faultSince ?? x.linkChangedAt ?? new Date()).toISOString(),
      });
    }
    for (const m of g.memberViews) {
      if (m.state !== "signed-in" || m.online) continue;
      out.push({ id: `expert-missing:${s.id}:${m.memberId}`, kind: "expert-missing", severity: "warning", roomId: m.roomId, message: `评标专家（席位 ${m.seat}）终端离线 / expert missing`, since: new Date(g.s.startedAt).toISOString() });
    }
    for (const x of g.live.filter((y) => y.step === "scoring")) {
      const reasons = JSON.parse(x.outlierReasons) as { companyId: string; reason: string }[];
      for (const o of reasons) {
        out.push({ id: `outlier-reason:${x.id}:${o.companyId}`, kind: "outlier-reason", severity: "warning", roomId: g.members.find((m) => m.id === x.memberId)?.roomId ?? "", message: `席位 ${g.seat(x.memberId)} 对 ${g.companyName.get(o.companyId) ?? ""} 的评分偏离超过 ±30%，说明：${o.reason}`, since: x.submittedAt.toISOString() });
      }
    }
  }
  return out;
}
