// What the experts domain keeps for the life of the app: the notifier (swappable
// in tests), the ID hasher and the pool reader with its bucket cache.
import type { Config } from "../config";
import type { Logger } from "../logger";
import { IdHasher } from "./identity";
import { ConsoleNotifier, WebhookNotifier, type ExpertNotifier } from "./notifier";
import { OutboxNotifier } from "./outbox";
import { PoolReader, type FreezeRequest, type FreezeResult } from "./buckets";
import { openRaw, type RawDb } from "./raw";
import { PgPool } from "./pg";
import { dbProvider, type Db } from "../db";
import { AppError } from "../errors";
import { loadWorkCalendar, type WorkCalendar } from "./holidays";

/** Frozen lists of the latest draws, kept after requestDraw so the reveal need not read them back. */
const FROZEN_KEPT = 32;

export class ExpertsRuntime {
  notifier: ExpertNotifier;
  readonly ids: IdHasher;
  /** Working days for the procurement draw window (built-in years + EXPERT_HOLIDAYS_FILE). */
  readonly calendar: WorkCalendar;
  private reader: PoolReader | undefined;
  private pgReader: PgPool | undefined;
  private rawWriter: RawDb | undefined;
  private readonly frozen = new Map<string, Uint32Array[]>();

  constructor(
    private readonly config: Config,
    log: Logger,
    db: Db,
  ) {
    this.ids = new IdHasher(config.appSecret);
    this.calendar = loadWorkCalendar(config.experts.holidaysFile);
    const n = config.experts.notifier;
    // The outbox keeps every message (whole without a gateway, masked beside one); console only logs (masked).
    const notifyLog = log.child({ mod: "experts-notify" });
    this.notifier =
      n.kind === "console"
        ? new ConsoleNotifier(notifyLog)
        : new OutboxNotifier(db, notifyLog, n.kind === "webhook" ? new WebhookNotifier(n, log.child({ mod: "experts-webhook" })) : undefined);
  }

  private closed = false;

  /** After close: a late caller gets an error instead of opening a connection nobody will close. */
  private open(): void {
    if (this.closed) throw new AppError("UNAVAILABLE", "The server is shutting down; try again in a moment");
  }

  /** The read-only connection and bucket cache, opened on first use. */
  pool(): PoolReader {
    this.open();
    this.reader ??= new PoolReader(this.config.databaseUrl);
    return this.reader;
  }

  /** The pool's read side on PostgreSQL (through the app's client). */
  pgPool(db: Db): PgPool {
    this.pgReader ??= new PgPool(db);
    return this.pgReader;
  }

  /** A draw's eligible lists on either database (SQLite: the raw reader, synchronous inside; PostgreSQL: pgPool). */
  async freeze(db: Db, req: FreezeRequest): Promise<FreezeResult> {
    return dbProvider(db) === "postgresql" ? this.pgPool(db).freeze(req) : this.pool().freeze(req);
  }

  /**
   * A writable raw connection for the draw's hot writes (the frozen lists, the
   * picks). busy_timeout 0: a busy database is retried asynchronously by
   * writeRaw() (model.ts), never waited for synchronously on the event loop.
   */
  writer(): RawDb {
    this.open();
    if (!this.rawWriter) {
      this.rawWriter = openRaw(this.config.databaseUrl);
      this.rawWriter.pragma("busy_timeout = 0");
    }
    return this.rawWriter;
  }

  keepFrozen(drawId: string, lists: Uint32Array[]): void {
    this.frozen.set(drawId, lists);
    if (this.frozen.size > FROZEN_KEPT) this.frozen.delete(this.frozen.keys().next().value!);
  }

  /** The frozen lists of a draw if this process froze them (immutable once committed). */
  takeFrozen(drawId: string): Uint32Array[] | undefined {
    const lists = this.frozen.get(drawId);
    this.frozen.delete(drawId);
    return lists;
  }

  private readonly inFlight = new Set<Promise<unknown>>();

  /** Keeps a fire-and-forget job (invitations handed to the notifier after a commit) so that close can wait for it. */
  track(job: Promise<unknown>): void {
    const p = job.catch(() => undefined).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Resolves when every tracked job has finished (their database writes included). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
    this.reader?.close();
    this.reader = undefined;
    this.pgReader?.close();
    this.pgReader = undefined;
    if (this.rawWriter?.open) this.rawWriter.close();
    this.rawWriter = undefined;
    this.frozen.clear();
  }
}
