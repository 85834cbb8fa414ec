// The live-state mechanism on its own: ordering, gaps, duplicates, ticks,
// writers racing on one stream, and versions surviving a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomScreenState } from "@contracts/rooms";
import { LiveStreamClient } from "@contracts/live-client";
import { createApp } from "../app";
import { call, startTestApp, until, type TestApp } from "../../test/helpers/app";

let t: TestApp;
let roomId: string;
let key: string;
let agentToken: string;
beforeAll(async () => {
  t = await startTestApp();
  roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } })).id;
  key = `room:${roomId}`;
  agentToken = (await t.login("agent")).token;
});
afterAll(() => t.close());

const setNotice = async (notice: string) => {
  const s = await t.connect({ token: agentToken });
  const r = await call(s, "room:setNotice", { roomId, notice });
  s.disconnect();
  expect(r.ok).toBe(true);
};

describe("live hub", () => {
  it("publishes only real changes, one version each, with a JSON patch", async () => {
    const v0 = await t.app.ctx.hub.refresh(key);
    expect(await t.app.ctx.hub.refresh(key)).toBe(v0); // nothing changed → no new version
    await setNotice("甲");
    // The command answers once committed; the stream's refresh follows (at once on SQLite, a few round trips later on PostgreSQL).
    await until(() => t.app.ctx.hub.versionOf(key) === v0 + 1, 3000, "refreshed");
    const row = await t.app.db.liveUpdate.findUniqueOrThrow({ where: { key_version: { key, version: v0 + 1 } } });
    expect(JSON.parse(row.patch)).toEqual([{ op: "replace", path: "/room/notice", value: "甲" }]);
  });

  it("a client ignores duplicates and resyncs on a gap instead of applying out of order", async () => {
    const { token } = await t.login("supervisor");
    const s = await t.connect({ token });
    const c = new LiveStreamClient<RoomScreenState>(s, key).start();
    await until(() => c.version > 0, 3000, "join");
    const v = c.version;
    const noticeBefore = c.state!.room.notice;
    // Forge a future update (as if v+1 was lost in transit) and a stale duplicate.
    t.app.io.to(s.id!).emit("live:update", { stream: key, version: v + 2, patch: [{ op: "replace", path: "/room/notice", value: "伪造" }] });
    t.app.io.to(s.id!).emit("live:update", { stream: key, version: v, patch: [{ op: "replace", path: "/room/notice", value: "重复" }] });
    await new Promise((r) => setTimeout(r, 300));
    // The gap made it ask the server again; the server's truth wins.
    expect(c.version).toBe(v);
    expect(c.state!.room.notice).toBe(noticeBefore);
    await setNotice("乙");
    await until(() => c.state?.room.notice === "乙", 3000, "real update");
    expect(c.version).toBe(v + 1);
    c.stop();
  });

  it("a tick with a newer version makes a client that missed an update catch up", async () => {
    const { token } = await t.login("supervisor");
    const s = await t.connect({ token });
    const c = new LiveStreamClient<RoomScreenState>(s, key).start();
    await until(() => c.version > 0, 3000, "join");
    // Swallow the next update on this client only, as a lossy link would.
    const swallow = (s as unknown as { listeners(e: string): ((...a: unknown[]) => void)[] }).listeners("live:update");
    s.off("live:update");
    await setNotice("丙");
    // With no update listener at all, only a tick's newer version can bring the client up to date.
    await until(() => c.state?.room.notice === "丙", 3000, "tick-driven resync");
    for (const l of swallow) s.on("live:update", l as never);
    c.stop();
  });

  it("two writers racing on one stream: versions stay gap-free and the final state is the database's", async () => {
    // Simulate another process having written version N+1 behind this process's back.
    const held = await t.app.ctx.hub.refresh(key);
    const row = await t.app.db.liveStream.findUniqueOrThrow({ where: { key } });
    const other = JSON.parse(row.state) as RoomScreenState;
    other.room.notice = "来自另一进程";
    await t.app.db.$transaction([
      t.app.db.liveStream.update({ where: { key }, data: { version: held + 1, state: JSON.stringify(other) } }),
      t.app.db.liveUpdate.create({ data: { key, version: held + 1, patch: JSON.stringify([{ op: "replace", path: "/room/notice", value: "来自另一进程" }]) } }),
    ]);
    await t.app.db.room.update({ where: { id: roomId }, data: { notice: "丁" } });
    const v = await t.app.ctx.hub.refresh(key);
    expect(v).toBe(held + 2);
    const versions = (await t.app.db.liveUpdate.findMany({ where: { key }, orderBy: { version: "asc" } })).map((u) => u.version);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => versions[0]! + i));
    const { token } = await t.login("supervisor");
    const s = await t.connect({ token });
    const fromBehind = await call(s, "live:join", { stream: key, sinceVersion: held });
    expect(fromBehind).toMatchObject({ ok: true, data: { mode: "updates" } });
    if (fromBehind.ok && fromBehind.data.mode === "updates") expect(fromBehind.data.updates.map((u) => u.version)).toEqual([held + 1, held + 2]);
  });

  it("concurrent refreshes in one process never skip or repeat a version", async () => {
    const start = await t.app.ctx.hub.refresh(key);
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        await t.app.db.room.update({ where: { id: roomId }, data: { notice: `并发${i}` } });
        await t.app.ctx.hub.refresh(key);
      }),
    );
    const rows = await t.app.db.liveUpdate.findMany({ where: { key, version: { gt: start } }, orderBy: { version: "asc" } });
    expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => start + 1 + i));
  });

  it("refreshes asked for before a rebuild starts coalesce into one: one version, the latest state", async () => {
    const start = await t.app.ctx.hub.refresh(key);
    for (let i = 0; i < 5; i++) await t.app.db.room.update({ where: { id: roomId }, data: { notice: `合并${i}` } });
    const versions = await Promise.all(Array.from({ length: 20 }, () => t.app.ctx.hub.refresh(key)));
    expect(new Set(versions)).toEqual(new Set([start + 1]));
    const rows = await t.app.db.liveUpdate.findMany({ where: { key, version: { gt: start } } });
    expect(rows.map((r) => [r.version, JSON.parse(r.patch)])).toEqual([[start + 1, [{ op: "replace", path: "/room/notice", value: "合并4" }]]]);
    // A refresh asked for once the rebuild has begun is a rebuild of its own (it may see a later change).
    await t.app.db.room.update({ where: { id: roomId }, data: { notice: "合并后" } });
    expect(await t.app.ctx.hub.refresh(key)).toBe(start + 2);
    // What the raw statements stored reads back through the model API (dates included).
    const row = await t.app.db.liveUpdate.findUniqueOrThrow({ where: { key_version: { key, version: start + 2 } } });
    expect(row.at.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect((await t.app.db.liveStream.findUniqueOrThrow({ where: { key } })).updatedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("a kind's minIntervalMs spaces the rebuilds of a stream and keeps the last change", async () => {
    let value = 0;
    const starts: number[] = [];
    t.app.ctx.hub.register({
      prefix: "hubtest",
      parse: (k) => (k === "hubtest" ? {} : null),
      authorize: async () => true,
      build: async () => {
        starts.push(Date.now());
        return { value };
      },
      minIntervalMs: 400,
    });
    const v1 = await t.app.ctx.hub.refresh("hubtest");
    const changes: Promise<number>[] = [];
    for (let i = 1; i <= 6; i++) {
      value = i;
      changes.push(t.app.ctx.hub.refresh("hubtest"));
      await new Promise((r) => setTimeout(r, 10));
    }
    const last = await changes[changes.length - 1]!;
    // Six changes within ~60 ms after a rebuild: one trailing rebuild, not six.
    expect(starts.length).toBe(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(395);
    expect(last).toBe(v1 + 1);
    const row = await t.app.db.liveStream.findUniqueOrThrow({ where: { key: "hubtest" } });
    expect(JSON.parse(row.state)).toEqual({ value: 6 });
  });

  it("an update carries the server's time; a stream that keeps updating gets no ticks in between", async () => {
    const { token } = await t.login("supervisor");
    const s = await t.connect({ token });
    const joined = await call(s, "live:join", { stream: key });
    expect(joined.ok).toBe(true);
    const updates: { serverTime?: string }[] = [];
    const ticks: number[] = [];
    s.on("live:update", (u) => u.stream === key && updates.push(u));
    s.on("live:tick", (k) => k.stream === key && ticks.push(Date.now()));
    // Quiet stream: ticks every LIVE_TICK_MS (200 ms in tests).
    await until(() => ticks.length >= 2, 3000, "ticks on a quiet stream");
    // A change every ~60 ms for over a second (under the per-socket rate limit): ~6 ticks were due; the updates stand in for them.
    ticks.length = 0;
    const agent = await t.connect({ token: agentToken });
    const t0 = Date.now();
    for (let i = 0; Date.now() - t0 < 1200; i++) {
      const r = await call(agent, "room:setNotice", { roomId, notice: `连发${i}` });
      expect(r).toMatchObject({ ok: true });
      await new Promise((res) => setTimeout(res, 60));
    }
    agent.disconnect();
    expect(ticks.length).toBeLessThanOrEqual(2);
    expect(updates.length).toBeGreaterThan(5);
    for (const u of updates) expect(Math.abs(Date.parse(u.serverTime ?? "") - Date.now())).toBeLessThan(10_000);
    // Quiet again: ticks resume.
    ticks.length = 0;
    await until(() => ticks.length >= 2, 3000, "ticks resume");
    s.disconnect();
  });

  it("keeps versions across a restart: a client that held version V resumes with updates, not a reset", async () => {
    const before = t.app.ctx.hub.versionOf(key)!;
    await setNotice("重启前");
    await until(() => t.app.ctx.hub.versionOf(key) === before + 1, 3000, "refreshed");
    const v = t.app.ctx.hub.versionOf(key)!;
    await t.app.close();
    const app2 = await createApp(t.config);
    await new Promise<void>((r) => app2.http.listen(0, "127.0.0.1", r));
    try {
      const port = (app2.http.address() as { port: number }).port;
      const { io } = await import("socket.io-client");
      const s = io(`http://127.0.0.1:${port}`, { auth: { token: agentToken }, transports: ["websocket"], forceNew: true });
      await new Promise<void>((r) => s.once("connect", () => r()));
      const res = (await s.timeout(3000).emitWithAck("live:join", { stream: key, sinceVersion: v })) as { ok: boolean; data: { mode: string } };
      expect(res).toMatchObject({ ok: true, data: { mode: "updates", updates: [] } });
      s.disconnect();
    } finally {
      await app2.close();
      t.app = await createApp(t.config); // so afterAll's close has something to close
    }
  });
});
