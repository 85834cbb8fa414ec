// The statistics (交易统计) wire: the ledger of deals, the per-category rules,
// the savings/premium report and the CSV import result. Money in the ledger
// travels as integer fen; the report carries yuan strings with 2 decimals and
// rates as fraction strings with 4 decimals (half up), so every reader (page,
// CLI, export) shows the same rounded figure.
import { z } from "zod";
import { Fen, Id, IsoTime, TextEncoding } from "./common";
import { Category, categoryNames } from "./opening";

export { Category, categoryNames };

/** English keys and Chinese names of the categories, in report order. */
export const categoryOrder = Category.options;

/** A calendar date `YYYY-MM-DD` that exists (2018-02-30 does not). Deal dates are Asia/Shanghai dates. */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}
export const DealDate = z.string().refine(isCalendarDate, "must be a date YYYY-MM-DD");

/** How a category uses a price field: a budget (预算) or a reference price (参考价). */
export const Requirement = z.enum(["required", "optional", "forbidden"]);
export type Requirement = z.infer<typeof Requirement>;

/** Per-category ledger rules (regions differ): which prices apply and what the reference is called. */
export const CategoryRule = z.object({
  category: Category,
  name: z.string(),
  budget: Requirement,
  reference: Requirement,
  /** 评估价 (property), 挂牌起始价 (land), … */
  referenceName: z.string().trim().min(1).max(20),
});
export type CategoryRule = z.infer<typeof CategoryRule>;
export const SetCategoryRuleInput = CategoryRule.omit({ name: true });
export type SetCategoryRuleInput = z.infer<typeof SetCategoryRuleInput>;

export const DealSource = z.enum(["award", "manual", "import"]);
export type DealSource = z.infer<typeof DealSource>;

/** A deal entered by hand (the fields of a CSV row, amounts in fen). */
export const CreateDealInput = z.object({
  code: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  category: Category,
  budgetFen: Fen.positive().nullable().default(null),
  referenceFen: Fen.positive().nullable().default(null),
  dealFen: Fen.positive(),
  dealDate: DealDate,
  remoteEvaluation: z.boolean().default(false),
  hall: z.string().trim().min(1).max(100).nullable().default(null),
  agent: z.string().trim().min(1).max(100).nullable().default(null),
});
export type CreateDealInput = z.infer<typeof CreateDealInput>;

/** A rate as the fraction with 4 decimals, half up: "0.0312" = 3.12 %. */
export const Rate = z.string().regex(/^-?\d+\.\d{4}$/);
/** Yuan with 2 decimals: "21062790.00". */
export const Yuan = z.string().regex(/^-?\d+\.\d{2}$/);

export const DealView = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  category: Category,
  budgetFen: Fen.nullable(),
  referenceFen: Fen.nullable(),
  dealFen: Fen,
  dealDate: z.string(),
  remoteEvaluation: z.boolean(),
  hall: z.string().nullable(),
  agent: z.string().nullable(),
  source: DealSource,
  lotId: Id.nullable(),
  projectId: Id.nullable(),
  winnerName: z.string().nullable(),
  /** budget − deal (null without a budget). */
  savingsFen: Fen.nullable(),
  savingsRate: Rate.nullable(),
  /** deal − reference (null without a reference). */
  premiumFen: Fen.nullable(),
  premiumRate: Rate.nullable(),
  updatedAt: IsoTime,
});
export type DealView = z.infer<typeof DealView>;

const intFromQuery = (def: number, max: number) => z.coerce.number().int().min(0).max(max).default(def);
export const ListDealsInput = z
  .object({
    from: DealDate.optional(),
    to: DealDate.optional(),
    category: Category.optional(),
    source: DealSource.optional(),
    /** Part of the code or the name. */
    q: z.string().trim().max(100).optional(),
    offset: intFromQuery(0, 10_000_000),
    limit: intFromQuery(50, 500),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "from must not be after to", path: ["to"] });
export type ListDealsInput = z.infer<typeof ListDealsInput>;
export const DealList = z.object({ total: z.number().int(), offset: z.number().int(), deals: z.array(DealView) });
export type DealList = z.infer<typeof DealList>;

