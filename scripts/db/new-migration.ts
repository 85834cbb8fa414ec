// `npm run db:migration -- NAME [--from GIT_REV] [--only core.prisma,experts.prisma]`
// writes the next SQLite migration as the SQL difference between the models at
// GIT_REV (default HEAD: what the committed migrations describe) and the working
// prisma/models/*.prisma. With --only, just those files are taken from the working
// tree and the rest from GIT_REV, so two people changing different domains at once
// each get a migration of their own domain only.
// Datamodel-to-datamodel diffs need no database (with a driver adapter in
// prisma.config.ts, Prisma's diff cannot read a database URL).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { joinModels, schemaFor, workingModels } from "./schemas";

const args = process.argv.slice(2);
const name = args.find((a, i) => !a.startsWith("--") && !["--from", "--only"].includes(args[i - 1] ?? ""));
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const rev = flag("--from") ?? "HEAD";
const only = flag("--only")?.split(",").map((s) => s.trim());
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- name_in_snake_case [--from GIT_REV] [--only file.prisma,…]");
  process.exit(2);
}

function modelsAt(revision: string): Map<string, string> {
  const listing = execFileSync("git", ["ls-tree", "--name-only", `${revision}:prisma/models`], { encoding: "utf8" });
  const files = listing.split("\n").filter((f) => f.endsWith(".prisma"));
  return new Map(files.map((f) => [f, execFileSync("git", ["show", `${revision}:prisma/models/${f}`], { encoding: "utf8" })]));
}

const old = modelsAt(rev);
const working = workingModels();
const target = only ? new Map([...old, ...[...working].filter(([f]) => only.includes(f))]) : working;
const tmp = mkdtempSync(join(tmpdir(), "hall-migration-"));
const oldSchema = join(tmp, "old.prisma");
const newSchema = join(tmp, "new.prisma");
writeFileSync(oldSchema, schemaFor("sqlite", joinModels(old)));
writeFileSync(newSchema, schemaFor("sqlite", joinModels(target)));
const sql = execFileSync(
  process.execPath,
  ["node_modules/prisma/build/index.js", "migrate", "diff", "--from-schema-datamodel", oldSchema, "--to-schema-datamodel", newSchema, "--script"],
  { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
);
if (!/CREATE|ALTER|DROP/.test(sql)) {
  console.error("no change to migrate");
  process.exit(1);
}
const dir = join("prisma", "sqlite", "migrations");
const n = readdirSync(dir).filter((d) => /^\d{4}_/.test(d)).length + 1;
const out = join(dir, `${String(n).padStart(4, "0")}_${name}`);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "migration.sql"), sql);
console.log(`wrote ${out}/migration.sql`);
