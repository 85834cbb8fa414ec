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

  events.on("room.noticeChanged", ({ roomId }) => refresh(`room:${roomId}`, "wall"));
  events.on("device.presenceChanged", () => refresh("wall"));
  events.on("opening.changed", async ({ lotId, roomId, companyIds }) => {
    await refresh(`opening:${lotId}`, `room:${roomId}`, ...(companyIds ?? []).map((c) => `opening:${lotId}:company:${c}`));
    if (!companyIds) await hub.refreshWhere((k) => k.startsWith(`opening:${lotId}:company:`));
  });
}
