// revealDraw (the draw itself): the seed is revealed and the committee follows
// from seed + frozen lists (sampler.ts); members are invited (link token, answer
// within T minutes), backups held in reserve. One transaction with its audit row.
import { randomUUID } from "node:crypto";
import { formatShanghai } from "@contracts/time";
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { assertLotAgent } from "../../opening/projects";
import { refreshBusy, refreshBusyRaw } from "../busy";
import { sendInvitations } from "../invitations";
import { changed, newToken, onPg, sha256, writeRaw } from "../model";
import { drawListsPg } from "../pg";
import { appendAuditRaw, sqlTime } from "../raw";
import { drawWindowOpens } from "../rules";
import { DrawWalk, selectInitial, unpackIds } from "../sampler";
import { armAnswerTimer } from "../timers";

export async function revealDraw(app: AppContext, principal: Principal, drawId: string) {
  // Raw reads of the few columns needed (the lists stay out: in memory since requestDraw, or read once below).
  const pg = onPg(app);
  const pool = pg ? null : app.experts.pool();
  type DrawHead = { status: string; seedSealed: string | null; seedHash: string; evaluationAt: string | Date; answerMinutes: number; category: string; agentUserId: string };
  const draw: DrawHead | undefined = pool
    ? (pool.db
        .prepare("SELECT d.status, d.seedSealed, d.seedHash, d.evaluationAt, d.answerMinutes, p.category, p.agentUserId FROM ExpertDraw d JOIN Project p ON p.id = d.projectId WHERE d.id = ?")
        .get(drawId) as DrawHead | undefined)
    : (
        await app.db.$queryRawUnsafe<DrawHead[]>(
          `SELECT d.status, d."seedSealed", d."seedHash", d."evaluationAt", d."answerMinutes", p.category, p."agentUserId" FROM "ExpertDraw" d JOIN "Project" p ON p.id = d."projectId" WHERE d.id = $1`,
          drawId,
        )
      )[0];
  if (!draw) throw new AppError("NOT_FOUND", `No expert draw ${drawId}`);
  assertLotAgent(principal, { project: draw });
  if (draw.status === "cancelled") throw new AppError("STAGE_CONFLICT", "This draw was cancelled");
  if (draw.status !== "committed" || !draw.seedSealed) throw new AppError("STAGE_CONFLICT", "This draw was already carried out");
  const now = new Date();
  const evaluationAt = new Date(draw.evaluationAt);
  if (now >= evaluationAt) throw new AppError("EVALUATION_STARTED", `The evaluation started at ${formatShanghai(evaluationAt)}; request a new draw for a new time`);
  if (draw.category === "procurement") {
    const opens = drawWindowOpens(evaluationAt, app.config.experts.procurementDrawWorkdays, app.experts.calendar);
    if (now < opens) {
      throw new AppError("DRAW_TOO_EARLY", `Government procurement: draw no earlier than ${app.config.experts.procurementDrawWorkdays} working days before the evaluation (from ${formatShanghai(opens)})`);
    }
  }
  const seed = app.box.open(draw.seedSealed);
  type BucketHead = { index: number; specialtyCode: string; need: number; backups: number };
  const buckets: BucketHead[] = pool
    ? (pool.db.prepare('SELECT "index", specialtyCode, need, backups FROM ExpertDrawBucket WHERE drawId = ? ORDER BY "index"').all(drawId) as BucketHead[])
    : await app.db.expertDrawBucket.findMany({ where: { drawId }, orderBy: { index: "asc" }, select: { index: true, specialtyCode: true, need: true, backups: true } });
  const walk = new DrawWalk(seed, app.experts.takeFrozen(drawId) ?? (pool ? pool.drawLists(drawId) : await drawListsPg(app.db, drawId)).map(unpackIds));
  const selected = selectInitial(walk, buckets);
  if ("shortBucket" in selected) {
    const b = buckets[selected.shortBucket]!;
    throw new AppError("POOL_EXHAUSTED", `Bucket ${b.index + 1} (${b.specialtyCode}) ran out: the same experts are eligible in several buckets; request again with fewer overlapping needs`);
  }
  const answerBy = new Date(now.getTime() + draw.answerMinutes * 60_000);
  const invites: { pickId: string; token: string; expertId: number; bucket: number }[] = [];
  const rows = selected.picks.map((p) => {
    const id = randomUUID();
    const invite = p.kind === "member";
    const token = invite ? newToken() : null;
    if (token) invites.push({ pickId: id, token, expertId: p.expertId, bucket: p.bucket });
    return { id, bucketIndex: p.bucket, seq: p.seq, position: p.position, expertId: p.expertId, kind: p.kind, state: invite ? "notified" : "reserve", tokenHash: token ? sha256(token) : null, answerBy: invite ? answerBy : null };
  });
  const drawAudit = { actor: actorOf(principal), action: "experts.draw", target: `expert-draw:${drawId}`, payload: { drawId, seed, seedHash: draw.seedHash, picks: selected.picks } };
  if (pg) {
    await app.db.$transaction(async (tx) => {
      const { count } = await tx.expertDraw.updateMany({ where: { id: drawId, status: "committed" }, data: { status: "drawn", seed, seedSealed: null, drawnAt: now } });
      if (count !== 1) throw new AppError("STAGE_CONFLICT", "This draw was already carried out");
      await tx.expertPick.createMany({
        data: rows.map((r) => ({ id: r.id, drawId, bucketIndex: r.bucketIndex, seq: r.seq, position: r.position, expertId: r.expertId, kind: r.kind, state: r.state, tokenHash: r.tokenHash, pickedAt: now, answerBy: r.answerBy, otpTries: 0 })),
      });
      await refreshBusy(tx, invites.map((i) => i.expertId), app.config.experts.maxDraws, app.config.experts.drawWindowDays, now);
      await appendAudit(tx, drawAudit, now);
    });
  } else {
    await writeRaw(app, (db) => {
      const { changes } = db
        .prepare("UPDATE ExpertDraw SET status = 'drawn', seed = ?, seedSealed = NULL, drawnAt = ? WHERE id = ? AND status = 'committed'")
        .run(seed, sqlTime(now), drawId);
      if (changes !== 1) throw new AppError("STAGE_CONFLICT", "This draw was already carried out");
      const ins = db.prepare(
        "INSERT INTO ExpertPick (id, drawId, bucketIndex, seq, position, expertId, kind, state, tokenHash, pickedAt, answerBy, otpTries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
      );
      const pickedAt = sqlTime(now);
      for (const r of rows) ins.run(r.id, drawId, r.bucketIndex, r.seq, r.position, r.expertId, r.kind, r.state, r.tokenHash, pickedAt, r.answerBy ? sqlTime(r.answerBy) : null);
      refreshBusyRaw(db, invites.map((i) => i.expertId), app.config.experts.maxDraws, app.config.experts.drawWindowDays, now);
      appendAuditRaw(db, drawAudit, now);
    });
  }
  changed(app, drawId);
  app.experts.track(sendInvitations(app, drawId, invites));
  for (const r of rows) if (r.answerBy) armAnswerTimer(app, r.id, r.answerBy);
  return { drawId, seed, seedHash: draw.seedHash, notified: invites.length, reserve: rows.length - invites.length };
}

