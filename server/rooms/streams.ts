// Live stream kinds of the rooms module: `room:<id>` (what the room's screens
// show). The wall and the entrance board are in wall.ts.
import type { RoomScreenState } from "@contracts/rooms";
import type { Db } from "../db";
import { AppError } from "../errors";
import { keyParser, type StreamKind } from "../live/streams";
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

type RoomRow = { id: string; code: string; name: string; kind: string; city: string; notice: string };
type LiveRow = { lotId: string; stage: string; lotName: string; projectName: string };

/**
 * The room's screen state. Rebuilt on every notice, i.e. on the path from an agent's action to
 * every screen of the room: two plain SQL reads (quoted identifiers: SQLite and PostgreSQL),
 * which skip the query compiler's per-call cost of the model API.
 */
export async function buildRoomScreen(db: Db, id: string): Promise<RoomScreenState> {
  const [room] = await db.$queryRaw<RoomRow[]>`SELECT "id", "code", "name", "kind", "city", "notice" FROM "Room" WHERE "id" = ${id}`;
  if (!room) throw new AppError("NOT_FOUND", `No room ${id}`);
  const [live] = await db.$queryRaw<LiveRow[]>`
    SELECT s."lotId" AS "lotId", s."stage" AS "stage", l."name" AS "lotName", p."name" AS "projectName"
    FROM "OpeningSession" s JOIN "Lot" l ON l."id" = s."lotId" JOIN "Project" p ON p."id" = l."projectId"
    WHERE l."roomId" = ${id} AND s."stage" <> 'closed' LIMIT 1`;
  const ev = live ? null : await evaluationInRoom(db, id);
  const session = live
    ? { kind: "opening" as const, lotId: live.lotId, stream: `opening:${live.lotId}`, stage: live.stage, title: `${live.projectName} ${live.lotName}` }
    : ev
      ? { kind: "evaluation" as const, lotId: ev.lotId, stream: ev.stream, stage: ev.stage, title: ev.title }
      : null;
  return { room: roomSummary(room), centerName: await centerName(db), session };
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
    build: ({ id }) => buildRoomScreen(db, id),
  };
}
