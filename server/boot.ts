// What every entry does with its database before anything else: the server
// (createApp, so `npm start`, `npm run start:cluster`, the seed and the tests)
// and every CLI (stats, experts, audit:verify, verify-draw, db:migrate).
//
//   migrateDatabase   applies the committed migrations when some are missing
//                     (a new DATABASE_URL / DATA_DIR works at once); a no-op
//                     costing one query when the database is up to date
//   checkAppSecret    the key check value of APP_SECRET: an HMAC of a fixed
//                     label, stored at the database's first use; a process with
//                     another secret refuses to run before it writes anything
//                     (IDs are keyed hashes and ID numbers sealed under it: with
//                     another secret a CLI would import the whole pool again)
//   prepareDatabase   both, for the CLIs (loadConfig first: same DATA_DIR rules
//                     as the server)
//
// Problems come out as StartupError: one line, no stack trace (exitOnStartupError).
import { execFileSync } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ConfigError, sqliteFile, type Config } from "./config";
import { createDb, providerOf, type Db } from "./db";
import { SecretBox } from "./platform/secrets";

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, "..");

/** A problem with the database or the secret found at start-up: printed as its message alone. */
export class StartupError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "StartupError";
  }
}

/** The database URL without its password, for messages. */
export const shownUrl = (url: string) => url.replace(/\/\/[^@/]*@/, "//***@");

/** The reason inside an error from Prisma, its CLI or a driver, as one line. */
export function reasonOf(err: unknown): string {
  const text = String((err as { message?: unknown })?.message ?? err);
  const quoted = /Message: `([^`]+)`/.exec(text)?.[1];
  if (quoted) return quoted;
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^(Loaded Prisma config|Prisma config detected|Prisma schema loaded|Datasource |Invalid `prisma|Error:?$)/.test(l));
  return (lines.find((l) => /^Error:|P\d{4}|E[A-Z]{3,}|can't|cannot|unable|denied|refused|not a directory/i.test(l)) ?? lines[0] ?? text).replace(/^Error:\s*/, "");
}

function unreachable(config: Config, err: unknown): StartupError {
  return new StartupError(
    `数据库无法使用 / cannot use the database ${shownUrl(config.databaseUrl)}: ${reasonOf(err)} (check DATABASE_URL, or DATA_DIR for the default SQLite file)`,
    { cause: err },
  );
}

/** The committed migrations of the database's provider, in order. */
function committedMigrations(config: Config): string[] {
  const dir = join(root, "prisma", providerOf(config.databaseUrl), "migrations");
  return readdirSync(dir).filter((d) => /^\d{4}_/.test(d)).sort();
}

/** Migrations not applied yet (all of them for a new database). */
export async function pendingMigrations(config: Config, client?: Db): Promise<string[]> {
  const all = committedMigrations(config);
  const file = sqliteFile(config.databaseUrl);
  if (file && !existsSync(file)) return all;
  const db = client ?? createDb(config.databaseUrl, { poolSize: 1 });
  try {
    const rows = await db
      .$queryRawUnsafe<{ name: string }[]>(`SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`)
      .catch((err: unknown) => {
        if (/no such table|does not exist/i.test(String((err as Error)?.message))) return [];
        throw err;
      });
    const applied = new Set(rows.map((r) => r.name));
    return all.filter((m) => !applied.has(m));
  } catch (err) {
    throw unreachable(config, err);
  } finally {
    if (!client) await db.$disconnect().catch(() => undefined);
  }
}

/** Applies the committed migrations (`prisma migrate deploy`) when some are missing; returns those it applied. */
export async function migrateDatabase(config: Config, say: (line: string) => void = () => undefined, client?: Db): Promise<string[]> {
  const pending = await pendingMigrations(config, client);
  if (!pending.length) return [];
  const file = sqliteFile(config.databaseUrl);
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (err) {
      throw unreachable(config, err);
    }
  }
  say(`applying ${pending.length} migration${pending.length > 1 ? "s" : ""} to ${shownUrl(config.databaseUrl)} (${pending[0]}${pending.length > 1 ? ` … ${pending.at(-1)}` : ""})`);
  try {
    execFileSync(process.execPath, [require.resolve("prisma/build/index.js"), "migrate", "deploy"], {
      cwd: root, // prisma.config.ts; a relative file: URL is made absolute below, so it still means the caller's folder
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, DATABASE_URL: file ? `file:${file}` : config.databaseUrl },
    });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? "");
    throw unreachable(config, new Error(stderr.trim() || String(err)));
  }
  return pending;
}

