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
import { PgDirect, SqliteDirect, type DirectSql, type SqliteConnection } from "./direct-sql";
import type pg from "pg";
import { WalSync } from "./wal-sync";

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
    const factory = new CapturingPg(new PrismaPg({ connectionString: databaseUrl, max: opts.poolSize ?? 10 }));
    const db = oneWriterAtATime(new PgPrismaClient({ adapter: factory }) as unknown as Db);
    directs.set(db, new PgDirect(async () => factory.pool ?? (await db.$connect(), factory.pool!), WRITER_LOCK));
    return db;
  }
  const file = sqliteFile(databaseUrl);
  if (!file) throw new Error(`DATABASE_URL: expected file:… (SQLite) or postgresql://…, got ${databaseUrl.split(":")[0]}:`);
  const factory = new SerializedSqlite(new PrismaBetterSQLite3({ url: `file:${file}` }), file);
  const db = new PrismaClient({ adapter: factory });
  directs.set(db, new SqliteDirect(async () => factory.current ?? (await db.$connect(), factory.current!)));
  return db;
}

const directs = new WeakMap<object, DirectSql>();

/** Plain SQL on the client's own connection (server/direct-sql.ts): for the hot path of the live screens. */
export function directSql(db: Db): DirectSql {
  const direct = directs.get(db);
  if (!direct) throw new Error("directSql: not a client made by createDb");
  return direct;
}

type PgFactory = PrismaPg;
type PgAdapter = Awaited<ReturnType<PgFactory["connect"]>>;

/** PrismaPg, keeping the pool its adapter connects with (for directSql). */
class CapturingPg {
  readonly provider: PgFactory["provider"];
  readonly adapterName: string;
  pool: pg.Pool | undefined;
  constructor(private readonly inner: PgFactory) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }
  async connect(): Promise<PgAdapter> {
    const adapter = await this.inner.connect();
    this.pool = (adapter as unknown as { client: pg.Pool }).client;
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      this.pool = undefined;
      await dispose();
    };
    return adapter;
  }
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
  /** The open connection, its gate and its WAL sync (for directSql), while Prisma is connected. */
  current: SqliteConnection | undefined;
  constructor(
    private readonly inner: SqliteFactory,
    private readonly file: string,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }
  async connect(): Promise<SqliteAdapter> {
    const adapter = await this.inner.connect();
    const client = (adapter as unknown as { client: SqliteConnection["client"] }).client;
    // WAL (readers never block the writer; persistent in the file). synchronous=NORMAL and every
    // write that is answered waits for the WAL's fdatasync on the thread pool (server/wal-sync.ts):
    // durable before it is acknowledged, without blocking the event loop during the fsync.
    // (Set explicitly: better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, so the
    // level would otherwise depend on whether this connection or an earlier one switched to WAL.)
    client.pragma("journal_mode = WAL");
    client.pragma("synchronous = NORMAL");
    const wal = new WalSync(`${this.file}-wal`);
    const totalChanges = client.prepare("SELECT total_changes()").pluck();
    const changes = () => totalChanges.get() as bigint | number;
    const gate = new Gate();
    const queryRaw = adapter.queryRaw.bind(adapter);
    const executeRaw = adapter.executeRaw.bind(adapter);
    const executeScript = adapter.executeScript.bind(adapter);
    const startTransaction = adapter.startTransaction.bind(adapter);
    // A statement outside a transaction that wrote something is answered once it is on disk.
    const durably = async <T>(fn: () => Promise<T>, always = false): Promise<T> => {
      let wrote = always;
      const result = await gate.run(async () => {
        const before = changes();
        const r = await fn();
        wrote ||= changes() !== before;
        return r;
      });
      if (wrote) await wal.sync();
      return result;
    };
    adapter.queryRaw = (q) => durably(() => queryRaw(q));
    adapter.executeRaw = (q) => durably(() => executeRaw(q));
    adapter.executeScript = (s) => durably(() => executeScript(s), true);
    adapter.startTransaction = async (level) => {
      const release = await gate.acquire();
      let tx: SqliteTx;
      let before: bigint | number;
      try {
        before = changes();
        tx = await startTransaction(level);
      } catch (err) {
        release();
        throw err;
      }
      const commit = tx.commit.bind(tx);
      const rollback = tx.rollback.bind(tx);
      tx.commit = async () => {
        let wrote = false;
        try {
          await commit();
          wrote = changes() !== before;
        } finally {
          release();
        }
        // Outside the gate: the next transaction runs while this one's commit reaches the disk.
        if (wrote) await wal.sync();
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
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      this.current = undefined;
      await wal.close();
      await dispose();
    };
    this.current = { client, gate, sync: () => wal.sync(), changes, wal };
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
