// CSV import of the ledger: all or nothing, streaming, memory flat.
//
// 1. The bytes stream through a meter (size limit, SHA-256, progress), the
//    text decoder (server/text-encoding.ts: UTF-8 with or without BOM, or
//    GB18030/GBK as Excel saves on Chinese Windows; anything else is refused
//    with the line of the first bad byte), and csv-parse. Every row is validated (server/stats/csv.ts) and
//    staged in a scratch SQLite file (better-sqlite3, outside the database):
//    its primary key on code finds a code repeated inside the file.
// 2. Any bad row → the file is rejected with each bad line and its reason
//    (IMPORT_REJECTED, details `line N`); nothing is written.
// 3. Otherwise the scratch file is attached to the database connection and one
//    transaction upserts every row by code (INSERT … SELECT … ON CONFLICT) and
//    appends the audit row. Re-importing a code updates that deal's fields
//    (the file is the newer truth); identical rows are left untouched. A code
//    recorded from a lot's award is never overwritten by a file.
import Database from "better-sqlite3";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IncomingMessage } from "node:http";
import { Transform, type Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import type { ImportResult } from "@contracts/stats";
import { appendAudit, type Actor } from "../audit/chain";
import { directSql, dbProvider, type Db } from "../db";
import { AppError } from "../errors";
import { ToUtf8 } from "../text-encoding";
import { parseHeader, parseRow, type DealRow, type Header } from "./csv";
import { loadRules } from "./rules";

export interface ImportOptions {
  /** Shown in the audit payload. */
  fileName?: string;
  /** Refuse a file larger than this (bytes). */
  maxBytes?: number;
  /** Bad lines listed at most (the count says how many there are). */
  maxErrors?: number;
  /** Called while reading (every batch) and once when merging starts. */
  onProgress?: (p: { bytes: number; rows: number; phase: "reading" | "merging" | "done" }) => void;
  /** Where the scratch file goes (default: the OS temp folder). */
  scratchDir?: string;
  /** The scratch file could not be detached (logged by the caller; it is deleted anyway). */
  onDetachError?: (err: unknown) => void;
}

/**
 * ATTACH/DETACH may not run while a transaction is open, and the server's
 * connection is shared by every request: wait for a moment without one.
 */
async function outsideTransactions<T>(fn: () => Promise<T>, tries = 100): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries || !/within transaction|database is locked/i.test(String((err as Error)?.message))) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

interface LineError {
  line: number;
  message: string;
}

const BATCH = 5000;
/** Page cache (KiB) of the connection during the merge. */
const MERGE_CACHE_KIB = 64 * 1024;

/**
 * UUIDv7 ids in increasing order (the import's start time, then a counter from a
 * random base): a million new rows append to the primary-key index instead of
 * landing at random pages of it, which keeps the merge linear.
 */
export function sequentialUuids(now = Date.now()): () => string {
  const ts = now.toString(16).padStart(12, "0").slice(-12);
  // A 74-bit counter: 12 bits of rand_a, then the 62 bits of rand_b; starts at a random 64-bit value.
  let counter = BigInt(`0x${randomBytes(8).toString("hex")}`);
  const hex = (v: bigint, digits: number) => v.toString(16).padStart(digits, "0");
  return () => {
    const c = counter++;
    const randA = c >> 62n;
    const randB = c & ((1n << 62n) - 1n);
    return `${ts.slice(0, 8)}-${ts.slice(8)}-7${hex(randA, 3)}-${hex((2n << 14n) | (randB >> 48n), 4)}-${hex(randB & ((1n << 48n) - 1n), 12)}`;
  };
}

/** Counts bytes, hashes them and refuses more than `max`. */
class Meter extends Transform {
  bytes = 0;
  readonly hash = createHash("sha256");
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void) {
    this.bytes += chunk.length;
    if (this.bytes > this.max) return cb(new AppError("PAYLOAD_TOO_LARGE", `The file is larger than ${this.max} bytes`));
    this.hash.update(chunk);
    cb(null, chunk);
  }
}

