// Open Contracting Data Standard 1.1.5: a project as a release package with
// the bids extension. One contracting process (ocid) per lot, since each lot
// is opened and awarded on its own; core 1.1.5 has no lots without the lots
// extension. Mapping (domain brief): budget → planning.budget.amount; control
// price → tender.value; procedure → tender.procurementMethod (+ details);
// evaluation method → tender.awardCriteria (+ details); electronic submission →
// tender.submissionMethod; deadlines → tender.tenderPeriod / awardPeriod;
// bidders → parties (tenderer) and tender.tenderers; bids → bids.details[];
// awards (the ledger's deal of the lot) → awards[] with relatedBids.
// Amounts are yuan numbers with currency CNY. Savings, premium, the committee
// and the draws have no OCDS field and are left out (no local extension).
// Bidders and bids appear only once the agent has published the bidder list
// (the law keeps them secret before the opening); bid prices only once read
// out (唱标).
import { fenToYuan } from "@contracts/money";
import type { Db } from "../db";
import { AppError } from "../errors";
import { dateOfDay } from "./csv";

/** The bids extension at the commit the tests validate against (../shared/ocds/bid_extension). */
export const OCDS_BID_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/d62ff4b0ba393d823ca8113a9039b12edf7acb8f/extension.json";

/** The publisher's registered OCID prefix (`ocds-` + 6 characters); OCDS_OCID_PREFIX overrides the placeholder. */
export function ocidPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const p = env.OCDS_OCID_PREFIX ?? "ocds-bidhal";
  if (!/^ocds-[a-z0-9]{6}$/.test(p)) throw new AppError("VALIDATION_FAILED", `OCDS_OCID_PREFIX must be "ocds-" and 6 letters or digits, got "${p}"`);
  return p;
}

const value = (fen: bigint | number) => ({ amount: Number(fenToYuan(fen)), currency: "CNY" });

const procurementMethod: Record<string, "open" | "selective" | "limited" | "direct"> = {
  open: "open",
  invited: "selective",
  "competitive-negotiation": "limited",
  "competitive-consultation": "limited",
  listing: "open",
  auction: "open",
};
const procedureNames: Record<string, string> = {
  open: "公开招标",
  invited: "邀请招标",
  "competitive-negotiation": "竞争性谈判",
  "competitive-consultation": "竞争性磋商",
  listing: "挂牌出让",
  auction: "拍卖",
};
const mainCategory: Record<string, "works" | "goods" | null> = { engineering: "works", procurement: "goods", property: null, land: null };
const awardCriteria: Record<string, [string, string]> = {
  comprehensive: ["ratedCriteria", "综合评估法"],
  "lowest-evaluated-price": ["costOnly", "经评审的最低投标价法"],
  "lowest-price": ["priceOnly", "最低评标价法（价格分按最低有效报价为基准）"],
};
const tenderStatus: Record<string, string> = { accepting: "active", opening: "active", opened: "complete", cancelled: "cancelled" };
const publicStages = ["bidders-published", "decrypting", "announcing", "drawing", "confirming", "closed"];
const pricedStages = ["announcing", "drawing", "confirming", "closed"];
const bidStatus: Record<string, string> = {
  sealed: "pending",
  decrypted: "pending",
  withdrawn: "withdrawn",
  "failed-bidder": "withdrawn",
  "failed-platform": "pending",
};

export interface OcdsOptions {
  /** Absolute base of the package URI, e.g. https://hall.example.gov.cn */
  baseUri: string;
  publishedDate?: Date;
  prefix?: string;
}

type Json = Record<string, unknown>;

