// Prisma CLI configuration: JavaScript engines and driver adapters only
// (no native engine download; see ../shared/notes/prisma-offline.md).
// The provider follows DATABASE_URL: file:… → SQLite (default), postgres(ql)://… → PostgreSQL.
// The adapters built here serve the CLI only (migrate deploy/status/diff); the
// server makes its own in server/db.ts.
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

const url = process.env.DATABASE_URL ?? "file:./data/hall.db";
process.env.DATABASE_URL = url;
const provider = /^postgres(ql)?:\/\//.test(url) ? "postgresql" : "sqlite";

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type Io = { performIO(q: unknown): Promise<{ fields: { dataTypeID: number }[] }> };

/**
 * The pg adapter cannot read two system-catalog column types that the schema
 * engine's introspection returns: OID 18 ("char") and 19 (name) — prisma/orm
 * issue #27403. Both are text on the wire: report them as text (OID 25).
 */
function catalogTypesAsText<T extends object>(queryable: T): T {
  const q = queryable as unknown as Io;
  const performIO = q.performIO.bind(q);
  q.performIO = async (query: unknown) => {
    const result = await performIO(query);
    for (const f of result.fields) if (f.dataTypeID === 18 || f.dataTypeID === 19) f.dataTypeID = 25;
    return result;
  };
  const withTx = queryable as unknown as { startTransaction?: (...a: unknown[]) => Promise<object> };
  if (withTx.startTransaction) {
    const start = withTx.startTransaction.bind(queryable);
    withTx.startTransaction = async (...a: unknown[]) => catalogTypesAsText(await start(...a));
  }
  return queryable;
}

/** The CLI's PostgreSQL adapter factory: catalog types as text, and a shadow database of its own. */
class CliPg extends PrismaPg {
  constructor(private readonly connectionString: string) {
    super({ connectionString });
  }
  override async connect(): Promise<Adapter> {
    return catalogTypesAsText(await super.connect());
  }
  // The stock one gives the shadow pool `{ connectionString, database }`, and the connection
  // string wins (it connects to the main database); it also drops the shadow before its pool ends.
  override async connectToShadowDb(): Promise<Adapter> {
    const admin = new pg.Client({ connectionString: this.connectionString });
    await admin.connect();
    const database = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
    await admin.query(`CREATE DATABASE "${database}"`);
    const shadowUrl = new URL(this.connectionString);
    shadowUrl.pathname = `/${database}`;
    const pool = new pg.Pool({ connectionString: shadowUrl.toString() });
    const inner = await new PrismaPg(pool).connect();
    const adapter = catalogTypesAsText(inner);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`).catch(() => undefined);
      await admin.end();
    };
    return adapter;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  adapter: async () => {
    if (provider === "postgresql") return new CliPg(url);
    const file = url.replace(/^file:/, "");
    mkdirSync(dirname(resolve(file)), { recursive: true });
    return new PrismaBetterSQLite3({ url });
  },
});
