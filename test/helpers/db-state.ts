import type { Db } from "../../server/db";

/** A fingerprint of everything a rejected input must leave unchanged. */
/**
 * `live: false` leaves out the live-stream tables, for tests where devices'
 * presence legitimately moves the wall on in the background.
 */
export async function dbFingerprint(db: Db, opts: { live?: boolean } = {}) {
  const [users, tokens, rooms, devices, audit, streams, updates] = await Promise.all([
    db.user.findMany({ orderBy: { id: "asc" } }),
    db.authToken.count(),
    db.room.findMany({ orderBy: { id: "asc" } }),
    db.device.findMany({ orderBy: { id: "asc" }, select: { id: true, keyHash: true, revokedAt: true, roomId: true } }),
    db.auditEvent.count(),
    db.liveStream.findMany({ orderBy: { key: "asc" }, select: { key: true, version: true, state: true } }),
    db.liveUpdate.count(),
  ]);
  return JSON.stringify(opts.live === false ? { users, tokens, rooms, devices, audit } : { users, tokens, rooms, devices, audit, streams, updates });
}

/**
 * dbFingerprint once the live side is quiet: a command answers once committed and its live updates follow
 * (a few round trips later on PostgreSQL; the wall coalesces for 200 ms), so a "before" taken right after an
 * earlier command could see a stream still moving. Waits until two readings `quietMs` apart agree.
 */
export async function settledFingerprint(db: Db, opts: { live?: boolean; quietMs?: number; maxMs?: number } = {}): Promise<string> {
  const quietMs = opts.quietMs ?? 300;
  const end = Date.now() + (opts.maxMs ?? 10_000);
  let last = await dbFingerprint(db, opts);
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await dbFingerprint(db, opts);
    if (now === last || Date.now() > end) return now;
    last = now;
  }
}
