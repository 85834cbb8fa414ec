// The one place that decides which live streams hear which domain events.
import { streamKey, streamKeyPrefix } from "@contracts/streams";
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
      void refresh(streamKey.wall());
    }, 200);
  };

  events.on("room.noticeChanged", ({ roomId }) => {
    refreshWall();
    return refresh(streamKey.room(roomId));
  });
  events.on("device.presenceChanged", refreshWall);
  events.on("device.healthChanged", refreshWall);
  events.on("device.registryChanged", ({ deviceId }) => {
    refreshWall();
    return refresh(streamKey.device(deviceId));
  });
  events.on("opening.lotsChanged", () => refresh(streamKey.board()));
  events.on("experts.drawChanged", ({ drawId }) => refresh(streamKey.expertDrawAgent(drawId), streamKey.expertDrawSupervisor(drawId)));
  events.on("evaluation.changed", async ({ sessionId, roomIds }) => {
    refreshWall();
    await refresh(
      streamKey.evaluation(sessionId),
      streamKey.evaluationAgent(sessionId),
      streamKey.evaluationSupervisor(sessionId),
      ...roomIds.map((r) => streamKey.room(r)),
    );
    try {
      const experts = streamKeyPrefix.evaluationExperts(sessionId);
      const companies = streamKeyPrefix.evaluationCompanies(sessionId);
      await hub.refreshWhere((k) => k.startsWith(experts) || k.startsWith(companies));
    } catch (err) {
      log.error({ err, sessionId }, "live refresh failed");
    }
  });
  events.on("evaluation.memberChanged", ({ sessionId, memberId }) => refresh(streamKey.evaluationExpert(sessionId, memberId)));
  events.on("opening.changed", async ({ lotId, roomId, companyIds }) => {
    refreshWall();
    if (companyIds) {
      // One bidder's change (sign-in, decryption, pick, confirmation) never moves the stage, and
      // the room's screen and the board show only the stage: they are left alone.
      await refresh(streamKey.opening(lotId), streamKey.openingAgent(lotId), ...companyIds.map((c) => streamKey.openingCompany(lotId, c)));
      return;
    }
    await refresh(streamKey.opening(lotId), streamKey.openingAgent(lotId), streamKey.room(roomId), streamKey.board());
    await hub.refreshWhere((k) => k.startsWith(streamKeyPrefix.openingCompanies(lotId)));
  });
}
