// Plain SQL on the app's own database connection, without Prisma's client in
// between: for the few statements on the path from an agent's action to every
// screen of a room (the row, its audit row, the room screen's read, the stream
// version), where the model API's and the raw API's fixed cost per call
// (query compiler, tracing spans, transaction manager) outweighs the statement.
//
// The writer rules are Prisma's own, not a second set:
// - SQLite: the same better-sqlite3 connection as Prisma's adapter, behind the
//   same gate (server/db.ts): a direct transaction waits while a Prisma
//   transaction is open and holds Prisma's queries while it is open itself.
//   Prepared statements are cached; integers come back as numbers; a Date is
//   written as Prisma's adapter writes it (ISO 8601 with "+00:00").
// - PostgreSQL: a client of the pool Prisma's adapter uses; every transaction
//   takes the one writer lock (pg_advisory_xact_lock(WRITER_LOCK)) first.
//
// SQL is written once, for SQLite: `?` placeholders (become $1… on PostgreSQL)
// and quoted identifiers.
import type BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import type { WalSync } from "./wal-sync";

/** A DateTime column as read by directSql: a Date on PostgreSQL, Prisma's ISO text on SQLite. */
export type SqlDate = Date | string;
export const sqlDate = (v: SqlDate): Date => (v instanceof Date ? v : new Date(v));
export const sqlDateOrNull = (v: SqlDate | null): Date | null => (v === null ? null : sqlDate(v));

export interface SqlTx {
  /** Rows of a query. */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface TxOptions {
  /**
   * "facts" (default): the commit is on disk before the call resolves (SQLite: the WAL's
   * fdatasync, server/wal-sync.ts; PostgreSQL: synchronous_commit on). "derived": state rebuilt
   * from the facts (a live stream's version): resolves at commit, durable against a process crash;
   * after a power loss or an OS crash its last commits may be missing, which the next rebuild
   * writes again (SQLite: no wait for the sync; PostgreSQL: synchronous_commit off; consistent
   * either way, and the next commit of facts flushes it too).
   */
  durability?: "facts" | "derived";
  /**
   * Runs once the commit is visible to every reader and survives a process crash, before the wait
   * for the disk (SQLite): where a command tells the screens (they may see it ~1 ms before the
   * actor is answered; after a power loss in between, the actor never got an answer and the
   * screens resync to what the disk holds: a client takes a snapshot whatever its version).
   */
  afterCommit?: () => void;
}

export interface DirectSql extends SqlTx {
  readonly provider: "sqlite" | "postgresql";
  /** One transaction (committed when fn resolves, rolled back when it throws). */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts?: TxOptions): Promise<T>;
}

/** The SQLite connection Prisma's adapter opened, with its gate and WAL sync (server/db.ts connects it when needed). */
export type SqliteConnection = {
  client: BetterSqlite3.Database;
  gate: GateLike;
  /** Resolves once every commit made before the call is on disk (server/wal-sync.ts). */
  sync(): Promise<void>;
  /** SQLite's total_changes() of the connection. */
  changes(): bigint | number;
  wal: WalSync;
};

export interface GateLike {
  run<T>(fn: () => Promise<T>): Promise<T>;
  acquire(): Promise<() => void>;
}

const sqliteValue = (v: unknown): unknown => {
  if (v instanceof Date) return v.toISOString().replace("Z", "+00:00");
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === undefined) return null;
  return v;
};

export class SqliteDirect implements DirectSql {
  readonly provider = "sqlite" as const;
  private statements = new Map<string, BetterSqlite3.Statement>();
  private preparedOn: BetterSqlite3.Database | undefined;

  constructor(private readonly open: () => Promise<SqliteConnection>) {}

  /** The connection, its gate and its WAL sync (tests and diagnostics). */
  connection(): Promise<SqliteConnection> {
    return this.open();
  }

