// The logged-in bidder's company certificates (GET /api/companies/:companyId/certificates).
import { ref } from "vue";
import type { ErrorBody } from "@contracts/common";
import type { CertificateView } from "@contracts/opening";
import { api } from "@/api/http";
import { useAuthStore } from "@/stores/auth";

export function useCertificates() {
  const auth = useAuthStore();
  const list = ref<CertificateView[]>([]);
  const error = ref<ErrorBody | null>(null);
  const loading = ref(false);
  async function reload() {
    const companyId = auth.user?.companyId;
    if (!companyId) return;
    loading.value = true;
    const res = await api("listCertificates", { companyId });
    loading.value = false;
    if (res.ok) {
      list.value = res.data;
      error.value = null;
    } else error.value = res.error;
  }
  void reload();
  return { list, error, loading, reload };
}

/** A certificate usable now (not expired, already valid). */
export const certUsable = (c: CertificateView, now = Date.now()) => Date.parse(c.notBefore) <= now && now < Date.parse(c.notAfter);
