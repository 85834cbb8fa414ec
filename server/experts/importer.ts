// Import of experts from CSV (csv-parse, streaming) or XLSX (exceljs streaming
// reader), used by the CLI (`npm run experts -- import FILE`, a million rows
// with a progress bar) and by POST /api/experts/import.
//
// Memory stays flat whatever the file's size: rows stream through, and what
// must be remembered across rows (the rows already seen, for duplicates within
// the file) goes to a temporary SQLite table on disk, not to the heap.
//
// Pass 1 reads the file and validates every row (format, GB 11643 ID check
// digit, GB 32100 credit code, known specialty codes, duplicates within the file
// and against the pool); valid rows are staged, already encrypted, in the temp
// table. Policy:
//   all-or-nothing (default): any bad row → nothing is written; the report lists
//     every bad row by line.
//   partial: the valid rows are written, the bad ones reported by line.
// Pass 2 copies the staged rows into the pool in batches, each batch one
// transaction with its audit row (so the server's own writes are never held up
// for long). If a batch fails under all-or-nothing (an ID number added by
// someone else in the meantime), the batches already written by this import are
// deleted again (audited), so nothing is left half-way.
import { randomUUID } from "node:crypto";
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parse, CsvError } from "csv-parse";
import ExcelJS from "exceljs";
import type { ImportPolicy, ImportReport, ImportRowError } from "@contracts/experts";
import { appendAudit, type Actor } from "../audit/chain";
import { createDb, isPostgresUrl, type Db } from "../db";
import { bumpGenerationPg, pgMarks } from "./pg";
import { AppError } from "../errors";
import { ToUtf8 } from "../text-encoding";
import type { SecretBox } from "../platform/secrets";
import type { IdHasher } from "./identity";
import { appendAuditRaw, bumpGenerationRaw, openRaw, sqlTime, type RawDb } from "./raw";
import { FIELDS, REQUIRED, fieldOf, storedForm, validateRow, type Field, type RawRow } from "./rows";

export interface ImportDeps {
  databaseUrl: string;
  box: SecretBox;
  ids: IdHasher;
}

export interface ImportProgress {
  phase: "validate" | "write";
  /** validate: bytes read (CSV) or rows read (XLSX); write: rows written. */
  done: number;
  /** 0 when unknown. */
  total: number;
  rows: number;
  rejected: number;
}

export interface ImportOptions {
  file: string;
  format: "csv" | "xlsx";
  policy: ImportPolicy;
  actor: Actor;
  batchSize?: number;
  maxErrors?: number;
  onProgress?: (p: ImportProgress) => void;
}

interface SourceRow {
  line: number;
  raw: RawRow;
  /** XLSX: fields whose cell held a number (an 18-digit ID number does not survive that). */
  numeric?: Set<Field>;
}

function headerMap(cells: string[], line: number): (Field | null)[] {
  const map = cells.map((c) => fieldOf(c));
  const missing = REQUIRED.filter((f) => !map.includes(f));
  if (missing.length) {
    throw new AppError("IMPORT_BAD_HEADER", `Line ${line}: the header lacks ${missing.join(", ")} (known columns: ${FIELDS.join(", ")} or their Chinese names)`, [
      { path: `line ${line}`, message: `missing ${missing.join(", ")}` },
    ]);
  }
  return map;
}

const toRaw = (map: (Field | null)[], cells: string[]): RawRow => {
  const raw: RawRow = {};
  map.forEach((f, i) => {
    if (f) raw[f] = cells[i] ?? "";
  });
  return raw;
};

/** Reads a CSV file as UTF-8 (BOM or not) or GB18030/GBK; `decoder.encoding` says which once read. */
async function* csvRows(file: string, decoder: ToUtf8, progress: (bytes: number) => void): AsyncGenerator<SourceRow> {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = input.pipe(decoder).pipe(parse({ bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true }));
  decoder.on("error", (e) => parser.destroy(e));
  let map: (Field | null)[] | null = null;
  let n = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!map) {
        map = headerMap(record, info.lines);
        continue;
      }
      if (++n % 4096 === 0) progress(input.bytesRead);
      yield { line: info.lines, raw: toRaw(map, record) };
    }
  } finally {
    input.destroy();
  }
  progress(input.bytesRead);
  if (!map) throw new AppError("IMPORT_BAD_HEADER", "The file is empty: the first line must name the columns");
}

