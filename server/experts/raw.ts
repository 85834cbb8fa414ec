// Direct better-sqlite3 connections for the two hot paths Prisma would slow
// down by an order of magnitude: reading a draw's buckets (tens of thousands of
// ids) and bulk import (a million rows). Same file as Prisma's (WAL mode, so
// readers never block the server's writer); tables and columns as Prisma made
// them. DateTime columns hold Prisma's text form, e.g. 2026-11-25T06:30:00.000+00:00.
import Database from "better-sqlite3";
import { sqliteFile } from "../config";
import { AUDIT_SQL, auditRowValues, nextAuditRow, type AuditInput } from "../audit/chain";

export type RawDb = Database.Database;

export function openRaw(databaseUrl: string, opts: { readonly?: boolean } = {}): RawDb {
  const file = sqliteFile(databaseUrl);
  if (!file) throw new Error("the experts pool needs SQLite (DATABASE_URL=file:…)");
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: true });
  db.pragma("busy_timeout = 10000");
  if (!opts.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL"); // as the app's connection (server/db.ts): a committed draw is on disk
  }
  return db;
}

/** A Date as Prisma stores it in SQLite (comparable as text). */
export const sqlTime = (d: Date) => d.toISOString().replace("Z", "+00:00");

/** Bumps the pool generation (inside the caller's write transaction). */
export function bumpGenerationRaw(db: RawDb): number {
  const now = sqlTime(new Date());
  db.prepare(
    `INSERT INTO ExpertPoolState (id, generation, updatedAt) VALUES (1, 1, ?)
     ON CONFLICT(id) DO UPDATE SET generation = generation + 1, updatedAt = excluded.updatedAt`,
  ).run(now);
  return (db.prepare("SELECT generation FROM ExpertPoolState WHERE id = 1").pluck().get() as number | undefined) ?? 0;
}


/** appendAudit for a raw connection: same row, same hash chain (call inside an IMMEDIATE transaction). */
export function appendAuditRaw(db: RawDb, input: AuditInput, now = new Date()): void {
  const last = db.prepare(AUDIT_SQL.lastRow).get() as { seq: number; hash: string } | undefined;
  const row = nextAuditRow(last, input, now);
  db.prepare(AUDIT_SQL.insertRow).run(...auditRowValues(row).map((v) => (v instanceof Date ? sqlTime(v) : v)));
}
