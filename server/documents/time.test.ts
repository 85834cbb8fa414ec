import { describe, expect, it } from "vitest";
import { formatShanghai, formatShanghaiDate } from "./time.js";

describe("formatShanghai", () => {
  it("formats a UTC instant as China Standard Time", () => {
    expect(formatShanghai(new Date("2026-11-25T06:30:00Z"))).toBe("2026-11-25 14:30:00");
  });

  it("crosses midnight and uses 00, not 24", () => {
    expect(formatShanghai(new Date("2026-12-31T16:00:05Z"))).toBe("2027-01-01 00:00:05");
    expect(formatShanghaiDate(new Date("2026-12-31T16:00:05Z"))).toBe("2027-01-01");
  });

  it("rejects an invalid Date", () => {
    expect(() => formatShanghai(new Date("nope"))).toThrow(RangeError);
  });
});
