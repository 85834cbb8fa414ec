// The notification outbox (短信发件箱). The outbox notifier keeps every message
// the experts' notifier sends in NotificationOutbox, so that a center without an
// SMS/voice gateway (the demo, a first day) reads invitations — their link —
// and sign-in codes on the outbox page (administrators, supervisors) and
// relays them by hand. With a gateway (EXPERT_NOTIFIER=webhook) the gateway
// delivers and the outbox keeps a masked copy with the delivery status: the
// link token and the code stay with the expert. Logs get the masked message only.
import type { OutboxList, OutboxQuery } from "@contracts/outbox";
import type { z } from "zod";
import type { Db } from "../db";
import type { Logger } from "../logger";
import type { SecretBox } from "../platform/secrets";
import { redactMessage, type ExpertMessage, type ExpertNotifier } from "./notifier";
import { maskMobile, maskName } from "./identity";
import { demoExperts } from "../seed/content";

export class OutboxNotifier implements ExpertNotifier {
  readonly name: string;
  /**
   * @param gateway when set, the message goes to it first; the outbox keeps a masked copy and the delivery status,
   *   and a failed delivery still rejects (the caller records it as undelivered).
   */
  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    readonly gateway?: ExpertNotifier,
  ) {
    this.name = gateway ? `outbox+${gateway.name}` : "outbox";
  }

  async send(msg: ExpertMessage): Promise<void> {
    let failure: unknown = null;
    if (this.gateway) {
      try {
        await this.gateway.send(msg);
      } catch (err) {
        failure = err;
      }
    }
    const masked = redactMessage(msg);
    const kept = this.gateway ? masked : msg;
    try {
      await this.db.notificationOutbox.create({
        data: {
          kind: msg.kind,
          channel: msg.channel ?? "sms",
          expertId: msg.recipient?.expertId ?? null,
          recipientName: msg.recipient?.name ?? "",
          toMasked: maskMobile(msg.to),
          text: kept.text,
          link: kept.link ?? null,
          code: kept.code ?? null,
          drawId: msg.drawId || null,
          pickId: msg.pickId || null,
          projectCode: msg.projectCode || null,
          status: !this.gateway ? "outbox" : failure ? "failed" : "delivered",
          error: failure ? String(failure instanceof Error ? failure.message : failure).slice(0, 500) : null,
        },
      });
    } catch (err) {
      // Without a gateway the outbox is the delivery: not kept = not sent. Beside a gateway it is only the record.
      if (!this.gateway) throw err;
      this.log.warn({ err, kind: msg.kind, pickId: msg.pickId }, "notification delivered but not kept in the outbox");
    }
    if (failure) throw failure;
    this.log.info({ notify: { kind: masked.kind, to: masked.to, pickId: msg.pickId, link: masked.link, code: masked.code } }, `expert ${msg.kind} → ${this.name}`);
  }
}

let demoIds: Set<string> | undefined;
/** The demo pool's ID numbers: synthetic, made from a seed in the source, so they are no secret. */
function isDemoResidentId(id: string): boolean {
  demoIds ??= new Set(demoExperts().map((e) => e.residentId));
  return demoIds.has(id);
}

/**
 * The outbox, newest first; for demo experts (and only them) the ID number to type at a terminal.
 * Names: whole for administrators (who keep the pool); masked for supervisors, as in the draw's
 * audit — a committee's names stay sealed from everyone else until its members sign in.
 */
export async function listOutbox(
  db: Db,
  box: SecretBox,
  notifier: OutboxList["notifier"],
  q: z.output<typeof OutboxQuery>,
  viewer: "admin" | "supervisor",
): Promise<OutboxList> {
  const where = { ...(q.kind ? { kind: q.kind } : {}), ...(q.before ? { at: { lt: new Date(q.before) } } : {}) };
  const [rows, total] = await Promise.all([
    db.notificationOutbox.findMany({ where, orderBy: [{ at: "desc" }, { id: "desc" }], take: q.limit }),
    db.notificationOutbox.count({ where: q.kind ? { kind: q.kind } : {} }),
  ]);
  const expertIds = [...new Set(rows.map((r) => r.expertId).filter((x): x is number => x !== null))];
  const experts = expertIds.length ? await db.expert.findMany({ where: { id: { in: expertIds } }, select: { id: true, idCipher: true } }) : [];
  const demoId = new Map<number, string>();
  for (const e of experts) {
    const id = box.open(e.idCipher);
    if (isDemoResidentId(id)) demoId.set(e.id, id);
  }
  return {
    notifier,
    total,
    items: rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      kind: r.kind as OutboxList["items"][number]["kind"],
      channel: r.channel as "sms" | "voice",
      recipient: { name: viewer === "admin" || !r.recipientName ? r.recipientName : maskName(r.recipientName), mobileMasked: r.toMasked, demoResidentId: (r.expertId !== null && demoId.get(r.expertId)) || null },
      text: r.text,
      link: r.link,
      code: r.code,
      projectCode: r.projectCode,
      status: r.status as "outbox" | "delivered" | "failed",
      error: r.error,
    })),
  };
}
