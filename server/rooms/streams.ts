// Live stream kinds of the rooms module: `room:<id>` (what the room's screens
// show). The wall and the entrance board are in wall.ts.
import type { RoomScreenState } from "@contracts/rooms";
import { directSql, type Db } from "../db";
import { AppError } from "../errors";
import { streamKey } from "@contracts/streams";
import { parserOf, type StreamKind } from "../live/streams";
import { roomSummary } from "./queries";
import { evaluationInRoom } from "../evaluation/views";

// The center's name never changes at run time (set by the seed or the set-up): read once per client.
const centerNames = new WeakMap<Db, string>();
export async function centerName(db: Db): Promise<string> {
  const known = centerNames.get(db);
  if (known !== undefined) return known;
  const name = (await db.center.findFirst({ orderBy: { createdAt: "asc" } }))?.name ?? "";
  if (name) centerNames.set(db, name); // none yet (before the seed): ask again next time
  return name;
}

type ScreenRow = { id: string; code: string; name: string; kind: string; city: string; notice: string; lotId: string | null; stage: string | null; lotName: string | null; projectName: string | null };

// The room and its live opening (if any) in one read.
const ROOM_SCREEN = `
  SELECT r."id" AS "id", r."code" AS "code", r."name" AS "name", r."kind" AS "kind", r."city" AS "city", r."notice" AS "notice",
    o."lotId" AS "lotId", o."stage" AS "stage", o."lotName" AS "lotName", o."projectName" AS "projectName"
  FROM "Room" r LEFT JOIN (
    SELECT s."lotId" AS "lotId", s."stage" AS "stage", l."name" AS "lotName", p."name" AS "projectName"
    FROM "OpeningSession" s JOIN "Lot" l ON l."id" = s."lotId" JOIN "Project" p ON p."id" = l."projectId"
    WHERE l."roomId" = ? AND s."stage" <> 'closed' LIMIT 1
  ) o ON 1 = 1
  WHERE r."id" = ?`;

/**
 * The room's screen state. Rebuilt on every notice, i.e. on the path from an agent's action to
 * every screen of the room: one plain read on the app's connection (directSql; a second one only
 * when no opening is live: the evaluation in the room), the center's name from memory.
 */
export async function buildRoomScreen(db: Db, id: string): Promise<RoomScreenState> {
  const [row] = await directSql(db).all<ScreenRow>(ROOM_SCREEN, [id, id]);
  if (!row) throw new AppError("NOT_FOUND", `No room ${id}`);
  const ev = row.lotId ? null : await evaluationInRoom(db, id);
  const session = row.lotId
    ? { kind: "opening" as const, lotId: row.lotId, stream: streamKey.opening(row.lotId), stage: row.stage!, title: `${row.projectName} ${row.lotName}` }
    : ev
      ? { kind: "evaluation" as const, lotId: ev.lotId, stream: ev.stream, stage: ev.stage, title: ev.title }
      : null;
  return { room: roomSummary(row), centerName: await centerName(db), session };
}

export function roomStream(db: Db): StreamKind<{ roomId: string }> {
  return {
    prefix: "room",
    parse: parserOf("room"),
    async authorize(p, { roomId: id }) {
      const room = await db.room.findUnique({ where: { id }, select: { id: true } });
      if (!room) return "not-found";
      // A device sees only its own room; every logged-in person may watch a room's public screen.
      return p.kind === "device" ? p.roomId === id : true;
    },
    build: ({ roomId }) => buildRoomScreen(db, roomId),
  };
}
