// The evaluation (评标) wire: sessions, steps, sheets, streams per audience.
//
// FLOW (for the client pages — expert terminal, chair, supervisor, projector, bidder):
//  1. The agent creates a session for a lot whose opening is closed, with a drawn
//     committee (experts draw) and a scoring template: `evaluation:create`
//     → { sessionId, streams }. The sites are the draw's rooms (main + secondary).
//     Every room of the session shows `evaluation:<id>` (its room stream's
//     `session.stream` points at it while the evaluation is live).
//     An expert terminal (or projector) learns the session from its room stream: `room:<roomId>`
//     state `session` = { kind: "evaluation", stream: "evaluation:<id>" }. A bidder finds its
//     clarification stream with GET /api/lots/:lotId/evaluation.
//  2. Expert terminals (devices of kind expert-terminal) sign the expert in with
//     the experts domain's `experts:signInStart` / `experts:signInFinish` (ID number
//     + one-time code). Then `evaluation:whoami { sessionId }` names the member and
//     its stream `evaluation:<id>:expert:<memberId>` (the expert's whole terminal
//     state: step, own drafts, own submissions, what may be seen of others).
//  3. Steps (EvalStep) run in order for all sites at once; the agent or the elected
//     chair moves on with `evaluation:advance { sessionId, from }` once the current
//     step is complete (the control streams and the chair's expert stream list what blocks it: `blockers`):
//       signin → pledge (evaluation:pledge) → conflicts (evaluation:declareConflicts;
//       a conflict — declared, or detected by the server from the pool record: employer or
//       declared relation is a bidder, staff of the owner — removes the expert and calls a
//       backup, who signs in, pledges and declares too) → chair (evaluation:voteChair; a tie opens a new round) →
//       qualification (sheets: pass/fail per criterion per bidder, reason on fail;
//       majority decides) → scoring (comprehensive method only: a score per criterion
//       per qualified bidder) → price (computed, formula + inputs + rounding shown) →
//       aggregate (committee totals, ranking) → candidates (advancing confirms the
//       recommended candidates; the deal is recorded) → report (the PDF is made;
//       each expert signs, dissents or refuses) → closed (the platform has signed).
//  4. Sheets: every keystroke goes to `evaluation:draft` (kept on the server,
//     shown back in the expert stream after a reconnect); `evaluation:submit`
//     submits once per step with an idempotency key (a replay answers the same;
//     another payload under the same key is refused). A scoring total more than
//     ±30 % (template) from the others' mean needs an outlier reason in the submit.
//     Until every member has submitted a step, nobody sees the others' sheets
//     (template.hideScoresUntilAllSubmitted).
//  5. Two-party actions: the chair asks (`evaluation:requestAction`: pause, resume,
//     correction of one member's submitted sheet), a supervisor approves
//     (`evaluation:approveAction`). Clarification: the chair (or agent) asks a bidder
//     (`evaluation:requestClarification`); the bidder answers on its page
//     (`evaluation:answerClarification`, stream `evaluation:<id>:company:<companyId>`).
//  6. Signing the report: the terminal holds the expert's own RSA key (WebCrypto,
//     non-extractable). `evaluation:enrollKey` (public key, SPKI PEM) → the platform
//     CA issues the expert's certificate for this session (a terminal that lost its key may
//     register a new one until the member has signed). `evaluation:prepareSignature`
//     → bytes to sign (DER of the CMS signed attributes, base64) for an incremental
//     signature over the current report; the terminal signs them with
//     RSASSA-PKCS1-v1_5 / SHA-256 and sends `evaluation:sign`. A signature that does not
//     verify with this expert's certificate is SIGNATURE_KEY_MISMATCH; if another
//     signature landed in between, SIGNATURE_STALE (prepare again). Once every member
//     has signed or refused, the platform signs and the session closes; its rooms keep it as their
//     session for 10 minutes (the terminals show their closed page), then go back to idle. The PDF:
//     GET /api/evaluations/:sessionId/report.pdf.
//  7. Remote sites: link health per site from the presence of its devices; a lost
//     link runs the fault clock (EVAL_FAULT_BEFORE_START_MINUTES / EVAL_FAULT_DURING_MINUTES,
//     2 h / 4 h); at expiry a supervisor may `evaluation:seal` the session (a new
//     committee then gets a new session).
import { z } from "zod";
import { Fen, Id, IsoTime } from "./common";
import { EvaluationMethod } from "./opening";
import { Mobile, ResidentId } from "./experts";

