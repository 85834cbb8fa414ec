// The agent's scoring template form (评标办法) → the wire's ScoringTemplate:
// presets for 综合评估法 (with the three common price formulas)
// and 经评审的最低投标价法, editable criteria, checked with the contract's own
// schema before it is sent.
import { ScoringTemplate, type ScoringTemplateInput } from "@contracts/evaluation";

export type PriceKind = "lowest-price-base" | "trimmed-average-deviation" | "average-times-one-minus-k" | "none";
export type Method = "comprehensive" | "lowest-evaluated-price";

export interface TemplateForm {
  method: Method;
  qualification: { key: string; label: string }[];
  criteria: { key: string; label: string; group: "technical" | "business" | "other"; max: string }[];
  priceKind: PriceKind;
  /** lowest-price-base: weight as a fraction, e.g. "0.30". */
  weight: string;
  /** trimmed-average / K: full marks of the price part. */
  full: string;
  /** K as a fraction ("0.05"); empty: from the opening's coefficient draw. */
  k: string;
  roundingPlaces: number;
  trim: boolean;
  minForTrim: number;
  /** Outlier limit as a fraction ("0.30"). */
  outlierLimit: string;
  hideScores: boolean;
  candidates: number;
  tieRule: "lower-price" | "higher-technical";
}

export const DEFAULT_QUALIFICATION = [
  { key: "license", label: "营业执照有效" },
  { key: "qualification", label: "资质证书符合要求" },
  { key: "finance", label: "财务状况良好" },
  { key: "credit", label: "无不良信用记录" },
  { key: "deposit", label: "投标保证金已缴纳" },
];

export const DEFAULT_CRITERIA: TemplateForm["criteria"] = [
  { key: "plan", label: "技术方案", group: "technical", max: "30" },
  { key: "organisation", label: "施工组织设计", group: "technical", max: "20" },
  { key: "team", label: "项目管理机构", group: "business", max: "10" },
  { key: "record", label: "类似业绩", group: "business", max: "10" },
];

export function emptyTemplateForm(method: Method = "comprehensive"): TemplateForm {
  return {
    method,
    qualification: DEFAULT_QUALIFICATION.map((c) => ({ ...c })),
    criteria: method === "comprehensive" ? DEFAULT_CRITERIA.map((c) => ({ ...c })) : [],
    priceKind: method === "comprehensive" ? "lowest-price-base" : "none",
    weight: "0.30",
    full: "30",
    k: "",
    roundingPlaces: 2,
    trim: true,
    minForTrim: 5,
    outlierLimit: "0.30",
    hideScores: true,
    candidates: 3,
    tieRule: "lower-price",
  };
}

/** A method change resets what the other method does not have. */
export function switchMethod(form: TemplateForm, method: Method): TemplateForm {
  if (form.method === method) return form;
  return { ...form, method, criteria: method === "comprehensive" ? DEFAULT_CRITERIA.map((c) => ({ ...c })) : [], priceKind: method === "comprehensive" ? "lowest-price-base" : "none" };
}

export function toTemplateInput(f: TemplateForm): ScoringTemplateInput {
  const price: ScoringTemplateInput["price"] =
    f.priceKind === "lowest-price-base"
      ? { kind: "lowest-price-base", weight: f.weight.trim() }
      : f.priceKind === "trimmed-average-deviation"
        ? { kind: "trimmed-average-deviation", full: f.full.trim() }
        : f.priceKind === "average-times-one-minus-k"
          ? { kind: "average-times-one-minus-k", full: f.full.trim(), ...(f.k.trim() ? { k: f.k.trim() } : {}) }
          : { kind: "none" };
  return {
    method: f.method,
    qualification: f.qualification.map((c) => ({ key: c.key.trim(), label: c.label.trim() })),
    criteria: f.method === "comprehensive" ? f.criteria.map((c) => ({ key: c.key.trim(), label: c.label.trim(), group: c.group, max: c.max.trim() })) : [],
    price,
    rounding: { places: f.roundingPlaces, mode: "half-up" },
    aggregation: { trim: f.trim, minForTrim: f.minForTrim },
    outlierLimit: f.outlierLimit.trim(),
    hideScoresUntilAllSubmitted: f.hideScores,
    candidates: f.candidates,
    tieRule: f.tieRule,
  };
}

/** The template, or the problems the contract's schema finds (path → message). */
export function checkTemplate(f: TemplateForm): { ok: true; template: ScoringTemplateInput } | { ok: false; problems: { path: string; message: string }[] } {
  const input = toTemplateInput(f);
  const r = ScoringTemplate.safeParse(input);
  if (r.success) return { ok: true, template: input };
  return { ok: false, problems: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) };
}

/** A fresh criterion key not used yet ("c1", "c2", …). */
export function nextKey(used: readonly { key: string }[], prefix = "c"): string {
  const taken = new Set(used.map((u) => u.key));
  for (let i = 1; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`;
}
