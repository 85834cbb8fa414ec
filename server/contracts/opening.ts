// The opening (开标) wire: projects, lots, bidders' certificates, sealed bids,
// the live session's commands and the views its streams carry.
import { z } from "zod";
import { Fen, Id, IsoTime } from "./common";
import { isValidCreditCode } from "./ids";
import { yuanToFen } from "./money";

export const Category = z.enum(["engineering", "procurement", "property", "land"]);
export type Category = z.infer<typeof Category>;
export const categoryNames: Record<Category, string> = {
  engineering: "工程建设",
  procurement: "政府采购",
  property: "国有产权",
  land: "国有土地",
};
export const Procedure = z.enum(["open", "invited", "competitive-negotiation", "competitive-consultation", "listing", "auction"]);
export const EvaluationMethod = z.enum(["comprehensive", "lowest-evaluated-price", "lowest-price"]);

export const CreditCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isValidCreditCode, "not a valid unified social credit code (GB 32100-2015 check character)");

/** Random draws at the opening. */
export const DrawConfig = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }),
  z.object({
    kind: z.literal("coefficient"),
    /** Labelled values in basis points of a percent: A–F = 1.5/1.25/1/0.75/0.5/0.25 % → 150,125,100,75,50,25. */
    options: z
      .array(z.object({ label: z.string().min(1).max(8), basisPoints: z.number().int().min(0).max(10000) }))
      .min(2)
      .max(26),
  }),
  z.object({
    kind: z.literal("koneps"),
    /** Base amount in fen (usually the control price). */
    baseFen: Fen.positive(),
    /** ± range in basis points (200 = ±2 %), 15 prices, each bidder picks 2, the 4 most picked average. */
    rangeBasisPoints: z.number().int().min(1).max(2000).default(200),
    count: z.number().int().min(4).max(50).default(15),
    picksPerBidder: z.number().int().min(1).max(5).default(2),
    averageOf: z.number().int().min(1).max(10).default(4),
  }),
]);
export type DrawConfig = z.infer<typeof DrawConfig>;

export const BidField = z.object({
  key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/),
  label: z.string().min(1).max(40),
  type: z.enum(["string", "integer"]),
  required: z.boolean().default(true),
});

export const CreateLotInput = z.object({
  code: z.string().trim().min(1).max(40),
  name: z.string().trim().min(1).max(200),
  budgetFen: Fen.nonnegative().nullable().default(null),
  controlPriceFen: Fen.nonnegative().nullable().default(null),
  bidDeadline: IsoTime,
  openingTime: IsoTime,
  roomId: Id,
  decryptWindowMinutes: z.number().int().min(5).max(240).default(60),
  confirmMinutes: z.number().int().min(1).max(120).default(10),
  evaluationMethod: EvaluationMethod,
  evaluationParams: z.record(z.string(), z.unknown()).default({}),
  draw: DrawConfig.default({ kind: "none" }),
  bidFields: z.array(BidField).max(20).default([]),
  maxBidMegabytes: z.number().int().min(1).max(2048).default(512),
  /** Seats of the tenderer's representatives (招标人代表) on the evaluation committee (never drawn); named when the evaluation starts. */
  ownerRepresentatives: z.number().int().min(0).max(10).default(0),
});
export type CreateLotInput = z.infer<typeof CreateLotInput>;

export const CreateProjectInput = z
  .object({
    code: z.string().trim().min(1).max(40),
    name: z.string().trim().min(1).max(200),
    category: Category,
    procedure: Procedure,
    ownerName: z.string().trim().min(1).max(200),
    lots: z.array(CreateLotInput).min(1).max(50),
  })
  .superRefine((p, ctx) => {
    p.lots.forEach((l, i) => {
      if (Date.parse(l.openingTime) < Date.parse(l.bidDeadline)) {
        ctx.addIssue({ code: "custom", path: ["lots", i, "openingTime"], message: "must not be before the bid deadline" });
      }
      if (p.category === "land" && l.budgetFen !== null) {
        ctx.addIssue({ code: "custom", path: ["lots", i, "budgetFen"], message: "a land listing has no budget" });
      }
    });
  });
