// Mounts a route from its contract: parse input → authenticate → audience
// check → handler → `{ ok: true, data }`. Errors become typed envelopes with
// a matching HTTP status in errorMiddleware.
import type { Express, NextFunction, Request, Response } from "express";
import type { z } from "zod";
import type { RouteContract } from "@contracts/http";
import { admits, type Principal } from "../auth/principal";
import { authenticateToken } from "../auth/tokens";
import type { AppContext } from "../context";
import { AppError, toErrorBody, validationError } from "../errors";

export interface RouteCtx {
  app: AppContext;
  principal: Principal | null;
  ip: string;
  req: Request;
}

/** The calling person (routes whose audience admits only people). */
export const person = (p: Principal | null) => {
  if (!p || p.kind !== "user") throw new AppError("UNAUTHENTICATED", "Log in first");
  return p;
};

export function bearer(req: Request): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer ([^\s]+)$/i.exec(h);
  if (!m) throw new AppError("UNAUTHENTICATED", "Authorization header must be 'Bearer <token>'");
  return m[1]!;
}

type Answer<C extends RouteContract> = C["produces"] extends "pdf" ? Buffer : C["produces"] extends "text" | "csv" ? string : z.input<C["output"]>;

/**
 * Mounts a route from its contract: authenticate → audience → parse (JSON body
 * + path params; for GET/DELETE query + params; for raw bodies params only,
 * the handler reads `req` as a stream) → handler → envelope (or the file).
 */
export function mount<C extends RouteContract>(
  server: Express,
  app: AppContext,
  contract: C,
  handler: (ctx: RouteCtx, input: z.output<C["input"]>) => Promise<Answer<C>>,
): void {
  const method = contract.method.toLowerCase() as "get" | "post" | "put" | "delete";
  server[method](contract.path, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const token = bearer(req);
      const principal = token ? await authenticateToken(app.db, token) : null;
      if (!admits(contract.audience, principal)) {
        throw principal
          ? new AppError("FORBIDDEN", `Role ${principal.kind === "user" ? principal.role : "device"} may not call ${contract.method} ${contract.path}`)
          : new AppError("UNAUTHENTICATED", "Log in first (Authorization: Bearer <token>)");
      }
      const raw =
        contract.method === "GET" || contract.method === "DELETE" || contract.body === "raw"
          ? { ...(contract.body === "raw" ? {} : req.query), ...req.params }
          : { ...(isPlainObject(req.body) ? req.body : { __notAnObject: req.body ?? null }), ...req.params };
      const parsed = contract.input.safeParse(raw);
      if (!parsed.success) throw validationError(parsed.error, "request");
      const data = await handler({ app, principal, ip: req.ip ?? "", req }, parsed.data as z.output<C["input"]>);
      if (contract.produces === "pdf") {
        res.type("application/pdf").setHeader("Content-Disposition", "attachment").send(data as Buffer);
      } else if (contract.produces === "text") {
        res.type("text/plain; charset=utf-8").send(data as string);
      } else if (contract.produces === "csv") {
        res.type("text/csv; charset=utf-8").setHeader("Content-Disposition", "attachment").send(data as string);
      } else if (contract.produces === "document") {
        res.type("application/json").send(JSON.stringify(data));
      } else res.json({ ok: true, data });
    } catch (err) {
      if (contract.body === "raw" && !req.readableEnded) {
        // Answer at once, then drop the rest of the upload: never read a refused body to the end.
        res.setHeader("Connection", "close");
        req.unpipe();
      }
      next(err);
    }
  });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const statusOf: Record<string, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  DEVICE_REVOKED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  OPEN_DATA_NOT_PUBLIC: 404,
  UNKNOWN_EVENT: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/** Body-parser failures, AppErrors and anything unexpected → the typed envelope. */
export function errorMiddleware(app: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let body = toErrorBody(err);
    const type = (err as { type?: string } | null)?.type;
    if (type === "entity.parse.failed") body = { code: "MALFORMED_JSON", message: "Request body is not valid JSON" };
    else if (type === "entity.too.large") body = { code: "PAYLOAD_TOO_LARGE", message: "Request body too large" };
    else if (type && body.code === "INTERNAL") body = { code: "VALIDATION_FAILED", message: `Unreadable request body (${type})` };
    if (body.code === "INTERNAL") app.log.error({ err, method: req.method, url: req.originalUrl }, "request failed");
    res.status(statusOf[body.code] ?? 422).json({ ok: false, error: body });
  };
}
