// HTTP routes of device management: contract → command.
import type { Express } from "express";
import { routes } from "@contracts/http";
import type { AppContext } from "../context";
import { mount, person } from "../http/mount";
import { createDevice, listDevices, revokeDevice, rotateDeviceKey } from "./registry";

export function mountDeviceRoutes(server: Express, app: AppContext): void {
  mount(server, app, routes.listDevices, () => listDevices(app));
  mount(server, app, routes.createDevice, ({ principal }, input) => createDevice(app, person(principal), input));
  mount(server, app, routes.rotateDeviceKey, ({ principal }, { deviceId }) => rotateDeviceKey(app, person(principal), deviceId));
  mount(server, app, routes.revokeDevice, ({ principal }, { deviceId }) => revokeDevice(app, person(principal), deviceId));
}
