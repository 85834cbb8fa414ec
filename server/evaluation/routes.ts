// HTTP routes of the evaluation: contract → query.
import type { Express } from "express";
import { readFile } from "node:fs/promises";
import { routes } from "@contracts/http";
import type { EvalStep, EvalStatus } from "@contracts/evaluation";
import { streamKey } from "@contracts/streams";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { mount, person } from "../http/mount";
import { reportPath } from "./model";

export function mountEvaluationRoutes(server: Express, app: AppContext): void {
  mount(server, app, routes.listEvaluations, async ({ principal }, { lotId }) => {
    const p = person(principal);
    const rows = await app.db.evalSession.findMany({ where: lotId ? { lotId } : {}, orderBy: { startedAt: "desc" }, take: 200 });
    const lots = new Map((await app.db.lot.findMany({ where: { id: { in: rows.map((r) => r.lotId) } }, include: { project: true } })).map((l) => [l.id, l]));
    return rows
      .filter((r) => p.role !== "agent" || lots.get(r.lotId)?.project.agentUserId === p.userId)
      .map((r) => ({ sessionId: r.id, lotId: r.lotId, lotCode: lots.get(r.lotId)?.code ?? "", projectName: lots.get(r.lotId)?.project.name ?? "", step: r.step as EvalStep, status: r.status as EvalStatus, startedAt: r.startedAt.toISOString() }));
  });
  mount(server, app, routes.lotEvaluation, async ({ principal }, { lotId }) => {
    const p = person(principal);
    const lot = await app.db.lot.findUnique({ where: { id: lotId }, include: { project: true } });
    if (!lot) throw new AppError("NOT_FOUND", `No lot ${lotId}`);
    const bidder = p.role === "bidder" && !!p.companyId && (await app.db.bid.count({ where: { lotId, companyId: p.companyId } })) > 0;
    // A bidder without a bid on the lot (yet) learns nothing of an evaluation: null, as for a lot without one.
    if (p.role === "bidder" && !bidder) return null;
    if (p.role === "agent" && lot.project.agentUserId !== p.userId) throw new AppError("FORBIDDEN", "Only the project's tender agent may read this");
    // A lot without an evaluation (yet) is a normal state, not a missing resource: 200 with null.
    const s = await app.db.evalSession.findFirst({ where: { lotId }, orderBy: { startedAt: "desc" } });
    if (!s) return null;
    return {
      sessionId: s.id,
      step: s.step as EvalStep,
      status: s.status as EvalStatus,
      streams: {
        public: streamKey.evaluation(s.id),
        agent: p.role === "bidder" ? null : streamKey.evaluationAgent(s.id),
        supervisor: p.role === "supervisor" || p.role === "admin" ? streamKey.evaluationSupervisor(s.id) : null,
        company: bidder && p.companyId ? streamKey.evaluationCompany(s.id, p.companyId) : null,
      },
    };
  });
  mount(server, app, routes.evaluationReport, async ({ principal }, { sessionId }) => {
    const p = person(principal);
    const s = await app.db.evalSession.findUnique({ where: { id: sessionId } });
    if (!s) throw new AppError("NOT_FOUND", `No evaluation ${sessionId}`);
    if (p.role === "agent") {
      const lot = await app.db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
      if (lot.project.agentUserId !== p.userId) throw new AppError("FORBIDDEN", "Only the project's tender agent may read this");
    }
    if (!s.reportSha256) throw new AppError("NOT_FOUND", "The report is made when the report step begins");
    return readFile(reportPath(app, sessionId));
  });
}
