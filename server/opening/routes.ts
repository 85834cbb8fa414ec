// HTTP routes of the opening: contract → command.
import type { Express } from "express";
import { routes } from "@contracts/http";
import type { AppContext } from "../context";
import { mount, person } from "../http/mount";
import { collectEscrowShare, createProject, getProject, listProjects } from "./projects";
import { addCertificate, createCompany, listCertificates } from "./companies";
import { myBids, submitBid, withdrawBid } from "./bids";
import { submitKey } from "./decryption";
import { assertMayReadLot, drawRecord } from "./queries";
import { readOpeningRecord } from "./record";
import { readSupplement } from "./supplements";
import { OPENSSL_KEY_RECOVERY_SH } from "./sealing/openssl-recipe";

export function mountOpeningRoutes(server: Express, app: AppContext): void {
  mount(server, app, routes.createProject, ({ principal }, input) => createProject(app, person(principal), input));
  mount(server, app, routes.listProjects, () => listProjects(app.db));
  mount(server, app, routes.getProject, (_c, { projectId }) => getProject(app.db, projectId));
  mount(server, app, routes.createCompany, ({ principal }, input) => createCompany(app, person(principal), input));
  mount(server, app, routes.addCertificate, ({ principal }, input) => addCertificate(app, person(principal), input));
  mount(server, app, routes.listCertificates, ({ principal }, { companyId }) => listCertificates(app.db, person(principal), companyId));
  mount(server, app, routes.submitBid, ({ principal, req }, { lotId }) => {
    const len = req.headers["content-length"];
    return submitBid(app, person(principal), lotId, req, len === undefined ? undefined : Number(len));
  });
  mount(server, app, routes.withdrawBid, ({ principal }, { lotId }) => withdrawBid(app, person(principal), lotId));
  mount(server, app, routes.myBids, ({ principal }, { lotId }) => myBids(app, person(principal), lotId));
  mount(server, app, routes.submitKey, ({ principal }, { lotId, keyHex }) => submitKey(app, person(principal), lotId, keyHex));
  mount(server, app, routes.collectEscrowShare, ({ principal }, { lotId }) => collectEscrowShare(app, person(principal), lotId));
  mount(server, app, routes.drawRecord, async ({ principal }, { lotId }) => {
    await assertMayReadLot(app.db, person(principal), lotId);
    return drawRecord(app.db, lotId);
  });
  mount(server, app, routes.openingRecord, async ({ principal }, { lotId }) => {
    await assertMayReadLot(app.db, person(principal), lotId);
    return readOpeningRecord(app, lotId);
  });
  mount(server, app, routes.openingSupplement, async ({ principal }, { lotId, seq }) => {
    await assertMayReadLot(app.db, person(principal), lotId);
    return readSupplement(app, lotId, seq);
  });
  mount(server, app, routes.platformCertificate, async () => ({
    certificatePem: app.pki.platform.certPem,
    caCertificatePem: app.pki.ca.certPem,
  }));
  mount(server, app, routes.keyRecoveryScript, async () => OPENSSL_KEY_RECOVERY_SH);
}
