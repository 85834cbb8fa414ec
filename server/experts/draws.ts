// The expert draw (专家抽取), command by command. Each is one transaction with
// its audit row; domain events and notifications follow the commit.
//
//   requestDraw  rules checked, exclusions recorded per expert and reason, the
//                eligible list of every site × specialty frozen (digest
//                recorded), a fresh seed made and only its SHA-256 published
//                (status committed; the supervisors' stream shows it).
//   draw         the seed is revealed and the committee follows from seed +
//                frozen lists (sampler.ts); members are invited (link token,
//                answer within T minutes), backups held in reserve.
//   answer       by link: accept, or decline → the bucket's next backup is
//                called, else a replacement (补抽) continues the same seeded walk
//                over the same frozen list. No answer by the deadline does the
//                same (a timer, re-armed from the database at start-up).
//   sign-in      at an expert terminal in the site's room: ID number, then a
//                one-time code sent to the expert's mobile; only then is the
//                name unsealed in the agent's and supervisors' views.
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import type { DrawCommitment, RequestDrawInput, SignInDeclineInput } from "@contracts/experts";
import { formatShanghai } from "@contracts/time";
import { appendAudit, type Actor } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { dbProvider, type Db, type Tx } from "../db";
import { AppError } from "../errors";
import { newSeed, seedHash } from "../opening/draws";
import { assertLotAgent } from "../opening/projects";
import { exclusionNames, placeLabel } from "@contracts/experts";
import { checkCommittee, drawWindowOpens } from "./rules";
import { DrawWalk, digestPacked, packIds, resumeWalk, selectInitial, unpackIds } from "./sampler";
import { maskMobile } from "./identity";
import { ensureBusy, ensureBusyPg, refreshBusy, refreshBusyRaw } from "./busy";
import { appendAuditRaw, openRaw, sqlTime, type RawDb } from "./raw";
import { drawListsPg, pgMarks } from "./pg";
import type { FreezeResult } from "./buckets";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const newToken = () => randomBytes(24).toString("base64url");
const SIGN_IN_WINDOW_MS = 12 * 3_600_000;
const OTP_TTL_MS = 5 * 60_000;
const OTP_MAX_TRIES = 5;
/** Wrong proofs (last 4 of the ID number) an invitation link takes before it is locked. */
const ANSWER_MAX_TRIES = 5;
/** Per seat: a new sign-in code at most once a minute, and at most 5 an hour. */
const OTP_RESEND_MS = 60_000;
const OTP_MAX_PER_HOUR = 5;
const OTP_WINDOW_MS = 3_600_000;

const changed = (app: AppContext, drawId: string) => app.events.emit("experts.drawChanged", { drawId });
const streamsOf = (drawId: string) => ({ agent: `expert-draw:${drawId}:agent`, supervisor: `expert-draw:${drawId}:supervisor` });

const onPg = (app: AppContext) => dbProvider(app.db) === "postgresql";
/** A draw's frozen lists (SQLite: the pool's raw connection; PostgreSQL: through `q`). */
const drawLists = async (app: AppContext, q: Tx, drawId: string): Promise<Uint8Array[]> => (onPg(app) ? drawListsPg(q, drawId) : app.experts.pool().drawLists(drawId));
const blob = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const isBusy = (err: unknown) => typeof err === "object" && err !== null && String((err as { code?: unknown }).code ?? "").startsWith("SQLITE_BUSY");

/**
 * One write transaction on the raw connection (the draw's hot path: frozen
 * lists, picks, audit). It runs inside a Prisma transaction that does nothing
 * itself: that holds Prisma's single-connection gate, so no Prisma transaction
 * of this process has a read snapshot open meanwhile (it could not upgrade to
 * a write afterwards). A database busy with another process is retried here,
 * asynchronously (the writer's busy_timeout is 0).
 */
export async function writeRaw<T>(app: AppContext, fn: (db: RawDb) => T): Promise<T> {
  return app.db.$transaction(
    async () => {
      const db = app.experts.writer();
      const run = db.transaction(() => fn(db));
      for (let attempt = 0; ; attempt++) {
        try {
          return run.immediate();
        } catch (err) {
          if (!isBusy(err) || attempt >= 400) throw err;
          await new Promise((r) => setTimeout(r, 5 + Math.min(attempt, 20)));
        }
      }
    },
    { timeout: 20_000, maxWait: 20_000 },
  );
}

async function loadProject(app: AppContext, projectId: string) {
  const project = await app.db.project.findUnique({ where: { id: projectId }, include: { lots: true } });
  if (!project) throw new AppError("NOT_FOUND", `No project ${projectId}`);
  return project;
}

async function loadDraw(app: AppContext, drawId: string) {
  const draw = await app.db.expertDraw.findUnique({ where: { id: drawId } });
  if (!draw) throw new AppError("NOT_FOUND", `No expert draw ${drawId}`);
  return { draw, project: await loadProject(app, draw.projectId) };
}

// ── request: rules, exclusions, frozen lists, commitment ──

