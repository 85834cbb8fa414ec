// The monitoring wall (`wall`) and the entrance board (`board`) streams.
import type { BoardState, WallAlert, WallState } from "@contracts/rooms";
import { directSql, type Db } from "../db";
import { sqlDate, sqlDateOrNull, type SqlDate } from "../direct-sql";
import { healthShown } from "../devices/commands";
import type { PresenceRegistry } from "../devices/presence";
import { parserOf, type StreamKind } from "../live/streams";
import { deviceSummary, roomSummary } from "./queries";
import { evaluationsInRooms, evaluationWallAlerts } from "../evaluation/views";
import { centerName } from "./streams";


type WallRoomRow = { id: string; code: string; name: string; kind: string; city: string; notice: string };
type WallDeviceRow = { id: string; roomId: string; code: string; name: string; kind: string; revokedAt: SqlDate | null; lastSeenAt: SqlDate | null; createdAt: SqlDate };
type WallSessionRow = { id: string; lotId: string; roomId: string; stage: string; lotName: string; projectName: string; bidders: number | bigint | string; signedIn: number | bigint | string };
type WallFailingRow = { id: string; lotId: string; decryptTries: number | bigint | string; decryptedAt: SqlDate | null; submittedAt: SqlDate; companyName: string | null };

/**
 * The wall's state. Rebuilt (at most once a second) on every notice, device flap and opening change:
 * plain SQL reads on the app's connection (directSql; the rooms' evaluations in one, evaluationsInRooms)
 * instead of a model query per room, session and failing bid, so a rebuild does not hold up the
 * other streams' updates (an agent's action that comes in meanwhile waits for it).
 */
export async function buildWall(db: Db, presence: PresenceRegistry): Promise<WallState> {
  const sql = directSql(db);
  const rooms = await sql.all<WallRoomRow>(`SELECT "id", "code", "name", "kind", "city", "notice" FROM "Room" ORDER BY "code"`);
  const deviceRows = await sql.all<WallDeviceRow>(`SELECT "id", "roomId", "code", "name", "kind", "revokedAt", "lastSeenAt", "createdAt" FROM "Device" ORDER BY "code"`);
  const live = await sql.all<WallSessionRow>(`
    SELECT s."id" AS "id", s."lotId" AS "lotId", l."roomId" AS "roomId", s."stage" AS "stage", l."name" AS "lotName", p."name" AS "projectName",
      (SELECT COUNT(*) FROM "Bid" b WHERE b."lotId" = s."lotId" AND b."status" NOT IN ('replaced', 'withdrawn')) AS "bidders",
      (SELECT COUNT(*) FROM "SignIn" x WHERE x."sessionId" = s."id") AS "signedIn"
    FROM "OpeningSession" s JOIN "Lot" l ON l."id" = s."lotId" JOIN "Project" p ON p."id" = l."projectId"
    WHERE s."stage" <> 'closed'`);
  const failingRows =
    live.length === 0
      ? []
      : await sql.all<WallFailingRow>(`
    SELECT b."id" AS "id", b."lotId" AS "lotId", b."decryptTries" AS "decryptTries", b."decryptedAt" AS "decryptedAt", b."submittedAt" AS "submittedAt", c."name" AS "companyName"
    FROM "Bid" b LEFT JOIN "Company" c ON c."id" = b."companyId"
    WHERE b."status" = 'sealed' AND b."lastError" IS NOT NULL AND b."lotId" IN (SELECT "lotId" FROM "OpeningSession" WHERE "stage" <> 'closed')`);
  // The evaluations (评标) of all rooms, in one read.
  const evaluations = await evaluationsInRooms(db);
  const devicesOf = new Map<string, WallDeviceRow[]>();
  for (const d of deviceRows) devicesOf.set(d.roomId, [...(devicesOf.get(d.roomId) ?? []), d]);
  const date = sqlDate;
  const alerts: WallAlert[] = [];
  const out = [];
  for (const r of rooms) {
    const s = live.find((x) => x.roomId === r.id);
    let session: WallState["rooms"][number]["session"] = null;
    if (s) {
      session = {
        kind: "opening",
        lotId: s.lotId,
        title: `${s.projectName} ${s.lotName}`,
        stage: s.stage,
        bidders: Number(s.bidders),
        signedIn: Number(s.signedIn),
      };
      for (const b of failingRows.filter((f) => f.lotId === s.lotId)) {
        alerts.push({
          id: `decryption-failing:${b.id}`,
          kind: "decryption-failing",
          severity: "warning",
          roomId: r.id,
          message: `${b.companyName ?? "投标人"} 解密失败 ${Number(b.decryptTries)} 次 / decryption failing`,
          since: date(b.decryptedAt ?? b.submittedAt).toISOString(),
        });
      }
    }
    const devices = (devicesOf.get(r.id) ?? []).map((d) => {
      const online = presence.isOnline(d.id);
      const health = online ? healthShown(presence.get(d.id)?.health ?? null) : null;
      if (!online && !d.revokedAt && session) {
        alerts.push({
          id: `device-offline:${d.id}`,
          kind: "device-offline",
          severity: "error",
          roomId: r.id,
          message: `${d.name}（${d.code}）离线，本室正在开标 / offline during a live session`,
          since: date(d.lastSeenAt ?? d.createdAt).toISOString(),
        });
      }
      const p = health?.projector;
      if (p && (!p.reachable || p.faults.length > 0)) {
        alerts.push({
          id: `projector-fault:${d.id}`,
          kind: "projector-fault",
          severity: p.faults.some((f) => f.endsWith(":error")) || !p.reachable ? "error" : "warning",
          roomId: r.id,
          message: `${d.name} 投影机故障：${p.reachable ? p.faults.join("，") : (p.problem ?? "无法连接")}`,
          since: (presence.get(d.id)?.lastHeardAt ?? new Date()).toISOString(),
        });
      }
      return { ...deviceSummary({ ...d, revokedAt: sqlDateOrNull(d.revokedAt), lastSeenAt: sqlDateOrNull(d.lastSeenAt) }, online), health };
    });
    // A live evaluation (评标) in the room: its own alerts (expert missing, link lost) come from evaluationWallAlerts.
    const ev = session ? null : evaluations.get(r.id);
    if (ev) session = { kind: "evaluation", lotId: ev.lotId, title: ev.title, stage: ev.stage, bidders: 0, signedIn: ev.signedIn };
    out.push({ ...roomSummary(r), devices, session });
  }
  alerts.push(...(await evaluationWallAlerts(db, presence)));
  return { centerName: await centerName(db), rooms: out, alerts };
}

