// Labels of the wall's parts: Chinese on the hall screen (space is tight, the
// hall reads Chinese), the page language on a desk.
import { useI18n } from "vue-i18n";

export function useWallLabel(screen: () => boolean) {
  const { t } = useI18n();
  return (key: string, named: Record<string, unknown> = {}) => (screen() ? t(key, named, { locale: "zh-CN" }) : t(key, named));
}