export type CreateProjectInput = z.infer<typeof CreateProjectInput>;

export const LotView = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  projectId: Id,
  projectCode: z.string(),
  projectName: z.string(),
  category: Category,
  budgetFen: Fen.nullable(),
  controlPriceFen: Fen.nullable(),
  bidDeadline: IsoTime,
  openingTime: IsoTime,
  roomId: Id,
  decryptWindowMinutes: z.number(),
  confirmMinutes: z.number(),
  evaluationMethod: EvaluationMethod,
  draw: DrawConfig,
  bidFields: z.array(BidField),
  maxBidBytes: z.number(),
  escrowCertPem: z.string(),
  status: z.enum(["accepting", "opening", "opened", "cancelled"]),
  ownerRepresentatives: z.number(),
});
export type LotView = z.infer<typeof LotView>;
export const ProjectView = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  category: Category,
  procedure: Procedure,
  ownerName: z.string(),
  lots: z.array(LotView),
});
export type ProjectView = z.infer<typeof ProjectView>;

// ── companies and certificates ──
export const CreateCompanyInput = z.object({
  name: z.string().trim().min(2).max(200),
  creditCode: CreditCode,
  contact: z.string().trim().max(200).default(""),
});
export const CompanyView = z.object({ id: Id, name: z.string(), creditCode: z.string(), contact: z.string() });

export const AddCertificateInput = z.object({
  companyId: Id,
  /** PEM text, or DER as base64. */
  certificate: z.string().min(100).max(20000),
});
export const CertificateView = z.object({
  id: Id,
  companyId: Id,
  subject: z.string(),
  issuer: z.string(),
  serialHex: z.string(),
  sha256: z.string(),
  notBefore: IsoTime,
  notAfter: IsoTime,
  pem: z.string(),
  warnings: z.array(z.string()),
});
export type CertificateView = z.infer<typeof CertificateView>;

// ── bid.json: the opening summary (开标一览表) inside the sealed ZIP ──
const YuanAmount = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const text = typeof v === "number" ? String(v) : v;
  const fen = /e/i.test(text) ? null : yuanToFen(text);
  if (fen === null || fen < 0) {
    ctx.addIssue({ code: "custom", message: "must be a non-negative amount in yuan with at most 2 decimals" });
    return z.NEVER;
  }
  return fen;
});
export const BidJson = z
  .object({
    lotCode: z.string().min(1).max(40),
    bidderCreditCode: CreditCode,
    /** 投标报价, in yuan (元), at most 2 decimals, as a number or a string. */
    price: YuanAmount,
    /** 工期 (calendar days). */
    durationDays: z.number().int().positive().max(100000).optional(),
    /** 质量标准. */
    quality: z.string().max(200).optional(),
    /** 项目经理. */
    projectManager: z.string().max(50).optional(),
    /** Further fields the tender asks for (lot.bidFields). */
    fields: z.record(z.string(), z.union([z.string().max(500), z.number()])).default({}),
  })
  .strict();
export type BidJson = z.infer<typeof BidJson>;

export const BidSummary = z.object({
  priceFen: Fen,
  durationDays: z.number().nullable(),
  quality: z.string().nullable(),
  projectManager: z.string().nullable(),
  fields: z.record(z.string(), z.union([z.string(), z.number()])),
  documents: z.array(z.object({ name: z.string(), size: z.number() })),
});
export type BidSummary = z.infer<typeof BidSummary>;

export const BidStatus = z.enum(["sealed", "replaced", "withdrawn", "decrypted", "failed-bidder", "failed-platform"]);
export const Receipt = z.object({
  kind: z.literal("bid-receipt"),
  bidId: Id,
  lotId: Id,
  lotCode: z.string(),
  companyId: Id,
  companyName: z.string(),
  creditCode: z.string(),
  sha256: z.string(),
  sizeBytes: z.number(),
  receivedAt: IsoTime,
  replaces: Id.nullable(),
  /** Whether the envelope is also sealed to the lot's escrow certificate (so two supervisors could open it after a platform fault). */
  escrowRecipient: z.boolean().optional(),
});
export type Receipt = z.infer<typeof Receipt>;
export const SignedReceipt = z.object({
  receipt: Receipt,
  /** The exact bytes that were signed (canonical JSON, RFC 8785). */
  receiptJson: z.string(),
  /** RSA-SHA256 signature, base64, verifiable with the platform certificate. */
  signature: z.string(),
  platformCertificatePem: z.string(),
});
export type SignedReceipt = z.infer<typeof SignedReceipt>;

