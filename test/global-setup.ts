// Runs once per `vitest` run: applies the committed SQLite migrations to a
// template database file with the real Prisma CLI. Each test app copies it,
// so every test gets a fresh, fully migrated database file in milliseconds.
// With DATABASE_URL=postgresql://… the template is a PostgreSQL database
// (migrated once) and each test app gets `CREATE DATABASE … TEMPLATE` of it;
// `dbTemplate` is then that database's URL.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type {} from "vitest";
import { createMigratedDatabase, dropDatabase, dropRunDatabases, dropStaleRunDatabases, newRunMarker, randomDbName, RUN_ENV } from "../scripts/db/pg-databases";

declare module "vitest" {
  export interface ProvidedContext {
    dbTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const pgUrl = process.env.DATABASE_URL;
  if (pgUrl && /^postgres(ql)?:\/\//.test(pgUrl)) {
    // A marker of this run's own in every database name (workers and child processes inherit it): the
    // teardown drops this run's databases (a failed test's unclosed app included), never a parallel run's.
    const run = newRunMarker();
    process.env[RUN_ENV] = run;
    await dropStaleRunDatabases(pgUrl).catch(() => undefined); // crashed runs' leftovers
    const name = randomDbName("hall_tmpl");
    project.provide("dbTemplate", await createMigratedDatabase(pgUrl, name));
    return async () => {
      await dropDatabase(pgUrl, name);
      await dropRunDatabases(pgUrl, run);
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "hall-test-template-"));
  const file = join(dir, "template.db");
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: `file:${file}` },
    stdio: "pipe",
  });
  project.provide("dbTemplate", file);
  return () => rmSync(dir, { recursive: true, force: true });
}
