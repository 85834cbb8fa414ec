// Starting an evaluation (evaluation:create): an opened lot, its drawn committee,
// the tenderer's representatives the lot has seats for, and a scoring template.
//
// - The committee rules (experts/rules.ts checkCommittee: size, odd number, drawn
//   experts at least 2/3) are checked with the seated experts and the representatives.
// - A start before the committee has accepted (a seated pick still only notified) or
//   before the draw's scheduled evaluation time is refused with EVALUATION_NOT_READY
//   unless the agent confirms (`confirm: true`); the audit row records what was confirmed.
//   The refusal names seats (席位, site, specialty), never experts: the list stays
//   sealed until they sign in.
import { randomUUID } from "node:crypto";
import type { ScoringTemplate, OwnerRepInput } from "@contracts/evaluation";
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { assertLotAgent } from "../../opening/projects";
import { checkCommittee } from "../../experts/rules";
import { maskResidentId } from "../../experts/identity";
import { refreshLinks } from "../links";
import { changed, loadBidders, streamsOf } from "../model";
import { sealTieSeed } from "../ranking";

export interface CreateInput {
  lotId: string;
  drawId: string;
  template: ScoringTemplate;
  ownerReps?: OwnerRepInput[] | undefined;
  confirm?: boolean | undefined;
}