export const MyBidView = z.object({
  bidId: Id,
  status: BidStatus,
  sha256: z.string(),
  sizeBytes: z.number(),
  submittedAt: IsoTime,
  decryptTries: z.number(),
  /** The last decryption failure's message (English, for the record) and its code (the page shows the code's wording). */
  lastError: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
});

// ── the live opening ──
export const Stage = z.enum(["signin", "bidders-published", "decrypting", "announcing", "drawing", "confirming", "closed"]);
export type Stage = z.infer<typeof Stage>;
export const stageNames: Record<Stage, string> = {
  signin: "签到",
  "bidders-published": "公布投标人",
  decrypting: "解密",
  announcing: "唱标",
  drawing: "随机抽取",
  confirming: "确认开标结果",
  closed: "开标结束",
};

export const LotRef = z.object({ lotId: Id });
export const SignInInput = z.object({ lotId: Id, mode: z.enum(["onsite", "online"]) });
export const SubmitKeyInput = z.object({
  lotId: Id,
  /** The content-encryption key recovered by the bidder, hex (16, 24 or 32 bytes). */
  keyHex: z.string().regex(/^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{48}$|^[0-9a-fA-F]{64}$/, "must be a 128/192/256-bit key in hex"),
});
export const MarkPlatformFaultInput = z.object({ bidId: Id, reason: z.string().trim().min(2).max(500) });
export const EscrowShareInput = z.object({ bidId: Id, share: z.string().min(10).max(20000) });
export const PickInput = z.object({ lotId: Id, picks: z.array(z.number().int().min(1).max(50)).min(1).max(5) });
export const ConfirmInput = z.object({ lotId: Id, decision: z.enum(["confirm", "object"]), text: z.string().trim().max(2000).optional() });
export const ObjectionInput = z.object({ lotId: Id, text: z.string().trim().min(2).max(2000) });
export const AnswerObjectionInput = z.object({ objectionId: Id, answer: z.string().trim().min(2).max(2000) });

export const DrawResult = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("coefficient"), index: z.number(), label: z.string(), basisPoints: z.number() }),
  z.object({
    kind: z.literal("koneps"),
    pricesFen: z.array(Fen),
    tally: z.array(z.number()),
    chosen: z.array(z.number()),
    reserveFen: Fen,
  }),
]);
export type DrawResult = z.infer<typeof DrawResult>;

export const EscrowOpened = z.object({ at: IsoTime, supervisors: z.array(z.string()) });
export type EscrowOpened = z.infer<typeof EscrowOpened>;

/** A supplement (补充记录) issued on a closed opening's record: its own signed PDF, listed beside the original. */
export const OpeningSupplementView = z.object({ seq: z.number().int(), reason: z.string(), text: z.string(), issuedBy: z.string(), issuedAt: IsoTime, sha256: z.string() });
export type OpeningSupplementView = z.infer<typeof OpeningSupplementView>;
export const IssueSupplementInput = z.object({ lotId: Id, reason: z.string().trim().min(2).max(500), text: z.string().trim().min(2).max(4000) });

export const BidderRow = z.object({
  companyId: Id,
  /** The live bid's id (as on the bidder's receipt). */
  bidId: Id,
  companyName: z.string(),
  signedIn: z.enum(["onsite", "online"]).nullable(),
  bidStatus: BidStatus,
  confirmation: z.enum(["confirm", "object", "timeout"]).nullable(),
  picked: z.boolean(),
  /** Sealed also to the lot's escrow certificate (recorded at submission). */
  escrowRecipient: z.boolean(),
  /** The agent's record of a platform fault, with its reason. */
  platformFault: z.object({ reason: z.string(), at: IsoTime }).nullable(),
  /** Opened from escrow: when, and the supervisors whose shares opened it. */
  escrowOpened: EscrowOpened.nullable(),
  /** What the rule (server/opening/escrow-rules.ts) allows now: the agent may record a platform fault; supervisors may hand in shares. */
  may: z.object({ markFault: z.boolean(), handInShare: z.boolean() }),
});

