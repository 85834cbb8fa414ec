// How experts are reached: invitations (with the accept/decline link), sign-in
// codes and cancellations. The console notifier logs (development); the webhook
// notifier POSTs JSON to an SMS or voice gateway, signed with HMAC-SHA256
// (header X-Hall-Signature: sha256=<hex> over `${timestamp}.${body}`, header
// X-Hall-Timestamp), with a timeout and retries (exponential back-off). Only
// the project code goes out, never the project's name or the other experts.
import { createHmac } from "node:crypto";
import type { Logger } from "../logger";

export interface ExpertMessage {
  kind: "invitation" | "sign-in-code" | "cancelled";
  /** The expert's mobile number (the gateway's address). */
  to: string;
  /** The text to send or read out. */
  text: string;
  drawId: string;
  pickId: string;
  projectCode: string;
  /** Invitations: the link token, the link, and the answer deadline. */
  token?: string;
  link?: string;
  answerBy?: string;
  /** Sign-in codes. */
  code?: string;
}

export interface ExpertNotifier {
  readonly name: string;
  /** Resolves once the message was handed over; rejects when it could not be. */
  send(msg: ExpertMessage): Promise<void>;
}

/** Development: writes the message to the log (the link and codes included, so a developer can follow them). */
export class ConsoleNotifier implements ExpertNotifier {
  readonly name = "console";
  constructor(private readonly log: Logger) {}
  async send(msg: ExpertMessage): Promise<void> {
    this.log.info({ notify: { ...msg, to: `${msg.to.slice(0, 3)}****${msg.to.slice(-4)}` } }, `expert ${msg.kind}: ${msg.text}`);
  }
}

export interface WebhookOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  retries: number;
  /** First back-off in ms (doubles each retry). */
  backoffMs?: number;
}

export const signWebhook = (secret: string, timestamp: string, body: string) =>
  `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;

/** POST JSON to a gateway; 2xx is delivered, 4xx (but 408/429) is final, the rest is retried. */
export class WebhookNotifier implements ExpertNotifier {
  readonly name = "webhook";
  constructor(
    private readonly opts: WebhookOptions,
    private readonly log?: Logger,
  ) {}

  async send(msg: ExpertMessage): Promise<void> {
    const body = JSON.stringify(msg);
    let lastError = "";
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, (this.opts.backoffMs ?? 500) * 2 ** (attempt - 1)));
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const res = await fetch(this.opts.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-hall-timestamp": timestamp,
            "x-hall-signature": signWebhook(this.opts.secret, timestamp, body),
            "x-hall-attempt": String(attempt + 1),
          },
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        lastError = `HTTP ${res.status}`;
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (err) {
        lastError = err instanceof Error ? (err.name === "TimeoutError" ? `timed out after ${this.opts.timeoutMs} ms` : err.message) : String(err);
      }
      this.log?.warn({ attempt: attempt + 1, kind: msg.kind, pickId: msg.pickId, error: lastError }, "expert webhook failed");
    }
    throw new Error(`webhook ${this.opts.url}: ${lastError}`);
  }
}

/** Tests: keeps every message. */
export class RecordingNotifier implements ExpertNotifier {
  readonly name = "recording";
  readonly messages: ExpertMessage[] = [];
  failNext = 0;
  async send(msg: ExpertMessage): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("recording notifier: failing on purpose");
    }
    this.messages.push(msg);
  }
}
