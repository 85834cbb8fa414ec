// The logged-in person: bearer token + user, kept in sessionStorage (per tab,
// gone when the tab closes). login / logout / me go through the typed API.
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { Ack, Role } from "@contracts/common";
import type { LoginResult, UserView } from "@contracts/auth";
import { api } from "@/api/http";

const STORAGE_KEY = "hall.auth";

interface Persisted {
  token: string;
  expiresAt: string;
  user: UserView;
}

function load(): Persisted | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<Persisted>;
    if (typeof v.token !== "string" || typeof v.expiresAt !== "string" || typeof v.user !== "object" || !v.user) return null;
    if (Date.parse(v.expiresAt) <= Date.now()) return null;
    return v as Persisted;
  } catch {
    return null;
  }
}

function save(v: Persisted | null) {
  try {
    if (v) globalThis.sessionStorage?.setItem(STORAGE_KEY, JSON.stringify(v));
    else globalThis.sessionStorage?.removeItem(STORAGE_KEY);
  } catch {
    /* storage unavailable: the login lasts for this page only */
  }
}

export const roleHome = (role: Role): string => `/${role}`;

type LogoutListener = () => void;
const logoutListeners = new Set<LogoutListener>();
/** Lets the live layer close the person's socket without a store → socket import cycle. */
export function onLoggedOut(fn: LogoutListener): () => void {
  logoutListeners.add(fn);
  return () => logoutListeners.delete(fn);
}

export const useAuthStore = defineStore("auth", () => {
  const initial = load();
  const token = ref<string | null>(initial?.token ?? null);
  const expiresAt = ref<string | null>(initial?.expiresAt ?? null);
  const user = ref<UserView | null>(initial?.user ?? null);

  const isLoggedIn = computed(() => !!token.value && !!user.value && !!expiresAt.value && Date.parse(expiresAt.value) > Date.now());
  const role = computed<Role | null>(() => user.value?.role ?? null);
  const home = computed(() => (user.value ? roleHome(user.value.role) : "/login"));

  function persist() {
    save(token.value && expiresAt.value && user.value ? { token: token.value, expiresAt: expiresAt.value, user: user.value } : null);
  }

  async function login(username: string, password: string): Promise<Ack<LoginResult>> {
    const res = await api("login", { username, password });
    if (res.ok) {
      token.value = res.data.token;
      expiresAt.value = res.data.expiresAt;
      user.value = res.data.user;
      persist();
    }
    return res;
  }

  /** Forgets the login locally (no request). */
  function clear() {
    const had = token.value !== null;
    token.value = null;
    expiresAt.value = null;
    user.value = null;
    persist();
    if (had) for (const fn of logoutListeners) fn();
  }

  /** Revokes the token on the server (best effort), then forgets it. */
  async function logout(): Promise<void> {
    if (token.value) await api("logout", {});
    clear();
  }

  /** Refreshes the user from the server; false when the token is no longer good. */
  async function me(): Promise<boolean> {
    if (!token.value) return false;
    const res = await api("me");
    if (res.ok) {
      user.value = res.data;
      persist();
      return true;
    }
    return false;
  }

  return { token, expiresAt, user, isLoggedIn, role, home, login, logout, clear, me };
});
