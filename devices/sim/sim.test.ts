// The simulator against a real server: 50 virtual devices in K01 all reach
// the room stream's final version after an agent sets the notice twice.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomScreenState } from "@contracts/rooms";
import { call, startTestApp, until, untilStream, type TestApp } from "../../test/helpers/app";
import { canCreateDevices } from "./keys";
import { formatStats, startSimulator, type Simulator } from "./simulator";

let t: TestApp;
let roomId: string;
const sims: Simulator[] = [];
beforeAll(async () => {
  t = await startTestApp();
  roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } })).id;
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await t.close();
});

describe("device simulator", () => {
  it("50 virtual devices on the demo keys file all reach the room's final version", async () => {
    const keysFile = join(t.dir, "demo-devices.json");
    writeFileSync(keysFile, JSON.stringify(t.devices));
    const sim = await startSimulator({ url: t.url, room: "K01", count: 50, keysFile, heartbeatMs: 300 });
    sims.push(sim);
    expect(sim.keys).toMatchObject({ source: "file", distinct: 5 }); // K01-PJ, EB, BT1, BT2, MW, each shared by 10
    await until(() => {
      const s = sim.stats();
      return s.connected === 50 && s.roomVersion !== null && sim.devices.every((d) => (d.room?.version ?? 0) > 0 && (d.channel?.version ?? 0) > 0);
    }, 15_000, "all 50 joined");

    const staff = await t.connect({ token: (await t.login("agent")).token });
    expect((await call(staff, "room:setNotice", { roomId, notice: "开标即将开始，请投标人签到" })).ok).toBe(true);
    expect((await call(staff, "room:setNotice", { roomId, notice: "请保持安静" })).ok).toBe(true);
    // The live update follows the ack (a few round trips later on PostgreSQL): the version that carries the last notice.
    const final = await untilStream<RoomScreenState>(t, `room:${roomId}`, (st) => st.room.notice === "请保持安静");

    await until(() => {
      const r = sim.stats().roomVersion;
      return r?.min === final && r.max === final;
    }, 10_000, `every device at v${final}`);
    expect(sim.devices.every((d) => d.room?.state?.room.notice === "请保持安静")).toBe(true);
    await until(() => sim.stats().heartbeats.acked >= 50, 5000, "heartbeats");
    const s = sim.stats();
    expect(s).toMatchObject({ devices: 50, connected: 50, identified: 50, reconnects: 0, refused: 0, errors: 0 });
    expect(s.updates).toBeGreaterThanOrEqual(100); // two notices × 50 devices, at least
    expect(formatStats(s, 3)).toContain(`connected 50/50  room v${final}`);

    // A command reaches the virtual devices sharing a key and is acknowledged.
    const admin = await t.connect({ token: (await t.login("admin")).token });
    const pj = await t.app.db.device.findUniqueOrThrow({ where: { code: "K01-PJ" } });
    const res = await call(admin, "device:sendCommand", { deviceId: pj.id, command: { kind: "identify", seconds: 3 } });
    expect(res).toMatchObject({ ok: true, data: { ok: true, detail: "simulated identify" } });

    await sim.stop();
    await until(() => sim.stats().connected === 0, 3000, "all disconnected");
  });

  it("with admin credentials it creates its devices through the API, shares them, and revokes them at the end", async () => {
    expect(canCreateDevices()).toBe(true);
    const sim = await startSimulator({
      url: t.url,
      room: "K01",
      count: 6,
      distinct: 3,
      kinds: ["entrance-board"],
      admin: { username: "admin", password: "Demo@2026" },
      heartbeatMs: 300,
    });
    sims.push(sim);
    expect(sim.keys).toMatchObject({ source: "created", distinct: 3 });
    const codes = [...new Set(sim.keys.keys.map((k) => k.code))];
    expect(codes).toHaveLength(3);
    expect(codes.every((c) => /^K01-SIM-[a-z0-9]+-\d$/.test(c))).toBe(true);
    await until(() => sim.stats().identified === 6 && sim.stats().roomVersion !== null, 10_000, "created devices online");
    expect(sim.devices.every((d) => d.self?.kind === "entrance-board")).toBe(true);
    await sim.stop();
    const rows = await t.app.db.device.findMany({ where: { code: { in: codes } } });
    expect(rows.every((r) => r.revokedAt !== null)).toBe(true);
  });

  it("a refused key keeps its virtual device down and is counted", async () => {
    const sim = await startSimulator({ url: t.url, room: "K01", count: 2, keys: [{ key: `dk_${"z".repeat(43)}`, code: "K01-X", kind: "projector" }] });
    sims.push(sim);
    await until(() => sim.stats().refused === 2, 5000, "refused");
    expect(sim.stats().connected).toBe(0);
    await sim.stop();
  });
});
