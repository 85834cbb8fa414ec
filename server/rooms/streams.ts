// Live stream kinds of the rooms module: `room:<id>` (what the room's screens
// show). The wall and the entrance board are in wall.ts.
import type { RoomScreenState } from "@contracts/rooms";
import type { Db } from "../db";
import { keyParser, type StreamKind } from "../live/streams";
import { roomSummary } from "./queries";

async function centerName(db: Db): Promise<string> {
  return (await db.center.findFirst({ orderBy: { createdAt: "asc" } }))?.name ?? "";
}

export function roomStream(db: Db): StreamKind<{ id: string }> {
  return {
    prefix: "room",
    parse: keyParser("room", true),
    async authorize(p, { id }) {
      const room = await db.room.findUnique({ where: { id }, select: { id: true } });
      if (!room) return "not-found";
      // A device sees only its own room; every logged-in person may watch a room's public screen.
      return p.kind === "device" ? p.roomId === id : true;
    },
    async build({ id }): Promise<RoomScreenState> {
      const room = await db.room.findUniqueOrThrow({ where: { id } });
      const live = await db.openingSession.findFirst({
        where: { lot: { roomId: id }, stage: { not: "closed" } },
        include: { lot: { include: { project: true } } },
      });
      const session = live
        ? { kind: "opening" as const, lotId: live.lotId, stream: `opening:${live.lotId}`, stage: live.stage, title: `${live.lot.project.name} ${live.lot.name}` }
        : null;
      return { room: roomSummary(room), centerName: await centerName(db), session };
    },
  };
}
