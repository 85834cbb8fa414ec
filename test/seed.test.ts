// The demo center `npm start` seeds (server/seed): with the app's context it holds,
// besides rooms, devices and people, the specialty tree and an expert pool that
// fills a 7-expert two-site draw with backups, the 2018 half-year ledger, and
// an open tender that takes a demo bidder's sealed bid. The audit chain verifies;
// a second seed does nothing; an interrupted seed is finished by the next one;
// a database seeded without content (test apps) never gets it later.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { ProjectView } from "@contracts/opening";
import type { StatsReport } from "@contracts/stats";
import { loadConfig } from "../server/config";
import { verifyAudit } from "../server/audit/chain";
import { demoContentPending, seedDemo, type SeedDemoOptions } from "../server/seed/demo";
import { CONTENT_PLANNED, DEMO_POOL_SIZE, DEMO_PROJECT_CODE } from "../server/seed/content";
import { seedOnStart } from "../server/seed/start";
import { createDb } from "../server/db";
import { call, startTestApp, type TestApp } from "./helpers/app";
import { dbFingerprint } from "./helpers/db-state";
import { bidJson, bidZip, bidderKits, sealWithOpenssl, uploadBid } from "./helpers/opening";

const template = inject("dbTemplate");
// The experts pool's draw reads SQLite directly (raw fast path): on PostgreSQL the draw is left out.
const onSqlite = !/^postgres(ql)?:\/\//.test(template);

/** A test app whose seed is this test's to make (startTestApp seeds the center alone by default). */
const startApp = (seed: SeedDemoOptions | "content" | "none", timings?: { seedMs?: number }) => startTestApp({}, { seed, timings });

/** Everything the seed writes, to compare before and after a second seed. */
async function contentFingerprint(t: TestApp) {
  const db = t.app.db;
  return JSON.stringify({
    base: await dbFingerprint(db, { live: false }),
    specialties: await db.expertSpecialty.count(),
    experts: await db.expert.findMany({ orderBy: { id: "asc" }, select: { id: true, idHash: true, status: true } }),
    deals: await db.statsDeal.count(),
    projects: await db.project.findMany({ orderBy: { code: "asc" }, select: { id: true, code: true } }),
    lots: await db.lot.findMany({ orderBy: { code: "asc" }, select: { id: true, bidDeadline: true, status: true } }),
  });
}

/** The county report's totals for 2018-01-01 … 2018-06-30 (万元 × 10,000 = yuan). */
const BRIEF_TOTAL = {
  deals: 67,
  remoteEvaluations: 12,
  dealYuan: "250038700.00",
  budgetYuan: "237644700.00",
  savingsYuan: "7233500.00",
  savingsRate: "0.0304",
  referenceYuan: "675000.00",
  premiumYuan: "216500.00",
  premiumRate: "0.3207",
};

