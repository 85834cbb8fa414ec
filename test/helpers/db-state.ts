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
