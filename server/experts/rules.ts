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
import { exclusionNames, type RequestDrawInput } from "@contracts/experts";
import type { ExpertsConfig } from "../config";
import { formatShanghai } from "@contracts/time";
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

// ── sign-in and answers ──

/** How far from the evaluation time a seat can sign in at a terminal. */
export const SIGN_IN_WINDOW_MS = 12 * 3_600_000;
export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_TRIES = 5;
/** Wrong proofs (last 4 of the ID number) an invitation link takes before it is locked. */
export const ANSWER_MAX_TRIES = 5;
/** Per seat: a new sign-in code at most once a minute, and at most 5 an hour. */
export const OTP_RESEND_MS = 60_000;
export const OTP_MAX_PER_HOUR = 5;
export const OTP_WINDOW_MS = 3_600_000;

/**
 * The sign-in code rate limit of one seat, from its pick row: one a minute (the
 * last code's time is its expiry − TTL), and at most OTP_MAX_PER_HOUR in the hour
 * that opened with the first code of the window. Throws RATE_LIMITED; else tells
 * whether the window is still open (the new code counts in it).
 */
export function checkCodeRate(p: { otpExpiresAt: Date | null; otpWindowAt: Date | null; otpSends: number }, now: Date): { windowOpen: boolean } {
  const nowMs = now.getTime();
  const lastSent = p.otpExpiresAt ? p.otpExpiresAt.getTime() - OTP_TTL_MS : null;
  if (lastSent !== null && nowMs - lastSent < OTP_RESEND_MS) {
    const wait = Math.ceil((OTP_RESEND_MS - (nowMs - lastSent)) / 1000);
    throw new AppError("RATE_LIMITED", `A code was sent less than a minute ago; ask again in ${wait} s`, [{ path: "residentId", message: `retry after ${new Date(lastSent + OTP_RESEND_MS).toISOString()}` }]);
  }
  const windowOpen = p.otpWindowAt !== null && nowMs - p.otpWindowAt.getTime() < OTP_WINDOW_MS;
  if (windowOpen && p.otpSends >= OTP_MAX_PER_HOUR) {
    const reopens = new Date(p.otpWindowAt!.getTime() + OTP_WINDOW_MS);
    throw new AppError("RATE_LIMITED", `${OTP_MAX_PER_HOUR} codes were sent for this seat in the last hour; ask again after ${formatShanghai(reopens)}`, [
      { path: "residentId", message: `retry after ${reopens.toISOString()}` },
    ]);
  }
  return { windowOpen };
}

// ── the draw's plan ──

type DrawSite = RequestDrawInput["sites"][number];

/** One bucket of a draw: a site × specialty, its need and backups. */
export interface PlannedBucket {
  siteIndex: number;
  roomId: string;
  role: DrawSite["role"];
  regionPrefix: string;
  specialtyCode: string;
  need: number;
  backups: number;
}

/** The request's sites × specialties, in order: the draw's buckets. */
export function drawPlan(sites: readonly DrawSite[]): PlannedBucket[] {
  return sites.flatMap((site, siteIndex) =>
    site.needs.map((n) => ({ siteIndex, roomId: site.roomId, role: site.role, regionPrefix: site.regionPrefix ?? "", specialtyCode: n.specialtyCode, need: n.count, backups: n.backups })),
  );
}

/**
 * The buckets the frozen lists cannot fill (need + backups), one issue each at
 * the request's path, with the exclusion that removed the most. Throws POOL_SHORT.
 */
export function assertPoolCovers(
  plan: readonly PlannedBucket[],
  frozen: readonly { eligible: { readonly length: number }; candidates: number; excluded: Record<string, number> }[],
  sites: readonly DrawSite[],
  roomName: (roomId: string) => string,
  specialtyName: (code: string) => string,
): void {
  const short = plan.flatMap((p, i) => {
    const b = frozen[i]!;
    const required = p.need + p.backups;
    if (b.eligible.length >= required) return [];
    const top = Object.entries(b.excluded).sort((x, y) => y[1] - x[1])[0] as [keyof typeof exclusionNames, number] | undefined;
    const message =
      `site ${p.siteIndex + 1} ${roomName(p.roomId)} (${p.role}), specialty ${p.specialtyCode} ${specialtyName(p.specialtyCode)}: ` +
      `needs ${required} (${p.need} + ${p.backups} backup${p.backups === 1 ? "" : "s"}), ${b.eligible.length} eligible of ${b.candidates}, short by ${required - b.eligible.length}; ` +
      (top ? `the exclusion that removed the most: ${top[0]} ${exclusionNames[top[0]]} (${top[1]})` : "no exclusion applied: the pool has too few experts here");
    return [{ path: `sites.${p.siteIndex}.needs.${sites[p.siteIndex]!.needs.findIndex((n) => n.specialtyCode === p.specialtyCode)}`, message }];
  });
  if (short.length) throw new AppError("POOL_SHORT", `The pool cannot fill this request: ${short.map((s) => s.message).join("; ")}`, short);
}
