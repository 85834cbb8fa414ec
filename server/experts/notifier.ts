// How experts are reached: invitations (with the accept/decline link), sign-in
// codes and cancellations. The outbox notifier (outbox.ts, the default) keeps
// every message in the database for the outbox page; the console notifier only
// logs (masked: a log never holds a whole link or code); the webhook
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
  /** SMS (default) or a voice call reading the text out. */
  channel?: "sms" | "voice";
  /** The recipient, for the outbox page only (never sent to a gateway). */
  recipient?: { name: string; expertId?: number };
}

/** The first characters of a link token: enough to tell two links apart in a log, useless to answer. */
export const maskToken = (token: string) => `${token.slice(0, 6)}…`;

/** A link with its token masked: http://x/invite#t=AbCdEf… */
export const maskLink = (link: string) => link.replace(/([#?&]t=)([A-Za-z0-9_-]+)/, (_m, pre: string, tok: string) => pre + maskToken(tok));

const maskPhone = (to: string) => (to.length >= 7 ? `${to.slice(0, 3)}****${to.slice(-4)}` : "****");

/** The message as it may be logged or kept beside a real gateway: phone, link token and code masked. */
export function redactMessage(msg: ExpertMessage): ExpertMessage {
  let text = msg.text;
  if (msg.link) text = text.split(msg.link).join(maskLink(msg.link));
  if (msg.token) text = text.split(msg.token).join(maskToken(msg.token));
  if (msg.code) text = text.split(msg.code).join("******");
  return {
    ...msg,
    to: maskPhone(msg.to),
    text,
    ...(msg.token ? { token: maskToken(msg.token) } : {}),
    ...(msg.link ? { link: maskLink(msg.link) } : {}),
    ...(msg.code ? { code: "******" } : {}),
  };
}

/** What goes to a gateway: the message without the outbox-only recipient details. */
export function wireMessage(msg: ExpertMessage): Omit<ExpertMessage, "recipient"> {
  const { recipient: _r, ...wire } = msg;
  return wire;
}

export interface ExpertNotifier {
  readonly name: string;
  /** Resolves once the message was handed over; rejects when it could not be. */
  send(msg: ExpertMessage): Promise<void>;
}

/** Log only: the message with its link token and code masked (a log is read by more people than the expert). */
export class ConsoleNotifier implements ExpertNotifier {
  readonly name = "console";
  constructor(private readonly log: Logger) {}
  async send(msg: ExpertMessage): Promise<void> {
    const shown = wireMessage(redactMessage(msg));
    this.log.info({ notify: shown }, `expert ${msg.kind}: ${shown.text}`);
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
    const body = JSON.stringify(wireMessage(msg));
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
