// Runs once per `vitest` run: applies the committed SQLite migrations to a
// template database file with the real Prisma CLI. Each test app copies it,
// so every test gets a fresh, fully migrated database file in milliseconds.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type {} from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    dbTemplate: string;
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "hall-test-template-"));
  const file = join(dir, "template.db");
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: `file:${file}` },
    stdio: "pipe",
  });
  project.provide("dbTemplate", file);
  return () => rmSync(dir, { recursive: true, force: true });
}
