import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/app";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe("HTTP basics", () => {
  it("GET /healthz checks the database", async () => {
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", db: "ok" });
  });

  it("GET / says plainly when the client is not built, then serves the build with history fallback", async () => {
    const missing = await fetch(`${t.url}/`);
    expect(missing.status).toBe(503);
    expect(await missing.text()).toContain("npm run build");
    mkdirSync(t.config.clientDist, { recursive: true });
    writeFileSync(join(t.config.clientDist, "index.html"), "<!doctype html><title>电子开评标大厅</title>");
    writeFileSync(join(t.config.clientDist, "app.js"), "console.log(1)");
    const home = await fetch(`${t.url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("电子开评标大厅");
    expect((await fetch(`${t.url}/agent/rooms`)).status).toBe(200); // client-side route
    expect(await (await fetch(`${t.url}/app.js`)).text()).toBe("console.log(1)");
    expect((await fetch(`${t.url}/api/unknown`)).status).toBe(404); // API paths never fall back to the page
  });

  it("publishes the platform certificate and the OpenSSL key-recovery script to anyone", async () => {
    const cert = await t.api<{ certificatePem: string; caCertificatePem: string }>("GET", "/api/platform/certificate");
    expect(cert.body.ok && cert.body.data.certificatePem).toContain("BEGIN CERTIFICATE");
    const script = await fetch(`${t.url}/api/platform/recover-key.sh`);
    expect(script.headers.get("content-type")).toContain("text/plain");
    expect(await script.text()).toMatch(/^#!\/bin\/sh\n[\s\S]*openssl pkeyutl -decrypt/);
  });

  it("sends security headers", async () => {
    const res = await fetch(`${t.url}/healthz`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("lists rooms for a logged-in person and changes a notice on the record", async () => {
    const { token } = await t.login("agent");
    const rooms = await t.api<{ id: string; code: string }[]>("GET", "/api/rooms", { token });
    expect(rooms.body.ok && rooms.body.data.map((r) => r.code)).toEqual(["K01", "P01", "Y01"]);
    const id = rooms.body.ok ? rooms.body.data[0]!.id : "";
    const set = await t.api("POST", `/api/rooms/${id}/notice`, { token, body: { notice: "  请入座  " } });
    expect(set.body).toEqual({ ok: true, data: { roomId: id, notice: "请入座" } });
    expect((await t.app.db.room.findUniqueOrThrow({ where: { id } })).notice).toBe("请入座");
    expect(await t.app.db.auditEvent.count({ where: { action: "room.setNotice", target: `room:${id}` } })).toBe(1);
  });
});

describe("the demo center", () => {
  it("has an opening hall, an evaluation room with 7 terminals, an off-site room in another city with 3, and one user per role", async () => {
    const rooms = await t.app.db.room.findMany({ include: { devices: true }, orderBy: { code: "asc" } });
    const kinds = (code: string) => rooms.find((r) => r.code === code)!.devices.map((d) => d.kind).sort();
    expect(kinds("K01")).toEqual(["bidder-terminal", "bidder-terminal", "entrance-board", "monitoring-wall", "projector"]);
    expect(kinds("P01")).toEqual(Array(7).fill("expert-terminal"));
    expect(kinds("Y01")).toEqual(Array(3).fill("expert-terminal"));
    const remote = rooms.find((r) => r.code === "Y01")!;
    expect(remote.kind).toBe("remote-evaluation");
    expect(remote.city).not.toBe(rooms.find((r) => r.code === "K01")!.city);
    const roles = [...new Set((await t.app.db.user.findMany()).map((u) => u.role))].sort();
    expect(roles).toEqual(["admin", "agent", "bidder", "expert", "supervisor"]);
    // Three supervisors hold the 2-of-3 escrow shares; three bidder companies can run a demo opening.
    expect(await t.app.db.user.count({ where: { role: "supervisor" } })).toBe(3);
    expect(await t.app.db.company.count()).toBe(3);
  });
});
