import { z } from "zod";
import { Id, IsoTime, Role } from "./common";

export const LoginInput = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginInput = z.infer<typeof LoginInput>;

export const UserView = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  role: Role,
  companyId: Id.nullable(),
  companyName: z.string().nullable(),
  /** The company's unified social credit code (bidders). */
  companyCreditCode: z.string().nullable(),
  centerName: z.string(),
});
export type UserView = z.infer<typeof UserView>;

export const LoginResult = z.object({ token: z.string(), expiresAt: IsoTime, user: UserView });
export type LoginResult = z.infer<typeof LoginResult>;

export const Empty = z.object({}).strict();
export const LogoutResult = z.object({ loggedOut: z.literal(true) });
