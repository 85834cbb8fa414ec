// The one place that decides which live streams hear which domain events.
import type { DomainEventBus } from "../domain-events";
import type { Logger } from "../logger";
import type { LiveHub } from "./hub";

export function wireBroadcaster(events: DomainEventBus, hub: LiveHub, log: Logger): void {
  const refresh = async (...keys: string[]): Promise<void> => {
    try {
      await Promise.all(keys.map((k) => hub.refresh(k)));
    } catch (err) {
      log.error({ err, keys }, "live refresh failed");
    }
  };

  // The wall aggregates everything: coalesce bursts (a hall of devices reconnecting) into one refresh.
  let wallPending: NodeJS.Timeout | undefined;
  const refreshWall = () => {
    wallPending ??= setTimeout(() => {
      wallPending = undefined;
      void refresh("wall");
    }, 200);
  };

  events.on("room.noticeChanged", ({ roomId }) => {
    refreshWall();
    return refresh(`room:${roomId}`);
  });
  events.on("device.presenceChanged", refreshWall);
  events.on("device.healthChanged", refreshWall);
  events.on("device.registryChanged", ({ deviceId }) => {
    refreshWall();
    return refresh(`device:${deviceId}`);
  });
  events.on("opening.lotsChanged", () => refresh("board"));
  events.on("experts.drawChanged", ({ drawId }) => refresh(`expert-draw:${drawId}:agent`, `expert-draw:${drawId}:supervisor`));
  events.on("evaluation.changed", async ({ sessionId, roomIds }) => {
    refreshWall();
    await refresh(`evaluation:${sessionId}`, `evaluation:${sessionId}:agent`, `evaluation:${sessionId}:supervisor`, ...roomIds.map((r) => `room:${r}`));
    try {
      await hub.refreshWhere((k) => k.startsWith(`evaluation:${sessionId}:expert:`) || k.startsWith(`evaluation:${sessionId}:company:`));
    } catch (err) {
      log.error({ err, sessionId }, "live refresh failed");
    }
  });
  events.on("evaluation.memberChanged", ({ sessionId, memberId }) => refresh(`evaluation:${sessionId}:expert:${memberId}`));
  events.on("opening.changed", async ({ lotId, roomId, companyIds }) => {
    refreshWall();
    if (companyIds) {
      // One bidder's change (sign-in, decryption, pick, confirmation) never moves the stage, and
      // the room's screen and the board show only the stage: they are left alone.
      await refresh(`opening:${lotId}`, `opening:${lotId}:agent`, ...companyIds.map((c) => `opening:${lotId}:company:${c}`));
      return;
    }
    await refresh(`opening:${lotId}`, `opening:${lotId}:agent`, `room:${roomId}`, "board");
    await hub.refreshWhere((k) => k.startsWith(`opening:${lotId}:company:`));
  });
}
