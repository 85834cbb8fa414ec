// Bearer tokens: 32 random bytes, only their SHA-256 stored, bound to the
// user's role at issue time, expiring, revocable (logout).
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { Principal } from "./principal";
import { Role } from "@contracts/common";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function issueToken(db: Pick<Db, "authToken">, userId: string, role: string, ttlMs: number, now = new Date()) {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + ttlMs);
  const row = await db.authToken.create({ data: { userId, role, tokenHash: hashToken(token), expiresAt } });
  return { token, expiresAt, tokenId: row.id };
}

/** Resolves a bearer token to its principal; typed errors for unknown, expired, revoked or re-roled tokens. */
export async function authenticateToken(db: Db, token: string, now = new Date()): Promise<Principal & { kind: "user" }> {
  if (!/^[A-Za-z0-9_-]{20,128}$/.test(token)) throw new AppError("UNAUTHENTICATED", "Invalid token");
  const row = await db.authToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!row || row.revokedAt) throw new AppError("UNAUTHENTICATED", "Invalid or revoked token");
  if (row.expiresAt <= now) throw new AppError("TOKEN_EXPIRED", "Token expired; log in again");
  const role = Role.safeParse(row.user.role);
  if (row.user.disabledAt || !role.success || row.user.role !== row.role) {
    throw new AppError("UNAUTHENTICATED", "Token no longer valid for this user");
  }
  return {
    kind: "user",
    userId: row.user.id,
    username: row.user.username,
    displayName: row.user.displayName,
    role: role.data,
    companyId: row.user.companyId,
    tokenId: row.id,
    expiresAt: row.expiresAt,
  };
}

export async function revokeToken(db: Db, tokenId: string, now = new Date()) {
  await db.authToken.update({ where: { id: tokenId }, data: { revokedAt: now } });
}
