// Public holidays and make-up working days (法定节假日与调休) for the
// government-procurement rule "the draw no earlier than N working days before
// the evaluation". A working day is Monday–Friday that is not a holiday, or a
// Saturday/Sunday declared a make-up working day (调休上班).
//
// The State Council publishes each year's schedule in the autumn before; the
// built-in data below is 2026 (国办发明电〔2025〕7号). Further years (or a
// corrected one) come from a JSON file named by EXPERT_HOLIDAYS_FILE:
//   [{ "year": 2027, "holidays": ["2027-01-01", …], "workdays": ["2027-…"] }]
// A year in the file replaces the built-in one. A year with no data counts
// weekends only (drawWindowOpens says so in its result).
import { readFileSync } from "node:fs";
import { z } from "zod";
import { AppError } from "../errors";

const IsoDay = z.iso.date();

export const HolidayYear = z
  .object({
    year: z.number().int().min(2000).max(2100),
    /** Days off, weekend days inside a break included. */
    holidays: z.array(IsoDay).max(60),
    /** Saturdays and Sundays that are working days (调休上班). */
    workdays: z.array(IsoDay).max(20),
  })
  .superRefine((y, ctx) => {
    const seen = new Set<string>();
    const check = (list: "holidays" | "workdays") =>
      y[list].forEach((d, i) => {
        if (!d.startsWith(`${y.year}-`)) ctx.addIssue({ code: "custom", path: [list, i], message: `${d} is not in ${y.year}` });
        if (seen.has(d)) ctx.addIssue({ code: "custom", path: [list, i], message: `${d} is listed twice (or both a holiday and a working day)` });
        seen.add(d);
        const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
        if (list === "workdays" && wd !== 0 && wd !== 6) ctx.addIssue({ code: "custom", path: [list, i], message: `${d} is a weekday: only a Saturday or Sunday can be a make-up working day` });
      });
    check("holidays");
    check("workdays");
  });
export type HolidayYear = z.infer<typeof HolidayYear>;
export const HolidayFile = z.array(HolidayYear).min(1).max(50);

/** 2026 (国务院办公厅关于2026年部分节假日安排的通知). */
export const HOLIDAYS_2026: HolidayYear = {
  year: 2026,
  holidays: [
    // 元旦 1月1日—3日
    "2026-01-01", "2026-01-02", "2026-01-03",
    // 春节 2月15日—23日
    "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",
    // 清明节 4月4日—6日
    "2026-04-04", "2026-04-05", "2026-04-06",
    // 劳动节 5月1日—5日
    "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
    // 端午节 6月19日—21日
    "2026-06-19", "2026-06-20", "2026-06-21",
    // 中秋节 9月25日—27日
    "2026-09-25", "2026-09-26", "2026-09-27",
    // 国庆节 10月1日—7日
    "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07",
  ],
  // 1月4日（周日）、2月14日（周六）、2月28日（周六）、5月9日（周六）、9月20日（周日）、10月10日（周六）上班
  workdays: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
};

export const BUILT_IN_YEARS: readonly HolidayYear[] = [HOLIDAYS_2026];

export class WorkCalendar {
  private readonly holidays = new Set<string>();
  private readonly workdays = new Set<string>();
  private readonly years = new Set<number>();

  constructor(years: readonly HolidayYear[]) {
    for (const y of years) {
      const parsed = HolidayYear.parse(y);
      this.years.add(parsed.year);
      for (const d of parsed.holidays) this.holidays.add(d);
      for (const d of parsed.workdays) this.workdays.add(d);
    }
  }

  /** Whether the calendar has data for this year (else weekends only). */
  covers(year: number): boolean {
    return this.years.has(year);
  }

  /** A day given as YYYY-MM-DD (a day of the Asia/Shanghai calendar). */
  isWorkday(day: string): boolean {
    if (this.holidays.has(day)) return false;
    if (this.workdays.has(day)) return true;
    const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
    return wd !== 0 && wd !== 6;
  }
}

/** Reads and checks a holiday file; a bad file is a named error (the server does not start with it). */
export function readHolidayFile(path: string): HolidayYear[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new AppError("HOLIDAYS_INVALID", `EXPERT_HOLIDAYS_FILE ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = HolidayFile.safeParse(json);
  if (!parsed.success) {
    throw new AppError(
      "HOLIDAYS_INVALID",
      `EXPERT_HOLIDAYS_FILE ${path}: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
      parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  }
  const years = new Set<number>();
  for (const y of parsed.data) {
    if (years.has(y.year)) throw new AppError("HOLIDAYS_INVALID", `EXPERT_HOLIDAYS_FILE ${path}: the year ${y.year} appears twice`);
    years.add(y.year);
  }
  return parsed.data;
}

/** The built-in years, each replaced by the file's when it has the same year. */
export function loadWorkCalendar(file?: string): WorkCalendar {
  const extra = file ? readHolidayFile(file) : [];
  const byYear = new Map<number, HolidayYear>(BUILT_IN_YEARS.map((y) => [y.year, y]));
  for (const y of extra) byYear.set(y.year, y);
  return new WorkCalendar([...byYear.values()]);
}

export const DEFAULT_CALENDAR = new WorkCalendar(BUILT_IN_YEARS);
