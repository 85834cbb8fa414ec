// A county center's published half-year table (2018-01 … 2018-06), reproduced
// from 67 made-up deals (plus 4 outside the period) imported over HTTP: the JSON
// document, the text table in 万元, CSV, the groupings, the PDF (pdftotext, qpdf), the
// CLI on the same database, the ledger, and who may do what.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DealList, DealView, ImportResult, StatsReport } from "@contracts/stats";
import { startTestApp, type TestApp } from "./helpers/app";
import { verifyAudit } from "../server/audit/chain";

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, "fixtures", "stats", "half-year-2018.csv");
let t: TestApp;
let admin: string;

/** The county report: 2018-01-01 … 2018-06-30, in yuan (万元 × 10,000). */
const HALF_YEAR: StatsReport = {
  from: "2018-01-01",
  to: "2018-06-30",
  categories: [
    { category: "engineering", deals: 42, remoteEvaluations: 12, dealYuan: "210627900.00", budgetYuan: "217408400.00", savingsYuan: "6780500.00", savingsRate: "0.0312", referenceYuan: null, premiumYuan: null, premiumRate: null },
    { category: "procurement", deals: 13, remoteEvaluations: 0, dealYuan: "19783300.00", budgetYuan: "20236300.00", savingsYuan: "453000.00", savingsRate: "0.0224", referenceYuan: null, premiumYuan: null, premiumRate: null },
    { category: "property", deals: 10, remoteEvaluations: 0, dealYuan: "891500.00", budgetYuan: null, savingsYuan: null, savingsRate: null, referenceYuan: "675000.00", premiumYuan: "216500.00", premiumRate: "0.3207" },
    { category: "land", deals: 2, remoteEvaluations: 0, dealYuan: "18736000.00", budgetYuan: null, savingsYuan: null, savingsRate: null, referenceYuan: null, premiumYuan: null, premiumRate: null },
  ],
  total: { deals: 67, remoteEvaluations: 12, dealYuan: "250038700.00", budgetYuan: "237644700.00", savingsYuan: "7233500.00", savingsRate: "0.0304", referenceYuan: "675000.00", premiumYuan: "216500.00", premiumRate: "0.3207" },
};

const upload = (token: string, body: string | Buffer, type = "text/csv") =>
  fetch(`${t.url}/api/stats/import`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": type }, body }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { ok: boolean; data?: ImportResult; error?: { code: string; message: string; details?: { path: string; message: string }[] } },
  }));
const get = (token: string, path: string) => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", "server/stats/cli.ts", ...args], { env: { ...process.env, DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dir, NODE_ENV: "test" }, maxBuffer: 32 << 20 });

beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.login("admin")).token;
}, 60_000);
afterAll(() => t.close());

describe("import", () => {
  it("imports the 71 deals of the fixture (BOM, CRLF, quoted names, Chinese and English categories)", async () => {
    const res = await upload(admin, readFileSync(FIXTURE));
    expect(res.body).toMatchObject({ ok: true, data: { rows: 71, created: 71, updated: 0, unchanged: 0 } });
    expect(await t.app.db.statsDeal.count()).toBe(71);
    const quoted = await t.app.db.statsDeal.findUniqueOrThrow({ where: { code: "GC2018-006" } });
    expect(quoted.name).toBe("城关镇“美丽乡村”道路改造工程（一期, 二期）");
    expect(quoted).toMatchObject({ hall: "第二开标厅", agent: "演示县政府采购中心", source: "import", dealDay: expect.any(Number) });
  });

  it("re-importing the same codes does not duplicate; a changed row updates its deal", async () => {
    const again = await upload(admin, readFileSync(FIXTURE));
    expect(again.body.data).toMatchObject({ rows: 71, created: 0, updated: 0, unchanged: 71 });
    const changed = readFileSync(FIXTURE, "utf8").replace("TD2017-009,西山乡G17-02地块挂牌出让", "TD2017-009,西山乡G17-02地块挂牌出让（更正）");
    expect((await upload(admin, changed)).body.data).toMatchObject({ created: 0, updated: 1, unchanged: 70 });
    expect((await t.app.db.statsDeal.findUniqueOrThrow({ where: { code: "TD2017-009" } })).name).toBe("西山乡G17-02地块挂牌出让（更正）");
    expect(await t.app.db.statsDeal.count()).toBe(71);
  });

  it("every import is on the audit trail, and the chain verifies", async () => {
    const rows = await t.app.db.auditEvent.findMany({ where: { action: "stats.import" } });
    expect(rows).toHaveLength(3);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  });
});

