// directSql (plain SQL on the app's own connection) and the WAL flush that makes
// SQLite commits durable before they are answered. Runs on the run's database
// (SQLite by default; PostgreSQL when DATABASE_URL says so); the SQLite-only
// cases say why they are SQLite-only.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../test/helpers/app";
import { appendAudit, verifyAudit } from "./audit/chain";
import { directSql } from "./db";
import { SqliteDirect, sqlDate, type SqlTx } from "./direct-sql";
import { WalSync } from "./wal-sync";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const isSqlite = () => directSql(t.app.db).provider === "sqlite";
const actor = { kind: "system" as const, id: "direct-sql-test", role: "system" };
let keyN = 0;
const freshKey = () => `direct-test:${process.pid}:${++keyN}`;
const insertUpdate = (tx: SqlTx, key: string, version: number, at = new Date()) =>
  tx.run(`INSERT INTO "LiveUpdate" ("key", "version", "patch", "at") VALUES (?, ?, ?, ?)`, [key, version, "[]", at]);
const countKey = (key: string) => t.app.db.liveUpdate.count({ where: { key } });

/** A promise and its resolver. */
function latch() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

describe("directSql", () => {
  it("commits a transaction whole, with its audit row, and leaves nothing of one that throws", async () => {
    const sql = directSql(t.app.db);
    const key = freshKey();
    const auditBefore = await t.app.db.auditEvent.count();
    await expect(
      sql.transaction(async (tx) => {
        await insertUpdate(tx, key, 1);
        await appendAudit(tx, { actor, action: "test.direct", target: key, payload: { n: 1 } });
        throw new Error("boom after two writes");
      }),
    ).rejects.toThrow("boom after two writes");
    expect(await countKey(key)).toBe(0);
    expect(await t.app.db.auditEvent.count()).toBe(auditBefore);

    // Direct and Prisma appends interleave on one chain.
    await sql.transaction(async (tx) => {
      await insertUpdate(tx, key, 1);
      await appendAudit(tx, { actor, action: "test.direct", target: key, payload: { n: 2 } });
    });
    await t.app.db.$transaction((tx) => appendAudit(tx, { actor, action: "test.prisma", target: key, payload: { n: 3 } }));
    await sql.transaction((tx) => appendAudit(tx, { actor, action: "test.direct", target: key, payload: { n: 4 } }));
    expect(await countKey(key)).toBe(1);
    const mine = await t.app.db.auditEvent.findMany({ where: { target: key }, orderBy: { seq: "asc" } });
    expect(mine.map((r) => r.action)).toEqual(["test.direct", "test.prisma", "test.direct"]);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  });

  it("writes and reads DateTime columns as Prisma does, whatever the database", async () => {
    const sql = directSql(t.app.db);
    const key = freshKey();
    const at = new Date("2026-03-01T08:30:00.123Z");
    await sql.transaction((tx) => insertUpdate(tx, key, 1, at));
    // Prisma reads what directSql wrote …
    const row = await t.app.db.liveUpdate.findUniqueOrThrow({ where: { key_version: { key, version: 1 } } });
    expect(row.at.toISOString()).toBe(at.toISOString());
    // … directSql reads what Prisma wrote, and compares a Date parameter with it.
    const at2 = new Date("2026-03-01T23:59:59.999Z");
    await t.app.db.liveUpdate.create({ data: { key, version: 2, patch: "[]", at: at2 } });
    const rows = await sql.all<{ version: number | string; at: Date | string }>(`SELECT "version", "at" FROM "LiveUpdate" WHERE "key" = ? AND "at" > ? ORDER BY "version"`, [key, at]);
    expect(rows.map((r) => [Number(r.version), sqlDate(r.at).toISOString()])).toEqual([[2, at2.toISOString()]]);
  });

  it("runs afterCommit once the commit is visible, and not when the transaction rolls back", async () => {
    const sql = directSql(t.app.db);
    const key = freshKey();
    const seen: number[] = [];
    await sql.transaction((tx) => insertUpdate(tx, key, 1), {
      afterCommit: () => {
        void countKey(key).then((n) => seen.push(n));
      },
    });
    let called = false;
    await expect(
      sql.transaction(
        async (tx) => {
          await insertUpdate(tx, key, 2);
          throw new Error("no");
        },
        { afterCommit: () => (called = true) },
      ),
    ).rejects.toThrow("no");
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([1]);
    expect(called).toBe(false);
  });

  it("a duplicate key is the database's error, and the transaction leaves nothing", async () => {
    const sql = directSql(t.app.db);
    const key = freshKey();
    await sql.transaction((tx) => insertUpdate(tx, key, 1));
    await expect(
      sql.transaction(async (tx) => {
        await insertUpdate(tx, key, 2);
        await insertUpdate(tx, key, 1);
      }),
    ).rejects.toThrow(/unique|duplicate/i);
    expect(await countKey(key)).toBe(1);
  });

  it("PostgreSQL: a derived transaction commits without waiting for the WAL flush, a fact's waits", async ({ skip }) => {
    if (isSqlite()) skip("PostgreSQL only (synchronous_commit); run with DATABASE_URL=postgresql://…");
    const sql = directSql(t.app.db);
    const show = (tx: SqlTx) => tx.all<{ synchronous_commit: string }>("SHOW synchronous_commit");
    expect((await sql.transaction(show))[0]!.synchronous_commit).toBe("on");
    expect((await sql.transaction(show, { durability: "derived" }))[0]!.synchronous_commit).toBe("off");
    // SET LOCAL ends with its transaction.
    expect((await sql.all<{ synchronous_commit: string }>("SHOW synchronous_commit"))[0]!.synchronous_commit).toBe("on");
  });
});

