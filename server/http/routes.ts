// Every HTTP API route: the contract it implements and the command it calls.
import type { Express } from "express";
import { routes } from "@contracts/http";
import { login, logout, me } from "../auth/commands";
import type { AppContext } from "../context";
import { setRoomNotice } from "../rooms/commands";
import { listRooms } from "../rooms/queries";
import { mount, person } from "./mount";
import { mountOpeningRoutes } from "../opening/routes";
import { mountDeviceRoutes } from "../devices/routes";
import { mountExpertRoutes } from "../experts/routes";
import { mountStatsRoutes } from "../stats/routes";
import { mountEvaluationRoutes } from "../evaluation/routes";

export function mountApiRoutes(server: Express, app: AppContext): void {
  mount(server, app, routes.login, ({ ip }, input) =>
    login({ db: app.db, throttle: app.throttle, tokenTtlMs: app.config.tokenTtlMs }, input, ip),
  );
  mount(server, app, routes.logout, ({ principal }) => logout(app.db, person(principal), app.events));
  mount(server, app, routes.me, ({ principal }) => me(app.db, person(principal)));
  mount(server, app, routes.listRooms, () => listRooms(app.db));
  mount(server, app, routes.setRoomNotice, ({ principal }, input) => setRoomNotice(app, person(principal), input));

  mountOpeningRoutes(server, app);
  mountDeviceRoutes(server, app);
  mountExpertRoutes(server, app);
  mountStatsRoutes(server, app);
  mountEvaluationRoutes(server, app);
}
