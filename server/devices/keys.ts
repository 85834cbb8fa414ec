import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { Principal } from "../auth/principal";
import { DeviceKind } from "@contracts/common";

export const hashDeviceKey = (key: string) => createHash("sha256").update(key).digest("hex");
/** A new device key: `dk_` + 32 random bytes. Shown once; only its hash is stored. */
export const newDeviceKey = () => `dk_${randomBytes(32).toString("base64url")}`;

export async function authenticateDevice(db: Db, key: string): Promise<Principal & { kind: "device" }> {
  if (!/^dk_[A-Za-z0-9_-]{20,100}$/.test(key)) throw new AppError("UNAUTHENTICATED", "Invalid device key");
  const d = await db.device.findUnique({ where: { keyHash: hashDeviceKey(key) } });
  if (!d) throw new AppError("UNAUTHENTICATED", "Unknown device key");
  if (d.revokedAt) throw new AppError("DEVICE_REVOKED", "This device key has been revoked");
  return { kind: "device", deviceId: d.id, deviceKind: DeviceKind.parse(d.kind), roomId: d.roomId, code: d.code };
}