export async function requestDraw(app: AppContext, principal: Principal, input: RequestDrawInput): Promise<DrawCommitment> {
  if (principal.kind !== "user") throw new AppError("FORBIDDEN", "Only people request draws");
  const project = await loadProject(app, input.projectId);
  assertLotAgent(principal, { project });
  const cfg = app.config.experts;
  const lot = input.lotId ? project.lots.find((l) => l.id === input.lotId) : undefined;
  if (input.lotId && !lot) throw new AppError("NOT_FOUND", `No lot ${input.lotId} in project ${project.code}`);
  const now = new Date();
  const evaluationAt = new Date(input.evaluationAt);
  if (evaluationAt <= now) throw new AppError("EVALUATION_STARTED", `The evaluation time ${formatShanghai(evaluationAt)} has passed; no draw for an evaluation that has started`);

  const codes = [...new Set(input.sites.flatMap((s) => s.needs.map((n) => n.specialtyCode)))];
  // Bidders' employers: every company that submitted a bid on the lot(s), withdrawn or not (avoidance errs on the safe side).
  const lotIds = lot ? [lot.id] : project.lots.map((l) => l.id);
  // Rooms, specialties and the bidders' codes: three indexed reads on the pool's raw connection (no Prisma round trips).
  const pg = onPg(app);
  const raw = pg ? null : app.experts.pool().db;
  const marks = (n: number) => Array.from({ length: n }, () => "?").join(",");
  const roomIds = [...new Set(input.sites.map((s) => s.roomId))];
  const roomRows = raw
    ? (raw.prepare(`SELECT id, name, city FROM Room WHERE id IN (${marks(roomIds.length)})`).all(...roomIds) as { id: string; name: string; city: string }[])
    : await app.db.room.findMany({ where: { id: { in: roomIds } }, select: { id: true, name: true, city: true } });
  const specialtyRows = raw
    ? (raw.prepare(`SELECT code, name FROM ExpertSpecialty WHERE code IN (${marks(codes.length)})`).all(...codes) as { code: string; name: string }[])
    : await app.db.expertSpecialty.findMany({ where: { code: { in: codes } }, select: { code: true, name: true } });
  const bidderCodes =
    lotIds.length === 0
      ? []
      : raw
        ? (raw
            .prepare(`SELECT DISTINCT c.creditCode FROM Bid b JOIN Company c ON c.id = b.companyId WHERE b.lotId IN (${marks(lotIds.length)}) ORDER BY c.creditCode`)
            .pluck()
            .all(...lotIds) as string[])
        : (
            await app.db.$queryRawUnsafe<{ creditCode: string }[]>(
              `SELECT DISTINCT c."creditCode" FROM "Bid" b JOIN "Company" c ON c.id = b."companyId" WHERE b."lotId" IN (${pgMarks(lotIds.length)})`,
              ...lotIds,
            )
          )
            .map((r) => r.creditCode)
            .sort();
  const rooms = new Map(roomRows.map((r) => [r.id, r]));
  input.sites.forEach((s, i) => {
    if (!rooms.has(s.roomId)) throw new AppError("NOT_FOUND", `No room ${s.roomId} (sites.${i}.roomId)`, [{ path: `sites.${i}.roomId`, message: "no such room" }]);
  });
  const specialties = new Map(specialtyRows.map((s) => [s.code, s]));
  input.sites.forEach((s, i) =>
    s.needs.forEach((n, j) => {
      if (!specialties.has(n.specialtyCode)) {
        throw new AppError("VALIDATION_FAILED", `Unknown specialty ${n.specialtyCode} (sites.${i}.needs.${j})`, [{ path: `sites.${i}.needs.${j}.specialtyCode`, message: "unknown specialty" }]);
      }
    }),
  );
  const experts = input.sites.reduce((s, site) => s + site.needs.reduce((t, n) => t + n.count, 0), 0);
  const budgetFen = lot ? lot.budgetFen : project.lots.reduce<bigint | null>((s, l) => (l.budgetFen === null ? s : (s ?? 0n) + l.budgetFen), null);
  const committee = checkCommittee(cfg.committee, { category: project.category, procedure: project.procedure, budgetFen }, experts, input.ownerRepresentatives);
  const sameCountyRule = input.excludeSameCounty ?? cfg.excludeSameCounty;
  if (sameCountyRule && !input.projectRegionCode) {
    throw new AppError("VALIDATION_FAILED", "projectRegionCode is needed: the same-county rule applies", [{ path: "projectRegionCode", message: "required by the same-county rule" }]);
  }
  const openDraw = (db = app.experts.pool().db) =>
    db
      .prepare(`SELECT id FROM ExpertDraw WHERE projectId = ? AND lotId ${input.lotId ? "= ?" : "IS NULL"} AND status IN ('committed', 'drawn') LIMIT 1`)
      .pluck()
      .get(...(input.lotId ? [project.id, input.lotId] : [project.id])) as string | undefined;
  const conflict = (id: string) => new AppError("CONFLICT", `A draw for this ${input.lotId ? "lot" : "project"} is already on (${id}); cancel it first`);
  const openDrawPg = async (q: Tx) =>
    (await q.expertDraw.findFirst({ where: { projectId: project.id, lotId: input.lotId ?? null, status: { in: ["committed", "drawn"] } }, select: { id: true } }))?.id;
  const already = pg ? await openDrawPg(app.db) : openDraw();
  if (already) throw conflict(already);

  const plan = input.sites.flatMap((site, siteIndex) =>
    site.needs.map((n) => ({ siteIndex, roomId: site.roomId, role: site.role, regionPrefix: site.regionPrefix ?? "", specialtyCode: n.specialtyCode, need: n.count, backups: n.backups })),
  );
  const windowStart = new Date(now.getTime() - cfg.drawWindowDays * 86_400_000);
  const manual = input.manualExclusions.map((m) => ({ idHash: app.experts.ids.hash(m.residentId), reason: m.reason }));
  const freezeRequest = {
    buckets: plan.map((p) => ({ specialtyCode: p.specialtyCode, regionPrefix: p.regionPrefix })),
    evaluationAt,
    bidderCodes,
    ownerCodes: input.ownerCreditCodes,
    ownerName: project.ownerName,
    manual,
    sameCounty: sameCountyRule ? input.projectRegionCode! : null,
    now,
  };
  const frozen: FreezeResult = await app.experts.freeze(app.db, freezeRequest);

  const short = plan.flatMap((p, i) => {
    const b = frozen.buckets[i]!;
    const required = p.need + p.backups;
    if (b.eligible.length >= required) return [];
    const room = rooms.get(p.roomId)!;
    const top = Object.entries(b.excluded).sort((x, y) => y[1] - x[1])[0] as [keyof typeof exclusionNames, number] | undefined;
    const message =
      `site ${p.siteIndex + 1} ${room.name} (${p.role}), specialty ${p.specialtyCode} ${specialties.get(p.specialtyCode)!.name}: ` +
      `needs ${required} (${p.need} + ${p.backups} backup${p.backups === 1 ? "" : "s"}), ${b.eligible.length} eligible of ${b.candidates}, short by ${required - b.eligible.length}; ` +
      (top ? `the exclusion that removed the most: ${top[0]} ${exclusionNames[top[0]]} (${top[1]})` : "no exclusion applied: the pool has too few experts here");
    return [{ path: `sites.${p.siteIndex}.needs.${input.sites[p.siteIndex]!.needs.findIndex((n) => n.specialtyCode === p.specialtyCode)}`, message }];
  });
  if (short.length) throw new AppError("POOL_SHORT", `The pool cannot fill this request: ${short.map((s) => s.message).join("; ")}`, short);

  const seed = newSeed();
  const hash = seedHash(seed);
  const drawId = randomUUID();
  const packed = frozen.buckets.map((b) => packIds(b.eligible));
  const digests = packed.map(digestPacked);
  const exclusions = frozen.exclusions.map((e) => ({ ...e, packed: packIds(e.ids) }));
  const request = {
    ...input,
    manualExclusions: input.manualExclusions.map((m) => ({ idMasked: `${m.residentId.slice(0, 4)}**********${m.residentId.slice(-4)}`, reason: m.reason })),
    excludeSameCounty: sameCountyRule,
    bidderCreditCodes: bidderCodes,
    ownerName: project.ownerName,
    maxDraws: cfg.maxDraws,
    drawWindowDays: cfg.drawWindowDays,
    windowStart: windowStart.toISOString(),
  };
  const auditPayload = () => ({
    drawId,
    request,
    committee,
    seedHash: hash,
    poolGeneration: frozen.generation,
    buckets: plan.map((p, i) => ({ ...p, eligible: frozen.buckets[i]!.eligible.length, listDigest: digests[i], excluded: frozen.buckets[i]!.excluded })),
    exclusions: exclusions.map((e) => ({ reason: e.reason, detail: e.detail, count: e.ids.length, digest: digestPacked(e.packed) })),
  });
  if (pg) {
    await app.db.$transaction(async (tx) => {
      const again = await openDrawPg(tx);
      if (again) throw conflict(again);
      await tx.expertDraw.create({
        data: {
          id: drawId,
          projectId: project.id,
          lotId: input.lotId ?? null,
          requestedBy: principal.userId,
          status: "committed",
          evaluationAt,
          request: JSON.stringify(request),
          committee: JSON.stringify(committee),
          answerMinutes: cfg.answerMinutes,
          poolGeneration: frozen.generation,
          seedHash: hash,
          seedSealed: app.box.seal(seed),
          committedAt: now,
        },
      });
      await tx.expertDrawBucket.createMany({
        data: plan.map((p, i) => {
          const b = frozen.buckets[i]!;
          return {
            drawId,
            index: i,
            siteIndex: p.siteIndex,
            roomId: p.roomId,
            siteRole: p.role,
            regionPrefix: p.regionPrefix,
            specialtyCode: p.specialtyCode,
            need: p.need,
            backups: p.backups,
            candidates: b.candidates,
            eligible: b.eligible.length,
            listDigest: digests[i]!,
            list: new Uint8Array(packed[i]!),
            excluded: JSON.stringify(b.excluded),
          };
        }),
      });
      if (exclusions.length) {
        await tx.expertDrawExclusion.createMany({ data: exclusions.map((e) => ({ drawId, reason: e.reason, detail: e.detail, count: e.ids.length, expertIds: new Uint8Array(e.packed) })) });
      }
      await appendAudit(tx, { actor: actorOf(principal), action: "experts.requestDraw", target: `expert-draw:${drawId}`, payload: auditPayload() }, now);
    });
  } else {
    const committedAt = sqlTime(now);
    await writeRaw(app, (db) => {
      const again = openDraw(db);
      if (again) throw conflict(again);
      db.prepare(
        `INSERT INTO ExpertDraw (id, projectId, lotId, requestedBy, status, evaluationAt, request, committee, answerMinutes, poolGeneration, seedHash, seedSealed, committedAt)
         VALUES (?, ?, ?, ?, 'committed', ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(drawId, project.id, input.lotId ?? null, principal.userId, sqlTime(evaluationAt), JSON.stringify(request), JSON.stringify(committee), cfg.answerMinutes, frozen.generation, hash, app.box.seal(seed), committedAt);
      const bucketRow = db.prepare(
        `INSERT INTO ExpertDrawBucket (drawId, "index", siteIndex, roomId, siteRole, regionPrefix, specialtyCode, need, backups, candidates, eligible, listDigest, list, excluded)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      plan.forEach((p, i) => {
        const b = frozen.buckets[i]!;
        bucketRow.run(drawId, i, p.siteIndex, p.roomId, p.role, p.regionPrefix, p.specialtyCode, p.need, p.backups, b.candidates, b.eligible.length, digests[i]!, blob(packed[i]!), JSON.stringify(b.excluded));
      });
      const exclusionRow = db.prepare("INSERT INTO ExpertDrawExclusion (drawId, reason, detail, count, expertIds) VALUES (?, ?, ?, ?, ?)");
      for (const e of exclusions) exclusionRow.run(drawId, e.reason, e.detail, e.ids.length, blob(e.packed));
      appendAuditRaw(
        db,
        {
          actor: actorOf(principal),
          action: "experts.requestDraw",
          target: `expert-draw:${drawId}`,
          payload: auditPayload(),
        },
        now,
      );
    });
  }
  app.experts.keepFrozen(drawId, frozen.buckets.map((b) => b.eligible));
  changed(app, drawId);
  return {
    drawId,
    status: "committed",
    seedHash: hash,
    poolGeneration: frozen.generation,
    committee,
    buckets: plan.map((p, i) => {
      const room = rooms.get(p.roomId)!;
      return {
        index: i,
        site: { index: p.siteIndex, roomId: p.roomId, roomName: room.name, city: room.city, role: p.role, regionPrefix: p.regionPrefix },
        specialty: { code: p.specialtyCode, name: specialties.get(p.specialtyCode)!.name },
        need: p.need,
        backups: p.backups,
        eligible: frozen.buckets[i]!.eligible.length,
        listDigest: digests[i]!,
      };
    }),
    streams: streamsOf(drawId),
  };
}

// ── draw: reveal and select ──

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

// ── notifications ──

/** Sends the invitations of one draw: the data read once for all, then one send each, then one write of who got theirs. */
export async function sendInvitations(app: AppContext, drawId: string, invites: { pickId: string; token: string }[]): Promise<void> {
  if (invites.length === 0) return;
  const ids = invites.map((i) => i.pickId);
  const failed = async (pickIds: string[], err: unknown) => {
    app.log.warn({ err, pickIds }, "expert invitation not delivered; the answer deadline still applies");
    await app.db.expertPick
      .updateMany({ where: { id: { in: pickIds } }, data: { notifyError: String(err instanceof Error ? err.message : err).slice(0, 500) } })
      .catch(() => undefined);
  };
  let ctx;
  try {
    const [picks, draw, buckets] = await Promise.all([
      app.db.expertPick.findMany({ where: { id: { in: ids } }, select: { id: true, expertId: true, bucketIndex: true, answerBy: true } }),
      app.db.expertDraw.findUniqueOrThrow({ where: { id: drawId }, select: { projectId: true, evaluationAt: true } }),
      app.db.expertDrawBucket.findMany({ where: { drawId }, select: { index: true, roomId: true } }),
    ]);
    const [project, rooms, experts] = await Promise.all([
      app.db.project.findUniqueOrThrow({ where: { id: draw.projectId }, select: { code: true } }),
      app.db.room.findMany({ where: { id: { in: [...new Set(buckets.map((b) => b.roomId))] } } }),
      app.db.expert.findMany({ where: { id: { in: picks.map((p) => p.expertId) } }, select: { id: true, name: true, mobileCipher: true } }),
    ]);
    ctx = { picks: new Map(picks.map((p) => [p.id, p])), draw, project, roomOf: new Map(buckets.map((b) => [b.index, rooms.find((r) => r.id === b.roomId)])), experts: new Map(experts.map((e) => [e.id, e])) };
  } catch (err) {
    return failed(ids, err);
  }
  const sent: string[] = [];
  await Promise.all(
    invites.map(async ({ pickId, token }) => {
      try {
        const pick = ctx.picks.get(pickId);
        const room = pick && ctx.roomOf.get(pick.bucketIndex);
        const expert = pick && ctx.experts.get(pick.expertId);
        if (!pick || !room || !expert || !pick.answerBy) throw new Error(`invitation ${pickId}: pick, room or expert not found`);
        const link = `${app.config.experts.linkBase}/invite#t=${token}`;
        await app.experts.notifier.send({
          kind: "invitation",
          to: app.box.open(expert.mobileCipher),
          recipient: { name: expert.name, expertId: expert.id },
          text: `【评标专家抽取】您被随机抽取为项目 ${ctx.project.code} 的评标专家，评标时间 ${formatShanghai(ctx.draw.evaluationAt)}，地点 ${placeLabel(room.name, room.city)}。请于 ${formatShanghai(pick.answerBy)} 前答复（接受或拒绝）：${link}`,
          drawId,
          pickId,
          projectCode: ctx.project.code,
          token,
          link,
          answerBy: pick.answerBy.toISOString(),
        });
        sent.push(pickId);
      } catch (err) {
        await failed([pickId], err);
      }
    }),
  );
  if (sent.length) await app.db.expertPick.updateMany({ where: { id: { in: sent } }, data: { notifiedAt: new Date(), notifyError: null } }).catch(() => undefined);
}

// ── answers, replacements, timers ──

interface Called {
  kind: "backup" | "replacement";
  drawId: string;
  pickId: string;
  token: string;
  answerBy: Date;
}

/**
 * Fills the seat a pick leaves (decline, no answer): the bucket's next backup
 * in reserve is called; else a replacement (补抽) continues the seeded walk over
 * the same frozen list. Inside the caller's transaction.
 */
async function fillSeat(app: AppContext, tx: Tx, drawId: string, left: { id: string; seq: number; bucketIndex: number }, now: Date, actor: Actor): Promise<Called | null> {
  const draw = await tx.expertDraw.findUniqueOrThrow({ where: { id: drawId } });
  if (now >= draw.evaluationAt) {
    await appendAudit(tx, { actor, action: "experts.replacementSkipped", target: `expert-draw:${drawId}`, payload: { seat: left.seq, reason: "the evaluation has started" } });
    return null;
  }
  const token = newToken();
  const answerBy = new Date(now.getTime() + draw.answerMinutes * 60_000);
  const backup = await tx.expertPick.findFirst({ where: { drawId, bucketIndex: left.bucketIndex, state: "reserve" }, orderBy: { seq: "asc" } });
  if (backup) {
    await tx.expertPick.update({ where: { id: backup.id }, data: { state: "notified", tokenHash: sha256(token), answerBy, replacesId: left.id } });
    await refreshBusy(tx, [backup.expertId], app.config.experts.maxDraws, app.config.experts.drawWindowDays, now);
    await appendAudit(tx, { actor, action: "experts.backupCalled", target: `expert-draw:${drawId}`, payload: { seq: backup.seq, replaces: left.seq } });
    return { kind: "backup", drawId, pickId: backup.id, token, answerBy };
  }
  const picks = await tx.expertPick.findMany({ where: { drawId }, orderBy: { seq: "asc" } });
  const walk = resumeWalk(draw.seed!, (await drawLists(app, tx, drawId)).map(unpackIds), picks.map((p) => ({ bucket: p.bucketIndex, position: p.position, expertId: p.expertId })));
  const next = walk.next(left.bucketIndex);
  if (!next) {
    await appendAudit(tx, { actor, action: "experts.replacementImpossible", target: `expert-draw:${drawId}`, payload: { seat: left.seq, bucket: left.bucketIndex, reason: "the frozen list is used up" } });
    return null;
  }
  const id = randomUUID();
  const seq = picks.length + 1;
  await tx.expertPick.create({
    data: { id, drawId, bucketIndex: left.bucketIndex, seq, position: next.position, expertId: next.expertId, kind: "replacement", state: "notified", replacesId: left.id, tokenHash: sha256(token), pickedAt: now, answerBy },
  });
  await refreshBusy(tx, [next.expertId], app.config.experts.maxDraws, app.config.experts.drawWindowDays, now);
  await appendAudit(tx, { actor, action: "experts.replacement", target: `expert-draw:${drawId}`, payload: { seq, bucket: left.bucketIndex, position: next.position, expertId: next.expertId, replaces: left.seq } });
  return { kind: "replacement", drawId, pickId: id, token, answerBy };
}

function afterCalled(app: AppContext, called: Called | null) {
  if (!called) return;
  app.experts.track(sendInvitations(app, called.drawId, [called]));
  armAnswerTimer(app, called.pickId, called.answerBy);
}

const linkActor = (pickId: string): Actor => ({ kind: "system", id: `invitation:${pickId}`, role: "expert" });

async function pickByToken(app: AppContext, token: string) {
  const pick = await app.db.expertPick.findUnique({ where: { tokenHash: sha256(token) } });
  if (!pick) throw new AppError("NOT_FOUND", "Unknown invitation (the link is wrong or was replaced)");
  const draw = await app.db.expertDraw.findUniqueOrThrow({ where: { id: pick.drawId } });
  return { pick, draw };
}

export async function viewInvitation(app: AppContext, token: string) {
  const { pick, draw } = await pickByToken(app, token);
  const project = await app.db.project.findUniqueOrThrow({ where: { id: draw.projectId } });
  const bucket = await app.db.expertDrawBucket.findUniqueOrThrow({ where: { drawId_index: { drawId: draw.id, index: pick.bucketIndex } }, omit: { list: true } });
  const room = await app.db.room.findUnique({ where: { id: bucket.roomId } });
  return {
    projectCode: project.code,
    evaluationAt: draw.evaluationAt.toISOString(),
    site: { roomName: room?.name ?? "", city: room?.city ?? "" },
    state: pick.state as "notified",
    answerBy: pick.answerBy?.toISOString() ?? null,
  };
}

/**
 * The proof that the one answering the link is the invited expert: the last 4
 * characters of their ID number. Each try is taken from the seat's allowance
 * first (one conditional increment, shared by every process), then compared, so
 * even parallel requests get ANSWER_MAX_TRIES comparisons in all; then the link
 * is locked (the expert can still answer at the terminal or by the center).
 */
async function checkAnswerProof(app: AppContext, pick: { id: string; expertId: number }, idLast4: string): Promise<void> {
  const { count } = await app.db.expertPick.updateMany({ where: { id: pick.id, state: "notified", answerTries: { lt: ANSWER_MAX_TRIES } }, data: { answerTries: { increment: 1 } } });
  if (count !== 1) throw new AppError("INVITE_LOCKED", `${ANSWER_MAX_TRIES} wrong answers: this link can no longer answer; sign in at the expert terminal or call the center`);
  const expert = await app.db.expert.findUniqueOrThrow({ where: { id: pick.expertId }, select: { idCipher: true } });
  const expected = Buffer.from(app.box.open(expert.idCipher).trim().toUpperCase().slice(-4));
  const given = Buffer.from(idLast4.toUpperCase());
  if (given.length === expected.length && timingSafeEqual(given, expected)) return;
  const used = (await app.db.expertPick.findUniqueOrThrow({ where: { id: pick.id }, select: { answerTries: true } })).answerTries;
  throw new AppError("INVITE_PROOF_WRONG", `The last 4 characters of the ID number do not match (${Math.max(0, ANSWER_MAX_TRIES - used)} tries left)`, [
    { path: "idLast4", message: `does not match; ${Math.max(0, ANSWER_MAX_TRIES - used)} tries left` },
  ]);
}

export async function answerInvitation(app: AppContext, token: string, decision: "accept" | "decline", idLast4: string, reason?: string) {
  const { pick, draw } = await pickByToken(app, token);
  if (draw.status !== "drawn") throw new AppError("INVITATION_CLOSED", "This draw was cancelled");
  if (pick.state !== "notified") throw new AppError("ALREADY_ANSWERED", `This invitation is already ${pick.state}`);
  const now = new Date();
  if (pick.answerBy && now >= pick.answerBy) throw new AppError("ANSWER_CLOSED", "The time to answer is over; a replacement has been or is being drawn");
  const started = (db: Db | Tx) => db.evalSession.findFirst({ where: { drawId: draw.id, status: { in: ["running", "paused", "closed"] } }, select: { id: true } });
  const startedError = () => new AppError("EVALUATION_STARTED", "The evaluation has started: the invitation can no longer be answered by link");
  // Before the proof takes one of the link's tries; again inside the transaction below.
  if (await started(app.db)) throw startedError();
  await checkAnswerProof(app, pick, idLast4);
  const actor = linkActor(pick.id);
  let called: Called | null = null;
  await app.db.$transaction(async (tx) => {
    const state = decision === "accept" ? "accepted" : "declined";
    const { count } = await tx.expertPick.updateMany({
      where: { id: pick.id, state: "notified" },
      data: { state, answeredAt: now, answerVia: "link", declineReason: decision === "decline" ? (reason ?? "") : null },
    });
    if (count !== 1) throw new AppError("ALREADY_ANSWERED", "This invitation was already answered");
    // Once the committee's evaluation has started the link is closed: the expert is at a terminal or not (a decline
    // here would draw a replacement beside a committee already seated).
    if (await started(tx)) throw startedError();
    await appendAudit(tx, { actor, action: `experts.${decision}`, target: `expert-draw:${draw.id}`, payload: { seq: pick.seq, via: "link", reason: reason ?? null } });
    if (decision === "decline") called = await fillSeat(app, tx, draw.id, pick, now, actor);
  });
  app.timers.cancel(`expert-answer:${pick.id}`);
  changed(app, draw.id);
  afterCalled(app, called);
  return { state: decision === "accept" ? ("accepted" as const) : ("declined" as const) };
}

/** The answer deadline of one invitation passed: no answer → replacement. Idempotent. */
export async function expireAnswer(app: AppContext, pickId: string): Promise<void> {
  const pick = await app.db.expertPick.findUnique({ where: { id: pickId } });
  if (!pick || pick.state !== "notified" || !pick.answerBy) return;
  const now = new Date();
  if (now < pick.answerBy) return armAnswerTimer(app, pickId, pick.answerBy);
  const actor: Actor = { kind: "system", id: "timer", role: "system" };
  let called: Called | null = null;
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.expertPick.updateMany({ where: { id: pickId, state: "notified" }, data: { state: "no-answer", answeredAt: now, answerVia: "timer" } });
    if (count !== 1) return;
    await appendAudit(tx, { actor, action: "experts.noAnswer", target: `expert-draw:${pick.drawId}`, payload: { seq: pick.seq, answerBy: pick.answerBy!.toISOString() } });
    called = await fillSeat(app, tx, pick.drawId, pick, now, actor);
  });
  changed(app, pick.drawId);
  afterCalled(app, called);
}

