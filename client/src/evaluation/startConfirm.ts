// Starting an evaluation early (evaluation:create answered EVALUATION_NOT_READY): what
// the confirmation dialog names — the seats whose experts have not accepted (seat, site,
// specialty; never a name: the committee stays sealed until sign-in) and the scheduled
// time in Asia/Shanghai. The server sends them as error details (path notAccepted: one
// JSON seat each; path evaluationAt: the ISO time).
import type { ErrorBody } from "@contracts/common";
import { shanghaiTime } from "../opening/time";

export interface NotReady {
  notAccepted: { seat: number; room: string; role: "main" | "secondary"; specialty: string }[];
  evaluationAt: string | null;
}

export function parseNotReady(err: ErrorBody): NotReady | null {
  if (err.code !== "EVALUATION_NOT_READY") return null;
  const out: NotReady = { notAccepted: [], evaluationAt: null };
  for (const d of err.details ?? []) {
    if (d.path === "evaluationAt") out.evaluationAt = d.message;
    if (d.path !== "notAccepted") continue;
    try {
      const x = JSON.parse(d.message) as NotReady["notAccepted"][number];
      if (typeof x.seat === "number") out.notAccepted.push(x);
    } catch {
      /* a detail the page does not know: left out */
    }
  }
  return out;
}

type T = (key: string, named?: Record<string, unknown>) => string;

/** The dialog's lines, in the user's language: the seats not accepted, then the scheduled time. */
export function notReadyLines(n: NotReady, t: T): { heading: string | null; seats: string[]; early: string | null } {
  return {
    heading: n.notAccepted.length ? t("evaluation.agent.notAccepted") : null,
    seats: n.notAccepted.map((x) => t("evaluation.agent.seatLine", { seat: x.seat, room: x.room, role: t(`evaluation.roles.${x.role}`), specialty: x.specialty })),
    early: n.evaluationAt ? t("evaluation.agent.early", { at: shanghaiTime(n.evaluationAt) }) : null,
  };
}
