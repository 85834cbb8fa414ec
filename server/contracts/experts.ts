// The experts wire (专家库与专家抽取): the pool (administrators only), the
// specialty tree, draw requests, the draw's live views per role, invitations
// answered by link, sign-in at an expert terminal, the fairness report.
import { z } from "zod";
import { Id, IsoTime, TextEncoding } from "./common";
import { isValidCreditCode, residentIdBirthDate, residentIdProblem } from "./ids";

/** The message for an ID number whose birth date is after today; Chinese first, as the people who type it read it. */
export const birthDateFutureMessage = (birth: string) => `出生日期 ${birth} 晚于今天，不是有效的身份证号 / the birth date ${birth} is in the future: not a valid resident ID number`;

export const ResidentId = z
  .string()
  .trim()
  .toUpperCase()
  .superRefine((id, ctx) => {
    const problem = residentIdProblem(id);
    if (problem === "format") ctx.addIssue({ code: "custom", message: "not a valid resident ID number (18 characters, real birth date, GB 11643 check character)" });
    else if (problem === "birth-date-future") ctx.addIssue({ code: "custom", message: birthDateFutureMessage(residentIdBirthDate(id)!) });
  });

export const ExpertCreditCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isValidCreditCode, "not a valid unified social credit code (GB 32100-2015 check character)");

export const Mobile = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, "must be an 11-digit mainland mobile number");

/** Hierarchical specialty code: a letter, then pairs of digits (A01, A0101, A010101 …). */
export const SpecialtyCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z](\d{2}){1,4}$/, "must be a specialty code such as A0101");

/** County-level administrative division code (GB/T 2260). */
export const RegionCode = z.string().trim().regex(/^[1-8]\d{5}$/, "must be a 6-digit administrative division code");
/** A region prefix for a site: 2 digits (province), 4 (city) or 6 (county). */
export const RegionPrefix = z.string().trim().regex(/^(\d{2}|\d{4}|\d{6})$/, "must be 2, 4 or 6 digits of a division code");

export const ExpertStatus = z.enum(["active", "suspended", "retired"]);
export type ExpertStatus = z.infer<typeof ExpertStatus>;
export const expertStatusNames: Record<ExpertStatus, string> = { active: "正常", suspended: "暂停", retired: "退出" };

export const ExclusionReason = z.enum([
  "bidder-employer",
  "owner-staff",
  "declared-relation",
  "on-leave",
  "suspended",
  "retired",
  "drawn-too-often",
  "same-county",
  "manual",
]);
export type ExclusionReason = z.infer<typeof ExclusionReason>;
export const exclusionNames: Record<ExclusionReason, string> = {
  "bidder-employer": "投标人单位",
  "owner-staff": "招标人单位",
  "declared-relation": "申报回避关系",
  "on-leave": "请假",
  suspended: "暂停",
  retired: "退出",
  "drawn-too-often": "近期抽取次数超限",
  "same-county": "项目所在县区",
  manual: "人工回避",
};

// ── specialty tree ──
export interface SpecialtyNodeInput {
  code: string;
  name: string;
  children?: SpecialtyNodeInput[] | undefined;
}
export const SpecialtyNode: z.ZodType<SpecialtyNodeInput> = z.lazy(() =>
  z.object({
    code: SpecialtyCode,
    name: z.string().trim().min(1).max(60),
    children: z.array(SpecialtyNode).max(500).optional(),
  }),
);
export const SpecialtyTreeInput = z.object({ nodes: z.array(SpecialtyNode).min(1).max(500) });
export const SpecialtyView = z.object({ code: z.string(), name: z.string(), parentCode: z.string().nullable(), experts: z.number() });
export type SpecialtyView = z.infer<typeof SpecialtyView>;

