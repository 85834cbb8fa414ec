// Which devices are connected to this process right now, with their last
// reported health. A device counts as online while it has a socket and has
// been heard (connect or heartbeat) within the silence limit (10 s).
// (The scale-out issue moves this behind Redis.)
import type { DeviceHealth } from "@contracts/devices";

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

  constructor(private readonly silenceMs = 10_000) {}

  connected(deviceId: string): void {
    const p = this.byDevice.get(deviceId);
    if (p) {
      p.sockets++;
      p.lastHeardAt = new Date();
      return;
    }
    this.byDevice.set(deviceId, { sockets: 1, since: new Date(), lastHeardAt: new Date(), health: null });
  }

  disconnected(deviceId: string): void {
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
    const p = this.byDevice.get(deviceId);
    if (p) {
      p.lastHeardAt = new Date();
      const projector = health.projector === undefined ? p.health?.projector : health.projector;
      p.health = projector === undefined ? health : { ...health, projector };
    }
  }

  isOnline(deviceId: string, now = Date.now()): boolean {
    const p = this.byDevice.get(deviceId);
    return !!p && p.sockets > 0 && now - p.lastHeardAt.getTime() <= this.silenceMs;
  }

  get(deviceId: string): DevicePresence | undefined {
    return this.byDevice.get(deviceId);
  }

  /** Devices whose online state differs from what was last published; marks them published. */
  flips(knownIds: Iterable<string>): { deviceId: string; online: boolean }[] {
    const out: { deviceId: string; online: boolean }[] = [];
    const now = Date.now();
    const ids = new Set([...knownIds, ...this.byDevice.keys(), ...this.published.keys()]);
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