describe("the half-year report", () => {
  it("JSON: the county report's table to the fen; deals outside the period do not count", async () => {
    const res = await t.api<StatsReport>("GET", "/api/stats/report?from=2018-01-01&to=2018-06-30", { token: admin });
    expect(res.body).toEqual({ ok: true, data: HALF_YEAR });
    expect(Object.keys((res.body as { data: object }).data)).toEqual(["from", "to", "categories", "total"]);
  });

  it("the period is inclusive at both ends: the deals dated 2017-12-31 and 2018-07-01 join when the period does", async () => {
    const res = await t.api<StatsReport>("GET", "/api/stats/report?from=2017-12-31&to=2018-07-01", { token: admin });
    const d = (res.body as { data: StatsReport }).data;
    expect(d.total.deals).toBe(69);
    expect(d.categories.map((c) => c.deals)).toEqual([43, 14, 10, 2]);
  });

  it("text: the county report's table in 万元", async () => {
    const text = await (await get(admin, "/api/stats/report.txt?from=2018-01-01&to=2018-06-30")).text();
    const rows = text.split("\n").map((l) => l.split(/\s{2,}/));
    expect(rows).toContainEqual(["工程建设", "42（其中远程异地评标 12）", "21062.79", "低于预算 678.05（节资率 3.12%）"]);
    expect(rows).toContainEqual(["政府采购", "13", "1978.33", "低于预算 45.30（节资率 2.24%）"]);
    expect(rows).toContainEqual(["国有产权", "10", "89.15", "高于评估价 21.65（溢价率 32.07%）"]);
    expect(rows).toContainEqual(["国有土地", "2", "1873.60", "—"]);
    expect(rows).toContainEqual(["合计", "67（其中远程异地评标 12）", "25003.87", "低于预算 723.35（节资率 3.04%）；高于评估价 21.65（溢价率 32.07%）"]);
    expect(text).toContain("演示县公共资源交易中心 交易统计 2018-01-01 至 2018-06-30（金额单位：万元）");
  });

  it("CSV: a row per category and the total, yuan and fraction rates, empty where n/a (BOM for Excel)", async () => {
    const res = await get(admin, "/api/stats/report.csv?from=2018-01-01&to=2018-06-30");
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // fetch's text() would drop the BOM
    expect(bytes.subarray(3).toString("utf8").split("\r\n")).toEqual([
      "category,category_name,deals,remote_evaluations,deal_yuan,budget_yuan,savings_yuan,savings_rate,reference_yuan,premium_yuan,premium_rate",
      "engineering,工程建设,42,12,210627900.00,217408400.00,6780500.00,0.0312,,,",
      "procurement,政府采购,13,0,19783300.00,20236300.00,453000.00,0.0224,,,",
      "property,国有产权,10,0,891500.00,,,,675000.00,216500.00,0.3207",
      "land,国有土地,2,0,18736000.00,,,,,,",
      "total,合计,67,12,250038700.00,237644700.00,7233500.00,0.0304,675000.00,216500.00,0.3207",
      "",
    ]);
  });

  it("per month, quarter, half-year, year, hall and agent the groups add up to the same totals", async () => {
    for (const by of ["month", "quarter", "half", "year", "hall", "agent"]) {
      const res = await t.api<StatsReport>("GET", `/api/stats/report?from=2018-01-01&to=2018-06-30&by=${by}`, { token: admin });
      const r = (res.body as { data: StatsReport }).data;
      expect(r.by).toBe(by);
      expect(r.categories).toEqual(HALF_YEAR.categories);
      expect(r.total).toEqual(HALF_YEAR.total);
      const sum = (f: (g: NonNullable<StatsReport["groups"]>[number]) => string | null) =>
        r.groups!.reduce((acc, g) => acc + BigInt((f(g) ?? "0").replace(".", "")), 0n);
      expect(sum((g) => g.total.dealYuan)).toBe(25_003_870_000n);
      expect(sum((g) => g.total.savingsYuan)).toBe(723_350_000n);
      expect(sum((g) => g.total.premiumYuan)).toBe(21_650_000n);
      expect(r.groups!.reduce((a, g) => a + g.total.deals, 0)).toBe(67);
      if (by === "month") expect(r.groups!.map((g) => g.key)).toEqual(["2018-01", "2018-02", "2018-03", "2018-04", "2018-05", "2018-06"]);
      if (by === "quarter") expect(r.groups!.map((g) => g.label)).toEqual(["2018年第一季度", "2018年第二季度"]);
      if (by === "half") expect(r.groups!.map((g) => [g.key, g.label])).toEqual([["2018-H1", "2018年上半年"]]);
      if (by === "hall") expect(r.groups!.map((g) => g.key).sort()).toEqual(["第一开标厅", "第二开标厅"]);
      if (by === "agent") expect(r.groups!.find((g) => g.key === "")?.label).toBe("（未填写）");
    }
  });

  it("PDF: Chinese text comes back with pdftotext, qpdf finds no error, the platform signed it", async () => {
    const res = await get(admin, "/api/stats/report.pdf?from=2018-01-01&to=2018-06-30");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const file = join(t.dir, "report.pdf");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    await run("qpdf", ["--check", file]);
    const { stdout } = await run("pdftotext", ["-layout", file, "-"]);
    for (const s of ["2018年上半年公共资源交易统计报告", "演示县公共资源交易中心", "工程建设", "42（其中远程异地评标 12）", "21062.79", "低于预算 678.05（节资率 3.12%）", "1978.33", "高于评估价 21.65（溢价率 32.07%）", "1873.60", "25003.87", "723.35", "21740.84", "32.07%", "2018年6月", "图 1 节资额（按类别、月份）", "图 3 远程异地评标占比"]) {
      expect(stdout).toContain(s);
    }
    const { stdout: images } = await run("pdfimages", ["-list", file]);
    expect(images.split("\n").filter((l) => /\bimage\b/.test(l)).length).toBe(3);
    const sig = await run("pdfsig", [file]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(sig.stdout).toContain("Signature #1");
  }, 60_000);
});

describe("the CLI on the same database (DATABASE_URL)", () => {
  it("report --format json prints the JSON report document", async () => {
    const { stdout } = await cli("report", "--from", "2018-01-01", "--to", "2018-06-30", "--format", "json");
    expect(JSON.parse(stdout)).toEqual(HALF_YEAR);
  });
  it("report prints the text table; --by month adds the months; --format csv --out writes a file", async () => {
    const { stdout } = await cli("report", "--from", "2018-01-01", "--to", "2018-06-30", "--by", "month");
    expect(stdout).toMatch(/工程建设\s+42（其中远程异地评标 12）\s+21062\.79\s+低于预算 678\.05/);
    expect(stdout).toMatch(/2018年1月/);
    const out = join(t.dir, "r.csv");
    await cli("report", "--from=2018-01-01", "--to=2018-06-30", "--format=csv", "--out", out);
    expect(readFileSync(out, "utf8")).toContain("total,合计,67,12,250038700.00");
  });
  it("report --format pdf --out writes a PDF", async () => {
    const out = join(t.dir, "cli.pdf");
    await cli("report", "--from", "2018-01-01", "--to", "2018-06-30", "--format", "pdf", "--out", out);
    const { stdout } = await run("pdftotext", [out, "-"]);
    expect(stdout).toContain("2018年上半年公共资源交易统计报告");
  }, 60_000);
  it("import works from the CLI too, and a usage error exits 2", async () => {
    const { stdout } = await cli("import", FIXTURE);
    expect(stdout).toContain("71 rows — 0 created, 1 updated, 70 unchanged");
    const bad = await cli("report", "--from", "2018-07-01", "--to", "2018-01-01").catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("from must not be after to") });
  });
});

