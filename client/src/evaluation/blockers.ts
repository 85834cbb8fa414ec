// What keeps the step from being left, worded for the page: the server sends
// codes and seats (Blocker), the text comes from evaluation.agent.blocker.*.
import type { Blocker } from "@contracts/evaluation";

type T = (key: string, params?: Record<string, unknown>) => string;

export const blockerText = (t: T, b: Blocker): string =>
  t(`evaluation.agent.blocker.${b.code}`, { seats: b.seats.join(t("evaluation.agent.blocker.sep")) });
