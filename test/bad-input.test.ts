// Every input from outside gets a typed error; the server stays up and the
// database is unchanged.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { dbFingerprint, settledFingerprint } from "./helpers/db-state";

let t: TestApp;
let roomId: string;
let agentToken: string;
let bidderToken: string;
let before: string;

beforeAll(async () => {
  t = await startTestApp();
  roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } })).id;
  agentToken = (await t.login("agent")).token;
  bidderToken = (await t.login("bidder")).token;
});
afterAll(() => t.close());
beforeEach(async () => {
  before = await settledFingerprint(t.app.db);
});
/** The same fingerprint without the live tables. */
async function fingerprintOf(full: string): Promise<string> {
  const { streams: _s, updates: _u, ...rest } = JSON.parse(full) as Record<string, unknown>;
  return JSON.stringify(rest);
}

/** `live: false` where a device connected by an earlier test may go silent and move the wall on meanwhile. */
async function expectUnchangedAndUp(opts: { live?: boolean } = {}) {
  expect(await dbFingerprint(t.app.db, opts)).toBe(opts.live === false ? await fingerprintOf(before) : before);
  const health = await fetch(`${t.url}/healthz`);
  expect(health.status).toBe(200);
}

describe("HTTP bad input", () => {
  it("malformed JSON → 400 MALFORMED_JSON", async () => {
    const r = await t.api("POST", `/api/rooms/${roomId}/notice`, { token: agentToken, raw: '{"notice": "x",' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ok: false, error: { code: "MALFORMED_JSON" } });
    await expectUnchangedAndUp();
  });

  it("wrong types → 400 VALIDATION_FAILED naming the field", async () => {
    const r = await t.api("POST", `/api/rooms/${roomId}/notice`, { token: agentToken, body: { notice: 42 } });
    expect(r.status).toBe(400);
    expect(r.body.ok).toBe(false);
    if (!r.body.ok) {
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
      expect(r.body.error.details?.[0]?.path).toBe("notice");
    }
    const login = await t.api("POST", "/api/auth/login", { body: ["admin", "Demo@2026"] });
    expect(login.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    await expectUnchangedAndUp();
  });

  it("a notice too long → VALIDATION_FAILED; nothing stored", async () => {
    const r = await t.api("POST", `/api/rooms/${roomId}/notice`, { token: agentToken, body: { notice: "长".repeat(501) } });
    expect(r.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    await expectUnchangedAndUp();
  });

  it("a numeric id past the database's integer range → VALIDATION_FAILED (PostgreSQL would fail the query)", async () => {
    const { token } = await t.login("admin");
    before = await settledFingerprint(t.app.db);
    for (const [method, path] of [["GET", "/api/experts/99999999999"], ["DELETE", "/api/experts/3000000000/leaves/x"], ["DELETE", "/api/experts/2147483648/relations/x"]] as const) {
      const r = await t.api(method, path, { token });
      expect(r.status, path).toBe(400);
      expect(r.body, path).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "expertId" }] } });
    }
    await expectUnchangedAndUp();
  });

  it("oversized body → 413 PAYLOAD_TOO_LARGE", async () => {
    const r = await t.api("POST", `/api/rooms/${roomId}/notice`, { token: agentToken, body: { notice: "x".repeat(200_000) } });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ ok: false, error: { code: "PAYLOAD_TOO_LARGE" } });
    await expectUnchangedAndUp();
  });

  it("unknown route → 404 NOT_FOUND envelope", async () => {
    const r = await t.api("POST", "/api/nope", { token: agentToken, body: {} });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });

  it("no token, forged token, malformed header, expired token → 401 with their codes", async () => {
    const none = await t.api("GET", "/api/rooms");
    expect(none).toMatchObject({ status: 401, body: { ok: false, error: { code: "UNAUTHENTICATED" } } });
    const forged = await t.api("GET", "/api/rooms", { token: "A".repeat(43) });
    expect(forged).toMatchObject({ status: 401, body: { ok: false, error: { code: "UNAUTHENTICATED" } } });
    const badHeader = await t.api("GET", "/api/rooms", { headers: { authorization: "Basic abc" } });
    expect(badHeader).toMatchObject({ status: 401, body: { ok: false, error: { code: "UNAUTHENTICATED" } } });

    const { token } = await t.login("supervisor");
    before = await settledFingerprint(t.app.db);
    const row = await t.app.db.authToken.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    await t.app.db.authToken.update({ where: { id: row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await t.api("GET", "/api/rooms", { token });
    expect(expired).toMatchObject({ status: 401, body: { ok: false, error: { code: "TOKEN_EXPIRED" } } });
  });

  it("a role calling another role's route → 403 FORBIDDEN; nothing changes", async () => {
    const r = await t.api("POST", `/api/rooms/${roomId}/notice`, { token: bidderToken, body: { notice: "投标人不能改公告" } });
    expect(r).toMatchObject({ status: 403, body: { ok: false, error: { code: "FORBIDDEN" } } });
    const sup = await t.login("supervisor");
    before = await settledFingerprint(t.app.db);
    const r2 = await t.api("POST", `/api/rooms/${roomId}/notice`, { token: sup.token, body: { notice: "监督只读" } });
    expect(r2).toMatchObject({ status: 403, body: { ok: false, error: { code: "FORBIDDEN" } } });
    await expectUnchangedAndUp();
  });

  it("an unknown room → 404 NOT_FOUND, no audit row", async () => {
    const r = await t.api("POST", "/api/rooms/no-such-room/notice", { token: agentToken, body: { notice: "x" } });
    expect(r).toMatchObject({ status: 404, body: { ok: false, error: { code: "NOT_FOUND" } } });
    await expectUnchangedAndUp();
  });
});

describe("Socket bad input", () => {
  let agent: TestSocket;
  let bidder: TestSocket;
  beforeAll(async () => {
    agent = await t.connect({ token: agentToken });
    bidder = await t.connect({ token: bidderToken });
  });

  it("unknown event → UNKNOWN_EVENT", async () => {
    const res = await (agent.timeout(3000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck("opening:hack", {});
    expect(res).toMatchObject({ ok: false, error: { code: "UNKNOWN_EVENT" } });
    await expectUnchangedAndUp();
  });

  it("wrong types, missing fields, non-object payloads → VALIDATION_FAILED", async () => {
    for (const payload of [{ roomId, notice: 1 }, { notice: "x" }, "a string", 12, null, [roomId, "x"]]) {
      const res = await call(agent, "room:setNotice", payload as never);
      expect(res).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    }
    await expectUnchangedAndUp();
  });

  it("oversized payload → PAYLOAD_TOO_LARGE and the socket stays usable", async () => {
    const res = await call(agent, "room:setNotice", { roomId, notice: "x".repeat(70_000) });
    expect(res).toMatchObject({ ok: false, error: { code: "PAYLOAD_TOO_LARGE" } });
    expect(agent.connected).toBe(true);
    const ok = await call(agent, "live:join", { stream: `room:${roomId}` });
    expect(ok.ok).toBe(true);
    before = await settledFingerprint(t.app.db);
    await expectUnchangedAndUp();
  });

  it("a role calling another role's event → FORBIDDEN", async () => {
    const res = await call(bidder, "room:setNotice", { roomId, notice: "越权" });
    expect(res).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const hb = await call(agent, "device:heartbeat", { uptimeS: 1, memoryMb: 1 });
    expect(hb).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const wall = await call(bidder, "live:join", { stream: "wall" });
    expect(wall).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    await expectUnchangedAndUp();
  });

  it("a device may not act as a person nor watch another room", async () => {
    const key = t.devices.find((d) => d.code === "K01-PJ")!.key;
    const dev = await t.connect({ deviceKey: key });
    const otherRoom = (await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } })).id;
    before = await settledFingerprint(t.app.db);
    expect(await call(dev, "room:setNotice", { roomId, notice: "设备不能改" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await call(dev, "live:join", { stream: `room:${otherRoom}` })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await call(dev, "live:join", { stream: "wall" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await call(dev, "live:join", { stream: "room:../../etc" })).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect(await call(dev, "live:join", { stream: "nosuch:1" })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    await expectUnchangedAndUp();
  });

  it("an event flood is rate-limited without a crash", async () => {
    const results = await Promise.all(Array.from({ length: 600 }, () => call(agent, "live:join", { stream: `room:${roomId}` })));
    const codes = results.map((r) => (r.ok ? "ok" : r.error.code));
    expect(codes).toContain("RATE_LIMITED");
    expect(codes).toContain("ok");
    await expectUnchangedAndUp({ live: false });
  });

  it("forged, expired and missing credentials are refused at connect with a typed reason", async () => {
    const reason = (auth: Record<string, unknown>) =>
      t.connect(auth).then(
        () => "connected",
        (e: Error & { data?: { code: string } }) => e.data?.code ?? e.message,
      );
    expect(await reason({ token: "A".repeat(43) })).toBe("UNAUTHENTICATED");
    expect(await reason({})).toBe("UNAUTHENTICATED");
    expect(await reason({ deviceKey: "dk_" + "x".repeat(43) })).toBe("UNAUTHENTICATED");
    expect(await reason({ token: 12 })).toBe("UNAUTHENTICATED");
    const { token } = await t.login("expert");
    await t.app.db.authToken.updateMany({ where: { user: { username: "expert" } }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await reason({ token })).toBe("TOKEN_EXPIRED");
    const dev = t.devices.find((d) => d.code === "K01-EB")!;
    await t.app.db.device.update({ where: { code: dev.code }, data: { revokedAt: new Date() } });
    expect(await reason({ deviceKey: dev.key })).toBe("DEVICE_REVOKED");
  });

  it("an event without an ack callback is ignored and the server stays up", async () => {
    (agent as unknown as { emit(e: string, p: unknown): void }).emit("room:setNotice", { roomId, notice: "无回执" });
    await new Promise((r) => setTimeout(r, 200));
    await expectUnchangedAndUp();
  });
});
