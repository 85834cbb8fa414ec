// Sealed-bid submission: the upload streams to disk (never buffered whole)
// while its SHA-256 is computed; the envelope is then inspected and must be
// addressed to one of the company's registered certificates. Only then, in
// one transaction, the bid is recorded (replacing an earlier one) with a
// receipt signed by the platform. Any failure removes the file: nothing half-stored.
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { SignedReceipt } from "@contracts/opening";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { signReceipt } from "../platform/receipts";
import { loadLot } from "./projects";
import { findRecipient, inspectEnvelope, isSealingError } from "./sealing";

export function asBidder(principal: Principal) {
  if (principal.kind !== "user" || principal.role !== "bidder" || !principal.companyId) {
    throw new AppError("FORBIDDEN", "Only a bidder acting for its company may do this");
  }
  return principal as typeof principal & { companyId: string };
}

function assertAccepting(lot: { status: string; bidDeadline: Date }, now = new Date()) {
  if (lot.status !== "accepting") throw new AppError("LOT_CLOSED", "This lot no longer accepts bids");
  if (now >= lot.bidDeadline) throw new AppError("BID_AFTER_DEADLINE", `The bid deadline passed at ${lot.bidDeadline.toISOString()}`);
}

export async function submitBid(app: AppContext, principal: Principal, lotId: string, body: Readable, declaredLength?: number): Promise<SignedReceipt> {
  const bidder = asBidder(principal);
  const lot = await loadLot(app.db, lotId);
  assertAccepting(lot);
  const max = Number(lot.maxBidBytes);
  if (declaredLength !== undefined && declaredLength > max) {
    body.resume();
    throw new AppError("PAYLOAD_TOO_LARGE", `The bid is ${declaredLength} bytes; this lot accepts at most ${max}`);
  }
  const certs = await app.db.certificate.findMany({ where: { companyId: bidder.companyId, notAfter: { gt: new Date() } } });
  if (certs.length === 0) {
    body.resume();
    throw new AppError("NO_CERTIFICATE", "Register your company's certificate before submitting a sealed bid");
  }

  const dir = join(app.dirs.bids, lot.id);
  await mkdir(dir, { recursive: true });
  const bidId = randomUUID();
  const tmp = join(dir, `${bidId}.upload`);
  const final = join(dir, `${bidId}.p7m`);
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > max) return cb(new AppError("PAYLOAD_TOO_LARGE", `The bid exceeds this lot's limit of ${max} bytes`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(tmp, { flags: "wx", highWaterMark: 4 << 20 }));
    if (size === 0) throw new AppError("ENVELOPE_CORRUPT", "The upload is empty");
    const env = await inspectEnvelope(tmp);
    const addressed = certs.some((c) => {
      try {
        findRecipient(env, c.pem);
        return true;
      } catch {
        return false;
      }
    });
    if (!addressed) {
      throw new AppError("ENVELOPE_NOT_FOR_RECIPIENT", "The envelope is not addressed to any certificate registered for your company");
    }
    // Recorded now, so a platform fault or an escrow hand-in for a bid escrow could never open is refused at once.
    let escrowRecipient = true;
    try {
      findRecipient(env, lot.escrowCertPem);
    } catch {
      escrowRecipient = false;
    }
    const receivedAt = new Date();
    assertAccepting(await loadLot(app.db, lotId), receivedAt); // the deadline counts at the end of the upload
    await rename(tmp, final);
    const company = await app.db.company.findUniqueOrThrow({ where: { id: bidder.companyId } });
    const sha256 = hash.digest("hex");
    const signed = await app.db.$transaction(async (tx) => {
      const previous = await tx.bid.findFirst({ where: { lotId, companyId: company.id, status: "sealed" } });
      if (previous) await tx.bid.update({ where: { id: previous.id }, data: { status: "replaced" } });
      const s = signReceipt(
        {
          kind: "bid-receipt",
          bidId,
          lotId,
          lotCode: lot.code,
          companyId: company.id,
          companyName: company.name,
          creditCode: company.creditCode,
          sha256,
          sizeBytes: size,
          receivedAt: receivedAt.toISOString(),
          replaces: previous?.id ?? null,
          escrowRecipient,
        },
        app.pki.platform,
      );
      await tx.bid.create({
        data: {
          id: bidId,
          lotId,
          companyId: company.id,
          status: "sealed",
          filePath: final,
          sha256,
          sizeBytes: BigInt(size),
          submittedAt: receivedAt,
          receipt: s.receiptJson,
          signature: s.signature,
          escrowRecipient,
        },
      });
      await appendAudit(tx, { actor: actorOf(principal), action: previous ? "bid.replace" : "bid.submit", target: `lot:${lotId}`, payload: { bidId, sha256, size } });
      return s;
    });
    app.events.emit("opening.changed", { lotId, roomId: lot.roomId, companyIds: [company.id] });
    return signed;
  } catch (err) {
    body.resume();
    await rm(tmp, { force: true });
    await rm(final, { force: true });
    if (isSealingError(err)) throw new AppError(err.code, err.message);
    throw err;
  }
}

export async function withdrawBid(app: AppContext, principal: Principal, lotId: string) {
  const bidder = asBidder(principal);
  const lot = await loadLot(app.db, lotId);
  assertAccepting(lot);
  const bid = await app.db.$transaction(async (tx) => {
    const live = await tx.bid.findFirst({ where: { lotId, companyId: bidder.companyId, status: "sealed" } });
    if (!live) throw new AppError("NOT_FOUND", "You have no bid on this lot to withdraw");
    await tx.bid.update({ where: { id: live.id }, data: { status: "withdrawn" } });
    await appendAudit(tx, { actor: actorOf(principal), action: "bid.withdraw", target: `lot:${lotId}`, payload: { bidId: live.id } });
    return live;
  });
  await rm(bid.filePath, { force: true });
  app.events.emit("opening.changed", { lotId, roomId: lot.roomId, companyIds: [bidder.companyId] });
  return { bidId: bid.id, status: "withdrawn" as const };
}

/** The bidder's own bids on a lot (history included), with their receipts. */
export async function myBids(app: AppContext, principal: Principal, lotId: string) {
  const bidder = asBidder(principal);
  const rows = await app.db.bid.findMany({ where: { lotId, companyId: bidder.companyId }, orderBy: { submittedAt: "asc" } });
  return rows.map((b) => ({
    bidId: b.id,
    status: b.status,
    sha256: b.sha256,
    sizeBytes: Number(b.sizeBytes),
    submittedAt: b.submittedAt.toISOString(),
    receiptJson: b.receipt,
    signature: b.signature,
  }));
}