/** State of the public `opening:<lotId>` stream (projector, wall, every participant). */
export const OpeningPublicState = z.object({
  lot: z.object({
    id: Id,
    code: z.string(),
    name: z.string(),
    projectCode: z.string(),
    projectName: z.string(),
    category: Category,
    controlPriceFen: Fen.nullable(),
    roomId: Id,
  }),
  stage: Stage,
  openedAt: IsoTime,
  /** The countdown shown on every screen, if one runs. */
  countdown: z.object({ label: z.string(), endsAt: IsoTime }).nullable(),
  bidCount: z.number(),
  /** The bidder list, published by the agent (empty before). */
  bidders: z.array(BidderRow),
  /** 唱标 cards: each decrypted bid's summary, in announcement order. */
  announcements: z.array(z.object({ order: z.number(), companyName: z.string(), summary: BidSummary, escrowOpened: EscrowOpened.nullable() })),
  draw: z
    .object({
      config: DrawConfig,
      seedHash: z.string(),
      seed: z.string().nullable(),
      result: DrawResult.nullable(),
    })
    .nullable(),
  tally: z.object({ confirmed: z.number(), objected: z.number(), timedOut: z.number(), pending: z.number() }),
  objections: z.array(
    z.object({ id: Id, companyName: z.string(), text: z.string(), at: IsoTime, answer: z.string().nullable(), answeredAt: IsoTime.nullable() }),
  ),
  closedAt: IsoTime.nullable(),
  recordSha256: z.string().nullable(),
  /** Supplements issued on the record after it was signed, in order. */
  supplements: z.array(OpeningSupplementView),
});
export type OpeningPublicState = z.infer<typeof OpeningPublicState>;

/** State of `opening:<lotId>:company:<companyId>`: what one bidder sees of its own bid. */
export const OpeningBidderState = z.object({
  lotId: Id,
  companyId: Id,
  stage: Stage,
  signedIn: z.enum(["onsite", "online"]).nullable(),
  bid: MyBidView.nullable(),
  picks: z.array(z.number()).nullable(),
  confirmation: z.enum(["confirm", "object", "timeout"]).nullable(),
});
export type OpeningBidderState = z.infer<typeof OpeningBidderState>;

// ── the agent's console ──
/** The agent's stage commands, in the order of the opening. */
export const AgentCommand = z.enum([
  "opening:open",
  "opening:publishBidders",
  "opening:startDecryption",
  "opening:endDecryption",
  "opening:startDraw",
  "opening:revealDraw",
  "opening:startConfirmation",
  "opening:close",
]);
export type AgentCommand = z.infer<typeof AgentCommand>;

/** One command as the server would answer it now (the rule is server/opening/allowed.ts). */
export const AgentCommandState = z.object({
  command: AgentCommand,
  allowed: z.boolean(),
  /** Why it would be refused: the error code it would answer (localized by the client), its English message, the companies it names. */
  refusal: z.object({ code: z.string(), message: z.string(), companies: z.array(z.string()) }).nullable(),
  /** Refused only until this time, if nothing else changes (the opening time, the end of a window). */
  allowedFrom: IsoTime.nullable(),
});
export type AgentCommandState = z.infer<typeof AgentCommandState>;

/** State of `opening:<lotId>:agent` (the lot's agent and administrators): the commands the server would accept now. */
export const OpeningAgentState = z.object({
  lotId: Id,
  lotStatus: z.enum(["accepting", "opening", "opened", "cancelled"]),
  stage: Stage.nullable(),
  commands: z.array(AgentCommandState),
  /** The decryption window's end when the agent closed it early (on the record), else null. */
  decryptionEndedEarlyAt: IsoTime.nullable(),
});
export type OpeningAgentState = z.infer<typeof OpeningAgentState>;