export function armAnswerTimer(app: AppContext, pickId: string, answerBy: Date): void {
  app.timers.at(`expert-answer:${pickId}`, answerBy, () => expireAnswer(app, pickId));
}

/**
 * At start-up: every invitation still waiting for an answer gets its deadline
 * armed again; ExpertBusy is recomputed if K or D changed since it was made.
 */
export async function armExpertTimers(app: AppContext): Promise<void> {
  if (onPg(app)) {
    if (await ensureBusyPg(app.db, app.config.experts.maxDraws, app.config.experts.drawWindowDays)) app.log.info("experts: recomputed who was drawn too often (K or D changed)");
  }
  const raw = onPg(app) ? null : openRaw(app.config.databaseUrl);
  try {
    if (raw && ensureBusy(raw, app.config.experts.maxDraws, app.config.experts.drawWindowDays)) app.log.info("experts: recomputed who was drawn too often (K or D changed)");
  } finally {
    raw?.close();
  }
  const waiting = await app.db.expertPick.findMany({ where: { state: "notified", answerBy: { not: null } }, select: { id: true, answerBy: true } });
  for (const p of waiting) armAnswerTimer(app, p.id, p.answerBy!);
}

// ── cancel ──

export async function cancelDraw(app: AppContext, principal: Principal, drawId: string, reason: string) {
  const { draw, project } = await loadDraw(app, drawId);
  assertLotAgent(principal, { project });
  if (draw.status === "cancelled") throw new AppError("STAGE_CONFLICT", "This draw is already cancelled");
  const toTell = await app.db.expertPick.findMany({ where: { drawId, state: { in: ["notified", "accepted"] } } });
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.expertDraw.updateMany({
      where: { id: drawId, status: { in: ["committed", "drawn"] } },
      data: { status: "cancelled", cancelledAt: new Date(), cancelReason: reason, seedSealed: null },
    });
    if (count !== 1) throw new AppError("STAGE_CONFLICT", "This draw is already cancelled");
    // Checked after the draw's row is taken (evaluation/start.ts takes it too): a committee whose evaluation has
    // started (or ended) keeps its draw; only a sealed session's draw may go (a new committee follows).
    if (await tx.evalSession.findFirst({ where: { drawId, status: { in: ["running", "paused", "closed"] } }, select: { id: true } })) {
      throw new AppError("STAGE_CONFLICT", "The committee of this draw has started its evaluation: the draw can no longer be cancelled");
    }
    await tx.expertPick.updateMany({ where: { drawId, state: { in: ["reserve", "notified", "accepted"] } }, data: { state: "cancelled" } });
    const touched = await tx.expertPick.findMany({ where: { drawId }, select: { expertId: true } });
    await refreshBusy(tx, touched.map((p) => p.expertId), app.config.experts.maxDraws, app.config.experts.drawWindowDays);
    await appendAudit(tx, { actor: actorOf(principal), action: "experts.cancelDraw", target: `expert-draw:${drawId}`, payload: { reason } });
  });
  for (const p of toTell) app.timers.cancel(`expert-answer:${p.id}`);
  changed(app, drawId);
  void (async () => {
    for (const p of toTell) {
      const expert = await app.db.expert.findUnique({ where: { id: p.expertId } });
      if (!expert) continue;
      await app.experts.notifier
        .send({ kind: "cancelled", to: app.box.open(expert.mobileCipher), recipient: { name: expert.name, expertId: expert.id }, text: `【评标专家抽取】项目 ${project.code} 的评标专家邀请已取消，无需前往。`, drawId, pickId: p.id, projectCode: project.code })
        .catch((err: unknown) => app.log.warn({ err, pickId: p.id }, "cancellation not delivered"));
    }
  })();
  return { drawId, status: "cancelled" as const };
}

