// The report as people read it: a text table like a county center's published
// half-year table (万元, 2 decimals, half up) and CSV (yuan, the JSON's figures,
// one row per category and total).
import { categoryNames, type Category, type Figures, type StatsReport } from "@contracts/stats";
import { fenToWanYuan } from "@contracts/money";
import { percentOf, yuanStringToFen } from "./figures";
import type { Rules } from "./rules";

/** 万元 with 2 decimals from a yuan string ("210627900.00" → "21062.79"). */
export const wan = (yuan: string) => fenToWanYuan(yuanStringToFen(yuan));

/** Terminal width: CJK and full-width characters take two columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || c >= 0x20000 ? 2 : 1;
  }
  return w;
}

const pad = (s: string, w: number, right: boolean) => {
  const fill = " ".repeat(Math.max(0, w - displayWidth(s)));
  return right ? fill + s : s + fill;
};

export function textTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, rightAligned[i] ?? false)).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The name of the reference the premium of these categories is measured against. */
function referenceLabel(cats: Category[], rules: Rules): string {
  const names = new Set(cats.map((c) => rules[c].referenceName));
  return names.size === 1 ? [...names][0]! : "参考价";
}

/** "低于预算 678.05（节资率 3.12%）；高于评估价 21.65（溢价率 32.07%）" or "—". */
export function comparison(f: Figures, referenceName: string): string {
  const parts: string[] = [];
  if (f.savingsYuan !== null) {
    const s = yuanStringToFen(f.savingsYuan);
    const amount = wan(s < 0n ? f.savingsYuan.slice(1) : f.savingsYuan);
    parts.push(`${s > 0n ? "低于预算" : s < 0n ? "高于预算" : "与预算持平"}${s === 0n ? "" : ` ${amount}`}（节资率 ${percentOf(f.savingsRate)}）`);
  }
  if (f.premiumYuan !== null) {
    const p = yuanStringToFen(f.premiumYuan);
    const amount = wan(p < 0n ? f.premiumYuan.slice(1) : f.premiumYuan);
    parts.push(`${p > 0n ? "高于" : p < 0n ? "低于" : "等于"}${referenceName}${p === 0n ? "" : ` ${amount}`}（溢价率 ${percentOf(f.premiumRate)}）`);
  }
  return parts.length ? parts.join("；") : "—";
}

const dealsCell = (f: Figures) => (f.remoteEvaluations > 0 ? `${f.deals}（其中远程异地评标 ${f.remoteEvaluations}）` : String(f.deals));

/** The text report (`--format text`). */
export function reportText(r: StatsReport, rules: Rules, centerName?: string): string {
  const title = `${centerName ? `${centerName} ` : ""}交易统计 ${r.from} 至 ${r.to}（金额单位：万元）`;
  const withPremium = (cats: { category: Category; premiumYuan: string | null }[]) => cats.filter((c) => c.premiumYuan !== null).map((c) => c.category);
  const header = ["类别", "成交宗数", "成交金额", "与参考价比较"];
  const right = [false, false, true, false];
  const categoryRows = r.categories.map((c) => [categoryNames[c.category], dealsCell(c), wan(c.dealYuan), comparison(c, rules[c.category].referenceName)]);
  const totalRow = ["合计", dealsCell(r.total), wan(r.total.dealYuan), comparison(r.total, referenceLabel(withPremium(r.categories), rules))];
  const out = [title, "", textTable(header, [...categoryRows, totalRow], right)];
  if (r.groups) {
    const byName = { month: "月份", quarter: "季度", half: "半年", year: "年度", hall: "交易场所", agent: "代理机构" }[r.by!];
    const rows = r.groups.map((g) => [g.label, dealsCell(g.total), wan(g.total.dealYuan), comparison(g.total, referenceLabel(withPremium(g.categories), rules))]);
    out.push("", `按${byName}`, "", textTable([byName, ...header.slice(1)], [...rows, totalRow], right));
  }
  return out.join("\n") + "\n";
}

const csvCell = (v: string | number | null) => {
  const s = v === null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const figureColumns = ["deals", "remote_evaluations", "deal_yuan", "budget_yuan", "savings_yuan", "savings_rate", "reference_yuan", "premium_yuan", "premium_rate"];
const figureCells = (f: Figures) => [f.deals, f.remoteEvaluations, f.dealYuan, f.budgetYuan, f.savingsYuan, f.savingsRate, f.referenceYuan, f.premiumYuan, f.premiumRate];

/**
 * The CSV report (`--format csv`): the JSON's figures (yuan, fraction rates,
 * empty where n/a), a row per category and a `total` row; grouped reports
 * start with `group,group_label` and end with the overall rows (group `all`).
 */
export function reportCsv(r: StatsReport): string {
  const lines: (string | number | null)[][] = [];
  const section = (prefix: (string | null)[], s: Pick<StatsReport, "categories" | "total">) => {
    for (const c of s.categories) lines.push([...prefix, c.category, categoryNames[c.category], ...figureCells(c)]);
    lines.push([...prefix, "total", "合计", ...figureCells(s.total)]);
  };
  if (r.groups) {
    lines.push(["group", "group_label", "category", "category_name", ...figureColumns]);
    for (const g of r.groups) section([g.key, g.label], g);
    section(["all", `${r.from} 至 ${r.to}`], r);
  } else {
    lines.push(["category", "category_name", ...figureColumns]);
    section([], r);
  }
  return lines.map((l) => l.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
