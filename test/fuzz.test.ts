// Fuzzing derived from the contracts: generated and mutated payloads across
// every socket event and HTTP route, from every role. No crash, no HTTP 500,
// every answer a typed envelope with a known code, and the database unchanged
// by rejected input. FUZZ_PAYLOADS sets the count (default 20,000; CI: 100,000).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { clientEvents, type ClientEventName } from "@contracts/events";
import { routes } from "@contracts/http";
import { ErrorCode } from "@contracts/common";
import { startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { dbFingerprint } from "./helpers/db-state";

const TOTAL = Number(process.env.FUZZ_PAYLOADS ?? 20_000); // CI runs 100,000 (.ci/run)
let t: TestApp;
const sockets: TestSocket[] = [];
const tokens: string[] = [];

/** Mulberry32: a small seeded PRNG so a failure can be replayed from its seed. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const nasty = ["", " ", "null", "undefined", "__proto__", "constructor", "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "\u0000", "🀄️", "第一开标厅", "9".repeat(400), "-1", "1e309", "NaN", "room:x", "wall", "opening:x:company:y"];

/** An own property even for "__proto__" (as JSON.parse makes it), never a prototype change. */
const put = (o: Record<string, unknown>, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });

function randomValue(rnd: () => number, depth = 0): unknown {
  const k = Math.floor(rnd() * (depth > 2 ? 7 : 10));
  switch (k) {
    case 0: return null;
    case 1: return rnd() < 0.5;
    case 2: return [0, -1, 1, 2 ** 53, -(2 ** 31), 1.5, 0.001, 1e21, Number.MAX_SAFE_INTEGER][Math.floor(rnd() * 9)];
    case 3: return nasty[Math.floor(rnd() * nasty.length)];
    case 4: return Math.random().toString(36).repeat(1 + Math.floor(rnd() * 5));
    case 5: return Math.floor(rnd() * 1e6) - 5e5;
    case 6: return "x".repeat(Math.floor(rnd() * 3000));
    case 7: return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(rnd() * 4); i++) put(o, nasty[Math.floor(rnd() * nasty.length)]! || "k", randomValue(rnd, depth + 1));
      return o;
    }
  }
}

/** A payload shaped like the schema (its object keys) with random values, or a random value outright. */
function payloadFor(schema: z.ZodType, rnd: () => number): unknown {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape || rnd() < 0.15) return randomValue(rnd);
  const o: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) if (rnd() < 0.85) o[key] = rnd() < 0.2 ? payloadFor(shape[key]!, rnd) : randomValue(rnd, 1);
  if (rnd() < 0.2) put(o, nasty[Math.floor(rnd() * nasty.length)]! || "extra", randomValue(rnd, 1));
  return o;
}

const codes = new Set<string>(ErrorCode.options);

beforeAll(async () => {
  t = await startTestApp({ EVENT_RATE_PER_SECOND: "1000000", LOGIN_MAX_FAILURES: "1000" });
  for (const u of ["admin", "agent", "bidder", "expert", "supervisor"]) {
    const { token } = await t.login(u);
    tokens.push(token);
    sockets.push(await t.connect({ token }));
  }
  for (const code of ["K01-PJ", "K01-MW"]) sockets.push(await t.connect({ deviceKey: t.devices.find((d) => d.code === code)!.key }));
}, 60_000);
afterAll(() => t.close());

describe(`fuzzing ${TOTAL} payloads`, () => {
  it("answers every payload with a typed envelope and changes nothing", { timeout: 900_000 }, async () => {
    const before = await dbFingerprint(t.app.db, { live: false });
    const events = Object.keys(clientEvents) as ClientEventName[];
    const routeList = Object.entries(routes).filter(([name]) => name !== "logout" && name !== "login");
    const seed = Number(process.env.FUZZ_SEED ?? 20261125);
    const rnd = prng(seed);
    const seen = new Map<string, number>();
    const problems: string[] = [];
    const httpShare = 0.2;
    let sent = 0;
    const one = async (i: number) => {
      if (rnd() < httpShare) {
        const [name, r] = routeList[Math.floor(rnd() * routeList.length)]!;
        const path = r.path.replace(/:[A-Za-z]+/g, () => encodeURIComponent(Array.from(JSON.stringify(randomValue(rnd)) ?? "x").slice(0, 60).join("") || "x"));
        const token = tokens[Math.floor(rnd() * tokens.length)];
        const body = r.method === "GET" ? undefined : rnd() < 0.1 ? "{not json" : JSON.stringify(payloadFor(r.input, rnd));
        const res = await fetch(t.url + path, { method: r.method, headers: { authorization: `Bearer ${token}`, "content-type": r.body === "raw" ? "application/octet-stream" : "application/json" }, body });
        const type = res.headers.get("content-type") ?? "";
        if (res.status >= 500) problems.push(`#${i} HTTP ${res.status} on ${name}`);
        if (type.includes("json")) {
          const j = (await res.json()) as { ok: boolean; error?: { code: string } };
          const code = j.ok ? "ok" : j.error?.code ?? "??";
          seen.set(code, (seen.get(code) ?? 0) + 1);
          if (!j.ok && !codes.has(code) && !/^[A-Z][A-Z0-9_]+$/.test(code)) problems.push(`#${i} odd code ${code} on ${name}`);
        } else await res.arrayBuffer();
      } else {
        const name = events[Math.floor(rnd() * events.length)]!;
        const s = sockets[Math.floor(rnd() * sockets.length)]!;
        const payload = payloadFor(clientEvents[name].input, rnd);
        const res = (await (s.timeout(10_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<{ ok: boolean; error?: { code: string } }> }).emitWithAck(name, payload)) ?? { ok: false };
        const code = res.ok ? "ok" : res.error?.code ?? "??";
        seen.set(code, (seen.get(code) ?? 0) + 1);
        if (code === "INTERNAL" || code === "??") problems.push(`#${i} ${code} on ${name}: ${JSON.stringify(payload).slice(0, 200)}`);
      }
      sent++;
    };
    const inFlight = 64;
    for (let i = 0; i < TOTAL; i += inFlight) {
      await Promise.all(Array.from({ length: Math.min(inFlight, TOTAL - i) }, (_, j) => one(i + j)));
      if (problems.length > 20) break;
    }
    console.log(`fuzz: ${sent} payloads (seed ${seed}); answers: ${JSON.stringify(Object.fromEntries([...seen].sort((a, b) => b[1] - a[1])))}`);
    expect(problems).toEqual([]);
    expect(sent).toBe(TOTAL);
    expect(seen.get("INTERNAL") ?? 0).toBe(0);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    for (const s of sockets) expect(s.connected).toBe(true);
    expect(await dbFingerprint(t.app.db, { live: false })).toBe(before);
  });
});