describe("the demo `npm start` seeds, on a fresh database", () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  let project: ProjectView;
  const timings: { seedMs?: number } = {};

  beforeAll(async () => {
    t = await startApp("content", timings);
    console.log(`[seed.test] center + content seeded in ${timings.seedMs!.toFixed(0)} ms`);
    project = t.seeded!.content!.project!;
  }, 60_000);
  afterAll(() => t?.close());

  it("seeds the center, the specialty tree, the pool, the ledger and the open tender, each through its domain", async () => {
    expect(t.seeded!.devices.length).toBe(15);
    expect(t.seeded!.content).toMatchObject({ specialties: true, experts: DEMO_POOL_SIZE, deals: 71, project: { code: DEMO_PROJECT_CODE } });
    expect(await t.app.db.expertSpecialty.count()).toBe(29);
    expect(await t.app.db.expert.count()).toBe(DEMO_POOL_SIZE);
    // ID numbers are sealed and found by the keyed hash, never stored plain.
    const one = await t.app.db.expert.findFirstOrThrow();
    expect(one.idMasked).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    const plain = t.app.ctx.box.open(one.idCipher);
    expect(t.app.ctx.experts.ids.hash(plain)).toBe(one.idHash);
    expect(JSON.stringify(one)).not.toContain(plain);
    // Audited as the work of the seed and of the demo agent.
    const agent = await t.app.db.user.findUniqueOrThrow({ where: { username: "agent" } });
    const actions = (await t.app.db.auditEvent.findMany({ orderBy: { seq: "asc" } })).map((a) => `${a.action}:${a.actorId}`);
    expect(actions).toEqual(
      expect.arrayContaining(["center.seedDemo:seed", `${CONTENT_PLANNED}:seed`, "experts.importSpecialties:seed", "stats.import:seed", `project.create:${agent.id}`]),
    );
    // The pool: the importer's batch on SQLite; createExpert per expert, by the demo admin, on PostgreSQL.
    if (onSqlite) expect(actions).toEqual(expect.arrayContaining(["experts.importBatch:seed", "experts.import:seed"]));
    else expect(actions.filter((a) => a.startsWith("experts.create:")).length).toBe(DEMO_POOL_SIZE);
    expect(await demoContentPending(t.app.db)).toBe(false);
  });

  it("the open lot: engineering, budget and control price in fen, deadline days ahead at 09:30 Asia/Shanghai on a working day, K01, comprehensive", async () => {
    const lot = project.lots[0]!;
    expect(project).toMatchObject({ category: "engineering", procedure: "open" });
    expect(lot).toMatchObject({ budgetFen: 1_000_000_000, controlPriceFen: 980_000_000, evaluationMethod: "comprehensive", status: "accepting" });
    const k01 = await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } });
    expect(lot.roomId).toBe(k01.id);
    const deadline = new Date(lot.bidDeadline);
    expect(deadline.getTime() - Date.now()).toBeGreaterThan(2 * 86_400_000);
    const shanghai = new Date(deadline.getTime() + 8 * 3_600_000);
    expect([shanghai.getUTCHours(), shanghai.getUTCMinutes()]).toEqual([9, 30]);
    expect(t.app.ctx.experts.calendar.isWorkday(shanghai.toISOString().slice(0, 10))).toBe(true);
    const params = JSON.parse((await t.app.db.lot.findUniqueOrThrow({ where: { id: lot.id } })).evaluationParams) as { template: { price: { kind: string } }; sites: { room: string }[] };
    expect(params.template.price.kind).toBe("lowest-price-base");
    expect(params.sites.map((s) => s.room)).toEqual(["P01", "Y01"]);
    // The agent's console lists it.
    const agent = await t.login("agent");
    const listed = await t.api<ProjectView[]>("GET", "/api/projects", { token: agent.token });
    expect(listed.body.ok && listed.body.data.map((p) => p.code)).toContain(DEMO_PROJECT_CODE);
  });

  it("the pool fills a committee of 7 over P01 + Y01 with backups (experts:requestDraw, experts:draw over a socket)", async () => {
    const agent = await t.login("agent");
    const s = await t.connect({ token: agent.token });
    const rooms = new Map((await t.app.db.room.findMany()).map((r) => [r.code, r.id]));
    const lot = project.lots[0]!;
    const res = await call(s, "experts:requestDraw", {
      projectId: project.id,
      lotId: lot.id,
      evaluationAt: new Date(Date.parse(lot.openingTime) + 2 * 3_600_000).toISOString(),
      sites: [
        { roomId: rooms.get("P01")!, role: "main", needs: [{ specialtyCode: "A010101", count: 3, backups: 1 }, { specialtyCode: "A0401", count: 2, backups: 1 }] },
        { roomId: rooms.get("Y01")!, role: "secondary", needs: [{ specialtyCode: "A0102", count: 2, backups: 1 }] },
      ],
      ownerRepresentatives: 0,
      ownerCreditCodes: [],
      manualExclusions: [],
    });
    if (!res.ok) throw new Error(JSON.stringify(res.error));
    expect(res.data).toMatchObject({ status: "committed", committee: { size: 7, experts: 7 } });
    for (const b of res.data.buckets) expect(b.eligible).toBeGreaterThanOrEqual(b.need + b.backups);
    const drawn = await call(s, "experts:draw", { drawId: res.data.drawId });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn.error));
    expect(drawn.data).toMatchObject({ notified: 7, reserve: 3 });
    const picks = await t.app.db.expertPick.findMany({ where: { drawId: res.data.drawId } });
    expect(new Set(picks.map((p) => p.expertId)).size).toBe(10);
  });

  it("the half-year report returns the county report's figures", async () => {
    const admin = await t.login("admin");
    const res = await t.api<StatsReport>("GET", "/api/stats/report?from=2018-01-01&to=2018-06-30", { token: admin.token });
    if (!res.body.ok) throw new Error(JSON.stringify(res.body));
    expect(res.body.data.total).toEqual(BRIEF_TOTAL);
    expect(res.body.data.categories.map((c) => [c.category, c.deals, c.dealYuan])).toEqual([
      ["engineering", 42, "210627900.00"],
      ["procurement", 13, "19783300.00"],
      ["property", 10, "891500.00"],
      ["land", 2, "18736000.00"],
    ]);
  });

  it("the open lot takes a sealed bid from a demo bidder before its deadline", async () => {
    const { dir, kits } = await bidderKits(t, ["bidder"]);
    try {
      const kit = kits[0]!;
      const lot = project.lots[0]!;
      const escrow = join(dir, "escrow.pem");
      writeFileSync(escrow, lot.escrowCertPem);
      const sealed = sealWithOpenssl(dir, "bid", bidZip(bidJson(lot.code, kit.creditCode, "9650000.00")), [kit.certFile, escrow]);
      const res = await uploadBid(t, kit.token, lot.id, sealed);
      expect(res.body).toMatchObject({ ok: true, data: { receipt: { bidId: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } } });
      expect(await t.app.db.bid.count({ where: { lotId: lot.id, companyId: kit.companyId } })).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the audit chain verifies", async () => {
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  });

  it("seeding again does nothing", async () => {
    const before = await contentFingerprint(t);
    expect(await seedDemo(t.app.db, { app: t.app.ctx })).toBeNull();
    expect(await seedDemo(t.app.db)).toBeNull();
    expect(await contentFingerprint(t)).toBe(before);
  });
});