export const EvalStep = z.enum(["signin", "pledge", "conflicts", "chair", "qualification", "scoring", "price", "adjustments", "aggregate", "candidates", "report", "closed"]);
export type EvalStepName = z.infer<typeof EvalStep>;
/** The steps of each method, in order: stated once here for the server's commands and every page. */
const STEPS_COMPREHENSIVE: EvalStepName[] = ["signin", "pledge", "conflicts", "chair", "qualification", "scoring", "price", "aggregate", "candidates", "report", "closed"];
const STEPS_LOWEST: EvalStepName[] = ["signin", "pledge", "conflicts", "chair", "qualification", "adjustments", "aggregate", "candidates", "report", "closed"];
export const stepsFor = (method: string): EvalStepName[] => (method === "comprehensive" ? STEPS_COMPREHENSIVE : STEPS_LOWEST);
/** The step after `step` in `method`'s order (null at the end or for a step the method does not have). */
export const nextStepOf = (method: string, step: string): EvalStepName | null => {
  const all = stepsFor(method);
  const i = all.indexOf(step as EvalStepName);
  return i >= 0 && i < all.length - 1 ? all[i + 1]! : null;
};
export type EvalStep = z.infer<typeof EvalStep>;
export const evalStepNames: Record<EvalStep, string> = {
  signin: "专家签到",
  pledge: "廉洁承诺",
  conflicts: "回避申报",
  chair: "推选组长",
  qualification: "资格审查",
  scoring: "详细评审",
  price: "价格分计算",
  adjustments: "评标价调整",
  aggregate: "汇总排序",
  candidates: "推荐中标候选人",
  report: "评标报告签字",
  closed: "评标结束",
};
/** running: steps go on; paused: chair + supervisor paused it; sealed: sealed after a fault (a new committee follows); closed: done. */
export const EvalStatus = z.enum(["running", "paused", "sealed", "closed"]);
export type EvalStatus = z.infer<typeof EvalStatus>;
/** adjustments: 经评审的最低投标价法 only (evaluated-price adjustments per bidder, amount in fen and reason). */
export const SheetStep = z.enum(["qualification", "scoring", "adjustments"]);
export type SheetStep = z.infer<typeof SheetStep>;

/** A decimal as text, e.g. "0.30", "60" (exact arithmetic, never floating point). */
export const DecimalText = z.string().trim().regex(/^\d{1,6}(\.\d{1,6})?$/, "must be a non-negative decimal such as 0.30 or 60");
const Key = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/, "must be a short key (letters, digits, _ -)");

export const Rounding = z.object({ places: z.number().int().min(0).max(4).default(2), mode: z.literal("half-up").default("half-up") });
export type Rounding = z.infer<typeof Rounding>;

/** Price score rules: the three common price formulas. */
export const PriceRule = z.discriminatedUnion("kind", [
  /** 财政部令第87号: base = lowest valid bid; score = base / bid × weight × 100. */
  z.object({ kind: z.literal("lowest-price-base"), weight: DecimalText }),
  /** Trimmed average base (>3 bids drop both ends); score = full − below·d / full − above·d (d in %). */
  z.object({
    kind: z.literal("trimmed-average-deviation"),
    full: DecimalText,
    below: DecimalText.default("0.5"),
    above: DecimalText.default("1"),
    deviationPlaces: z.number().int().min(0).max(4).default(2),
  }),
  /** B = mean × (1 − K); K from the opening's coefficient draw unless `k` is given; score = full − 100·n·|P − B|/B. */
  z.object({
    kind: z.literal("average-times-one-minus-k"),
    full: DecimalText.default("100"),
    below: DecimalText.default("0.8"),
    above: DecimalText.default("1.2"),
    k: DecimalText.optional(),
  }),
  /** 经评审的最低投标价法: no price score; the evaluated price ranks. */
  z.object({ kind: z.literal("none") }),
]);
export type PriceRule = z.infer<typeof PriceRule>;

