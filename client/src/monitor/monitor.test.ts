// Pure logic of the monitoring wall: alert order, age, rooms with alerts and
// the screen's rotation through them, device health as shown.
import { describe, expect, it } from "vitest";
import type { WallAlert } from "@contracts/rooms";
import { alertClock, alertedDevices, alertedFirst, alertsByRoom, nextFocus, relativeAge, roomsWithAlerts, sortAlerts, worstSeverity } from "./alerts";
import { formatMemory, healthFromReport, healthTone, parseFault, projectorPower } from "./health";

const alert = (id: string, severity: WallAlert["severity"], since: string, roomId = "r1"): WallAlert => ({
  id,
  kind: "device-offline",
  severity,
  roomId,
  message: id,
  since,
});

describe("alerts", () => {
  it("sorts errors first, newest first within a severity, then by id", () => {
    const list = [
      alert("w-old", "warning", "2026-11-25T06:00:00Z"),
      alert("e-old", "error", "2026-11-25T05:00:00Z"),
      alert("w-new", "warning", "2026-11-25T07:00:00Z"),
      alert("e-new", "error", "2026-11-25T06:30:00Z"),
      alert("e-new-b", "error", "2026-11-25T06:30:00Z"),
    ];
    expect(sortAlerts(list).map((a) => a.id)).toEqual(["e-new", "e-new-b", "e-old", "w-new", "w-old"]);
    expect(list[0]!.id).toBe("w-old"); // not sorted in place
  });

  it("says how long ago, in whole units", () => {
    const now = Date.parse("2026-11-25T06:30:00Z");
    expect(relativeAge("2026-11-25T06:29:55Z", now)).toEqual({ unit: "justNow", n: 0 });
    expect(relativeAge("2026-11-25T06:31:00Z", now)).toEqual({ unit: "justNow", n: 0 }); // clock skew: never "in the future"
    expect(relativeAge("2026-11-25T06:29:15Z", now)).toEqual({ unit: "seconds", n: 45 });
    expect(relativeAge("2026-11-25T06:25:01Z", now)).toEqual({ unit: "minutes", n: 4 });
    expect(relativeAge("2026-11-25T03:00:00Z", now)).toEqual({ unit: "hours", n: 3 });
    expect(relativeAge("2026-11-22T06:30:00Z", now)).toEqual({ unit: "days", n: 3 });
    expect(relativeAge("garbage", now)).toEqual({ unit: "justNow", n: 0 });
  });

  it("shows the instant in Beijing time, with the date when not today", () => {
    const now = Date.parse("2026-11-25T06:30:00Z"); // 14:30 in Shanghai
    expect(alertClock("2026-11-25T06:25:07Z", now)).toBe("14:25:07");
    expect(alertClock("2026-11-24T15:59:00Z", now)).toBe("11-24 23:59");
    expect(alertClock("2026-11-24T16:00:00Z", now)).toBe("00:00:00"); // Shanghai midnight is today
  });

  it("groups by room, finds the worst severity and the rooms to cycle through", () => {
    const alerts = [alert("a", "warning", "2026-11-25T06:00:00Z", "r2"), alert("b", "error", "2026-11-25T06:00:00Z", "r3"), alert("c", "error", "2026-11-25T06:10:00Z", "r2")];
    const by = alertsByRoom(alerts);
    expect(by.get("r2")!.map((a) => a.id)).toEqual(["c", "a"]);
    expect(worstSeverity(by.get("r2")!)).toBe("error");
    expect(worstSeverity([alerts[0]!])).toBe("warning");
    expect(worstSeverity([])).toBeNull();
    const rooms = [{ id: "r1" }, { id: "r2" }, { id: "r3" }] as never;
    expect(roomsWithAlerts({ rooms, alerts })).toEqual(["r2", "r3"]);
    expect(roomsWithAlerts(undefined)).toEqual([]);
  });

  it("rotates through rooms with alerts, wrapping, starting over when the current one is gone", () => {
    expect(nextFocus([], "r1")).toBeNull();
    expect(nextFocus(["r2", "r3"], null)).toBe("r2");
    expect(nextFocus(["r2", "r3"], "r2")).toBe("r3");
    expect(nextFocus(["r2", "r3"], "r3")).toBe("r2");
    expect(nextFocus(["r2", "r3"], "r9")).toBe("r2");
    expect(nextFocus(["r2"], "r2")).toBe("r2");
  });
});

describe("devices with alerts", () => {
  it("finds the devices alerts are about and puts them first, keeping the order", () => {
    const alerts = [alert("device-offline:d3", "error", "2026-11-25T06:00:00Z"), alert("projector-fault:d1", "warning", "2026-11-25T06:00:00Z"), alert("decryption-failing:b9", "warning", "2026-11-25T06:00:00Z")];
    const devices = [{ id: "d1" }, { id: "d2" }, { id: "d3" }, { id: "d4" }];
    const alerted = alertedDevices(alerts, devices.map((d) => d.id));
    expect([...alerted].sort()).toEqual(["d1", "d3"]);
    expect(alertedFirst(devices, alerted).map((d) => d.id)).toEqual(["d1", "d3", "d2", "d4"]);
  });
});

describe("health", () => {
  it("brings a raw report to the wall's shape with faults as part:level", () => {
    expect(healthFromReport(null)).toBeNull();
    expect(healthFromReport({ uptimeS: 5, memoryMb: 120 })).toEqual({ rttMs: null, memoryMb: 120, version: null, projector: null });
    const h = healthFromReport({
      uptimeS: 5,
      memoryMb: 300,
      rttMs: 42,
      version: "agent/1.2",
      projector: {
        reachable: true,
        power: "on",
        input: "31",
        lampHours: 1200,
        errors: { fan: "ok", lamp: "error", temperature: "warning", cover: "ok", filter: "ok", other: "ok" },
        problem: null,
      },
    });
    expect(h).toEqual({ rttMs: 42, memoryMb: 300, version: "agent/1.2", projector: { reachable: true, power: "on", faults: ["lamp:error", "temperature:warning"], problem: null } });
    expect(healthTone(h)).toBe("error");
  });

  it("rates health: unreachable or error faults are errors, warnings and slow links are warnings", () => {
    const base = { rttMs: 50, memoryMb: 100, version: null, projector: null };
    expect(healthTone(null)).toBe("ok");
    expect(healthTone(base)).toBe("ok");
    expect(healthTone({ ...base, rttMs: 800 })).toBe("warning");
    expect(healthTone({ ...base, projector: { reachable: true, power: "on", faults: ["filter:warning"], problem: null } })).toBe("warning");
    expect(healthTone({ ...base, projector: { reachable: false, power: "unknown", faults: [], problem: "timeout" } })).toBe("error");
  });

  it("reads faults and formats memory and power", () => {
    expect(parseFault("lamp:error")).toEqual({ part: "lamp", raw: "lamp", level: "error" });
    expect(parseFault("weird:warning")).toEqual({ part: null, raw: "weird", level: "warning" });
    expect(formatMemory(150)).toBe("150 MB");
    expect(formatMemory(1536)).toBe("1.5 GB");
    expect(projectorPower("warming")).toBe("warming");
    expect(projectorPower("sideways")).toBe("unknown");
  });
});
