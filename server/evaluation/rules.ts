// The evaluation's rules, pure (no database, no clock): which status and step a command needs, the next step per
// method, what keeps a step from being left (blockers as codes and seats), the chair vote's count, and how long a
// closed session stays on its rooms' screens. Loaders that feed them are in model.ts.
import { stepsFor, type Blocker, type EvalStep } from "@contracts/evaluation";
import { AppError } from "../errors";

// The order of the steps per method is stated once, in the contract.
export { stepsFor };

/**
 * How long a closed evaluation stays on its rooms' screens (views.ts evaluationInRoom): the expert
 * terminals show the closed page (report signed, thank you), the projector the result. A timer
 * (armed at the close, re-armed at start-up: timers.ts) refreshes the rooms afterwards: back to their idle view.
 */
export const CLOSED_SHOWN_MS = 10 * 60_000;

export function assertRunning(s: { status: string }) {
  if (s.status === "paused") throw new AppError("SESSION_PAUSED", "The evaluation is paused");
  if (s.status === "sealed") throw new AppError("SESSION_SEALED", "The evaluation was sealed");
  if (s.status === "closed") throw new AppError("SESSION_CLOSED", "The evaluation is closed");
}

export function assertStep(s: { step: string }, ...steps: EvalStep[]) {
  if (!steps.includes(s.step as EvalStep)) throw new AppError("STEP_CONFLICT", `The evaluation is at step ${s.step}, not ${steps.join("/")}`);
}

/** The step after `step` for the template's method (undefined after the last). */
export function nextStep(method: string, step: string): EvalStep | undefined {
  const steps = stepsFor(method);
  return steps[steps.indexOf(step as EvalStep) + 1];
}

/** A chair round's count: the most votes one candidate has, and every candidate who has them. */
export function tallyLeaders(votes: { candidateId: string }[]): { top: number; leaders: string[] } {
  const tally = new Map<string, number>();
  for (const v of votes) tally.set(v.candidateId, (tally.get(v.candidateId) ?? 0) + 1);
  const top = Math.max(...tally.values());
  return { top, leaders: [...tally].filter(([, n]) => n === top).map(([id]) => id) };
}

interface Seated {
  m: { id: string; seat: number; state: string; kind: string; pledgedAt: Date | null; declaredAt: Date | null; replacesId: string | null; signature: string };
  pick: { state: string };
}

/**
 * Why the current step may not be left yet (empty: it may): codes and seats; the pages word them (i18n).
 * `submitted`: the members with a live sheet of the step (sheet steps only).
 */
export function blockersFrom(s: { step: string; status: string; chairMemberId: string | null }, all: Seated[], submitted: Set<string> | null): Blocker[] {
  const active = all.filter((x) => x.m.state !== "recused");
  const out: Blocker[] = [];
  const seats = (code: Blocker["code"], list: number[]) => {
    if (list.length) out.push({ code, seats: list });
  };
  const notSigned = active.filter((x) => x.pick.state !== "signed-in").map((x) => x.m.seat);
  switch (s.step as EvalStep) {
    case "signin":
      seats("not-signed-in", notSigned);
      break;
    case "pledge":
      seats("no-pledge", active.filter((x) => !x.m.pledgedAt).map((x) => x.m.seat));
      break;
    case "conflicts": {
      seats("not-signed-in", notSigned);
      seats("no-pledge", active.filter((x) => !x.m.pledgedAt).map((x) => x.m.seat));
      seats("not-declared", active.filter((x) => !x.m.declaredAt).map((x) => x.m.seat));
      const recused = all.filter((x) => x.m.state === "recused");
      // A representative who withdraws is not replaced (never drawn): the committee goes on without the seat.
      seats("no-backup", recused.filter((r) => r.m.kind !== "owner-rep" && !all.some((x) => x.m.replacesId === r.m.id)).map((r) => r.m.seat));
      break;
    }
    case "chair":
      if (!s.chairMemberId) out.push({ code: "no-chair", seats: [] });
      break;
    case "qualification":
    case "scoring":
    case "adjustments":
      seats("not-submitted", active.filter((x) => !submitted?.has(x.m.id)).map((x) => x.m.seat));
      break;
    case "report":
      seats("not-signed", active.filter((x) => x.m.signature === "pending").map((x) => x.m.seat));
      break;
    default:
      break;
  }
  if (s.status !== "running") out.push({ code: "not-running", seats: [] });
  return out;
}

/** A blocker in the error's details and the log (English; the pages word blockers from their codes). */
export const blockerText = (b: Blocker): string => (b.seats.length ? `${b.code}: ${b.seats.join(",")}` : b.code);