export function wallStream(db: Db, presence: PresenceRegistry): StreamKind<Record<string, never>> {
  return {
    prefix: "wall",
    parse: parserOf("wall"),
    async authorize(p) {
      if (p.kind === "device") {
        if (p.deviceKind === "monitoring-wall") return true;
        // Another device an administrator switched to the wall view (show-view).
        return (await db.device.findUnique({ where: { id: p.deviceId }, select: { viewOverride: true } }))?.viewOverride === "wall";
      }
      return p.role === "supervisor" || p.role === "admin";
    },
    build: () => buildWall(db, presence),
    // Everything changes the wall (notices, flaps, health, sessions): at most one rebuild a second, the last change kept.
    minIntervalMs: 1000,
  };
}

/** Today in Asia/Shanghai as [start, end) in UTC, and its date string. */
export function shanghaiDay(now = new Date()): { date: string; start: Date; end: Date } {
  const shifted = new Date(now.getTime() + 8 * 3_600_000);
  const date = shifted.toISOString().slice(0, 10);
  const start = new Date(`${date}T00:00:00+08:00`);
  return { date, start, end: new Date(start.getTime() + 86_400_000) };
}

export async function buildBoard(db: Db, now = new Date()): Promise<BoardState> {
  const { date, start, end } = shanghaiDay(now);
  const lots = await db.lot.findMany({
    where: { openingTime: { gte: start, lt: end }, status: { not: "cancelled" } },
    include: { project: true, session: true },
    orderBy: { openingTime: "asc" },
  });
  const rooms = new Map((await db.room.findMany()).map((r) => [r.id, r.name]));
  return {
    centerName: await centerName(db),
    date,
    sessions: lots.map((l) => ({
      lotId: l.id,
      projectCode: l.project.code,
      projectName: l.project.name,
      lotName: l.name,
      roomName: rooms.get(l.roomId) ?? "",
      openingTime: l.openingTime.toISOString(),
      state: l.session ? l.session.stage : "scheduled",
    })),
  };
}

export function boardStream(db: Db): StreamKind<Record<string, never>> {
  return {
    prefix: "board",
    parse: parserOf("board"),
    // Today's sessions are public in the hall: every device and person may show them.
    async authorize() {
      return true;
    },
    build: () => buildBoard(db),
  };
}
