// The one acknowledgement helper against a real Socket.IO server: answers pass
// through as sent; an answer that never comes, or a connection that drops
// first, resolves as NETWORK_ERROR (never rejects); an emit made while
// disconnected waits for the connection, as Socket.IO buffers it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as ioClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitAck, NETWORK_ERROR, networkError, type AckSocket } from "./ack";

type Handler = (payload: { roomId: string; notice: string }, ack: (res: unknown) => void) => void;

let url = "";
let server: Server;
let onNotice: Handler = () => undefined;
const clients: AckSocket[] = [];

beforeAll(async () => {
  const http = createServer();
  server = new Server(http);
  server.on("connection", (s) => s.on("room:setNotice", (p: { roomId: string; notice: string }, ack: (res: unknown) => void) => onNotice(p, ack)));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

function client(autoConnect = true): AckSocket {
  const s: AckSocket = ioClient(url, { transports: ["websocket"], forceNew: true, reconnection: false, autoConnect });
  clients.push(s);
  return s;
}
const connected = (s: AckSocket) => new Promise<void>((resolve) => (s.connected ? resolve() : s.once("connect", () => resolve())));

describe("emitAck", () => {
  it("returns the server's answer as sent, an ok one and a refusal alike", async () => {
    const s = client();
    await connected(s);
    onNotice = (p, ack) => ack({ ok: true, data: { roomId: p.roomId, notice: p.notice } });
    expect(await emitAck(s, "room:setNotice", { roomId: "r1", notice: "甲" }, 2000)).toEqual({ ok: true, data: { roomId: "r1", notice: "甲" } });
    onNotice = (_p, ack) => ack({ ok: false, error: { code: "FORBIDDEN", message: "no" } });
    expect(await emitAck(s, "room:setNotice", { roomId: "r1", notice: "乙" }, 2000)).toEqual({ ok: false, error: { code: "FORBIDDEN", message: "no" } });
  });

  it("an answer that never comes is NETWORK_ERROR after the timeout, not a rejection", async () => {
    const s = client();
    await connected(s);
    onNotice = () => undefined;
    const t0 = Date.now();
    const res = await emitAck(s, "room:setNotice", { roomId: "r1", notice: "丙" }, 300);
    expect(res).toEqual({ ok: false, error: { code: NETWORK_ERROR, message: "operation has timed out" } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it("a connection lost before the answer is NETWORK_ERROR at once", async () => {
    const s = client();
    await connected(s);
    onNotice = () => setTimeout(() => s.disconnect(), 50);
    const t0 = Date.now();
    const res = await emitAck(s, "room:setNotice", { roomId: "r1", notice: "丁" }, 5000);
    expect(res).toEqual({ ok: false, error: { code: NETWORK_ERROR, message: "socket has been disconnected" } });
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it("an emit made while disconnected is sent on connecting and answered", async () => {
    const s = client(false);
    onNotice = (p, ack) => ack({ ok: true, data: p.notice });
    const pending = emitAck(s, "room:setNotice", { roomId: "r1", notice: "戊" }, 5000);
    s.connect();
    expect(await pending).toEqual({ ok: true, data: "戊" });
  });

  it("networkError builds the same envelope", () => {
    expect(networkError("x")).toEqual({ ok: false, error: { code: "NETWORK_ERROR", message: "x" } });
  });
});
