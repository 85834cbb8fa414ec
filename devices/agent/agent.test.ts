// The device agent against a real server (port 0) and a real PJLink peer:
// connect, heartbeats, remote commands, revoked key, restart and resync.
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DeviceHealth } from "@contracts/devices";
import type { RoomScreenState } from "@contracts/rooms";
import { call, startTestApp, until, untilStream, type TestApp } from "../../test/helpers/app";
import { PjlinkPeer } from "../pjlink/peer";
import { displayUrl } from "../shared/wire";
import { createAgent, type Agent, type AgentOptions } from "./agent";
import { RecordingKiosk } from "./kiosk";

let t: TestApp;
let peer: PjlinkPeer;
let roomId: string;
const agents: Agent[] = [];

beforeAll(async () => {
  t = await startTestApp();
  peer = new PjlinkPeer({ warmupMs: 300, cooldownMs: 300, lampHours: 512 });
  await peer.listen(0);
  roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } })).id;
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await peer.close();
  await t.close();
});

const keyOf = (code: string) => t.devices.find((d) => d.code === code)!.key;
const idOf = async (code: string) => (await t.app.db.device.findUniqueOrThrow({ where: { code } })).id;

function agent(code: string, extra: Partial<AgentOptions> = {}): Agent {
  const a = createAgent({
    url: t.url,
    key: keyOf(code),
    heartbeatMs: 200,
    projectorPollMs: 200,
    requestTimeoutMs: 3000,
    socket: { reconnectionDelayMs: 100, reconnectionDelayMaxMs: 500 },
    ...extra,
  });
  agents.push(a);
  a.start();
  return a;
}