// ── sign-in at an expert terminal ──

async function seatAtTerminal(app: AppContext, principal: Principal, residentId: string) {
  if (principal.kind !== "device" || principal.deviceKind !== "expert-terminal") throw new AppError("FORBIDDEN", "Experts sign in at an expert terminal");
  const expert = await app.db.expert.findUnique({ where: { idHash: app.experts.ids.hash(residentId) } });
  const now = Date.now();
  const none = new AppError("NOT_ON_COMMITTEE", "No committee seat for this ID number in this room at this time");
  if (!expert) throw none;
  const picks = await app.db.expertPick.findMany({ where: { expertId: expert.id, state: { in: ["notified", "accepted", "signed-in"] } }, orderBy: { pickedAt: "desc" } });
  for (const pick of picks) {
    const draw = await app.db.expertDraw.findUnique({ where: { id: pick.drawId } });
    if (!draw || draw.status !== "drawn" || Math.abs(draw.evaluationAt.getTime() - now) > SIGN_IN_WINDOW_MS) continue;
    const bucket = await app.db.expertDrawBucket.findUniqueOrThrow({ where: { drawId_index: { drawId: draw.id, index: pick.bucketIndex } }, omit: { list: true } });
    if (bucket.roomId !== principal.roomId) continue;
    return { expert, pick, draw, bucket, device: principal };
  }
  throw none;
}