// ── the pool ──
export const ExpertInput = z.object({
  name: z.string().trim().min(2).max(40),
  residentId: ResidentId,
  mobile: Mobile,
  specialties: z.array(SpecialtyCode).min(1).max(10),
  regionCode: RegionCode,
  regionName: z.string().trim().max(60).default(""),
  employerName: z.string().trim().min(2).max(200),
  employerCreditCode: ExpertCreditCode,
  title: z.string().trim().max(40).default(""),
  status: ExpertStatus.default("active"),
  statusReason: z.string().trim().max(200).default(""),
});
export type ExpertInput = z.infer<typeof ExpertInput>;

export const ExpertUpdateInput = ExpertInput.partial()
  .omit({ residentId: true })
  .extend({ expertId: z.coerce.number().int().positive().max(2_147_483_647) });
export type ExpertUpdateInput = z.infer<typeof ExpertUpdateInput>;

export const ExpertRef = z.object({ expertId: z.coerce.number().int().positive().max(2_147_483_647) });

export const LeaveInput = z
  .object({
    expertId: z.coerce.number().int().positive().max(2_147_483_647),
    startsAt: IsoTime,
    endsAt: IsoTime,
    reason: z.string().trim().min(2).max(200),
  })
  .refine((l) => Date.parse(l.endsAt) > Date.parse(l.startsAt), { path: ["endsAt"], message: "must be after startsAt" });
export const RelationInput = z.object({
  expertId: z.coerce.number().int().positive().max(2_147_483_647),
  creditCode: ExpertCreditCode,
  companyName: z.string().trim().max(200).default(""),
  relation: z.string().trim().min(2).max(200),
});

export const ExpertSummary = z.object({
  id: z.number(),
  name: z.string(),
  idMasked: z.string(),
  mobileMasked: z.string(),
  specialties: z.array(z.string()),
  regionCode: z.string(),
  regionName: z.string(),
  employerName: z.string(),
  employerCreditCode: z.string(),
  title: z.string(),
  status: ExpertStatus,
  statusReason: z.string(),
});
export type ExpertSummary = z.infer<typeof ExpertSummary>;

export const ExpertDetail = ExpertSummary.extend({
  leaves: z.array(z.object({ id: Id, startsAt: IsoTime, endsAt: IsoTime, reason: z.string() })),
  relations: z.array(z.object({ id: Id, creditCode: z.string(), companyName: z.string(), relation: z.string() })),
  /** Draws and sittings, newest first. */
  history: z.array(
    z.object({
      drawId: Id,
      projectId: Id,
      evaluationAt: IsoTime,
      kind: z.enum(["member", "backup", "replacement"]),
      state: z.string(),
      pickedAt: IsoTime,
    }),
  ),
});
export type ExpertDetail = z.infer<typeof ExpertDetail>;

