// Append-only, hash-chained audit trail. Each row's hash is
// SHA-256(prevHash + "\n" + canonical JSON of its content); the first row's
// prevHash is 64 zeros. Appends run inside the command's transaction, so an
// action and its audit row commit together or not at all.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { sqlFor, type Db, type Tx } from "../db";
import type { SqlTx } from "../direct-sql";

export const GENESIS = "0".repeat(64);

export interface Actor {
  kind: "user" | "device" | "system";
  id: string;
  role: string;
}

export interface AuditInput {
  actor: Actor;
  action: string;
  /** What was acted on, e.g. `room:<id>`. */
  target: string;
  /** The command's input (digested, not stored: it may hold secrets). */
  payload: unknown;
}

export interface AuditRow {
  seq: number;
  at: Date;
  actorKind: string;
  actorId: string;
  actorRole: string;
  action: string;
  target: string;
  payloadDigest: string;
  prevHash: string;
  hash: string;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

export function digestPayload(payload: unknown): string {
  return sha256(canonicalize(payload ?? null) ?? "null");
}

export function rowHash(row: Omit<AuditRow, "hash">): string {
  const content = canonicalize({
    seq: row.seq,
    at: row.at.toISOString(),
    actorKind: row.actorKind,
    actorId: row.actorId,
    actorRole: row.actorRole,
    action: row.action,
    target: row.target,
    payloadDigest: row.payloadDigest,
  });
  return sha256(`${row.prevHash}\n${content}`);
}

const LAST_ROW = `SELECT "seq", "hash" FROM "AuditEvent" ORDER BY "seq" DESC LIMIT 1`;
const INSERT_ROW = `INSERT INTO "AuditEvent" ("seq", "at", "actorKind", "actorId", "actorRole", "action", "target", "payloadDigest", "prevHash", "hash")
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The row that follows `last` in the chain (none: the first row). */
export function nextAuditRow(last: { seq: number | bigint | string; hash: string } | undefined, input: AuditInput, now: Date): AuditRow {
  const base = {
    seq: (last ? Number(last.seq) : 0) + 1,
    at: now,
    actorKind: input.actor.kind,
    actorId: input.actor.id,
    actorRole: input.actor.role,
    action: input.action,
    target: input.target,
    payloadDigest: digestPayload(input.payload),
    prevHash: last?.hash ?? GENESIS,
  };
  return { ...base, hash: rowHash(base) };
}

/** The statements of an append, for a connection of one's own (SQLite SQL, quoted identifiers): read the last row, insert the next. */
export const AUDIT_SQL = { lastRow: LAST_ROW, insertRow: INSERT_ROW };
export const auditRowValues = (row: AuditRow) => [row.seq, row.at, row.actorKind, row.actorId, row.actorRole, row.action, row.target, row.payloadDigest, row.prevHash, row.hash];

/**
 * Appends one event inside `tx`: a Prisma transaction, or a plain one of directSql (the hot path of the live
 * screens). Concurrent appenders collide on the seq primary key and the loser's transaction fails.
 * Two plain statements either way: every agent action runs this before its update goes out to the screens.
 */
export async function appendAudit(tx: Tx | SqlTx, input: AuditInput, now = new Date()): Promise<AuditRow> {
  const sql: SqlTx =
    "$queryRaw" in tx
      ? { all: (q, params = []) => tx.$queryRawUnsafe(sqlFor(tx, q), ...params), run: (q, params = []) => tx.$executeRawUnsafe(sqlFor(tx, q), ...params) }
      : tx;
  const [last] = await sql.all<{ seq: number | bigint | string; hash: string }>(LAST_ROW);
  const row = nextAuditRow(last, input, now);
  await sql.run(INSERT_ROW, auditRowValues(row));
  return row;
}

export type VerifyResult =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; badSeq: number; reason: string };

/** Walks the whole chain in order; names the first row that does not verify. */
export async function verifyAudit(db: Db, batch = 5000): Promise<VerifyResult> {
  let prev = GENESIS;
  let expectedSeq = 1;
  let count = 0;
  for (;;) {
    const rows = await db.auditEvent.findMany({ where: { seq: { gte: expectedSeq } }, orderBy: { seq: "asc" }, take: batch });
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.seq !== expectedSeq) return { ok: false, rows: count, badSeq: expectedSeq, reason: `row ${expectedSeq} is missing (next is ${r.seq})` };
      if (r.prevHash !== prev) return { ok: false, rows: count, badSeq: r.seq, reason: "prevHash does not match the previous row's hash" };
      if (rowHash(r) !== r.hash) return { ok: false, rows: count, badSeq: r.seq, reason: "content does not match its hash (row altered)" };
      prev = r.hash;
      expectedSeq++;
      count++;
    }
  }
  return { ok: true, rows: count, head: prev };
}