describe("device agent", () => {
  it("connects with the projector key, follows its streams, opens the kiosk and heartbeats with the projector status", async () => {
    const spy = vi.spyOn(t.app.ctx.presence, "heartbeat");
    const kiosk = new RecordingKiosk();
    const a = agent("K01-PJ", { kiosk, pjlink: { host: "127.0.0.1", port: peer.port, answerTimeoutMs: 500 } });
    await until(() => a.state().heartbeats.acked >= 2, 5000, "two heartbeats acked");
    const s = a.state();
    expect(s.phase).toBe("online");
    expect(s.self).toMatchObject({ code: "K01-PJ", kind: "projector", room: { id: roomId } });
    expect(s.heartbeats.lastServerTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.heartbeats.lastRttMs).toBeGreaterThanOrEqual(0);
    await until(() => (a.state().channel?.version ?? 0) > 0 && (a.state().room?.version ?? 0) > 0, 5000, "streams joined");
    expect(a.state().view).toEqual({ kind: "room", stream: `room:${roomId}` });
    expect(kiosk.calls).toEqual([{ op: "open", arg: displayUrl(t.url, keyOf("K01-PJ")) }]);
    expect(kiosk.url).toBe(`${t.url}/screen#key=${keyOf("K01-PJ")}`);

    const id = await idOf("K01-PJ");
    const calls = spy.mock.calls.filter(([deviceId]) => deviceId === id);
    const last = calls.at(-1)?.[1] as DeviceHealth | undefined;
    expect(last).toMatchObject({ version: "hall-agent/0.1.0", projector: { reachable: true, power: "off", lampHours: 512, problem: null } });
    expect(last!.uptimeS).toBeGreaterThanOrEqual(0);
    expect(last!.memoryMb).toBeGreaterThan(1);
    expect(calls.some(([, h]) => typeof h.rttMs === "number")).toBe(true); // measured from the previous heartbeat's ack
    spy.mockRestore();
  });

  it("carries out commands sent by an admin and always acks with the same commandId", async () => {
    const a = agents[0]!;
    const id = await idOf("K01-PJ");
    const admin = await t.connect({ token: (await t.login("admin")).token });

    const on = await call(admin, "device:sendCommand", { deviceId: id, command: { kind: "projector-power", on: true } });
    expect(on).toMatchObject({ ok: true, data: { deviceId: id, ok: true, detail: expect.stringContaining("POWR 1 OK") } });
    expect([1, 3]).toContain(peer.state.power);

    // Switching input while the projector warms up: the projector says ERR3, the ack says why.
    const early = await call(admin, "device:sendCommand", { deviceId: id, command: { kind: "projector-input", input: "31" } });
    expect(early).toMatchObject({ ok: true, data: { ok: false, detail: expect.stringMatching(/ERR3/) } });
    expect(a.state().commands.last?.error?.code).toBe("PJLINK_ERR3");
    await until(() => peer.state.power === 1, 3000, "projector on");
    const input = await call(admin, "device:sendCommand", { deviceId: id, command: { kind: "projector-input", input: "31" } });
    expect(input).toMatchObject({ ok: true, data: { ok: true } });
    expect(peer.state.input).toBe("31");
    await until(() => a.state().projector?.power === "on" && a.state().projector?.input === "31", 3000, "status refreshed");

    // show-view is the server's: it sets the device channel's view (the agent follows the channel).
    const view = await call(admin, "device:sendCommand", { deviceId: id, command: { kind: "show-view", view: "idle" } });
    expect(view).toMatchObject({ ok: true, data: { ok: true, detail: "view set to idle on the device channel" } });
    expect((await call(admin, "device:sendCommand", { deviceId: id, command: { kind: "show-view", view: "room" } })).ok).toBe(true);
    // Kiosk commands reach the kiosk driver.
    const ident = await call(admin, "device:sendCommand", { deviceId: id, command: { kind: "identify", seconds: 5 } });
    expect(ident).toMatchObject({ ok: true, data: { ok: true } });

    // Malformed and unknown commands straight from the server side: still acked, with a code.
    const raw = (msg: unknown) => t.app.io.to(`dev:${id}`).timeout(3000).emitWithAck("device:command", msg as never);
    expect(await raw({ commandId: "c-unknown", command: { kind: "self-destruct" } })).toEqual([
      { commandId: "c-unknown", ok: false, error: { code: "UNKNOWN_COMMAND", message: expect.any(String) } },
    ]);
    expect(await raw({ commandId: "c-bad", command: { kind: "projector-input", input: "99" } })).toEqual([
      { commandId: "c-bad", ok: false, error: { code: "BAD_COMMAND", message: expect.stringContaining("input") } },
    ]);

    // A projector that stops answering: the command fails with a PJLink code, the agent lives on.
    peer.fault = "hang";
    const hung = await raw({ commandId: "c-hang", command: { kind: "projector-power", on: false } });
    expect(hung).toEqual([{ commandId: "c-hang", ok: false, error: { code: "PJLINK_TIMEOUT", message: expect.any(String) } }]);
    await until(() => a.state().projector?.reachable === false, 5000, "unreachable reported");
    expect(a.state().projector?.problem).toMatch(/^PJLINK_TIMEOUT/);
    peer.fault = null;
    await until(() => a.state().projector?.reachable === true, 3000, "reachable again");
    expect(a.state().phase).toBe("online");
  });

  it("an agent without a projector or kiosk says so in the ack", async () => {
    const a = agent("K01-BT1");
    await until(() => a.state().self !== null, 5000, "whoami");
    const admin = await t.connect({ token: (await t.login("admin")).token });
    const id = await idOf("K01-BT1");
    const res = await call(admin, "device:sendCommand", { deviceId: id, command: { kind: "projector-power", on: true } });
    expect(res).toMatchObject({ ok: true, data: { ok: false, detail: expect.stringContaining("no projector") } });
    const reload = await call(admin, "device:sendCommand", { deviceId: id, command: { kind: "reload" } });
    expect(reload).toMatchObject({ ok: true, data: { ok: false, detail: expect.stringContaining("kiosk") } });
    expect(a.state().commands).toMatchObject({ handled: 2, failed: 2 });
    await a.stop();
  });

  it("stopped and started again, an agent resyncs to the room stream's current version", async () => {
    const first = agent("K01-EB");
    await until(() => (first.state().room?.version ?? 0) > 0, 5000, "room joined");
    expect(first.state().room!.version).toBe(t.app.ctx.hub.versionOf(`room:${roomId}`));
    const before = first.state().room!.version;
    await first.stop();
    expect(first.state().phase).toBe("stopped");
    expect(await first.done).toEqual({ reason: "stopped" });

    const staff = await t.connect({ token: (await t.login("agent")).token });
    expect((await call(staff, "room:setNotice", { roomId, notice: "开标即将开始" })).ok).toBe(true);
    expect((await call(staff, "room:setNotice", { roomId, notice: "请关闭手机" })).ok).toBe(true);
    // The live update follows the ack (a few round trips later on PostgreSQL; two close together may coalesce into one version).
    const current = await untilStream<RoomScreenState>(t, `room:${roomId}`, (st) => st.room.notice === "请关闭手机");
    expect(current).toBeGreaterThan(before);

    const second = agent("K01-EB");
    await until(() => second.state().room?.version === current, 5000, "resynced");
    expect(second.state().room?.notice).toBe("请关闭手机");

    // A network drop while the notice changes again: the agent catches up by itself.
    const id = await idOf("K01-EB");
    for (const s of t.app.io.sockets.sockets.values()) if (s.rooms.has(`dev:${id}`)) s.conn.close(); // the transport dies, no goodbye
    await until(() => second.state().phase === "offline", 3000, "dropped");
    expect((await call(staff, "room:setNotice", { roomId, notice: "开标开始" })).ok).toBe(true);
    await until(() => second.state().room?.version === current + 1 && second.state().phase === "online", 5000, "caught up");
    expect(second.state().reconnects).toBeGreaterThanOrEqual(1);
    expect(second.state().room?.notice).toBe("开标开始");
    await second.stop();
  });

  it("a revoked key stops the agent with a clear message", async () => {
    const kiosk = new RecordingKiosk();
    const logs: string[] = [];
    const a = agent("K01-BT2", { kiosk, log: (_l, m) => logs.push(m) });
    await until(() => a.state().self !== null, 5000, "online");
    const id = await idOf("K01-BT2");
    const { token } = await t.login("admin");
    // Revoking drops the device's sockets; the agent tries again and is refused.
    expect((await t.api("POST", `/api/devices/${id}/revoke`, { token, body: {} })).body).toMatchObject({ ok: true });
    const exit = await a.done;
    expect(exit).toMatchObject({ reason: "fatal", code: "DEVICE_REVOKED" });
    if (exit.reason === "fatal") expect(exit.message).toMatch(/refused this device key .*revoked.*not retrying/);
    expect(a.state()).toMatchObject({ phase: "fatal", fatal: { code: "DEVICE_REVOKED" } });
    expect(logs.some((m) => m.includes("DEVICE_REVOKED"))).toBe(true);
    expect(logs.some((m) => m.startsWith("the server dropped this device"))).toBe(true);
    expect(kiosk.calls.at(-1)).toEqual({ op: "close" });
  });

  it("the CLI exits with code 3 and a readable message for an unknown key", async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = execFile(
        process.execPath,
        ["--import", "tsx", "devices/agent/cli.ts", "--url", t.url, "--heartbeat-ms", "500"],
        { env: { ...process.env, HALL_DEVICE_KEY: `dk_${"x".repeat(43)}` }, timeout: 20_000 },
        (_err, _stdout, stderr) => resolve({ code: p.exitCode, stderr }),
      );
    });
    expect(stderr).toMatch(/UNAUTHENTICATED: Unknown device key/);
    expect(code).toBe(3);
  });
});
