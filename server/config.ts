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
  /** Optional: several processes share Socket.IO, presence, throttles and rate limits through Redis. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must start with "redis://" or "rediss://"')
    .optional(),
  /** Prefix of every Redis key this deployment uses (several halls may share one Redis). */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/, "must be 1–64 letters, digits or _:.-").default("hall"),
  /** Secret for data encrypted at rest (e.g. expert ID numbers). Required in production; ≥ 32 chars. */
  APP_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  TOKEN_TTL_MINUTES: intFrom(8 * 60, 1, 60 * 24 * 30),
  LOGIN_MAX_FAILURES: intFrom(5, 1, 1000),
  LOGIN_BLOCK_SECONDS: intFrom(300, 1, 86400),
  LIVE_TICK_MS: intFrom(1000, 100, 60000),
  LIVE_KEEP_UPDATES: intFrom(500, 10, 100000),
  /** Socket events one connection may send per second before RATE_LIMITED. */
  EVENT_RATE_PER_SECOND: intFrom(50, 1, 1_000_000),
  /** A device unheard for this long shows offline on the wall. */
  DEVICE_SILENCE_MS: intFrom(10000, 500, 600000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_PRETTY: z.enum(["true", "false"]).optional(),
  CLIENT_DIST: z.string().default("./client/dist"),
  /** Folder with the platform CA and signing certificate (made on first start when missing). */
  PLATFORM_DIR: z.string().min(1).optional(),
  TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  /** on: `npm start` seeds the demo center on a new database (server/seed); off: nothing is seeded. */
  DEMO: z.enum(["on", "off"], { message: 'must be "on" (seed the demo center on a new database) or "off" (no demo at all)' }).default("on"),
  // ── experts (专家抽取); see server/experts ──
  /**
   * Where invitations and sign-in codes go: outbox (default: kept in the database, read on the outbox page),
   * webhook (an SMS/voice gateway; the outbox keeps a masked copy) or console (a masked log line only).
   */
  EXPERT_NOTIFIER: z.enum(["outbox", "console", "webhook"]).default("outbox"),
  EXPERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** HMAC-SHA256 key for the X-Hall-Signature header of webhook calls. */
  EXPERT_WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  EXPERT_WEBHOOK_TIMEOUT_MS: intFrom(5000, 100, 60000),
  EXPERT_WEBHOOK_RETRIES: intFrom(3, 0, 10),
  /**
   * With several processes (REDIS_URL): how long an invitation committed by one process is left to it
   * before a process starting up sends it again (default: what one send may take with its retries, or 10 s).
   */
  EXPERT_INVITE_HANDOVER_MS: intFrom(-1, 0, 3_600_000), // -1: not set (the default below)
  /** Base URL of the invitation links sent to experts (default http://localhost:PORT). */
  EXPERT_LINK_BASE: z.url({ protocol: /^https?$/ }).optional(),
  /** T: minutes an invited expert has to answer before a replacement is drawn. */
  EXPERT_ANSWER_MINUTES: intFrom(30, 1, 24 * 60),
  /** K and D: an expert already drawn K times in the last D days is excluded. */
  EXPERT_MAX_DRAWS: intFrom(3, 1, 1000),
  EXPERT_DRAW_WINDOW_DAYS: intFrom(30, 1, 3650),
  /** Exclude experts of the project's own county unless the request says otherwise. */
  EXPERT_EXCLUDE_SAME_COUNTY: z.enum(["true", "false"]).default("false"),
  /** Committee rules (招标投标法 art. 37; 财政部令第87号 art. 47). */
  EXPERT_COMMITTEE_MIN: intFrom(5, 1, 99),
  EXPERT_COMMITTEE_MIN_CONSULTATION: intFrom(3, 1, 99),
  EXPERT_COMMITTEE_MIN_LARGE_PROCUREMENT: intFrom(7, 1, 99),
  EXPERT_LARGE_PROCUREMENT_FEN: intFrom(1_000_000_000, 0, Number.MAX_SAFE_INTEGER),
  EXPERT_COMMITTEE_ODD: z.enum(["true", "false"]).default("true"),
  /** Least share of drawn experts on the committee, as a fraction. */
  EXPERT_MIN_SHARE: z
    .string()
    .regex(/^\d+\/\d+$/, 'must be a fraction such as "2/3"')
    .refine((v) => {
      const [n, d] = v.split("/").map(Number) as [number, number];
      return d > 0 && n <= d;
    }, "must be a fraction between 0 and 1")
    .default("2/3"),
  /** Government procurement: the draw may happen at most this many working days before the evaluation. */
  EXPERT_PROCUREMENT_DRAW_WORKDAYS: intFrom(2, 0, 30),
  EXPERT_IMPORT_MAX_MB: intFrom(200, 1, 4096),
  /** JSON file of public holidays and make-up working days per year (server/experts/holidays.ts); 2026 is built in. */
  EXPERT_HOLIDAYS_FILE: z.string().min(1).optional(),
  // ── evaluation (评标); see server/evaluation ──
  /** Fault clock for a lost link to a site before the evaluation starts (minutes). */
  EVAL_FAULT_BEFORE_START_MINUTES: intFrom(120, 1, 7 * 24 * 60),
  /** Fault clock for a lost link during the evaluation (minutes). */
  EVAL_FAULT_DURING_MINUTES: intFrom(240, 1, 7 * 24 * 60),
});

