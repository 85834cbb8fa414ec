// Open Contracting Data Standard 1.1.5: a project as a release package with
// the bids extension. One contracting process (ocid) per lot, since each lot
// is opened and awarded on its own; core 1.1.5 has no lots without the lots
// extension. Mapping: budget → planning.budget.amount; control
// price → tender.value; procedure → tender.procurementMethod (+ details);
// evaluation method → tender.awardCriteria (+ details); electronic submission →
// tender.submissionMethod; deadlines → tender.tenderPeriod / awardPeriod;
// bidders → parties (tenderer) and tender.tenderers; bids → bids.details[];
// awards (the ledger's deal of the lot) → awards[] with relatedBids.
// Amounts are yuan numbers with currency CNY. Savings, premium, the committee
// and the draws have no OCDS field and are left out (no local extension).
//
// What is public, and when (open data, readable without a login):
// - a lot's release exists publicly once its opening has started (an opening
//   session exists); a project's package lists those lots, and before any of
//   them has started an anonymous caller gets OPEN_DATA_NOT_PUBLIC (404).
//   Staff (admin, supervisor, agent) also get the lots not opened yet (the
//   tender's own facts, nothing about bids), as before;
// - bidders (parties with role tenderer, tender.tenderers, bids.details) once
//   the agent has published the bidder list (stage bidders-published or
//   later: the law keeps them secret before the opening), for staff too;
// - bid values once read out (stage announcing or later);
// - bids as the opening record lists them: not the replaced ones, nor those
//   withdrawn before the deadline (never tenderers; 招标投标法 art. 22 keeps
//   would-be bidders secret);
// - bid statuses from the bids extension's closed codelist (bidStatus.csv):
//   sealed → pending; decrypted → pending until the evaluation has reached its
//   report (the moment the award enters the ledger), then valid or
//   disqualified from its qualification review; the awarded bid → valid;
//   failed-bidder (视为撤回) → withdrawn; failed-platform → withdrawn (a bid
//   opened from escrow later is decrypted and reads like any other). The reason
//   is in the bid's description, in Chinese as the opening record prints it.
import { createHash } from "node:crypto";
import { fenToYuan } from "@contracts/money";
import type { QualificationResultRow } from "@contracts/evaluation";
import type { OcdsReleasePackage } from "@contracts/stats";
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
/** The status and its Chinese reason of a bid that is not (yet) evaluated. */
const byBidStatus: Record<string, { status: string; description?: string }> = {
  sealed: { status: "pending" },
  decrypted: { status: "pending" },
  "failed-bidder": { status: "withdrawn", description: "解密失败（投标人原因，视为撤回）" },
  "failed-platform": { status: "withdrawn", description: "解密失败（平台原因）" },
};

/** Who reads: the center's staff (admin, supervisor, agent) or anybody (open data). */
export type OcdsViewer = "staff" | "public";

export interface OcdsOptions {
  /** The absolute URL the package is served at (its `uri`). */
  uri: string;
  viewer: OcdsViewer;
  publishedDate?: Date;
  prefix?: string;
}

type Json = Record<string, unknown>;

/** The release package of one project (the lots the viewer may see). */
export async function projectReleasePackage(db: Db, projectId: string, opts: OcdsOptions): Promise<OcdsReleasePackage> {
  const project = await db.project.findUnique({ where: { id: projectId }, include: { lots: { include: { session: true }, orderBy: { code: "asc" } } } });
  if (!project) throw new AppError("NOT_FOUND", `No project ${projectId}`);
  const lots = opts.viewer === "staff" ? project.lots : project.lots.filter((l) => l.session !== null);
  if (!lots.length) throw new AppError("OPEN_DATA_NOT_PUBLIC", "The open data of this project are published once the opening of one of its lots has started");
  return releasePackage(db, project, lots, opts);
}

/** The release package of one lot (one contracting process). */
export async function lotReleasePackage(db: Db, lotId: string, opts: OcdsOptions): Promise<OcdsReleasePackage> {
  const lot = await db.lot.findUnique({ where: { id: lotId }, include: { session: true, project: true } });
  if (!lot) throw new AppError("NOT_FOUND", `No lot ${lotId}`);
  if (opts.viewer !== "staff" && lot.session === null) throw new AppError("OPEN_DATA_NOT_PUBLIC", "The open data of this lot are published once its opening has started");
  return releasePackage(db, lot.project, [lot], opts);
}

type ProjectRow = NonNullable<Awaited<ReturnType<Db["project"]["findUnique"]>>>;
type LotRow = NonNullable<Awaited<ReturnType<Db["lot"]["findUnique"]>>> & { session: { stage: string; openedAt: Date; closedAt: Date | null } | null };