export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v.trim();
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(0) : String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join("").trim();
    if (o.text !== undefined) return cellText(o.text);
    if (o.result !== undefined) return cellText(o.result);
  }
  return String(v as string).trim();
}

/**
 * A refused import as an error: IMPORT_REJECTED with one detail per row error,
 * path `line N`, message `field: reason` (the client shows them as its table).
 */
export function importRefused(r: ImportReport): AppError {
  return new AppError(
    "IMPORT_REJECTED",
    `${r.rejected} of ${r.rows} rows refused; nothing was imported${r.rejected > r.errors.length ? ` (the first ${r.errors.length} errors are listed)` : ""}`,
    r.errors.map((e) => ({ path: `line ${e.line}`, message: `${e.field}: ${e.message}` })),
  );
}

export const notXlsx = () => new AppError("IMPORT_NOT_XLSX", "The file is not a valid Excel workbook (.xlsx); save it from Excel as .xlsx or as CSV");

/** An XLSX file is a ZIP archive: it starts with a local file header. */
function looksLikeXlsx(file: string): boolean {
  const head = Buffer.alloc(4);
  const fd = openSync(file, "r");
  try {
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  } finally {
    closeSync(fd);
  }
}

/** The rows of the first sheet; a file that is not a workbook (or a broken one) → IMPORT_NOT_XLSX. */
async function* xlsxRows(file: string, progress: (rows: number) => void): AsyncGenerator<SourceRow> {
  if (!looksLikeXlsx(file)) throw notXlsx();
  try {
    yield* xlsxSheetRows(file, progress);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw notXlsx();
  }
}

async function* xlsxSheetRows(file: string, progress: (rows: number) => void): AsyncGenerator<SourceRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: "cache", hyperlinks: "ignore", styles: "ignore", worksheets: "emit", entries: "emit" });
  let map: (Field | null)[] | null = null;
  let n = 0;
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const cells = (row.values as unknown[]).slice(1);
      const values = cells.map(cellText);
      if (!map) {
        if (values.every((v) => v === "")) continue;
        map = headerMap(values, row.number);
        continue;
      }
      if (values.every((v) => v === "")) continue;
      if (++n % 4096 === 0) progress(n);
      const numeric = new Set<Field>();
      map.forEach((f, i) => {
        if (f && typeof cells[i] === "number") numeric.add(f);
      });
      yield { line: row.number, raw: toRaw(map, values), numeric };
    }
    break; // the first worksheet only
  }
  progress(n);
  if (!map) throw new AppError("IMPORT_BAD_HEADER", "The workbook's first sheet is empty: its first row must name the columns");
}

const STAGE_COLUMNS = ["name", "idCipher", "idMasked", "mobileCipher", "mobileMasked", "regionCode", "regionName", "employerName", "employerCreditCode", "title", "status", "statusReason"] as const;