export const QualificationCriterion = z.object({ key: Key, label: z.string().trim().min(1).max(100) });
export const ScoringCriterion = z.object({
  key: Key,
  label: z.string().trim().min(1).max(100),
  group: z.enum(["technical", "business", "other"]).default("technical"),
  /** Highest score of this criterion (decimal text, e.g. "20"). */
  max: DecimalText,
});

export const ScoringTemplateBase = z.object({
    method: EvaluationMethod.exclude(["lowest-price"]),
    qualification: z.array(QualificationCriterion).min(1).max(30),
    /** Detailed scoring criteria (comprehensive method); empty for the lowest evaluated price. */
    criteria: z.array(ScoringCriterion).max(40).default([]),
    price: PriceRule,
    rounding: Rounding.default({ places: 2, mode: "half-up" }),
    aggregation: z.object({ trim: z.boolean().default(true), minForTrim: z.number().int().min(3).max(25).default(5) }).default({ trim: true, minForTrim: 5 }),
    /** Outlier limit as a fraction (0.30 = ±30 % from the others' mean). */
    outlierLimit: DecimalText.default("0.30"),
    hideScoresUntilAllSubmitted: z.boolean().default(true),
    candidates: z.number().int().min(1).max(5).default(3),
    /** Equal totals: lower bid price first, or higher technical (non-price) score first; still equal: the recorded tie draw (never the name). */
    tieRule: z.enum(["lower-price", "higher-technical"]).default("lower-price"),
    /** Price scores below 0 (a formula's deduction beyond the full mark, e.g. a far too high bid) count as 0. */
    priceFloorZero: z.boolean().default(false),
  });
export const ScoringTemplate = ScoringTemplateBase.superRefine((t, ctx) => {
    if (t.method === "comprehensive" && t.criteria.length === 0) ctx.addIssue({ code: "custom", path: ["criteria"], message: "the comprehensive method needs scoring criteria" });
    if (t.method === "comprehensive" && t.price.kind === "none") ctx.addIssue({ code: "custom", path: ["price"], message: "the comprehensive method needs a price rule" });
    if (t.method === "lowest-evaluated-price" && t.criteria.length > 0) ctx.addIssue({ code: "custom", path: ["criteria"], message: "the lowest evaluated price method has no detailed scoring" });
    if (t.priceFloorZero && t.price.kind === "none") ctx.addIssue({ code: "custom", path: ["priceFloorZero"], message: "a floor at 0 needs a price score rule" });
    const dup = (keys: string[], path: string) => {
      if (new Set(keys).size !== keys.length) ctx.addIssue({ code: "custom", path: [path], message: "a key appears twice" });
    };
    dup(t.qualification.map((c) => c.key), "qualification");
    dup(t.criteria.map((c) => c.key), "criteria");
  });
export type ScoringTemplate = z.infer<typeof ScoringTemplate>;
export type ScoringTemplateInput = z.input<typeof ScoringTemplate>;

// ── commands ──

export const SessionRef = z.object({ sessionId: Id });
/** A tenderer's representative (招标人代表) named by the agent when the evaluation starts; the employer is the project owner. */
export const OwnerRepInput = z.object({ name: z.string().trim().min(2).max(40), residentId: ResidentId, mobile: Mobile });
export type OwnerRepInput = z.infer<typeof OwnerRepInput>;
export const CreateEvaluationInput = z.object({
  lotId: Id,
  drawId: Id,
  template: ScoringTemplate,
  /** Exactly the lot's `ownerRepresentatives` seats (default 0); with the drawn experts the committee rules must hold. */
  ownerReps: z.array(OwnerRepInput).max(10).default([]),
  /**
   * Start although the committee has not all accepted or the scheduled time has not come: without it the
   * server refuses with EVALUATION_NOT_READY (details: `notAccepted` seats, `evaluationAt`); with it the
   * audit row records what was confirmed.
   */
  confirm: z.boolean().default(false),
});
export const EvalStreams = z.object({ public: z.string(), agent: z.string(), supervisor: z.string() });
export const CreateEvaluationResult = z.object({ sessionId: Id, step: EvalStep, streams: EvalStreams });

export const AdvanceInput = z.object({ sessionId: Id, from: EvalStep });
export const AdvanceResult = z.object({ sessionId: Id, step: EvalStep });