describe("SQLite: one connection, one gate, durable answers", () => {
  const conn = () => (directSql(t.app.db) as SqliteDirect).connection();

  it("holds other queries while a direct transaction is open (they would run inside it) and waits for an open Prisma transaction", async ({ skip }) => {
    if (!isSqlite()) skip("SQLite only: PostgreSQL gives each transaction a connection of its own");
    const sql = directSql(t.app.db);
    const key = freshKey();
    const midway = latch();
    const finish = latch();
    const tx = sql.transaction(async (x) => {
      await insertUpdate(x, key, 1);
      midway.open();
      await finish.p;
      await insertUpdate(x, key, 2);
    });
    await midway.p;
    let counted: number | undefined;
    const outside = countKey(key).then((n) => (counted = n));
    await new Promise((r) => setTimeout(r, 30));
    expect(counted).toBeUndefined(); // not run inside the open transaction
    finish.open();
    await tx;
    await outside;
    expect(counted).toBe(2); // ran after the commit, saw both rows

    // The other way round: a direct transaction waits while Prisma's is open.
    const prismaOpen = latch();
    const prismaFinish = latch();
    const order: string[] = [];
    const p = t.app.db.$transaction(async (ptx) => {
      await ptx.liveUpdate.create({ data: { key, version: 3, patch: "[]" } });
      prismaOpen.open();
      await prismaFinish.p;
      order.push("prisma done");
    });
    await prismaOpen.p;
    const d = sql.transaction((x) => insertUpdate(x, key, 4)).then(() => order.push("direct done"));
    await new Promise((r) => setTimeout(r, 30));
    expect(order).toEqual([]);
    prismaFinish.open();
    await Promise.all([p, d]);
    expect(order).toEqual(["prisma done", "direct done"]);
    expect(await countKey(key)).toBe(4);
  });

  it("answers a fact only after the WAL is flushed, a derived write at commit; the commits of one turn share a flush", async ({ skip }) => {
    if (!isSqlite()) skip("SQLite only: the WAL flush of server/wal-sync.ts");
    const { wal, client } = await conn();
    expect(Number(client.pragma("synchronous", { simple: true }))).toBe(1); // NORMAL: the flush is ours
    expect(client.pragma("journal_mode", { simple: true })).toBe("wal");
    const sql = directSql(t.app.db);
    const key = freshKey();
    // Hold every flush until released.
    const w = wal as unknown as { flush(): Promise<void> };
    const realFlush = w.flush.bind(wal);
    let gate = latch();
    let flushes = 0;
    w.flush = async () => {
      flushes++;
      await gate.p;
      return realFlush();
    };
    try {
      let factDone = false;
      const fact = sql.transaction((x) => insertUpdate(x, key, 1)).then(() => (factDone = true));
      let prismaDone = false;
      const prismaFact = t.app.db.$transaction((ptx) => ptx.liveUpdate.create({ data: { key, version: 2, patch: "[]" } })).then(() => (prismaDone = true));
      const derived = await Promise.race([
        sql.transaction((x) => insertUpdate(x, key, 3), { durability: "derived" }).then(() => "derived answered"),
        new Promise((r) => setTimeout(() => r("derived waited"), 500)),
      ]);
      expect(derived).toBe("derived answered");
      await new Promise((r) => setTimeout(r, 30));
      expect([factDone, prismaDone]).toEqual([false, false]); // committed and visible, not yet answered
      expect(await countKey(key)).toBe(3);
      gate.open();
      await Promise.all([fact, prismaFact]);
      expect(flushes).toBeLessThanOrEqual(2);

      // Twenty commits issued together: far fewer flushes than commits.
      gate = latch();
      flushes = 0;
      const many = Array.from({ length: 20 }, (_, i) => sql.transaction((x) => insertUpdate(x, key, 10 + i)));
      await new Promise((r) => setTimeout(r, 30));
      gate.open();
      await Promise.all(many);
      expect(flushes).toBeGreaterThanOrEqual(1);
      expect(flushes).toBeLessThanOrEqual(3);
      expect(await countKey(key)).toBe(23);
    } finally {
      w.flush = realFlush;
      gate.open();
    }
  });
});

