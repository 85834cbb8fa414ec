// The agent's "new project" form and its mapping to CreateProjectInput:
// amounts typed in 元 → fen, times typed in Asia/Shanghai → UTC ISO, the draw
// choice → DrawConfig. Problems found here are keyed by the same paths the
// server uses in VALIDATION_FAILED details ("lots.0.budgetFen"), so both
// show next to the same field.
import type { CreateProjectInput } from "@contracts/opening";
import { parseOptionalYuan, parseYuan, type YuanProblem } from "./money";
import { shanghaiToIso } from "./time";

export const CATEGORIES = ["engineering", "procurement", "property", "land"] as const;
export const PROCEDURES = ["open", "invited", "competitive-negotiation", "competitive-consultation", "listing", "auction"] as const;
export const EVALUATION_METHODS = ["comprehensive", "lowest-evaluated-price", "lowest-price"] as const;
export type DrawKind = "none" | "coefficient" | "koneps";

/** The usual 下浮系数 A–F: 1.5/1.25/1/0.75/0.5/0.25 %. */
export const DEFAULT_COEFFICIENTS: { label: string; percent: string }[] = [
  { label: "A", percent: "1.5" },
  { label: "B", percent: "1.25" },
  { label: "C", percent: "1" },
  { label: "D", percent: "0.75" },
  { label: "E", percent: "0.5" },
  { label: "F", percent: "0.25" },
];

export interface BidFieldForm {
  key: string;
  label: string;
  type: "string" | "integer";
  required: boolean;
}

export interface LotForm {
  code: string;
  name: string;
  budgetYuan: string;
  controlPriceYuan: string;
  /** "YYYY-MM-DD HH:mm", Asia/Shanghai. */
  bidDeadline: string;
  openingTime: string;
  roomId: string;
  decryptWindowMinutes: number;
  confirmMinutes: number;
  /** Seats of the tenderer's representatives (招标人代表) on the evaluation committee. */
  ownerRepresentatives: number;
  evaluationMethod: (typeof EVALUATION_METHODS)[number];
  drawKind: DrawKind;
  coefficients: { label: string; percent: string }[];
  /** KONEPS ± range in percent ("2" = ±2 %). */
  konepsRangePercent: string;
  bidFields: BidFieldForm[];
}

export interface ProjectForm {
  code: string;
  name: string;
  category: (typeof CATEGORIES)[number];
  procedure: (typeof PROCEDURES)[number];
  ownerName: string;
  lots: LotForm[];
}

export function emptyLot(n: number, projectCode = ""): LotForm {
  return {
    code: projectCode ? `${projectCode}-${String(n).padStart(2, "0")}` : "",
    name: `第${n}标段`,
    budgetYuan: "",
    controlPriceYuan: "",
    bidDeadline: "",
    openingTime: "",
    roomId: "",
    decryptWindowMinutes: 60,
    confirmMinutes: 10,
    ownerRepresentatives: 0,
    evaluationMethod: "comprehensive",
    drawKind: "none",
    coefficients: DEFAULT_COEFFICIENTS.map((c) => ({ ...c })),
    konepsRangePercent: "2",
    bidFields: [],
  };
}

export function emptyProject(): ProjectForm {
  return { code: "", name: "", category: "engineering", procedure: "open", ownerName: "", lots: [emptyLot(1)] };
}

