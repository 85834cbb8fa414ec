// Projects and lots: created by a tender agent; each lot gets its escrow key.
import { Category, DrawConfig, EvaluationMethod, Procedure, type CreateProjectInput, type LotView, type ProjectView } from "@contracts/opening";
import { BidField } from "@contracts/opening";
import { z } from "zod";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { Db } from "../db";
import { AppError } from "../errors";
import { createEscrow } from "./escrow";

type LotRow = Awaited<ReturnType<Db["lot"]["findUniqueOrThrow"]>> & {
  project: { id: string; code: string; name: string; category: string };
};

export function lotView(l: LotRow): LotView {
  return {
    id: l.id,
    code: l.code,
    name: l.name,
    projectId: l.project.id,
    projectCode: l.project.code,
    projectName: l.project.name,
    category: Category.parse(l.project.category),
    budgetFen: l.budgetFen === null ? null : Number(l.budgetFen),
    controlPriceFen: l.controlPriceFen === null ? null : Number(l.controlPriceFen),
    bidDeadline: l.bidDeadline.toISOString(),
    openingTime: l.openingTime.toISOString(),
    roomId: l.roomId,
    decryptWindowMinutes: l.decryptWindowMinutes,
    confirmMinutes: l.confirmMinutes,
    evaluationMethod: EvaluationMethod.parse(l.evaluationMethod),
    draw: DrawConfig.parse(JSON.parse(l.drawParams)),
    bidFields: z.array(BidField).parse(JSON.parse(l.bidFields)),
    maxBidBytes: Number(l.maxBidBytes),
    escrowCertPem: l.escrowCertPem,
    status: z.enum(["accepting", "opening", "opened", "cancelled"]).parse(l.status),
    ownerRepresentatives: l.ownerRepresentatives,
  };
}

export async function createProject(app: AppContext, principal: Principal, input: CreateProjectInput): Promise<ProjectView> {
  if (principal.kind !== "user") throw new AppError("FORBIDDEN", "Only people create projects");
  const now = Date.now();
  input.lots.forEach((l, i) => {
    if (Date.parse(l.bidDeadline) <= now) {
      throw new AppError("VALIDATION_FAILED", `lots.${i}.bidDeadline must be in the future`, [{ path: `lots.${i}.bidDeadline`, message: "must be in the future" }]);
    }
  });
  const codes = new Set<string>();
  for (const l of input.lots) {
    if (codes.has(l.code)) throw new AppError("VALIDATION_FAILED", `Lot code ${l.code} appears twice`);
    codes.add(l.code);
  }
  if (await app.db.project.findUnique({ where: { code: input.code } })) throw new AppError("CONFLICT", `Project code ${input.code} exists`);
  const taken = await app.db.lot.findMany({ where: { code: { in: [...codes] } }, select: { code: true } });
  if (taken.length) throw new AppError("CONFLICT", `Lot code ${taken[0]!.code} exists`);
  for (const [i, l] of input.lots.entries()) {
    const room = await app.db.room.findUnique({ where: { id: l.roomId }, select: { kind: true, name: true } });
    if (!room) throw new AppError("NOT_FOUND", `No room ${l.roomId}`);
    // An opening is held in an opening hall (开标厅): its screens, sign-in and one-opening-at-a-time rule.
    if (room.kind !== "opening") {
      throw new AppError("ROOM_NOT_OPENING", `Lot ${l.code}: ${room.name} is not an opening room (its kind is ${room.kind})`, [
        { path: `lots.${i}.roomId`, message: "must be an opening room" },
      ]);
    }
  }
  const supervisors = (await app.db.user.findMany({ where: { role: "supervisor", disabledAt: null }, orderBy: { createdAt: "asc" }, take: 3 })).map((u) => u.id);
  const center = await app.db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  // Keys are made before the transaction (CPU work), then everything is written at once.
  const lotIds = input.lots.map(() => crypto.randomUUID());
  const escrows = await Promise.all(input.lots.map((l, i) => createEscrow({ id: lotIds[i]!, code: l.code }, supervisors, app.pki, app.box, center.name)));
  const project = await app.db.$transaction(async (tx) => {
    const p = await tx.project.create({
      data: { code: input.code, name: input.name, category: input.category, procedure: input.procedure, ownerName: input.ownerName, agentUserId: principal.userId },
    });
    for (const [i, l] of input.lots.entries()) {
      await tx.lot.create({
        data: {
          id: lotIds[i]!,
          projectId: p.id,
          code: l.code,
          name: l.name,
          budgetFen: l.budgetFen === null ? null : BigInt(l.budgetFen),
          controlPriceFen: l.controlPriceFen === null ? null : BigInt(l.controlPriceFen),
          bidDeadline: new Date(l.bidDeadline),
          openingTime: new Date(l.openingTime),
          roomId: l.roomId,
          decryptWindowMinutes: l.decryptWindowMinutes,
          confirmMinutes: l.confirmMinutes,
          evaluationMethod: l.evaluationMethod,
          evaluationParams: JSON.stringify(l.evaluationParams),
          drawKind: l.draw.kind,
          drawParams: JSON.stringify(l.draw),
          bidFields: JSON.stringify(l.bidFields),
          maxBidBytes: BigInt(l.maxBidMegabytes) * 1024n * 1024n,
          escrowCertPem: escrows[i]!.certPem,
          ownerRepresentatives: l.ownerRepresentatives,
        },
      });
      for (const s of escrows[i]!.shares) {
        await tx.escrowShare.create({ data: { lotId: lotIds[i]!, index: s.index, supervisorId: s.supervisorId, sealedShare: s.sealedShare } });
      }
    }
    await appendAudit(tx, { actor: actorOf(principal), action: "project.create", target: `project:${p.id}`, payload: input });
    return p;
  });
  app.events.emit("opening.lotsChanged", { projectId: project.id });
  return getProject(app.db, project.id);
}

