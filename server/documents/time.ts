/**
 * Formatting of UTC instants in China Standard Time for printed documents.
 */

const formatter = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

function parts(date: Date): Record<string, string> {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new RangeError("formatShanghai: invalid Date");
  }
  const out: Record<string, string> = {};
  for (const p of formatter.formatToParts(date)) out[p.type] = p.value;
  return out;
}

/** `2026-11-25 14:30:00` — the instant `date` as wall-clock time in Asia/Shanghai. */
export function formatShanghai(date: Date): string {
  const p = parts(date);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `2026-11-25` — the calendar day of `date` in Asia/Shanghai. */
export function formatShanghaiDate(date: Date): string {
  const p = parts(date);
  return `${p.year}-${p.month}-${p.day}`;
}
