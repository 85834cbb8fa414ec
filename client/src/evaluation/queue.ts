// What keeps an expert terminal's work safe over a bad link:
//  - idempotency keys: one per (session, member, step, version), generated once,
//    kept in storage and reused on every retry of that submit, so a submit that
//    reached the server before the link dropped is answered the same, not doubled;
//  - an offline queue of actions (pledge, declarations, votes, submits, …) sent in
//    order when the link is back; a server answer (ok or a typed error) takes an
//    action off the queue, a network failure keeps it and stops the flush;
//  - a draft sender: every change is sent lightly debounced with an increasing
//    clientSeq; only the latest draft matters, so an unsent one is replaced.
import type { Ack, ErrorBody } from "@contracts/common";

/** The storage subset we need (localStorage in the browser, a Map in tests). */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function memoryStorage(): KeyValue {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

/** localStorage when usable, else memory (private mode). */
export function browserStorage(): KeyValue {
  try {
    const s = globalThis.localStorage;
    const probe = "hall.eval.probe";
    s.setItem(probe, "1");
    s.removeItem(probe);
    return s;
  } catch {
    return memoryStorage();
  }
}

/** 22 characters of base64url from 16 random bytes: matches the wire's IdempotencyKey (8–64 of A–Z a–z 0–9 _ -). */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Idempotency keys kept per scope; the same scope always gives the same key. */
export class IdempotencyKeys {
  constructor(
    private readonly storage: KeyValue,
    private readonly prefix = "hall.eval.idem:",
  ) {}
  static scope(sessionId: string, memberId: string, step: string, version: number): string {
    return `${sessionId}:${memberId}:${step}:v${version}`;
  }
  get(scope: string): string {
    const k = this.prefix + scope;
    const held = this.storage.getItem(k);
    if (held && /^[A-Za-z0-9_-]{8,64}$/.test(held)) return held;
    const fresh = newIdempotencyKey();
    this.storage.setItem(k, fresh);
    return fresh;
  }
}

export interface QueuedAction {
  id: string;
  event: string;
  payload: unknown;
  queuedAt: number;
}

export type Sender = (event: string, payload: unknown) => Promise<Ack<unknown>>;

export interface FlushOutcome {
  action: QueuedAction;
  ack: Ack<unknown>;
}

const isNetwork = (e: ErrorBody) => e.code === "NETWORK_ERROR";

/** An ordered, persisted queue of actions waiting for the link. */
export class OfflineQueue {
  private items: QueuedAction[];
  private flushing: Promise<FlushOutcome[]> | null = null;
  private seq = 0;

  constructor(
    private readonly storage: KeyValue,
    private readonly storageKey: string,
  ) {
    this.items = OfflineQueue.read(storage, storageKey);
  }

  private static read(storage: KeyValue, key: string): QueuedAction[] {
    try {
      const raw = storage.getItem(key);
      const v = raw ? (JSON.parse(raw) as unknown) : [];
      return Array.isArray(v) ? v.filter((a): a is QueuedAction => !!a && typeof a === "object" && typeof (a as QueuedAction).event === "string" && typeof (a as QueuedAction).id === "string") : [];
    } catch {
      return [];
    }
  }

  private save() {
    if (this.items.length) this.storage.setItem(this.storageKey, JSON.stringify(this.items));
    else this.storage.removeItem(this.storageKey);
  }

  get pending(): readonly QueuedAction[] {
    return this.items;
  }

  enqueue(event: string, payload: unknown, now = Date.now()): QueuedAction {
    const a: QueuedAction = { id: `${now.toString(36)}-${(this.seq++).toString(36)}`, event, payload, queuedAt: now };
    this.items.push(a);
    this.save();
    return a;
  }

  /**
   * Sends the queued actions in order. An answer from the server (ok or a typed
   * error) removes the action and is reported; a network failure stops the
   * flush and keeps that action and the rest for the next one. One flush at a time.
   */
  flush(send: Sender): Promise<FlushOutcome[]> {
    if (this.flushing) return this.flushing;
    const run = async (): Promise<FlushOutcome[]> => {
      const done: FlushOutcome[] = [];
      while (this.items.length) {
        const a = this.items[0]!;
        let ack: Ack<unknown>;
        try {
          ack = await send(a.event, a.payload);
        } catch (err) {
          ack = { ok: false, error: { code: "NETWORK_ERROR", message: err instanceof Error ? err.message : String(err) } };
        }
        if (!ack.ok && isNetwork(ack.error)) break;
        this.items.shift();
        this.save();
        done.push({ action: a, ack });
      }
      return done;
    };
    // Cleared asynchronously, after the assignment (an empty queue finishes at once).
    const p: Promise<FlushOutcome[]> = run().finally(() => {
      if (this.flushing === p) this.flushing = null;
    });
    this.flushing = p;
    return p;
  }
}

/**
 * Sends an action now when the link is up; queues it when it is down or the
 * send fails on the network (the same payload, with the same idempotency key,
 * goes again on reconnect). Answers the server's ack, or `queued`.
 */
export async function sendOrQueue(
  queue: OfflineQueue,
  connected: boolean,
  send: Sender,
  event: string,
  payload: unknown,
): Promise<{ queued: true } | { queued: false; ack: Ack<unknown> }> {
  if (!connected || queue.pending.length) {
    // Keep the order: nothing overtakes actions already waiting.
    queue.enqueue(event, payload);
    if (connected) void queue.flush(send);
    return { queued: true };
  }
  const ack = await send(event, payload);
  if (!ack.ok && isNetwork(ack.error)) {
    queue.enqueue(event, payload);
    return { queued: true };
  }
  return { queued: false, ack };
}

export interface DraftSenderOptions {
  /** Sends one draft with its clientSeq; resolves to the ack. */
  send: (clientSeq: number, sheet: unknown) => Promise<Ack<unknown>>;
  /** Whether the link is up now. */
  connected: () => boolean;
  storage: KeyValue;
  storageKey: string;
  debounceMs?: number;
  onSaved?: (clientSeq: number) => void;
  onError?: (error: ErrorBody) => void;
}

/**
 * Debounced draft sender. clientSeq only goes up — across reloads (kept in
 * storage) and past what the server already holds (`seen`). The latest draft
 * waits while offline and goes out on `online()`.
 */
export class DraftSender {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pendingSheet: unknown = null;
  private hasPending = false;
  private inFlight = false;
  private seq: number;

  constructor(private readonly o: DraftSenderOptions) {
    const stored = Number(o.storage.getItem(o.storageKey));
    this.seq = Number.isSafeInteger(stored) && stored > 0 ? stored : 0;
  }

  get clientSeq(): number {
    return this.seq;
  }
  get unsent(): boolean {
    return this.hasPending || this.inFlight;
  }

  /** The server holds drafts up to this clientSeq: never send one at or below it. */
  seen(serverSeq: number): void {
    if (serverSeq > this.seq) {
      this.seq = serverSeq;
      this.o.storage.setItem(this.o.storageKey, String(this.seq));
    }
  }

  change(sheet: unknown): void {
    this.pendingSheet = sheet;
    this.hasPending = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, this.o.debounceMs ?? 300);
  }

  /** Sends now whatever is waiting (the link came back, or the sheet is being submitted). */
  async flushNow(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.pump();
  }

  online(): void {
    void this.flushNow();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async pump(): Promise<void> {
    while (this.hasPending && !this.inFlight && this.o.connected()) {
      const sheet = this.pendingSheet;
      this.hasPending = false;
      this.seq += 1;
      const seq = this.seq;
      this.o.storage.setItem(this.o.storageKey, String(seq));
      this.inFlight = true;
      let ack: Ack<unknown>;
      try {
        ack = await this.o.send(seq, sheet);
      } finally {
        this.inFlight = false;
      }
      if (ack.ok) this.o.onSaved?.(seq);
      else if (ack.error.code === "NETWORK_ERROR") {
        // Keep it for the next chance unless a newer draft replaced it meanwhile;
        // still connected (a timeout on the way): try again shortly.
        if (!this.hasPending) {
          this.pendingSheet = sheet;
          this.hasPending = true;
        }
        if (!this.timer && this.o.connected()) {
          this.timer = setTimeout(() => {
            this.timer = null;
            void this.pump();
          }, 3_000);
        }
        return;
      } else this.o.onError?.(ack.error);
    }
  }
}
