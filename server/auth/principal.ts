import type { Audience, DeviceKind, Role } from "@contracts/common";
import type { Actor } from "../audit/chain";

/** Who is calling: a logged-in person or an authenticated hall device. */
export type Principal =
  | {
      kind: "user";
      userId: string;
      username: string;
      displayName: string;
      role: Role;
      companyId: string | null;
      tokenId: string;
      expiresAt: Date;
    }
  | { kind: "device"; deviceId: string; deviceKind: DeviceKind; roomId: string; code: string };

export function audienceOf(p: Principal | null): Audience {
  if (!p) return "public";
  return p.kind === "device" ? "device" : p.role;
}

export function actorOf(p: Principal): Actor {
  return p.kind === "user"
    ? { kind: "user", id: p.userId, role: p.role }
    : { kind: "device", id: p.deviceId, role: `device:${p.deviceKind}` };
}

/** The coarse gate of a contract: is this principal's audience listed? */
export function admits(audience: readonly Audience[], p: Principal | null): boolean {
  return audience.includes("public") || audience.includes(audienceOf(p));
}