export async function signInStart(app: AppContext, principal: Principal, residentId: string) {
  const { expert, pick, draw } = await seatAtTerminal(app, principal, residentId);
  if (pick.state === "signed-in") throw new AppError("ALREADY_SIGNED_IN", "This expert has already signed in");
  let expiresAt!: Date;
  // Rate limit per seat, kept in the pick row (every process sees it, a restart keeps it) and checked inside the
  // transaction that issues the code: one a minute (the last code's time is its expiry − TTL), and at most
  // OTP_MAX_PER_HOUR in the hour that opened with the first code of the window.
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  await app.db.$transaction(async (tx) => {
    const p = await tx.expertPick.findUniqueOrThrow({ where: { id: pick.id } });
    const now = new Date();
    const nowMs = now.getTime();
    const lastSent = p.otpExpiresAt ? p.otpExpiresAt.getTime() - OTP_TTL_MS : null;
    if (lastSent !== null && nowMs - lastSent < OTP_RESEND_MS) {
      const wait = Math.ceil((OTP_RESEND_MS - (nowMs - lastSent)) / 1000);
      throw new AppError("RATE_LIMITED", `A code was sent less than a minute ago; ask again in ${wait} s`, [{ path: "residentId", message: `retry after ${new Date(lastSent + OTP_RESEND_MS).toISOString()}` }]);
    }
    const windowOpen = p.otpWindowAt !== null && nowMs - p.otpWindowAt.getTime() < OTP_WINDOW_MS;
    if (windowOpen && p.otpSends >= OTP_MAX_PER_HOUR) {
      const reopens = new Date(p.otpWindowAt!.getTime() + OTP_WINDOW_MS);
      throw new AppError("RATE_LIMITED", `${OTP_MAX_PER_HOUR} codes were sent for this seat in the last hour; ask again after ${formatShanghai(reopens)}`, [
        { path: "residentId", message: `retry after ${reopens.toISOString()}` },
      ]);
    }
    expiresAt = new Date(nowMs + OTP_TTL_MS);
    await tx.expertPick.update({
      where: { id: pick.id },
      data: { otpHash: sha256(`${pick.id}:${code}`), otpExpiresAt: expiresAt, otpTries: 0, otpSends: windowOpen ? p.otpSends + 1 : 1, otpWindowAt: windowOpen ? p.otpWindowAt : now },
    });
    await appendAudit(tx, { actor: actorOf(principal), action: "experts.signInCode", target: `expert-draw:${draw.id}`, payload: { seq: pick.seq, expiresAt: expiresAt.toISOString() } });
  });
  const project = await app.db.project.findUniqueOrThrow({ where: { id: draw.projectId } });
  const mobile = app.box.open(expert.mobileCipher);
  try {
    await app.experts.notifier.send({
      kind: "sign-in-code",
      to: mobile,
      recipient: { name: expert.name, expertId: expert.id },
      text: `【评标专家签到】项目 ${project.code} 签到验证码 ${code}，5 分钟内有效。请勿告诉他人。`,
      drawId: draw.id,
      pickId: pick.id,
      projectCode: project.code,
      code,
    });
  } catch (err) {
    app.log.warn({ err, pickId: pick.id }, "sign-in code not delivered");
    throw new AppError("NOTIFY_FAILED", "The code could not be sent; try again");
  }
  return { sent: true as const, mobileMasked: maskMobile(mobile), expiresAt: expiresAt.toISOString() };
}

