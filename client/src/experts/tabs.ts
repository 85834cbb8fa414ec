// The second-level tabs (ExpertsTabs) of the experts pages, per role.
export type ExpertsTab = { to: string; label: string; exact?: boolean };

const poolTab: ExpertsTab = { to: "/admin/experts", label: "experts.pool.title", exact: true };
const fairnessTab: ExpertsTab = { to: "/experts/fairness", label: "experts.nav.fairness" };

/** 专家库: the pool, the import, the specialty tree. */
export const adminExpertsTabs: ExpertsTab[] = [
  poolTab,
  { to: "/admin/experts/import", label: "experts.pool.import" },
  { to: "/admin/experts/specialties", label: "experts.pool.tree" },
];

/** 抽取监督 and the fairness report. */
export const supervisorExpertsTabs: ExpertsTab[] = [{ to: "/supervisor/experts", label: "experts.nav.monitor" }, fairnessTab];

/** The fairness page seen by an administrator. */
export const adminFairnessTabs: ExpertsTab[] = [poolTab, fairnessTab];
