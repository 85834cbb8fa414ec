// The client's acknowledgement wrapper: without a connection it answers
// NETWORK_ERROR at once and queues nothing (the shared helper's answered,
// timed-out and dropped cases: server/contracts/ack.test.ts).
import { describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import type { HallSocket } from "@/live/socket";
import { emitAck } from "./rpc";

describe("emitAck (client)", () => {
  it("no socket: NETWORK_ERROR", async () => {
    expect(await emitAck(null, "room:setNotice", { roomId: "r1", notice: "甲" })).toEqual({
      ok: false,
      error: { code: "NETWORK_ERROR", message: "not connected to the server" },
    });
  });

  it("a socket that is not connected: NETWORK_ERROR at once, nothing buffered to send later", async () => {
    const s: HallSocket = io("http://127.0.0.1:9", { autoConnect: false });
    const t0 = Date.now();
    const res = await emitAck(s, "room:setNotice", { roomId: "r1", notice: "甲" }, 10_000);
    expect(res).toMatchObject({ ok: false, error: { code: "NETWORK_ERROR" } });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(s.sendBuffer).toHaveLength(0);
  });
});