/** The one-time code of a seat: expired, locked after 5 wrong tries, wrong (counted), or right. */
async function checkCode(app: AppContext, pick: { id: string; otpHash: string | null; otpExpiresAt: Date | null; otpTries: number }, code: string): Promise<void> {
  if (!pick.otpHash || !pick.otpExpiresAt || pick.otpExpiresAt.getTime() <= Date.now()) throw new AppError("CODE_EXPIRED", "No valid code: ask for a new one");
  if (pick.otpTries >= OTP_MAX_TRIES) throw new AppError("CODE_LOCKED", "Too many wrong codes: ask for a new one");
  const given = Buffer.from(sha256(`${pick.id}:${code}`));
  if (!timingSafeEqual(given, Buffer.from(pick.otpHash))) {
    await app.db.expertPick.update({ where: { id: pick.id }, data: { otpTries: { increment: 1 } } });
    throw new AppError("CODE_WRONG", `Wrong code (${OTP_MAX_TRIES - pick.otpTries - 1} tries left)`);
  }
}

export async function signInFinish(app: AppContext, principal: Principal, residentId: string, code: string) {
  const { expert, pick, draw, bucket, device } = await seatAtTerminal(app, principal, residentId);
  if (pick.state === "signed-in") throw new AppError("ALREADY_SIGNED_IN", "This expert has already signed in");
  await checkCode(app, pick, code);
  const now = new Date();
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.expertPick.updateMany({
      where: { id: pick.id, otpHash: pick.otpHash, state: { in: ["notified", "accepted"] } },
      data: {
        state: "signed-in",
        signedInAt: now,
        signedInDevice: device.deviceId,
        otpHash: null,
        otpExpiresAt: null,
        ...(pick.state === "notified" ? { answeredAt: now, answerVia: "terminal" } : {}),
      },
    });
    if (count !== 1) throw new AppError("ALREADY_SIGNED_IN", "This expert has already signed in");
    await appendAudit(tx, { actor: actorOf(principal), action: "experts.signIn", target: `expert-draw:${draw.id}`, payload: { seq: pick.seq, device: device.code } });
  });
  app.timers.cancel(`expert-answer:${pick.id}`);
  changed(app, draw.id);
  const project = await app.db.project.findUniqueOrThrow({ where: { id: draw.projectId } });
  const specialty = await app.db.expertSpecialty.findUnique({ where: { code: bucket.specialtyCode } });
  const room = await app.db.room.findUnique({ where: { id: bucket.roomId } });
  const seat = (await app.db.expertPick.count({ where: { drawId: draw.id, bucketIndex: pick.bucketIndex, seq: { lte: pick.seq } } }));
  return {
    name: expert.name,
    projectCode: project.code,
    seat,
    specialty: { code: bucket.specialtyCode, name: specialty?.name ?? "" },
    site: { roomName: room?.name ?? "", role: bucket.siteRole as "main" | "secondary" },
  };
}

