// The authorization matrix, generated from the contracts: every role and every
// device kind against every socket event and every HTTP route. The gate must
// refuse exactly the audiences a contract does not list, before any input is
// read; an admitted caller gets past the gate (to validation or the command).
// A new event or route is covered automatically, and must name its audience.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientEvents, type ClientEventName } from "@contracts/events";
import { routes } from "@contracts/http";
import type { Audience } from "@contracts/common";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { dbFingerprint } from "./helpers/db-state";

let t: TestApp;
const people = ["admin", "agent", "bidder", "expert", "supervisor"] as const;
const callers: { name: string; audience: Audience; socket?: TestSocket; token?: string }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  for (const role of people) {
    const { token } = await t.login(role === "supervisor" ? "supervisor" : role);
    callers.push({ name: role, audience: role, token, socket: await t.connect({ token }) });
  }
  for (const code of ["K01-PJ", "K01-MW"]) {
    const socket = await t.connect({ deviceKey: t.devices.find((d) => d.code === code)!.key });
    callers.push({ name: `device ${code}`, audience: "device", socket });
  }
}, 60_000);
afterAll(() => t.close());

describe("authorization matrix", () => {
  it("every event names a non-empty audience from the known set", () => {
    const known = new Set<Audience>([...people, "device", "public"]);
    for (const [name, c] of Object.entries(clientEvents)) {
      expect(c.audience.length, name).toBeGreaterThan(0);
      for (const a of c.audience) expect(known.has(a), `${name}: ${a}`).toBe(true);
    }
    for (const [name, r] of Object.entries(routes)) {
      expect(r.audience.length, name).toBeGreaterThan(0);
      for (const a of r.audience) expect(known.has(a), `${name}: ${a}`).toBe(true);
    }
  });

  it("socket events: refused (FORBIDDEN) exactly for the audiences not listed; nothing changes", async () => {
    const before = await dbFingerprint(t.app.db, { live: false });
    let pairs = 0;
    for (const name of Object.keys(clientEvents) as ClientEventName[]) {
      const contract = clientEvents[name];
      for (const c of callers) {
        // An input no schema accepts: an admitted caller must get VALIDATION_FAILED, never a gate refusal.
        const res = await call(c.socket!, name, "__not_an_object__" as never);
        const admitted = contract.audience.includes(c.audience) || contract.audience.includes("public");
        expect(res.ok, `${c.name} → ${name}`).toBe(false);
        if (!res.ok) expect(res.error.code, `${c.name} → ${name}`).toBe(admitted ? "VALIDATION_FAILED" : "FORBIDDEN");
        pairs++;
        if (pairs % 40 === 0) await new Promise((r) => setTimeout(r, 1100)); // stay under the per-socket event limit
      }
    }
    expect(pairs).toBe(Object.keys(clientEvents).length * callers.length);
    console.log(`[authz] socket events: ${Object.keys(clientEvents).length} events × ${callers.length} callers = ${pairs} pairs`);
    expect(await dbFingerprint(t.app.db, { live: false })).toBe(before);
  });

  it("HTTP routes: refused with 401/403 exactly for the audiences not listed; every route exists", async () => {
    const before = await dbFingerprint(t.app.db, { live: false });
    const withToken = callers.filter((x) => x.token).length;
    console.log(`[authz] HTTP routes: ${Object.keys(routes).length} routes × ${withToken + 1} callers (anonymous + ${withToken} roles) = ${Object.keys(routes).length * (withToken + 1)} pairs`);
    for (const [name, r] of Object.entries(routes)) {
      const path = r.path.replace(/:[A-Za-z]+/g, "no-such-id");
      const anon = await fetch(t.url + path, { method: r.method, headers: { "content-type": "application/json" }, body: r.method === "GET" ? undefined : "[]" });
      if (r.audience.includes("public")) expect(anon.status, `anonymous → ${name}`).not.toBe(401);
      else expect(anon.status, `anonymous → ${name}`).toBe(401);
      for (const c of callers.filter((x) => x.token)) {
        const res = await fetch(t.url + path, {
          method: r.method,
          headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
          body: r.method === "GET" || r.method === "DELETE" ? undefined : "[]",
        });
        const admitted = r.audience.includes(c.audience) || r.audience.includes("public");
        const body = res.headers.get("content-type")?.includes("json") ? ((await res.json()) as { ok: boolean; error?: { code: string; message: string } }) : null;
        if (!admitted) {
          expect(res.status, `${c.name} → ${name}`).toBe(403);
          expect(body?.error?.message, `${c.name} → ${name}`).toContain("may not call");
        } else {
          expect(body?.error?.message ?? "", `${c.name} → ${name}`).not.toContain("may not call");
          expect(body?.error?.message ?? "", `${c.name} → ${name}: route must exist`).not.toMatch(/^No route/);
        }
      }
    }
    expect(await dbFingerprint(t.app.db, { live: false })).toBe(before);
  });
});
