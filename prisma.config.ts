// Prisma CLI configuration: JavaScript engines and driver adapters only
// (no native engine download; see ../shared/notes/prisma-offline.md).
// The provider follows DATABASE_URL: file:… → SQLite (default), postgres(ql)://… → PostgreSQL.
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

const url = process.env.DATABASE_URL ?? "file:./data/hall.db";
process.env.DATABASE_URL = url;
const provider = /^postgres(ql)?:\/\//.test(url) ? "postgresql" : "sqlite";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  adapter: async () => {
    if (provider !== "sqlite") throw new Error("PostgreSQL migrations are not set up yet (scale-out issue)");
    const file = url.replace(/^file:/, "");
    mkdirSync(dirname(resolve(file)), { recursive: true });
    return new PrismaBetterSQLite3({ url });
  },
});
