// The savings/premium report: one SQL aggregation with integer sums per
// (category, month) — or (category, hall/agent) — read from a covering index in
// group order, then rolled up in BigInt to quarters, half-years, years, the
// categories and the total. Fen stay integers until the figures are formatted.
import { categoryOrder, type Category, type ReportBy, type ReportGroup, type StatsReport } from "@contracts/stats";
import { sqlFor, type Db } from "../db";
import { dayOf } from "./csv";
import { AppError } from "../errors";
import { addInto, emptyBucket, figures, type Bucket } from "./figures";

/** Time groupings list every month of the period: at most 100 years of them. */
const MAX_MONTHS = 1200;

/** Sums per category of one group. */
export type CategoryBuckets = Record<Category, Bucket>;
const emptyCategories = (): CategoryBuckets => Object.fromEntries(categoryOrder.map((c) => [c, emptyBucket()])) as CategoryBuckets;

interface SqlRow {
  category: string;
  g: string | number | bigint | null;
  deals: string;
  remote: string | null;
  dealFen: string | null;
  budgeted: string;
  budgetFen: string | null;
  dealBudgetedFen: string | null;
  referenced: string;
  referenceFen: string | null;
  dealReferencedFen: string | null;
}

const SUMS = `CAST(COUNT(*) AS TEXT) AS deals,
  CAST(SUM(CASE WHEN remoteEvaluation THEN 1 ELSE 0 END) AS TEXT) AS remote,
  CAST(SUM(dealFen) AS TEXT) AS dealFen,
  CAST(COUNT(budgetFen) AS TEXT) AS budgeted,
  CAST(SUM(budgetFen) AS TEXT) AS budgetFen,
  CAST(SUM(CASE WHEN budgetFen IS NOT NULL THEN dealFen END) AS TEXT) AS dealBudgetedFen,
  CAST(COUNT(referenceFen) AS TEXT) AS referenced,
  CAST(SUM(referenceFen) AS TEXT) AS referenceFen,
  CAST(SUM(CASE WHEN referenceFen IS NOT NULL THEN dealFen END) AS TEXT) AS dealReferencedFen`;

const big = (v: string | null) => (v === null ? 0n : BigInt(v));
const toBucket = (r: SqlRow): Bucket => ({
  deals: big(r.deals),
  remote: big(r.remote),
  dealFen: big(r.dealFen),
  budgeted: big(r.budgeted),
  budgetFen: big(r.budgetFen),
  dealBudgetedFen: big(r.dealBudgetedFen),
  referenced: big(r.referenced),
  referenceFen: big(r.referenceFen),
  dealReferencedFen: big(r.dealReferencedFen),
});

/**
 * Σ per (category, dealMonth) over [from, to] (inclusive Asia/Shanghai dates).
 * The plan is `SEARCH StatsDeal USING COVERING INDEX (category, dealMonth, dealDay, …)`
 * with no temporary B-tree: the groups come out in index order.
 */
export async function monthBuckets(db: Db, from: string, to: string): Promise<Map<number, CategoryBuckets>> {
  const [f, t] = [dayOf(from), dayOf(to)];
  const rows = await db.$queryRawUnsafe<SqlRow[]>(
    sqlFor(db, `SELECT category, dealMonth AS g, ${SUMS} FROM "StatsDeal"
     WHERE dealMonth BETWEEN ? AND ? AND dealDay BETWEEN ? AND ? GROUP BY category, dealMonth`),
    Math.floor(f / 100),
    Math.floor(t / 100),
    f,
    t,
  );
  const out = new Map<number, CategoryBuckets>();
  for (const r of rows) {
    const m = Number(r.g);
    let cats = out.get(m);
    if (!cats) out.set(m, (cats = emptyCategories()));
    addInto(cats[r.category as Category], toBucket(r));
  }
  return out;
}

/** Σ per (category, hall or agent) over [from, to]. */
export async function columnBuckets(db: Db, column: "hall" | "agent", from: string, to: string): Promise<Map<string, CategoryBuckets>> {
  const rows = await db.$queryRawUnsafe<SqlRow[]>(
    sqlFor(db, `SELECT category, ${column} AS g, ${SUMS} FROM "StatsDeal" WHERE dealDay BETWEEN ? AND ? GROUP BY ${column}, category`),
    dayOf(from),
    dayOf(to),
  );
  const out = new Map<string, CategoryBuckets>();
  for (const r of rows) {
    const k = r.g === null ? "" : String(r.g);
    let cats = out.get(k);
    if (!cats) out.set(k, (cats = emptyCategories()));
    addInto(cats[r.category as Category], toBucket(r));
  }
  return out;
}

