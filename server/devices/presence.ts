// Which devices are connected to this process right now, with their last
// reported health. (The scale-out issue moves this behind Redis.)
import type { HeartbeatInput } from "@contracts/devices";

export interface DevicePresence {
  sockets: number;
  since: Date;
  lastHeartbeatAt: Date | null;
  health: HeartbeatInput | null;
}

export class PresenceRegistry {
  private readonly byDevice = new Map<string, DevicePresence>();

  /** Returns true when the device just came online. */
  connected(deviceId: string): boolean {
    const p = this.byDevice.get(deviceId);
    if (p) {
      p.sockets++;
      return false;
    }
    this.byDevice.set(deviceId, { sockets: 1, since: new Date(), lastHeartbeatAt: null, health: null });
    return true;
  }

  /** Returns true when the device just went offline. */
  disconnected(deviceId: string): boolean {
    const p = this.byDevice.get(deviceId);
    if (!p) return false;
    p.sockets--;
    if (p.sockets > 0) return false;
    this.byDevice.delete(deviceId);
    return true;
  }

  heartbeat(deviceId: string, health: HeartbeatInput): void {
    const p = this.byDevice.get(deviceId);
    if (p) {
      p.lastHeartbeatAt = new Date();
      p.health = health;
    }
  }

  isOnline(deviceId: string): boolean {
    return this.byDevice.has(deviceId);
  }
}