export const ExpertListQuery = z.object({
  q: z.string().trim().max(60).optional(),
  specialty: SpecialtyCode.optional(),
  status: ExpertStatus.optional(),
  region: RegionPrefix.optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export const ExpertList = z.object({ total: z.number(), page: z.number(), pageSize: z.number(), experts: z.array(ExpertSummary) });

// ── import ──
export const ImportPolicy = z.enum(["all-or-nothing", "partial"]);
export type ImportPolicy = z.infer<typeof ImportPolicy>;
export const ImportQuery = z.object({
  format: z.enum(["csv", "xlsx"]).default("csv"),
  policy: ImportPolicy.default("all-or-nothing"),
});
export const ImportRowError = z.object({ line: z.number(), field: z.string(), message: z.string() });
export type ImportRowError = z.infer<typeof ImportRowError>;
export const ImportReport = z.object({
  importId: z.string(),
  policy: ImportPolicy,
  rows: z.number(),
  imported: z.number(),
  rejected: z.number(),
  /** Row-by-row errors (the first 1000; `rejected` counts them all). */
  errors: z.array(ImportRowError),
  committed: z.boolean(),
  ms: z.number(),
  /** How a CSV file's bytes were read (UTF-8, UTF-8 with BOM, GB18030/GBK); null for XLSX. */
  encoding: TextEncoding.nullable(),
});
export type ImportReport = z.infer<typeof ImportReport>;

// ── the draw request ──
export const SpecialtyNeed = z.object({
  specialtyCode: SpecialtyCode,
  count: z.number().int().min(1).max(50),
  backups: z.number().int().min(0).max(20).default(0),
});
export const DrawSite = z.object({
  roomId: Id,
  role: z.enum(["main", "secondary"]),
  /** Draw this site's experts only from this region (e.g. the secondary site's city). */
  regionPrefix: RegionPrefix.optional(),
  needs: z.array(SpecialtyNeed).min(1).max(20),
});
export const RequestDrawInput = z
  .object({
    projectId: Id,
    lotId: Id.optional(),
    evaluationAt: IsoTime,
    sites: z.array(DrawSite).min(1).max(10),
    /** Seats of the tenderer's representatives (招标人代表) on the committee; they are not drawn. */
    ownerRepresentatives: z.number().int().min(0).max(10).default(0),
    /** The tenderer's (and its supervising department's) credit codes: their staff are excluded. */
    ownerCreditCodes: z.array(ExpertCreditCode).max(20).default([]),
    /** The project's county (GB/T 2260), for the same-county rule. */
    projectRegionCode: RegionCode.optional(),
    /** Override of the configured same-county rule for this request. */
    excludeSameCounty: z.boolean().optional(),
    manualExclusions: z.array(z.object({ residentId: ResidentId, reason: z.string().trim().min(2).max(200) })).max(200).default([]),
  })
  .superRefine((r, ctx) => {
    const mains = r.sites.filter((s) => s.role === "main").length;
    if (mains !== 1) ctx.addIssue({ code: "custom", path: ["sites"], message: `exactly one main site, got ${mains}` });
    const rooms = new Set<string>();
    r.sites.forEach((s, i) => {
      if (rooms.has(s.roomId)) ctx.addIssue({ code: "custom", path: ["sites", i, "roomId"], message: "a room appears twice" });
      rooms.add(s.roomId);
      const codes = new Set<string>();
      s.needs.forEach((n, j) => {
        if (codes.has(n.specialtyCode)) ctx.addIssue({ code: "custom", path: ["sites", i, "needs", j, "specialtyCode"], message: "a specialty appears twice at one site" });
        codes.add(n.specialtyCode);
      });
    });
  });
export type RequestDrawInput = z.infer<typeof RequestDrawInput>;

export const DrawRef = z.object({ drawId: Id });
export const CancelDrawInput = z.object({ drawId: Id, reason: z.string().trim().min(2).max(200) });

export const DrawStatus = z.enum(["committed", "drawn", "cancelled"]);
export type DrawStatus = z.infer<typeof DrawStatus>;
export const PickKind = z.enum(["member", "backup", "replacement"]);
export const PickState = z.enum(["reserve", "notified", "accepted", "declined", "no-answer", "signed-in", "cancelled"]);
export type PickState = z.infer<typeof PickState>;

export const BucketView = z.object({
  index: z.number(),
  site: z.object({ index: z.number(), roomId: Id, roomName: z.string(), city: z.string(), role: z.enum(["main", "secondary"]), regionPrefix: z.string() }),
  specialty: z.object({ code: z.string(), name: z.string() }),
  need: z.number(),
  backups: z.number(),
  eligible: z.number(),
  listDigest: z.string(),
});
export type BucketView = z.infer<typeof BucketView>;

export const CommitteeView = z.object({
  size: z.number(),
  experts: z.number(),
  ownerRepresentatives: z.number(),
  minimum: z.number(),
  /** Which rule sets the minimum: 招标投标法 art. 37, a negotiation/consultation group, 财政部令第87号 art. 47 (the page words it). */
  basis: z.enum(["tender-law", "consultation", "large-procurement"]),
  /** With basis large-procurement: the budget (fen) from which the larger committee applies. */
  thresholdFen: z.number().optional(),
});

export const DrawCommitment = z.object({
  drawId: Id,
  status: DrawStatus,
  seedHash: z.string(),
  poolGeneration: z.number(),
  committee: CommitteeView,
  buckets: z.array(BucketView),
  streams: z.object({ agent: z.string(), supervisor: z.string() }),
});
export type DrawCommitment = z.infer<typeof DrawCommitment>;

export const DrawRevealResult = z.object({
  drawId: Id,
  seed: z.string(),
  seedHash: z.string(),
  notified: z.number(),
  reserve: z.number(),
});

export const SeatView = z.object({
  seat: z.number(),
  kind: PickKind,
  state: PickState,
  /** Sealed (null) until the expert signs in at a terminal. */
  name: z.string().nullable(),
  answerBy: IsoTime.nullable(),
  /** Seat number this one replaces (补抽 or a called backup). */
  replacesSeat: z.number().nullable(),
});
export type SeatView = z.infer<typeof SeatView>;

export const DrawCounts = z.object({
  needed: z.number(),
  accepted: z.number(),
  signedIn: z.number(),
  pending: z.number(),
  declined: z.number(),
  noAnswer: z.number(),
  replacements: z.number(),
  reserve: z.number(),
});
export type DrawCounts = z.infer<typeof DrawCounts>;

/** `expert-draw:<drawId>:agent` — the project's agent: counts and confirmation states, names sealed. */
export const DrawAgentState = z.object({
  drawId: Id,
  projectCode: z.string(),
  lotCode: z.string().nullable(),
  status: DrawStatus,
  evaluationAt: IsoTime,
  answerMinutes: z.number(),
  commitment: z.object({ seedHash: z.string(), seed: z.string().nullable(), poolGeneration: z.number(), committedAt: IsoTime, drawnAt: IsoTime.nullable() }),
  committee: CommitteeView,
  buckets: z.array(BucketView.extend({ seats: z.array(SeatView), short: z.boolean() })),
  counts: DrawCounts,
});
export type DrawAgentState = z.infer<typeof DrawAgentState>;

/** `expert-draw:<drawId>:supervisor` — the agent's view plus the exclusions by reason (counts, no names). */
export const DrawSupervisorState = DrawAgentState.extend({
  buckets: z.array(
    BucketView.extend({ seats: z.array(SeatView), short: z.boolean(), candidates: z.number(), excluded: z.record(z.string(), z.number()) }),
  ),
  exclusions: z.array(z.object({ reason: ExclusionReason, detail: z.string(), count: z.number() })),
});
export type DrawSupervisorState = z.infer<typeof DrawSupervisorState>;

export const DrawListItem = z.object({
  drawId: Id,
  projectId: Id,
  lotId: Id.nullable(),
  status: DrawStatus,
  evaluationAt: IsoTime,
  committedAt: IsoTime,
  counts: DrawCounts,
});

/** What `npm run verify-draw -- --file` replays: kind "expert-draw". */
export const ExpertDrawRecord = z.object({
  kind: z.literal("expert-draw"),
  drawId: Id,
  projectCode: z.string(),
  seedHash: z.string(),
  seed: z.string().nullable(),
  poolGeneration: z.number(),
  buckets: z.array(
    z.object({
      index: z.number(),
      siteIndex: z.number(),
      specialtyCode: z.string(),
      need: z.number(),
      backups: z.number(),
      listDigest: z.string(),
      /** The frozen eligible list: uint32 big-endian expert numbers, ascending, base64. */
      list: z.string(),
    }),
  ),
  picks: z.array(z.object({ seq: z.number(), bucket: z.number(), position: z.number(), expertId: z.number(), kind: PickKind })),
});
export type ExpertDrawRecord = z.infer<typeof ExpertDrawRecord>;

/** The supervisors' audit of a draw: every audited step and the exclusions, names masked. */
export const DrawAudit = z.object({
  drawId: Id,
  steps: z.array(z.object({ seq: z.number(), at: IsoTime, action: z.string(), actorRole: z.string(), hash: z.string() })),
  picks: z.array(
    z.object({ seq: z.number(), bucket: z.number(), kind: PickKind, state: PickState, nameMasked: z.string(), idMasked: z.string(), answeredAt: IsoTime.nullable(), answerVia: z.string().nullable() }),
  ),
  exclusions: z.array(
    z.object({ reason: ExclusionReason, detail: z.string(), count: z.number(), experts: z.array(z.object({ nameMasked: z.string(), idMasked: z.string() })) }),
  ),
});

// ── invitations (link) and sign-in (terminal) ──
export const InvitationToken = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "not an invitation token") });
export const InvitationView = z.object({
  projectCode: z.string(),
  evaluationAt: IsoTime,
  site: z.object({ roomName: z.string(), city: z.string() }),
  state: PickState,
  answerBy: IsoTime.nullable(),
});
export const AnswerInput = InvitationToken.extend({
  decision: z.enum(["accept", "decline"]),
  /** Something only the invited expert has: the last 4 characters of their ID number (a forwarded link alone cannot answer). */
  idLast4: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^\d{3}[\dX]$/, "must be the last 4 characters of the ID number (digits, the last may be X)"),
  reason: z.string().trim().max(200).optional(),
});
export const AnswerResult = z.object({ state: PickState });

