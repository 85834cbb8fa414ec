// Hall devices as managed, live clients: registry and keys, presence and
// health on the wall, remote commands with acknowledgement, screens that
// switch to a session by themselves, and bad input from devices.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BoardState, RoomScreenState, WallState } from "@contracts/rooms";
import type { DeviceChannelState } from "@contracts/devices";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { createLot, passDeadline } from "./helpers/opening";

let t: TestApp;
let admin: { token: string; socket: TestSocket };
let roomId: string;
beforeAll(async () => {
  t = await startTestApp({ DEVICE_SILENCE_MS: "1500" });
  const a = await t.login("admin");
  admin = { token: a.token, socket: await t.connect({ token: a.token }) };
  roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } })).id;
});
afterAll(() => t.close());

const key = (code: string) => t.devices.find((d) => d.code === code)!.key;
const deviceId = async (code: string) => (await t.app.db.device.findUniqueOrThrow({ where: { code } })).id;

describe("device registry", () => {
  it("an admin adds a device (key shown once), rotates its key and revokes it; old keys and sockets stop working", async () => {
    const created = await t.api<{ device: { id: string }; key: string }>("POST", "/api/devices", {
      token: admin.token,
      body: { roomId, kind: "bidder-terminal", code: "K01-BT9", name: "投标人终端 9" },
    });
    if (!created.body.ok) throw new Error(JSON.stringify(created.body));
    const { device, key: k1 } = created.body.data;
    const s1 = await t.connect({ deviceKey: k1 });
    expect((await call(s1, "device:whoami", {})).ok).toBe(true);
    let told = "";
    s1.on("auth:expired", (e) => (told = e.reason));
    const rotated = await t.api<{ key: string }>("POST", `/api/devices/${device.id}/rotate-key`, { token: admin.token, body: {} });
    if (!rotated.body.ok) throw new Error("rotate");
    await until(() => !s1.connected && told === "device key rotated", 3000, "old socket dropped");
    await expect(t.connect({ deviceKey: k1 })).rejects.toMatchObject({ data: { code: "UNAUTHENTICATED" } });
    const s2 = await t.connect({ deviceKey: rotated.body.data.key });
    const revoked = await t.api("POST", `/api/devices/${device.id}/revoke`, { token: admin.token, body: {} });
    expect(revoked.body).toMatchObject({ ok: true, data: { revoked: true } });
    await until(() => !s2.connected, 3000, "revoked socket dropped");
    await expect(t.connect({ deviceKey: rotated.body.data.key })).rejects.toMatchObject({ data: { code: "DEVICE_REVOKED" } });
    const audit = await t.app.db.auditEvent.findMany({ where: { target: `device:${device.id}` } });
    expect(audit.map((a) => a.action)).toEqual(["device.create", "device.rotateKey", "device.revoke"]);
  });

  it("refuses bad device input with typed errors: duplicate code, unknown room, a non-admin", async () => {
    const dup = await t.api("POST", "/api/devices", { token: admin.token, body: { roomId, kind: "projector", code: "K01-PJ", name: "x" } });
    expect(dup.body).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    const room = await t.api("POST", "/api/devices", { token: admin.token, body: { roomId: "nope", kind: "projector", code: "ZZ-1", name: "x" } });
    expect(room.body).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    const bad = await t.api("POST", "/api/devices", { token: admin.token, body: { roomId, kind: "toaster", code: "a b", name: "" } });
    expect(bad.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    const sup = await t.login("supervisor");
    const r = await t.api("POST", "/api/devices", { token: sup.token, body: { roomId, kind: "projector", code: "ZZ-2", name: "x" } });
    expect(r.status).toBe(403);
    expect((await t.api("GET", "/api/devices", { token: sup.token })).body.ok).toBe(true);
  });
});

describe("presence, health and alerts on the wall", () => {
  it("shows a device online, its health, a projector fault, and offline within the silence limit", async () => {
    const wallSock = await t.connect({ deviceKey: key("K01-MW") });
    const wall = new LiveStreamClient<WallState>(wallSock, "wall").start();
    const pj = await t.connect({ deviceKey: key("K01-PJ") });
    const pjId = await deviceId("K01-PJ");
    const dev = () => wall.state?.rooms.flatMap((r) => r.devices).find((d) => d.id === pjId);
    await until(() => dev()?.online === true, 3000, "projector online");
    const health = {
      uptimeS: 100,
      memoryMb: 180,
      rttMs: 12,
      version: "agent-1.0",
      projector: { reachable: true, power: "on", input: "31", lampHours: 1200, errors: { fan: "ok", lamp: "warning", temperature: "ok", cover: "ok", filter: "ok", other: "ok" }, problem: null },
    } as const;
    expect((await call(pj, "device:heartbeat", health)).ok).toBe(true);
    await until(() => dev()?.health?.version === "agent-1.0", 3000, "health on the wall");
    await until(() => wall.state!.alerts.some((a) => a.id === `projector-fault:${pjId}`), 3000, "projector alert");
    // The screen on the same key heartbeats without projector status: the agent's report stays.
    expect((await call(pj, "device:heartbeat", { uptimeS: 5, memoryMb: 90 })).ok).toBe(true);
    expect(t.app.ctx.presence.get(pjId)?.health?.projector?.lampHours).toBe(1200);
    // Silence: the socket stays open but nothing is heard → offline within the limit (1.5 s here, 10 s by default).
    const heardAt = Date.now();
    await until(() => dev()?.online === false, 5000, "silent device offline");
    expect(Date.now() - heardAt).toBeLessThan(4000);
    pj.disconnect();
    wall.stop();
  });

  it("raises a device-offline alert when a device of a room with a live session drops", async () => {
    const agent = await t.login("agent");
    const project = await createLot(t, agent.token);
    const lotId = project.lots[0]!.id;
    await passDeadline(t, lotId);
    const agentSock = await t.connect({ token: agent.token });
    const eb = await t.connect({ deviceKey: key("K01-EB") });
    const sup = await t.login("supervisor");
    const supSock = await t.connect({ token: sup.token });
    const wall = new LiveStreamClient<WallState>(supSock, "wall").start();
    const board = new LiveStreamClient<BoardState>(eb, "board").start();
    expect((await call(agentSock, "opening:open", { lotId })).ok).toBe(true);
    await until(() => wall.state?.rooms.find((r) => r.id === roomId)?.session?.stage === "signin", 3000, "stage on the wall");
    await until(() => board.state?.sessions.find((s) => s.lotId === lotId)?.state === "signin", 3000, "state on the board");
    const ebId = await deviceId("K01-EB");
    eb.disconnect();
    const dropped = Date.now();
    await until(() => wall.state!.alerts.some((a) => a.id === `device-offline:${ebId}`), 10_000, "offline alert");
    expect(Date.now() - dropped).toBeLessThan(10_000);
    // Close out the session so the room is free for the next test.
    await t.app.db.openingSession.update({ where: { lotId }, data: { stage: "closed" } });
    t.app.ctx.events.emit("opening.changed", { lotId, roomId });
    wall.stop();
    board.stop();
  });
});

describe("remote commands", () => {
  it("reaches the device and returns its acknowledgement", async () => {
    const pj = await t.connect({ deviceKey: key("K01-PJ") });
    pj.on("device:command", (msg, ack) => ack({ commandId: msg.commandId, ok: true, detail: `done ${msg.command.kind}` }));
    const id = await deviceId("K01-PJ");
    const res = await call(admin.socket, "device:sendCommand", { deviceId: id, command: { kind: "projector-power", on: true } });
    expect(res).toMatchObject({ ok: true, data: { ok: true, detail: "done projector-power" } });
    expect(await t.app.db.auditEvent.count({ where: { action: "device.command", target: `device:${id}` } })).toBe(1);
    pj.disconnect();
  });

  it("with an agent and a screen on one key, the socket that can carry the command out answers", async () => {
    const screen = await t.connect({ deviceKey: key("K01-PJ") });
    screen.on("device:command", (msg, ack) => ack({ commandId: msg.commandId, ok: false, error: { code: "UNSUPPORTED", message: "a screen cannot switch a projector" } }));
    const agent = await t.connect({ deviceKey: key("K01-PJ") });
    agent.on("device:command", (msg, ack) => setTimeout(() => ack({ commandId: msg.commandId, ok: true, detail: "POWR 1 OK" }), 100));
    const id = await deviceId("K01-PJ");
    expect(await call(admin.socket, "device:sendCommand", { deviceId: id, command: { kind: "projector-power", on: true } })).toMatchObject({
      ok: true,
      data: { ok: true, detail: "POWR 1 OK" },
    });
    agent.disconnect();
    expect(await call(admin.socket, "device:sendCommand", { deviceId: id, command: { kind: "projector-power", on: true } })).toMatchObject({
      ok: true,
      data: { ok: false, detail: "a screen cannot switch a projector", errorCode: "UNSUPPORTED" },
    });
    screen.disconnect();
  });

  it("a malformed acknowledgement, silence, an offline device and a bad command are typed errors", async () => {
    const id = await deviceId("K01-BT1");
    expect(await call(admin.socket, "device:sendCommand", { deviceId: id, command: { kind: "reload" } })).toMatchObject({ ok: false, error: { code: "DEVICE_OFFLINE" } });
    const bt = await t.connect({ deviceKey: key("K01-BT1") });
    await until(() => t.app.ctx.presence.isOnline(id), 2000, "online");
    (bt as unknown as { on(e: string, f: (m: unknown, ack: (x: unknown) => void) => void): void }).on("device:command", (_m, ack) => ack({ weird: true }));
    expect(await call(admin.socket, "device:sendCommand", { deviceId: id, command: { kind: "reload" } })).toMatchObject({ ok: false, error: { code: "MALFORMED_ACK" } });
    bt.disconnect();
    const bt2 = await t.connect({ deviceKey: key("K01-BT2") });
    bt2.on("device:command", () => undefined); // never answers
    const id2 = await deviceId("K01-BT2");
    await until(() => t.app.ctx.presence.isOnline(id2), 2000, "online");
    expect(await call(admin.socket, "device:sendCommand", { deviceId: id2, command: { kind: "identify", seconds: 3 }, timeoutMs: 600 })).toMatchObject({
      ok: false,
      error: { code: "DEVICE_TIMEOUT" },
    });
    expect(await call(admin.socket, "device:sendCommand", { deviceId: id2, command: { kind: "projector-input", input: "99x" } as never })).toMatchObject({
      ok: false,
      error: { code: "VALIDATION_FAILED" },
    });
    const sup = await t.connect({ token: (await t.login("supervisor")).token });
    expect(await call(sup, "device:sendCommand", { deviceId: id2, command: { kind: "reload" } })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    bt2.disconnect();
  });
});

describe("screens follow the server", () => {
  it("a device's channel names its view; a restarted device resyncs to the current state", async () => {
    const s = await t.connect({ deviceKey: key("K01-PJ") });
    const me = await call(s, "device:whoami", {});
    if (!me.ok) throw new Error("whoami");
    const ch = new LiveStreamClient<DeviceChannelState>(s, `device:${me.data.id}`).start();
    await until(() => ch.state?.view.stream === `room:${roomId}`, 3000, "projector shows its room");
    const room = new LiveStreamClient<RoomScreenState>(s, `room:${roomId}`).start();
    await until(() => room.version > 0, 3000, "room");
    s.disconnect(); // killed
    const agent = await t.connect({ token: (await t.login("agent")).token });
    expect((await call(agent, "room:setNotice", { roomId, notice: "设备重启期间的公告" })).ok).toBe(true);
    const again = await t.connect({ deviceKey: key("K01-PJ") }); // restarted: a new process, a fresh client
    const room2 = new LiveStreamClient<RoomScreenState>(again, `room:${roomId}`).start();
    await until(() => room2.state?.room.notice === "设备重启期间的公告", 3000, "resynced");
    expect(room2.version).toBe(t.app.ctx.hub.versionOf(`room:${roomId}`));
    const board = await t.connect({ deviceKey: key("K01-EB") });
    const bme = await call(board, "device:whoami", {});
    if (!bme.ok) throw new Error("whoami");
    const bch = new LiveStreamClient<DeviceChannelState>(board, `device:${bme.data.id}`).start();
    await until(() => bch.state?.view.kind === "board", 3000, "entrance board shows the board");
    for (const c of [ch, room, room2, bch]) c.stop();
  });

  it("show-view is the server's: the device channel names the new view and the screen follows, even set while offline", async () => {
    const id = await deviceId("K01-BT2");
    const set = await call(admin.socket, "device:sendCommand", { deviceId: id, command: { kind: "show-view", view: "board" } });
    expect(set).toMatchObject({ ok: true, data: { ok: true } });
    const s = await t.connect({ deviceKey: key("K01-BT2") });
    const ch = new LiveStreamClient<DeviceChannelState>(s, `device:${id}`).start();
    await until(() => ch.state?.view.kind === "board", 3000, "board view");
    expect((await call(s, "live:join", { stream: "board" })).ok).toBe(true);
    expect(await call(s, "live:join", { stream: "wall" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect((await call(admin.socket, "device:sendCommand", { deviceId: id, command: { kind: "show-view", view: "wall" } })).ok).toBe(true);
    await until(() => ch.state?.view.kind === "wall", 3000, "wall view");
    expect((await call(s, "live:join", { stream: "wall" })).ok).toBe(true);
    expect((await call(admin.socket, "device:sendCommand", { deviceId: id, command: { kind: "show-view", view: "room" } })).ok).toBe(true);
    await until(() => ch.state?.view.kind === "room", 3000, "room view");
    ch.stop();
    s.disconnect();
  });

  it("a heartbeat flood is rate-limited without a crash", async () => {
    const s = await t.connect({ deviceKey: key("K01-BT1") });
    const results = await Promise.all(Array.from({ length: 600 }, () => call(s, "device:heartbeat", { uptimeS: 1, memoryMb: 1 })));
    const codes = new Set(results.map((r) => (r.ok ? "ok" : r.error.code)));
    expect(codes).toEqual(new Set(["ok", "RATE_LIMITED"]));
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(await call(s, "device:heartbeat", { uptimeS: -1, memoryMb: "x" } as never)).toMatchObject({ ok: false });
  });
});
