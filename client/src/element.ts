// Element Plus, imported per component (tree-shaken) with the styles of the
// components the person pages use, and its locale following vue-i18n. Hall
// screens do not import this: they stay free of Element Plus.
import { computed } from "vue";
import zhCn from "element-plus/es/locale/lang/zh-cn.mjs";
import en from "element-plus/es/locale/lang/en.mjs";
import { useLocale } from "@/i18n";

import "element-plus/es/components/config-provider/style/css.mjs";
import "element-plus/es/components/button/style/css.mjs";
import "element-plus/es/components/form/style/css.mjs";
import "element-plus/es/components/form-item/style/css.mjs";
import "element-plus/es/components/input/style/css.mjs";
import "element-plus/es/components/card/style/css.mjs";
import "element-plus/es/components/alert/style/css.mjs";
import "element-plus/es/components/table/style/css.mjs";
import "element-plus/es/components/table-column/style/css.mjs";
import "element-plus/es/components/tag/style/css.mjs";
import "element-plus/es/components/dropdown/style/css.mjs";
import "element-plus/es/components/dropdown-menu/style/css.mjs";
import "element-plus/es/components/dropdown-item/style/css.mjs";
import "element-plus/es/components/message/style/css.mjs";
import "element-plus/es/components/empty/style/css.mjs";
import "element-plus/es/components/descriptions/style/css.mjs";
import "element-plus/es/components/descriptions-item/style/css.mjs";
import "element-plus/es/components/icon/style/css.mjs";
import "element-plus/es/components/skeleton/style/css.mjs";
import "element-plus/es/components/skeleton-item/style/css.mjs";
import "element-plus/es/components/date-picker/style/css.mjs";
import "element-plus/es/components/select/style/css.mjs";
import "element-plus/es/components/option/style/css.mjs";
import "element-plus/es/components/input-number/style/css.mjs";
import "element-plus/es/components/radio/style/css.mjs";
import "element-plus/es/components/radio-group/style/css.mjs";
import "element-plus/es/components/radio-button/style/css.mjs";
import "element-plus/es/components/checkbox/style/css.mjs";
import "element-plus/es/components/checkbox-group/style/css.mjs";
import "element-plus/es/components/progress/style/css.mjs";
import "element-plus/es/components/dialog/style/css.mjs";
import "element-plus/es/components/steps/style/css.mjs";
import "element-plus/es/components/step/style/css.mjs";
import "element-plus/es/components/popconfirm/style/css.mjs";
import "element-plus/es/components/popover/style/css.mjs";
import "element-plus/es/components/tooltip/style/css.mjs";
import "element-plus/es/components/message-box/style/css.mjs";

/** Element Plus locale for <el-config-provider>, switching with the app language. */
export function useElementLocale() {
  const locale = useLocale();
  return computed(() => (locale.value === "en" ? en : zhCn));
}
