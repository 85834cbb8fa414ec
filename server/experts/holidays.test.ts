// Working days for "no earlier than 2 working days before the evaluation":
// weekends, 2026 public holidays and 调休 make-up working days; a holiday file
// for more years; bad files refused with a named error.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { DEFAULT_CALENDAR, HOLIDAYS_2026, loadWorkCalendar, readHolidayFile, WorkCalendar } from "./holidays";
import { drawWindowOpens } from "./rules";

/** 10:00 in Shanghai on that day. */
const at = (day: string) => new Date(`${day}T02:00:00Z`);
/** 00:00 in Shanghai on that day, as UTC. */
const midnight = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 8 * 3_600_000).toISOString();

describe("the 2026 calendar", () => {
  it("holidays are not working days; 调休 Saturdays and Sundays are; other weekends are not", () => {
    for (const d of ["2026-01-01", "2026-02-17", "2026-04-06", "2026-05-05", "2026-06-19", "2026-09-25", "2026-10-07"]) expect(DEFAULT_CALENDAR.isWorkday(d), d).toBe(false);
    for (const d of ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]) expect(DEFAULT_CALENDAR.isWorkday(d), d).toBe(true);
    expect(DEFAULT_CALENDAR.isWorkday("2026-11-28")).toBe(false); // a plain Saturday
    expect(DEFAULT_CALENDAR.isWorkday("2026-11-25")).toBe(true); // a plain Wednesday
    expect(DEFAULT_CALENDAR.covers(2026)).toBe(true);
    expect(DEFAULT_CALENDAR.covers(2027)).toBe(false);
  });

  it("the draw window skips the National Day break, counts a make-up Saturday, skips the Spring Festival", () => {
    // Friday 9 October: Thursday 8th (1), 1–7 October off, Wednesday 30 September (2).
    expect(drawWindowOpens(at("2026-10-09"), 2).toISOString()).toBe(midnight("2026-09-30"));
    // Monday 12 October: Sunday off, Saturday 10th is a make-up working day (1), Friday 9th (2).
    expect(drawWindowOpens(at("2026-10-12"), 2).toISOString()).toBe(midnight("2026-10-09"));
    // Tuesday 24 February: 15–23 February off, Saturday 14th works (1), Friday 13th (2).
    expect(drawWindowOpens(at("2026-02-24"), 2).toISOString()).toBe(midnight("2026-02-13"));
    // Weekends only, as before, where there is no holiday: Monday 30 November → Thursday 26th.
    expect(drawWindowOpens(at("2026-11-30"), 2).toISOString()).toBe(midnight("2026-11-26"));
    // Without the calendar (weekends only) the National Day case would open on 7 October.
    expect(drawWindowOpens(at("2026-10-09"), 2, new WorkCalendar([])).toISOString()).toBe(midnight("2026-10-07"));
  });
});

describe("a holiday file (EXPERT_HOLIDAYS_FILE)", () => {
  const dir = mkdtempSync(join(tmpdir(), "holidays-"));
  const file = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err instanceof AppError ? { code: err.code, message: err.message } : { code: "not an AppError", message: String(err) };
    }
    return { code: "none", message: "" };
  };

  it("adds a year and replaces a built-in one", () => {
    const p = file("ok.json", JSON.stringify([{ year: 2027, holidays: ["2027-01-01"], workdays: ["2027-01-02"] }, { ...HOLIDAYS_2026, holidays: [] }]));
    const cal = loadWorkCalendar(p);
    expect(cal.isWorkday("2027-01-01")).toBe(false); // a Friday off
    expect(cal.isWorkday("2027-01-02")).toBe(true); // a Saturday worked
    expect(cal.isWorkday("2026-10-01")).toBe(true); // the file's 2026 has no holidays
    expect(cal.covers(2027)).toBe(true);
  });

  it("refuses a weekday as a make-up day, a date of another year, a date twice, a year twice, bad JSON, a missing file", () => {
    const cases: [string, string][] = [
      [JSON.stringify([{ year: 2027, holidays: [], workdays: ["2027-01-04"] }]), "weekday"],
      [JSON.stringify([{ year: 2027, holidays: ["2026-12-31"], workdays: [] }]), "not in 2027"],
      [JSON.stringify([{ year: 2027, holidays: ["2027-01-01"], workdays: ["2027-01-01"] }]), "listed twice"],
      [JSON.stringify([{ year: 2027, holidays: ["2027-02-30"], workdays: [] }]), "holidays"],
      [JSON.stringify([{ year: 2027, holidays: [], workdays: [] }, { year: 2027, holidays: [], workdays: [] }]), "appears twice"],
      [JSON.stringify({ year: 2027 }), "EXPERT_HOLIDAYS_FILE"],
      ["[{", "EXPERT_HOLIDAYS_FILE"],
    ];
    cases.forEach(([body, words], i) => {
      const p = file(`bad-${i}.json`, body);
      expect(code(() => readHolidayFile(p)), body).toEqual({ code: "HOLIDAYS_INVALID", message: expect.stringContaining(words) });
    });
    expect(code(() => loadWorkCalendar(join(dir, "missing.json")))).toMatchObject({ code: "HOLIDAYS_INVALID" });
  });
});