export const WhoAmIResult = z.object({
  sessionId: Id,
  memberId: Id,
  name: z.string(),
  /** expert, or owner-rep (招标人代表): the terminal says which. */
  kind: z.enum(["expert", "owner-rep"]),
  seat: z.number(),
  site: z.object({ roomId: Id, roomName: z.string(), role: z.enum(["main", "secondary"]) }),
  stream: z.string(),
  publicStream: z.string(),
});

export const DeclareConflictsInput = z.object({
  sessionId: Id,
  /** Empty: no conflict. Any entry removes this expert from the committee (a backup is called). */
  conflicts: z.array(z.object({ companyId: Id, reason: z.string().trim().min(2).max(500) })).max(50),
});
export const DeclareConflictsResult = z.object({ recused: z.boolean(), backupCalled: z.boolean() });

export const VoteChairInput = z.object({ sessionId: Id, round: z.number().int().min(1).max(100), candidateMemberId: Id });
export const VoteChairResult = z.object({ round: z.number(), votes: z.number(), of: z.number(), chairMemberId: Id.nullable(), newRound: z.boolean() });

/** A score: a number ≥ 0 with at most 2 decimals (checked against the criterion's max by the server). */
export const ScoreValue = z
  .number()
  .finite()
  .min(0)
  .refine((n) => Math.round(n * 100) === Number((n * 100).toFixed(6)), "must have at most 2 decimals");

export const QualificationRow = z.object({ companyId: Id, criterion: Key, pass: z.boolean(), reason: z.string().trim().max(500).default("") });
export const ScoreRow = z.object({ companyId: Id, criterion: Key, score: ScoreValue });
export const QualificationSheet = z.object({ step: z.literal("qualification"), rows: z.array(QualificationRow).max(2000) });
export const ScoringSheet = z.object({ step: z.literal("scoring"), rows: z.array(ScoreRow).max(2000) });
/** The largest adjustment accepted on the wire, in fen (10 亿元); the server also refuses one larger than the bid itself. */
export const MAX_ADJUSTMENT_FEN = 100_000_000_000;
/** An evaluated-price adjustment (经评审的最低投标价法): whole fen, + raises / − lowers the evaluated price, with its reason. */
export const AdjustmentFen = z.number().int("must be a whole number of fen").min(-MAX_ADJUSTMENT_FEN).max(MAX_ADJUSTMENT_FEN);
export const AdjustmentRow = z.object({ companyId: Id, amountFen: AdjustmentFen, reason: z.string().trim().max(500).default("") });
export const AdjustmentSheet = z.object({ step: z.literal("adjustments"), rows: z.array(AdjustmentRow).max(500) });
export const Sheet = z.discriminatedUnion("step", [QualificationSheet, ScoringSheet, AdjustmentSheet]);
export type Sheet = z.infer<typeof Sheet>;

/** A draft may be incomplete (a score may be empty while typing). */
export const DraftSheet = z.discriminatedUnion("step", [
  z.object({ step: z.literal("qualification"), rows: z.array(QualificationRow.extend({ pass: z.boolean().nullable() })).max(2000) }),
  z.object({ step: z.literal("scoring"), rows: z.array(ScoreRow.extend({ score: ScoreValue.nullable() })).max(2000), outlierReasons: z.record(Id, z.string().max(1000)).default({}) }),
  z.object({ step: z.literal("adjustments"), rows: z.array(AdjustmentRow.extend({ amountFen: AdjustmentFen.nullable() })).max(500) }),
]);
export type DraftSheet = z.infer<typeof DraftSheet>;
export const DraftInput = z.object({
  sessionId: Id,
  /** Increasing per terminal; an older draft arriving late is ignored. */
  /** Stored as a 32-bit integer (PostgreSQL INTEGER): a larger one is refused here, not by the database. */
  clientSeq: z.number().int().min(0).max(2_147_483_647),
  sheet: DraftSheet,
});
export const DraftResult = z.object({ step: SheetStep, clientSeq: z.number(), savedAt: IsoTime, applied: z.boolean() });

export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "must be 8–64 characters of A–Z a–z 0–9 _ -");
export const SubmitInput = z.object({
  sessionId: Id,
  idempotencyKey: IdempotencyKey,
  sheet: Sheet,
  /** Written reasons for outlier totals (scoring): companyId → reason. */
  outlierReasons: z.array(z.object({ companyId: Id, reason: z.string().trim().min(5).max(1000) })).max(100).default([]),
});
export const SubmitResult = z.object({ submissionId: Id, step: SheetStep, sha256: z.string(), submittedAt: IsoTime, version: z.number() });

