// Which devices are connected right now, with their last reported health. A
// device counts as online while it has a socket and has been heard (connect or
// heartbeat) within the silence limit (10 s).
// One process: what this process's sockets say. Several processes (REDIS_URL):
// each process also publishes its own devices to a Redis hash of its own
// (`<prefix>:presence:<nodeId>`, expiring unless refreshed, so a killed
// process's devices go offline by themselves) and reads the others' every
// `syncMs`; a device is online when any process has it online.
import type { DeviceHealth } from "@contracts/devices";
import type { Logger } from "../logger";
import type { RedisLink } from "../scale/redis";

export interface DevicePresence {
  sockets: number;
  since: Date;
  lastHeardAt: Date;
  health: DeviceHealth | null;
}

export class PresenceRegistry {
  private readonly byDevice = new Map<string, DevicePresence>();
  /** Online state last published, to notice flips. */
  private readonly published = new Map<string, boolean>();

  /** Other processes' devices (shared mode), merged per device. */
  private remote = new Map<string, DevicePresence>();
  /** Local devices changed since the last publish (shared mode). */
  private readonly dirty = new Set<string>();
  private shared: { link: RedisLink; log: Logger; timer: NodeJS.Timeout; everything: boolean } | null = null;

  constructor(private readonly silenceMs = 10_000) {}

  /** Shares presence through Redis with the other processes. */
  share(link: RedisLink, log: Logger, syncMs = 500): void {
    const timer = setInterval(() => void this.sync().catch((err: unknown) => log.debug({ err }, "presence sync failed")), syncMs);
    timer.unref();
    this.shared = { link, log, timer, everything: true };
    this.ttlMs = Math.max(3 * syncMs, 2000);
    link.onReady(() => {
      if (this.shared) this.shared.everything = true; // Redis may have lost our hash: write it whole
    });
  }
  private ttlMs = 2000;

  stopSharing(): void {
    if (this.shared) clearInterval(this.shared.timer);
    this.shared = null;
  }

  /** Publishes this process's changes and reads the other processes' devices. */
  async sync(): Promise<void> {
    const sh = this.shared;
    if (!sh || !sh.link.ready) return;
    const c = sh.link.client;
    const mine = sh.link.key("presence", sh.link.nodeId);
    const nodes = sh.link.key("presence-nodes");
    const ids = sh.everything ? [...this.byDevice.keys()] : [...this.dirty];
    sh.everything = false;
    this.dirty.clear();
    const multi = c.multi();
    const set: Record<string, string> = {};
    const gone: string[] = [];
    for (const id of ids) {
      const p = this.byDevice.get(id);
      if (p) set[id] = JSON.stringify({ s: p.sockets, since: p.since.getTime(), heard: p.lastHeardAt.getTime(), h: p.health });
      else gone.push(id);
    }
    if (Object.keys(set).length) multi.hSet(mine, set);
    if (gone.length) multi.hDel(mine, gone);
    multi.pExpire(mine, this.ttlMs);
    const now = Date.now();
    multi.zAdd(nodes, { score: now, value: sh.link.nodeId });
    multi.zRemRangeByScore(nodes, 0, now - 10 * this.ttlMs);
    multi.zRangeByScore(nodes, now - 2 * this.ttlMs, "+inf");
    const replies = (await multi.exec()) as unknown[];
    const others = (replies[replies.length - 1] as string[]).filter((n) => n !== sh.link.nodeId);
    const merged = new Map<string, DevicePresence>();
    if (others.length) {
      const hashes = await Promise.all(others.map((n) => c.hGetAll(sh.link.key("presence", n))));
      for (const h of hashes) {
        for (const [id, json] of Object.entries(h as Record<string, string>)) {
          const v = JSON.parse(json) as { s: number; since: number; heard: number; h: DeviceHealth | null };
          const prev = merged.get(id);
          const p: DevicePresence = { sockets: v.s, since: new Date(v.since), lastHeardAt: new Date(v.heard), health: v.h };
          if (!prev) merged.set(id, p);
          else {
            prev.sockets += p.sockets;
            if (p.since < prev.since) prev.since = p.since;
            if (p.lastHeardAt > prev.lastHeardAt) {
              prev.lastHeardAt = p.lastHeardAt;
              prev.health = p.health ?? prev.health;
            }
          }
        }
      }
    }
    this.remote = merged;
  }

  /** Stops publishing and removes this process's devices from the shared view. */
  async close(): Promise<void> {
    const sh = this.shared;
    this.stopSharing();
    if (sh?.link.ready) await sh.link.client.del(sh.link.key("presence", sh.link.nodeId)).catch(() => undefined);
  }

  connected(deviceId: string): void {
    this.dirty.add(deviceId);
    const p = this.byDevice.get(deviceId);
    if (p) {
      p.sockets++;
      p.lastHeardAt = new Date();
      return;
    }
    this.byDevice.set(deviceId, { sockets: 1, since: new Date(), lastHeardAt: new Date(), health: null });
  }

  disconnected(deviceId: string): void {
    this.dirty.add(deviceId);
    const p = this.byDevice.get(deviceId);
    if (!p) return;
    p.sockets--;
    if (p.sockets <= 0) this.byDevice.delete(deviceId);
  }

  /**
   * A device's agent and its screen may share one key: a heartbeat without projector status
   * (the screen's) keeps the one the agent reported last instead of erasing it.
   */
  heartbeat(deviceId: string, health: DeviceHealth): void {
    this.dirty.add(deviceId);
    const p = this.byDevice.get(deviceId);
    if (p) {
      p.lastHeardAt = new Date();
      const projector = health.projector === undefined ? p.health?.projector : health.projector;
      p.health = projector === undefined ? health : { ...health, projector };
    }
  }

  isOnline(deviceId: string, now = Date.now()): boolean {
    const on = (p: DevicePresence | undefined) => !!p && p.sockets > 0 && now - p.lastHeardAt.getTime() <= this.silenceMs;
    return on(this.byDevice.get(deviceId)) || on(this.remote.get(deviceId));
  }

  /** This process's entry when it has one, else the freshest of the other processes'. */
  get(deviceId: string): DevicePresence | undefined {
    return this.byDevice.get(deviceId) ?? this.remote.get(deviceId);
  }

  /** Devices whose online state differs from what was last published; marks them published. */
  flips(knownIds: Iterable<string>): { deviceId: string; online: boolean }[] {
    const out: { deviceId: string; online: boolean }[] = [];
    const now = Date.now();
    const ids = new Set([...knownIds, ...this.byDevice.keys(), ...this.remote.keys(), ...this.published.keys()]);
    for (const id of ids) {
      const online = this.isOnline(id, now);
      if ((this.published.get(id) ?? false) !== online) {
        out.push({ deviceId: id, online });
        if (online) this.published.set(id, true);
        else this.published.delete(id);
      }
    }
    return out;
  }
}