export const SignInStartInput = z.object({ residentId: ResidentId });
export const SignInStartResult = z.object({ sent: z.literal(true), mobileMasked: z.string(), expiresAt: IsoTime });
export const SignInFinishInput = z.object({ residentId: ResidentId, code: z.string().trim().regex(/^\d{6}$/, "must be the 6-digit code") });
export const SignInFinishResult = z.object({
  name: z.string(),
  projectCode: z.string(),
  seat: z.number(),
  specialty: z.object({ code: z.string(), name: z.string() }),
  site: z.object({ roomName: z.string(), role: z.enum(["main", "secondary"]) }),
});

/**
 * At an expert terminal: the expert declines the seat, or declares a conflict
 * of interest (回避), instead of signing in — proven by the one-time code —
 * or, for 回避 only, after signing in at this same terminal (no code then).
 * The seat is filled from the same frozen list (the next backup, else 补抽).
 */
export const SignInDeclineInput = z.object({
  residentId: ResidentId,
  code: z.string().trim().regex(/^\d{6}$/, "must be the 6-digit code").optional(),
  decision: z.enum(["decline", "recuse"]),
  reason: z.string().trim().min(2).max(200),
  /** 回避: the company the conflict is with, when there is one. */
  creditCode: ExpertCreditCode.optional(),
});
export type SignInDeclineInput = z.infer<typeof SignInDeclineInput>;
export const SignInDeclineResult = z.object({
  state: z.literal("declined"),
  /** How the seat was filled: a backup called, a replacement drawn (补抽), or none (list used up, evaluation started). */
  filledBy: z.enum(["backup", "replacement", "none"]),
});

