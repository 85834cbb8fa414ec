// A device's health as the wall and the admin table show it: round-trip time,
// memory, software version and, for a hall PC with a projector, its power and
// PJLink faults. The wall stream sends it already rounded (HealthShown); the
// admin list sends the raw report (DeviceHealth), brought to the same shape.
import type { DeviceHealth } from "@contracts/devices";
import type { WallRoom } from "@contracts/rooms";

export type HealthView = NonNullable<WallRoom["devices"][number]["health"]>;
export type ProjectorView = NonNullable<HealthView["projector"]>;

/** The raw report (admin list) in the wall's shape; faults as "part:level" for the parts that are not ok. */
export function healthFromReport(h: DeviceHealth | null | undefined): HealthView | null {
  if (!h) return null;
  return {
    rttMs: h.rttMs ?? null,
    memoryMb: h.memoryMb,
    version: h.version ?? null,
    projector: h.projector
      ? {
          reachable: h.projector.reachable,
          power: h.projector.power,
          faults: h.projector.errors
            ? Object.entries(h.projector.errors)
                .filter(([, v]) => v !== "ok")
                .map(([k, v]) => `${k}:${v}`)
            : [],
          problem: h.projector.problem,
        }
      : null,
  };
}

export const FAULT_PARTS = ["fan", "lamp", "temperature", "cover", "filter", "other"] as const;
export type FaultPart = (typeof FAULT_PARTS)[number];

/** "lamp:error" → { part: "lamp", level: "error" }; an unknown part keeps its text. */
export function parseFault(f: string): { part: FaultPart | null; raw: string; level: "warning" | "error" } {
  const [p = "", l = ""] = f.split(":");
  const part = (FAULT_PARTS as readonly string[]).includes(p) ? (p as FaultPart) : null;
  return { part, raw: p, level: l === "error" ? "error" : "warning" };
}

export type HealthTone = "ok" | "warning" | "error";

/** Thresholds a person notices: a slow link, a projector that does not answer or reports a fault. */
export const SLOW_RTT_MS = 500;

export function healthTone(h: HealthView | null): HealthTone {
  if (!h) return "ok";
  const p = h.projector;
  if (p && (!p.reachable || p.faults.some((f) => parseFault(f).level === "error"))) return "error";
  if (p && p.faults.length > 0) return "warning";
  if (h.rttMs !== null && h.rttMs >= SLOW_RTT_MS) return "warning";
  return "ok";
}

/** 1536 → "1.5 GB", 150 → "150 MB". */
export function formatMemory(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

export const PROJECTOR_POWERS = ["off", "on", "cooling", "warming", "unknown"] as const;
export const projectorPower = (p: string): (typeof PROJECTOR_POWERS)[number] =>
  (PROJECTOR_POWERS as readonly string[]).includes(p) ? (p as (typeof PROJECTOR_POWERS)[number]) : "unknown";
