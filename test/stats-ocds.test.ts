// The award's deal (recordDeal, as the evaluation will call it) and the OCDS
// 1.1.5 export of a project, validated with ajv (draft-04) against the schemas
// in ../shared/ocds: the core release schema merged with the bids extension by
// JSON Merge Patch (RFC 7386), under the release package schema.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import Ajv from "ajv-draft-04";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectView } from "@contracts/opening";
import type { DealView } from "@contracts/stats";
import { startTestApp, type TestApp } from "./helpers/app";
import { createLot } from "./helpers/opening";
import { recordDeal } from "../server/stats/ledger";
import { verifyAudit } from "../server/audit/chain";

const run = promisify(execFile);
const OCDS = join(import.meta.dirname, "..", "..", "shared", "ocds");
const readJson = (...p: string[]) => JSON.parse(readFileSync(join(OCDS, ...p), "utf8")) as Record<string, unknown>;

/** RFC 7386 JSON Merge Patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function ocdsValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("date-time", (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  ajv.addFormat("email", (s: string) => /^[^@\s]+@[^@\s]+$/.test(s));
  ajv.addSchema(mergePatch(readJson("1.1.5", "release-schema.json"), readJson("bid_extension", "release-schema.json")) as object);
  return ajv.compile(readJson("1.1.5", "release-package-schema.json"));
}
const codes = (file: string) => readFileSync(join(OCDS, "bid_extension", file), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0]);

let t: TestApp;
let agent: string;
let admin: string;
let project: ProjectView;
let lotId: string;
let companies: { id: string; name: string; creditCode: string }[];
const bidIds: string[] = [];
const validate = ocdsValidator();

function expectValid(pkg: unknown) {
  const ok = validate(pkg);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
  expect(ok).toBe(true);
}

beforeAll(async () => {
  t = await startTestApp();
  agent = (await t.login("agent")).token;
  admin = (await t.login("admin")).token;
  project = await createLot(t, agent, {}, { name: "滨江大道道路改造工程" });
  lotId = project.lots[0]!.id;
  companies = await t.app.db.company.findMany({ orderBy: { name: "asc" } });
  // The opening has happened (the opening flow test covers how): three bids read out, one withdrawn, one replaced.
  const db = t.app.db;
  const submittedAt = new Date("2026-01-01T01:00:00Z");
  const bid = async (companyId: string, status: string, priceFen: number | null) => {
    const b = await db.bid.create({
      data: { lotId, companyId, status, filePath: "/dev/null", sha256: "0".repeat(64), sizeBytes: 1n, submittedAt: new Date(submittedAt.getTime() + bidIds.length * 60_000), receipt: "{}", signature: "", summary: priceFen === null ? null : JSON.stringify({ priceFen, durationDays: 180 }) },
    });
    bidIds.push(b.id);
  };
  await bid(companies[0]!.id, "replaced", null);
  await bid(companies[0]!.id, "decrypted", 965_000_000);
  await bid(companies[1]!.id, "decrypted", 972_000_050);
  await bid(companies[2]!.id, "failed-bidder", null);
  await db.openingSession.create({ data: { lotId, stage: "closed", openedAt: submittedAt, openedBy: "agent", closedAt: new Date("2026-01-01T03:00:00Z") } });
  await db.lot.update({ where: { id: lotId }, data: { status: "opened" } });
}, 120_000);
afterAll(() => t.close());

describe("recordDeal: the award becomes a deal of the ledger", () => {
  it("takes the lot's code, name, budget, room and agent; the deal date is the award's Asia/Shanghai day", async () => {
    const deal: DealView = await t.app.db.$transaction((tx) =>
      recordDeal(tx, { kind: "user", id: "evaluation", role: "agent" }, {
        lotId,
        dealFen: 965_000_000,
        awardedAt: new Date("2026-06-30T16:30:00Z"), // 2026-07-01 00:30 in Shanghai
        remoteEvaluation: true,
        winnerCompanyId: companies[0]!.id,
        bidId: bidIds[1]!,
      }),
    );
    expect(deal).toMatchObject({
      code: project.lots[0]!.code,
      name: "滨江大道道路改造工程 第一标段",
      category: "engineering",
      budgetFen: 1_000_000_000,
      dealFen: 965_000_000,
      savingsFen: 35_000_000,
      savingsRate: "0.0350",
      dealDate: "2026-07-01",
      remoteEvaluation: true,
      hall: "第一开标厅",
      source: "award",
      lotId,
      projectId: project.id,
      winnerName: companies[0]!.name,
    });
    expect((await t.app.db.statsDeal.findUniqueOrThrow({ where: { lotId } })).agent).toBe("招标代理 王敏");
  });

  it("recording the award again updates the one deal; the audit chain holds both", async () => {
    await t.app.db.$transaction((tx) =>
      recordDeal(tx, { kind: "user", id: "evaluation", role: "agent" }, { lotId, dealFen: 965_000_000, awardedAt: new Date("2026-06-30T16:30:00Z"), remoteEvaluation: true, winnerCompanyId: companies[0]!.id, bidId: bidIds[1]! }),
    );
    expect(await t.app.db.statsDeal.count({ where: { lotId } })).toBe(1);
    expect(await t.app.db.auditEvent.count({ where: { action: "stats.recordDeal" } })).toBe(2);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  });

  it("a failed award leaves no deal: the caller's transaction rolls both back", async () => {
    const other = await createLot(t, agent);
    await expect(
      t.app.db.$transaction(async (tx) => {
        await recordDeal(tx, { kind: "system", id: "evaluation", role: "system" }, { lotId: other.lots[0]!.id, dealFen: 1, awardedAt: new Date(), remoteEvaluation: false });
        throw new Error("the evaluation's own write failed");
      }),
    ).rejects.toThrow("own write failed");
    expect(await t.app.db.statsDeal.count({ where: { lotId: other.lots[0]!.id } })).toBe(0);
  });

  it("the category's rule applies: a property deal needs its assessed value", async () => {
    const p = await createLot(t, agent, { budgetFen: null }, { category: "property", procedure: "auction", name: "国有股权转让" });
    await expect(t.app.db.$transaction((tx) => recordDeal(tx, { kind: "system", id: "e", role: "system" }, { lotId: p.lots[0]!.id, dealFen: 100, awardedAt: new Date(), remoteEvaluation: false }))).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      details: [{ path: "referenceFen" }],
    });
    const d = await t.app.db.$transaction((tx) =>
      recordDeal(tx, { kind: "system", id: "e", role: "system" }, { lotId: p.lots[0]!.id, dealFen: 89_150_00, referenceFen: 67_500_00, awardedAt: new Date(), remoteEvaluation: false }),
    );
    expect(d).toMatchObject({ budgetFen: null, premiumFen: 21_650_00, premiumRate: "0.3207" });
  });

  it("an import may not overwrite a deal recorded from an award", async () => {
    const code = project.lots[0]!.code;
    const body = `code,name,category,budget_yuan,reference_yuan,deal_yuan,deal_date,remote_evaluation\nOK-1,x,engineering,10,,9,2026-01-01,false\n${code},改名,engineering,1,,1,2026-01-01,false\n`;
    const res = await fetch(`${t.url}/api/stats/import`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "text/csv" }, body });
    expect(await res.json()).toMatchObject({ ok: false, error: { code: "IMPORT_REJECTED", details: [{ path: "line 3", message: expect.stringContaining("recorded from a lot's award") }] } });
    expect(await t.app.db.statsDeal.findUnique({ where: { code: "OK-1" } })).toBeNull();
  });
});

describe("OCDS 1.1.5 export", () => {
  it("a package valid against the release package schema with the bids extension, mapping the brief's fields", async () => {
    const res = await t.api<Record<string, unknown>>("GET", `/api/stats/projects/${project.id}/ocds`, { token: agent });
    if (!res.body.ok) throw new Error(JSON.stringify(res.body));
    const pkg = res.body.data as {
      uri: string;
      extensions: string[];
      releases: {
        ocid: string;
        tag: string[];
        parties: { id: string; roles: string[]; identifier?: { scheme: string; id: string } }[];
        planning: { budget: { amount: { amount: number; currency: string } } };
        tender: Record<string, unknown> & { tenderers: { id: string }[] };
        bids: { details: { id: string; status: string; value?: { amount: number } }[]; statistics: { measure: string; value: number }[] };
        awards: { value: { amount: number; currency: string }; relatedBids: string[]; suppliers: { id: string; name: string }[]; date: string }[];
      }[];
    };
    expectValid(pkg);
    expect(pkg.uri).toBe(`${t.url}/api/stats/projects/${project.id}/ocds`);
    expect(pkg.extensions[0]).toContain("ocds_bid_extension");
    const [r] = pkg.releases;
    expect(r!.ocid).toBe(`ocds-bidhal-${project.lots[0]!.code}`);
    expect(r!.tag).toEqual(["award"]);
    expect(r!.planning.budget.amount).toEqual({ amount: 10_000_000, currency: "CNY" });
    expect(r!.tender).toMatchObject({
      value: { amount: 9_800_000, currency: "CNY" },
      procurementMethod: "open",
      procurementMethodDetails: "公开招标",
      mainProcurementCategory: "works",
      awardCriteria: "ratedCriteria",
      awardCriteriaDetails: "综合评估法",
      submissionMethod: ["electronicSubmission"],
      status: "complete",
      numberOfTenderers: 3,
    });
    expect((r!.tender.tenderPeriod as { endDate: string }).endDate).toBe(project.lots[0]!.bidDeadline);
    // Bids: the replaced bid is gone; read-out prices carry values in yuan; the failed one counts as withdrawn.
    expect(r!.bids.details.map((b) => [b.status, b.value?.amount ?? null])).toEqual([
      ["valid", 9_650_000],
      ["pending", 9_720_000.5],
      ["withdrawn", null],
    ]);
    expect(r!.bids.details.every((b) => codes("bidStatus.csv").includes(b.status))).toBe(true);
    expect(r!.bids.statistics).toEqual([{ id: "bids", measure: "bids", value: 3 }]);
    expect(codes("statistic.csv")).toContain("bids");
    const winner = `CN-USCC-${companies[0]!.creditCode}`;
    expect(r!.awards).toEqual([
      {
        id: `${project.lots[0]!.code}-award`,
        title: "滨江大道道路改造工程 第一标段 成交结果",
        status: "active",
        date: "2026-07-01T00:00:00+08:00",
        value: { amount: 9_650_000, currency: "CNY" },
        suppliers: [{ id: winner, name: companies[0]!.name }],
        relatedBids: [bidIds[1]],
      },
    ]);
    expect(r!.parties.find((p) => p.id === winner)).toMatchObject({ roles: ["tenderer", "supplier"], identifier: { scheme: "CN-USCC", id: companies[0]!.creditCode } });
    expect(r!.parties[0]).toMatchObject({ name: "演示县交通运输局", roles: ["buyer", "procuringEntity"] });
    expect(r!.tender.tenderers.map((x) => x.id).sort()).toEqual(companies.map((c) => `CN-USCC-${c.creditCode}`).sort());
    // No savings or premium in the export (no OCDS field; no local extension).
    expect(JSON.stringify(pkg)).not.toMatch(/savings|premium/i);
  });

  it("before the bidder list is published no bidder or bid appears (they are secret until the opening)", async () => {
    const p = await createLot(t, agent, { evaluationMethod: "lowest-price" }, { category: "procurement", procedure: "competitive-consultation", name: "教学设备采购" });
    const l = p.lots[0]!;
    await t.app.db.bid.create({ data: { lotId: l.id, companyId: companies[0]!.id, status: "sealed", filePath: "/dev/null", sha256: "0".repeat(64), sizeBytes: 1n, submittedAt: new Date(), receipt: "{}", signature: "" } });
    const res = await t.api<Record<string, unknown>>("GET", `/api/stats/projects/${p.id}/ocds`, { token: admin });
    if (!res.body.ok) throw new Error(JSON.stringify(res.body));
    expectValid(res.body.data);
    const text = JSON.stringify(res.body.data);
    expect(text).not.toContain(companies[0]!.creditCode);
    const [r] = (res.body.data as { releases: Record<string, unknown>[] }).releases;
    expect(r).toMatchObject({ tag: ["tender"], tender: { status: "active", procurementMethod: "limited", awardCriteria: "priceOnly", mainProcurementCategory: "goods" } });
    expect(r!.bids).toBeUndefined();
    expect(r!.awards).toBeUndefined();
  });

  it("the CLI prints the same package for a project code", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "server/stats/cli.ts", "ocds", project.code, "--base-uri", "https://hall.example.gov.cn"], {
      env: { ...process.env, DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dir },
    });
    const pkg = JSON.parse(stdout) as { uri: string };
    expectValid(pkg);
    expect(pkg.uri).toBe(`https://hall.example.gov.cn/api/stats/projects/${project.id}/ocds`);
  }, 60_000);

  it("bidders may not export; an unknown project is NOT_FOUND", async () => {
    const bidder = (await t.login("bidder")).token;
    expect((await t.api("GET", `/api/stats/projects/${project.id}/ocds`, { token: bidder })).status).toBe(403);
    expect((await t.api("GET", `/api/stats/projects/nope/ocds`, { token: admin })).body).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });

  it("the validator does catch a broken package", () => {
    expect(validate({ uri: "x", version: "1.1", publisher: { name: "x" }, publishedDate: "yesterday", releases: [{ ocid: "o", id: "1", date: "2026-01-01T00:00:00Z", tag: ["award"], initiationType: "tender", tender: { id: "t", value: { amount: "9", currency: "RMB" } } }] })).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toEqual(expect.arrayContaining(["/uri", "/publishedDate", "/releases/0/tender/value/amount", "/releases/0/tender/value/currency"]));
  });
});