export interface Config {
  env: "development" | "production" | "test";
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  /** Set: several processes (see docs/architecture.md, Scale-out). */
  redis: { url: string; prefix: string } | null;
  appSecret: string;
  tokenTtlMs: number;
  login: { maxFailures: number; blockSeconds: number };
  live: { tickMs: number; keepUpdates: number };
  deviceSilenceMs: number;
  eventRatePerSecond: number;
  log: { level: string; pretty: boolean };
  clientDist: string;
  platformDir: string;
  trustProxy: boolean;
  /** DEMO: seed the demo center on a new database. */
  demo: boolean;
  experts: ExpertsConfig;
  evaluation: { faultBeforeStartMinutes: number; faultDuringMinutes: number };
}

export interface ExpertsConfig {
  notifier:
    | { kind: "outbox" }
    | { kind: "console" }
    | { kind: "webhook"; url: string; secret: string; timeoutMs: number; retries: number };
  linkBase: string;
  answerMinutes: number;
  maxDraws: number;
  drawWindowDays: number;
  excludeSameCounty: boolean;
  committee: {
    min: number;
    minConsultation: number;
    minLargeProcurement: number;
    largeProcurementFen: number;
    odd: boolean;
    minShare: { num: number; den: number };
  };
  procurementDrawWorkdays: number;
  importMaxBytes: number;
  holidaysFile?: string | undefined;
  /** See EXPERT_INVITE_HANDOVER_MS. */
  inviteHandoverMs: number;
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
  if (e.EXPERT_NOTIFIER === "webhook" && (!e.EXPERT_WEBHOOK_URL || !e.EXPERT_WEBHOOK_SECRET)) {
    throw new ConfigError(["EXPERT_WEBHOOK_URL, EXPERT_WEBHOOK_SECRET: both required when EXPERT_NOTIFIER=webhook"]);
  }
  const [shareNum, shareDen] = e.EXPERT_MIN_SHARE.split("/").map(Number) as [number, number];
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `file:${join(dataDir, "hall.db")}`,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : null,
    appSecret: e.APP_SECRET ?? devSecret(dataDir),
    tokenTtlMs: e.TOKEN_TTL_MINUTES * 60_000,
    login: { maxFailures: e.LOGIN_MAX_FAILURES, blockSeconds: e.LOGIN_BLOCK_SECONDS },
    live: { tickMs: e.LIVE_TICK_MS, keepUpdates: e.LIVE_KEEP_UPDATES },
    deviceSilenceMs: e.DEVICE_SILENCE_MS,
    eventRatePerSecond: e.EVENT_RATE_PER_SECOND,
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ? e.LOG_PRETTY === "true" : e.NODE_ENV === "development" },
    clientDist: isAbsolute(e.CLIENT_DIST) ? e.CLIENT_DIST : resolve(e.CLIENT_DIST),
    platformDir: e.PLATFORM_DIR ? resolve(e.PLATFORM_DIR) : join(dataDir, "platform"),
    trustProxy: e.TRUST_PROXY === "true",
    demo: e.DEMO === "on",
    experts: {
      notifier:
        e.EXPERT_NOTIFIER === "webhook"
          ? { kind: "webhook", url: e.EXPERT_WEBHOOK_URL!, secret: e.EXPERT_WEBHOOK_SECRET!, timeoutMs: e.EXPERT_WEBHOOK_TIMEOUT_MS, retries: e.EXPERT_WEBHOOK_RETRIES }
          : { kind: e.EXPERT_NOTIFIER },
      linkBase: (e.EXPERT_LINK_BASE ?? `http://localhost:${e.PORT || 3000}`).replace(/\/+$/, ""),
      answerMinutes: e.EXPERT_ANSWER_MINUTES,
      maxDraws: e.EXPERT_MAX_DRAWS,
      drawWindowDays: e.EXPERT_DRAW_WINDOW_DAYS,
      excludeSameCounty: e.EXPERT_EXCLUDE_SAME_COUNTY === "true",
      committee: {
        min: e.EXPERT_COMMITTEE_MIN,
        minConsultation: e.EXPERT_COMMITTEE_MIN_CONSULTATION,
        minLargeProcurement: e.EXPERT_COMMITTEE_MIN_LARGE_PROCUREMENT,
        largeProcurementFen: e.EXPERT_LARGE_PROCUREMENT_FEN,
        odd: e.EXPERT_COMMITTEE_ODD === "true",
        minShare: { num: shareNum, den: shareDen },
      },
      procurementDrawWorkdays: e.EXPERT_PROCUREMENT_DRAW_WORKDAYS,
      importMaxBytes: e.EXPERT_IMPORT_MAX_MB * 1024 * 1024,
      holidaysFile: e.EXPERT_HOLIDAYS_FILE,
      inviteHandoverMs:
        e.EXPERT_INVITE_HANDOVER_MS >= 0
          ? e.EXPERT_INVITE_HANDOVER_MS
          : e.EXPERT_NOTIFIER === "webhook"
          ? // every attempt times out, with the back-offs between (500 ms doubling: notifier.ts), and a margin
            e.EXPERT_WEBHOOK_TIMEOUT_MS * (e.EXPERT_WEBHOOK_RETRIES + 1) + 500 * (2 ** e.EXPERT_WEBHOOK_RETRIES - 1) + 5_000
          : 10_000,
    },
    evaluation: { faultBeforeStartMinutes: e.EVAL_FAULT_BEFORE_START_MINUTES, faultDuringMinutes: e.EVAL_FAULT_DURING_MINUTES },
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