export const DissentInput = z.object({ sessionId: Id, text: z.string().trim().min(5).max(4000) });
export const RefuseSignInput = z.object({ sessionId: Id, reason: z.string().trim().max(4000).default("") });
export const RefuseSignResult = z.object({ recordedAs: z.enum(["refused-with-reasons", "agreeing"]) });

export const EnrollKeyInput = z.object({ sessionId: Id, publicKeyPem: z.string().min(100).max(4000) });
export const EnrollKeyResult = z.object({ certificatePem: z.string(), sha256: z.string() });
export const PrepareSignatureResult = z.object({
  prepId: Id,
  /** DER of the CMS signed attributes (SET), base64: sign these bytes with RSASSA-PKCS1-v1_5 / SHA-256. */
  toSignB64: z.string(),
  fieldName: z.string(),
  /** SHA-256 of the report bytes this signature extends. */
  baseSha256: z.string(),
});
export const SignInput = z.object({ sessionId: Id, prepId: Id, signatureB64: z.string().regex(/^[A-Za-z0-9+/]+=*$/, "must be base64").min(100).max(2000) });
export const SignResult = z.object({ signatures: z.number(), reportSha256: z.string(), closed: z.boolean() });

export const ActionKind = z.enum(["pause", "resume", "correction"]);
export const RequestActionInput = z.object({
  sessionId: Id,
  kind: ActionKind,
  reason: z.string().trim().min(2).max(1000),
  /** correction: whose submitted sheet to reopen, and which step. */
  memberId: Id.optional(),
  step: SheetStep.optional(),
});
export const RequestActionResult = z.object({ requestId: Id });
export const ApproveActionInput = z.object({ sessionId: Id, requestId: Id, approve: z.boolean(), note: z.string().trim().max(1000).default("") });
export const ApproveActionResult = z.object({ requestId: Id, state: z.enum(["approved", "rejected"]), status: EvalStatus });

export const ClarificationInput = z.object({ sessionId: Id, companyId: Id, question: z.string().trim().min(2).max(4000), answerMinutes: z.number().int().min(5).max(1440).default(60) });
export const ClarificationResult = z.object({ clarificationId: Id });
export const AnswerClarificationInput = z.object({ clarificationId: Id, answer: z.string().trim().min(1).max(8000) });
export const AnswerClarificationResult = z.object({ clarificationId: Id, answeredAt: IsoTime });

export const SealInput = z.object({ sessionId: Id, reason: z.string().trim().min(2).max(1000) });
export const SealResult = z.object({ sessionId: Id, status: EvalStatus });

// ── computed results (each with formula, inputs and rounding) ──

export const PriceScoreLine = z.object({ companyId: Id, companyName: z.string(), priceFen: Fen, score: z.string(), working: z.string() });
export const PriceScores = z.object({
  method: z.string(),
  formula: z.string(),
  inputs: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])),
  rounding: Rounding,
  base: z.string(),
  lines: z.array(PriceScoreLine),
});
export type PriceScores = z.infer<typeof PriceScores>;

export const ResultRow = z.object({
  rank: z.number(),
  companyId: Id,
  companyName: z.string(),
  priceFen: Fen,
  /** Comprehensive: committee score of the detailed criteria (after dropping the ends), with its working. */
  expertScore: z.string().nullable(),
  expertWorking: z.string().nullable(),
  priceScore: z.string().nullable(),
  /** Comprehensive: expertScore + priceScore; lowest evaluated price: the evaluated price in yuan. */
  total: z.string(),
  evaluatedFen: Fen.nullable(),
  /** Lowest evaluated price: the committee's adjustment (evaluatedFen = priceFen + adjustmentFen). */
  adjustmentFen: Fen.nullable().default(null),
  /** How this row was ordered against an equal one: lower bid price, higher technical score, or the recorded tie draw. */
  tieBreak: z.enum(["lower-price", "higher-technical", "draw"]).nullable().default(null),
});
export type ResultRow = z.infer<typeof ResultRow>;

