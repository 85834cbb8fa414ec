// Wire-level building blocks shared by every domain: acknowledgements, error
// codes, ids, money in fen, times as ISO strings. Imported by server, client
// and devices through the `@contracts/*` alias; keep it free of server code.
import { z } from "zod";

/** Stable error codes. Messages are for people; codes are for programs. */
export const ErrorCode = z.enum([
  "VALIDATION_FAILED",
  "MALFORMED_JSON",
  "PAYLOAD_TOO_LARGE",
  "UNKNOWN_EVENT",
  "NOT_FOUND",
  "UNAUTHENTICATED",
  "TOKEN_EXPIRED",
  "INVALID_CREDENTIALS",
  "FORBIDDEN",
  "RATE_LIMITED",
  "CONFLICT",
  "DEVICE_REVOKED",
  "INTERNAL",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  /** Field-level details for VALIDATION_FAILED: path → message. */
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** How an imported text file was read: UTF-8 (with or without a byte-order mark) or GB18030/GBK (Excel on Chinese Windows). */
export const TextEncoding = z.enum(["utf-8", "utf-8-bom", "gb18030"]);
export type TextEncoding = z.infer<typeof TextEncoding>;

export type AckOk<T> = { ok: true; data: T };
export type AckErr = { ok: false; error: ErrorBody };
/** Every acknowledgement and every HTTP API response body has this shape. */
export type Ack<T> = AckOk<T> | AckErr;

export const ackSchema = <T extends z.ZodType>(data: T) =>
  z.union([z.object({ ok: z.literal(true), data }), z.object({ ok: z.literal(false), error: ErrorBody })]);

export const Id = z.string().min(1).max(64);
/** UTC instant as an ISO-8601 string, e.g. 2026-11-25T06:30:00.000Z. */
export const IsoTime = z.iso.datetime();
/** Money travels as integer fen (分). Shown as 元 or 万元 with 2 decimals. */
export const Fen = z.number().int().safe();

export const Role = z.enum(["admin", "agent", "bidder", "expert", "supervisor"]);
export type Role = z.infer<typeof Role>;
export const DeviceKind = z.enum([
  "projector",
  "entrance-board",
  "expert-terminal",
  "bidder-terminal",
  "monitoring-wall",
  "recorder",
]);
export type DeviceKind = z.infer<typeof DeviceKind>;
export const RoomKind = z.enum(["opening", "evaluation", "remote-evaluation"]);
export type RoomKind = z.infer<typeof RoomKind>;

/** Who may call an event or a route: a person's role, a device, or anyone (public). */
export type Audience = Role | "device" | "public";
