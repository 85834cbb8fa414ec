// The award's deal (recordDeal, as the evaluation will call it) and the OCDS
// 1.1.5 export of a project, validated with ajv (draft-04, ajv-formats) against
// the schemas in shared/ocds (test/helpers/ocds-schema.ts), from rows written
// straight to the database; test/stats-ocds-public.test.ts walks a real opening.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectView } from "@contracts/opening";
import type { DealView } from "@contracts/stats";
import { startTestApp, type TestApp } from "./helpers/app";
import { createLot } from "./helpers/opening";
import { expectValidOcds as expectValid, fetchOcds, ocdsCodes as codes, ocdsValidator } from "./helpers/ocds-schema";
import { recordDeal } from "../server/stats/ledger";
import { verifyAudit } from "../server/audit/chain";

const run = promisify(execFile);

let t: TestApp;
let agent: string;
let admin: string;
let project: ProjectView;
let lotId: string;
let companies: { id: string; name: string; creditCode: string }[];
const bidIds: string[] = [];
let unopened: ProjectView | undefined;

beforeAll(async () => {
  t = await startTestApp();
  agent = (await t.login("agent")).token;
  admin = (await t.login("admin")).token;
  project = await createLot(t, agent, {}, { name: "滨江大道道路改造工程" });
  lotId = project.lots[0]!.id;
  companies = await t.app.db.company.findMany({ orderBy: { name: "asc" } });
  // The opening has happened (the opening flow test covers how): two bids read out, one failed through its bidder,
  // one replaced, one withdrawn before the deadline (that company then bid again).
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
  await bid(companies[2]!.id, "withdrawn", null);
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
  it("a package valid against the release package schema with the bids extension, mapping budget, control price, bidders, prices and the award", async () => {
    const res = await fetchOcds(`${t.url}/api/stats/projects/${project.id}/ocds`, agent);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json\b/);
    expect(res.body).not.toHaveProperty("ok"); // the package itself, no envelope
    const pkg = res.body as unknown as {
      uri: string;
      extensions: string[];
      releases: {
        ocid: string;
        tag: string[];
        parties: { id: string; roles: string[]; identifier?: { scheme: string; id: string } }[];
        planning: { budget: { amount: { amount: number; currency: string } } };
        tender: Record<string, unknown> & { tenderers: { id: string }[] };
        bids: { details: { id: string; status: string; description?: string; value?: { amount: number } }[]; statistics: { measure: string; value: number }[] };
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
    // Bids as the opening record lists them: the replaced bid and the one withdrawn before the deadline are gone;
    // read-out prices carry values in yuan; the awarded bid is valid, the other read out is pending (no evaluation
    // result yet); the one failed through its bidder is withdrawn (视为撤回), its reason in Chinese.
    expect(r!.bids.details.map((b) => [b.id, b.status, b.value?.amount ?? null, b.description ?? null])).toEqual([
      [bidIds[1], "valid", 9_650_000, null],
      [bidIds[2], "pending", 9_720_000.5, null],
      [bidIds[4], "withdrawn", null, "解密失败（投标人原因，视为撤回）"],
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

  it("bid statuses follow the evaluation once it has reached its report: qualified → valid, not qualified → disqualified with the failed criteria", async () => {
    const db = t.app.db;
    const template = JSON.stringify({ qualification: [{ key: "licence", label: "施工资质" }, { key: "bond", label: "投标保证金" }] });
    const rows = JSON.stringify([
      { companyId: companies[0]!.id, companyName: companies[0]!.name, qualified: true, criteria: [{ criterion: "licence", pass: 5, fail: 0, passed: true, reasons: [] }, { criterion: "bond", pass: 5, fail: 0, passed: true, reasons: [] }] },
      { companyId: companies[1]!.id, companyName: companies[1]!.name, qualified: false, criteria: [{ criterion: "licence", pass: 1, fail: 4, passed: false, reasons: ["资质等级不符"] }, { criterion: "bond", pass: 5, fail: 0, passed: true, reasons: [] }] },
    ]);
    const statuses = async () => {
      const res = await fetchOcds(`${t.url}/api/open-data/lots/${lotId}/ocds`);
      expectValid(res.body);
      const [r] = res.body.releases as { id: string; bids: { details: { status: string; description?: string }[] } }[];
      return { id: r!.id, bids: r!.bids.details.map((b) => [b.status, b.description ?? null]) };
    };
    const before = await statuses();
    // Still scoring: nothing decided yet. A sealed (set aside) evaluation never counts.
    await db.evalSession.create({ data: { lotId, drawId: "draw-1", template, step: "scoring", qualification: rows, createdBy: "agent", startedAt: new Date("2026-06-30T01:00:00Z") } });
    await db.evalSession.create({ data: { lotId, drawId: "draw-0", template, step: "report", status: "sealed", qualification: rows, createdBy: "agent", startedAt: new Date("2026-06-30T02:00:00Z") } });
    expect(await statuses()).toEqual(before);
    expect(before.bids).toEqual([
      ["valid", null],
      ["pending", null],
      ["withdrawn", "解密失败（投标人原因，视为撤回）"],
    ]);
    await db.evalSession.create({ data: { lotId, drawId: "draw-2", template, step: "report", qualification: rows, createdBy: "agent", startedAt: new Date("2026-06-30T03:00:00Z") } });
    const after = await statuses();
    expect(after.bids).toEqual([
      ["valid", null],
      ["disqualified", "资格审查未通过：施工资质"],
      ["withdrawn", "解密失败（投标人原因，视为撤回）"],
    ]);
    expect(after.id).not.toBe(before.id); // another content, another release id
    expect(await statuses()).toEqual(after); // the same content, the same id
  });

  it("before the opening staff see the tender's own facts and no bidder or bid (they are secret until the opening)", async () => {
    const p = await createLot(t, agent, { evaluationMethod: "lowest-price" }, { category: "procurement", procedure: "competitive-consultation", name: "教学设备采购" });
    const l = p.lots[0]!;
    await t.app.db.bid.create({ data: { lotId: l.id, companyId: companies[0]!.id, status: "sealed", filePath: "/dev/null", sha256: "0".repeat(64), sizeBytes: 1n, submittedAt: new Date(), receipt: "{}", signature: "" } });
    const res = await fetchOcds(`${t.url}/api/open-data/projects/${p.id}/ocds`, admin);
    expect(res.status).toBe(200);
    expectValid(res.body);
    expect(res.body.uri).toBe(`${t.url}/api/open-data/projects/${p.id}/ocds`);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(companies[0]!.creditCode);
    const [r] = (res.body as { releases: Record<string, unknown>[] }).releases;
    expect(r).toMatchObject({ tag: ["tender"], tender: { status: "active", procurementMethod: "limited", awardCriteria: "priceOnly", mainProcurementCategory: "goods" } });
    expect(r!.bids).toBeUndefined();
    expect(r!.awards).toBeUndefined();
    // The lot's own address: one release, the same content.
    const one = await fetchOcds(`${t.url}/api/open-data/lots/${l.id}/ocds`, agent);
    expectValid(one.body);
    expect(one.body.uri).toBe(`${t.url}/api/open-data/lots/${l.id}/ocds`);
    expect((one.body.releases as unknown[]).length).toBe(1);
    expect((one.body.releases as Record<string, unknown>[])[0]).toEqual(r);
    // Nobody else sees anything before the opening: not anonymous callers, not a bidder, at any of the three addresses.
    const bidder = (await t.login("bidder")).token;
    for (const url of [`/api/open-data/projects/${p.id}/ocds`, `/api/stats/projects/${p.id}/ocds`, `/api/open-data/lots/${l.id}/ocds`]) {
      for (const token of [undefined, bidder]) {
        const refused = await fetchOcds(`${t.url}${url}`, token);
        expect(refused.status, url).toBe(404);
        expect(refused.body, url).toMatchObject({ ok: false, error: { code: "OPEN_DATA_NOT_PUBLIC" } });
      }
    }
    unopened = p;
  });

  it("the CLI writes the package the public address serves (or with --view staff what staff see)", async () => {
    const cli = (...args: string[]) =>
      run(process.execPath, ["--import", "tsx", "server/stats/cli.ts", "ocds", ...args], { env: { ...process.env, DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dir } }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const written = await cli(project.code, "--base-uri", `${t.url}/`);
    expect(written.code, written.stderr).toBe(0);
    const pkg = JSON.parse(written.stdout) as Record<string, unknown>;
    expectValid(pkg);
    const served = await fetchOcds(`${t.url}/api/open-data/projects/${project.id}/ocds`);
    expect(served.status).toBe(200);
    expect({ ...pkg, publishedDate: null }).toEqual({ ...served.body, publishedDate: null });
    expect(pkg.uri).toBe(`${t.url}/api/open-data/projects/${project.id}/ocds`);
    // A project none of whose lots has opened: refused (exit 1, the code), unless asked for the staff's view.
    const refused = await cli(unopened!.code);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("OPEN_DATA_NOT_PUBLIC");
    const staff = await cli(unopened!.code, "--view", "staff", "--base-uri", "https://hall.example.gov.cn");
    expect(staff.code, staff.stderr).toBe(0);
    expect(JSON.parse(staff.stdout)).toMatchObject({ uri: `https://hall.example.gov.cn/api/open-data/projects/${unopened!.id}/ocds`, releases: [{ tag: ["tender"] }] });
    expect((await cli(unopened!.code, "--view", "everything")).code).toBe(2);
    expect((await cli(unopened!.code, "--base-uri", "not a url")).code).toBe(2);
  }, 120_000);

  it("anybody reads an opened project, a bidder too; an unknown project or lot is NOT_FOUND; a bad id is refused", async () => {
    const bidder = (await t.login("bidder")).token;
    for (const token of [undefined, bidder]) {
      const res = await fetchOcds(`${t.url}/api/stats/projects/${project.id}/ocds`, token);
      expect(res.status).toBe(200);
      expectValid(res.body);
    }
    expect((await fetchOcds(`${t.url}/api/stats/projects/nope/ocds`, admin)).body).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect((await fetchOcds(`${t.url}/api/open-data/projects/nope/ocds`)).status).toBe(404);
    expect((await fetchOcds(`${t.url}/api/open-data/lots/nope/ocds`)).body).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    const long = await fetchOcds(`${t.url}/api/open-data/lots/${"x".repeat(65)}/ocds`);
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
  });

  it("the validator does catch a broken package, formats included", () => {
    const validate = ocdsValidator();
    const broken = {
      uri: "https://hall.example.gov.cn/open data", // a space: not a URI (the WHATWG URL parser would take it)
      version: "1.1",
      publisher: { name: "x" },
      publishedDate: "yesterday",
      releases: [
        {
          ocid: "o",
          id: "1",
          date: "2026-02-30T00:00:00Z", // no such day (Date.parse would take it as 2 March)
          tag: ["award"],
          initiationType: "tender",
          parties: [{ id: "p", contactPoint: { url: "//no-scheme.example/" } }],
          tender: { id: "t", value: { amount: "9", currency: "RMB" } },
        },
      ],
    };
    expect(validate(broken)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toEqual(
      expect.arrayContaining(["/uri", "/publishedDate", "/releases/0/date", "/releases/0/parties/0/contactPoint/url", "/releases/0/tender/value/amount", "/releases/0/tender/value/currency"]),
    );
  });
});
