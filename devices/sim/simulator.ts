// Many virtual hall devices against one server, for load and soak tests:
// each one connects with a device key, asks whoami, follows its channel and
// its room stream, sends heartbeats and answers commands. `stats()` sums them.
import type { DeviceKind } from "@contracts/common";
import { acquireKeys, revokeCreated, type AcquiredKeys, type SimKey } from "./keys";
import { VirtualDevice } from "./virtual-device";

export interface SimOptions {
  url: string;
  /** Room code, e.g. K01. */
  room: string;
  count: number;
  kinds?: DeviceKind[];
  /** Keys to use (tests); otherwise created through the admin API or read from keysFile. */
  keys?: SimKey[];
  admin?: { username: string; password: string };
  /** Devices to create through the API (default: count); virtual devices share them. */
  distinct?: number;
  keysFile?: string;
  /** Revoke the devices this run created when it stops. Default true. */
  revokeCreatedOnStop?: boolean;
  heartbeatMs?: number;
  /** Spread the connections over this long (ms). Default 0: all at once. */
  rampMs?: number;
  transports?: ("websocket" | "polling")[];
  log?: (msg: string) => void;
}

export interface Range {
  min: number;
  max: number;
}

export interface SimStats {
  devices: number;
  connected: number;
  /** Devices that know who they are (whoami answered). */
  identified: number;
  /** Versions reached by devices that joined the stream (null: none yet). */
  roomVersion: Range | null;
  channelVersion: Range | null;
  /** `live:update`s received, all devices. */
  updates: number;
  /** Connections after each device's first. */
  reconnects: number;
  heartbeats: { sent: number; acked: number };
  commands: number;
  /** Devices whose key the server refused (they stay down). */
  refused: number;
  errors: number;
}

export interface Simulator {
  devices: VirtualDevice[];
  keys: AcquiredKeys;
  stats(): SimStats;
  /** Disconnects every device, clears every timer, revokes created devices (unless told not to). */
  stop(): Promise<void>;
}

function range(vs: number[]): Range | null {
  if (vs.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const v of vs) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

export async function startSimulator(opts: SimOptions): Promise<Simulator> {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`count must be a positive integer, not ${opts.count}`);
  const keys = await acquireKeys(opts);
  const devices = keys.keys.map(
    (k, index) => new VirtualDevice({ url: opts.url, key: k.key, index, heartbeatMs: opts.heartbeatMs ?? 3000, ...(opts.transports ? { transports: opts.transports } : {}) }),
  );
  const ramp = opts.rampMs ?? 0;
  const starts: ReturnType<typeof setTimeout>[] = [];
  devices.forEach((d, i) => {
    if (ramp <= 0) d.start();
    else starts.push(setTimeout(() => d.start(), (i * ramp) / devices.length));
  });
  let stopped = false;

  return {
    devices,
    keys,
    stats(): SimStats {
      const joined = <T>(pick: (d: VirtualDevice) => T | null | undefined) => devices.flatMap((d) => {
        const v = pick(d);
        return typeof v === "number" && v > 0 ? [v] : [];
      });
      return {
        devices: devices.length,
        connected: devices.filter((d) => d.connected).length,
        identified: devices.filter((d) => d.self).length,
        roomVersion: range(joined((d) => d.room?.version)),
        channelVersion: range(joined((d) => d.channel?.version)),
        updates: devices.reduce((n, d) => n + d.updates, 0),
        reconnects: devices.reduce((n, d) => n + Math.max(0, d.connects - 1), 0),
        heartbeats: {
          sent: devices.reduce((n, d) => n + d.heartbeats.sent, 0),
          acked: devices.reduce((n, d) => n + d.heartbeats.acked, 0),
        },
        commands: devices.reduce((n, d) => n + d.commands, 0),
        refused: devices.filter((d) => d.refused).length,
        errors: devices.reduce((n, d) => n + d.errors, 0),
      };
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      for (const t of starts) clearTimeout(t);
      for (const d of devices) d.stop();
      if (keys.source === "created" && opts.admin && opts.revokeCreatedOnStop !== false) {
        const n = await revokeCreated(opts.url, opts.admin, keys.keys);
        opts.log?.(`revoked ${n} simulated devices`);
      }
    },
  };
}

/** One line for a terminal: connected, versions, updates, reconnects. */
export function formatStats(s: SimStats, elapsedS: number): string {
  const r = (x: Range | null) => (x ? (x.min === x.max ? `v${x.min}` : `v${x.min}..${x.max}`) : "-");
  return [
    `t=${elapsedS}s`,
    `connected ${s.connected}/${s.devices}`,
    `room ${r(s.roomVersion)}`,
    `channel ${r(s.channelVersion)}`,
    `updates ${s.updates}`,
    `reconnects ${s.reconnects}`,
    `heartbeats ${s.heartbeats.acked}/${s.heartbeats.sent}`,
    `commands ${s.commands}`,
    ...(s.refused ? [`refused ${s.refused}`] : []),
    ...(s.errors ? [`errors ${s.errors}`] : []),
  ].join("  ");
}