/** Every month of [from, to] as yyyymm. */
export function monthsOf(from: string, to: string): number[] {
  const out: number[] = [];
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const [ty, tm] = [Number(to.slice(0, 4)), Number(to.slice(5, 7))];
  while (y < ty || (y === ty && m <= tm)) {
    out.push(y * 100 + m);
    if (++m > 12) [y, m] = [y + 1, 1];
  }
  return out;
}

const quarterNames = ["第一季度", "第二季度", "第三季度", "第四季度"];
/** A month's key and label in a time grouping. */
export function periodOf(by: "month" | "quarter" | "half" | "year", yyyymm: number): { key: string; label: string } {
  const y = Math.floor(yyyymm / 100);
  const m = yyyymm % 100;
  switch (by) {
    case "month":
      return { key: `${y}-${String(m).padStart(2, "0")}`, label: `${y}年${m}月` };
    case "quarter": {
      const q = Math.ceil(m / 3);
      return { key: `${y}-Q${q}`, label: `${y}年${quarterNames[q - 1]}` };
    }
    case "half":
      return m <= 6 ? { key: `${y}-H1`, label: `${y}年上半年` } : { key: `${y}-H2`, label: `${y}年下半年` };
    case "year":
      return { key: String(y), label: `${y}年` };
  }
}

export interface GroupBuckets {
  key: string;
  label: string;
  cats: CategoryBuckets;
}

/** The report's sums: per group (time periods in order; halls/agents by name) and overall. */
export async function reportBuckets(db: Db, from: string, to: string, by: ReportBy): Promise<{ groups: GroupBuckets[]; all: CategoryBuckets }> {
  const all = emptyCategories();
  const groups: GroupBuckets[] = [];
  if (by === "hall" || by === "agent") {
    const per = await columnBuckets(db, by, from, to);
    for (const [k, cats] of [...per.entries()].sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b, "zh-CN")))) {
      groups.push({ key: k, label: k === "" ? "（未填写）" : k, cats });
    }
  } else if (by === "category") {
    for (const cats of (await monthBuckets(db, from, to)).values()) for (const c of categoryOrder) addInto(all[c], cats[c]);
    return { groups: [], all };
  } else {
    const months = monthsOf(from, to);
    if (months.length > MAX_MONTHS) throw new AppError("VALIDATION_FAILED", `A report by ${by} covers at most ${MAX_MONTHS / 12} years`, [{ path: "to", message: "period too long" }]);
    const per = await monthBuckets(db, from, to);
    const byKey = new Map<string, GroupBuckets>();
    for (const month of months) {
      const { key, label } = periodOf(by, month);
      let g = byKey.get(key);
      if (!g) {
        byKey.set(key, (g = { key, label, cats: emptyCategories() }));
        groups.push(g);
      }
      const cats = per.get(month);
      if (cats) for (const c of categoryOrder) addInto(g.cats[c], cats[c]);
    }
  }
  for (const g of groups) for (const c of categoryOrder) addInto(all[c], g.cats[c]);
  return { groups, all };
}

export const totalOf = (cats: CategoryBuckets): Bucket => categoryOrder.reduce((acc, c) => addInto(acc, cats[c]), emptyBucket());

function section(cats: CategoryBuckets): Pick<ReportGroup, "categories" | "total"> {
  return {
    categories: categoryOrder.map((c) => ({ category: c, ...figures(cats[c]) })),
    total: figures(totalOf(cats)),
  };
}

/** The report as a JSON document (`--format json`, `GET /api/stats/report`). */
export async function buildReport(db: Db, q: { from: string; to: string; by: ReportBy }): Promise<StatsReport> {
  const { groups, all } = await reportBuckets(db, q.from, q.to, q.by);
  if (q.by === "category") return { from: q.from, to: q.to, ...section(all) };
  return {
    from: q.from,
    to: q.to,
    by: q.by,
    groups: groups.map((g) => ({ key: g.key, label: g.label, ...section(g.cats) })),
    ...section(all),
  };
}
