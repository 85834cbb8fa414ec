// What the demo center holds besides rooms, devices and people, so that every
// page has something to show right after `npm start`: the sample specialty tree
// and a pool of synthetic experts (enough to draw a committee of 7 over the
// main evaluation room and the off-site room, with backups), the statistics
// ledger that reproduces a county center's 2018 half-year report (67 deals + 4
// outside it), and one open tender whose lot accepts sealed bids from the three
// demo bidders.
//
// Everything goes through the domains' own commands (importSpecialties, the
// experts importer with sealed ID numbers, the ledger's CSV import, createProject
// as the demo agent), so it is audited like real work. Each step is its own
// transaction and is skipped when its product is already there, so a seed that
// was interrupted part-way is finished by the next start.
import { mkdtempSync, rmSync, writeFileSync, createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "@contracts/common";
import type { ProjectView } from "@contracts/opening";
import { ScoringTemplate } from "@contracts/evaluation";
import { ExpertInput } from "@contracts/experts";
import type { Actor } from "../audit/chain";
import type { Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { Db } from "../db";
import { createExpert } from "../experts/pool";
import { importExperts } from "../experts/importer";
import { SAMPLE_TREE, ensureSampleTree, flattenTree } from "../experts/specialties";
import { CSV_HEADER, csvLine, syntheticExperts } from "../experts/synth";
import { createProject } from "../opening/projects";
import { AppError } from "../errors";
import { importDeals } from "../stats/import";

export const SEED_ACTOR: Actor = { kind: "system", id: "seed", role: "system" };

/** The audit action that records, with the center itself, that the demo's content is to follow. */
export const CONTENT_PLANNED = "center.seedDemoContentPlanned";

export const DEMO_POOL_SIZE = 120;
export const DEMO_POOL_SEED = 20260101;
/** Cities of the pool (synth.ts numbering): 苏州 (the demo county's city) and 南通 (the off-site room's city). */
export const DEMO_POOL_CITIES = [5, 6];
export const DEMO_LEDGER_FILE = join(import.meta.dirname, "data", "half-year-2018.csv");
export const DEMO_PROJECT_CODE = "DEMO-GC-001";

/** Leaves of the sample tree, engineering and cost ones weighted up (the demo tender is engineering construction). */
export function demoPoolSpecialties(): string[] {
  const rows = flattenTree(SAMPLE_TREE);
  const leaves = rows.filter((s) => !rows.some((c) => c.parentCode === s.code)).map((s) => s.code);
  const heavy = leaves.filter((c) => c.startsWith("A01") || c === "A0401" || c === "A0302");
  return [...leaves, ...heavy, ...heavy, ...heavy];
}

export const demoExperts = () => [...syntheticExperts(DEMO_POOL_SIZE, { seed: DEMO_POOL_SEED, specialties: demoPoolSpecialties(), cities: DEMO_POOL_CITIES, inactive: 0.03 })];

/** A principal for a demo user, so the commands audit the seed as that person's work. */
async function principalOf(db: Db, username: string): Promise<Principal & { kind: "user" }> {
  const u = await db.user.findUniqueOrThrow({ where: { username } });
  return { kind: "user", userId: u.id, username: u.username, displayName: u.displayName, role: u.role as Role, companyId: u.companyId, tokenId: "seed", expiresAt: new Date(Date.now() + 600_000) };
}

/** The Asia/Shanghai calendar day of t, YYYY-MM-DD (China keeps no daylight saving time). */
const shanghaiDay = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

/** 09:30 Asia/Shanghai of the first working day at least `days` days after now. */
export function demoDeadline(app: AppContext, now = Date.now(), days = 3): Date {
  let t = now + days * 86_400_000;
  while (!app.experts.calendar.isWorkday(shanghaiDay(t))) t += 86_400_000;
  return new Date(`${shanghaiDay(t)}T09:30:00+08:00`);
}

/** 综合评估法: technical and business criteria 70 points, price 30 points (财政部令第87号 low-price base). */
export const DEMO_TEMPLATE = ScoringTemplate.parse({
  method: "comprehensive",
  qualification: [
    { key: "license", label: "营业执照有效" },
    { key: "qualification", label: "建筑工程施工总承包二级及以上资质" },
    { key: "finance", label: "财务状况良好" },
    { key: "credit", label: "无不良信用记录" },
    { key: "deposit", label: "投标保证金已缴纳" },
  ],
  criteria: [
    { key: "plan", label: "技术方案", group: "technical", max: "30" },
    { key: "organisation", label: "施工组织设计", group: "technical", max: "20" },
    { key: "team", label: "项目管理机构", group: "business", max: "10" },
    { key: "record", label: "类似业绩", group: "business", max: "10" },
  ],
  price: { kind: "lowest-price-base", weight: "0.30" },
});

export interface DemoContent {
  /** What each step did this time (false: it was already there). */
  specialties: boolean;
  experts: number;
  deals: number;
  project: ProjectView | null;
  /** Steps left out because the demo's data does not fit the center's own, one line each. */
  skipped: string[];
}

/** The specialty tree (no-op when a tree exists). */
async function seedSpecialties(app: AppContext): Promise<boolean> {
  if (await app.db.expertSpecialty.findFirst({ select: { code: true } })) return false;
  await ensureSampleTree(app.db, SEED_ACTOR);
  return true;
}

/** The pool: skipped when it holds anyone. SQLite: one importer batch (one transaction); PostgreSQL: createExpert per expert. */
async function seedPool(app: AppContext, skip: (line: string) => void): Promise<number> {
  if (await app.db.expert.findFirst({ select: { id: true } })) return 0;
  // The center may have imported its own specialty tree before the first start: the demo experts' codes must be in it.
  const known = new Set((await app.db.expertSpecialty.findMany({ select: { code: true } })).map((s) => s.code));
  const unknown = [...new Set(demoPoolSpecialties())].filter((c) => !known.has(c));
  if (unknown.length) {
    skip(`demo expert pool skipped: the specialty tree is the center's own and lacks ${unknown.length} code(s) the demo experts use (${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? ", …" : ""}) / 专业目录为本中心自有，演示专家未导入`);
    return 0;
  }
  const experts = demoExperts();
  if (!app.config.databaseUrl.startsWith("file:")) {
    const admin = await principalOf(app.db, "admin");
    for (const e of experts) await createExpert(app, admin, ExpertInput.parse(e));
    return experts.length;
  }
  const dir = mkdtempSync(join(tmpdir(), "hall-seed-"));
  try {
    const file = join(dir, "demo-experts.csv");
    writeFileSync(file, [CSV_HEADER, ...experts.map(csvLine)].join("\n") + "\n");
    const report = await importExperts(
      { databaseUrl: app.config.databaseUrl, box: app.box, ids: app.experts.ids },
      { file, format: "csv", policy: "all-or-nothing", actor: SEED_ACTOR, batchSize: DEMO_POOL_SIZE },
    );
    if (!report.committed) {
      skip(`demo expert pool skipped: the center's data refuses it (${report.errors.slice(0, 3).map((e) => `line ${e.line} ${e.field}: ${e.message}`).join("; ")}) / 演示专家未导入`);
      return 0;
    }
    return report.imported;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ledger: the 2018 half-year sample, skipped when any deal is recorded. One transaction (the import is all or nothing). */
async function seedLedger(app: AppContext, skip: (line: string) => void): Promise<number> {
  if (await app.db.statsDeal.findFirst({ select: { id: true } })) return 0;
  try {
    const res = await importDeals(app.db, SEED_ACTOR, createReadStream(DEMO_LEDGER_FILE), { fileName: "half-year-2018.csv" });
    return res.created;
  } catch (err) {
    // e.g. the center set its own category rules first: the demo deals do not fit them
    if (!(err instanceof AppError)) throw err;
    skip(`demo statistics ledger skipped: the center's rules refuse it (${refusal(err)}) / 演示交易统计未导入`);
    return 0;
  }
}

/** A domain refusal in one line: its message and first details. */
const refusal = (err: AppError) =>
  [err.message, ...(err.details ?? []).slice(0, 2).map((d) => `${d.path}: ${d.message}`)].join("; ");

/** The open tender, created by the demo agent (one transaction with its audit row and escrow shares). */
async function seedProject(app: AppContext, now: number, skip: (line: string) => void): Promise<ProjectView | null> {
  if (await app.db.project.findUnique({ where: { code: DEMO_PROJECT_CODE }, select: { id: true } })) return null;
  const rooms = new Map((await app.db.room.findMany({ where: { code: { in: ["K01", "P01", "Y01"] } } })).map((r) => [r.code, r]));
  const agent = await app.db.user.findUnique({ where: { username: "agent" }, select: { id: true } });
  if (rooms.size < 3 || !agent) {
    skip(`demo open tender skipped: the demo rooms K01, P01, Y01 or the agent account are not there / 演示招标项目未创建`);
    return null;
  }
  const deadline = demoDeadline(app, now).toISOString();
  return createProject(app, await principalOf(app.db, "agent"), {
    code: DEMO_PROJECT_CODE,
    name: "演示县滨江大道道路改造工程",
    category: "engineering",
    procedure: "open",
    ownerName: "演示县交通运输局",
    lots: [
      {
        code: `${DEMO_PROJECT_CODE}-01`,
        name: "第一标段（道路及排水）",
        budgetFen: 1_000_000_000, // 1000 万元
        controlPriceFen: 980_000_000, // 980 万元
        bidDeadline: deadline,
        openingTime: deadline,
        roomId: rooms.get("K01")!.id,
        decryptWindowMinutes: 30,
        confirmMinutes: 10,
        ownerRepresentatives: 0,
        evaluationMethod: "comprehensive",
        // Where and how it is to be evaluated: the agent's evaluation form starts from these.
        evaluationParams: {
          template: DEMO_TEMPLATE,
          sites: [
            { room: "P01", roomId: rooms.get("P01")!.id, role: "main" },
            { room: "Y01", roomId: rooms.get("Y01")!.id, role: "secondary" },
          ],
        },
        draw: { kind: "none" },
        bidFields: [],
        maxBidMegabytes: 512,
      },
    ],
  });
}

/**
 * Runs the steps in order; each is skipped when already done, and a step whose demo data does not fit the
 * center's own (its specialty tree, its category rules) is skipped with a line saying so: the demo never
 * blocks a start. The project goes last: it marks the content complete.
 */
export async function seedDemoContent(app: AppContext, now = Date.now()): Promise<DemoContent> {
  const skipped: string[] = [];
  const skip = (line: string) => skipped.push(line);
  const specialties = await seedSpecialties(app);
  const experts = await seedPool(app, skip);
  const deals = await seedLedger(app, skip);
  const project = await seedProject(app, now, skip);
  return { specialties, experts, deals, project, skipped };
}

/** Whether the demo content was planned with the center (audit row written with it) and is not complete yet. */
export async function demoContentPending(db: Db): Promise<boolean> {
  // The marker is written in the center's own transaction, among the first audit rows: a bounded scan.
  const planned = await db.auditEvent.findFirst({ where: { action: CONTENT_PLANNED, seq: { lte: 1000 } }, select: { seq: true } });
  if (!planned) return false;
  return !(await db.project.findUnique({ where: { code: DEMO_PROJECT_CODE }, select: { id: true } }));
}
