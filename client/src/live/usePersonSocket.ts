import { computed, type ComputedRef } from "vue";
import { useAuthStore } from "@/stores/auth";
import { getSocket, type HallSocket } from "./socket";

/** The logged-in person's socket (null when logged out). */
export function usePersonSocket(): ComputedRef<HallSocket | null> {
  const auth = useAuthStore();
  return computed(() => (auth.token ? getSocket({ token: auth.token }) : null));
}
