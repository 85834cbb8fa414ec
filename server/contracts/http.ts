// The HTTP API wire: every route with its body/params schema, result schema
// and audience. Routes are mounted from this table (server/http), so a route
// without a contract cannot exist. Responses use the Ack envelope.
import { z } from "zod";
import type { Audience } from "./common";
import { Empty, LoginInput, LoginResult, LogoutResult, UserView } from "./auth";
import { RoomList, SetNoticeInput, SetNoticeResult } from "./rooms";
import {
  AddCertificateInput,
  CertificateView,
  CompanyView,
  CreateCompanyInput,
  CreateProjectInput,
  ProjectView,
  SignedReceipt,
  SubmitKeyInput,
  BidSummary,
  DrawConfig,
  DrawResult,
} from "./opening";
import { Id } from "./common";
import { CreateDeviceInput, DeviceAdminView, DeviceWithKey } from "./devices";

export interface RouteContract<B extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** Body for POST/PUT, merged path params + query for GET/DELETE. */
  input: B;
  output: O;
  audience: readonly Audience[];
  summary: string;
  /** "raw": the body is a byte stream (a sealed bid), not JSON. Default "json". */
  body?: "json" | "raw";
  /** "pdf"/"text": the answer is a file, not the JSON envelope (errors still are). Default "json". */
  produces?: "json" | "pdf" | "text";
}
const route = <B extends z.ZodType, O extends z.ZodType>(c: RouteContract<B, O>) => c;
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
  createProject: route({
    method: "POST",
    path: "/api/projects",
    input: CreateProjectInput,
    output: ProjectView,
    audience: ["agent", "admin"],
    summary: "Create a tender project with its lots",
  }),
  listProjects: route({
    method: "GET",
    path: "/api/projects",
    input: z.object({}),
    output: z.array(ProjectView),
    audience: ["admin", "agent", "bidder", "supervisor"],
    summary: "Projects and their lots",
  }),
  getProject: route({
    method: "GET",
    path: "/api/projects/:projectId",
    input: z.object({ projectId: Id }),
    output: ProjectView,
    audience: ["admin", "agent", "bidder", "supervisor"],
    summary: "One project",
  }),
  createCompany: route({
    method: "POST",
    path: "/api/companies",
    input: CreateCompanyInput,
    output: CompanyView,
    audience: ["admin", "agent"],
    summary: "Register a bidder company (credit code checked)",
  }),
  addCertificate: route({
    method: "POST",
    path: "/api/companies/:companyId/certificates",
    input: AddCertificateInput,
    output: CertificateView,
    audience: ["bidder", "admin", "agent"],
    summary: "Register a company certificate (PEM or base64 DER)",
  }),
  listCertificates: route({
    method: "GET",
    path: "/api/companies/:companyId/certificates",
    input: z.object({ companyId: Id }),
    output: z.array(CertificateView),
    audience: ["bidder", "admin", "agent", "supervisor"],
    summary: "A company's certificates, with expiry warnings",
  }),
  submitBid: route({
    method: "PUT",
    path: "/api/lots/:lotId/bid",
    input: z.object({ lotId: Id }),
    output: SignedReceipt,
    audience: ["bidder"],
    summary: "Submit (or replace) the sealed bid: the raw CMS envelope, DER or PEM",
    body: "raw",
  }),
  withdrawBid: route({
    method: "DELETE",
    path: "/api/lots/:lotId/bid",
    input: z.object({ lotId: Id }),
    output: z.object({ bidId: Id, status: z.literal("withdrawn") }),
    audience: ["bidder"],
    summary: "Withdraw the sealed bid before the deadline",
  }),
  myBids: route({
    method: "GET",
    path: "/api/lots/:lotId/my-bids",
    input: z.object({ lotId: Id }),
    output: z.array(z.object({ bidId: Id, status: z.string(), sha256: z.string(), sizeBytes: z.number(), submittedAt: z.string(), receiptJson: z.string(), signature: z.string() })),
    audience: ["bidder"],
    summary: "The company's bids on a lot with their signed receipts",
  }),
  submitKey: route({
    method: "POST",
    path: "/api/lots/:lotId/key",
    input: SubmitKeyInput,
    output: z.object({ bidId: Id, summary: BidSummary }),
    audience: ["bidder"],
    summary: "Hand in the bid's content key during the decryption window",
  }),
  collectEscrowShare: route({
    method: "GET",
    path: "/api/lots/:lotId/escrow-share",
    input: z.object({ lotId: Id }),
    output: z.object({ share: z.string(), index: z.number() }),
    audience: ["supervisor"],
    summary: "A supervisor collects its escrow share once; the platform keeps no copy",
  }),
  drawRecord: route({
    method: "GET",
    path: "/api/lots/:lotId/draw-record",
    input: z.object({ lotId: Id }),
    output: z.object({
      lotCode: z.string(),
      config: DrawConfig,
      seedHash: z.string(),
      seed: z.string().nullable(),
      picks: z.array(z.array(z.number())),
      result: DrawResult.nullable(),
    }),
    audience: ["admin", "agent", "bidder", "supervisor"],
    summary: "The published draw record, replayable with `npm run verify-draw`",
  }),
  openingRecord: route({
    method: "GET",
    path: "/api/lots/:lotId/opening-record.pdf",
    input: z.object({ lotId: Id }),
    output: z.unknown(),
    audience: ["admin", "agent", "bidder", "supervisor"],
    summary: "The signed opening record (开标记录表), PDF",
    produces: "pdf",
  }),
  platformCertificate: route({
    method: "GET",
    path: "/api/platform/certificate",
    input: z.object({}),
    output: z.object({ certificatePem: z.string(), caCertificatePem: z.string() }),
    audience: ["public"],
    summary: "The platform certificate that signs receipts and records, and its CA",
  }),
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
  keyRecoveryScript: route({
    method: "GET",
    path: "/api/platform/recover-key.sh",
    input: z.object({}),
    output: z.unknown(),
    audience: ["public"],
    summary: "A shell script that recovers a bid's content key with OpenSSL alone (sh recover-key.sh bid.p7m cert.pem key.pem)",
    produces: "text",
  }),
} as const satisfies Record<string, RouteContract>;

export type RouteName = keyof typeof routes;