export function importRejected(errors: LineError[], total: number): AppError {
  const listed = errors.slice().sort((a, b) => a.line - b.line);
  const more = total > listed.length ? ` (the first ${listed.length} are listed)` : "";
  const first = listed[0];
  return new AppError(
    "IMPORT_REJECTED",
    `${total} bad line${total === 1 ? "" : "s"}${more}; nothing was imported.${first ? ` Line ${first.line}: ${first.message}` : ""}`,
    listed.map((e) => ({ path: `line ${e.line}`, message: e.message })),
  );
}

/** Imports one CSV file (a byte stream) into the ledger, all or nothing. */
export async function importDeals(db: Db, actor: Actor, source: Readable, opts: ImportOptions = {}): Promise<ImportResult> {
  const maxErrors = opts.maxErrors ?? 1000;
  const rules = await loadRules(db);
  const scratchFile = join(opts.scratchDir ?? tmpdir(), `hall-stats-import-${randomUUID()}.db`);
  const scratch = new Database(scratchFile);
  let attached: string | null = null;
  let cacheBefore: number | null = null;
  try {
    scratch.pragma("journal_mode = OFF");
    scratch.pragma("synchronous = OFF");
    scratch.exec(`CREATE TABLE rows (
      line INTEGER NOT NULL, id TEXT NOT NULL, code TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
      budgetFen INTEGER, referenceFen INTEGER, dealFen INTEGER NOT NULL, dealDay INTEGER NOT NULL, dealMonth INTEGER NOT NULL,
      remote INTEGER NOT NULL, hall TEXT, agent TEXT)`);
    const insert = scratch.prepare(
      "INSERT OR IGNORE INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const lineOf = scratch.prepare<[string], { line: number }>("SELECT line FROM rows WHERE code = ?");
    const errors: LineError[] = [];
    let errorCount = 0;
    const bad = (line: number, message: string) => {
      errorCount++;
      if (errors.length < maxErrors) errors.push({ line, message });
    };
    const nextId = sequentialUuids();
    const stage = scratch.transaction((batch: DealRow[]) => {
      for (const r of batch) {
        const res = insert.run(r.line, nextId(), r.code, r.name, r.category, r.budgetFen, r.referenceFen, r.dealFen, r.dealDay, r.dealMonth, r.remote ? 1 : 0, r.hall, r.agent);
        if (res.changes === 0) bad(r.line, `code "${r.code}" already appears on line ${lineOf.get(r.code)?.line ?? "?"} of this file`);
      }
    });

    const meter = new Meter(opts.maxBytes ?? Number.MAX_SAFE_INTEGER);
    const parser = parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true });
    // Errors of any stage reach the parser's iterator.
    const guard = new ToUtf8();
    source.on("error", (e) => parser.destroy(e));
    meter.on("error", (e) => parser.destroy(e));
    guard.on("error", (e) => parser.destroy(e));
    source.pipe(meter).pipe(guard).pipe(parser);

    let header = null as Header | null; // set in the 'data' handler (the cast keeps TS from narrowing it to null)
    let rows = 0;
    let lastLine = 0;
    let batch: DealRow[] = [];
    // Records are handled synchronously in 'data' (staging is synchronous too), so the
    // stream's own backpressure applies and no promise is made per record.
    const onRecord = ({ record, info }: { record: string[]; info: { lines: number } }) => {
      lastLine = info.lines;
      if (!header) {
        const h = parseHeader(record);
        if (typeof h === "string") throw importRejected([{ line: info.lines, message: h }], 1);
        header = h;
        return;
      }
      rows++;
      const r = parseRow(record, info.lines, header, rules);
      if ("errors" in r) return bad(info.lines, r.errors.join("; "));
      batch.push(r);
      if (batch.length >= BATCH) {
        stage(batch);
        batch = [];
        opts.onProgress?.({ bytes: meter.bytes, rows, phase: "reading" });
      }
    };
    try {
      await new Promise<void>((resolve, reject) => {
        parser.on("data", (rec: { record: string[]; info: { lines: number } }) => {
          try {
            onRecord(rec);
          } catch (err) {
            parser.destroy(err as Error);
          }
        });
        parser.on("end", resolve);
        parser.on("error", reject);
      });
    } catch (err) {
      // Stop reading. An HTTP body is left to mount(), which answers at once and closes the connection.
      source.unpipe();
      if (!(source instanceof IncomingMessage)) source.destroy();
      if (err instanceof AppError) throw err;
      if (err instanceof CsvError) {
        const at = (err as CsvError & { lines?: number }).lines;
        throw importRejected([{ line: typeof at === "number" && at > 0 ? at : lastLine + 1, message: `is not valid CSV: ${err.message}` }], 1);
      }
      throw err;
    }
    stage(batch);
    opts.onProgress?.({ bytes: meter.bytes, rows, phase: "reading" });
    if (!header) throw importRejected([{ line: 1, message: "the file is empty (expected the header code,name,category,budget_yuan,reference_yuan,deal_yuan,deal_date,remote_evaluation)" }], 1);
    if (rows === 0) throw importRejected([{ line: lastLine + 1, message: "no deals after the header" }], 1);
    if (errorCount > 0) throw importRejected(errors, errorCount);
    const staged = (scratch.prepare("SELECT COUNT(*) AS n FROM rows").get() as { n: number }).n;
    if (staged !== rows) throw new Error(`staged ${staged} of ${rows} rows`);
    scratch.close();
    if (dbProvider(db) === "postgresql") {
      opts.onProgress?.({ bytes: meter.bytes, rows, phase: "merging" });
      const res = await mergeIntoPostgres(db, scratchFile, { rows, maxErrors, header, actor, sha256: meter.hash.digest("hex"), fileName: opts.fileName ?? null, encoding: guard.encoding ?? "utf-8" });
      opts.onProgress?.({ bytes: meter.bytes, rows, phase: "done" });
      return res;
    }

    // Merge: attach the scratch file to the database connection.
    opts.onProgress?.({ bytes: meter.bytes, rows, phase: "merging" });
    const alias = `stats_import_${randomBytes(6).toString("hex")}`;
    await outsideTransactions(() => db.$executeRawUnsafe(`ATTACH DATABASE ? AS ${alias}`, scratchFile));
    attached = alias;
    const src = `${alias}.rows`;
    // (Checked before the transaction so that a refusal rolls nothing back; the upsert below
    // also never touches an award's deal, should one be recorded in between.)
    const awarded = await db.$queryRawUnsafe<{ line: number | bigint; code: string }[]>(
      `SELECT s.line AS line, s.code AS code FROM ${src} s JOIN "StatsDeal" d ON d.code = s.code WHERE d.source = 'award' ORDER BY s.line LIMIT ${maxErrors}`,
    );
    if (awarded.length > 0) {
      const n = await db.$queryRawUnsafe<{ n: string }[]>(`SELECT CAST(COUNT(*) AS TEXT) AS n FROM ${src} s JOIN "StatsDeal" d ON d.code = s.code WHERE d.source = 'award'`);
      throw importRejected(
        awarded.map((a) => ({ line: Number(a.line), message: `code "${a.code}" is a deal recorded from a lot's award; an import may not overwrite it` })),
        Number(n[0]?.n ?? awarded.length),
      );
    }
    const sha256 = meter.hash.digest("hex");
    const fields = ["name", "category", "budgetFen", "referenceFen", "dealFen", "dealDay", "dealMonth", "remoteEvaluation", ...(header.hasHall ? ["hall"] : []), ...(header.hasAgent ? ["agent"] : [])];
    const stagedCol = (f: string) => (f === "remoteEvaluation" ? "remote" : f);
    const differs = fields.map((f) => `d."${f}" IS NOT s.${stagedCol(f)}`).join(" OR ");
    const now = new Date().toISOString().replace("Z", "+00:00");
    // A larger page cache while the indexes take a million entries (restored after).
    const [cache] = await db.$queryRawUnsafe<{ cache_size: number | bigint }[]>("PRAGMA cache_size");
    cacheBefore = Number(cache?.cache_size ?? -2000);
    await db.$executeRawUnsafe(`PRAGMA cache_size = ${MERGE_CACHE_KIB > -cacheBefore ? -MERGE_CACHE_KIB : cacheBefore}`);
    const result = await db.$transaction(
      async (tx) => {
        const [counts] = await tx.$queryRawUnsafe<{ existing: string; changed: string }[]>(
          `SELECT CAST(COUNT(*) AS TEXT) AS existing, CAST(COALESCE(SUM(CASE WHEN ${differs} THEN 1 ELSE 0 END), 0) AS TEXT) AS changed
           FROM ${src} s JOIN "StatsDeal" d ON d.code = s.code`,
        );
        const existing = Number(counts?.existing ?? 0);
        const updated = Number(counts?.changed ?? 0);
        await tx.$executeRawUnsafe(
          `INSERT INTO "StatsDeal" (id, code, name, category, budgetFen, referenceFen, dealFen, dealDay, dealMonth, remoteEvaluation, hall, agent, source, createdAt, updatedAt)
           SELECT id, code, name, category, budgetFen, referenceFen, dealFen, dealDay, dealMonth, remote, hall, agent, 'import', ?, ? FROM ${src} WHERE true
           ON CONFLICT(code) DO UPDATE SET ${fields.map((f) => `"${f}" = excluded."${f}"`).join(", ")}, updatedAt = excluded.updatedAt
           WHERE "StatsDeal".source <> 'award' AND (${fields.map((f) => `"StatsDeal"."${f}" IS NOT excluded."${f}"`).join(" OR ")})`,
          now,
          now,
        );
        const res: ImportResult = { rows, created: rows - existing, updated, unchanged: existing - updated, sha256, encoding: guard.encoding ?? "utf-8" };
        await appendAudit(tx, { actor, action: "stats.import", target: "stats:ledger", payload: { fileName: opts.fileName ?? null, ...res } });
        return res;
      },
      { maxWait: 30_000, timeout: 30 * 60_000 },
    );
    opts.onProgress?.({ bytes: meter.bytes, rows, phase: "done" });
    return result;
  } finally {
    if (scratch.open) scratch.close();
    if (cacheBefore !== null) await db.$executeRawUnsafe(`PRAGMA cache_size = ${cacheBefore}`).catch(() => undefined);
    const alias = attached;
    if (alias) await outsideTransactions(() => db.$executeRawUnsafe(`DETACH DATABASE ${alias}`)).catch((err: unknown) => opts.onDetachError?.(err));
    rmSync(scratchFile, { force: true });
  }
}

