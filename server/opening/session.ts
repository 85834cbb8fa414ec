// The live opening, stage by stage. Each stage change is one audited command
// guarded by the stage it starts from; two agents racing the same change
// leave one winner (conditional update on the stage) and a typed error.
import { DrawConfig, Stage, type AgentCommand } from "@contracts/opening";
import type { Tx } from "../db";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { computeDraw, newSeed, seedHash } from "./draws";
import { assertLotAgent, loadLot } from "./projects";
import { asBidder } from "./bids";
import { assertAllowed, loadFacts } from "./allowed";

export async function loadSession(app: AppContext, lotId: string) {
  const s = await app.db.openingSession.findUnique({ where: { lotId }, include: { lot: { include: { project: true } } } });
  if (!s) throw new AppError("SESSION_NOT_OPEN", "The opening of this lot has not started");
  return s;
}

/** Moves the stage from one of `from` to `to` inside a transaction, or throws STAGE_CONFLICT. */
async function moveStage(tx: Tx, sessionId: string, from: Stage[], to: Stage, data: Record<string, unknown> = {}) {
  const { count } = await tx.openingSession.updateMany({ where: { id: sessionId, stage: { in: from } }, data: { stage: to, ...data } });
  if (count !== 1) {
    const now = await tx.openingSession.findUnique({ where: { id: sessionId }, select: { stage: true } });
    throw new AppError("STAGE_CONFLICT", `Cannot go to ${to} from ${now?.stage ?? "nothing"} (expected ${from.join(" or ")})`);
  }
}

/**
 * The stage (and what else of the session a command depends on) read again inside the command's transaction:
 * a check before it could pass while another command moves the stage on (a sign-in, pick, confirmation or
 * objection landing after the record was issued).
 */
async function sessionNow(tx: Tx, sessionId: string) {
  return tx.openingSession.findUniqueOrThrow({ where: { id: sessionId }, select: { stage: true, drawResult: true, confirmEndsAt: true } });
}

const SIGN_IN_STAGES: readonly string[] = ["signin", "bidders-published", "decrypting"];
const signInClosed = () => new AppError("STAGE_CONFLICT", "Sign-in is closed");
const picksClosed = () => new AppError("STAGE_CONFLICT", "Picks are taken only before the draw is revealed");
const confirmationNotOpen = () => new AppError("STAGE_CONFLICT", "Confirmation is not open");
const confirmationOver = () => new AppError("CONFIRMATION_CLOSED", "The confirmation time is over");
const answerClosed = () => new AppError("STAGE_CONFLICT", "The opening is closed and its record issued; the answer can no longer change");
const openingClosed = () => new AppError("STAGE_CONFLICT", "The opening is closed; objections go to the tenderer in writing");

const changed = (app: AppContext, lot: { id: string; roomId: string }) => app.events.emit("opening.changed", { lotId: lot.id, roomId: lot.roomId });

export async function openSession(app: AppContext, principal: Principal, lotId: string) {
  const lot = await loadLot(app.db, lotId);
  assertLotAgent(principal, lot);
  assertAllowed(await loadFacts(app.db, lotId), "opening:open");
  const now = new Date();
  const draw = DrawConfig.parse(JSON.parse(lot.drawParams));
  const seed = draw.kind === "none" ? null : newSeed();
  await app.db.$transaction(async (tx) => {
    // The rule again inside the transaction: two lots of one room opened at once from two processes.
    assertAllowed(await loadFacts(tx, lotId, now), "opening:open");
    const { count } = await tx.lot.updateMany({ where: { id: lot.id, status: "accepting" }, data: { status: "opening" } });
    if (count !== 1) throw new AppError("STAGE_CONFLICT", "The opening was already started");
    await tx.openingSession.create({
      data: {
        lotId: lot.id,
        stage: "signin",
        openedAt: now,
        openedBy: principal.kind === "user" ? principal.userId : "",
        drawSeedHash: seed ? seedHash(seed) : null,
        drawSealed: seed ? app.box.seal(seed) : null,
      },
    });
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.open", target: `lot:${lot.id}`, payload: { seedHash: seed ? seedHash(seed) : null } });
  });
  changed(app, lot);
  return { lotId: lot.id, stage: "signin" as const };
}