  private statement(client: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement {
    if (this.preparedOn !== client) {
      // Prisma reconnected (a new connection after $disconnect): statements belong to their connection.
      this.statements = new Map();
      this.preparedOn = client;
    }
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = client.prepare(sql);
      if (stmt.reader) stmt.safeIntegers(false);
      if (this.statements.size > 200) this.statements.clear(); // only a handful of fixed statements come here
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  // Synchronous on the one connection: nothing else runs between the call and its result.
  private allNow<T>(client: BetterSqlite3.Database, sql: string, params: readonly unknown[]): T[] {
    return this.statement(client, sql).all(...params.map(sqliteValue)) as T[];
  }

  private runNow(client: BetterSqlite3.Database, sql: string, params: readonly unknown[]): number {
    return this.statement(client, sql).run(...params.map(sqliteValue)).changes;
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const { client, gate } = await this.open();
    return gate.run(async () => this.allNow<T>(client, sql, params));
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const { client, gate, sync } = await this.open();
    const changed = await gate.run(async () => this.runNow(client, sql, params));
    if (changed > 0) await sync();
    return changed;
  }

  async transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    const { client, gate, sync, changes } = await this.open();
    const release = await gate.acquire();
    let result: T;
    let wrote = false;
    try {
      const before = changes();
      this.runNow(client, "BEGIN", []);
      const tx: SqlTx = {
        all: async <R>(sql: string, params: readonly unknown[] = []) => this.allNow<R>(client, sql, params),
        run: async (sql: string, params: readonly unknown[] = []) => this.runNow(client, sql, params),
      };
      try {
        result = await fn(tx);
      } catch (err) {
        if (client.inTransaction) this.runNow(client, "ROLLBACK", []);
        throw err;
      }
      this.runNow(client, "COMMIT", []);
      wrote = changes() !== before;
    } finally {
      release();
    }
    opts.afterCommit?.();
    // Facts are answered once on disk; the next transaction may run meanwhile (server/wal-sync.ts).
    if (wrote && opts.durability !== "derived") await sync();
    return result;
  }
}

/** `?` → `$1…` (SQL written for SQLite; no `?` inside string literals). */
const pgText = new Map<string, string>();
export function pgPlaceholders(sql: string): string {
  let out = pgText.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (pgText.size > 500) pgText.clear();
    pgText.set(sql, out);
  }
  return out;
}

// Prisma's DateTime columns are `timestamp(3)` (without time zone) holding UTC: write the UTC wall time,
// and read it back as UTC whatever the process's time zone (pg's default parser takes local time).
const pgValue = (v: unknown): unknown => (v instanceof Date ? v.toISOString().replace("Z", "") : v === undefined ? null : v);
const TIMESTAMP_OID = 1114;
const parseUtcTimestamp = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMP_OID && format !== "binary" ? parseUtcTimestamp : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

type PgQueryable = Pick<pg.PoolClient, "query">;

async function pgAll<T>(q: PgQueryable, sql: string, params: readonly unknown[]): Promise<T[]> {
  const res = await q.query({ text: pgPlaceholders(sql), values: params.map(pgValue), types: pgTypes });
  return res.rows as T[];
}

async function pgRun(q: PgQueryable, sql: string, params: readonly unknown[]): Promise<number> {
  const res = await q.query({ text: pgPlaceholders(sql), values: params.map(pgValue), types: pgTypes });
  return res.rowCount ?? 0;
}

export class PgDirect implements DirectSql {
  readonly provider = "postgresql" as const;
  /** pool(): the pool of Prisma's adapter (server/db.ts connects it when needed). */
  constructor(
    private readonly pool: () => Promise<pg.Pool>,
    private readonly writerLock: number,
  ) {}

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return pgAll<T>(await this.pool(), sql, params);
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return pgRun(await this.pool(), sql, params);
  }

  async transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    const client = await (await this.pool()).connect();
    let broken: unknown;
    try {
      await client.query("BEGIN");
      try {
        await client.query(`SELECT pg_advisory_xact_lock(${this.writerLock})`);
        if (opts.durability === "derived") await client.query("SET LOCAL synchronous_commit = off");
        const result = await fn({
          all: <R>(sql: string, params: readonly unknown[] = []) => pgAll<R>(client, sql, params),
          run: (sql: string, params: readonly unknown[] = []) => pgRun(client, sql, params),
        });
        await client.query("COMMIT");
        opts.afterCommit?.();
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch((e: unknown) => (broken = e));
        throw err;
      }
    } finally {
      // A client whose rollback failed is not given back to the pool for reuse.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}
