import type { DeviceSummary, RoomSummary } from "@contracts/rooms";
import { DeviceKind, RoomKind } from "@contracts/common";
import type { Db } from "../db";

type RoomRow = { id: string; code: string; name: string; kind: string; city: string; notice: string };

export const roomSummary = (r: RoomRow): RoomSummary => ({
  id: r.id,
  code: r.code,
  name: r.name,
  kind: RoomKind.parse(r.kind),
  city: r.city,
  notice: r.notice,
});

export async function listRooms(db: Db): Promise<RoomSummary[]> {
  const rows = await db.room.findMany({ orderBy: { code: "asc" } });
  return rows.map(roomSummary);
}

export function deviceSummary(
  d: { id: string; code: string; name: string; kind: string; revokedAt: Date | null; lastSeenAt: Date | null },
  online: boolean,
): DeviceSummary {
  return {
    id: d.id,
    code: d.code,
    name: d.name,
    kind: DeviceKind.parse(d.kind),
    online: online && !d.revokedAt,
    revoked: d.revokedAt !== null,
    lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
  };
}
