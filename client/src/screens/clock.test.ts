import { describe, expect, it } from "vitest";
import { shanghaiClock } from "./clock";

describe("shanghaiClock", () => {
  it("shows UTC instants in Beijing time (UTC+8), across midnight", () => {
    expect(shanghaiClock(Date.parse("2026-11-25T06:30:05Z"))).toEqual({
      date: "2026-11-25",
      time: "14:30:05",
      weekdayZh: "星期三",
      weekdayEn: "Wednesday",
    });
    const late = shanghaiClock(Date.parse("2026-11-25T16:00:00Z"));
    expect(late.date).toBe("2026-11-26");
    expect(late.time).toBe("00:00:00");
  });
});