export async function createEvaluation(app: AppContext, principal: Principal, input: CreateInput) {
  const ownerReps = input.ownerReps ?? [];
  const lot = await app.db.lot.findUnique({ where: { id: input.lotId }, include: { project: true } });
  if (!lot) throw new AppError("NOT_FOUND", `No lot ${input.lotId}`);
  assertLotAgent(principal, lot);
  if (lot.status !== "opened") throw new AppError("STAGE_CONFLICT", "The opening of this lot is not closed yet");
  const method = lot.evaluationMethod === "lowest-price" ? "lowest-evaluated-price" : lot.evaluationMethod;
  if (input.template.method !== method) throw new AppError("TEMPLATE_MISMATCH", `The lot is evaluated by ${lot.evaluationMethod}, the template is for ${input.template.method}`);
  const draw = await app.db.expertDraw.findUnique({ where: { id: input.drawId } });
  if (!draw || draw.projectId !== lot.projectId || (draw.lotId && draw.lotId !== lot.id)) throw new AppError("NOT_FOUND", "No expert draw for this lot");
  if (draw.status !== "drawn") throw new AppError("STAGE_CONFLICT", `The expert draw is ${draw.status}`);
  const live = await app.db.evalSession.findFirst({ where: { lotId: lot.id, status: { in: ["running", "paused", "closed"] } } });
  if (live) throw new AppError("EVALUATION_EXISTS", "This lot already has an evaluation (seal it before forming a new committee)");
  const bidders = await loadBidders(app.db, lot.id);
  if (bidders.length === 0) throw new AppError("NO_BIDS", "No decrypted bid to evaluate");
  const buckets = await app.db.expertDrawBucket.findMany({ where: { drawId: draw.id }, omit: { list: true }, orderBy: { index: "asc" } });
  const bucketOf = new Map(buckets.map((b) => [b.index, b]));
  const picks = await app.db.expertPick.findMany({ where: { drawId: draw.id, state: { in: ["notified", "accepted", "signed-in"] } }, orderBy: [{ bucketIndex: "asc" }, { seq: "asc" }] });
  if (picks.length === 0) throw new AppError("NO_COMMITTEE", "The draw has no seated expert");

  // The tenderer's representatives: exactly the lot's seats, distinct, none of them a drawn expert.
  if (ownerReps.length !== lot.ownerRepresentatives) {
    throw new AppError("OWNER_REPS_COUNT", `The lot has ${lot.ownerRepresentatives} seats for the tenderer's representatives; ${ownerReps.length} named`, [
      { path: "ownerReps", message: `expected ${lot.ownerRepresentatives}, got ${ownerReps.length}` },
    ]);
  }
  checkCommittee(app.config.experts.committee, { category: lot.project.category, procedure: lot.project.procedure, budgetFen: lot.budgetFen }, picks.length, ownerReps.length);
  const repHashes = ownerReps.map((r) => app.experts.ids.hash(r.residentId));
  repHashes.forEach((h, i) => {
    if (repHashes.indexOf(h) !== i) throw new AppError("OWNER_REP_DUPLICATE", "The same ID number is named twice", [{ path: `ownerReps.${i}.residentId`, message: "named twice" }]);
  });
  if (repHashes.length) {
    const drawn = await app.db.expert.findMany({ where: { idHash: { in: repHashes }, id: { in: picks.map((p) => p.expertId) } }, select: { idHash: true } });
    if (drawn.length) {
      const i = repHashes.indexOf(drawn[0]!.idHash);
      throw new AppError("OWNER_REP_IS_EXPERT", "A tenderer's representative cannot also sit as a drawn expert of this committee", [{ path: `ownerReps.${i}.residentId`, message: "is a drawn expert" }]);
    }
  }

  // Ready? Every seated expert accepted (or signed in), and the scheduled time has come.
  let seat = 0;
  const seats = picks.map((p) => ({ p, seat: ++seat, bucket: bucketOf.get(p.bucketIndex)! }));
  const rooms = new Map((await app.db.room.findMany({ where: { id: { in: buckets.map((b) => b.roomId) } } })).map((r) => [r.id, r]));
  const specialties = new Map((await app.db.expertSpecialty.findMany({ where: { code: { in: buckets.map((b) => b.specialtyCode) } } })).map((x) => [x.code, x.name]));
  const notAccepted = seats
    .filter((x) => x.p.state === "notified")
    .map((x) => ({ seat: x.seat, room: rooms.get(x.bucket.roomId)?.name ?? "", role: x.bucket.siteRole, specialty: `${x.bucket.specialtyCode} ${specialties.get(x.bucket.specialtyCode) ?? ""}`.trim() }));
  const now = new Date();
  const early = now < draw.evaluationAt;
  if ((notAccepted.length || early) && !input.confirm) {
    const parts = [...(notAccepted.length ? [`${notAccepted.length} seat(s) have not accepted`] : []), ...(early ? [`the scheduled time ${draw.evaluationAt.toISOString()} has not come`] : [])];
    throw new AppError("EVALUATION_NOT_READY", `Confirm to start anyway: ${parts.join("; ")}`, [
      ...notAccepted.map((x) => ({ path: "notAccepted", message: JSON.stringify(x) })),
      ...(early ? [{ path: "evaluationAt", message: draw.evaluationAt.toISOString() }] : []),
    ]);
  }

  const sites = new Map<string, string>();
  for (const b of buckets) if (!sites.has(b.roomId)) sites.set(b.roomId, b.siteRole);
  const mainRoom = buckets.find((b) => b.siteRole === "main")?.roomId ?? buckets[0]!.roomId;
  const id = randomUUID();
  const actor = actorOf(principal);
  const tie = sealTieSeed(app);
  await app.db.$transaction(async (tx) => {
    // The stage again, inside the transaction: the draw's row is taken first (a cancel takes it too, experts/commands/cancel-draw.ts),
    // then no other session of the lot may have started meanwhile.
    const { count } = await tx.expertDraw.updateMany({ where: { id: draw.id, status: "drawn" }, data: { status: "drawn" } });
    if (count !== 1) throw new AppError("STAGE_CONFLICT", "The expert draw changed meanwhile");
    if (await tx.evalSession.findFirst({ where: { lotId: lot.id, status: { in: ["running", "paused", "closed"] } }, select: { id: true } })) {
      throw new AppError("EVALUATION_EXISTS", "This lot already has an evaluation (seal it before forming a new committee)");
    }
    await tx.evalSession.create({ data: { id, lotId: lot.id, drawId: draw.id, template: JSON.stringify(input.template), createdBy: actor.id, ...tie } });
    // A site's link is "unused" (未启用) until a device of its room is seen: no fault clock for a terminal never switched on.
    for (const [roomId, role] of sites) await tx.evalSite.create({ data: { sessionId: id, roomId, role, link: "unused", linkChangedAt: now } });
    for (const x of seats) await tx.evalMember.create({ data: { sessionId: id, pickId: x.p.id, expertId: x.p.expertId, roomId: x.bucket.roomId, seat: x.seat, state: "active" } });
    for (const [i, r] of ownerReps.entries()) {
      const m = await tx.evalMember.create({ data: { sessionId: id, kind: "owner-rep", roomId: mainRoom, seat: seats.length + i + 1, state: "active" } });
      await tx.evalOwnerRep.create({
        data: { memberId: m.id, sessionId: id, name: r.name, idHash: repHashes[i]!, idCipher: app.box.seal(r.residentId), idMasked: maskResidentId(r.residentId), mobileCipher: app.box.seal(r.mobile), employer: lot.project.ownerName },
      });
    }
    await appendAudit(tx, {
      actor,
      action: "evaluation.create",
      target: `evaluation:${id}`,
      payload: {
        lotId: lot.id,
        drawId: draw.id,
        members: picks.length,
        ownerReps: ownerReps.map((r, i) => ({ seat: seats.length + i + 1, name: r.name, residentId: maskResidentId(r.residentId) })),
        sites: [...sites.keys()],
        template: input.template,
        tieSeedHash: tie.tieSeedHash,
      },
    });
    // What the agent confirmed (the reasons the dialog showed), on the record next to the start.
    if (notAccepted.length || early) {
      await appendAudit(tx, { actor, action: "evaluation.startConfirmed", target: `evaluation:${id}`, payload: { notAccepted, evaluationAt: draw.evaluationAt.toISOString(), early } });
    }
  });
  await refreshLinks(app, id);
  await changed(app, id);
  return { sessionId: id, step: "signin" as const, streams: streamsOf(id) };
}
