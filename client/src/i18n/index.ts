// vue-i18n setup: zh-CN by default, en on request; the choice is remembered
// in localStorage. Screens read both languages at once through `bi()`.
import { computed } from "vue";
import { createI18n, useI18n } from "vue-i18n";
import zhCN, { type MessageSchema } from "./zh-CN";
import en from "./en";
import { withExperts } from "@/experts/messages";
import { withEvaluation } from "@/evaluation/messages";
import { formatErrorDetail, formatErrorText, type Lookup } from "./errorFormat";

export const LOCALES = ["zh-CN", "en"] as const;
export type AppLocale = (typeof LOCALES)[number];
const STORAGE_KEY = "hall.locale";

const isLocale = (v: unknown): v is AppLocale => typeof v === "string" && (LOCALES as readonly string[]).includes(v);

function savedLocale(): AppLocale {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isLocale(v) ? v : "zh-CN";
  } catch {
    return "zh-CN";
  }
}

export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: "zh-CN",
  messages: { "zh-CN": withEvaluation(withExperts(zhCN, "zh-CN"), "zh-CN"), en: withEvaluation(withExperts(en, "en"), "en") },
  missingWarn: import.meta.env.DEV,
  fallbackWarn: false,
});

function applyDocumentLang(l: AppLocale) {
  if (typeof document !== "undefined") document.documentElement.lang = l;
}
applyDocumentLang(i18n.global.locale.value);

export function currentLocale(): AppLocale {
  return i18n.global.locale.value;
}

export function setLocale(l: AppLocale): void {
  i18n.global.locale.value = l;
  applyDocumentLang(l);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, l);
  } catch {
    /* private mode: not remembered */
  }
}

/** Reactive current locale for components (language switch, Element Plus locale). */
export function useLocale() {
  return computed<AppLocale>({
    get: () => i18n.global.locale.value,
    set: (l) => setLocale(l),
  });
}

/** Both languages of one key, for hall screens: Chinese first, English smaller below. */
export function useBilingual() {
  const { t } = useI18n();
  return (key: string, named: Record<string, unknown> = {}) => ({
    zh: t(key, named, { locale: "zh-CN" }),
    en: t(key, named, { locale: "en" }),
  });
}

/** The i18n key describing an error code (falls back to a generic one). */
export function errorKey(code: string): string {
  const key = `errors.${code}`;
  return i18n.global.te(key, "zh-CN") ? key : "errors.unknown";
}

/** Like errorKey, preferring the wording for hall devices. */
export function deviceErrorKey(code: string): string {
  const key = `deviceErrors.${code}`;
  return i18n.global.te(key, "zh-CN") ? key : errorKey(code);
}

const lookup: Lookup = (key) => (i18n.global.te(key) ? i18n.global.t(key) : null);

/** Message for an error envelope: the localized text of its code, when known; never the code (see errorFormat.ts). */
export const errorText = (err: { code: string; message: string }): string => formatErrorText(err, currentLocale(), lookup);

/** The error's own wording as a detail line under errorText, without the code; null when it adds nothing or is not in the user's language. */
export const errorDetail = (err: { code: string; message: string }): string | null => formatErrorDetail(err, currentLocale(), lookup);
