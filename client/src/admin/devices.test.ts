import { describe, expect, it } from "vitest";
import type { DeviceAdminView } from "@contracts/devices";
import type { WallState } from "@contracts/rooms";
import { buildCommand, filterByRoom, listIsBehind, mergeLive, screenUrl } from "./devices";

const device = (id: string, roomId: string, extra: Partial<DeviceAdminView> = {}): DeviceAdminView => ({
  id,
  code: id.toUpperCase(),
  name: id,
  kind: "projector",
  roomId,
  roomName: roomId,
  online: false,
  revoked: false,
  lastSeenAt: null,
  health: null,
  ...extra,
});

const wall = (devices: { id: string; online: boolean; lastSeenAt?: string | null; revoked?: boolean; health?: unknown }[]): Pick<WallState, "rooms"> =>
  ({
    rooms: [
      {
        id: "r1",
        devices: devices.map((d) => ({ code: "", name: "", kind: "projector", revoked: false, lastSeenAt: null, health: null, ...d })),
      },
    ],
  }) as never;

describe("admin devices", () => {
  it("takes online, last seen, revoked and health from the wall", () => {
    const list = [
      device("a", "r1", { online: false, lastSeenAt: "2026-11-25T01:00:00.000Z" }),
      device("b", "r1", { online: true, health: { uptimeS: 1, memoryMb: 80, rttMs: 20 } }),
      device("c", "r2", { online: true, health: { uptimeS: 1, memoryMb: 80 } }),
    ];
    const shown = { rttMs: 50, memoryMb: 100, version: "v", projector: null };
    const rows = mergeLive(list, wall([
      { id: "a", online: true, lastSeenAt: "2026-11-25T02:00:00.000Z", health: shown },
      { id: "b", online: false, lastSeenAt: "2026-11-25T03:00:00.000Z" },
    ]));
    expect(rows.map((r) => [r.id, r.online, r.lastSeenAt])).toEqual([
      ["a", true, "2026-11-25T02:00:00.000Z"],
      ["b", false, "2026-11-25T03:00:00.000Z"],
      ["c", true, null],
    ]);
    expect(rows[0]!.shown).toEqual(shown);
    expect(rows[1]!.shown).toBeNull(); // offline: no health shown
    expect(rows[2]!.shown).toEqual({ rttMs: null, memoryMb: 80, version: null, projector: null }); // not on the wall: the list's report
    expect(mergeLive(list, undefined).map((r) => r.online)).toEqual([false, true, true]);
  });

  it("notices devices the list does not have yet", () => {
    const list = [device("a", "r1")];
    expect(listIsBehind(list, wall([{ id: "a", online: true }]))).toBe(false);
    expect(listIsBehind(list, wall([{ id: "a", online: true }, { id: "new", online: false }]))).toBe(true);
    expect(listIsBehind(list, undefined)).toBe(false);
  });

  it("filters by room", () => {
    const list = [device("a", "r1"), device("b", "r2")];
    expect(filterByRoom(list, "r2").map((d) => d.id)).toEqual(["b"]);
    expect(filterByRoom(list, null)).toHaveLength(2);
  });

  it("builds the screen address with the key in the hash", () => {
    expect(screenUrl("http://hall.example:3000/", "dk_a+b")).toBe("http://hall.example:3000/screen#key=dk_a%2Bb");
  });

  it("builds commands and refuses bad parameters", () => {
    expect(buildCommand("identify", { seconds: 15 })).toEqual({ ok: true, command: { kind: "identify", seconds: 15 } });
    expect(buildCommand("identify", { seconds: 0 })).toEqual({ ok: false, problem: "seconds" });
    expect(buildCommand("reload")).toEqual({ ok: true, command: { kind: "reload" } });
    expect(buildCommand("projector-on")).toEqual({ ok: true, command: { kind: "projector-power", on: true } });
    expect(buildCommand("projector-off")).toEqual({ ok: true, command: { kind: "projector-power", on: false } });
    expect(buildCommand("projector-input", { input: " 31 " })).toEqual({ ok: true, command: { kind: "projector-input", input: "31" } });
    expect(buildCommand("projector-input", { input: "3a" })).toEqual({ ok: true, command: { kind: "projector-input", input: "3A" } });
    expect(buildCommand("projector-input", { input: "61" })).toEqual({ ok: false, problem: "input" });
    expect(buildCommand("projector-input", { input: "30" })).toEqual({ ok: false, problem: "input" });
  });
});

describe("device kinds", () => {
  it("lists every kind of the contracts", async () => {
    const { DeviceKind } = await import("@contracts/common");
    const { DEVICE_KINDS } = await import("./devices");
    expect([...DEVICE_KINDS].sort()).toEqual([...DeviceKind.options].sort());
  });
});
