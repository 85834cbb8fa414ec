// The (half-year) statistics report as a Chinese A4 PDF: the summary table a
// county center publishes, the detailed figures, the months, and charts
// (savings by category and month, savings and premium rates, share of remote
// off-site evaluations).
import { categoryNames, categoryOrder, type Figures, type StatsReport } from "@contracts/stats";
import type { EChartsOption } from "echarts";
import type { Db } from "../db";
import { formatShanghai, renderPdf, signPdf, type PdfBlock, type SignerPems } from "../documents";
import { percentOf, yuanStringToFen } from "./figures";
import { comparison, wan } from "./format";
import { buildReport } from "./report";
import { loadRules, type Rules } from "./rules";

/** "2018年上半年" when the period is a half-year (quarter, year, month likewise), else "2018-01-01 至 2018-03-15". */
export function periodTitle(from: string, to: string): string {
  const y = from.slice(0, 4);
  if (to.slice(0, 4) === y) {
    const md = `${from.slice(5)}~${to.slice(5)}`;
    const named: Record<string, string> = {
      "01-01~12-31": "度",
      "01-01~06-30": "上半年",
      "07-01~12-31": "下半年",
      "01-01~03-31": "第一季度",
      "04-01~06-30": "第二季度",
      "07-01~09-30": "第三季度",
      "10-01~12-31": "第四季度",
    };
    if (named[md]) return `${y}年${named[md]}`;
    const last = new Date(Date.UTC(Number(y), Number(from.slice(5, 7)), 0)).getUTCDate();
    if (from.slice(8) === "01" && to.slice(0, 7) === from.slice(0, 7) && Number(to.slice(8)) === last) return `${y}年${Number(from.slice(5, 7))}月`;
  }
  return `${from} 至 ${to}`;
}

const wanNum = (yuan: string | null) => (yuan === null ? 0 : Number(wan(yuan)));
const orDash = (v: string | null, f: (s: string) => string = wan) => (v === null ? "—" : f(v));

function detailRow(label: string, f: Figures): string[] {
  return [
    label,
    String(f.deals),
    String(f.remoteEvaluations),
    wan(f.dealYuan),
    orDash(f.budgetYuan),
    orDash(f.savingsYuan),
    f.savingsRate === null ? "—" : percentOf(f.savingsRate),
    orDash(f.referenceYuan),
    orDash(f.premiumYuan),
    f.premiumRate === null ? "—" : percentOf(f.premiumRate),
  ];
}

const detailColumns = [
  { header: "类别", width: 0.12 },
  { header: "成交宗数", width: 0.07, align: "right" as const },
  { header: "其中远程异地评标", width: 0.09, align: "right" as const },
  { header: "成交金额", width: 0.11, align: "right" as const },
  { header: "预算金额", width: 0.11, align: "right" as const },
  { header: "节资", width: 0.1, align: "right" as const },
  { header: "节资率", width: 0.08, align: "right" as const },
  { header: "参考价", width: 0.11, align: "right" as const },
  { header: "溢价", width: 0.1, align: "right" as const },
  { header: "溢价率", width: 0.08, align: "right" as const },
];

function summary(r: StatsReport, rules: Rules): string {
  const t = r.total;
  const parts = [`本期共成交 ${t.deals} 宗，成交金额 ${wan(t.dealYuan)} 万元`];
  const budgeted = r.categories.filter((c) => c.savingsYuan !== null).map((c) => categoryNames[c.category]);
  if (t.savingsYuan !== null) {
    const s = yuanStringToFen(t.savingsYuan);
    parts.push(`${budgeted.join("、")}项目预算金额 ${wan(t.budgetYuan!)} 万元，${s >= 0n ? "节约资金" : "超出预算"} ${wan(s >= 0n ? t.savingsYuan : t.savingsYuan.slice(1))} 万元，节资率 ${percentOf(t.savingsRate)}`);
  }
  for (const c of r.categories) {
    if (c.premiumYuan === null) continue;
    const p = yuanStringToFen(c.premiumYuan);
    const name = rules[c.category].referenceName;
    parts.push(`${categoryNames[c.category]}交易较${name}${p >= 0n ? "增值" : "减值"} ${wan(p >= 0n ? c.premiumYuan : c.premiumYuan.slice(1))} 万元，溢价率 ${percentOf(c.premiumRate)}`);
  }
  if (t.deals > 0) {
    const remote = r.categories.filter((c) => c.remoteEvaluations > 0).map((c) => `${categoryNames[c.category]} ${c.remoteEvaluations} 宗（占该类 ${percentOf(rateOf(c.remoteEvaluations, c.deals))}）`);
    parts.push(remote.length ? `采用远程异地评标 ${t.remoteEvaluations} 宗：${remote.join("，")}` : "本期无远程异地评标项目");
  }
  return `${parts.join("；")}。`;
}

