// Check characters of Chinese identifiers.

const USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character of the first 17 characters of a unified social credit code (GB 32100-2015). */
export function creditCodeCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARS.indexOf(first17[i]!);
    if (v < 0) return null;
    sum += v * USCC_WEIGHTS[i]!;
  }
  const c = (31 - (sum % 31)) % 31;
  return USCC_CHARS[c]!;
}

/** 统一社会信用代码: 18 characters from the GB 32100 set with a valid check character. */
export function isValidCreditCode(code: string): boolean {
  return /^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code) && creditCodeCheckChar(code.slice(0, 17)) === code[17];
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** The check character of a resident ID number's first 17 digits (GB 11643-1999, ISO 7064 MOD 11-2). */
export function residentIdCheckChar(first17: string): string | null {
  if (!/^\d{17}$/.test(first17)) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** The birth date of an 18-character ID number, YYYY-MM-DD, or null when it is no real date (or before 1900). */
export function residentIdBirthDate(id: string): string | null {
  if (!/^\d{17}[\dX]$/.test(id)) return null;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/** Today in Asia/Shanghai (China keeps no daylight saving time), YYYY-MM-DD. */
const shanghaiToday = (now: number) => new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);

/** The ID number's birth date is after today (Asia/Shanghai): nobody holds such a number yet. */
export function isBirthDateInFuture(id: string, now = Date.now()): boolean {
  const birth = residentIdBirthDate(id);
  return birth !== null && birth > shanghaiToday(now);
}

/** Why an ID number is refused, or null when it is valid (format, real birth date not in the future, check character). */
export function residentIdProblem(id: string, now = Date.now()): "format" | "birth-date-future" | null {
  if (residentIdBirthDate(id) === null || residentIdCheckChar(id.slice(0, 17)) !== id[17]) return "format";
  return isBirthDateInFuture(id, now) ? "birth-date-future" : null;
}

/** 居民身份证号码: 18 characters, a real birth date that is not in the future, a valid check character. */
export function isValidResidentId(id: string): boolean {
  return residentIdProblem(id) === null;
}