export async function signIn(app: AppContext, principal: Principal, lotId: string, mode: "onsite" | "online") {
  const bidder = asBidder(principal);
  const s = await loadSession(app, lotId);
  if (!SIGN_IN_STAGES.includes(s.stage)) throw signInClosed();
  const bid = await app.db.bid.findFirst({ where: { lotId, companyId: bidder.companyId, status: { in: ["sealed", "decrypted", "failed-platform"] } } });
  if (!bid) throw new AppError("NO_BID", "Your company has no bid on this lot");
  await app.db.$transaction(async (tx) => {
    if (!SIGN_IN_STAGES.includes((await sessionNow(tx, s.id)).stage)) throw signInClosed();
    if (await tx.signIn.findUnique({ where: { sessionId_companyId: { sessionId: s.id, companyId: bidder.companyId } } })) {
      throw new AppError("ALREADY_SIGNED_IN", "Your company has already signed in");
    }
    await tx.signIn.create({ data: { sessionId: s.id, companyId: bidder.companyId, mode, userId: bidder.userId, at: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.signIn", target: `lot:${lotId}`, payload: { mode } });
  });
  app.events.emit("opening.changed", { lotId, roomId: s.lot.roomId, companyIds: [bidder.companyId] });
  return { signedIn: mode };
}

async function agentStep(
  app: AppContext,
  principal: Principal,
  lotId: string,
  command: AgentCommand,
  from: Stage[],
  to: Stage,
  extra: (s: Awaited<ReturnType<typeof loadSession>>, tx: Tx) => Promise<Record<string, unknown>> = async () => ({}),
) {
  const s = await loadSession(app, lotId);
  assertLotAgent(principal, s.lot);
  await app.db.$transaction(async (tx) => {
    assertAllowed(await loadFacts(tx, lotId), command);
    const data = await extra(s, tx);
    await moveStage(tx, s.id, from, to, data);
    await appendAudit(tx, { actor: actorOf(principal), action: `opening.${command.slice("opening:".length)}`, target: `lot:${lotId}`, payload: { to, ...data } });
  });
  changed(app, s.lot);
  return { lotId, stage: to };
}

export const publishBidders = (app: AppContext, p: Principal, lotId: string) => agentStep(app, p, lotId, "opening:publishBidders", ["signin"], "bidders-published");

export async function startDecryption(app: AppContext, p: Principal, lotId: string) {
  const res = await agentStep(app, p, lotId, "opening:startDecryption", ["bidders-published"], "decrypting", async (s) => ({
    decryptEndsAt: new Date(Date.now() + s.lot.decryptWindowMinutes * 60_000),
  }));
  armTimers(app, lotId);
  return res;
}

export async function startConfirmation(app: AppContext, p: Principal, lotId: string) {
  const res = await agentStep(app, p, lotId, "opening:startConfirmation", ["announcing", "drawing"], "confirming", async (s2) => ({
    confirmEndsAt: new Date(Date.now() + s2.lot.confirmMinutes * 60_000),
  }));
  armTimers(app, lotId);
  return res;
}

export const startDraw = (app: AppContext, p: Principal, lotId: string) => agentStep(app, p, lotId, "opening:startDraw", ["announcing"], "drawing");

/** KONEPS: a bidder ticks its numbers while the draw stage is open and the seed still sealed. */
export async function pickReservePrices(app: AppContext, principal: Principal, lotId: string, picks: number[]) {
  const bidder = asBidder(principal);
  const s = await loadSession(app, lotId);
  const draw = DrawConfig.parse(JSON.parse(s.lot.drawParams));
  if (draw.kind !== "koneps") throw new AppError("NO_DRAW", "This lot's draw has no bidder picks");
  if (s.stage !== "drawing" || s.drawResult) throw picksClosed();
  const unique = [...new Set(picks)];
  if (unique.length !== draw.picksPerBidder || unique.some((n) => n < 1 || n > draw.count)) {
    throw new AppError("VALIDATION_FAILED", `Pick ${draw.picksPerBidder} different numbers from 1 to ${draw.count}`);
  }
  const bid = await app.db.bid.findFirst({ where: { lotId, companyId: bidder.companyId, status: "decrypted" } });
  if (!bid) throw new AppError("NO_BID", "Only bidders with an opened bid pick");
  await app.db.$transaction(async (tx) => {
    const now = await sessionNow(tx, s.id);
    if (now.stage !== "drawing" || now.drawResult) throw picksClosed();
    const key = { sessionId_companyId: { sessionId: s.id, companyId: bidder.companyId } };
    if (await tx.drawPick.findUnique({ where: key })) throw new AppError("ALREADY_PICKED", "Your company has already picked");
    await tx.drawPick.create({ data: { sessionId: s.id, companyId: bidder.companyId, picks: JSON.stringify(unique.sort((a, b) => a - b)), at: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.pick", target: `lot:${lotId}`, payload: { picks: unique } });
  });
  app.events.emit("opening.changed", { lotId, roomId: s.lot.roomId, companyIds: [bidder.companyId] });
  return { picks: unique };
}

export async function revealDraw(app: AppContext, principal: Principal, lotId: string) {
  const s = await loadSession(app, lotId);
  assertLotAgent(principal, s.lot);
  assertAllowed(await loadFacts(app.db, lotId), "opening:revealDraw");
  if (!s.drawSealed) throw new AppError("STAGE_CONFLICT", "The draw was already revealed");
  const seed = app.box.open(s.drawSealed);
  const config = DrawConfig.parse(JSON.parse(s.lot.drawParams));
  const picks = (await app.db.drawPick.findMany({ where: { sessionId: s.id }, orderBy: { companyId: "asc" } })).map((p) => JSON.parse(p.picks) as number[]);
  const result = computeDraw({ seedHex: seed, config, picks });
  await app.db.$transaction(async (tx) => {
    assertAllowed(await loadFacts(tx, lotId), "opening:revealDraw");
    const { count } = await tx.openingSession.updateMany({
      where: { id: s.id, drawResult: null },
      data: { drawSeed: seed, drawSealed: null, drawResult: JSON.stringify(result) },
    });
    if (count !== 1) throw new AppError("STAGE_CONFLICT", "The draw was already revealed");
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.revealDraw", target: `lot:${lotId}`, payload: { seed, result } });
  });
  changed(app, s.lot);
  return { seed, seedHash: s.drawSeedHash!, result };
}

export async function confirmRecord(app: AppContext, principal: Principal, lotId: string, decision: "confirm" | "object", text?: string) {
  const bidder = asBidder(principal);
  const s = await loadSession(app, lotId);
  if (s.stage !== "confirming") throw confirmationNotOpen();
  if (s.confirmEndsAt && new Date() >= s.confirmEndsAt) throw confirmationOver();
  if (decision === "object" && !text) throw new AppError("VALIDATION_FAILED", "An objection needs its reasons (text)");
  const bid = await app.db.bid.findFirst({ where: { lotId, companyId: bidder.companyId, status: { notIn: ["replaced", "withdrawn"] } } });
  if (!bid) throw new AppError("NO_BID", "Your company has no bid on this lot");
  await app.db.$transaction(async (tx) => {
    const key = { sessionId_companyId: { sessionId: s.id, companyId: bidder.companyId } };
    if (await tx.confirmation.findUnique({ where: key })) throw new AppError("ALREADY_CONFIRMED", "Your company has already answered");
    const at = new Date();
    await tx.confirmation.create({ data: { sessionId: s.id, companyId: bidder.companyId, decision, userId: bidder.userId, at } });
    if (decision === "object") await tx.objection.create({ data: { sessionId: s.id, companyId: bidder.companyId, userId: bidder.userId, text: text!, at } });
    await appendAudit(tx, { actor: actorOf(principal), action: `opening.${decision}`, target: `lot:${lotId}`, payload: { text: text ?? null } });
  });
  app.events.emit("opening.changed", { lotId, roomId: s.lot.roomId, companyIds: [bidder.companyId] });
  return { decision };
}

export async function raiseObjection(app: AppContext, principal: Principal, lotId: string, text: string) {
  const bidder = asBidder(principal);
  const s = await loadSession(app, lotId);
  if (s.stage === "closed") throw openingClosed();
  const bid = await app.db.bid.findFirst({ where: { lotId, companyId: bidder.companyId, status: { notIn: ["replaced", "withdrawn"] } } });
  if (!bid) throw new AppError("NO_BID", "Only bidders of this lot may object at the opening");
  const row = await app.db.$transaction(async (tx) => {
    if ((await sessionNow(tx, s.id)).stage === "closed") throw openingClosed();
    const o = await tx.objection.create({ data: { sessionId: s.id, companyId: bidder.companyId, userId: bidder.userId, text, at: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.objection", target: `lot:${lotId}`, payload: { objectionId: o.id, text } });
    return o;
  });
  changed(app, s.lot);
  return { objectionId: row.id };
}

export async function answerObjection(app: AppContext, principal: Principal, objectionId: string, answer: string) {
  const o = await app.db.objection.findUnique({ where: { id: objectionId }, include: { session: { include: { lot: { include: { project: true } } } } } });
  if (!o) throw new AppError("NOT_FOUND", `No objection ${objectionId}`);
  assertLotAgent(principal, o.session.lot);
  // The answer is on the opening record: once the record is issued it stays as signed.
  if (o.session.stage === "closed") throw answerClosed();
  await app.db.$transaction(async (tx) => {
    if ((await sessionNow(tx, o.sessionId)).stage === "closed") throw answerClosed();
    const { count } = await tx.objection.updateMany({
      where: { id: o.id, answeredAt: null },
      data: { answer, answeredAt: new Date(), answeredBy: principal.kind === "user" ? principal.userId : "" },
    });
    if (count !== 1) throw new AppError("ALREADY_ANSWERED", "This objection was already answered");
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.answerObjection", target: `lot:${o.session.lotId}`, payload: { objectionId, answer } });
  });
  changed(app, o.session.lot);
  return { objectionId, answered: true as const };
}

/** At the confirmation limit, bidders that did not answer are recorded as having timed out (deemed to accept). */
export async function expireConfirmations(app: AppContext, lotId: string) {
  const s = await loadSession(app, lotId);
  if (s.stage !== "confirming" || !s.confirmEndsAt || new Date() < s.confirmEndsAt) return;
  const bids = await app.db.bid.findMany({ where: { lotId, status: { notIn: ["replaced", "withdrawn"] } } });
  const done = new Set((await app.db.confirmation.findMany({ where: { sessionId: s.id } })).map((c) => c.companyId));
  const missing = bids.filter((b) => !done.has(b.companyId));
  if (missing.length === 0) return;
  await app.db.$transaction(async (tx) => {
    for (const b of missing) {
      await tx.confirmation.upsert({
        where: { sessionId_companyId: { sessionId: s.id, companyId: b.companyId } },
        create: { sessionId: s.id, companyId: b.companyId, decision: "timeout", at: s.confirmEndsAt! },
        update: {},
      });
    }
    await appendAudit(tx, { actor: { kind: "system", id: "timer", role: "system" }, action: "opening.confirmationTimeout", target: `lot:${lotId}`, payload: { companies: missing.map((m) => m.companyId) } });
  });
  changed(app, s.lot);
}

export async function closeSession(app: AppContext, principal: Principal, lotId: string) {
  const s = await loadSession(app, lotId);
  assertLotAgent(principal, s.lot);
  if (s.stage === "confirming" && s.confirmEndsAt && new Date() >= s.confirmEndsAt) await expireConfirmations(app, lotId);
  assertAllowed(await loadFacts(app.db, lotId), "opening:close");
  const { makeOpeningRecord } = await import("./record");
  const record = await makeOpeningRecord(app, lotId);
  await app.db.$transaction(async (tx) => {
    assertAllowed(await loadFacts(tx, lotId), "opening:close");
    await moveStage(tx, s.id, ["confirming"], "closed", { closedAt: new Date(), recordSha256: record.sha256 });
    await tx.lot.update({ where: { id: lotId }, data: { status: "opened" } });
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.close", target: `lot:${lotId}`, payload: { recordSha256: record.sha256 } });
  });
  app.timers.cancel(`confirm:${lotId}`);
  changed(app, s.lot);
  return { lotId, stage: "closed" as const, recordSha256: record.sha256 };
}

/** (Re-)arms the deadlines of a lot's session; called after stage changes and at start-up. */
export function armTimers(app: AppContext, lotId: string) {
  void (async () => {
    const s = await app.db.openingSession.findUnique({ where: { lotId } });
    if (!s) return;
    if (s.stage === "decrypting" && s.decryptEndsAt) {
      const { endDecryption } = await import("./decryption");
      app.timers.at(`decrypt:${lotId}`, s.decryptEndsAt, () => endDecryption(app, null, lotId));
    }
    if (s.stage === "confirming" && s.confirmEndsAt) app.timers.at(`confirm:${lotId}`, s.confirmEndsAt, () => expireConfirmations(app, lotId));
  })().catch((err: unknown) => app.log.error({ err, lotId }, "arming timers failed"));
}

export async function armAllTimers(app: AppContext) {
  const live = await app.db.openingSession.findMany({ where: { stage: { in: ["decrypting", "confirming"] } }, select: { lotId: true } });
  for (const s of live) armTimers(app, s.lotId);
}
