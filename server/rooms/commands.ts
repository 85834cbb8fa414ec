// Room use cases. One transaction each, with its audit row; domain events after commit.
import type { SetNoticeInput } from "@contracts/rooms";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { Db } from "../db";
import type { DomainEventBus } from "../domain-events";
import { AppError } from "../errors";

export interface RoomDeps {
  db: Db;
  events: DomainEventBus;
}

export async function setRoomNotice(deps: RoomDeps, principal: Principal, input: SetNoticeInput) {
  const notice = input.notice.trim();
  const room = await deps.db.$transaction(async (tx) => {
    const found = await tx.room.findUnique({ where: { id: input.roomId } });
    if (!found) throw new AppError("NOT_FOUND", `No room ${input.roomId}`);
    const updated = await tx.room.update({ where: { id: found.id }, data: { notice } });
    await appendAudit(tx, { actor: actorOf(principal), action: "room.setNotice", target: `room:${found.id}`, payload: { notice } });
    return updated;
  });
  deps.events.emit("room.noticeChanged", { roomId: room.id });
  return { roomId: room.id, notice: room.notice };
}
