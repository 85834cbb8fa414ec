// What the two sheet steps at the expert terminal (资格审查 qualification,
// 详细评审 scoring) share: whether this expert's sheet is submitted, whether it
// may still be edited, and the submission itself — the problems shown, the
// pending draft flushed first, then `evaluation:submit` with this step's
// idempotency key (queued when the link is down).
import { computed, ref } from "vue";
import { ElMessage } from "element-plus";
import { useI18n } from "vue-i18n";
import type { ErrorBody } from "@contracts/common";
import type { EventInput } from "@contracts/events";
import type { EvalExpertState } from "@contracts/evaluation";
import type { Terminal } from "./useTerminal";

type SubmitInput = EventInput<"evaluation:submit">;

export function useSheetStep(props: { term: Terminal; state: EvalExpertState }, step: "qualification" | "scoring" | "adjustments") {
  const { t } = useI18n();
  const submitted = computed(() => props.state.submissions.find((s) => s.step === step) ?? null);
  const editable = computed(
    () => !submitted.value && props.state.status === "running" && props.state.step === step && props.state.me.state === "signed-in" && props.term.queued.value === 0,
  );
  const busy = ref(false);
  const error = ref<ErrorBody | null>(null);
  const showProblems = ref(false);

  /** Shows the problems; sends `sheet` unless it is null. `outlierReasons` is read after the pending draft is flushed. */
  async function submit(sheet: SubmitInput["sheet"] | null, outlierReasons: () => SubmitInput["outlierReasons"] = () => []) {
    showProblems.value = true;
    if (!sheet) return;
    busy.value = true;
    error.value = null;
    await props.term.flushDraft();
    const r = await props.term.act("evaluation:submit", {
      sessionId: props.state.sessionId,
      idempotencyKey: props.term.submitKey(step),
      sheet,
      outlierReasons: outlierReasons(),
    });
    busy.value = false;
    if (r.queued) ElMessage.warning(t("evaluation.terminal.queued"));
    else if (r.ack.ok) ElMessage.success(t("evaluation.terminal.submitted"));
    else error.value = r.ack.error;
  }

  return { submitted, editable, busy, error, showProblems, submit };
}
