// Room use cases. One transaction each, with its audit row; domain events after commit.
import type { SetNoticeInput } from "@contracts/rooms";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import { directSql, type Db } from "../db";
import type { DomainEventBus } from "../domain-events";
import { AppError } from "../errors";

export interface RoomDeps {
  db: Db;
  events: DomainEventBus;
}

export async function setRoomNotice(deps: RoomDeps, principal: Principal, input: SetNoticeInput) {
  const notice = input.notice.trim();
  const roomId = input.roomId;
  // Plain SQL outside Prisma's client (server/direct-sql.ts): this is on the path from the agent's action to every screen of the room.
  await directSql(deps.db).transaction(async (tx) => {
    const changed = await tx.run(`UPDATE "Room" SET "notice" = ? WHERE "id" = ?`, [notice, roomId]);
    if (changed !== 1) throw new AppError("NOT_FOUND", `No room ${roomId}`);
    await appendAudit(tx, { actor: actorOf(principal), action: "room.setNotice", target: `room:${roomId}`, payload: { notice } });
  }, { afterCommit: () => deps.events.emit("room.noticeChanged", { roomId }) });
  return { roomId, notice };
}
