import { describe, expect, it } from "vitest";
import { fenToYuan, periodRange, rateToPercent, shanghaiToday, yuanToWan } from "./format";

describe("yuanToWan", () => {
  it.each([
    ["21062790.00", "2106.28"],
    ["21062749.99", "2106.27"],
    ["21062750.00", "2106.28"],
    ["0.00", "0.00"],
    ["49.99", "0.00"],
    ["50.00", "0.01"],
    ["100.00", "0.01"],
    ["12345.67", "1.23"],
    ["-12355.00", "-1.24"],
    ["-49.00", "0.00"],
    ["123456789012345678.00", "12345678901234.57"],
  ])("%s → %s", (y, w) => expect(yuanToWan(y)).toBe(w));
  it("passes null and rejects malformed", () => {
    expect(yuanToWan(null)).toBeNull();
    expect(yuanToWan("1.5")).toBeNull();
    expect(yuanToWan("abc")).toBeNull();
  });
});

describe("rateToPercent", () => {
  it.each([
    ["0.0312", "3.12"],
    ["0.0000", "0.00"],
    ["1.0000", "100.00"],
    ["0.0005", "0.05"],
    ["-0.0250", "-2.50"],
    ["12.3456", "1234.56"],
    ["-0.0000", "0.00"],
  ])("%s → %s", (r, p) => expect(rateToPercent(r)).toBe(p));
  it("passes null and rejects malformed", () => {
    expect(rateToPercent(null)).toBeNull();
    expect(rateToPercent("0.03")).toBeNull();
  });
});

describe("periods", () => {
  it("Shanghai date crosses midnight before UTC", () => {
    expect(shanghaiToday(new Date("2026-06-30T16:30:00Z"))).toBe("2026-07-01");
  });
  it("half, quarter, year", () => {
    expect(periodRange("half", "2026-07-01")).toEqual({ from: "2026-07-01", to: "2026-12-31" });
    expect(periodRange("half", "2026-07-01", -1)).toEqual({ from: "2026-01-01", to: "2026-06-30" });
    expect(periodRange("quarter", "2024-02-10")).toEqual({ from: "2024-01-01", to: "2024-03-31" });
    expect(periodRange("quarter", "2024-02-10", -1)).toEqual({ from: "2023-10-01", to: "2023-12-31" });
    expect(periodRange("year", "2024-02-10")).toEqual({ from: "2024-01-01", to: "2024-12-31" });
  });
});

describe("fenToYuan", () => {
  it.each([
    [12345, "123.45"],
    [5, "0.05"],
    [0, "0.00"],
    [-105, "-1.05"],
    [2106279000, "21062790.00"],
  ])("%d → %s", (f, y) => expect(fenToYuan(f)).toBe(y));
  it("null and non-integers", () => {
    expect(fenToYuan(null)).toBeNull();
    expect(fenToYuan(1.5)).toBeNull();
  });
});
