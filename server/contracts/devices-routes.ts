// HTTP routes of device management. Merged into `routes` in http.ts.
import { z } from "zod";
import { Id } from "./common";
import { CreateDeviceInput, DeviceAdminView, DeviceWithKey } from "./devices";
import { route } from "./route-contract";

export const deviceRoutes = {
  listDevices: route({
    method: "GET",
    path: "/api/devices",
    input: z.object({}),
    output: z.array(DeviceAdminView),
    audience: ["admin", "supervisor"],
    summary: "Every device with its room, online state and last reported health",
  }),
  createDevice: route({
    method: "POST",
    path: "/api/devices",
    input: CreateDeviceInput,
    output: DeviceWithKey,
    audience: ["admin"],
    summary: "Register a device; its key is shown once",
  }),
  rotateDeviceKey: route({
    method: "POST",
    path: "/api/devices/:deviceId/rotate-key",
    input: z.object({ deviceId: Id }),
    output: DeviceWithKey,
    audience: ["admin"],
    summary: "Give a device a new key (the old one stops working; its sockets are dropped)",
  }),
  revokeDevice: route({
    method: "POST",
    path: "/api/devices/:deviceId/revoke",
    input: z.object({ deviceId: Id }),
    output: DeviceAdminView,
    audience: ["admin"],
    summary: "Revoke a device's key; its sockets are dropped",
  }),
} as const;
