// `npm run db:migration -- NAME [--from GIT_REV]`: writes the next migration for
// every provider as the SQL difference between the models at GIT_REV (default
// HEAD, i.e. what the last committed migration describes) and the working
// prisma/models.prisma. Datamodel-to-datamodel diffs need no database, which
// matters here: with a driver adapter, Prisma's diff cannot read a database URL.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { providers, schemaFor, writeSchemas } from "./schemas";

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith("--"));
const fromIdx = args.indexOf("--from");
const rev = fromIdx >= 0 ? args[fromIdx + 1] : "HEAD";
if (!name || !/^[a-z0-9_]+$/.test(name) || !rev) {
  console.error("usage: npm run db:migration -- name_in_snake_case [--from GIT_REV]");
  process.exit(2);
}
writeSchemas();
const oldModels = execFileSync("git", ["show", `${rev}:prisma/models.prisma`], { encoding: "utf8" });
const tmp = mkdtempSync(join(tmpdir(), "hall-migration-"));
for (const p of providers) {
  if (p !== "sqlite") continue; // PostgreSQL migrations arrive with the scale-out work
  const oldSchema = join(tmp, `${p}-old.prisma`);
  writeFileSync(oldSchema, schemaFor(p, oldModels));
  const sql = execFileSync(
    process.execPath,
    ["node_modules/prisma/build/index.js", "migrate", "diff", "--from-schema-datamodel", oldSchema, "--to-schema-datamodel", `prisma/${p}/schema.prisma`, "--script"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const dir = join("prisma", p, "migrations");
  const n = readdirSync(dir).filter((d) => /^\d{4}_/.test(d)).length + 1;
  const out = join(dir, `${String(n).padStart(4, "0")}_${name}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "migration.sql"), sql);
  console.log(`wrote ${out}/migration.sql`);
}