/** Per lot: the evaluation's qualification once it has reached its report (company → qualified, failed criteria labels). */
async function evaluationOutcomes(db: Db, lotIds: string[]): Promise<Map<string, Map<string, { qualified: boolean; failed: string[] }>>> {
  const sessions = await db.evalSession.findMany({
    where: { lotId: { in: lotIds }, status: { not: "sealed" }, step: { in: ["report", "closed"] }, qualification: { not: null } },
    orderBy: { startedAt: "desc" },
    select: { lotId: true, template: true, qualification: true },
  });
  const out = new Map<string, Map<string, { qualified: boolean; failed: string[] }>>();
  for (const s of sessions) {
    if (out.has(s.lotId)) continue; // the latest evaluation of the lot decides
    const labels = new Map(((JSON.parse(s.template) as { qualification?: { key: string; label: string }[] }).qualification ?? []).map((c) => [c.key, c.label]));
    const rows = JSON.parse(s.qualification!) as QualificationResultRow[];
    out.set(s.lotId, new Map(rows.map((r) => [r.companyId, { qualified: r.qualified, failed: r.criteria.filter((c) => !c.passed).map((c) => labels.get(c.criterion) ?? c.criterion) }])));
  }
  return out;
}

const latest = (...dates: (Date | null | undefined)[]) => new Date(Math.max(...dates.filter((d): d is Date => d instanceof Date).map((d) => d.getTime())));

async function releasePackage(db: Db, project: ProjectRow, lots: LotRow[], opts: OcdsOptions): Promise<OcdsReleasePackage> {
  const prefix = opts.prefix ?? ocidPrefix();
  const center = await db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  const lotIds = lots.map((l) => l.id);
  const [bids, deals, outcomes] = await Promise.all([
    db.bid.findMany({ where: { lotId: { in: lotIds }, status: { notIn: ["replaced", "withdrawn"] } }, orderBy: [{ submittedAt: "asc" }, { id: "asc" }] }),
    db.statsDeal.findMany({ where: { lotId: { in: lotIds } } }),
    evaluationOutcomes(db, lotIds),
  ]);
  const companyIds = [...new Set([...bids.map((b) => b.companyId), ...deals.flatMap((d) => (d.winnerCompanyId ? [d.winnerCompanyId] : []))])];
  const companies = new Map((await db.company.findMany({ where: { id: { in: companyIds } } })).map((c) => [c.id, c]));
  const buyer = { id: `buyer-${project.id}`, name: project.ownerName };
  const org = (companyId: string) => {
    const c = companies.get(companyId);
    return { id: c ? `CN-USCC-${c.creditCode}` : `company-${companyId}`, name: c?.name ?? companyId };
  };

  const releases = lots.map((lot) => {
    const stage = lot.session?.stage ?? null;
    const biddersPublic = stage !== null && publicStages.includes(stage);
    const pricesPublic = stage !== null && pricedStages.includes(stage);
    const lotBids = biddersPublic ? bids.filter((b) => b.lotId === lot.id) : [];
    const deal = deals.find((d) => d.lotId === lot.id);
    const outcome = outcomes.get(lot.id);
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
    const ocid = `${prefix}-${lot.code}`;
    const tag = deal ? ["award"] : ["tender"];
    const content: Json = {
      ocid,
      tag,
      initiationType: "tender",
      language: "zh",
      parties,
      buyer,
      ...(lot.budgetFen !== null ? { planning: { budget: { amount: value(lot.budgetFen) } } } : {}),
      tender,
    };
    if (biddersPublic) {
      content.bids = {
        statistics: [{ id: "bids", measure: "bids", value: lotBids.length }],
        details: lotBids.map((b) => {
          const summary = b.summary ? (JSON.parse(b.summary) as { priceFen?: number }) : null;
          const judged = b.status === "decrypted" ? outcome?.get(b.companyId) : undefined;
          const { status, description } =
            deal?.bidId === b.id || judged?.qualified
              ? { status: "valid" }
              : judged
                ? { status: "disqualified", description: `资格审查未通过${judged.failed.length ? `：${judged.failed.join("、")}` : ""}` }
                : (byBidStatus[b.status] ?? { status: "pending" });
          // Every use of escrow and every platform fault is public, as the signed record prints it.
          const notes = [
            b.status === "failed-platform" && b.platformFaultReason ? `平台原因：${b.platformFaultReason}` : null,
            b.escrowOpenedAt ? "平台原因解密失败，由监督人托管密钥解密" : null,
          ].filter((x): x is string => x !== null);
          const said = [description, ...notes].filter(Boolean).join("；");
          return {
            id: b.id,
            date: b.submittedAt.toISOString(),
            status,
            ...(said ? { description: said } : {}),
            tenderers: [org(b.companyId)],
            ...(pricesPublic && b.status === "decrypted" && typeof summary?.priceFen === "number" ? { value: value(summary.priceFen) } : {}),
          };
        }),
      };
    }
    if (deal) {
      content.awards = [
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
    // A release is immutable: what it states names it (the same content, the same id; any change, a new id).
    const date = latest(lot.createdAt, lot.session?.openedAt, lot.session?.closedAt, deal?.updatedAt, ...(pricesPublic ? lotBids.map((b) => b.decryptedAt) : []));
    const digest = createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 12);
    return { ocid, id: `${lot.code}-${tag[0]}-${digest}`, date: date.toISOString(), tag, ...content };
  });

  return {
    uri: opts.uri,
    version: "1.1" as const,
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
