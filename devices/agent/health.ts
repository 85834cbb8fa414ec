// What a heartbeat reports: the agent's uptime, its memory, the round trip of
// the previous heartbeat, its version and (when it drives one) the projector.
import type { DeviceHealth, ProjectorStatus } from "@contracts/devices";

export const AGENT_VERSION = "hall-agent/0.1.0";

/** Bounds of the server's HeartbeatInput schema. */
const MAX_RTT_MS = 1e6;

export interface HealthInputs {
  startedAt: number;
  now: number;
  rssBytes: number;
  lastRttMs: number | null;
  version: string;
  /** undefined: no projector configured (field left out). */
  projector?: ProjectorStatus | null;
}

const oneDecimal = (n: number) => Math.round(n * 10) / 10;

export function buildHealth(h: HealthInputs): DeviceHealth {
  return {
    uptimeS: Math.max(0, Math.round((h.now - h.startedAt) / 1000)),
    memoryMb: oneDecimal(h.rssBytes / 2 ** 20),
    ...(h.lastRttMs !== null ? { rttMs: Math.min(MAX_RTT_MS, oneDecimal(Math.max(0, h.lastRttMs))) } : {}),
    version: h.version.slice(0, 64),
    ...(h.projector !== undefined ? { projector: h.projector } : {}),
  };
}
