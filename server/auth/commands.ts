// Use cases of the auth module. They know nothing of HTTP or sockets.
import type { LoginInput, LoginResult, UserView } from "@contracts/auth";
import { Role } from "@contracts/common";
import { appendAudit } from "../audit/chain";
import type { Db } from "../db";
import type { DomainEventBus } from "../domain-events";
import { AppError } from "../errors";
import { dummyHash, verifyPassword } from "./password";
import type { LoginThrottle } from "./throttle";
import { issueToken } from "./tokens";
import { actorOf, type Principal } from "./principal";

export interface AuthDeps {
  db: Db;
  throttle: LoginThrottle;
  tokenTtlMs: number;
}

export async function login(deps: AuthDeps, input: LoginInput, ip: string): Promise<LoginResult> {
  await deps.throttle.check(input.username, ip);
  const user = await deps.db.user.findUnique({ where: { username: input.username }, include: { company: true } });
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok || user.disabledAt) {
    await deps.throttle.fail(input.username, ip);
    throw new AppError("INVALID_CREDENTIALS", "Wrong username or password");
  }
  await deps.throttle.succeed(input.username, ip);
  const role = Role.parse(user.role);
  const { token, expiresAt } = await deps.db.$transaction(async (tx) => {
    const issued = await issueToken(tx, user.id, role, deps.tokenTtlMs);
    await appendAudit(tx, {
      actor: { kind: "user", id: user.id, role },
      action: "auth.login",
      target: `token:${issued.tokenId}`,
      payload: { username: user.username, ip },
    });
    return issued;
  });
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    user: {
      centerName: (await deps.db.center.findFirst({ orderBy: { createdAt: "asc" } }))?.name ?? "",
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      role,
      companyId: user.companyId,
      companyName: user.company?.name ?? null,
      companyCreditCode: user.company?.creditCode ?? null,
    },
  };
}

export async function logout(db: Db, principal: Principal & { kind: "user" }, events?: DomainEventBus): Promise<{ loggedOut: true }> {
  await db.$transaction(async (tx) => {
    await tx.authToken.update({ where: { id: principal.tokenId }, data: { revokedAt: new Date() } });
    await appendAudit(tx, { actor: actorOf(principal), action: "auth.logout", target: `token:${principal.tokenId}`, payload: {} });
  });
  events?.emit("auth.tokenRevoked", { tokenId: principal.tokenId });
  return { loggedOut: true };
}

export async function me(db: Db, principal: Principal & { kind: "user" }): Promise<UserView> {
  const user = await db.user.findUniqueOrThrow({ where: { id: principal.userId }, include: { company: true } });
  const center = await db.center.findFirst({ orderBy: { createdAt: "asc" } });
  return {
    centerName: center?.name ?? "",
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: principal.role,
    companyId: user.companyId,
    companyName: user.company?.name ?? null,
    companyCreditCode: user.company?.creditCode ?? null,
  };
}

