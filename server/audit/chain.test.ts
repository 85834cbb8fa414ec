import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../test/helpers/app";
import { appendAudit, verifyAudit, GENESIS } from "./chain";

const run = promisify(execFile);
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  for (let i = 0; i < 5; i++) {
    await t.app.db.$transaction((tx) =>
      appendAudit(tx, { actor: { kind: "user", id: `u${i}`, role: "agent" }, action: "test.act", target: `room:${i}`, payload: { i, secret: "不入库" } }),
    );
  }
});
afterAll(() => t.close());

async function cli() {
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], {
      env: { ...process.env, DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dir },
    });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe("audit hash chain", () => {
  it("links every row to the previous one and stores only a digest of the payload", async () => {
    const rows = await t.app.db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows[0]!.prevHash).toBe(GENESIS);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    expect(JSON.stringify(rows)).not.toContain("不入库");
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true, rows: rows.length });
    expect(await cli()).toMatchObject({ code: 0 });
  });

  it("detects one tampered row and names it, in the library and the CLI", async () => {
    const victim = await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "test.act", actorId: "u2" } });
    await t.app.db.$executeRawUnsafe(`UPDATE "AuditEvent" SET "actorId" = 'mallory' WHERE "seq" = ${victim.seq}`);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: false, badSeq: victim.seq });
    const res = await cli();
    expect(res.code).toBe(1);
    expect(res.out).toContain(`row ${victim.seq}`);
    await t.app.db.$executeRawUnsafe(`UPDATE "AuditEvent" SET "actorId" = 'u2' WHERE "seq" = ${victim.seq}`);
    expect((await verifyAudit(t.app.db)).ok).toBe(true);
  });

  it("detects a row re-hashed to hide an edit (the next row's link breaks) and a deleted row", async () => {
    const rows = await t.app.db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    const mid = rows[3]!;
    const { rowHash } = await import("./chain");
    const forged = { ...mid, action: "test.forged" };
    const newHash = rowHash(forged);
    await t.app.db.$executeRawUnsafe(`UPDATE "AuditEvent" SET "action" = 'test.forged', "hash" = '${newHash}' WHERE "seq" = ${mid.seq}`);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: false, badSeq: mid.seq + 1 });
    await t.app.db.$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE "seq" = ${mid.seq}`);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: false, badSeq: mid.seq });
  });
});
