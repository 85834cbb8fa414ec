// Site link health and the fault clock (远程异地评标). A site's link is up while
// any device of its room is online (presence); a lost link starts the fault
// clock: EVAL_FAULT_BEFORE_START_MINUTES before the evaluation began (left
// sign-in), EVAL_FAULT_DURING_MINUTES during it. A restored link stops it. At
// expiry (a timer, re-armed from the database at start-up: timers.ts) the streams refresh:
// the wall shows it expired, a supervisor may seal the session.
// A site none of whose devices has been online since the session started is
// "unused" (未启用: terminals never switched on): that is no fault, no clock runs;
// the clock starts only when a site that was up goes down.
import { appendAudit } from "../audit/chain";
import type { AppContext } from "../context";
import { changed } from "./model";
import { armFault, cancelFault } from "./timers";

const system = { kind: "system" as const, id: "evaluation-links", role: "system" };

/** Recomputes every site's link of live sessions (optionally one session); records changes. */
export async function refreshLinks(app: AppContext, sessionId?: string): Promise<void> {
  const sessions = await app.db.evalSession.findMany({ where: { status: { in: ["running", "paused"] }, ...(sessionId ? { id: sessionId } : {}) } });
  for (const s of sessions) {
    const sites = await app.db.evalSite.findMany({ where: { sessionId: s.id } });
    let touched = false;
    for (const site of sites) {
      const devices = await app.db.device.findMany({ where: { roomId: site.roomId, revokedAt: null }, select: { id: true } });
      const up = devices.some((d) => app.presence.isOnline(d.id));
      const next = up ? "up" : site.link === "unused" ? "unused" : "down";
      if (next === site.link) continue;
      const now = new Date();
      const minutes = s.beganAt ? app.config.evaluation.faultDuringMinutes : app.config.evaluation.faultBeforeStartMinutes;
      const fault = up
        ? { faultKind: null, faultSince: null, faultEndsAt: null }
        : { faultKind: s.beganAt ? "during" : "before-start", faultSince: now, faultEndsAt: new Date(now.getTime() + minutes * 60_000) };
      const moved = await app.db.$transaction(async (tx) => {
        const { count } = await tx.evalSite.updateMany({ where: { sessionId: s.id, roomId: site.roomId, link: site.link }, data: { link: next, linkChangedAt: now, ...fault } });
        if (count !== 1) return false;
        await appendAudit(tx, { actor: system, action: up ? (site.link === "unused" ? "evaluation.linkUp" : "evaluation.linkRestored") : "evaluation.linkLost", target: `evaluation:${s.id}`, payload: { roomId: site.roomId, ...(up ? {} : { clock: fault.faultKind, endsAt: fault.faultEndsAt!.toISOString() }) } });
        return true;
      });
      if (!moved) continue;
      touched = true;
      if (up) cancelFault(app, s.id, site.roomId);
      else armFault(app, s.id, site.roomId, fault.faultEndsAt!);
    }
    if (touched || sessionId) await changed(app, s.id);
  }
}

/** Presence of a device in a session's room moved: links and terminal flags refresh. */
export function wireEvaluationLinks(app: AppContext): void {
  let pending: NodeJS.Timeout | undefined;
  const rooms = new Set<string>();
  app.events.on("device.presenceChanged", ({ roomId }) => {
    rooms.add(roomId);
    pending ??= setTimeout(() => {
      pending = undefined;
      const touched = [...rooms];
      rooms.clear();
      void (async () => {
        const sites = await app.db.evalSite.findMany({ where: { roomId: { in: touched } }, select: { sessionId: true } });
        const ids = new Set(sites.map((x) => x.sessionId));
        const live = await app.db.evalSession.findMany({ where: { id: { in: [...ids] }, status: { in: ["running", "paused"] } }, select: { id: true } });
        for (const s of live) {
          await refreshLinks(app, s.id);
        }
      })().catch((err: unknown) => app.log.error({ err }, "evaluation link refresh failed"));
    }, 100);
  });
  app.events.on("experts.drawChanged", async ({ drawId }) => {
    try {
      const live = await app.db.evalSession.findMany({ where: { drawId, status: { in: ["running", "paused"] } }, select: { id: true } });
      for (const s of live) await changed(app, s.id);
    } catch (err) {
      app.log.error({ err, drawId }, "evaluation refresh after a draw change failed");
    }
  });
}
