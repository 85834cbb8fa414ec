// Fairness of the draws over a period (评标专家使用情况): sittings per expert
// (a sitting = an accepted seat, signed in or not, of a draw carried out for an
// evaluation inside the period), the largest share, the Gini coefficient of
// sittings over the active pool (everyone equal = 0; one expert sits every
// time = nearly 1), and the active experts never drawn in the period.
import type { FairnessReport } from "@contracts/experts";
import { maskName } from "./identity";
import { sqlTime, type RawDb } from "./raw";
import type { Db } from "../db";

/** Gini coefficient of a population given as {value → how many}; values ≥ 0. */
export function giniFromHistogram(hist: ReadonlyMap<number, number>): number {
  const entries = [...hist.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  let n = 0;
  let sum = 0;
  for (const [v, c] of entries) {
    n += c;
    sum += v * c;
  }
  if (n === 0 || sum === 0) return 0;
  // G = 2 Σ i·x_(i) / (n Σ x) − (n + 1) / n, ranks i = 1…n in ascending order.
  let weighted = 0;
  let rank = 0;
  for (const [v, c] of entries) {
    // ranks rank+1 … rank+c all hold v: Σ i = c·rank + c(c+1)/2
    weighted += v * (c * rank + (c * (c + 1)) / 2);
    rank += c;
  }
  return (2 * weighted) / (n * sum) - (n + 1) / n;
}

export function fairnessReport(raw: RawDb, from: Date, to: Date): FairnessReport {
  const f = sqlTime(from);
  const t = sqlTime(to);
  const poolActive = raw.prepare("SELECT count(*) FROM Expert WHERE status = 'active'").pluck().get() as number;
  const draws = raw.prepare("SELECT count(*) FROM ExpertDraw WHERE status = 'drawn' AND evaluationAt >= ? AND evaluationAt < ?").pluck().get(f, t) as number;
  const inPeriod = "FROM ExpertPick p JOIN ExpertDraw d ON d.id = p.drawId WHERE d.status = 'drawn' AND d.evaluationAt >= ? AND d.evaluationAt < ?";
  const picks = raw.prepare(`SELECT count(*) ${inPeriod} AND p.state NOT IN ('reserve', 'cancelled')`).pluck().get(f, t) as number;
  const sittingRows = raw
    .prepare(`SELECT p.expertId, count(*) AS n, e.status, e.name ${inPeriod.replace("WHERE", "JOIN Expert e ON e.id = p.expertId WHERE")} AND p.state IN ('accepted', 'signed-in') GROUP BY p.expertId`)
    .all(f, t) as { expertId: number; n: number; status: string; name: string }[];
  const drawnActive = raw
    .prepare(`SELECT count(DISTINCT p.expertId) ${inPeriod.replace("WHERE", "JOIN Expert e ON e.id = p.expertId WHERE")} AND p.state NOT IN ('reserve', 'cancelled') AND e.status = 'active'`)
    .pluck()
    .get(f, t) as number;
  return fairnessFrom(from, to, { poolActive, draws, picks, sittingRows, drawnActive });
}

interface FairnessCounts {
  poolActive: number;
  draws: number;
  picks: number;
  sittingRows: { expertId: number; n: number; status: string; name: string }[];
  drawnActive: number;
}

/** fairnessReport on PostgreSQL (through the app's client; the same queries). */
export async function fairnessReportPg(db: Db, from: Date, to: Date): Promise<FairnessReport> {
  const one = async (sql: string, ...args: unknown[]) => Number((await db.$queryRawUnsafe<{ n: bigint | number }[]>(sql, ...args))[0]?.n ?? 0);
  const inPeriod = `FROM "ExpertPick" p JOIN "ExpertDraw" d ON d.id = p."drawId" WHERE d.status = 'drawn' AND d."evaluationAt" >= $1 AND d."evaluationAt" < $2`;
  const withExpert = inPeriod.replace("WHERE", `JOIN "Expert" e ON e.id = p."expertId" WHERE`);
  const poolActive = await one(`SELECT count(*) AS n FROM "Expert" WHERE status = 'active'`);
  const draws = await one(`SELECT count(*) AS n FROM "ExpertDraw" WHERE status = 'drawn' AND "evaluationAt" >= $1 AND "evaluationAt" < $2`, from, to);
  const picks = await one(`SELECT count(*) AS n ${inPeriod} AND p.state NOT IN ('reserve', 'cancelled')`, from, to);
  const rows = await db.$queryRawUnsafe<{ expertId: number; n: bigint | number; status: string; name: string }[]>(
    `SELECT p."expertId", count(*) AS n, e.status, e.name ${withExpert} AND p.state IN ('accepted', 'signed-in') GROUP BY p."expertId", e.status, e.name`,
    from,
    to,
  );
  const drawnActive = await one(`SELECT count(DISTINCT p."expertId") AS n ${withExpert} AND p.state NOT IN ('reserve', 'cancelled') AND e.status = 'active'`, from, to);
  const sittingRows = rows.map((r) => ({ expertId: Number(r.expertId), n: Number(r.n), status: r.status, name: r.name }));
  return fairnessFrom(from, to, { poolActive, draws, picks, sittingRows, drawnActive });
}

function fairnessFrom(from: Date, to: Date, { poolActive, draws, picks, sittingRows, drawnActive }: FairnessCounts): FairnessReport {
  const sittings = sittingRows.reduce((s, r) => s + r.n, 0);
  const inactiveSitting = sittingRows.filter((r) => r.status !== "active").length;
  const population = poolActive + inactiveSitting;
  const hist = new Map<number, number>();
  for (const r of sittingRows) hist.set(r.n, (hist.get(r.n) ?? 0) + 1);
  hist.set(0, population - sittingRows.length);
  const sorted = [...sittingRows].sort((a, b) => b.n - a.n || a.expertId - b.expertId);
  const share = (n: number) => (sittings ? Math.round((n / sittings) * 10000) / 10000 : 0);
  const top = sorted.slice(0, 10).map((r) => ({ expertId: r.expertId, nameMasked: maskName(r.name), sittings: r.n, share: share(r.n) }));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    poolActive,
    draws,
    picks,
    sittings,
    expertsSitting: sittingRows.length,
    neverDrawn: poolActive - drawnActive,
    distribution: [...hist.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]).map(([k, n]) => ({ sittings: k, experts: n })),
    largest: top[0] ?? null,
    top,
    gini: Math.round(giniFromHistogram(hist) * 10000) / 10000,
  };
}

/** A date (YYYY-MM-DD, Asia/Shanghai midnight) or an ISO instant → Date. */
export function periodBound(s: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T00:00:00+08:00`) : new Date(s);
}