export const QualificationResultRow = z.object({
  companyId: Id,
  companyName: z.string(),
  qualified: z.boolean(),
  criteria: z.array(z.object({ criterion: z.string(), pass: z.number(), fail: z.number(), passed: z.boolean(), reasons: z.array(z.string()) })),
});
export type QualificationResultRow = z.infer<typeof QualificationResultRow>;

/** The committee's evaluated-price adjustment of one bidder: each member's total, aggregated like scores, to the fen. */
export const AdjustmentDecision = z.object({
  companyId: Id,
  companyName: z.string(),
  priceFen: Fen,
  adjustmentFen: Fen,
  evaluatedFen: Fen,
  /** The aggregation in yuan (kept / dropped members' totals, mean, rounded half up to the fen). */
  working: z.string(),
  /** Every member's items for this bidder (seat, amount, reason). */
  items: z.array(z.object({ seat: z.number(), amountFen: Fen, reason: z.string() })),
});
export type AdjustmentDecision = z.infer<typeof AdjustmentDecision>;
/**
 * A tie the bid price does not break, decided by a recorded draw: commit-reveal — the seed's SHA-256 is fixed when the
 * session is created, the seed is revealed when the ranking is made; order = drawOrder(seed, ids) (evaluation/compute.ts).
 */
export const TieDraw = z.object({ seedHash: z.string(), seed: z.string(), groups: z.array(z.object({ companyIds: z.array(Id), order: z.array(Id) })) });
export type TieDraw = z.infer<typeof TieDraw>;

// ── stream states ──

export const SiteView = z.object({
  roomId: Id,
  roomName: z.string(),
  city: z.string(),
  role: z.enum(["main", "secondary"]),
  members: z.number(),
  signedIn: z.number(),
  terminalsOnline: z.number(),
  /** up: a device of the site is online; down: none is, after one was (the fault clock runs); unused (未启用): none has connected since the session started (no fault). */
  link: z.enum(["up", "down", "unused"]),
  linkChangedAt: IsoTime.nullable(),
});
export type SiteView = z.infer<typeof SiteView>;

export const FaultClock = z.object({ roomId: Id, roomName: z.string(), kind: z.enum(["before-start", "during"]), since: IsoTime, endsAt: IsoTime, expired: z.boolean() });
export type FaultClock = z.infer<typeof FaultClock>;

export const BidderView = z.object({ companyId: Id, companyName: z.string(), priceFen: Fen, qualified: z.boolean().nullable() });

/** One site's progress through the steps: counts of its active members only (never a name or a score). */
export const SiteProgress = z.object({
  roomId: Id,
  roomName: z.string(),
  role: z.enum(["main", "secondary"]),
  members: z.number(),
  signedIn: z.number(),
  pledged: z.number(),
  declared: z.number(),
  /** The current sheet step (qualification / scoring) and how many of the site's members submitted it; null outside sheet steps. */
  sheet: z.object({ step: SheetStep, submitted: z.number() }).nullable(),
});
export type SiteProgress = z.infer<typeof SiteProgress>;

/** `evaluation:<id>` — public/projector/wall, every room of the session: stage and progress, never a score or an expert name before the result. */
export const EvalPublicState = z.object({
  sessionId: Id,
  lot: z.object({ id: Id, code: z.string(), name: z.string(), projectCode: z.string(), projectName: z.string() }),
  method: EvaluationMethod,
  step: EvalStep,
  status: EvalStatus,
  steps: z.array(z.object({ step: EvalStep, name: z.string(), state: z.enum(["done", "current", "pending"]) })),
  sites: z.array(SiteView),
  committee: z.object({ size: z.number(), signedIn: z.number(), chairElected: z.boolean() }),
  /** Current step's sheet progress (submitted of members), null outside sheet steps. */
  progress: z.object({ submitted: z.number(), of: z.number() }).nullable(),
  /** Per site (in `sites` order): members signed in / pledged / declared, and submitted of the current sheet step. Counts only. */
  siteProgress: z.array(SiteProgress),
  faultClock: FaultClock.nullable(),
  bidders: z.array(z.object({ companyId: Id, companyName: z.string() })),
  /** Shown from the candidates step on (the result is public then). */
  candidates: z.array(z.object({ rank: z.number(), companyName: z.string(), total: z.string() })).nullable(),
  startedAt: IsoTime,
  closedAt: IsoTime.nullable(),
});
export type EvalPublicState = z.infer<typeof EvalPublicState>;

