// PJLink client against the PJLink test peer over real TCP on port 0.
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PjlinkClient, PjlinkError, parseHostPort, type PjlinkClientOptions } from "./client";
import { PjlinkPeer, type PeerOptions } from "./peer";
import { pjlinkDigest } from "./protocol";
import { PjlinkSession } from "./session";

const peers: PjlinkPeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function peerAndClient(peerOpts: PeerOptions = {}, clientOpts: Partial<PjlinkClientOptions> = {}) {
  const peer = new PjlinkPeer({ warmupMs: 150, cooldownMs: 150, ...peerOpts });
  peers.push(peer);
  const port = await peer.listen(0);
  const client = new PjlinkClient({ host: "127.0.0.1", port, connectTimeoutMs: 1000, answerTimeoutMs: 300, ...clientOpts });
  return { peer, client };
}

/** The code of the PjlinkError `p` rejects with. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PjlinkError);
    return (e as PjlinkError).code;
  }
  throw new Error("expected a PjlinkError");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PJLink client ↔ peer", () => {
  for (const password of [undefined, "JBMIAProjectorLink"]) {
    it(`status, power and input ${password ? "with" : "without"} a password`, async () => {
      const { peer, client } = await peerAndClient({ lampHours: 1234, ...(password ? { password } : {}) }, password ? { password } : {});
      expect(await client.status()).toEqual({
        reachable: true,
        power: "off",
        input: null, // ERR3 in standby, not a problem
        lampHours: 1234,
        errors: { fan: "ok", lamp: "ok", temperature: "ok", cover: "ok", filter: "ok", other: "ok" },
        problem: null,
      });
      await client.power(true);
      expect(await client.powerState()).toBe("warming");
      // An input change while warming up: unavailable time.
      expect(await codeOf(client.input("31"))).toBe("PJLINK_ERR3");
      await sleep(250);
      expect(await client.powerState()).toBe("on");
      await client.input("31");
      const st = await client.status();
      expect(st).toMatchObject({ reachable: true, power: "on", input: "31", lampHours: 1234, problem: null });
      expect(peer.state.input).toBe("31");
      await client.power(false);
      expect(await client.powerState()).toBe("cooling");
      await sleep(250);
      expect(await client.powerState()).toBe("off");
      expect(await client.info()).toEqual({ name: "K01 Projector", manufacturer: "HALL", product: "PJ-TEST 1", other: "PJLink class 1 test peer", pjlinkClass: "1" });
      expect(peer.received).toContain("%1POWR 1");
      expect(peer.authFailures).toBe(0);
    });
  }

  it("authenticates with MD5(random + password) on the first command only", async () => {
    const { peer } = await peerAndClient({ password: "secret", random: () => "498e4a67" });
    expect(pjlinkDigest("498e4a67", "JBMIAProjectorLink")).toBe("5d8409bc1c3fa39749434aa3a5c38682"); // the spec's example
    const s = await PjlinkSession.open({ host: "127.0.0.1", port: peer.port, password: "secret", connectTimeoutMs: 500, answerTimeoutMs: 300 });
    expect(await s.command("POWR", "?")).toBe("0");
    expect(await s.command("CLSS", "?")).toBe("1");
    s.close();
    expect(peer.received).toEqual(["%1POWR ?", "%1CLSS ?"]);
  });

  it("a wrong password is PJLINK_AUTH_FAILED; status says unreachable with the problem", async () => {
    const { peer, client } = await peerAndClient({ password: "right" }, { password: "wrong" });
    expect(await codeOf(client.power(true))).toBe("PJLINK_AUTH_FAILED");
    const st = await client.status();
    expect(st).toMatchObject({ reachable: false, power: "unknown", input: null, lampHours: null, errors: null });
    expect(st.problem).toMatch(/^PJLINK_AUTH_FAILED: .*ERRA/);
    expect(peer.authFailures).toBe(2);
    expect(peer.state.power).toBe(0);
    // No password configured at all for a projector that wants one.
    const none = new PjlinkClient({ host: "127.0.0.1", port: peer.port, answerTimeoutMs: 300 });
    expect(await codeOf(none.query("POWR"))).toBe("PJLINK_AUTH_FAILED");
  });

  it("ERR1 for an undefined command, ERR2 for a bad input, ERR4 when powering a failed lamp", async () => {
    const { peer, client } = await peerAndClient({ power: 1 });
    const s = await PjlinkSession.open({ host: "127.0.0.1", port: peer.port, connectTimeoutMs: 500, answerTimeoutMs: 300 });
    // @ts-expect-error: not a class 1 command on purpose
    expect(await codeOf(s.command("FREZ", "?"))).toBe("PJLINK_ERR1");
    expect(await s.command("POWR", "?")).toBe("1"); // the session survives an ERRn
    s.close();
    expect(await codeOf(client.input("59"))).toBe("PJLINK_ERR2"); // the peer has no input 59
    expect(await codeOf(client.input("9"))).toBe("PJLINK_ERR2"); // not even an input: refused before sending
    await client.power(false);
    await sleep(250);
    peer.setErrors({ lamp: 2, filter: 1 });
    peer.setLampHours(20001);
    expect(await codeOf(client.power(true))).toBe("PJLINK_ERR4");
    expect(await client.status()).toMatchObject({
      reachable: true,
      power: "off",
      lampHours: 20001,
      errors: { fan: "ok", lamp: "error", temperature: "ok", cover: "ok", filter: "warning", other: "ok" },
    });
  });

  it("turning off while warming is ERR3", async () => {
    const { client } = await peerAndClient({ warmupMs: 500 });
    await client.power(true);
    expect(await codeOf(client.power(false))).toBe("PJLINK_ERR3");
  });

  const faults = [
    ["garbage", "PJLINK_GARBAGE"],
    ["hang", "PJLINK_TIMEOUT"],
    ["silent", "PJLINK_TIMEOUT"],
    ["erra", "PJLINK_AUTH_FAILED"],
    ["close-mid-answer", "PJLINK_GARBAGE"],
    ["failure", "PJLINK_ERR4"],
  ] as const;
  for (const [fault, code] of faults) {
    it(`a peer in fault "${fault}" gives ${code} and an unreachable status, never a crash`, async () => {
      const { peer, client } = await peerAndClient();
      peer.fault = fault;
      expect(await codeOf(client.power(true))).toBe(code);
      expect(await codeOf(client.query("POWR"))).toBe(code);
      const st = await client.status();
      if (fault === "failure") {
        // ERR4 on every query: the projector answers, so it is reachable, with the problem named.
        expect(st).toMatchObject({ reachable: true, power: "unknown", errors: null });
        expect(st.problem).toMatch(/ERR4/);
      } else {
        expect(st).toMatchObject({ reachable: false, power: "unknown", input: null, lampHours: null, errors: null });
        expect(st.problem).toMatch(new RegExp(`^${code}: `));
        expect(st.problem!.length).toBeLessThanOrEqual(200);
      }
      // Back to normal, the same client works again. (Closing mid-answer lost the
      // answer, not the command: the projector did start warming up.)
      peer.fault = null;
      expect(await client.powerState()).toBe(fault === "close-mid-answer" ? "warming" : "off");
    });
  }

  it("an unreachable projector: connection refused and connect timeout", async () => {
    const { peer } = await peerAndClient();
    const port = peer.port;
    await peer.close();
    const refused = new PjlinkClient({ host: "127.0.0.1", port, connectTimeoutMs: 500 });
    expect(await codeOf(refused.query("POWR"))).toBe("PJLINK_UNREACHABLE");
    expect((await refused.status()).problem).toMatch(/^PJLINK_UNREACHABLE: .*ECONNREFUSED/);
    // 192.0.2.0/24 (TEST-NET-1) never answers; a short connect timeout ends the wait.
    const blackhole = new PjlinkClient({ host: "192.0.2.1", port: 4352, connectTimeoutMs: 200 });
    const st = await blackhole.status();
    expect(st.reachable).toBe(false);
    expect(st.problem).toMatch(/^PJLINK_UNREACHABLE/);
  });

  it("a greeting that is not PJLink, and an answer longer than a PJLink line, are garbage", async () => {
    const servers: Server[] = [];
    const serve = async (onConn: (s: import("node:net").Socket) => void) => {
      const srv = createServer(onConn);
      servers.push(srv);
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      return (srv.address() as import("node:net").AddressInfo).port;
    };
    try {
      const p1 = await serve((s) => s.write("SSH-2.0-OpenSSH_9.6\r\n"));
      expect(await codeOf(new PjlinkClient({ host: "127.0.0.1", port: p1, answerTimeoutMs: 300 }).query("POWR"))).toBe("PJLINK_GARBAGE");
      const p2 = await serve((s) => {
        s.write("PJLINK 0\r");
        s.on("data", () => s.write("%1POWR=" + "1".repeat(300)));
      });
      expect(await codeOf(new PjlinkClient({ host: "127.0.0.1", port: p2, answerTimeoutMs: 300 }).query("POWR"))).toBe("PJLINK_GARBAGE");
      const p3 = await serve((s) => {
        s.write("PJLINK 0\r");
        s.on("data", () => s.write("%1INPT=31\r")); // the answer to another command
      });
      expect(await codeOf(new PjlinkClient({ host: "127.0.0.1", port: p3, answerTimeoutMs: 300 }).query("POWR"))).toBe("PJLINK_GARBAGE");
    } finally {
      for (const srv of servers) srv.close();
    }
  });

  it("the peer closes a connection idle for its timeout", async () => {
    const { peer } = await peerAndClient({ idleTimeoutMs: 150 });
    const s = await PjlinkSession.open({ host: "127.0.0.1", port: peer.port, connectTimeoutMs: 500, answerTimeoutMs: 300 });
    await sleep(300);
    expect(await codeOf(s.command("POWR", "?"))).toBe("PJLINK_UNREACHABLE");
    s.close();
  });

  it("parses host:port", () => {
    expect(parseHostPort("10.0.0.5")).toEqual({ host: "10.0.0.5", port: 4352 });
    expect(parseHostPort("pj.local:14352")).toEqual({ host: "pj.local", port: 14352 });
    expect(parseHostPort("[::1]:4352")).toEqual({ host: "::1", port: 4352 });
    expect(() => parseHostPort("a:b:c")).toThrow();
  });
});
