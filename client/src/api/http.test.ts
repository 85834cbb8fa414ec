// The HTTP wrapper's envelope handling, with a stubbed fetch (node environment, no DOM).
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, buildPath, configureHttp, loadRoutes } from "./http";

type Call = { url: string; init: RequestInit };

function stubFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetchStub = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const call = { url: String(url), init: init ?? {} };
    calls.push(call);
    return respond(call);
  });
  configureHttp({ fetch: fetchStub as unknown as typeof fetch });
  return calls;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

afterEach(() => {
  configureHttp({ token: () => null, onUnauthorized: () => undefined, fetch: undefined });
});

describe("loadRoutes", () => {
  it("reads method and path from the contracts' routes table", async () => {
    const routes = await loadRoutes();
    expect(routes.setRoomNotice.method).toBe("POST");
    expect(routes.setRoomNotice.path).toBe("/api/rooms/:roomId/notice");
  });
});

describe("buildPath", () => {
  it("fills path parameters and returns the rest", () => {
    expect(buildPath("/api/rooms/:roomId/notice", { roomId: "r 1/x", notice: "hi" })).toEqual({
      path: "/api/rooms/r%201%2Fx/notice",
      rest: { notice: "hi" },
    });
  });
  it("refuses a missing parameter", () => {
    expect(() => buildPath("/api/rooms/:roomId/notice", { notice: "hi" })).toThrow(/roomId/);
  });
});

describe("api", () => {
  it("returns the ok envelope and sends the bearer token", async () => {
    configureHttp({ token: () => "tok_1" });
    const calls = stubFetch(() => json(200, { ok: true, data: [] }));
    const res = await api("listRooms");
    expect(res).toEqual({ ok: true, data: [] });
    expect(calls[0]?.url).toBe("/api/rooms");
    expect(calls[0]?.init.method).toBe("GET");
    expect((calls[0]?.init.headers as Record<string, string>).authorization).toBe("Bearer tok_1");
    expect(calls[0]?.init.body).toBeUndefined();
  });

  it("puts path params in the path and the rest in the JSON body", async () => {
    const calls = stubFetch(() => json(200, { ok: true, data: { roomId: "room1", notice: "十点开标" } }));
    const res = await api("setRoomNotice", { roomId: "room1", notice: "十点开标" });
    expect(res.ok && res.data.notice).toBe("十点开标");
    expect(calls[0]?.url).toBe("/api/rooms/room1/notice");
    expect(calls[0]?.init.method).toBe("POST");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ notice: "十点开标" });
    expect((calls[0]?.init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it("passes an error envelope through as it came", async () => {
    stubFetch(() => json(401, { ok: false, error: { code: "INVALID_CREDENTIALS", message: "Wrong username or password" } }));
    const onUnauthorized = vi.fn();
    configureHttp({ onUnauthorized });
    const res = await api("login", { username: "agent", password: "nope" });
    expect(res).toEqual({ ok: false, error: { code: "INVALID_CREDENTIALS", message: "Wrong username or password" } });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it.each(["UNAUTHENTICATED", "TOKEN_EXPIRED"])("calls the unauthorized handler on %s when a token was sent", async (code) => {
    const onUnauthorized = vi.fn();
    configureHttp({ token: () => "tok_old", onUnauthorized });
    stubFetch(() => json(401, { ok: false, error: { code, message: "log in" } }));
    const res = await api("me");
    expect(res.ok).toBe(false);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized).toHaveBeenCalledWith({ code, message: "log in" });
  });

  it("does not call the unauthorized handler when no token was sent", async () => {
    const onUnauthorized = vi.fn();
    configureHttp({ onUnauthorized });
    stubFetch(() => json(401, { ok: false, error: { code: "UNAUTHENTICATED", message: "log in" } }));
    await api("me");
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("turns a network failure into NETWORK_ERROR", async () => {
    stubFetch(() => {
      throw new TypeError("fetch failed");
    });
    expect(await api("me")).toEqual({ ok: false, error: { code: "NETWORK_ERROR", message: "fetch failed" } });
  });

  it("turns a body that is not JSON into BAD_RESPONSE", async () => {
    stubFetch(() => new Response("<html>502 Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    const res = await api("me");
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error.code).toBe("BAD_RESPONSE");
    expect(!res.ok && res.error.message).toContain("502");
  });

  it("turns JSON that is not an envelope into BAD_RESPONSE", async () => {
    stubFetch(() => json(200, { rooms: [] }));
    const res = await api("listRooms");
    expect(!res.ok && res.error.code).toBe("BAD_RESPONSE");
  });

  it("is typed from the routes table", () => {
    // Compile-time checks only (vue-tsc runs over this file); never called.
    const typed = () => {
      // @ts-expect-error setRoomNotice needs { roomId, notice }
      void api("setRoomNotice");
      // @ts-expect-error unknown route
      void api("noSuchRoute");
      void api("listRooms");
    };
    expect(typeof typed).toBe("function");
  });
});
