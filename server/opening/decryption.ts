// Decryption at the opening. The bidder recovers its bid's content key on its
// own side (browser or any tool) and hands in only that key; the server then
// streams the envelope through AES, checks the ZIP and validates bid.json.
// A wrong key is a clear error and another try until the window closes.
import { join } from "node:path";
import { rm } from "node:fs/promises";
import { z } from "zod";
import { BidField, BidJson, Stage, type BidSummary } from "@contracts/opening";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { AppError, storedError } from "../errors";
import { asBidder } from "./bids";
import { escrowRefusal } from "./escrow-rules";
import { assertLotAgent } from "./projects";
import { assertAllowed, decryptingNow, loadFacts, windowOver } from "./allowed";
import { loadSession } from "./session";
import { checkBidZip, decryptToFile, inspectEnvelope, isSealingError } from "./sealing";

export type Session = Awaited<ReturnType<typeof loadSession>>;
export type BidRow = NonNullable<Awaited<ReturnType<AppContext["db"]["bid"]["findFirst"]>>>;

/**
 * Decrypts one bid with a content key; on success records its summary. Throws typed errors; stores nothing on failure but the try.
 * One decryption at a time per bid in this process (`decryptingNow`, shared with the rule of an early end):
 * a key resent after a drop gets a typed error, not a race.
 */
const inFlight = decryptingNow;

/** Who opened the bid: its bidder with its own key, or escrow with the supervisors whose shares rebuilt the escrow key. */
export type Opener = { how: "bidder"; actor: Principal } | { how: "escrow"; supervisors: string[] };

export async function openBid(app: AppContext, s: Session, bid: BidRow, key: Buffer, opener: Opener): Promise<BidSummary> {
  if (inFlight.has(bid.id)) throw new AppError("DECRYPTION_IN_PROGRESS", "This bid is being decrypted right now; wait for the answer");
  inFlight.add(bid.id);
  try {
    await acquireSlot();
    try {
      return await openBidOnce(app, s, bid, key, opener);
    } finally {
      releaseSlot();
    }
  } finally {
    inFlight.delete(bid.id);
  }
}

/**
 * At most this many decryptions run at once in this process; the others wait their turn without
 * touching the database. 200 bidders handing in keys at once would otherwise keep the event loop
 * busy for seconds in one go (no socket I/O, no heartbeats); the slot passes on a fresh macrotask.
 */
const MAX_DECRYPTIONS = 4;
let running = 0;
const waiting: (() => void)[] = [];

function acquireSlot(): Promise<void> {
  if (running < MAX_DECRYPTIONS) {
    running++;
    return Promise.resolve();
  }
  return new Promise<void>((r) => waiting.push(r));
}

function releaseSlot(): void {
  const next = waiting.shift();
  if (next) setImmediate(next); // the slot passes on: `running` stays
  else running--;
}