export async function importExperts(deps: ImportDeps, opts: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const importId = randomUUID();
  const batchSize = opts.batchSize ?? 2000;
  const maxErrors = opts.maxErrors ?? 1000;
  const errors: ImportRowError[] = [];
  let rejected = 0;
  let rows = 0;
  const fail = (rowErrors: ImportRowError[]) => {
    rejected++;
    for (const e of rowErrors) if (errors.length < maxErrors) errors.push(e);
  };
  const total = opts.format === "csv" ? statSync(opts.file).size : 0;
  const decoder = new ToUtf8();
  const report = (imported: number, committed: boolean): ImportReport => ({
    importId,
    policy: opts.policy,
    rows,
    imported,
    rejected,
    errors: errors.sort((x, y) => x.line - y.line),
    committed,
    ms: Math.round(performance.now() - started),
    encoding: opts.format === "csv" ? (decoder.encoding ?? "utf-8") : null,
  });

  // PostgreSQL: the rows are staged in a scratch SQLite file, the pool is written through Prisma (pg.ts).
  const pgDb: Db | null = isPostgresUrl(deps.databaseUrl) ? createDb(deps.databaseUrl, { poolSize: 2 }) : null;
  const scratch = pgDb ? mkdtempSync(join(tmpdir(), "experts-import-")) : null;
  const db = scratch ? new Database(join(scratch, "staged.db")) : openRaw(deps.databaseUrl);
  try {
    db.pragma("temp_store = FILE");
    db.exec(`CREATE TEMP TABLE staged (line INTEGER NOT NULL, idHash TEXT NOT NULL UNIQUE, ${STAGE_COLUMNS.map((c) => `${c} TEXT NOT NULL`).join(", ")}, specialties TEXT NOT NULL, region INTEGER NOT NULL)`);
    const known = new Set(pgDb ? (await pgDb.expertSpecialty.findMany({ select: { code: true } })).map((r) => r.code) : (db.prepare("SELECT code FROM ExpertSpecialty").pluck().all() as string[]));
    const stage = db.prepare(
      `INSERT INTO staged (line, idHash, ${STAGE_COLUMNS.join(", ")}, specialties, region) VALUES (?, ?, ${STAGE_COLUMNS.map(() => "?").join(", ")}, ?, ?) ON CONFLICT(idHash) DO NOTHING`,
    );
    const firstLine = db.prepare("SELECT line FROM staged WHERE idHash = ?").pluck();
    const inPool = pgDb ? null : db.prepare("SELECT id FROM main.Expert WHERE idHash = ?").pluck();
    /** PostgreSQL: which of a batch's ID numbers the pool holds already (one query per batch). */
    const inPoolPg = async (batch: { s: { idHash: string } }[]): Promise<Map<string, number> | null> => {
      if (!pgDb || batch.length === 0) return null;
      const hashes = [...new Set(batch.map((p) => p.s.idHash))];
      const found = await pgDb.$queryRawUnsafe<{ id: number; idHash: string }[]>(`SELECT id, "idHash" FROM "Expert" WHERE "idHash" IN (${pgMarks(hashes.length)})`, ...hashes);
      return new Map(found.map((r) => [r.idHash, Number(r.id)]));
    };

    // ── pass 1: validate and stage ──
    const source =
      opts.format === "csv"
        ? csvRows(opts.file, decoder, (bytes) => opts.onProgress?.({ phase: "validate", done: bytes, total, rows, rejected }))
        : xlsxRows(opts.file, (n) => opts.onProgress?.({ phase: "validate", done: n, total: 0, rows, rejected }));
    let pending: { line: number; s: ReturnType<typeof storedForm>; specialties: string; region: number }[] = [];
    const flush = db.transaction((batch: typeof pending, pooled: Map<string, number> | null) => {
      for (const p of batch) {
        const dup = inPool ? (inPool.get(p.s.idHash) as number | undefined) : pooled?.get(p.s.idHash);
        if (dup !== undefined) {
          fail([{ line: p.line, field: "residentId", message: `this ID number is already in the pool (expert #${dup})` }]);
          continue;
        }
        const r = stage.run(p.line, p.s.idHash, ...STAGE_COLUMNS.map((c) => p.s[c]), p.specialties, p.region);
        if (r.changes === 0) fail([{ line: p.line, field: "residentId", message: `duplicate expert: the same ID number is on line ${firstLine.get(p.s.idHash) as number}` }]);
      }
    });
    try {
      for await (const { line, raw, numeric } of source) {
        rows++;
        const v = validateRow(raw, line, known, numeric);
        if (!v.ok) {
          fail(v.errors);
          continue;
        }
        pending.push({ line, s: storedForm(v.input, deps.box, deps.ids), specialties: v.input.specialties.join(";"), region: Number(v.input.regionCode) });
        if (pending.length >= 5000) {
          flush(pending, await inPoolPg(pending));
          pending = [];
        }
      }
      flush(pending, await inPoolPg(pending));
      pending = [];
    } catch (err) {
      if (err instanceof CsvError) {
        const line = (err as CsvError & { lines?: number }).lines ?? rows + 1;
        fail([{ line, field: "row", message: `the CSV cannot be read from here: ${err.message}` }]);
        return report(0, false);
      }
      throw err;
    }
    if (opts.policy === "all-or-nothing" && rejected > 0) return report(0, false);

    // ── pass 2: write the staged rows in batches ──
    const staged = db.prepare("SELECT count(*) FROM staged").pluck().get() as number;
    const next = db.prepare(`SELECT rowid, * FROM staged WHERE rowid > ? ORDER BY rowid LIMIT ${batchSize}`);
    if (pgDb) return await writePg(pgDb, db, { importId, batchSize, staged, opts, fail, report, counts: () => ({ rows, rejected }) });
    const insertExpert = db.prepare(
      `INSERT INTO main.Expert (name, idCipher, idHash, idMasked, mobileCipher, mobileMasked, regionCode, regionName, employerName, employerCreditCode, title, status, statusReason, importId, createdAt, updatedAt)
       VALUES (@name, @idCipher, @idHash, @idMasked, @mobileCipher, @mobileMasked, @regionCode, @regionName, @employerName, @employerCreditCode, @title, @status, @statusReason, @importId, @now, @now)`,
    );
    const insertLink = db.prepare("INSERT INTO main.ExpertSpecialtyLink (expertId, specialtyCode, status, region) VALUES (?, ?, ?, ?)");
    let imported = 0;
    let after = 0;
    const writeBatch = db.transaction((batch: Record<string, string | number>[]) => {
      const now = sqlTime(new Date());
      let written = 0;
      for (const r of batch) {
        try {
          const id = Number(insertExpert.run({ ...r, importId, now }).lastInsertRowid);
          for (const code of String(r.specialties).split(";")) insertLink.run(id, code, r.status, r.region);
          written++;
        } catch (err) {
          const code = (err as { code?: string }).code ?? "";
          if (!code.startsWith("SQLITE_CONSTRAINT")) throw err;
          const e = { line: Number(r.line), field: "residentId", message: "this ID number was added to the pool while the import ran" };
          if (opts.policy === "all-or-nothing") throw Object.assign(new Error(e.message), { rowError: e });
          fail([e]);
        }
      }
      bumpGenerationRaw(db);
      appendAuditRaw(db, {
        actor: opts.actor,
        action: "experts.importBatch",
        target: `experts:import:${importId}`,
        payload: { importId, lines: [batch[0]?.line, batch[batch.length - 1]?.line], written, idHashes: batch.map((b) => b.idHash) },
      });
      return written;
    });
    try {
      for (;;) {
        const batch = next.all(after) as (Record<string, string | number> & { rowid: number })[];
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.rowid;
        imported += writeBatch.immediate(batch.map(({ rowid: _r, ...rest }) => rest));
        opts.onProgress?.({ phase: "write", done: imported, total: staged, rows, rejected });
      }
    } catch (err) {
      const rowError = (err as { rowError?: ImportRowError }).rowError;
      rollbackImport(db, importId, opts.actor, rowError ? `line ${rowError.line}: ${rowError.message}` : String(err));
      if (rowError) {
        fail([rowError]);
        return report(0, false);
      }
      throw err;
    }
    db.transaction(() => {
      appendAuditRaw(db, {
        actor: opts.actor,
        action: "experts.import",
        target: `experts:import:${importId}`,
        payload: { importId, policy: opts.policy, format: opts.format, rows, imported, rejected },
      });
    }).immediate();
    return report(imported, true);
  } finally {
    db.close();
    if (pgDb) await pgDb.$disconnect();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

const EXPERT_COLUMNS = ["name", "idCipher", "idHash", "idMasked", "mobileCipher", "mobileMasked", "regionCode", "regionName", "employerName", "employerCreditCode", "title", "status", "statusReason"] as const;

/** Pass 2 on PostgreSQL: the staged rows (scratch SQLite) into the pool, a batch per transaction, same audit rows. */
async function writePg(
  pg: Db,
  db: RawDb,
  c: {
    importId: string;
    batchSize: number;
    staged: number;
    opts: ImportOptions;
    fail: (e: ImportRowError[]) => void;
    report: (imported: number, committed: boolean) => ImportReport;
    counts: () => { rows: number; rejected: number };
  },
): Promise<ImportReport> {
  const { importId, opts } = c;
  const next = db.prepare(`SELECT rowid, * FROM staged WHERE rowid > ? ORDER BY rowid LIMIT ${c.batchSize}`);
  const q = (s: string) => `"${s}"`;
  const width = EXPERT_COLUMNS.length + 3;
  const writeBatch = (batch: Record<string, string | number>[]) =>
    pg.$transaction(
      async (tx) => {
        const now = new Date();
        const values = batch.map((_, i) => `(${Array.from({ length: width }, (_, j) => `$${i * width + j + 1}`).join(", ")})`).join(", ");
        const params = batch.flatMap((r) => [...EXPERT_COLUMNS.map((col) => String(r[col])), importId, now, now]);
        const inserted = await tx.$queryRawUnsafe<{ id: number; idHash: string }[]>(
          `INSERT INTO "Expert" (${[...EXPERT_COLUMNS, "importId", "createdAt", "updatedAt"].map(q).join(", ")}) VALUES ${values} ON CONFLICT ("idHash") DO NOTHING RETURNING id, "idHash"`,
          ...params,
        );
        const idOf = new Map(inserted.map((r) => [r.idHash, Number(r.id)]));
        const links: (string | number)[] = [];
        let written = 0;
        for (const r of batch) {
          const id = idOf.get(String(r.idHash));
          if (id === undefined) {
            const e = { line: Number(r.line), field: "residentId", message: "this ID number was added to the pool while the import ran" };
            if (opts.policy === "all-or-nothing") throw Object.assign(new Error(e.message), { rowError: e });
            c.fail([e]);
            continue;
          }
          for (const code of String(r.specialties).split(";")) links.push(id, code, String(r.status), Number(r.region));
          written++;
        }
        for (let i = 0; i < links.length; i += 4 * 8000) {
          const chunk = links.slice(i, i + 4 * 8000);
          const rowsSql = Array.from({ length: chunk.length / 4 }, (_, k) => `($${4 * k + 1}, $${4 * k + 2}, $${4 * k + 3}, $${4 * k + 4})`).join(", ");
          await tx.$executeRawUnsafe(`INSERT INTO "ExpertSpecialtyLink" ("expertId", "specialtyCode", status, region) VALUES ${rowsSql}`, ...chunk);
        }
        await bumpGenerationPg(tx);
        await appendAudit(tx, {
          actor: opts.actor,
          action: "experts.importBatch",
          target: `experts:import:${importId}`,
          payload: { importId, lines: [batch[0]?.line, batch[batch.length - 1]?.line], written, idHashes: batch.map((b) => b.idHash) },
        });
        return written;
      },
      { timeout: 120_000 },
    );
  let imported = 0;
  let after = 0;
  try {
    for (;;) {
      const batch = next.all(after) as (Record<string, string | number> & { rowid: number })[];
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.rowid;
      imported += await writeBatch(batch.map(({ rowid: _r, ...rest }) => rest));
      opts.onProgress?.({ phase: "write", done: imported, total: c.staged, ...c.counts() });
    }
  } catch (err) {
    const rowError = (err as { rowError?: ImportRowError }).rowError;
    const reason = rowError ? `line ${rowError.line}: ${rowError.message}` : String(err);
    await pg.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`DELETE FROM "ExpertSpecialtyLink" WHERE "expertId" IN (SELECT id FROM "Expert" WHERE "importId" = $1)`, importId);
      const removed = await tx.$executeRawUnsafe(`DELETE FROM "Expert" WHERE "importId" = $1`, importId);
      await bumpGenerationPg(tx);
      await appendAudit(tx, { actor: opts.actor, action: "experts.importRolledBack", target: `experts:import:${importId}`, payload: { importId, removed, reason } });
    });
    if (rowError) {
      c.fail([rowError]);
      return c.report(0, false);
    }
    throw err;
  }
  const { rows, rejected } = c.counts();
  await pg.$transaction((tx) =>
    appendAudit(tx, { actor: opts.actor, action: "experts.import", target: `experts:import:${importId}`, payload: { importId, policy: opts.policy, format: opts.format, rows, imported, rejected } }),
  );
  return c.report(imported, true);
}

/** Deletes what an import wrote (all-or-nothing after a failure in pass 2), audited. */
function rollbackImport(db: RawDb, importId: string, actor: Actor, reason: string): void {
  db.transaction(() => {
    db.prepare("DELETE FROM main.ExpertSpecialtyLink WHERE expertId IN (SELECT id FROM main.Expert WHERE importId = ?)").run(importId);
    const { changes } = db.prepare("DELETE FROM main.Expert WHERE importId = ?").run(importId);
    bumpGenerationRaw(db);
    appendAuditRaw(db, { actor, action: "experts.importRolledBack", target: `experts:import:${importId}`, payload: { importId, removed: changes, reason } });
  }).immediate();
}
