// The database client: Prisma 6.19 with the JavaScript engine and a driver
// adapter — better-sqlite3 embedded by default (DATABASE_URL=file:…), or
// PostgreSQL through @prisma/adapter-pg (DATABASE_URL=postgresql://…).
// One model source (prisma/models) generates both clients; their model APIs
// are the same, so the rest of the code sees one type, `Db`.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/sqlite/client";
import { PrismaClient as PgPrismaClient } from "./generated/postgresql/client";
import { sqliteFile } from "./config";

export type Db = PrismaClient;
/** The client handed to a command inside `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];
export type DbProvider = "sqlite" | "postgresql";

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);
export const providerOf = (url: string): DbProvider => (isPostgresUrl(url) ? "postgresql" : "sqlite");

/** Which database a client (or a transaction's client) talks to, for the few raw SQL paths that differ. */
export const dbProvider = (db: Db | Tx): DbProvider =>
  (db as unknown as { _activeProvider?: string })._activeProvider === "postgresql" ? "postgresql" : "sqlite";

export function createDb(databaseUrl: string, opts: { poolSize?: number } = {}): Db {
  if (isPostgresUrl(databaseUrl)) {
    const adapter = new PrismaPg({ connectionString: databaseUrl, max: opts.poolSize ?? 10 });
    return oneWriterAtATime(new PgPrismaClient({ adapter }) as unknown as Db);
  }
  const file = sqliteFile(databaseUrl);
  if (!file) throw new Error(`DATABASE_URL: expected file:… (SQLite) or postgresql://…, got ${databaseUrl.split(":")[0]}:`);
  return new PrismaClient({ adapter: new SerializedSqlite(new PrismaBetterSQLite3({ url: `file:${file}` })) });
}

// ── PostgreSQL: interactive transactions in one order across every process ──
// At PostgreSQL's default isolation (read committed) a read-modify-write
// transaction can lose a concurrent one's update (see ../shared/notes). Every
// command's transaction reads and extends the audit hash chain, so command
// transactions have one total order anyway: each interactive transaction takes
// one transaction-scoped advisory lock before its first read, which gives every
// process the semantics SQLite gives one process (one writer at a time; a stage
// change, a draw, a confirmation, a stream version is read and written whole).
// Plain queries and batch transactions do not take it; reads scale out.
/** pg_advisory_xact_lock key of the writer lock ("hall" in ASCII). */
export const WRITER_LOCK = 0x68616c6c;

function oneWriterAtATime(db: Db): Db {
  const original = db.$transaction.bind(db) as (arg: unknown, opts?: unknown) => Promise<unknown>;
  const $transaction = (arg: unknown, opts?: unknown) => {
    if (typeof arg !== "function") return original(arg, opts);
    const fn = arg as (tx: Tx) => Promise<unknown>;
    return original(async (tx: Tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${WRITER_LOCK})`);
      return fn(tx);
    }, { maxWait: 10_000, timeout: 30_000, ...(opts as object | undefined) });
  };
  return new Proxy(db, { get: (target, prop, receiver) => (prop === "$transaction" ? $transaction : Reflect.get(target, prop, receiver)) });
}

// ── SQLite: one connection, so one transaction at a time and nothing else meanwhile ──
// better-sqlite3 is a single connection. The adapter serializes interactive
// transactions among themselves, but a query of ANOTHER request issued while a
// transaction is open runs on the same connection, i.e. inside that
// transaction (it sees its uncommitted rows and is rolled back with it;
// test/scaleout-sqlite.test.ts shows it). This wrapper makes every query
// outside a transaction wait until no transaction is open.
// Consequence: code must never use the outer `db` inside `db.$transaction(async (tx) => …)`
// (it would wait for its own transaction); use `tx`.

type SqliteFactory = PrismaBetterSQLite3;
type SqliteAdapter = Awaited<ReturnType<SqliteFactory["connect"]>>;
type SqliteTx = Awaited<ReturnType<SqliteAdapter["startTransaction"]>>;

class Gate {
  private tail: Promise<void> = Promise.resolve();
  private held = false;
  /** Runs fn alone (fast path when nothing holds the gate). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.held) return fn(); // better-sqlite3 is synchronous: fn completes before anything else runs
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
  async acquire(): Promise<() => void> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    this.held = true;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.held = false;
      release();
    };
  }
}

class SerializedSqlite {
  readonly provider: SqliteFactory["provider"];
  readonly adapterName: string;
  constructor(private readonly inner: SqliteFactory) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }
  async connect(): Promise<SqliteAdapter> {
    const adapter = await this.inner.connect();
    const gate = new Gate();
    const queryRaw = adapter.queryRaw.bind(adapter);
    const executeRaw = adapter.executeRaw.bind(adapter);
    const executeScript = adapter.executeScript.bind(adapter);
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.queryRaw = (q) => gate.run(() => queryRaw(q));
    adapter.executeRaw = (q) => gate.run(() => executeRaw(q));
    adapter.executeScript = (s) => gate.run(() => executeScript(s));
    adapter.startTransaction = async (level) => {
      const release = await gate.acquire();
      let tx: SqliteTx;
      try {
        tx = await startTransaction(level);
      } catch (err) {
        release();
        throw err;
      }
      const commit = tx.commit.bind(tx);
      const rollback = tx.rollback.bind(tx);
      tx.commit = async () => {
        try {
          await commit();
        } finally {
          release();
        }
      };
      tx.rollback = async () => {
        try {
          await rollback();
        } finally {
          release();
        }
      };
      return tx;
    };
    return adapter;
  }
}

/**
 * Raw SQL written for SQLite, for the client's database: on PostgreSQL, `?`
 * placeholders become `$1…`, bare camelCase identifiers (Prisma's column names,
 * and aliases that must keep their case) are quoted, and SQLite's null-safe
 * `IS NOT x` becomes `IS DISTINCT FROM x`. Keep such SQL simple: no `?` or
 * camelCase words inside string literals.
 */
export function sqlFor(db: Db | Tx, sql: string): string {
  if (dbProvider(db) !== "postgresql") return sql;
  let n = 0;
  return sql
    .replace(/\?/g, () => `$${++n}`)
    .replace(/(?<!["\w$])([a-z]+[A-Z]\w*)(?!["\w])/g, '"$1"')
    .replace(/\bIS NOT (?!NULL\b)/g, "IS DISTINCT FROM ");
}
