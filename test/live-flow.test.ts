// A fresh app on port 0: every role logs in and connects; clients join a
// room's live stream, an agent acts, a second client sees the update, and a
// client that was disconnected during the action catches up on reconnect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomScreenState } from "@contracts/rooms";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp } from "./helpers/app";

let t: TestApp;
let roomId: string;
beforeAll(async () => {
  t = await startTestApp();
  roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } })).id;
});
afterAll(() => t.close());

describe("live flow over real sockets", () => {
  it("every role logs in, connects and receives the room snapshot", async () => {
    for (const username of ["admin", "agent", "bidder", "expert", "supervisor"]) {
      const { token, user } = await t.login(username);
      expect(user.username).toBe(username);
      const s = await t.connect({ token });
      const res = await call(s, "live:join", { stream: `room:${roomId}` });
      expect(res.ok).toBe(true);
      if (res.ok && res.data.mode === "snapshot") {
        const state = res.data.snapshot.state as RoomScreenState;
        expect(state.room.name).toBe("第一开标厅");
        expect(res.data.snapshot.version).toBeGreaterThanOrEqual(1);
      } else throw new Error("expected a snapshot");
      s.disconnect();
    }
  });

  it("an action reaches a second client; a dropped client catches up on reconnect", async () => {
    const agent = await t.login("agent");
    const viewer = await t.login("supervisor");
    const projectorKey = t.devices.find((d) => d.code === "K01-PJ")!.key;

    const agentSocket = await t.connect({ token: agent.token });
    const viewerSocket = await t.connect({ token: viewer.token });
    const projector = await t.connect({ deviceKey: projectorKey }, { reconnection: true });

    const seen: RoomScreenState[] = [];
    const viewerStream = new LiveStreamClient<RoomScreenState>(viewerSocket, `room:${roomId}`, {
      onState: (s) => seen.push(s),
    }).start();
    const projStream = new LiveStreamClient<RoomScreenState>(projector, `room:${roomId}`).start();
    await until(() => viewerStream.version > 0 && projStream.version > 0, 5000, "both joined");
    const v0 = projStream.version;

    // The projector drops; the agent acts twice while it is away.
    projector.io.engine.close();
    await until(() => !projector.connected, 2000, "projector disconnected");
    const r1 = await call(agentSocket, "room:setNotice", { roomId, notice: "开标即将开始，请投标人签到" });
    expect(r1).toEqual({ ok: true, data: { roomId, notice: "开标即将开始，请投标人签到" } });
    const r2 = await call(agentSocket, "room:setNotice", { roomId, notice: "请保持安静" });
    expect(r2.ok).toBe(true);

    // The connected viewer sees both updates in order.
    await until(() => viewerStream.state?.room.notice === "请保持安静", 5000, "viewer update");
    expect(seen.map((s) => s.room.notice)).toContain("开标即将开始，请投标人签到");
    expect(viewerStream.version).toBe(v0 + 2);

    // The projector reconnects by itself and catches up from its last version.
    await until(() => projector.connected, 5000, "projector reconnected");
    await until(() => projStream.version === v0 + 2, 5000, "projector caught up");
    expect(projStream.state?.room.notice).toBe("请保持安静");

    // Both actions are on the audit trail with the agent as actor.
    const audit = await t.app.db.auditEvent.findMany({ where: { action: "room.setNotice" } });
    expect(audit).toHaveLength(2);
    expect(audit.every((a) => a.actorRole === "agent")).toBe(true);
    viewerStream.stop();
    projStream.stop();
  });

  it("a join from a version no longer kept gets a snapshot; from the current version, nothing", async () => {
    const { token } = await t.login("supervisor");
    const s = await t.connect({ token });
    const first = await call(s, "live:join", { stream: `room:${roomId}` });
    if (!first.ok || first.data.mode !== "snapshot") throw new Error("expected snapshot");
    const v = first.data.snapshot.version;
    const same = await call(s, "live:join", { stream: `room:${roomId}`, sinceVersion: v });
    expect(same).toMatchObject({ ok: true, data: { mode: "updates", updates: [] } });
    // A client claiming a future version (e.g. the server's database was restored) is given a snapshot.
    const future = await call(s, "live:join", { stream: `room:${roomId}`, sinceVersion: v + 100 });
    expect(future).toMatchObject({ ok: true, data: { mode: "snapshot" } });
  });
});
