// Configuration: read once from the environment, validated with zod. A bad
// value stops the process with a message naming the variable.
import { z } from "zod";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

const intFrom = (def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return def;
      if (!/^\d+$/.test(v)) {
        ctx.addIssue({ code: "custom", message: `must be a whole number, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: intFrom(3000, 0, 65535),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/, 'must start with "file:" (SQLite) or "postgresql://"')
    .optional(),
  /** Secret for data encrypted at rest (e.g. expert ID numbers). Required in production; ≥ 32 chars. */
  APP_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  TOKEN_TTL_MINUTES: intFrom(8 * 60, 1, 60 * 24 * 30),
  LOGIN_MAX_FAILURES: intFrom(5, 1, 1000),
  LOGIN_BLOCK_SECONDS: intFrom(300, 1, 86400),
  LIVE_TICK_MS: intFrom(1000, 100, 60000),
  LIVE_KEEP_UPDATES: intFrom(500, 10, 100000),
  /** A device unheard for this long shows offline on the wall. */
  DEVICE_SILENCE_MS: intFrom(10000, 500, 600000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_PRETTY: z.enum(["true", "false"]).optional(),
  CLIENT_DIST: z.string().default("./client/dist"),
  /** Folder with the platform CA and signing certificate (made on first start when missing). */
  PLATFORM_DIR: z.string().min(1).optional(),
  TRUST_PROXY: z.enum(["true", "false"]).default("false"),
});

export interface Config {
  env: "development" | "production" | "test";
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  appSecret: string;
  tokenTtlMs: number;
  login: { maxFailures: number; blockSeconds: number };
  live: { tickMs: number; keepUpdates: number };
  deviceSilenceMs: number;
  log: { level: string; pretty: boolean };
  clientDist: string;
  platformDir: string;
  trustProxy: boolean;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  if (e.NODE_ENV === "production" && !e.APP_SECRET) {
    throw new ConfigError(["APP_SECRET: required when NODE_ENV=production (at least 32 characters)"]);
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `file:${join(dataDir, "hall.db")}`,
    appSecret: e.APP_SECRET ?? devSecret(dataDir),
    tokenTtlMs: e.TOKEN_TTL_MINUTES * 60_000,
    login: { maxFailures: e.LOGIN_MAX_FAILURES, blockSeconds: e.LOGIN_BLOCK_SECONDS },
    live: { tickMs: e.LIVE_TICK_MS, keepUpdates: e.LIVE_KEEP_UPDATES },
    deviceSilenceMs: e.DEVICE_SILENCE_MS,
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ? e.LOG_PRETTY === "true" : e.NODE_ENV === "development" },
    clientDist: isAbsolute(e.CLIENT_DIST) ? e.CLIENT_DIST : resolve(e.CLIENT_DIST),
    platformDir: e.PLATFORM_DIR ? resolve(e.PLATFORM_DIR) : join(dataDir, "platform"),
    trustProxy: e.TRUST_PROXY === "true",
  };
}

/** Outside production a secret is made once and kept in the data folder (mode 0600). */
function devSecret(dataDir: string): string {
  const file = join(dataDir, "app-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}

/** Resolves a SQLite `file:` URL to an absolute path, or null for other databases. */
export function sqliteFile(databaseUrl: string): string | null {
  return databaseUrl.startsWith("file:") ? resolve(databaseUrl.slice("file:".length)) : null;
}