// ── fairness ──
export const FairnessQuery = z
  .object({ from: z.iso.date().or(IsoTime), to: z.iso.date().or(IsoTime) })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { path: ["to"], message: "must be after from" });
export const FairnessReport = z.object({
  from: IsoTime,
  to: IsoTime,
  poolActive: z.number(),
  draws: z.number(),
  picks: z.number(),
  sittings: z.number(),
  expertsSitting: z.number(),
  neverDrawn: z.number(),
  /** How many experts sat k times (k = 0 included). */
  distribution: z.array(z.object({ sittings: z.number(), experts: z.number() })),
  largest: z.object({ expertId: z.number(), nameMasked: z.string(), sittings: z.number(), share: z.number() }).nullable(),
  top: z.array(z.object({ expertId: z.number(), nameMasked: z.string(), sittings: z.number(), share: z.number() })),
  /** Gini coefficient of sittings over the active pool (0 = everyone equally, 1 = one expert sits every time). */
  gini: z.number(),
});
export type FairnessReport = z.infer<typeof FairnessReport>;

/** Where an expert goes, as the invitation (SMS and page) names it: the room, and its city unless the room's name says it already. */
export const placeLabel = (roomName: string, city: string): string => (city && !roomName.includes(city) ? `${roomName}（${city}）` : roomName);