describe("the ledger", () => {
  it("lists deals with their savings and premium, filtered and paged", async () => {
    const res = await t.api<DealList>("GET", "/api/stats/deals?category=property&from=2018-01-01&to=2018-06-30&limit=3", { token: admin });
    const list = (res.body as { data: DealList }).data;
    expect(list.total).toBe(10);
    expect(list.deals).toHaveLength(3);
    const d = list.deals.find((x) => x.code === "CQ2018-010");
    if (d) expect(d).toMatchObject({ referenceFen: 4_546_667, dealFen: 6_808_298, premiumFen: 2_261_631, premiumRate: "0.4974", savingsFen: null });
    expect(list.deals[0]!.dealDate).toBe("2018-06-28");
    const q = await t.api<DealList>("GET", `/api/stats/deals?q=${encodeURIComponent("美丽乡村")}`, { token: admin });
    expect((q.body as { data: DealList }).data.deals.map((x) => x.code)).toEqual(["GC2018-006"]);
  });

  it("an administrator enters a deal by hand; the category's rule applies; a code is unique", async () => {
    const deal = { code: "ZC2018-900", name: "手工录入的采购项目", category: "procurement", budgetFen: 1_000_000, dealFen: 968_800, dealDate: "2018-06-30", remoteEvaluation: false, hall: "第一开标厅", agent: null };
    const res = await t.api<DealView>("POST", "/api/stats/deals", { token: admin, body: deal });
    expect(res.body).toMatchObject({ ok: true, data: { source: "manual", savingsFen: 31_200, savingsRate: "0.0312" } });
    expect((await t.api("POST", "/api/stats/deals", { token: admin, body: deal })).body).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    const land = await t.api("POST", "/api/stats/deals", { token: admin, body: { ...deal, code: "TD-X", category: "land" } });
    expect(land).toMatchObject({ status: 400, body: { ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "budgetFen" }] } } });
    await t.app.db.statsDeal.delete({ where: { code: "ZC2018-900" } });
  });

  it("the reference is configurable per category: a region that requires the land start price", async () => {
    const rules = await t.api<{ category: string; referenceName: string }[]>("GET", "/api/stats/categories", { token: admin });
    if (!rules.body.ok) throw new Error(JSON.stringify(rules.body));
    expect(rules.body.data.map((r) => [r.category, r.referenceName])).toEqual([
      ["engineering", "参考价"],
      ["procurement", "参考价"],
      ["property", "评估价"],
      ["land", "挂牌起始价"],
    ]);
    const set = await t.api("PUT", "/api/stats/categories/land", { token: admin, body: { budget: "forbidden", reference: "required", referenceName: "挂牌起始价" } });
    expect(set.body).toMatchObject({ ok: true, data: { category: "land", reference: "required" } });
    const rejected = await upload(admin, readFileSync(FIXTURE));
    expect(rejected.body.error?.details).toEqual([
      { path: "line 67", message: "reference_yuan is required for 国有土地" },
      { path: "line 68", message: "reference_yuan is required for 国有土地" },
    ]);
    await t.api("PUT", "/api/stats/categories/land", { token: admin, body: { budget: "forbidden", reference: "optional", referenceName: "挂牌起始价" } });
  });
});

