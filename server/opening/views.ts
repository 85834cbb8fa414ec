// Live stream kinds of the opening: `opening:<lotId>` (public: projector,
// wall, every participant) and `opening:<lotId>:company:<companyId>` (one
// bidder's own view). Sealed content never appears: a bid's summary enters
// the public view only once it is decrypted and the announcement has begun.
import {
  BidSummary,
  BidStatus,
  Category,
  DrawConfig,
  DrawResult,
  Stage,
  type OpeningBidderState,
  type OpeningPublicState,
} from "@contracts/opening";
import type { Principal } from "../auth/principal";
import type { Db } from "../db";
import { parseStoredError } from "../errors";
import { escrowRefusal, faultRefusal } from "./escrow-rules";
import { escrowOpenings } from "./queries";
import { parserOf, type StreamKind } from "../live/streams";

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const liveBid = { status: { notIn: ["replaced", "withdrawn"] } };

async function canSeeLot(db: Db, p: Principal, lotId: string): Promise<boolean | "not-found"> {
  const lot = await db.lot.findUnique({ where: { id: lotId }, select: { roomId: true } });
  if (!lot) return "not-found";
  if (p.kind === "device") return p.roomId === lot.roomId || p.deviceKind === "monitoring-wall";
  if (p.role === "admin" || p.role === "agent" || p.role === "supervisor") return true;
  if (p.role === "bidder" && p.companyId) return (await db.bid.count({ where: { lotId, companyId: p.companyId } })) > 0;
  return false;
}

export async function buildOpeningPublic(db: Db, lotId: string): Promise<OpeningPublicState | null> {
  const lot = await db.lot.findUniqueOrThrow({ where: { id: lotId }, include: { project: true, session: true } });
  const s = lot.session;
  if (!s) return null;
  const stage = Stage.parse(s.stage);
  // Only the columns shown: this view is rebuilt while hundreds of bids are decrypted.
  const bids = await db.bid.findMany({
    where: { lotId, ...liveBid },
    orderBy: { submittedAt: "asc" },
    select: {
      id: true,
      companyId: true,
      status: true,
      summary: true,
      decryptedAt: true,
      escrowRecipient: true,
      platformFaultReason: true,
      platformFaultAt: true,
      escrowOpenedAt: true,
      escrowSupervisors: true,
    },
  });
  const escrowOpened = await escrowOpenings(db, bids);
  const supplements = await db.openingSupplement.findMany({ where: { lotId }, orderBy: { seq: "asc" } });
  const companies = new Map(
    (await db.company.findMany({ where: { id: { in: bids.map((b) => b.companyId) } }, select: { id: true, name: true } })).map((c) => [c.id, c]),
  );
  const signIns = new Map(
    (await db.signIn.findMany({ where: { sessionId: s.id }, select: { companyId: true, mode: true } })).map((x) => [x.companyId, x.mode as "onsite" | "online"]),
  );
  const confirms = new Map(
    (await db.confirmation.findMany({ where: { sessionId: s.id }, select: { companyId: true, decision: true } })).map((x) => [
      x.companyId,
      x.decision as "confirm" | "object" | "timeout",
    ]),
  );
  const picks = new Set((await db.drawPick.findMany({ where: { sessionId: s.id }, select: { companyId: true } })).map((x) => x.companyId));
  const objections = await db.objection.findMany({ where: { sessionId: s.id }, orderBy: { at: "asc" } });
  const published = stage !== "signin";
  const announcing = ["announcing", "drawing", "confirming", "closed"].includes(stage);
  const name = (id: string) => companies.get(id)?.name ?? "";
  const draw = DrawConfig.parse(JSON.parse(lot.drawParams));
  const countdown =
    stage === "decrypting" && s.decryptEndsAt
      ? { label: "解密剩余时间", endsAt: s.decryptEndsAt.toISOString() }
      : stage === "confirming" && s.confirmEndsAt
        ? { label: "确认剩余时间", endsAt: s.confirmEndsAt.toISOString() }
        : null;
  const decrypted = bids.filter((b) => b.status === "decrypted" && b.summary).sort((a, b) => a.decryptedAt!.getTime() - b.decryptedAt!.getTime());
  const tally = { confirmed: 0, objected: 0, timedOut: 0, pending: 0 };
  for (const b of bids) {
    const c = confirms.get(b.companyId);
    if (c === "confirm") tally.confirmed++;
    else if (c === "object") tally.objected++;
    else if (c === "timeout") tally.timedOut++;
    else tally.pending++;
  }
  return {
    lot: {
      id: lot.id,
      code: lot.code,
      name: lot.name,
      projectCode: lot.project.code,
      projectName: lot.project.name,
      category: Category.parse(lot.project.category),
      controlPriceFen: lot.controlPriceFen === null ? null : Number(lot.controlPriceFen),
      roomId: lot.roomId,
    },
    stage,
    openedAt: s.openedAt.toISOString(),
    countdown,
    bidCount: bids.length,
    bidders: published
      ? bids.map((b) => ({
          companyId: b.companyId,
          bidId: b.id,
          companyName: name(b.companyId),
          signedIn: signIns.get(b.companyId) ?? null,
          bidStatus: BidStatus.parse(b.status),
          confirmation: confirms.get(b.companyId) ?? null,
          picked: picks.has(b.companyId),
          // Bids from before the recipient was recorded at submission count as sealed to escrow here; the commands read their envelope.
          escrowRecipient: b.escrowRecipient !== false,
          platformFault: b.platformFaultReason && b.platformFaultAt ? { reason: b.platformFaultReason, at: b.platformFaultAt.toISOString() } : null,
          escrowOpened: escrowOpened(b),
          may: {
            markFault: faultRefusal(stage, { status: b.status, escrowRecipient: b.escrowRecipient }) === null,
            handInShare: escrowRefusal(stage, { status: b.status, escrowRecipient: b.escrowRecipient }) === null,
          },
        }))
      : [],
    announcements: announcing
      ? decrypted.map((b, i) => ({ order: i + 1, companyName: name(b.companyId), summary: BidSummary.parse(JSON.parse(b.summary!)), escrowOpened: escrowOpened(b) }))
      : [],
    draw:
      draw.kind === "none" || !s.drawSeedHash
        ? null
        : { config: draw, seedHash: s.drawSeedHash, seed: s.drawSeed, result: s.drawResult ? DrawResult.parse(JSON.parse(s.drawResult)) : null },
    tally,
    objections: objections.map((o) => ({ id: o.id, companyName: name(o.companyId), text: o.text, at: o.at.toISOString(), answer: o.answer, answeredAt: iso(o.answeredAt) })),
    closedAt: iso(s.closedAt),
    recordSha256: s.recordSha256,
    supplements: supplements.map((x) => ({ seq: x.seq, reason: x.reason, text: x.text, issuedBy: x.issuedBy, issuedAt: x.issuedAt.toISOString(), sha256: x.sha256 })),
  };
}

