// HTTP routes of the statistics: contract → command or query.
import type { Express, Request } from "express";
import { routes } from "@contracts/http";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { mount, person } from "../http/mount";
import { reportCsv, reportText } from "./format";
import { importDeals } from "./import";
import { createDeal, listDeals } from "./ledger";
import { lotReleasePackage, projectReleasePackage, type OcdsViewer } from "./ocds";
import { reportPdf } from "./pdf";
import { buildReport } from "./report";
import { listRules, loadRules, setRule } from "./rules";

/** Largest CSV accepted over HTTP (≈ 2.5 million rows); bigger files go through `npm run stats -- import`. */
export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s).slice(0, 200);
  } catch {
    return s.slice(0, 200);
  }
};

/** Who reads the open data as staff (the lots not opened yet too); anybody else reads it as the public. */
const staffRoles = new Set<string>(["admin", "supervisor", "agent"]);

const centerName = async (app: AppContext) => (await app.db.center.findFirst({ orderBy: { createdAt: "asc" } }))?.name ?? "公共资源交易中心";

export function mountStatsRoutes(server: Express, app: AppContext): void {
  mount(server, app, routes.statsReport, (_c, q) => buildReport(app.db, q));
  mount(server, app, routes.statsReportCsv, async (_c, q) => `\uFEFF${reportCsv(await buildReport(app.db, q))}`);
  mount(server, app, routes.statsReportText, async (_c, q) => reportText(await buildReport(app.db, q), await loadRules(app.db), await centerName(app)));
  mount(server, app, routes.statsReportPdf, async (_c, q) =>
    Buffer.from(await reportPdf(app.db, q, { centerName: await centerName(app), signer: app.pki.platform })),
  );
  mount(server, app, routes.listDeals, (_c, q) => listDeals(app.db, q));
  mount(server, app, routes.createDeal, ({ principal }, input) => createDeal(app.db, actorOf(person(principal)), input));
  mount(server, app, routes.importDeals, async ({ principal, req }) => {
    const who = person(principal);
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (!["text/csv", "text/plain", "application/octet-stream"].includes(type)) {
      throw new AppError("VALIDATION_FAILED", `Send the CSV file itself as the body with Content-Type: text/csv (got ${type || "none"})`);
    }
    const len = Number(req.headers["content-length"] ?? NaN);
    if (len > MAX_IMPORT_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `The file is ${len} bytes; at most ${MAX_IMPORT_BYTES} over HTTP (use npm run stats -- import)`);
    const fileName = typeof req.headers["x-file-name"] === "string" ? safeDecode(req.headers["x-file-name"]) : undefined;
    const result = await importDeals(app.db, actorOf(who), req, {
      fileName,
      maxBytes: MAX_IMPORT_BYTES,
      onDetachError: (err) => app.log.warn({ err, mod: "stats" }, "import scratch file not detached"),
    });
    app.log.info({ mod: "stats", by: who.username, ...result }, "ledger imported");
    return result;
  });
  mount(server, app, routes.listCategoryRules, () => listRules(app.db));
  mount(server, app, routes.setCategoryRule, ({ principal }, input) => setRule(app.db, actorOf(person(principal)), input));
  // Open data: the package itself, with its own address as `uri`; staff also see the lots not opened yet.
  const ocds = (req: Request, principal: Principal | null) => ({
    uri: `${req.protocol}://${req.get("host") ?? "localhost"}${req.path}`,
    viewer: (principal?.kind === "user" && staffRoles.has(principal.role) ? "staff" : "public") as OcdsViewer,
  });
  mount(server, app, routes.projectOcds, async ({ req, principal }, { projectId }) => projectReleasePackage(app.db, projectId, ocds(req, principal)));
  mount(server, app, routes.openDataProject, async ({ req, principal }, { projectId }) => projectReleasePackage(app.db, projectId, ocds(req, principal)));
  mount(server, app, routes.openDataLot, async ({ req, principal }, { lotId }) => lotReleasePackage(app.db, lotId, ocds(req, principal)));
}
