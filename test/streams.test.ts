// Stream keys: each builder's key reads back to its params and to no other kind; every kind the hub
// serves is declared in contracts/streams.ts (so a new kind cannot be left out), and what the server
// builds for a stream passes that kind's state schema.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asStreamKey, kindOfStreamKey, parseStreamKey, streamKey, streamKinds, type StreamKindName } from "@contracts/streams";
import { startTestApp, type TestApp } from "./helpers/app";

const kinds = Object.keys(streamKinds) as StreamKindName[];
const sampleKey = (k: StreamKindName): string => (streamKey[k] as (...ids: string[]) => string)(...Object.values(streamKinds[k].sample));

describe("stream keys (contracts/streams.ts)", () => {
  it("builds the keys the wire has always carried", () => {
    expect(streamKey.room("r1")).toBe("room:r1");
    expect(streamKey.wall()).toBe("wall");
    expect(streamKey.board()).toBe("board");
    expect(streamKey.device("d1")).toBe("device:d1");
    expect(streamKey.opening("l1")).toBe("opening:l1");
    expect(streamKey.openingAgent("l1")).toBe("opening:l1:agent");
    expect(streamKey.openingCompany("l1", "c1")).toBe("opening:l1:company:c1");
    expect(streamKey.evaluation("s1")).toBe("evaluation:s1");
    expect(streamKey.evaluationAgent("s1")).toBe("evaluation:s1:agent");
    expect(streamKey.evaluationSupervisor("s1")).toBe("evaluation:s1:supervisor");
    expect(streamKey.evaluationExpert("s1", "m1")).toBe("evaluation:s1:expert:m1");
    expect(streamKey.evaluationCompany("s1", "c1")).toBe("evaluation:s1:company:c1");
    expect(streamKey.expertDrawAgent("x1")).toBe("expert-draw:x1:agent");
    expect(streamKey.expertDrawSupervisor("x1")).toBe("expert-draw:x1:supervisor");
  });

  it.each(kinds)("%s: the built key parses back to its params, and only as this kind", (k) => {
    const key = sampleKey(k);
    expect(parseStreamKey(k, key)).toEqual(streamKinds[k].sample);
    expect(kinds.filter((other) => parseStreamKey(other, key) !== null)).toEqual([k]);
    expect(kindOfStreamKey(key)).toBe(k);
    expect(asStreamKey(k, key)).toBe(key);
  });

  it("reads real ids (cuid-like, with dashes) back unchanged", () => {
    const lot = "cm1x2y3z4-0000-abcd";
    const company = "c-9";
    expect(parseStreamKey("openingCompany", streamKey.openingCompany(lot, company))).toEqual({ lotId: lot, companyId: company });
    expect(parseStreamKey("evaluationExpert", streamKey.evaluationExpert(lot, company))).toEqual({ sessionId: lot, memberId: company });
  });

  it.each([
    "",
    "room",
    "room:",
    "room:a:b",
    "walls",
    "wall:x",
    "board:",
    "device:",
    "opening:",
    "opening:l1:agent:x",
    "opening:l1:company:",
    `opening:${"a".repeat(65)}`,
    "opening:l 1",
    "opening:l1:bidder:c1",
    "evaluation:s1:expert:",
    "evaluation:s1:chair",
    "evaluation::agent",
    "expert-draw:x1",
    "expert-draw:x1:chair",
    "expert-draw:x1:agent:x",
    "Opening:l1",
  ])("%j is a key of no kind", (key) => {
    expect(kindOfStreamKey(key)).toBeNull();
    for (const k of kinds) expect(parseStreamKey(k, key)).toBeNull();
  });

  it("asStreamKey refuses a key of another kind, and nothing", () => {
    expect(asStreamKey("evaluationExpert", streamKey.evaluation("s1"))).toBeNull();
    expect(asStreamKey("opening", streamKey.openingAgent("l1"))).toBeNull();
    expect(asStreamKey("room", null)).toBeNull();
    expect(asStreamKey("room", undefined)).toBeNull();
  });
});

describe("the hub's kinds and the contracts' map", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it("every kind the hub serves is declared, and every declared kind is served by exactly one", () => {
    const served = t.app.ctx.hub.registeredKinds();
    expect(served.length).toBeGreaterThan(0);
    for (const s of served) {
      const declared = kinds.filter((k) => s.parse(sampleKey(k)) !== null);
      expect(declared, `hub kind "${s.prefix}" parses no key declared in contracts/streams.ts`).not.toEqual([]);
    }
    for (const k of kinds) {
      expect(served.filter((s) => s.parse(sampleKey(k)) !== null).map((s) => s.prefix), k).toHaveLength(1);
    }
  });

  it("what the server builds for the room, wall, board and device streams passes their state schemas", async () => {
    const room = await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } });
    const device = await t.app.db.device.findFirst();
    const keys = [streamKey.room(room.id), streamKey.wall(), streamKey.board(), ...(device ? [streamKey.device(device.id)] : [])];
    expect(device).not.toBeNull();
    for (const key of keys) {
      await t.app.ctx.hub.refresh(key);
      const row = await t.app.db.liveStream.findUniqueOrThrow({ where: { key } });
      const kind = kindOfStreamKey(key)!;
      const parsed = streamKinds[kind].state.safeParse(JSON.parse(row.state));
      expect(parsed.success, `${key}: ${parsed.success ? "" : parsed.error.message}`).toBe(true);
    }
  });
});
