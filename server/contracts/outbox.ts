// The notification outbox (短信发件箱): every SMS / voice message the experts'
// notifier sent — invitations with their link, sign-in codes, cancellations —
// as kept by server/experts/outbox.ts, for administrators and supervisors.
import { z } from "zod";
import { IsoTime } from "./common";
import { route } from "./route-contract";

/** The client page of the outbox (shared: the router, the navigation and the start output point at it). */
export const OUTBOX_PAGE_PATH = "/outbox";

export const OutboxKind = z.enum(["invitation", "sign-in-code", "cancelled"]);
export const OutboxChannel = z.enum(["sms", "voice"]);
/** outbox: kept here only (no gateway configured); delivered: handed to the gateway; failed: the gateway refused or was unreachable. */
export const OutboxStatus = z.enum(["outbox", "delivered", "failed"]);

export const OutboxQuery = z.object({
  kind: OutboxKind.optional(),
  /** Messages older than this (the previous page's last `at`). */
  before: IsoTime.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const OutboxMessage = z.object({
  id: z.string(),
  at: IsoTime,
  kind: OutboxKind,
  channel: OutboxChannel,
  recipient: z.object({
    /** Whole for administrators; masked (陈*) for supervisors, as in the draw's audit. */
    name: z.string(),
    mobileMasked: z.string(),
    /** Demo experts only (the synthetic pool, whose ID numbers are public): the ID number to type at the terminal. */
    demoResidentId: z.string().nullable(),
  }),
  text: z.string(),
  /** The invitation link (whole with the outbox notifier; masked when a gateway delivered it). */
  link: z.string().nullable(),
  /** The sign-in code (shown with the outbox notifier; masked when a gateway delivered it). */
  code: z.string().nullable(),
  projectCode: z.string().nullable(),
  status: OutboxStatus,
  error: z.string().nullable(),
});
export type OutboxMessage = z.infer<typeof OutboxMessage>;

export const OutboxList = z.object({
  /** Which notifier is configured: outbox (messages kept whole here), webhook (a gateway; secrets masked here), console (log only). */
  notifier: z.enum(["outbox", "webhook", "console"]),
  items: z.array(OutboxMessage),
  total: z.number(),
});
export type OutboxList = z.infer<typeof OutboxList>;

export const outboxRoutes = {
  listNotifications: route({
    method: "GET",
    path: "/api/notifications",
    input: OutboxQuery,
    output: OutboxList,
    audience: ["admin", "supervisor"],
    summary: "The notification outbox: every SMS / voice message sent to experts, newest first (invitation links and sign-in codes shown when no gateway is configured)",
  }),
} as const;