const CHECK_LABEL = "bid-hall/app-secret-check/v1";
const checkValue = (secret: string) => createHmac("sha256", secret).update(CHECK_LABEL).digest("base64url");
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function secretMismatch(config: Config, db = shownUrl(config.databaseUrl)): StartupError {
  const file = join(config.dataDir, "app-secret");
  return new StartupError(
    `APP_SECRET 与数据库不符，未做任何写入 / APP_SECRET does not match the database ${db}, nothing was written: ` +
      `it was first used with another secret. Start with that secret: the APP_SECRET variable, or, when APP_SECRET is unset, ` +
      `the file DATA_DIR/app-secret (${file}${process.env.APP_SECRET ? "; APP_SECRET is set now and wins over it" : ""}).`,
  );
}

/**
 * Compares APP_SECRET with the database's key check value; writes the value at the database's first
 * use (a database made before the check: only when its sealed data opens under this secret).
 * Throws StartupError on a mismatch, before anything is written. Returns what it did.
 */
export async function checkAppSecret(db: Db, config: Config): Promise<"ok" | "written"> {
  const mine = checkValue(config.appSecret);
  let row;
  try {
    row = await db.secretCheck.findUnique({ where: { id: 1 } });
  } catch (err) {
    if (/no such table|does not exist/i.test(String((err as Error)?.message))) {
      throw new StartupError(`数据库尚未迁移 / the database ${shownUrl(config.databaseUrl)} is not migrated: run \`npm run db:migrate\` (or \`npm start\`, which migrates)`);
    }
    throw unreachable(config, err);
  }
  if (row) {
    if (!same(row.mac, mine)) throw secretMismatch(config);
    return "ok";
  }
  // No check value yet: a new database, or one made before this check. Sealed data, if any, must open.
  const box = new SecretBox(config.appSecret);
  const expert = await db.expert.findFirst({ select: { mobileCipher: true } });
  const session = await db.openingSession.findFirst({ where: { drawSealed: { not: null } }, select: { drawSealed: true } });
  const draw = await db.expertDraw.findFirst({ where: { seedSealed: { not: null } }, select: { seedSealed: true } });
  for (const sealed of [expert?.mobileCipher, session?.drawSealed, draw?.seedSealed]) {
    if (!sealed) continue;
    try {
      box.open(sealed);
    } catch {
      throw secretMismatch(config);
    }
  }
  try {
    await db.secretCheck.create({ data: { id: 1, mac: mine } });
    return "written";
  } catch (err) {
    // Another process wrote it first: compare with that one.
    const again = await db.secretCheck.findUnique({ where: { id: 1 } });
    if (!again) throw unreachable(config, err);
    if (!same(again.mac, mine)) throw secretMismatch(config);
    return "ok";
  }
}

/** For the CLIs: migrates when needed and checks the secret (own short-lived connection). */
export async function prepareDatabase(config: Config, say: (line: string) => void = (l) => console.error(`[db] ${l}`)): Promise<void> {
  const file = sqliteFile(config.databaseUrl);
  if (file && !existsSync(file)) await migrateDatabase(config, say); // a new file: nothing to connect to yet
  const db = createDb(config.databaseUrl, { poolSize: 1 });
  try {
    await migrateDatabase(config, say, db); // one query when up to date
    await checkAppSecret(db, config);
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}

/** Prints a configuration or start-up problem as its message alone and exits 2; other errors return false. */
export function exitOnStartupError(err: unknown): false {
  if (err instanceof ConfigError || err instanceof StartupError) {
    console.error(err.message);
    process.exit(2);
  }
  return false;
}
