// The tabs of each role's pages (RoleNav): path, i18n key, and when the tab is lit —
// "exact" on its own path only, "prefix" on its path and below (router-link's
// active class), or a test of the current path.
import { OUTBOX_PAGE_PATH } from "@contracts/outbox";

export type NavItem = { to: string; label: string; active: "exact" | "prefix" | ((path: string) => boolean) };
export type NavRole = "admin" | "agent" | "supervisor";

export const roleNavItems: Record<NavRole, NavItem[]> = {
  admin: [
    { to: "/admin", label: "adminNav.home", active: "exact" },
    { to: "/admin/devices", label: "adminNav.devices", active: "prefix" },
    { to: "/admin/experts", label: "experts.nav.pool", active: "prefix" },
    { to: OUTBOX_PAGE_PATH, label: "outbox.nav", active: "prefix" },
    { to: "/stats", label: "stats.nav", active: "prefix" },
  ],
  agent: [
    { to: "/agent", label: "agentNav.notices", active: "exact" },
    { to: "/agent/projects", label: "agentNav.projects", active: "prefix" },
    { to: "/agent/evaluations", label: "evaluation.nav", active: "prefix" },
    { to: "/agent/experts", label: "experts.nav.draws", active: "prefix" },
    { to: "/stats", label: "stats.nav", active: "prefix" },
  ],
  supervisor: [
    // The wall tab stays lit on a room's details.
    { to: "/supervisor", label: "supervisorNav.wall", active: (path) => path === "/supervisor" || path.startsWith("/supervisor/rooms/") },
    { to: "/supervisor/escrow", label: "supervisorNav.escrow", active: "prefix" },
    { to: "/supervisor/evaluations", label: "evaluation.nav", active: "prefix" },
    { to: "/supervisor/experts", label: "experts.nav.monitor", active: "prefix" },
    { to: OUTBOX_PAGE_PATH, label: "outbox.nav", active: "prefix" },
    { to: "/stats", label: "stats.nav", active: "prefix" },
  ],
};