export const MemberView = z.object({
  memberId: Id,
  seat: z.number(),
  /** expert: a drawn expert; owner-rep: the tenderer's representative (招标人代表), never drawn. */
  kind: z.enum(["expert", "owner-rep"]),
  /** Sealed (null) until the expert signs in. */
  name: z.string().nullable(),
  roomId: Id,
  state: z.enum(["waiting", "signed-in", "recused"]),
  isChair: z.boolean(),
  pledged: z.boolean(),
  declared: z.boolean(),
  online: z.boolean(),
  submitted: z.object({ qualification: z.boolean(), scoring: z.boolean(), adjustments: z.boolean().default(false) }),
  signature: z.enum(["pending", "signed", "refused", "agreeing"]),
  /** Seat this member replaces (a backup called after a conflict). */
  replacesSeat: z.number().nullable(),
});
export type MemberView = z.infer<typeof MemberView>;

export const SubmissionView = z.object({ submissionId: Id, step: SheetStep, version: z.number(), sha256: z.string(), submittedAt: IsoTime, sheet: Sheet, outlierReasons: z.array(z.object({ companyId: Id, reason: z.string() })) });
export const OutlierWarning = z.object({ companyId: Id, myTotal: z.string(), othersMean: z.string(), deviation: z.string(), needsReason: z.literal(true) });
export const ClarificationView = z.object({ id: Id, companyId: Id, companyName: z.string(), question: z.string(), askedAt: IsoTime, answerBy: IsoTime, answer: z.string().nullable(), answeredAt: IsoTime.nullable(), expiredAt: IsoTime.nullable() });
export const ActionRequestView = z.object({
  id: Id,
  kind: ActionKind,
  reason: z.string(),
  memberSeat: z.number().nullable(),
  step: SheetStep.nullable(),
  state: z.enum(["pending", "approved", "rejected"]),
  requestedAt: IsoTime,
  decidedAt: IsoTime.nullable(),
});
export const ReportView = z.object({
  sha256: z.string(),
  madeAt: IsoTime,
  signatures: z.array(z.object({ seat: z.number(), name: z.string(), signedAt: IsoTime, field: z.string() })),
  platformSigned: z.boolean(),
  dissents: z.array(z.object({ seat: z.number(), name: z.string(), text: z.string(), at: IsoTime })),
  url: z.string(),
});
export const ChairElectionView = z.object({ round: z.number(), candidates: z.array(z.object({ memberId: Id, seat: z.number(), name: z.string().nullable() })), votes: z.number(), of: z.number(), chairMemberId: Id.nullable() });

/** What keeps the current step from being left: a code and the seats concerned (the pages word it: evaluation.blocker.*). */
export const Blocker = z.object({
  code: z.enum(["not-signed-in", "no-pledge", "not-declared", "no-backup", "no-chair", "not-submitted", "not-signed", "not-running"]),
  seats: z.array(z.number().int()),
});
export type Blocker = z.infer<typeof Blocker>;

/** `evaluation:<id>:expert:<memberId>` — one expert's terminal (and the chair's, with `me.isChair`). */
export const EvalExpertState = z.object({
  sessionId: Id,
  step: EvalStep,
  status: EvalStatus,
  lot: z.object({ code: z.string(), name: z.string(), projectCode: z.string(), projectName: z.string() }),
  template: ScoringTemplateBase,
  me: z.object({
    memberId: Id,
    seat: z.number(),
    name: z.string(),
    state: MemberView.shape.state,
    isChair: z.boolean(),
    pledged: z.boolean(),
    declared: z.boolean(),
    myVote: Id.nullable(),
    certificateSha256: z.string().nullable(),
    signature: MemberView.shape.signature,
  }),
  bidders: z.array(BidderView),
  committee: z.array(MemberView),
  chairElection: ChairElectionView.nullable(),
  /** Server-held drafts (the last keystrokes), per sheet step. */
  drafts: z.object({ qualification: DraftSheet.nullable(), scoring: DraftSheet.nullable(), adjustments: DraftSheet.nullable().default(null), clientSeq: z.number() }),
  submissions: z.array(SubmissionView),
  /** Live: my draft totals that need a written reason before submitting. */
  outliers: z.array(OutlierWarning),
  /** Others' submitted sheets, once the rules allow (everyone submitted, or not hidden). */
  others: z.array(z.object({ seat: z.number(), name: z.string().nullable(), step: SheetStep, sheet: Sheet })),
  qualification: z.array(QualificationResultRow).nullable(),
  priceScores: PriceScores.nullable(),
  /** Lowest evaluated price: the committee's adjustments (from the aggregate step on) and the tie draw, if one was needed. */
  adjustments: z.array(AdjustmentDecision).nullable().default(null),
  tieDraw: TieDraw.nullable().default(null),
  result: z.array(ResultRow).nullable(),
  candidates: z.array(ResultRow).nullable(),
  clarifications: z.array(ClarificationView),
  requests: z.array(ActionRequestView),
  report: ReportView.nullable(),
  faultClock: FaultClock.nullable(),
  sites: z.array(SiteView),
  /** The chair's terminal: why `evaluation:advance` would be refused now (empty: it may advance); always empty for other members. */
  blockers: z.array(Blocker),
});
export type EvalExpertState = z.infer<typeof EvalExpertState>;