type BidderRow = {
  sessionId: string | null;
  stage: string | null;
  mode: string | null;
  decision: string | null;
  picks: string | null;
};
type MyBidRow = {
  id: string;
  status: string;
  sha256: string;
  sizeBytes: number | bigint;
  submittedAt: Date | string;
  decryptTries: number | bigint;
  lastError: string | null;
};

/**
 * One bidder's own view. All of them are rebuilt at each stage change (200 bidders: 200 rebuilds),
 * so two plain SQL reads (quoted identifiers: SQLite and PostgreSQL) instead of five model queries.
 */
export async function buildOpeningBidder(db: Db, lotId: string, companyId: string): Promise<OpeningBidderState> {
  const [row] = await db.$queryRaw<BidderRow[]>`
    SELECT s."id" AS "sessionId", s."stage" AS "stage",
      (SELECT x."mode" FROM "SignIn" x WHERE x."sessionId" = s."id" AND x."companyId" = ${companyId}) AS "mode",
      (SELECT x."decision" FROM "Confirmation" x WHERE x."sessionId" = s."id" AND x."companyId" = ${companyId}) AS "decision",
      (SELECT x."picks" FROM "DrawPick" x WHERE x."sessionId" = s."id" AND x."companyId" = ${companyId}) AS "picks"
    FROM "OpeningSession" s WHERE s."lotId" = ${lotId}`;
  const [bid] = await db.$queryRaw<MyBidRow[]>`
    SELECT "id", "status", "sha256", "sizeBytes", "submittedAt", "decryptTries", "lastError" FROM "Bid"
    WHERE "lotId" = ${lotId} AND "companyId" = ${companyId} AND "status" NOT IN ('replaced', 'withdrawn')
    ORDER BY "submittedAt" DESC LIMIT 1`;
  return {
    lotId,
    companyId,
    stage: row?.stage ? Stage.parse(row.stage) : "signin",
    signedIn: (row?.mode as "onsite" | "online" | null | undefined) ?? null,
    bid: bid
      ? {
          bidId: bid.id,
          status: BidStatus.parse(bid.status),
          sha256: bid.sha256,
          sizeBytes: Number(bid.sizeBytes),
          submittedAt: new Date(bid.submittedAt).toISOString(),
          decryptTries: Number(bid.decryptTries),
          // The code apart from its message: the page shows the code's own wording, never the code.
          lastError: bid.lastError === null ? null : parseStoredError(bid.lastError).message,
          lastErrorCode: bid.lastError === null ? null : parseStoredError(bid.lastError).code,
        }
      : null,
    picks: row?.picks ? (JSON.parse(row.picks) as number[]) : null,
    confirmation: (row?.decision as "confirm" | "object" | "timeout" | null | undefined) ?? null,
  };
}

export function openingStream(db: Db): StreamKind<{ lotId: string }> {
  return {
    prefix: "opening",
    parse: parserOf("opening"),
    authorize: (p, { lotId }) => canSeeLot(db, p, lotId),
    build: ({ lotId }) => buildOpeningPublic(db, lotId),
    // Every bidder's decryption changes this view: at most five rebuilds a second, the last change kept.
    minIntervalMs: 200,
  };
}

export function openingCompanyStream(db: Db): StreamKind<{ lotId: string; companyId: string }> {
  return {
    prefix: "opening-company",
    parse: parserOf("openingCompany"),
    async authorize(p, { lotId, companyId }) {
      if ((await db.lot.count({ where: { id: lotId } })) === 0) return "not-found";
      return p.kind === "user" && p.role === "bidder" && p.companyId === companyId;
    },
    build: ({ lotId, companyId }) => buildOpeningBidder(db, lotId, companyId),
  };
}
