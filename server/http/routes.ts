// Every HTTP API route: the contract it implements and the command it calls.
import type { Express } from "express";
import { routes } from "@contracts/http";
import { login, logout, me } from "../auth/commands";
import type { Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { setRoomNotice } from "../rooms/commands";
import { listRooms } from "../rooms/queries";
import { mount } from "./mount";
import { collectEscrowShare, createProject, getProject, listProjects } from "../opening/projects";
import { addCertificate, createCompany, listCertificates } from "../opening/companies";
import { myBids, submitBid, withdrawBid } from "../opening/bids";
import { submitKey } from "../opening/decryption";
import { assertMayReadLot, drawRecord } from "../opening/queries";
import { readOpeningRecord } from "../opening/record";
import { OPENSSL_KEY_RECOVERY_SH } from "../opening/sealing/openssl-recipe";
import { createDevice, listDevices, revokeDevice, rotateDeviceKey } from "../devices/registry";

const person = (p: Principal | null) => {
  if (!p || p.kind !== "user") throw new AppError("UNAUTHENTICATED", "Log in first");
  return p;
};

export function mountApiRoutes(server: Express, app: AppContext): void {
  mount(server, app, routes.login, ({ ip }, input) =>
    login({ db: app.db, throttle: app.throttle, tokenTtlMs: app.config.tokenTtlMs }, input, ip),
  );
  mount(server, app, routes.logout, ({ principal }) => logout(app.db, person(principal), app.events));
  mount(server, app, routes.me, ({ principal }) => me(app.db, person(principal)));
  mount(server, app, routes.listRooms, () => listRooms(app.db));
  mount(server, app, routes.setRoomNotice, ({ principal }, input) => setRoomNotice(app, person(principal), input));

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
  mount(server, app, routes.platformCertificate, async () => ({
    certificatePem: app.pki.platform.certPem,
    caCertificatePem: app.pki.ca.certPem,
  }));
  mount(server, app, routes.listDevices, () => listDevices(app));
  mount(server, app, routes.createDevice, ({ principal }, input) => createDevice(app, person(principal), input));
  mount(server, app, routes.rotateDeviceKey, ({ principal }, { deviceId }) => rotateDeviceKey(app, person(principal), deviceId));
  mount(server, app, routes.revokeDevice, ({ principal }, { deviceId }) => revokeDevice(app, person(principal), deviceId));
  mount(server, app, routes.keyRecoveryScript, async () => OPENSSL_KEY_RECOVERY_SH);
}