describe("an interrupted seed", () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    t = await startApp("none");
  }, 60_000);
  afterAll(() => t?.close());

  it("is finished by the next start; what was done is not done twice; the chain verifies", async () => {
    // The open tender fails (its deadline lies in the past for this "now"): the center, pool and ledger are in.
    const devices: unknown[] = [];
    await expect(seedDemo(t.app.db, { app: t.app.ctx, now: Date.now() - 10 * 86_400_000, onDevices: (d) => devices.push(...d) })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    expect(devices.length).toBe(15);
    expect(await t.app.db.project.count()).toBe(0);
    expect(await demoContentPending(t.app.db)).toBe(true);
    const experts = await t.app.db.expert.findMany({ orderBy: { id: "asc" }, select: { id: true } });
    expect(experts.length).toBe(DEMO_POOL_SIZE);

    const again = await seedDemo(t.app.db, { app: t.app.ctx });
    expect(again).toMatchObject({ devices: [], content: { specialties: false, experts: 0, deals: 0, project: { code: DEMO_PROJECT_CODE } } });
    expect(await t.app.db.expert.findMany({ orderBy: { id: "asc" }, select: { id: true } })).toEqual(experts);
    expect(await t.app.db.statsDeal.count()).toBe(71);
    expect(await t.app.db.center.count()).toBe(1);
    expect(await demoContentPending(t.app.db)).toBe(false);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  });
});

describe("a center seeded without content (test apps)", () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    t = await startApp({});
  }, 60_000);
  afterAll(() => t?.close());

  it("stays without it: a later seed with the app's context adds nothing", async () => {
    expect(t.seeded).toMatchObject({ devices: expect.any(Array), content: null });
    expect(await demoContentPending(t.app.db)).toBe(false);
    const before = await contentFingerprint(t);
    expect(await seedDemo(t.app.db, { app: t.app.ctx })).toBeNull();
    expect(await contentFingerprint(t)).toBe(before);
    expect(await t.app.db.expert.count()).toBe(0);
    expect(await t.app.db.project.count()).toBe(0);
  });
});

describe.skipIf(!onSqlite)("seedOnStart (what `npm start` runs before it listens)", () => {
  it("seeds a fresh database once, writes the device keys (mode 600), and is a no-op on the next start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hall-seed-start-"));
    try {
      const dbFile = join(dir, "hall.db");
      copyFileSync(template, dbFile);
      const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dir, DATABASE_URL: `file:${dbFile}`, LOG_LEVEL: "silent", CLIENT_DIST: join(dir, "dist") });
      const first = await seedOnStart(config);
      expect(first?.message).toMatch(new RegExp(`^seeded the demo in [\\d.]+ s: 15 devices, ${DEMO_POOL_SIZE} experts, 71 deals, open tender ${DEMO_PROJECT_CODE} \\(bids until 20\\d\\d-\\d\\d-\\d\\d 09:30:00 Asia/Shanghai\\)$`));
      const keysFile = join(dir, "demo-devices.json");
      expect(statSync(keysFile).mode & 0o777).toBe(0o600);
      expect((JSON.parse(readFileSync(keysFile, "utf8")) as { key: string }[]).map((d) => d.key)).toEqual(first!.seeded.devices.map((d) => d.key));
      expect(await seedOnStart(config)).toBeNull();
      const db = createDb(config.databaseUrl);
      try {
        expect(await verifyAudit(db)).toMatchObject({ ok: true });
        expect(await db.project.count()).toBe(1);
      } finally {
        await db.$disconnect();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