/**
 * The merge on PostgreSQL (no ATTACH): the staged rows are copied into a temporary
 * table inside the import's one transaction (multi-row INSERTs of 500 rows), then the
 * same refusal check and upsert as on SQLite run against it. Plain SQL on a client of
 * the app's pool (directSql: the writer lock first, as every transaction): Prisma's raw
 * API kept memory growing with the rows (564 MB peak at 100,000).
 */
async function mergeIntoPostgres(
  db: Db,
  scratchFile: string,
  o: { rows: number; maxErrors: number; header: Header; actor: Actor; sha256: string; fileName: string | null; encoding: ImportResult["encoding"] },
): Promise<ImportResult> {
  const scratch = new Database(scratchFile, { readonly: true });
  const src = "stats_import_rows";
  const COLS = 13;
  const PER = 500;
  const rowSql = `(${Array.from({ length: COLS }, () => "?").join(", ")})`;
  const insertSql = (n: number) => `INSERT INTO ${src} VALUES ${Array.from({ length: n }, () => rowSql).join(", ")}`;
  const fullBatch = insertSql(PER);
  try {
    return await directSql(db).transaction(async (tx) => {
      await tx.run(
        `CREATE TEMP TABLE ${src} (line INTEGER NOT NULL, id TEXT NOT NULL, code TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
         "budgetFen" BIGINT, "referenceFen" BIGINT, "dealFen" BIGINT NOT NULL, "dealDay" INTEGER NOT NULL, "dealMonth" INTEGER NOT NULL,
         remote BOOLEAN NOT NULL, hall TEXT, agent TEXT) ON COMMIT DROP`,
      );
      let batch: unknown[] = [];
      const flush = async () => {
        const n = batch.length / COLS;
        if (n === 0) return;
        await tx.run(n === PER ? fullBatch : insertSql(n), batch);
        batch = [];
      };
      // Integers as text: BIGINT columns take them exactly.
      const big = (v: unknown) => (v === null || v === undefined ? null : String(v));
      const read = scratch.prepare("SELECT line, id, code, name, category, budgetFen, referenceFen, dealFen, dealDay, dealMonth, remote, hall, agent FROM rows ORDER BY line").raw();
      for (const r of read.iterate() as Iterable<unknown[]>) {
        batch.push(r[0], r[1], r[2], r[3], r[4], big(r[5]), big(r[6]), big(r[7]), r[8], r[9], Boolean(r[10]), r[11], r[12]);
        if (batch.length >= PER * COLS) await flush();
      }
      await flush();
      const awarded = await tx.all<{ line: number; code: string }>(
        `SELECT s.line AS line, s.code AS code FROM ${src} s JOIN "StatsDeal" d ON d.code = s.code WHERE d.source = 'award' ORDER BY s.line LIMIT ${o.maxErrors}`,
      );
      if (awarded.length > 0) {
        const [n] = await tx.all<{ n: string }>(`SELECT CAST(COUNT(*) AS TEXT) AS n FROM ${src} s JOIN "StatsDeal" d ON d.code = s.code WHERE d.source = 'award'`);
        throw importRejected(
          awarded.map((a) => ({ line: Number(a.line), message: `code "${a.code}" is a deal recorded from a lot's award; an import may not overwrite it` })),
          Number(n?.n ?? awarded.length),
        );
      }
      const fields = ["name", "category", "budgetFen", "referenceFen", "dealFen", "dealDay", "dealMonth", "remoteEvaluation", ...(o.header.hasHall ? ["hall"] : []), ...(o.header.hasAgent ? ["agent"] : [])];
      const stagedCol = (f: string) => (f === "remoteEvaluation" ? "remote" : `"${f}"`);
      const differs = fields.map((f) => `d."${f}" IS DISTINCT FROM s.${stagedCol(f)}`).join(" OR ");
      const [counts] = await tx.all<{ existing: string; changed: string }>(
        `SELECT CAST(COUNT(*) AS TEXT) AS existing, CAST(COALESCE(SUM(CASE WHEN ${differs} THEN 1 ELSE 0 END), 0) AS TEXT) AS changed
         FROM ${src} s JOIN "StatsDeal" d ON d.code = s.code`,
      );
      const existing = Number(counts?.existing ?? 0);
      const updated = Number(counts?.changed ?? 0);
      const now = new Date();
      await tx.run(
        `INSERT INTO "StatsDeal" ("id", "code", "name", "category", "budgetFen", "referenceFen", "dealFen", "dealDay", "dealMonth", "remoteEvaluation", "hall", "agent", "source", "createdAt", "updatedAt")
         SELECT id, code, name, category, "budgetFen", "referenceFen", "dealFen", "dealDay", "dealMonth", remote, hall, agent, 'import', ?, ? FROM ${src}
         ON CONFLICT ("code") DO UPDATE SET ${fields.map((f) => `"${f}" = excluded."${f}"`).join(", ")}, "updatedAt" = excluded."updatedAt"
         WHERE "StatsDeal".source <> 'award' AND (${fields.map((f) => `"StatsDeal"."${f}" IS DISTINCT FROM excluded."${f}"`).join(" OR ")})`,
        [now, now],
      );
      const res: ImportResult = { rows: o.rows, created: o.rows - existing, updated, unchanged: existing - updated, sha256: o.sha256, encoding: o.encoding };
      await appendAudit(tx, { actor: o.actor, action: "stats.import", target: "stats:ledger", payload: { fileName: o.fileName, ...res } });
      return res;
    });
  } finally {
    scratch.close();
  }
}
