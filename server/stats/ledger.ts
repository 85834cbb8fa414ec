// The ledger of deals: by hand, from a lot's award (recordDeal, called by the
// evaluation when it awards a lot), and the paged list. Imports: ./import.ts.
import type { CreateDealInput, DealList, DealView, ListDealsInput } from "@contracts/stats";
import { Category, DealSource } from "@contracts/stats";
import { appendAudit, type Actor } from "../audit/chain";
import type { Db, Tx } from "../db";
import { formatShanghaiDate } from "../documents/time";
import { AppError } from "../errors";
import { dateOfDay, dayOf } from "./csv";
import { fenFigures, dealBucket } from "./figures";
import { loadRules, type Rules } from "./rules";

type DealRow = Awaited<ReturnType<Db["statsDeal"]["findUniqueOrThrow"]>>;

const fenNumber = (v: bigint) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`amount ${v} fen is beyond a safe integer`);
  return n;
};
const maybeFen = (v: bigint | null) => (v === null ? null : fenNumber(v));

export function dealView(d: DealRow): DealView {
  const f = fenFigures(dealBucket(d));
  return {
    id: d.id,
    code: d.code,
    name: d.name,
    category: Category.parse(d.category),
    budgetFen: maybeFen(d.budgetFen),
    referenceFen: maybeFen(d.referenceFen),
    dealFen: fenNumber(d.dealFen),
    dealDate: dateOfDay(d.dealDay),
    remoteEvaluation: d.remoteEvaluation,
    hall: d.hall,
    agent: d.agent,
    source: DealSource.parse(d.source),
    lotId: d.lotId,
    projectId: d.projectId,
    winnerName: d.winnerName,
    savingsFen: maybeFen(f.savingsFen),
    savingsRate: f.savingsRate,
    premiumFen: maybeFen(f.premiumFen),
    premiumRate: f.premiumRate,
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** Applies the category's rule to a deal's prices; throws VALIDATION_FAILED naming the field. */
export function checkRule(rules: Rules, d: { category: Category; budgetFen: number | bigint | null; referenceFen: number | bigint | null }) {
  const rule = rules[d.category];
  const problems: { path: string; message: string }[] = [];
  const check = (use: typeof rule.budget, v: unknown, path: string, what: string) => {
    if (use === "forbidden" && v !== null) problems.push({ path, message: `a ${rule.name} deal has no ${what}` });
    if (use === "required" && v === null) problems.push({ path, message: `required for ${rule.name}` });
  };
  check(rule.budget, d.budgetFen, "budgetFen", "budget");
  check(rule.reference, d.referenceFen, "referenceFen", `reference price (${rule.referenceName})`);
  if (problems.length) {
    throw new AppError("VALIDATION_FAILED", `Invalid deal: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
  }
}

/** An administrator enters a deal by hand (a code not yet in the ledger). */
export async function createDeal(db: Db, actor: Actor, input: CreateDealInput): Promise<DealView> {
  checkRule(await loadRules(db), input);
  const day = dayOf(input.dealDate);
  const row = await db.$transaction(async (tx) => {
    if (await tx.statsDeal.findUnique({ where: { code: input.code } })) throw new AppError("CONFLICT", `Deal ${input.code} is already in the ledger`);
    const d = await tx.statsDeal.create({
      data: {
        code: input.code,
        name: input.name,
        category: input.category,
        budgetFen: input.budgetFen === null ? null : BigInt(input.budgetFen),
        referenceFen: input.referenceFen === null ? null : BigInt(input.referenceFen),
        dealFen: BigInt(input.dealFen),
        dealDay: day,
        dealMonth: Math.floor(day / 100),
        remoteEvaluation: input.remoteEvaluation,
        hall: input.hall,
        agent: input.agent,
        source: "manual",
      },
    });
    await appendAudit(tx, { actor, action: "stats.createDeal", target: `stats-deal:${d.id}`, payload: input });
    return d;
  });
  return dealView(row);
}

/** What the evaluation knows when it awards a lot. */
export interface AwardInput {
  lotId: string;
  /** The winning price (中标价 / 成交价), fen. */
  dealFen: number | bigint;
  /** When the lot was awarded; the deal date is its Asia/Shanghai calendar day. */
  awardedAt: Date;
  remoteEvaluation: boolean;
  winnerCompanyId?: string | null;
  /** The winning bid (OCDS awards[].relatedBids). */
  bidId?: string | null;
  /** Defaults to the lot's budget; pass null where the category has none. */
  budgetFen?: number | bigint | null;
  /** Assessed value / listing start price where the category compares against one. */
  referenceFen?: number | bigint | null;
}

/**
 * Records (or re-records) the deal of an awarded lot, inside the caller's
 * transaction so that the award and its deal commit together:
 *
 * ```ts
 * await db.$transaction(async (tx) => {
 *   // … the evaluation's own award writes and its audit row …
 *   await recordDeal(tx, actorOf(principal), { lotId, dealFen, awardedAt: new Date(), remoteEvaluation, winnerCompanyId, bidId });
 * });
 * ```
 * The deal's code is the lot code, hall the lot's room, agent the project's
 * agent. A deal already imported or entered under that code is taken over
 * (linked to the lot, source `award`); an award recorded again updates it.
 */
export async function recordDeal(tx: Tx, actor: Actor, input: AwardInput): Promise<DealView> {
  const lot = await tx.lot.findUnique({ where: { id: input.lotId }, include: { project: true } });
  if (!lot) throw new AppError("NOT_FOUND", `No lot ${input.lotId}`);
  const category = Category.parse(lot.project.category);
  const rule = (await loadRules(tx))[category];
  const budgetFen = input.budgetFen !== undefined ? input.budgetFen : rule.budget === "forbidden" ? null : lot.budgetFen;
  const referenceFen = input.referenceFen ?? null;
  checkRule({ [category]: rule } as Rules, { category, budgetFen: budgetFen ?? null, referenceFen });
  const dealFen = BigInt(input.dealFen);
  if (dealFen <= 0n) throw new AppError("VALIDATION_FAILED", "The deal price must be greater than 0", [{ path: "dealFen", message: "must be greater than 0" }]);
  const [room, agent, winner] = await Promise.all([
    tx.room.findUnique({ where: { id: lot.roomId } }),
    tx.user.findUnique({ where: { id: lot.project.agentUserId } }),
    input.winnerCompanyId ? tx.company.findUnique({ where: { id: input.winnerCompanyId } }) : null,
  ]);
  if (input.winnerCompanyId && !winner) throw new AppError("NOT_FOUND", `No company ${input.winnerCompanyId}`);
  const day = dayOf(formatShanghaiDate(input.awardedAt));
  const data = {
    code: lot.code,
    name: lot.project.name === lot.name ? lot.name : `${lot.project.name} ${lot.name}`,
    category,
    budgetFen: budgetFen === null || budgetFen === undefined ? null : BigInt(budgetFen),
    referenceFen: referenceFen === null ? null : BigInt(referenceFen),
    dealFen,
    dealDay: day,
    dealMonth: Math.floor(day / 100),
    remoteEvaluation: input.remoteEvaluation,
    hall: room?.name ?? null,
    agent: agent?.displayName ?? null,
    source: "award",
    lotId: lot.id,
    projectId: lot.projectId,
    winnerCompanyId: winner?.id ?? null,
    winnerName: winner?.name ?? null,
    bidId: input.bidId ?? null,
  };
  const existing = await tx.statsDeal.findFirst({ where: { OR: [{ lotId: lot.id }, { code: lot.code }] } });
  const d = existing ? await tx.statsDeal.update({ where: { id: existing.id }, data }) : await tx.statsDeal.create({ data });
  await appendAudit(tx, {
    actor,
    action: "stats.recordDeal",
    target: `lot:${lot.id}`,
    payload: { ...input, dealFen: String(input.dealFen), budgetFen: data.budgetFen?.toString() ?? null, referenceFen: data.referenceFen?.toString() ?? null, awardedAt: input.awardedAt.toISOString() },
  });
  return dealView(d);
}

export async function listDeals(db: Db, q: ListDealsInput): Promise<DealList> {
  const where = {
    ...(q.from || q.to ? { dealDay: { ...(q.from ? { gte: dayOf(q.from) } : {}), ...(q.to ? { lte: dayOf(q.to) } : {}) } } : {}),
    ...(q.category ? { category: q.category } : {}),
    ...(q.source ? { source: q.source } : {}),
    ...(q.q ? { OR: [{ code: { contains: q.q } }, { name: { contains: q.q } }] } : {}),
  };
  const [total, rows] = await Promise.all([
    db.statsDeal.count({ where }),
    db.statsDeal.findMany({ where, orderBy: [{ dealDay: "desc" }, { code: "asc" }], skip: q.offset, take: q.limit }),
  ]);
  return { total, offset: q.offset, deals: rows.map(dealView) };
}