// ── the report ──
/** `--by`: the report's grouping besides the categories. */
export const ReportBy = z.enum(["category", "month", "quarter", "half", "year", "hall", "agent"]);
export type ReportBy = z.infer<typeof ReportBy>;

export const ReportQuery = z
  .object({ from: DealDate, to: DealDate, by: ReportBy.default("category") })
  .refine((q) => q.from <= q.to, { message: "from must not be after to", path: ["to"] });
export type ReportQuery = z.infer<typeof ReportQuery>;
export const ReportFileQuery = z
  .object({ from: DealDate, to: DealDate })
  .refine((q) => q.from <= q.to, { message: "from must not be after to", path: ["to"] });

/** Figures of a set of deals; null where a figure does not apply (no budget, no reference). */
export const Figures = z.object({
  deals: z.number().int(),
  remoteEvaluations: z.number().int(),
  dealYuan: Yuan,
  budgetYuan: Yuan.nullable(),
  savingsYuan: Yuan.nullable(),
  savingsRate: Rate.nullable(),
  referenceYuan: Yuan.nullable(),
  premiumYuan: Yuan.nullable(),
  premiumRate: Rate.nullable(),
});
export type Figures = z.infer<typeof Figures>;
export const CategoryFigures = z.object({ category: Category }).extend(Figures.shape);
export type CategoryFigures = z.infer<typeof CategoryFigures>;

export const ReportGroup = z.object({
  /** "2018-01", "2018-Q1", "2018-H1", "2018", a hall or an agent ("" when not recorded). */
  key: z.string(),
  label: z.string(),
  categories: z.array(CategoryFigures),
  total: Figures,
});
export type ReportGroup = z.infer<typeof ReportGroup>;

/**
 * `{"from","to","categories":[…],"total":{…}}`; grouped by anything but category
 * it also carries `"by"` and `"groups"` (each with its own categories and total).
 */
export const StatsReport = z.object({
  from: z.string(),
  to: z.string(),
  by: ReportBy.exclude(["category"]).optional(),
  groups: z.array(ReportGroup).optional(),
  categories: z.array(CategoryFigures),
  total: Figures,
});
export type StatsReport = z.infer<typeof StatsReport>;

// ── import ──
export const ImportResult = z.object({
  /** Data rows in the file. */
  rows: z.number().int(),
  created: z.number().int(),
  /** Existing codes whose fields changed (an import overwrites them). */
  updated: z.number().int(),
  unchanged: z.number().int(),
  /** SHA-256 of the file as received (also in the audit trail). */
  sha256: z.string(),
  /** How the file's bytes were read (UTF-8, UTF-8 with BOM, GB18030/GBK). */
  encoding: TextEncoding,
});
export type ImportResult = z.infer<typeof ImportResult>;

/** The CSV columns, in this order; `hall` and `agent` may follow. */
export const importColumns = ["code", "name", "category", "budget_yuan", "reference_yuan", "deal_yuan", "deal_date", "remote_evaluation"] as const;
export const optionalImportColumns = ["hall", "agent"] as const;

/**
 * An OCDS 1.1.5 release package as the open-data routes serve it (the package itself, no envelope). Only its frame
 * is stated here; the releases follow the OCDS release schema with the bids extension (server/stats/ocds.ts, checked
 * against the published schemas in the tests).
 */
export const OcdsReleasePackage = z.object({
  uri: z.url(),
  version: z.literal("1.1"),
  extensions: z.array(z.url()),
  publishedDate: IsoTime,
  publisher: z.object({ name: z.string().min(1) }),
  releases: z.array(z.looseObject({ ocid: z.string(), id: z.string(), date: z.string(), tag: z.array(z.string()) })),
});
export type OcdsReleasePackage = z.infer<typeof OcdsReleasePackage>;

/** The open-data addresses (the path, without the host): a project's release package, one lot's (server and pages). */
export const openDataPath = {
  project: (projectId: string) => `/api/open-data/projects/${encodeURIComponent(projectId)}/ocds`,
  lot: (lotId: string) => `/api/open-data/lots/${encodeURIComponent(lotId)}/ocds`,
};
