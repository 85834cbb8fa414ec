// Per-category rules of the ledger. Defaults follow a county center's report: savings
// against the budget for engineering and procurement; premium against the
// assessed value (评估价) for property rights and the listing start price
// (挂牌起始价) for land. An administrator may change them per category (regions
// differ); the change applies to deals entered afterwards.
import { categoryNames, categoryOrder, type Category, type CategoryRule, type SetCategoryRuleInput } from "@contracts/stats";
import { appendAudit, type Actor } from "../audit/chain";
import type { Db } from "../db";

export const defaultRules: Record<Category, Omit<CategoryRule, "category" | "name">> = {
  engineering: { budget: "required", reference: "forbidden", referenceName: "参考价" },
  procurement: { budget: "required", reference: "forbidden", referenceName: "参考价" },
  property: { budget: "forbidden", reference: "required", referenceName: "评估价" },
  // A county report may leave land without its start price (its table shows "—" for land).
  land: { budget: "forbidden", reference: "optional", referenceName: "挂牌起始价" },
};

export type Rules = Record<Category, CategoryRule>;

export async function loadRules(db: Pick<Db, "statsCategoryRule">): Promise<Rules> {
  const rows = new Map((await db.statsCategoryRule.findMany()).map((r) => [r.category, r]));
  const out = {} as Rules;
  for (const c of categoryOrder) {
    const r = rows.get(c);
    const d = defaultRules[c];
    out[c] = {
      category: c,
      name: categoryNames[c],
      budget: (r?.budget as CategoryRule["budget"] | undefined) ?? d.budget,
      reference: (r?.reference as CategoryRule["reference"] | undefined) ?? d.reference,
      referenceName: r?.referenceName ?? d.referenceName,
    };
  }
  return out;
}

export async function listRules(db: Db): Promise<CategoryRule[]> {
  const rules = await loadRules(db);
  return categoryOrder.map((c) => rules[c]);
}

/** Administrators set a category's rule (one transaction with its audit row). */
export async function setRule(db: Db, actor: Actor, input: SetCategoryRuleInput): Promise<CategoryRule> {
  await db.$transaction(async (tx) => {
    const data = { budget: input.budget, reference: input.reference, referenceName: input.referenceName, updatedBy: actor.id };
    await tx.statsCategoryRule.upsert({ where: { category: input.category }, create: { category: input.category, ...data }, update: data });
    await appendAudit(tx, { actor, action: "stats.setCategoryRule", target: `stats-category:${input.category}`, payload: input });
  });
  return (await loadRules(db))[input.category];
}
