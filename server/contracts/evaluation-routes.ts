// HTTP routes of the evaluation (评标). Merged into `routes` in http.ts.
import { z } from "zod";
import { Id } from "./common";
import { EvaluationListItem, LotEvaluation } from "./evaluation";
import { route } from "./route-contract";

export const evaluationRoutes = {
  listEvaluations: route({
    method: "GET",
    path: "/api/evaluations",
    input: z.object({ lotId: Id.optional() }),
    output: z.array(EvaluationListItem),
    audience: ["admin", "agent", "supervisor"],
    summary: "Evaluation sessions (newest first), optionally of one lot",
  }),
  lotEvaluation: route({
    method: "GET",
    path: "/api/lots/:lotId/evaluation",
    input: z.object({ lotId: Id }),
    output: LotEvaluation.nullable(),
    audience: ["admin", "agent", "bidder", "supervisor"],
    summary: "The lot's current evaluation (the newest session) and the streams this caller may join; null while the lot has none",
  }),
  evaluationReport: route({
    method: "GET",
    path: "/api/evaluations/:sessionId/report.pdf",
    input: z.object({ sessionId: Id }),
    output: z.unknown(),
    audience: ["admin", "agent", "supervisor"],
    summary: "The evaluation report (评标报告) PDF with every signature so far",
    produces: "pdf",
  }),
} as const;
