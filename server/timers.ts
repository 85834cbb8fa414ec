// Deadlines that commands act on (decryption window end, confirmation limit,
// invitation answers, fault clocks). The deadline itself lives in the
// command's row; each module re-arms its deadlines at start-up, so a restart
// loses none. A handler must still be idempotent: it checks the row before acting.
//
// Exactly once in a cluster: `at()` records the deadline in a TimerLease row
// and arms an in-process timer. When it is due, each process that armed it
// tries to claim the row with one conditional update (not fired, not claimed
// or the claim expired); only the process whose update changed the row runs
// the handler, then marks it fired. A process that dies mid-run leaves a claim
// that expires after `leaseMs`; the others re-check then and take it over.
// `cancel()` removes the row, so no process fires a cancelled deadline.
// Works the same on SQLite and PostgreSQL (no new dependency).
import { randomUUID } from "node:crypto";
import type { Db } from "./db";
import type { Logger } from "./logger";

const MAX_DELAY = 2 ** 31 - 1;

export interface TimersOptions {
  /** How long a claim holds before another process may take the deadline over. */
  leaseMs?: number;
  /** This process's name in claims (default: a random id). */
  nodeId?: string;
}

export class Timers {
  private readonly armed = new Map<string, NodeJS.Timeout>();
  /** Per name, the last database operation (arm, cancel): they apply in call order. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly leaseMs: number;
  readonly nodeId: string;
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly db?: Db,
    opts: TimersOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.nodeId = opts.nodeId ?? randomUUID();
  }

  private chain(name: string, op: () => Promise<unknown>): Promise<unknown> {
    const prev = this.chains.get(name) ?? Promise.resolve();
    const next = prev.then(op, op).catch((err: unknown) => this.log.error({ err, timer: name }, "timer bookkeeping failed"));
    this.chains.set(name, next);
    void next.then(() => {
      if (this.chains.get(name) === next) this.chains.delete(name);
    });
    return next;
  }

  private arm(name: string, when: Date, fire: () => void): void {
    const old = this.armed.get(name);
    if (old) clearTimeout(old);
    const delay = Math.max(0, when.getTime() - Date.now());
    const t = setTimeout(() => {
      if (delay > MAX_DELAY) return this.arm(name, when, fire); // further than setTimeout reaches: wait again
      this.armed.delete(name);
      fire();
    }, Math.min(delay, MAX_DELAY));
    t.unref();
    this.armed.set(name, t);
  }

  /** Arms (or re-arms) a named deadline; a past time fires on the next tick. */
  at(name: string, when: Date, fn: () => Promise<unknown>): void {
    if (this.closed) return;
    const db = this.db;
    if (!db) {
      // No database (unit use): an in-process timer only.
      this.arm(name, when, () => void fn().catch((err: unknown) => this.log.error({ err, timer: name }, "timer handler failed")));
      return;
    }
    const recorded = this.chain(name, async () => {
      // The same deadline armed again (another process, a restart) keeps its claim and fired mark.
      let row = await db.timerLease.findUnique({ where: { name } });
      if (!row) {
        try {
          row = await db.timerLease.create({ data: { name, dueAt: when } });
        } catch (err) {
          if ((err as { code?: string }).code !== "P2002") throw err; // another process recorded it just now
          row = await db.timerLease.findUniqueOrThrow({ where: { name } });
        }
      }
      if (row.dueAt.getTime() !== when.getTime()) {
        await db.timerLease.updateMany({ where: { name, dueAt: row.dueAt }, data: { dueAt: when, claimedBy: null, claimedUntil: null, firedAt: null } });
      }
    });
    this.arm(name, when, () => void recorded.then(() => this.tryFire(name, when, fn)));
  }

  /** Claims the deadline; runs it when this process won the claim. */
  private async tryFire(name: string, when: Date, fn: () => Promise<unknown>): Promise<void> {
    if (this.closed || !this.db) return;
    const db = this.db;
    const now = new Date();
    const { count } = await db.timerLease.updateMany({
      where: { name, dueAt: when, firedAt: null, OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] },
      data: { claimedBy: this.nodeId, claimedUntil: new Date(now.getTime() + this.leaseMs) },
    });
    if (count !== 1) {
      // Fired, cancelled, re-armed for another time, or another process runs it now:
      // look again when that process's claim runs out, in case it died mid-run.
      const row = await db.timerLease.findUnique({ where: { name } });
      if (row && !row.firedAt && row.dueAt.getTime() === when.getTime() && row.claimedUntil && !this.armed.has(name)) {
        this.arm(name, new Date(row.claimedUntil.getTime() + 50), () => void this.tryFire(name, when, fn).catch((err: unknown) => this.log.error({ err, timer: name }, "timer claim failed")));
      }
      return;
    }
    try {
      await fn();
      await db.timerLease.updateMany({ where: { name, dueAt: when, claimedBy: this.nodeId }, data: { firedAt: new Date() } });
    } catch (err) {
      this.log.error({ err, timer: name }, "timer handler failed");
      // Give it back: the next process (or this one, at start-up) may try again.
      await db.timerLease.updateMany({ where: { name, dueAt: when, claimedBy: this.nodeId }, data: { claimedBy: null, claimedUntil: null } }).catch(() => undefined);
    }
  }

  /** Cancels a deadline in every process (the row goes; a process that still has it armed finds nothing to claim). */
  cancel(name: string): void {
    const t = this.armed.get(name);
    if (t) clearTimeout(t);
    this.armed.delete(name);
    const db = this.db;
    if (db && !this.closed) void this.chain(name, () => db.timerLease.deleteMany({ where: { name } }));
  }

  has(name: string): boolean {
    return this.armed.has(name);
  }

  /** Waits for pending bookkeeping (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.chains.values()]);
  }

  close(): void {
    this.closed = true;
    for (const t of this.armed.values()) clearTimeout(t);
    this.armed.clear();
  }
}
