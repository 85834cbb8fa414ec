// The webhook notifier against a local HTTP server: signed JSON, retries on
// 5xx and timeouts, no retry on a 4xx; and the configuration it needs.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config";
import { WebhookNotifier, signWebhook, type ExpertMessage } from "./notifier";

let server: Server;
let url: string;
const seen: { headers: IncomingMessage["headers"]; body: string }[] = [];
let plan: (n: number) => { status: number; delayMs?: number } = () => ({ status: 200 });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      const p = plan(seen.length);
      setTimeout(() => res.writeHead(p.status).end("ok"), p.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const msg: ExpertMessage = { kind: "invitation", to: "13800000001", text: "【评标专家抽取】项目 ZB2026 …", drawId: "d1", pickId: "p1", projectCode: "ZB2026", token: "t".repeat(32), link: "http://x/invite#t=…", answerBy: "2026-11-25T06:30:00.000Z" };

describe("webhook notifier", () => {
  it("POSTs the message as JSON with an HMAC-SHA256 signature over timestamp and body", async () => {
    seen.length = 0;
    plan = () => ({ status: 204 });
    await new WebhookNotifier({ url, secret: "s".repeat(32), timeoutMs: 1000, retries: 2 }).send(msg);
    expect(seen).toHaveLength(1);
    const { headers, body } = seen[0]!;
    expect(JSON.parse(body)).toEqual(msg);
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["x-hall-signature"]).toBe(signWebhook("s".repeat(32), String(headers["x-hall-timestamp"]), body));
  });

  it("retries a 5xx and a timeout, then succeeds", async () => {
    seen.length = 0;
    plan = (n) => (n === 1 ? { status: 503 } : n === 2 ? { status: 200, delayMs: 400 } : { status: 200 });
    await new WebhookNotifier({ url, secret: "s".repeat(32), timeoutMs: 150, retries: 3, backoffMs: 10 }).send(msg);
    expect(seen.map((s) => s.headers["x-hall-attempt"])).toEqual(["1", "2", "3"]);
  });

  it("gives up after the retries, and at once on a 4xx", async () => {
    seen.length = 0;
    plan = () => ({ status: 500 });
    await expect(new WebhookNotifier({ url, secret: "s".repeat(32), timeoutMs: 500, retries: 2, backoffMs: 5 }).send(msg)).rejects.toThrow(/HTTP 500/);
    expect(seen).toHaveLength(3);
    seen.length = 0;
    plan = () => ({ status: 401 });
    await expect(new WebhookNotifier({ url, secret: "s".repeat(32), timeoutMs: 500, retries: 5, backoffMs: 5 }).send(msg)).rejects.toThrow(/HTTP 401/);
    expect(seen).toHaveLength(1);
  });
});

describe("experts configuration", () => {
  it("has defaults and validates the webhook settings and the committee share", () => {
    const c = loadConfig({ NODE_ENV: "test", DATA_DIR: "/tmp/hall-config-test", APP_SECRET: "x".repeat(32) });
    expect(c.experts).toMatchObject({ notifier: { kind: "outbox" }, answerMinutes: 30, maxDraws: 3, drawWindowDays: 30, committee: { min: 5, minLargeProcurement: 7, largeProcurementFen: 1_000_000_000, odd: true, minShare: { num: 2, den: 3 } } });
    expect(() => loadConfig({ NODE_ENV: "test", DATA_DIR: "/tmp/hall-config-test", APP_SECRET: "x".repeat(32), EXPERT_NOTIFIER: "webhook" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "test", DATA_DIR: "/tmp/hall-config-test", APP_SECRET: "x".repeat(32), EXPERT_MIN_SHARE: "3/2" })).toThrow(/EXPERT_MIN_SHARE/);
    const w = loadConfig({ NODE_ENV: "test", DATA_DIR: "/tmp/hall-config-test", APP_SECRET: "x".repeat(32), EXPERT_NOTIFIER: "webhook", EXPERT_WEBHOOK_URL: "https://sms.example/hook", EXPERT_WEBHOOK_SECRET: "k".repeat(20) });
    expect(w.experts.notifier).toMatchObject({ kind: "webhook", url: "https://sms.example/hook", retries: 3, timeoutMs: 5000 });
  });
});
