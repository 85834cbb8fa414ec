// Deadlines that commands act on (decryption window end, confirmation limit).
// The deadline itself lives in the database row; this only arms an in-process
// timer for it, and each module re-arms its deadlines at start-up, so a restart
// loses none. A handler must be idempotent: it checks the row before acting.
import type { Logger } from "./logger";

export class Timers {
  private readonly armed = new Map<string, NodeJS.Timeout>();
  constructor(private readonly log: Logger) {}

  /** Arms (or re-arms) a named deadline; a past time fires on the next tick. */
  at(name: string, when: Date, fn: () => Promise<unknown>): void {
    this.cancel(name);
    const delay = Math.max(0, Math.min(when.getTime() - Date.now(), 2 ** 31 - 1));
    const t = setTimeout(() => {
      this.armed.delete(name);
      fn().catch((err: unknown) => this.log.error({ err, timer: name }, "timer handler failed"));
    }, delay);
    t.unref();
    this.armed.set(name, t);
  }

  cancel(name: string): void {
    const t = this.armed.get(name);
    if (t) clearTimeout(t);
    this.armed.delete(name);
  }

  has(name: string): boolean {
    return this.armed.has(name);
  }

  close(): void {
    for (const t of this.armed.values()) clearTimeout(t);
    this.armed.clear();
  }
}