/** `evaluation:<id>:agent` — the agent (主持人) console: progress, what blocks the next step. Names only after sign-in. */
export const EvalAgentState = z.object({
  sessionId: Id,
  lotId: Id,
  drawId: Id,
  step: EvalStep,
  status: EvalStatus,
  lot: EvalPublicState.shape.lot,
  method: EvaluationMethod,
  sites: z.array(SiteView),
  members: z.array(MemberView),
  chairElection: ChairElectionView.nullable(),
  /** Why `evaluation:advance` would be refused now (empty: it may advance). */
  blockers: z.array(Blocker),
  bidders: z.array(BidderView),
  qualification: z.array(QualificationResultRow).nullable(),
  priceScores: PriceScores.nullable(),
  /** Lowest evaluated price: the committee's adjustments (from the aggregate step on) and the tie draw, if one was needed. */
  adjustments: z.array(AdjustmentDecision).nullable().default(null),
  tieDraw: TieDraw.nullable().default(null),
  result: z.array(ResultRow).nullable(),
  candidates: z.array(ResultRow).nullable(),
  clarifications: z.array(ClarificationView),
  requests: z.array(ActionRequestView),
  report: ReportView.nullable(),
  faultClock: FaultClock.nullable(),
  startedAt: IsoTime,
  closedAt: IsoTime.nullable(),
});
export type EvalAgentState = z.infer<typeof EvalAgentState>;

/** `evaluation:<id>:supervisor` — all sites, link health, fault clock, outlier reasons, corrections, the step log. */
export const EvalSupervisorState = EvalAgentState.extend({
  outlierReasons: z.array(z.object({ seat: z.number(), name: z.string().nullable(), companyName: z.string(), reason: z.string(), at: IsoTime })),
  corrections: z.array(z.object({ seat: z.number(), step: SheetStep, fromVersion: z.number(), reason: z.string(), at: IsoTime })),
  conflicts: z.array(z.object({ seat: z.number(), name: z.string().nullable(), companyName: z.string(), reason: z.string(), at: IsoTime })),
  log: z.array(z.object({ at: IsoTime, action: z.string(), detail: z.string() })),
  sealedAt: IsoTime.nullable(),
  sealReason: z.string().nullable(),
});
export type EvalSupervisorState = z.infer<typeof EvalSupervisorState>;

/** `evaluation:<id>:company:<companyId>` — a bidder's page: the clarification questions addressed to it. */
export const EvalBidderState = z.object({
  sessionId: Id,
  companyId: Id,
  step: EvalStep,
  status: EvalStatus,
  clarifications: z.array(ClarificationView),
});
export type EvalBidderState = z.infer<typeof EvalBidderState>;

export const EvaluationListItem = z.object({ sessionId: Id, lotId: Id, lotCode: z.string(), projectName: z.string(), step: EvalStep, status: EvalStatus, startedAt: IsoTime });
/** GET /api/lots/:lotId/evaluation — a bidder finds its clarification stream here (`streams.company`). */
export const LotEvaluation = z.object({
  sessionId: Id,
  step: EvalStep,
  status: EvalStatus,
  streams: z.object({ public: z.string(), agent: z.string().nullable(), supervisor: z.string().nullable(), company: z.string().nullable() }),
});
