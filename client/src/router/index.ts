// History-mode routes. People log in at /login and land on their role's home;
// hall devices open /screen with their key and never log in.
import { createRouter, createWebHistory, type RouteRecordRaw, type RouteRecordSingleView } from "vue-router";
import type { Role } from "@contracts/common";
import { useAuthStore } from "@/stores/auth";

declare module "vue-router" {
  interface RouteMeta {
    /** Reachable without a login. */
    public?: boolean;
    /** Only this role may open the page. */
    role?: Role;
    /** i18n key of the page title. */
    title?: string;
  }
}

const personHome = (role: Role, title: string, component: RouteRecordSingleView["component"]): RouteRecordRaw => ({
  path: role,
  name: role,
  component,
  meta: { role, title },
});

export const routes: RouteRecordRaw[] = [
  { path: "/login", name: "login", component: () => import("@/pages/LoginPage.vue"), meta: { public: true, title: "login.title" } },
  { path: "/screen", name: "screen", component: () => import("@/pages/ScreenPage.vue"), meta: { public: true, title: "screen.title" } },
  {
    path: "/",
    component: () => import("@/layouts/PersonLayout.vue"),
    children: [
      { path: "", name: "home", redirect: () => useAuthStore().home },
      personHome("admin", "admin.title", () => import("@/pages/AdminHome.vue")),
      { path: "admin/devices", name: "admin-devices", component: () => import("@/pages/admin/AdminDevices.vue"), meta: { role: "admin", title: "deviceAdmin.title" } },
      personHome("agent", "agent.title", () => import("@/pages/AgentHome.vue")),
      { path: "agent/projects", name: "agent-projects", component: () => import("@/pages/agent/AgentProjects.vue"), meta: { role: "agent", title: "projects.title" } },
      { path: "agent/openings/:lotId", name: "agent-opening", component: () => import("@/pages/agent/AgentOpening.vue"), meta: { role: "agent", title: "console.title" } },
      personHome("bidder", "roles.bidder", () => import("@/pages/BidderHome.vue")),
      { path: "bidder/lots/:lotId", name: "bidder-lot", component: () => import("@/pages/bidder/BidderLot.vue"), meta: { role: "bidder", title: "bidder.lotTitle" } },
      personHome("expert", "roles.expert", () => import("@/pages/ExpertHome.vue")),
      personHome("supervisor", "wall.title", () => import("@/pages/SupervisorHome.vue")),
      { path: "supervisor/rooms/:roomId", name: "supervisor-room", component: () => import("@/pages/supervisor/SupervisorRoom.vue"), meta: { role: "supervisor", title: "roomDetail.title" } },
      { path: "supervisor/escrow", name: "supervisor-escrow", component: () => import("@/pages/supervisor/SupervisorEscrow.vue"), meta: { role: "supervisor", title: "escrow.title" } },
      // Statistics: admins, supervisors and agents (the page and the server check the role).
      { path: "stats", name: "stats", component: () => import("@/pages/stats/StatsPage.vue"), meta: { title: "stats.title" } },
    ],
  },
  { path: "/:pathMatch(.*)*", name: "not-found", component: () => import("@/pages/NotFoundPage.vue"), meta: { public: true } },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach((to) => {
  const auth = useAuthStore();
  if (to.meta.public) {
    if (to.name === "login" && auth.isLoggedIn) return auth.home;
    return true;
  }
  if (!auth.isLoggedIn) {
    return to.fullPath === "/" ? { name: "login" } : { name: "login", query: { redirect: to.fullPath } };
  }
  const role = to.matched.map((r) => r.meta.role).find((r) => r !== undefined);
  if (role && role !== auth.role) return auth.home;
  return true;
});