/** "1.25" % → 125 basis points of a percent; null when not ≥ 0 with ≤ 2 decimals. */
export function percentToBasisPoints(text: string): number | null {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

/** A problem found before sending: an i18n key under `projectForm.problems`, with its values. */
export interface FieldProblem {
  key: string;
  named?: Record<string, unknown>;
}
export type FieldProblems = Record<string, FieldProblem>;

const yuanProblem = (p: YuanProblem): FieldProblem => ({ key: `money.${p}` });

export type MapResult = { ok: true; input: CreateProjectInput } | { ok: false; problems: FieldProblems };

/** Form → the createProject body, or the problems by field path. */
export function toCreateProjectInput(form: ProjectForm): MapResult {
  const problems: FieldProblems = {};
  const lots: CreateProjectInput["lots"] = form.lots.map((l, i) => {
    const p = (field: string) => `lots.${i}.${field}`;
    const budget = parseOptionalYuan(form.category === "land" ? "" : l.budgetYuan);
    if (!budget.ok) problems[p("budgetFen")] = yuanProblem(budget.problem);
    const control = parseOptionalYuan(l.controlPriceYuan);
    if (!control.ok) problems[p("controlPriceFen")] = yuanProblem(control.problem);
    const bidDeadline = shanghaiToIso(l.bidDeadline);
    if (!bidDeadline) problems[p("bidDeadline")] = { key: "time" };
    const openingTime = shanghaiToIso(l.openingTime);
    if (!openingTime) problems[p("openingTime")] = { key: "time" };
    if (bidDeadline && openingTime && Date.parse(openingTime) < Date.parse(bidDeadline)) problems[p("openingTime")] = { key: "openingBeforeDeadline" };
    if (!l.roomId) problems[p("roomId")] = { key: "required" };

    let draw: CreateProjectInput["lots"][number]["draw"] = { kind: "none" };
    if (l.drawKind === "coefficient") {
      const options = l.coefficients.map((c, j) => {
        const bp = percentToBasisPoints(c.percent);
        if (bp === null || bp > 10000) problems[`${p("draw")}.options.${j}.basisPoints`] = { key: "percent" };
        if (!c.label.trim()) problems[`${p("draw")}.options.${j}.label`] = { key: "required" };
        return { label: c.label.trim(), basisPoints: bp ?? 0 };
      });
      if (options.length < 2) problems[p("draw")] = { key: "twoOptions" };
      draw = { kind: "coefficient", options };
    } else if (l.drawKind === "koneps") {
      const range = percentToBasisPoints(l.konepsRangePercent);
      if (range === null || range < 1 || range > 2000) problems[`${p("draw")}.rangeBasisPoints`] = { key: "range" };
      if (!control.ok || control.fen === null || control.fen <= 0) problems[p("draw")] = { key: "konepsNeedsControl" };
      const baseFen = control.ok && control.fen ? control.fen : 1;
      draw = { kind: "koneps", baseFen, rangeBasisPoints: range ?? 200, count: 15, picksPerBidder: 2, averageOf: 4 };
    }

    const bidFields = l.bidFields
      .filter((f) => f.key.trim() || f.label.trim())
      .map((f, j) => {
        if (!/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/.test(f.key.trim())) problems[`${p("bidFields")}.${j}.key`] = { key: "fieldKey" };
        if (!f.label.trim()) problems[`${p("bidFields")}.${j}.label`] = { key: "required" };
        return { key: f.key.trim(), label: f.label.trim(), type: f.type, required: f.required };
      });

    return {
      code: l.code.trim(),
      name: l.name.trim(),
      // A land listing has no budget (the field is hidden for it).
      budgetFen: form.category === "land" || !budget.ok ? null : budget.fen,
      controlPriceFen: control.ok ? control.fen : null,
      bidDeadline: bidDeadline ?? "",
      openingTime: openingTime ?? "",
      roomId: l.roomId,
      decryptWindowMinutes: l.decryptWindowMinutes,
      confirmMinutes: l.confirmMinutes,
      evaluationMethod: l.evaluationMethod,
      evaluationParams: {},
      draw,
      bidFields,
      maxBidMegabytes: 512,
      ownerRepresentatives: l.ownerRepresentatives,
    };
  });
  for (const [field, value] of [
    ["code", form.code],
    ["name", form.name],
    ["ownerName", form.ownerName],
  ] as const) {
    if (!value.trim()) problems[field] = { key: "required" };
  }
  form.lots.forEach((l, i) => {
    if (!l.code.trim()) problems[`lots.${i}.code`] = { key: "required" };
    if (!l.name.trim()) problems[`lots.${i}.name`] = { key: "required" };
  });
  if (Object.keys(problems).length) return { ok: false, problems };
  return {
    ok: true,
    input: {
      code: form.code.trim(),
      name: form.name.trim(),
      category: form.category,
      procedure: form.procedure,
      ownerName: form.ownerName.trim(),
      lots,
    },
  };
}

/** Server details (path → message) as a lookup; a message for a parent path also shows at its first field. */
export function detailsByPath(details: { path: string; message: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of details ?? []) out[d.path || "(root)"] = out[d.path || "(root)"] ? `${out[d.path || "(root)"]}; ${d.message}` : d.message;
  return out;
}

/** Messages for a field and anything below it ("lots.0.draw" also gets "lots.0.draw.options.1.label"). */
export function messagesUnder(byPath: Record<string, string>, path: string): string[] {
  return Object.entries(byPath)
    .filter(([p]) => p === path || p.startsWith(`${path}.`))
    .map(([p, m]) => (p === path ? m : `${p.slice(path.length + 1)}: ${m}`));
}