export async function getProject(db: Db, id: string): Promise<ProjectView> {
  const p = await db.project.findUnique({ where: { id }, include: { lots: { include: { project: true }, orderBy: { code: "asc" } } } });
  if (!p) throw new AppError("NOT_FOUND", `No project ${id}`);
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    category: Category.parse(p.category),
    procedure: Procedure.parse(p.procedure),
    ownerName: p.ownerName,
    lots: p.lots.map(lotView),
  };
}

export async function listProjects(db: Db): Promise<ProjectView[]> {
  const ps = await db.project.findMany({ orderBy: { createdAt: "desc" }, select: { id: true }, take: 200 });
  return Promise.all(ps.map((p) => getProject(db, p.id)));
}

export async function loadLot(db: Db, lotId: string) {
  const lot = await db.lot.findUnique({ where: { id: lotId }, include: { project: true } });
  if (!lot) throw new AppError("NOT_FOUND", `No lot ${lotId}`);
  return lot;
}

/** The agent running a lot's project (or an administrator). */
export function assertLotAgent(principal: Principal, lot: { project: { agentUserId: string } }) {
  if (principal.kind !== "user") throw new AppError("FORBIDDEN", "Only people may do this");
  if (principal.role === "admin") return principal;
  if (principal.role !== "agent" || lot.project.agentUserId !== principal.userId) {
    throw new AppError("FORBIDDEN", "Only the project's tender agent may do this");
  }
  return principal;
}

/** Escrow: a supervisor collects its share once; afterwards the platform no longer holds it. */
export async function collectEscrowShare(app: AppContext, principal: Principal, lotId: string): Promise<{ share: string; index: number }> {
  if (principal.kind !== "user" || principal.role !== "supervisor") throw new AppError("FORBIDDEN", "Only supervisors hold escrow shares");
  return app.db.$transaction(async (tx) => {
    const row = await tx.escrowShare.findFirst({ where: { lotId, supervisorId: principal.userId } });
    if (!row) throw new AppError("NOT_FOUND", "You hold no escrow share of this lot");
    if (!row.sealedShare) throw new AppError("ESCROW_SHARE_COLLECTED", "Your share was already collected; the platform keeps no copy");
    const share = app.box.open(row.sealedShare);
    await tx.escrowShare.update({ where: { lotId_index: { lotId, index: row.index } }, data: { sealedShare: null, collectedAt: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "escrow.collectShare", target: `lot:${lotId}`, payload: { index: row.index } });
    return { share, index: row.index };
  });
}
