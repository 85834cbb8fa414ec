// The HTTP API wire: every route with its body/params schema, result schema
// and audience. Routes are mounted from this table (server/http), so a route
// without a contract cannot exist. Responses use the Ack envelope.
import { z } from "zod";
import { Empty, LoginInput, LoginResult, LogoutResult, UserView } from "./auth";
import { RoomList, SetNoticeInput, SetNoticeResult } from "./rooms";
import { route, type RouteContract } from "./route-contract";
import { openingRoutes } from "./opening-routes";
import { deviceRoutes } from "./devices-routes";
import { statsRoutes } from "./stats-routes";
import { expertRoutes } from "./experts-routes";
import { evaluationRoutes } from "./evaluation-routes";
import { outboxRoutes } from "./outbox";

export type { RouteContract };

const people = ["admin", "agent", "bidder", "expert", "supervisor"] as const;

export const routes = {
  login: route({
    method: "POST",
    path: "/api/auth/login",
    input: LoginInput,
    output: LoginResult,
    audience: ["public"],
    summary: "Password login; returns a bearer token that expires",
  }),
  logout: route({
    method: "POST",
    path: "/api/auth/logout",
    input: Empty,
    output: LogoutResult,
    audience: people,
    summary: "Revoke the current token",
  }),
  me: route({
    method: "GET",
    path: "/api/auth/me",
    input: z.object({}),
    output: UserView,
    audience: people,
    summary: "The logged-in user",
  }),
  listRooms: route({
    method: "GET",
    path: "/api/rooms",
    input: z.object({}),
    output: RoomList,
    audience: people,
    summary: "The center's rooms",
  }),
  setRoomNotice: route({
    method: "POST",
    path: "/api/rooms/:roomId/notice",
    input: SetNoticeInput,
    output: SetNoticeResult,
    audience: ["admin", "agent"],
    summary: "Set the notice shown on every screen of a room",
  }),
  ...openingRoutes,
  ...deviceRoutes,
  ...statsRoutes,
  ...expertRoutes,
  ...evaluationRoutes,
  ...outboxRoutes,
} as const satisfies Record<string, RouteContract>;

export type RouteName = keyof typeof routes;
