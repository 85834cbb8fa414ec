import { Writable } from "node:stream";
import { createLogger } from "../server/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startTestApp, until, type TestApp } from "./helpers/app";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LOGIN_MAX_FAILURES: "3", LOGIN_BLOCK_SECONDS: "60" });
});
afterAll(() => t.close());

describe("authentication", () => {
  it("stores passwords as slow scrypt hashes and tokens only as digests", async () => {
    const user = await t.app.db.user.findUniqueOrThrow({ where: { username: "admin" } });
    expect(user.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    const { token } = await t.login("admin");
    const rows = await t.app.db.authToken.findMany();
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("wrong password → INVALID_CREDENTIALS; repeated failures are throttled even with the right password", async () => {
    const bad = await t.api("POST", "/api/auth/login", { body: { username: "agent", password: "wrong" } });
    expect(bad).toMatchObject({ status: 401, body: { ok: false, error: { code: "INVALID_CREDENTIALS" } } });
    const unknown = await t.api("POST", "/api/auth/login", { body: { username: "nobody", password: "x" } });
    expect(unknown.body).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
    await t.api("POST", "/api/auth/login", { body: { username: "agent", password: "wrong" } });
    await t.api("POST", "/api/auth/login", { body: { username: "agent", password: "wrong" } });
    const blocked = await t.api("POST", "/api/auth/login", { body: { username: "agent", password: "Demo@2026" } });
    expect(blocked).toMatchObject({ status: 429, body: { ok: false, error: { code: "RATE_LIMITED" } } });
    // Another user from the same address is not blocked.
    expect((await t.login("supervisor")).user.role).toBe("supervisor");
  });

  it("logout revokes the token for HTTP and sockets; an open socket is refused afterwards", async () => {
    const { token } = await t.login("expert");
    const s = await t.connect({ token });
    let told = false;
    s.on("auth:expired", () => (told = true));
    const out = await t.api("POST", "/api/auth/logout", { token, body: {} });
    await until(() => told && !s.connected, 3000, "open socket dropped at logout");
    expect(out.body).toEqual({ ok: true, data: { loggedOut: true } });
    expect((await t.api("GET", "/api/auth/me", { token })).status).toBe(401);
    await expect(t.connect({ token })).rejects.toMatchObject({ data: { code: "UNAUTHENTICATED" } });
    s.disconnect();
  });

  it("a token is bound to the role it was issued for", async () => {
    const { token } = await t.login("bidder");
    expect((await t.api("GET", "/api/auth/me", { token })).body).toMatchObject({ ok: true, data: { role: "bidder", companyName: "华建集团有限公司" } });
    await t.app.db.user.update({ where: { username: "bidder" }, data: { role: "agent" } });
    expect((await t.api("GET", "/api/auth/me", { token })).status).toBe(401);
    await t.app.db.user.update({ where: { username: "bidder" }, data: { role: "bidder" } });
  });

  it("a socket is told and dropped when its token expires", async () => {
    const { token } = await t.login("supervisor");
    await t.app.db.authToken.updateMany({ where: { user: { username: "supervisor" } }, data: { expiresAt: new Date(Date.now() + 1500) } });
    const s = await t.connect({ token });
    let expired = false;
    s.on("auth:expired", () => (expired = true));
    expect((await call(s, "live:join", { stream: "wall" })).ok).toBe(true);
    await until(() => expired && !s.connected, 5000, "expiry");
  });
});

describe("logs", () => {
  it("never contain a password, token or device key", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ env: "test", log: { level: "trace", pretty: false } }, sink);
    const { startTestApp: start } = await import("./helpers/app");
    const t2 = await start();
    // Re-create on the same database with the capturing logger.
    await t2.app.close();
    const { createApp } = await import("../server/app");
    const app = await createApp(t2.config, { logger: log });
    await new Promise<void>((r) => app.http.listen(0, "127.0.0.1", r));
    const port = (app.http.address() as { port: number }).port;
    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "Demo@2026" }),
    });
    const { data } = (await login.json()) as { data: { token: string } };
    await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "Secret-Wrong-1" }),
    });
    await fetch(`${base}/api/rooms`, { headers: { authorization: `Bearer ${data.token}` } });
    log.info({ password: "Demo@2026", token: data.token, deviceKey: t2.devices[0]!.key }, "redaction probe");
    await app.close();
    const all = lines.join("");
    expect(all).toContain("redaction probe");
    for (const secret of ["Demo@2026", "Secret-Wrong-1", data.token, t2.devices[0]!.key]) expect(all).not.toContain(secret);
  });
});