describe("who may do what", () => {
  it("supervisors and agents read; bidders and experts do not; only administrators import or change the ledger", async () => {
    for (const who of ["supervisor", "agent"]) {
      const token = (await t.login(who)).token;
      expect((await get(token, "/api/stats/report?from=2018-01-01&to=2018-06-30")).status).toBe(200);
      expect((await get(token, "/api/stats/deals")).status).toBe(200);
      expect((await upload(token, readFileSync(FIXTURE))).body).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
      expect((await t.api("PUT", "/api/stats/categories/land", { token, body: { budget: "optional", reference: "optional", referenceName: "x" } })).status).toBe(403);
      expect((await t.api("POST", "/api/stats/deals", { token, body: {} })).status).toBe(403);
    }
    for (const who of ["bidder", "expert"]) {
      const token = (await t.login(who)).token;
      for (const path of ["/api/stats/report?from=2018-01-01&to=2018-06-30", "/api/stats/report.pdf?from=2018-01-01&to=2018-06-30", "/api/stats/deals", "/api/stats/categories"]) {
        expect((await get(token, path)).status).toBe(403);
      }
      expect((await upload(token, readFileSync(FIXTURE))).status).toBe(403);
    }
    expect((await fetch(`${t.url}/api/stats/report?from=2018-01-01&to=2018-06-30`)).status).toBe(401);
    expect((await fetch(`${t.url}/api/stats/import`, { method: "POST", headers: { "content-type": "text/csv" }, body: "x" })).status).toBe(401);
    expect(await t.app.db.statsDeal.count()).toBe(71);
  });

  it("a bad query is a validation error", async () => {
    const bad = await t.api("GET", "/api/stats/report?from=2018-02-30&to=2018-06-30", { token: admin });
    expect(bad).toMatchObject({ status: 400, body: { ok: false, error: { code: "VALIDATION_FAILED" } } });
    const by = await t.api("GET", "/api/stats/report?from=2018-01-01&to=2018-06-30&by=week", { token: admin });
    expect(by.status).toBe(400);
    const long = await t.api("GET", "/api/stats/report?from=1900-01-01&to=2100-12-31&by=month", { token: admin });
    expect(long).toMatchObject({ status: 400, body: { error: { message: "A report by month covers at most 100 years" } } });
    const all = await t.api<StatsReport>("GET", "/api/stats/report?from=1900-01-01&to=2100-12-31", { token: admin });
    expect(all.body).toMatchObject({ ok: true, data: { total: { deals: 71 } } });
  });
});
