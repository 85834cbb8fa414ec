// Committee rules (评标委员会组成), all configurable (server/config.ts, EXPERT_*):
// - at least 5 members (招标投标法 art. 37; 评标委员会和评标方法暂行规定 art. 9),
//   at least 3 for a consultation or negotiation group (磋商小组/谈判小组),
//   at least 7 in government procurement from a budget of 10 million yuan
//   (1,000,000,000 fen; 财政部令第87号 art. 47);
// - an odd number of members;
// - drawn experts at least 2/3 of the members; the rest are the tenderer's
//   representatives (招标人代表), who are seats, not draws.
// And for government procurement the draw happens no earlier than N working
// days before the evaluation: weekends, public holidays and make-up working days
// (调休) from the work calendar (holidays.ts; EXPERT_HOLIDAYS_FILE for more years).
import type { ExpertsConfig } from "../config";
import { AppError } from "../errors";
import { DEFAULT_CALENDAR, type WorkCalendar } from "./holidays";

export interface CommitteeCheck {
  size: number;
  experts: number;
  ownerRepresentatives: number;
  minimum: number;
  /** Which rule sets the minimum (the pages word it): 招标投标法 art. 37, a negotiation/consultation group, or 财政部令第87号 art. 47. */
  basis: CommitteeBasis;
  /** With basis large-procurement: the budget from which it applies. */
  thresholdFen?: number;
}
export type CommitteeBasis = "tender-law" | "consultation" | "large-procurement";

export function checkCommittee(
  cfg: ExpertsConfig["committee"],
  project: { category: string; procedure: string; budgetFen: bigint | null },
  experts: number,
  ownerRepresentatives: number,
): CommitteeCheck {
  const size = experts + ownerRepresentatives;
  let minimum = cfg.min;
  let basis: CommitteeBasis = "tender-law";
  let rule = `at least ${cfg.min} members (Tendering and Bidding Law art. 37)`;
  if (project.procedure === "competitive-negotiation" || project.procedure === "competitive-consultation") {
    minimum = cfg.minConsultation;
    basis = "consultation";
    rule = `at least ${cfg.minConsultation} members for a negotiation or consultation group`;
  }
  const large = project.category === "procurement" && project.budgetFen !== null && project.budgetFen >= BigInt(cfg.largeProcurementFen);
  if (large) {
    minimum = Math.max(minimum, cfg.minLargeProcurement);
    basis = "large-procurement";
    rule = `at least ${cfg.minLargeProcurement} members: government procurement with a budget of ${cfg.largeProcurementFen / 1_000_000} ten-thousand yuan or more (MOF Order 87 art. 47)`;
  }
  const problems: { path: string; message: string }[] = [];
  if (size < minimum) problems.push({ path: "sites", message: `the committee has ${size} members; ${rule}` });
  if (cfg.odd && size % 2 === 0) problems.push({ path: "ownerRepresentatives", message: `the committee has ${size} members; it must be an odd number` });
  const { num, den } = cfg.minShare;
  if (experts * den < num * size) {
    problems.push({
      path: "ownerRepresentatives",
      message: `${experts} drawn experts of ${size} members is less than ${num}/${den}; at most ${Math.floor((experts * den) / num) - experts} tenderer's representatives`,
    });
  }
  if (problems.length) throw new AppError("COMMITTEE_RULES", `Committee rules not met: ${problems.map((p) => p.message).join("; ")}`, problems);
  return { size, experts, ownerRepresentatives, minimum, basis, ...(large ? { thresholdFen: cfg.largeProcurementFen } : {}) };
}

/**
 * The committee as the draw row keeps it (JSON). Rows written before `basis` existed kept an English `rule`
 * sentence instead: its basis is read back from it (the page words the rule from the basis).
 */
export function storedCommittee(json: string): CommitteeCheck {
  const c = JSON.parse(json) as CommitteeCheck & { rule?: string };
  const { rule, ...rest } = c;
  if (rest.basis) return rest;
  const wan = /budget of (\d+(?:\.\d+)?) 万元/.exec(rule ?? "");
  if (wan) return { ...rest, basis: "large-procurement", thresholdFen: Math.round(Number(wan[1]) * 1_000_000) };
  return { ...rest, basis: /negotiation or consultation/.test(rule ?? "") ? "consultation" : "tender-law" };
}

const SHANGHAI_MS = 8 * 3_600_000;

/**
 * The earliest moment a procurement draw may happen: 00:00 (Asia/Shanghai) of
 * the `workdays`-th working day before the evaluation day (weekends, public
 * holidays and 调休 make-up working days per the calendar).
 */
export function drawWindowOpens(evaluationAt: Date, workdays: number, calendar: WorkCalendar = DEFAULT_CALENDAR): Date {
  const local = new Date(evaluationAt.getTime() + SHANGHAI_MS);
  let day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  let counted = 0;
  for (let guard = 0; counted < workdays && guard < 3660; guard++) {
    day -= 86_400_000;
    if (calendar.isWorkday(new Date(day).toISOString().slice(0, 10))) counted++;
  }
  return new Date(day - SHANGHAI_MS);
}