describe("WalSync", () => {
  const dir = mkdtempSync(join(tmpdir(), "walsync-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("coalesces the calls of one turn and runs one more flush for calls made while one runs", async () => {
    const file = join(dir, "a.db-wal");
    writeFileSync(file, "x");
    const wal = new WalSync(file);
    await Promise.all([wal.sync(), wal.sync(), wal.sync()]);
    expect(wal.syncs).toBe(1);
    // Hold the next flush once it has started; calls made meanwhile need (and share) one more.
    const w = wal as unknown as { flush(): Promise<void> };
    const realFlush = w.flush.bind(wal);
    const hold = latch();
    const started: number[] = [];
    w.flush = async () => {
      started.push(wal.syncs);
      if (started.length === 1) await hold.p;
      return realFlush();
    };
    const resolved: string[] = [];
    const first = wal.sync().then(() => resolved.push("first"));
    while (started.length === 0) await new Promise((r) => setImmediate(r));
    const later = [wal.sync(), wal.sync()].map((p) => p.then(() => resolved.push("later")));
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toEqual([]);
    expect(started.length).toBe(1); // the later calls wait for the running flush, then start one of their own
    hold.open();
    await Promise.all([first, ...later]);
    expect(started.length).toBe(2);
    expect(resolved).toEqual(["first", "later", "later"]);
    expect(wal.syncs).toBe(3);
    await wal.close();
  });

  it("resolves when there is no WAL file (nothing written through it) and fails loudly on a real error", async () => {
    const missing = new WalSync(join(dir, "none.db-wal"));
    await expect(missing.sync()).resolves.toBeUndefined();
    const notAFile = new WalSync(join(dir, "a.db-wal", "child"));
    await expect(notAFile.sync()).rejects.toThrow(/ENOTDIR/);
    await missing.close();
    await notAFile.close();
  });
});