/**
 * At the terminal, instead of signing in: the expert declines the seat or
 * declares a conflict (回避), proven by the one-time code; a signed-in expert
 * may still declare 回避 at the terminal where they signed in (e.g. on seeing
 * the bidders). The seat is filled from the same frozen list — the next
 * backup, else a replacement (补抽) continuing the seeded walk — and recorded.
 */
export async function signInDecline(app: AppContext, principal: Principal, input: SignInDeclineInput) {
  const { pick, draw } = await seatAtTerminal(app, principal, input.residentId);
  const device = principal as Extract<Principal, { kind: "device" }>;
  if (pick.state === "signed-in") {
    if (input.decision !== "recuse") throw new AppError("ALREADY_SIGNED_IN", "This expert has signed in: only a conflict of interest (回避) can still be declared");
    if (pick.signedInDevice !== device.deviceId) throw new AppError("FORBIDDEN", "回避 after sign-in is declared at the terminal where the expert signed in");
  } else {
    if (!input.code) throw new AppError("VALIDATION_FAILED", "The one-time code is needed to decline before signing in", [{ path: "code", message: "required" }]);
    await checkCode(app, pick, input.code);
  }
  const now = new Date();
  const actor = actorOf(principal);
  const reason = input.decision === "recuse" ? `回避：${input.reason}${input.creditCode ? `（${input.creditCode}）` : ""}` : input.reason;
  let called: Called | null = null;
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.expertPick.updateMany({
      where: { id: pick.id, state: pick.state },
      data: { state: "declined", answeredAt: pick.answeredAt ?? now, answerVia: pick.answerVia ?? "terminal", declineReason: reason, otpHash: null, otpExpiresAt: null },
    });
    if (count !== 1) throw new AppError("ALREADY_ANSWERED", "This seat changed meanwhile; try again");
    await appendAudit(tx, {
      actor,
      action: input.decision === "recuse" ? "experts.recuse" : "experts.declineAtTerminal",
      target: `expert-draw:${draw.id}`,
      payload: { seq: pick.seq, via: "terminal", device: device.code, reason: input.reason, creditCode: input.creditCode ?? null, wasSignedIn: pick.state === "signed-in" },
    });
    called = await fillSeat(app, tx, draw.id, pick, now, actor);
  });
  app.timers.cancel(`expert-answer:${pick.id}`);
  changed(app, draw.id);
  const filled = called as Called | null;
  afterCalled(app, filled);
  return { state: "declined" as const, filledBy: filled ? filled.kind : ("none" as const) };
}