/** The release package of one project. */
export async function projectReleasePackage(db: Db, projectId: string, opts: OcdsOptions): Promise<Json> {
  const project = await db.project.findUnique({ where: { id: projectId }, include: { lots: { include: { session: true }, orderBy: { code: "asc" } } } });
  if (!project) throw new AppError("NOT_FOUND", `No project ${projectId}`);
  const prefix = opts.prefix ?? ocidPrefix();
  const center = await db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  const lotIds = project.lots.map((l) => l.id);
  const [bids, deals] = await Promise.all([
    db.bid.findMany({ where: { lotId: { in: lotIds }, status: { not: "replaced" } }, orderBy: [{ submittedAt: "asc" }, { id: "asc" }] }),
    db.statsDeal.findMany({ where: { lotId: { in: lotIds } } }),
  ]);
  const companyIds = [...new Set([...bids.map((b) => b.companyId), ...deals.flatMap((d) => (d.winnerCompanyId ? [d.winnerCompanyId] : []))])];
  const companies = new Map((await db.company.findMany({ where: { id: { in: companyIds } } })).map((c) => [c.id, c]));
  const buyer = { id: `buyer-${project.id}`, name: project.ownerName };
  const org = (companyId: string) => {
    const c = companies.get(companyId);
    return { id: c ? `CN-USCC-${c.creditCode}` : `company-${companyId}`, name: c?.name ?? companyId };
  };

  const releases = project.lots.map((lot) => {
    const stage = lot.session?.stage ?? null;
    const biddersPublic = stage !== null && publicStages.includes(stage);
    const pricesPublic = stage !== null && pricedStages.includes(stage);
    const lotBids = biddersPublic ? bids.filter((b) => b.lotId === lot.id) : [];
    const deal = deals.find((d) => d.lotId === lot.id);
    const tenderers = [...new Map(lotBids.map((b) => [b.companyId, org(b.companyId)])).values()];
    const winner = deal?.winnerCompanyId ? org(deal.winnerCompanyId) : null;
    const parties: Json[] = [{ ...buyer, roles: ["buyer", "procuringEntity"] }];
    const partyIds = new Set<string>();
    for (const t of winner ? [...tenderers, winner] : tenderers) {
      if (partyIds.has(t.id)) continue;
      partyIds.add(t.id);
      const c = [...companies.values()].find((x) => `CN-USCC-${x.creditCode}` === t.id);
      const roles = [...(tenderers.some((x) => x.id === t.id) ? ["tenderer"] : []), ...(winner?.id === t.id ? ["supplier"] : [])];
      parties.push({ ...t, roles, ...(c ? { identifier: { scheme: "CN-USCC", id: c.creditCode, legalName: c.name } } : {}) });
    }
    const [criteria, criteriaDetails] = awardCriteria[lot.evaluationMethod] ?? [null, lot.evaluationMethod];
    const tender: Json = {
      id: lot.code,
      title: `${project.name} ${lot.name}`,
      status: tenderStatus[lot.status] ?? null,
      procurementMethod: procurementMethod[project.procedure] ?? null,
      procurementMethodDetails: procedureNames[project.procedure] ?? project.procedure,
      mainProcurementCategory: mainCategory[project.category] ?? null,
      ...(lot.controlPriceFen !== null ? { value: value(lot.controlPriceFen) } : {}),
      submissionMethod: ["electronicSubmission"],
      tenderPeriod: { endDate: lot.bidDeadline.toISOString() },
      awardPeriod: { startDate: lot.openingTime.toISOString() },
      awardCriteria: criteria,
      awardCriteriaDetails: criteriaDetails,
      procuringEntity: buyer,
      ...(biddersPublic ? { tenderers, numberOfTenderers: tenderers.length } : {}),
    };
    const release: Json = {
      ocid: `${prefix}-${lot.code}`,
      id: `${lot.code}-${deal ? "award" : "tender"}-${(deal?.updatedAt ?? lot.session?.closedAt ?? lot.createdAt).toISOString().replace(/[-:.]/g, "")}`,
      date: (deal?.updatedAt ?? lot.session?.closedAt ?? lot.createdAt).toISOString(),
      tag: deal ? ["award"] : ["tender"],
      initiationType: "tender",
      language: "zh",
      parties,
      buyer,
      ...(lot.budgetFen !== null ? { planning: { budget: { amount: value(lot.budgetFen) } } } : {}),
      tender,
    };
    if (biddersPublic) {
      release.bids = {
        statistics: [{ id: "bids", measure: "bids", value: lotBids.length }],
        details: lotBids.map((b) => {
          const summary = b.summary ? (JSON.parse(b.summary) as { priceFen?: number }) : null;
          const awarded = deal?.bidId === b.id;
          return {
            id: b.id,
            date: b.submittedAt.toISOString(),
            status: awarded ? "valid" : (bidStatus[b.status] ?? "pending"),
            tenderers: [org(b.companyId)],
            ...(pricesPublic && b.status === "decrypted" && typeof summary?.priceFen === "number" ? { value: value(summary.priceFen) } : {}),
          };
        }),
      };
    }
    if (deal) {
      release.awards = [
        {
          id: `${lot.code}-award`,
          title: `${project.name} ${lot.name} 成交结果`,
          status: "active",
          date: `${dateOfDay(deal.dealDay)}T00:00:00+08:00`,
          value: value(deal.dealFen),
          ...(winner ? { suppliers: [winner] } : {}),
          ...(deal.bidId ? { relatedBids: [deal.bidId] } : {}),
        },
      ];
    }
    return release;
  });

  return {
    uri: `${opts.baseUri.replace(/\/$/, "")}/api/stats/projects/${project.id}/ocds`,
    version: "1.1",
    extensions: [OCDS_BID_EXTENSION],
    publishedDate: (opts.publishedDate ?? new Date()).toISOString(),
    publisher: { name: center.name },
    releases,
  };
}

/** The project id of a project code (for the CLI). */
export async function projectIdOf(db: Db, codeOrId: string): Promise<string> {
  const p = await db.project.findFirst({ where: { OR: [{ id: codeOrId }, { code: codeOrId }] }, select: { id: true } });
  if (!p) throw new AppError("NOT_FOUND", `No project ${codeOrId}`);
  return p.id;
}
