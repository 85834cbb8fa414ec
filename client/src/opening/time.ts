// Times for people: entered and shown in Asia/Shanghai (UTC+8 all year, no
// daylight saving), sent as UTC ISO strings.
import { formatShanghai } from "@contracts/time";

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** "2026-11-25 14:30" or "2026-11-25 14:30:15" (Asia/Shanghai) → "2026-11-25T06:30:00.000Z"; null when not such a time. */
export function shanghaiToIso(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - SHANGHAI_OFFSET_MS;
  const back = new Date(ms + SHANGHAI_OFFSET_MS);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return null; // 2026-02-30
  return new Date(ms).toISOString();
}

/** ISO instant → "2026-11-25 14:30" (Asia/Shanghai), the form's input format. */
export function isoToShanghaiInput(iso: string | number | Date): string {
  return formatShanghai(new Date(iso)).slice(0, 16);
}

/** ISO instant → "2026-11-25 14:30:00" (Asia/Shanghai). */
export function shanghaiTime(iso: string | number | Date): string {
  return formatShanghai(new Date(iso));
}

/** Remaining ms → "05:07", "1:05:07", or with a day unit "2天 03:05:07" (never negative). */
export function formatCountdown(ms: number, dayUnit?: string): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  if (dayUnit && total >= 86_400) {
    const d = Math.floor(total / 86_400);
    const rest = formatCountdown((total % 86_400) * 1000);
    return `${d}${dayUnit} ${rest.length === 5 ? `0:${rest}` : rest}`;
  }
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Remaining ms until an ISO instant, from a server clock reading. */
export const remainingMs = (endsAt: string, serverNow: number): number => Date.parse(endsAt) - serverNow;
