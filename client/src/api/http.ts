// Typed fetch wrapper over the HTTP routes table of the contracts
// (@contracts/http): route names, inputs and outputs are typed from the
// table, and each call reads the route's method and path from the table
// itself, so new routes need no client change. The table (with zod and the
// schemas) is loaded on the first call, in its own chunk: hall screens, which
// make no HTTP calls, never download it. Every call resolves to the Ack
// envelope — never throws for a failed request: network failures and
// unreadable bodies become `{ ok: false, error }` with the client-side codes
// NETWORK_ERROR / BAD_RESPONSE. A request that carried a token and came back
// UNAUTHENTICATED / TOKEN_EXPIRED calls the unauthorized handler (the app logs
// out and goes to /login).
import type { z } from "zod";
import type { Ack, AckErr, ErrorBody } from "@contracts/common";
import type { RouteName, routes } from "@contracts/http";

export type RouteInput<N extends RouteName> = z.input<(typeof routes)[N]["input"]>;
export type RouteOutput<N extends RouteName> = z.output<(typeof routes)[N]["output"]>;

let routesTable: Promise<typeof routes> | null = null;
/** The contracts' routes table, loaded once on first use. */
export function loadRoutes(): Promise<typeof routes> {
  routesTable ??= import("@contracts/http").then((m) => m.routes);
  return routesTable;
}

/** Codes the client makes up itself when the server could not answer with an envelope. */
export type ClientErrorCode = "NETWORK_ERROR" | "BAD_RESPONSE";

export interface HttpConfig {
  /** Current bearer token, or null when logged out. */
  token: () => string | null;
  /** Called once per failed authenticated request with UNAUTHENTICATED / TOKEN_EXPIRED. */
  onUnauthorized: (error: ErrorBody) => void;
  /** Injected for tests; defaults to the global fetch at call time. */
  fetch?: typeof fetch;
  /** Prefix for paths (empty: same origin). */
  baseUrl?: string;
}

const config: HttpConfig = { token: () => null, onUnauthorized: () => undefined };

export function configureHttp(c: Partial<HttpConfig>): void {
  Object.assign(config, c);
}

export const AUTH_FAILURE_CODES: readonly string[] = ["UNAUTHENTICATED", "TOKEN_EXPIRED"];

export interface CallOptions {
  signal?: AbortSignal;
}

type Args<N extends RouteName> =
  Record<string, never> extends RouteInput<N>
    ? [input?: RouteInput<N>, opts?: CallOptions]
    : [input: RouteInput<N>, opts?: CallOptions];

const fail = (code: ClientErrorCode | string, message: string): AckErr => ({ ok: false, error: { code, message } });

/** Fills `:param` segments from the input; returns the path and the input left over. */
export function buildPath(pattern: string, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  const path = pattern.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const v = rest[name];
    delete rest[name];
    if (v === undefined || v === null || v === "") throw new Error(`missing path parameter "${name}" for ${pattern}`);
    return encodeURIComponent(String(v));
  });
  return { path, rest };
}

function isAck(body: unknown): body is Ack<unknown> {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  if (b.ok === true) return "data" in b;
  if (b.ok === false) {
    const e = b.error as Record<string, unknown> | null | undefined;
    return typeof e === "object" && e !== null && typeof e.code === "string" && typeof e.message === "string";
  }
  return false;
}

/** Calls one route of the contracts table and returns its Ack. */
export async function api<N extends RouteName>(name: N, ...[input, opts]: Args<N>): Promise<Ack<RouteOutput<N>>> {
  let route: { method: string; path: string };
  try {
    route = (await loadRoutes())[name];
  } catch (err) {
    routesTable = null; // a failed chunk load (network): try again next call
    return fail("NETWORK_ERROR", err instanceof Error ? err.message : String(err));
  }
  let path: string;
  let rest: Record<string, unknown>;
  try {
    ({ path, rest } = buildPath(route.path, (input ?? {}) as Record<string, unknown>));
  } catch (err) {
    return fail("VALIDATION_FAILED", (err as Error).message);
  }
  const headers: Record<string, string> = { accept: "application/json" };
  const token = config.token();
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (route.method === "GET" || route.method === "DELETE") {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) if (v !== undefined && v !== null) qs.set(k, String(v));
    const q = qs.toString();
    if (q) path += `?${q}`;
  } else {
    headers["content-type"] = "application/json";
    body = JSON.stringify(rest);
  }

  const doFetch = config.fetch ?? globalThis.fetch.bind(globalThis);
  let res: Response;
  try {
    res = await doFetch((config.baseUrl ?? "") + path, { method: route.method, headers, body, signal: opts?.signal, credentials: "same-origin" });
  } catch (err) {
    return fail("NETWORK_ERROR", err instanceof Error ? err.message : String(err));
  }
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    return fail("BAD_RESPONSE", `HTTP ${res.status} ${res.statusText}`.trim());
  }
  if (!isAck(parsed)) return fail("BAD_RESPONSE", `HTTP ${res.status}: not an API envelope`);
  if (!parsed.ok && token && AUTH_FAILURE_CODES.includes(parsed.error.code)) config.onUnauthorized(parsed.error);
  return parsed as Ack<RouteOutput<N>>;
}
