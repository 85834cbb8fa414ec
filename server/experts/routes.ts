// HTTP routes of the experts domain: contract → command.
import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Express } from "express";
import { routes } from "@contracts/http";
import { actorOf } from "../auth/principal";
import type { AppContext } from "../context";
import { AppError, validationError } from "../errors";
import { ImportQuery } from "@contracts/experts";
import { mount, person } from "../http/mount";
import { answerInvitation } from "./commands/answer-invitation";
import { requestDraw } from "./commands/request-draw";
import { revealDraw } from "./commands/reveal-draw";
import { viewInvitation } from "./views";
import { fairnessReport, fairnessReportPg, periodBound } from "./fairness";
import { dbProvider } from "../db";
import { importExperts, importRefused } from "./importer";
import { addLeave, addRelation, assertAdmin, createExpert, getExpert, listExperts, removeLeave, removeRelation, updateExpert } from "./pool";
import { expertDrawAudit, expertDrawRecord, listDraws } from "./queries";
import { importSpecialties, listSpecialties } from "./specialties";
import { listOutbox } from "./outbox";

export function mountExpertRoutes(server: Express, app: AppContext): void {
  mount(server, app, routes.listExperts, ({ principal }, q) => listExperts(app, person(principal), q));
  mount(server, app, routes.createExpert, ({ principal }, input) => createExpert(app, person(principal), input));
  mount(server, app, routes.importExperts, async ({ principal, req }) => {
    const admin = assertAdmin(person(principal));
    // A raw body's route gets only its path params from mount(): read the query here.
    const parsed = ImportQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error, "query");
    const q = parsed.data;
    const max = app.config.experts.importMaxBytes;
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > max) throw new AppError("PAYLOAD_TOO_LARGE", `The file is ${declared} bytes; at most ${max}`);
    const dir = join(app.config.dataDir, "tmp");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `experts-import-${randomUUID()}.${q.format}`);
    let seen = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        done(seen > max ? new AppError("PAYLOAD_TOO_LARGE", `The file exceeds ${max} bytes`) : null, chunk);
      },
    });
    try {
      await pipeline(req, limit, createWriteStream(file));
      const report = await importExperts({ databaseUrl: app.config.databaseUrl, box: app.box, ids: app.experts.ids }, { file, format: q.format, policy: q.policy, actor: actorOf(admin) });
      // A refused import (all-or-nothing, bad rows) is an error answer (422), its rows in the details.
      if (!report.committed) throw importRefused(report);
      return report;
    } finally {
      rmSync(file, { force: true });
    }
  });
  mount(server, app, routes.getExpert, ({ principal }, { expertId }) => {
    assertAdmin(person(principal));
    return getExpert(app.db, expertId);
  });
  mount(server, app, routes.updateExpert, ({ principal }, input) => updateExpert(app, person(principal), input));
  mount(server, app, routes.addExpertLeave, ({ principal }, input) => addLeave(app, person(principal), input));
  mount(server, app, routes.removeExpertLeave, ({ principal }, { expertId, leaveId }) => removeLeave(app, person(principal), expertId, leaveId));
  mount(server, app, routes.addExpertRelation, ({ principal }, input) => addRelation(app, person(principal), input));
  mount(server, app, routes.removeExpertRelation, ({ principal }, { expertId, relationId }) => removeRelation(app, person(principal), expertId, relationId));
  mount(server, app, routes.listSpecialties, () => listSpecialties(app.db));
  mount(server, app, routes.importSpecialties, ({ principal }, { nodes }) => importSpecialties(app.db, actorOf(assertAdmin(person(principal))), nodes));
  mount(server, app, routes.requestExpertDraw, ({ principal }, input) => requestDraw(app, person(principal), input));
  mount(server, app, routes.revealExpertDraw, ({ principal }, { drawId }) => revealDraw(app, person(principal), drawId));
  mount(server, app, routes.listExpertDraws, ({ principal }, { projectId }) => listDraws(app.db, person(principal), projectId));
  mount(server, app, routes.expertDrawRecord, (_c, { drawId }) => expertDrawRecord(app.db, drawId));
  mount(server, app, routes.expertDrawAudit, (_c, { drawId }) => expertDrawAudit(app.db, drawId));
  mount(server, app, routes.viewInvitation, (_c, { token }) => viewInvitation(app, token));
  mount(server, app, routes.answerInvitation, (_c, { token, decision, reason, idLast4 }) => answerInvitation(app, token, decision, idLast4, reason));
  mount(server, app, routes.listNotifications, ({ principal }, q) =>
    listOutbox(app.db, app.box, app.config.experts.notifier.kind, q, person(principal).role === "admin" ? "admin" : "supervisor"),
  );
  mount(server, app, routes.expertFairness, async (_c, { from, to }) =>
    dbProvider(app.db) === "postgresql" ? fairnessReportPg(app.db, periodBound(from), periodBound(to)) : fairnessReport(app.experts.pool().db, periodBound(from), periodBound(to)),
  );
}