/** share as a 4-decimal fraction string (for percentOf). */
function rateOf(part: number, whole: number): string {
  if (whole === 0) return "0.0000";
  const q = Math.floor((part * 20000 + whole) / (2 * whole));
  return `${Math.floor(q / 10000)}.${String(q % 10000).padStart(4, "0")}`;
}

/** ECharts is loaded on the first report, not at server start. */
async function charts(r: StatsReport, monthly: StatsReport): Promise<PdfBlock[]> {
  const { chartPng } = await import("./charts");
  const months = monthly.groups ?? [];
  const withSavings = categoryOrder.filter((c) => r.categories.find((x) => x.category === c)?.savingsYuan !== null);
  const savingsByMonth: EChartsOption = {
    title: { text: "节资额（按类别、月份，万元）", left: "center", textStyle: { fontSize: 16 } },
    legend: { bottom: 0 },
    grid: { left: 70, right: 30, top: 50, bottom: 50 },
    xAxis: { type: "category", data: months.map((g) => g.label.replace(/^\d+年/, "")) },
    yAxis: { type: "value", name: "万元" },
    series: withSavings.map((c) => ({
      name: categoryNames[c],
      type: "bar",
      stack: "savings",
      label: { show: false },
      data: months.map((g) => wanNum(g.categories.find((x) => x.category === c)!.savingsYuan)),
    })),
  };
  const rated = r.categories.filter((c) => c.savingsRate !== null || c.premiumRate !== null);
  const pct = (rate: string | null) => (rate === null ? null : Number(percentOf(rate).replace("%", "")));
  const rates: EChartsOption = {
    title: { text: "节资率与溢价率（按类别，%）", left: "center", textStyle: { fontSize: 16 } },
    legend: { bottom: 0 },
    grid: { left: 70, right: 30, top: 50, bottom: 50 },
    xAxis: { type: "category", data: rated.map((c) => categoryNames[c.category]) },
    yAxis: { type: "value", name: "%" },
    series: [
      { name: "节资率", type: "bar", label: { show: true, position: "top", formatter: "{c}%" }, data: rated.map((c) => pct(c.savingsRate)) },
      { name: "溢价率", type: "bar", label: { show: true, position: "top", formatter: "{c}%" }, data: rated.map((c) => pct(c.premiumRate)) },
    ],
  };
  const t = r.total;
  const remote: EChartsOption = {
    title: { text: `远程异地评标占比（全部成交 ${t.deals} 宗）`, left: "center", textStyle: { fontSize: 16 } },
    legend: { bottom: 0 },
    series: [
      {
        type: "pie",
        radius: ["30%", "62%"],
        center: ["50%", "52%"],
        label: { formatter: "{b}\n{c} 宗（{d}%）", fontSize: 13 },
        data: [
          { name: "远程异地评标", value: t.remoteEvaluations },
          { name: "本地评标或无需评标", value: t.deals - t.remoteEvaluations },
        ],
      },
    ],
  };
  return [
    { kind: "pageBreak" },
    { kind: "heading", text: "三、图表", level: 2 },
    { kind: "image", png: chartPng(savingsByMonth, 760, 340), width: 0.6, caption: "图 1 节资额（按类别、月份）" },
    { kind: "image", png: chartPng(rates, 760, 340), width: 0.6, caption: "图 2 节资率与溢价率" },
    { kind: "image", png: chartPng(remote, 760, 340), width: 0.6, caption: "图 3 远程异地评标占比" },
  ];
}

