// Beijing time for hall screens, from the server's clock (not the device's).
import { formatShanghai } from "@contracts/time";

const weekdayFmt = {
  zh: new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", weekday: "long" }),
  en: new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Shanghai", weekday: "long" }),
};

export interface ClockParts {
  date: string;
  time: string;
  weekdayZh: string;
  weekdayEn: string;
}

/** ms epoch → Asia/Shanghai date "2026-11-25", time "14:30:05" and weekday in both languages. */
export function shanghaiClock(ms: number): ClockParts {
  const d = new Date(ms);
  const [date = "", time = ""] = formatShanghai(d).split(" ");
  return { date, time, weekdayZh: weekdayFmt.zh.format(d), weekdayEn: weekdayFmt.en.format(d) };
}
