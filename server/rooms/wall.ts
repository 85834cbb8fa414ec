// The monitoring wall (`wall`) and the entrance board (`board`) streams.
import type { BoardState, WallAlert, WallState } from "@contracts/rooms";
import type { Db } from "../db";
import { healthShown } from "../devices/commands";
import type { PresenceRegistry } from "../devices/presence";
import { keyParser, type StreamKind } from "../live/streams";
import { deviceSummary, roomSummary } from "./queries";

async function centerName(db: Db): Promise<string> {
  return (await db.center.findFirst({ orderBy: { createdAt: "asc" } }))?.name ?? "";
}

export async function buildWall(db: Db, presence: PresenceRegistry): Promise<WallState> {
  const rooms = await db.room.findMany({ orderBy: { code: "asc" }, include: { devices: { orderBy: { code: "asc" } } } });
  const live = await db.openingSession.findMany({ where: { stage: { not: "closed" } }, include: { lot: { include: { project: true } } } });
  const alerts: WallAlert[] = [];
  const out = [];
  for (const r of rooms) {
    const s = live.find((x) => x.lot.roomId === r.id);
    let session: WallState["rooms"][number]["session"] = null;
    if (s) {
      const bidders = await db.bid.count({ where: { lotId: s.lotId, status: { notIn: ["replaced", "withdrawn"] } } });
      const signedIn = await db.signIn.count({ where: { sessionId: s.id } });
      session = { kind: "opening", lotId: s.lotId, title: `${s.lot.project.name} ${s.lot.name}`, stage: s.stage, bidders, signedIn };
      const failing = await db.bid.findMany({ where: { lotId: s.lotId, status: "sealed", lastError: { not: null } } });
      for (const b of failing) {
        const c = await db.company.findUnique({ where: { id: b.companyId } });
        alerts.push({
          id: `decryption-failing:${b.id}`,
          kind: "decryption-failing",
          severity: "warning",
          roomId: r.id,
          message: `${c?.name ?? "投标人"} 解密失败 ${b.decryptTries} 次 / decryption failing`,
          since: (b.decryptedAt ?? b.submittedAt).toISOString(),
        });
      }
    }
    const devices = r.devices.map((d) => {
      const online = presence.isOnline(d.id);
      const health = online ? healthShown(presence.get(d.id)?.health ?? null) : null;
      if (!online && !d.revokedAt && session) {
        alerts.push({
          id: `device-offline:${d.id}`,
          kind: "device-offline",
          severity: "error",
          roomId: r.id,
          message: `${d.name}（${d.code}）离线，本室正在开标 / offline during a live session`,
          since: (d.lastSeenAt ?? d.createdAt).toISOString(),
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
      return { ...deviceSummary(d, online), health };
    });
    out.push({ ...roomSummary(r), devices, session });
  }
  return { centerName: await centerName(db), rooms: out, alerts };
}

export function wallStream(db: Db, presence: PresenceRegistry): StreamKind<{ id: string }> {
  return {
    prefix: "wall",
    parse: keyParser("wall", false),
    async authorize(p) {
      if (p.kind === "device") {
        if (p.deviceKind === "monitoring-wall") return true;
        // Another device an administrator switched to the wall view (show-view).
        return (await db.device.findUnique({ where: { id: p.deviceId }, select: { viewOverride: true } }))?.viewOverride === "wall";
      }
      return p.role === "supervisor" || p.role === "admin";
    },
    build: () => buildWall(db, presence),
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

export function boardStream(db: Db): StreamKind<{ id: string }> {
  return {
    prefix: "board",
    parse: keyParser("board", false),
    // Today's sessions are public in the hall: every device and person may show them.
    async authorize() {
      return true;
    },
    build: () => buildBoard(db),
  };
}
