// SQLite has one connection: a query of another request issued while an
// interactive transaction is open would run inside that transaction (see
// server/db.ts). These tests show the hazard on the bare adapter and that the
// client createDb makes keeps other requests out of an open transaction.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../server/generated/sqlite/client";
import { createDb, type Db } from "../server/db";

const dirs: string[] = [];
const clients: { $disconnect(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.$disconnect();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "hall-sqlite-tx-"));
  dirs.push(dir);
  const file = join(dir, "hall.db");
  copyFileSync(inject("dbTemplate"), file);
  return file;
}

const center = (code: string) => ({ id: code, code, name: code, city: "test" });

/** A transaction that inserts a row, lets another request run, then fails (rolls back). */
async function interleave(db: Db) {
  let outsideSaw = -1;
  const failing = db
    .$transaction(async (tx) => {
      await tx.center.create({ data: center("inside") });
      await new Promise((r) => setTimeout(r, 150));
      throw new Error("abort");
    })
    .catch((e: Error) => e.message);
  await new Promise((r) => setTimeout(r, 30)); // the transaction is open now
  const outside = (async () => {
    outsideSaw = await db.center.count({ where: { id: "inside" } });
    await db.center.create({ data: center("outside") });
  })();
  expect(await failing).toBe("abort");
  await outside;
  const kept = await db.center.findMany({ where: { id: { in: ["inside", "outside"] } }, select: { id: true } });
  return { outsideSaw, kept: kept.map((c) => c.id) };
}

describe.skipIf(!inject("dbTemplate").endsWith(".db"))("SQLite interactive transactions", () => {
  it("the bare better-sqlite3 adapter runs another request's queries inside an open transaction", async () => {
    const db = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${freshFile()}` }) });
    clients.push(db);
    const r = await interleave(db as unknown as Db);
    // The outside request saw the uncommitted row, and its own insert was rolled back with the transaction.
    expect(r.outsideSaw).toBe(1);
    expect(r.kept).toEqual([]);
  });

  it("createDb keeps other requests out of an open transaction", async () => {
    const db = createDb(`file:${freshFile()}`);
    clients.push(db);
    const r = await interleave(db);
    expect(r.outsideSaw).toBe(0);
    expect(r.kept).toEqual(["outside"]);
  });

  it("concurrent transactions and plain queries all complete, each transaction whole", async () => {
    const db = createDb(`file:${freshFile()}`);
    clients.push(db);
    const seen: number[] = [];
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) =>
        db.$transaction(async (tx) => {
          await tx.center.create({ data: center(`a${i}`) });
          await new Promise((r) => setTimeout(r, 2));
          await tx.center.create({ data: center(`b${i}`) });
        }),
      ),
      ...Array.from({ length: 20 }, async () => seen.push(await db.center.count({ where: { city: "test" } }))),
    ]);
    expect(await db.center.count({ where: { city: "test" } })).toBe(40);
    // A plain query never sees half a transaction.
    expect(seen.every((n) => n % 2 === 0)).toBe(true);
  });
});