/**
 * For the evaluation (评标): a member declared a conflict (回避) and leaves the
 * committee; the bucket's next backup in reserve is called at once (backups stand
 * by for the evaluation, so no answer window) and may sign in at a terminal.
 * Inside the caller's transaction. Returns the called pick, or null when the
 * bucket has no backup left (recorded).
 */
export async function callBackupForEvaluation(
  app: AppContext,
  tx: Tx,
  drawId: string,
  left: { id: string; seq: number; bucketIndex: number },
  actor: Actor,
  reason = "conflict declared at the evaluation",
): Promise<{ pickId: string } | null> {
  const now = new Date();
  const backup = await tx.expertPick.findFirst({ where: { drawId, bucketIndex: left.bucketIndex, state: "reserve" }, orderBy: { seq: "asc" } });
  if (!backup) {
    await appendAudit(tx, { actor, action: "experts.replacementImpossible", target: `expert-draw:${drawId}`, payload: { seat: left.seq, bucket: left.bucketIndex, reason: "no backup in reserve at the evaluation" } });
    return null;
  }
  await tx.expertPick.update({ where: { id: backup.id }, data: { state: "accepted", answeredAt: now, answerVia: "evaluation", replacesId: left.id } });
  await refreshBusy(tx, [backup.expertId], app.config.experts.maxDraws, app.config.experts.drawWindowDays, now);
  await appendAudit(tx, { actor, action: "experts.backupCalled", target: `expert-draw:${drawId}`, payload: { seq: backup.seq, replaces: left.seq, reason } });
  return { pickId: backup.id };
}
