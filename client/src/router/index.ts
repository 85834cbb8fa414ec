// History-mode routes. People log in at /login and land on their role's home;
// hall devices open /screen with their key and never log in.
import { createRouter, createWebHistory, type RouteRecordRaw, type RouteRecordSingleView } from "vue-router";
import type { Role } from "@contracts/common";
import { OUTBOX_PAGE_PATH } from "@contracts/outbox";
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
  // Experts (专家抽取): the invitation link an expert gets by SMS, and an expert terminal's sign-in screen (device key).
  { path: "/invite", name: "expert-invite", component: () => import("@/pages/InvitePage.vue"), meta: { public: true, title: "experts.invite.title" } },
  { path: "/expert-terminal", name: "expert-terminal", component: () => import("@/experts/ExpertTerminalPage.vue"), meta: { public: true, title: "experts.signIn.title" } },
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
      { path: "agent/evaluations", name: "agent-evaluations", component: () => import("@/pages/agent/EvaluationList.vue"), meta: { role: "agent", title: "evaluation.nav" } },
      { path: "agent/evaluations/:sessionId", name: "agent-evaluation", component: () => import("@/pages/agent/EvaluationConsole.vue"), meta: { role: "agent", title: "evaluation.nav" } },
      personHome("bidder", "roles.bidder", () => import("@/pages/BidderHome.vue")),
      { path: "bidder/lots/:lotId", name: "bidder-lot", component: () => import("@/pages/bidder/BidderLot.vue"), meta: { role: "bidder", title: "bidder.lotTitle" } },
      { path: "bidder/evaluations/:sessionId", name: "bidder-clarifications", component: () => import("@/pages/bidder/ClarificationPage.vue"), meta: { role: "bidder", title: "evaluation.bidder.title" } },
      { path: "bidder/lots/:lotId/clarifications", name: "bidder-lot-clarifications", component: () => import("@/pages/bidder/ClarificationPage.vue"), meta: { role: "bidder", title: "evaluation.bidder.title" } },
      personHome("expert", "roles.expert", () => import("@/pages/ExpertHome.vue")),
      personHome("supervisor", "wall.title", () => import("@/pages/SupervisorHome.vue")),
      { path: "supervisor/rooms/:roomId", name: "supervisor-room", component: () => import("@/pages/supervisor/SupervisorRoom.vue"), meta: { role: "supervisor", title: "roomDetail.title" } },
      { path: "supervisor/escrow", name: "supervisor-escrow", component: () => import("@/pages/supervisor/SupervisorEscrow.vue"), meta: { role: "supervisor", title: "escrow.title" } },
      { path: "supervisor/evaluations", name: "supervisor-evaluations", component: () => import("@/pages/supervisor/EvaluationMonitor.vue"), meta: { role: "supervisor", title: "evaluation.sup.title" } },
      { path: "supervisor/evaluations/:sessionId", name: "supervisor-evaluation", component: () => import("@/pages/supervisor/EvaluationMonitor.vue"), meta: { role: "supervisor", title: "evaluation.sup.title" } },
      // Statistics: admins, supervisors and agents (the page and the server check the role).
      { path: "stats", name: "stats", component: () => import("@/pages/stats/StatsPage.vue"), meta: { title: "stats.title" } },
      // Experts (专家抽取): the pool (admin), draws (agent), oversight (supervisor), fairness (admin and supervisor; the server checks the role).
      { path: "admin/experts", name: "admin-experts", component: () => import("@/pages/admin/experts/ExpertsPool.vue"), meta: { role: "admin", title: "experts.pool.title" } },
      { path: "admin/experts/import", name: "admin-experts-import", component: () => import("@/pages/admin/experts/ExpertsImport.vue"), meta: { role: "admin", title: "experts.import.title" } },
      { path: "admin/experts/specialties", name: "admin-experts-specialties", component: () => import("@/pages/admin/experts/ExpertsSpecialties.vue"), meta: { role: "admin", title: "experts.tree.title" } },
      { path: "agent/experts", name: "agent-experts", component: () => import("@/pages/agent/experts/ExpertDraws.vue"), meta: { role: "agent", title: "experts.draws.title" } },
      { path: "agent/experts/:drawId", name: "agent-expert-draw", component: () => import("@/pages/agent/experts/ExpertDrawLive.vue"), meta: { role: "agent", title: "experts.draws.title" } },
      { path: "supervisor/experts/:drawId?", name: "supervisor-experts", component: () => import("@/pages/supervisor/experts/ExpertMonitor.vue"), meta: { role: "supervisor", title: "experts.monitor.title" } },
      // The notification outbox (admins and supervisors; the server checks the role).
      { path: OUTBOX_PAGE_PATH.slice(1), name: "outbox", component: () => import("@/pages/outbox/OutboxPage.vue"), meta: { title: "outbox.title" } },
      { path: "experts/fairness", name: "experts-fairness", component: () => import("@/pages/supervisor/experts/ExpertFairness.vue"), meta: { title: "experts.fairness.title" } },
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
