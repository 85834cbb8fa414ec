// One lot and its project, found in GET /api/projects (there is no per-lot route).
import { ref, watch, type MaybeRefOrGetter, toValue } from "vue";
import type { ErrorBody } from "@contracts/common";
import type { LotView, ProjectView } from "@contracts/opening";
import { api } from "@/api/http";

export function useLot(lotId: MaybeRefOrGetter<string>) {
  const lot = ref<LotView | null>(null);
  const project = ref<ProjectView | null>(null);
  const error = ref<ErrorBody | null>(null);
  const loading = ref(false);

  async function reload() {
    loading.value = true;
    const res = await api("listProjects");
    loading.value = false;
    if (!res.ok) {
      error.value = res.error;
      return;
    }
    const id = toValue(lotId);
    const p = res.data.find((x) => x.lots.some((l) => l.id === id)) ?? null;
    project.value = p;
    lot.value = p?.lots.find((l) => l.id === id) ?? null;
    error.value = p ? null : { code: "NOT_FOUND", message: `No lot ${id}` };
  }
  watch(() => toValue(lotId), () => void reload(), { immediate: true });
  return { lot, project, error, loading, reload };
}