async function openBidOnce(app: AppContext, s: Session, bid: BidRow, key: Buffer, opener: Opener): Promise<BidSummary> {
  const zipPath = join(app.dirs.bids, s.lotId, `${bid.id}.zip`);
  const company = await app.db.company.findUniqueOrThrow({ where: { id: bid.companyId } });
  let summary: BidSummary;
  let plainSha256: string;
  try {
    const env = await inspectEnvelope(bid.filePath);
    const out = await decryptToFile(bid.filePath, key, zipPath, env);
    plainSha256 = out.sha256;
    const zip = await checkBidZip(zipPath, { maxTotalBytes: 4 * Number(s.lot.maxBidBytes) });
    const parsed = BidJson.safeParse(zip.bidJson);
    if (!parsed.success) {
      throw new AppError("BID_JSON_INVALID", `bid.json: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`);
    }
    const j = parsed.data;
    if (j.lotCode !== s.lot.code) throw new AppError("BID_JSON_INVALID", `bid.json is for lot ${j.lotCode}, not ${s.lot.code}`);
    if (j.bidderCreditCode !== company.creditCode) throw new AppError("BID_JSON_INVALID", "bid.json names another bidder's credit code");
    const fields = z.array(BidField).parse(JSON.parse(s.lot.bidFields));
    for (const f of fields) {
      const v = (j as Record<string, unknown>)[f.key] ?? j.fields[f.key];
      if (f.required && (v === undefined || v === "")) throw new AppError("BID_JSON_INVALID", `bid.json lacks ${f.key} (${f.label})`);
      if (v !== undefined && f.type === "integer" && !Number.isInteger(v)) throw new AppError("BID_JSON_INVALID", `bid.json ${f.key} must be a whole number`);
    }
    summary = {
      priceFen: j.price,
      durationDays: j.durationDays ?? null,
      quality: j.quality ?? null,
      projectManager: j.projectManager ?? null,
      fields: j.fields,
      documents: zip.entries.filter((e) => !e.isDirectory).map((e) => ({ name: e.name, size: e.size })),
    };
  } catch (err) {
    await rm(zipPath, { force: true });
    const e = isSealingError(err) ? new AppError(err.code, err.message) : err;
    if (e instanceof AppError) {
      await app.db.bid.update({ where: { id: bid.id }, data: { decryptTries: { increment: 1 }, lastError: storedError(e.code, e.message).slice(0, 500) } });
      app.events.emit("opening.changed", { lotId: s.lotId, roomId: s.lot.roomId, companyIds: [bid.companyId] });
    }
    throw e;
  }
  await app.db.$transaction(async (tx) => {
    const now = new Date();
    const stage = (await tx.openingSession.findUniqueOrThrow({ where: { id: s.id }, select: { stage: true } })).stage;
    if (opener.how === "bidder" && stage !== "decrypting") {
      // A key handed in before the agent closed the window early may finish after it: then the window's end stands.
      throw new AppError("WINDOW_CLOSED", "The decryption window was closed while this bid was being decrypted");
    }
    if (opener.how === "escrow") {
      // The announcement may have ended (or the record been issued) while the key was rebuilt: then the record stands.
      const refused = escrowRefusal(Stage.parse(stage), { status: bid.status, escrowRecipient: true });
      if (refused) throw refused;
    }
    const { count } = await tx.bid.updateMany({
      where: { id: bid.id, status: bid.status },
      data: {
        status: "decrypted",
        decryptedAt: now,
        summary: JSON.stringify(summary),
        plainSha256,
        decryptTries: { increment: 1 },
        ...(opener.how === "escrow" ? { escrowOpenedAt: now, escrowSupervisors: JSON.stringify(opener.supervisors) } : { lastError: null }),
      },
    });
    if (count !== 1) throw new AppError("CONFLICT", "This bid changed meanwhile");
    await appendAudit(tx, {
      actor: opener.how === "bidder" ? actorOf(opener.actor) : { kind: "system", id: "escrow", role: "system" },
      action: opener.how === "bidder" ? "opening.decrypt" : "opening.escrowDecrypt",
      target: `lot:${s.lotId}`,
      payload: { bidId: bid.id, plainSha256, priceFen: summary.priceFen, ...(opener.how === "escrow" ? { supervisors: opener.supervisors } : {}) },
    });
  }).catch(async (err: unknown) => {
    await rm(zipPath, { force: true });
    throw err;
  });
  app.events.emit("opening.changed", { lotId: s.lotId, roomId: s.lot.roomId, companyIds: [bid.companyId] });
  return summary;
}

export async function submitKey(app: AppContext, principal: Principal, lotId: string, keyHex: string) {
  const bidder = asBidder(principal);
  const s = await loadSession(app, lotId);
  if (["signin", "bidders-published"].includes(s.stage)) throw new AppError("KEY_BEFORE_WINDOW", "The decryption window has not opened yet");
  if (s.stage !== "decrypting" || (s.decryptEndsAt && new Date() >= s.decryptEndsAt)) throw new AppError("WINDOW_CLOSED", "The decryption window is closed");
  const signed = await app.db.signIn.findUnique({ where: { sessionId_companyId: { sessionId: s.id, companyId: bidder.companyId } } });
  if (!signed) throw new AppError("NOT_SIGNED_IN", "Sign in to the opening before decrypting");
  const bid = await app.db.bid.findFirst({ where: { lotId, companyId: bidder.companyId, status: { in: ["sealed", "decrypted"] } } });
  if (!bid) throw new AppError("NO_BID", "Your company has no sealed bid on this lot");
  if (bid.status === "decrypted") throw new AppError("ALREADY_DECRYPTED", "Your bid is already decrypted");
  // Its length is checked against the envelope's cipher by decryptToFile (ENVELOPE_WRONG_KEY).
  const key = Buffer.from(keyHex, "hex");
  const summary = await openBid(app, s, bid, key, { how: "bidder", actor: principal });
  return { bidId: bid.id, summary };
}

