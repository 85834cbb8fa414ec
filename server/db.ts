// The database client: Prisma 6.19 with the JavaScript engine and a driver
// adapter (better-sqlite3 embedded by default).
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/sqlite/client";
import { sqliteFile } from "./config";

export type Db = PrismaClient;
/** The client handed to a command inside `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

export function createDb(databaseUrl: string): Db {
  const file = sqliteFile(databaseUrl);
  if (!file) {
    throw new Error(`DATABASE_URL: only SQLite (file:) is supported so far, got ${databaseUrl.split(":")[0]}:`);
  }
  const adapter = new PrismaBetterSQLite3({ url: `file:${file}` });
  return new PrismaClient({ adapter });
}