export interface ReportPdfOptions {
  centerName: string;
  /** Sign with this certificate (the platform's) when given. */
  signer?: SignerPems;
  creationDate?: Date;
}

/** The report PDF of [from, to]. */
export async function reportPdf(db: Db, q: { from: string; to: string }, opts: ReportPdfOptions): Promise<Uint8Array> {
  const rules = await loadRules(db);
  const r = await buildReport(db, { ...q, by: "category" });
  const monthly = await buildReport(db, { ...q, by: "month" });
  const period = periodTitle(q.from, q.to);
  const title = `${period}公共资源交易统计报告`;
  const refOf = (c: (typeof r.categories)[number]) => rules[c.category].referenceName;
  const premiumCats = r.categories.filter((c) => c.premiumYuan !== null);
  const totalRef = new Set(premiumCats.map(refOf)).size === 1 ? refOf(premiumCats[0]!) : "参考价";
  const blocks: PdfBlock[] = [
    {
      kind: "keyValue",
      keyWidth: 0.14,
      items: [
        { key: "交易中心", value: opts.centerName },
        { key: "统计期间", value: `${q.from} 至 ${q.to}（按成交日期，北京时间）` },
        { key: "金额单位", value: "万元（按分累加，显示时四舍五入保留两位小数）" },
        { key: "生成时间", value: formatShanghai(opts.creationDate ?? new Date()) },
      ],
    },
    { kind: "paragraph", text: summary(r, rules), indent: true },
    { kind: "heading", text: "一、交易情况", level: 2 },
    {
      kind: "table",
      caption: "表 1 分类汇总（金额单位：万元）",
      columns: [
        { header: "类别", width: 0.14 },
        { header: "成交宗数", width: 0.2 },
        { header: "成交金额", width: 0.14, align: "right" },
        { header: "与参考价比较", width: 0.52 },
      ],
      rows: [
        ...r.categories.map((c) => [categoryNames[c.category], dealsText(c), wan(c.dealYuan), comparison(c, refOf(c))]),
        ["合计", dealsText(r.total), wan(r.total.dealYuan), comparison(r.total, totalRef)],
      ],
    },
    {
      kind: "table",
      caption: "表 2 节资率与溢价率（金额单位：万元）",
      columns: detailColumns,
      rows: [...r.categories.map((c) => detailRow(categoryNames[c.category], c)), detailRow("合计", r.total)],
    },
    { kind: "heading", text: "二、按月统计", level: 2 },
    {
      kind: "table",
      caption: "表 3 月度汇总（金额单位：万元）",
      columns: detailColumns.map((c, i) => (i === 0 ? { ...c, header: "月份" } : c)),
      rows: [...(monthly.groups ?? []).map((g) => detailRow(g.label, g.total)), detailRow("合计", monthly.total)],
    },
    ...(await charts(r, monthly)),
    {
      kind: "paragraph",
      text: "说明：节资 = 预算金额 − 成交金额，节资率 = 节资 ÷ 预算金额；溢价 = 成交金额 − 参考价（国有产权为评估价，国有土地为挂牌起始价），溢价率 = 溢价 ÷ 参考价。比率按四舍五入保留四位小数（百分数两位）。",
      fontSize: 9,
    },
  ];
  const pdf = await renderPdf({
    title,
    orientation: "landscape",
    metadata: { subject: `${opts.centerName} ${period} 交易统计`, author: opts.centerName, keywords: ["交易统计", "节资率", "溢价率"], creationDate: opts.creationDate },
    footerText: `统计期间：${q.from} 至 ${q.to}`,
    blocks,
  });
  if (!opts.signer) return pdf;
  return signPdf(pdf, opts.signer, { fieldName: "platform", reason: "Statistics report issued by the platform", name: opts.centerName });
}

const dealsText = (f: Figures) => (f.remoteEvaluations > 0 ? `${f.deals}（其中远程异地评标 ${f.remoteEvaluations}）` : String(f.deals));
