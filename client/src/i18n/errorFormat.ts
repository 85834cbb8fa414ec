// How an error envelope reads for people, apart from vue-i18n (pure; tested
// against the message tables in test/error-messages.test.ts). The code is never
// part of the text: the title is the code's wording in the user's language; the
// server's own message (English) is a detail line for English users only, and a
// zh-CN user sees a message only when it reads as Chinese (the client wrote it).

/** `message` without a leading copy of `code` ("CODE: …", however often repeated). */
export function withoutCode(code: string, message: string): string {
  let m = message.trim();
  while (code && m.startsWith(`${code}:`)) m = m.slice(code.length + 1).trimStart();
  return m;
}

/** Chinese text with no English sentence in it. */
export const readsAsChinese = (s: string) => /[\u4e00-\u9fff]/.test(s) && !/[A-Za-z]{2,}[\s,;:]+[A-Za-z]{2,}/.test(s);

/** Looks a key up in the user's language; null when the table has no such key. */
export type Lookup = (key: string) => string | null;

/** The title of an error: its code's wording, else (English users) the message, else the generic failure. */
export function formatErrorText(err: { code: string; message: string }, locale: string, lookup: Lookup): string {
  const known = lookup(`errors.${err.code}`);
  if (known !== null) return known;
  const generic = lookup("errors.unknown") ?? "";
  if (locale !== "en") return generic;
  return withoutCode(err.code, err.message) || generic;
}

/** The detail line under the title; null when it adds nothing or would be English to a zh-CN user. */
export function formatErrorDetail(err: { code: string; message: string }, locale: string, lookup: Lookup): string | null {
  const detail = withoutCode(err.code, err.message);
  if (locale !== "en" && !readsAsChinese(detail)) return null;
  return detail && detail !== formatErrorText(err, locale, lookup) ? detail : null;
}