/**
 * Ends the window: by its timer, or by the agent (the rule in allowed.ts, checked inside the transaction:
 * before the window's time only once no bid is pending — each decrypted, failed after its key was handed
 * in, given up or recorded as a platform fault; that early end is its own audit action and is on the
 * opening record with its time). Bids still sealed fail (the bidder's fault).
 */
export async function endDecryption(app: AppContext, principal: Principal | null, lotId: string) {
  const s = await loadSession(app, lotId);
  if (principal) assertLotAgent(principal, s.lot);
  if (!principal && s.stage !== "decrypting") return { lotId, stage: Stage.parse(s.stage) }; // a late timer: nothing to do
  let early = false;
  await app.db.$transaction(async (tx) => {
    const facts = await loadFacts(tx, lotId);
    if (principal) assertAllowed(facts, "opening:endDecryption");
    else if (facts.session?.stage !== "decrypting") return;
    early = !!principal && !windowOver(facts); // the timer ends it at its time, never early
    const { count } = await tx.openingSession.updateMany({ where: { id: s.id, stage: "decrypting" }, data: { stage: "announcing" } });
    if (count !== 1) throw new AppError("STAGE_CONFLICT", "The window was already closed");
    const sealed = await tx.bid.findMany({ where: { lotId, status: "sealed" }, select: { id: true, lastError: true } });
    for (const b of sealed) {
      await tx.bid.updateMany({ where: { id: b.id, status: "sealed" }, data: { status: "failed-bidder", lastError: b.lastError ?? "not decrypted within the window" } });
    }
    await appendAudit(tx, {
      actor: principal ? actorOf(principal) : { kind: "system", id: "timer", role: "system" },
      action: early ? "opening.endDecryptionEarly" : "opening.endDecryption",
      target: `lot:${lotId}`,
      payload: { failed: sealed.map((b) => b.id), ...(early ? { windowEndsAt: s.decryptEndsAt?.toISOString() ?? null } : {}) },
    });
  });
  app.timers.cancel(`decrypt:${lotId}`);
  app.events.emit("opening.changed", { lotId, roomId: s.lot.roomId });
  return { lotId, stage: "announcing" as const };
}

/** A bidder gives up decrypting its bid (it cannot recover its key): the bid fails now, on the record, as at the window's end. */
export async function giveUpDecryption(app: AppContext, principal: Principal, lotId: string) {
  const bidder = asBidder(principal);
  const s = await loadSession(app, lotId);
  const bidId = await app.db.$transaction(async (tx) => {
    const session = await tx.openingSession.findUniqueOrThrow({ where: { id: s.id }, select: { stage: true } });
    if (session.stage !== "decrypting") throw new AppError("STAGE_CONFLICT", "Only during the decryption window");
    const bid = await tx.bid.findFirst({ where: { lotId, companyId: bidder.companyId, status: "sealed" } });
    if (!bid) throw new AppError("NO_BID", "Your company has no sealed bid on this lot");
    if (decryptingNow.has(bid.id)) throw new AppError("DECRYPTION_IN_PROGRESS", "This bid is being decrypted right now; wait for the answer");
    await tx.bid.update({ where: { id: bid.id }, data: { status: "failed-bidder", lastError: "the bidder gave up decrypting" } });
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.giveUpDecryption", target: `lot:${lotId}`, payload: { bidId: bid.id } });
    return bid.id;
  });
  app.events.emit("opening.changed", { lotId, roomId: s.lot.roomId, companyIds: [bidder.companyId] });
  return { bidId, status: "failed-bidder" as const };
}
