// Bad CSV files: each is refused with the line and the reason, and nothing of
// the file reaches the ledger (not even its good rows).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImportResult } from "@contracts/stats";
import { startTestApp, type TestApp } from "./helpers/app";

const run = promisify(execFile);
let t: TestApp;
let admin: string;

const HEADER = "code,name,category,budget_yuan,reference_yuan,deal_yuan,deal_date,remote_evaluation";
const GOOD = ["G-1,城关镇道路工程,工程建设,1000000.00,,968800.00,2018-03-01,true", "G-2,办公家具采购,procurement,200000,,190000.5,2018-03-02,false", "G-3,闲置资产转让,国有产权,,675000.00,891500.00,2018-03-03,false"];
const csv = (...rows: string[]) => [HEADER, ...rows].join("\n") + "\n";

type Answer = { status: number; body: { ok: boolean; data?: ImportResult; error?: { code: string; message: string; details?: { path: string; message: string }[] } } };
const upload = async (body: string | Buffer, type = "text/csv"): Promise<Answer> => {
  const r = await fetch(`${t.url}/api/stats/import`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": type }, body });
  return { status: r.status, body: (await r.json()) as Answer["body"] };
};

/** Refused with exactly these lines (reason fragments), and the ledger is still empty. */
async function refused(body: string | Buffer, lines: [number, string][]) {
  const res = await upload(body);
  expect(res.status).toBe(422);
  expect(res.body.error?.code).toBe("IMPORT_REJECTED");
  expect(res.body.error?.message).toContain("nothing was imported");
  const details = res.body.error?.details ?? [];
  expect(details.map((d) => d.path)).toEqual(lines.map(([l]) => `line ${l}`));
  lines.forEach(([, why], i) => expect(details[i]!.message).toContain(why));
  expect(await t.app.db.statsDeal.count()).toBe(0);
  return res;
}

beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.login("admin")).token;
}, 60_000);
afterAll(() => t.close());

describe("each bad input is reported by line; nothing is imported", () => {
  it("an unknown category", () => refused(csv(GOOD[0]!, "X-1,某项目,矿业权,100,,90,2018-03-01,false", GOOD[1]!), [[3, 'category "矿业权" is not one of 工程建设/政府采购/国有产权/国有土地 or engineering/procurement/property/land']]));

  it("a negative amount and an amount with three decimals", () =>
    refused(csv("X-1,某项目,工程建设,-100.00,,90,2018-03-01,false", GOOD[0]!, "X-2,某项目,工程建设,100.00,,90.125,2018-03-01,false"), [
      [2, 'budget_yuan "-100.00" must not be negative'],
      [4, 'deal_yuan "90.125" has more than 2 decimals'],
    ]));

  it("a budget on a land deal", () => refused(csv(...GOOD, "X-1,某地块挂牌出让,国有土地,5000000.00,,5600000.00,2018-03-01,false"), [[5, "budget_yuan must be empty for 国有土地 (a land deal has no budget)"]]));

  it("a bad date: not a day of the calendar, or not YYYY-MM-DD", () =>
    refused(csv("X-1,某项目,工程建设,100,,90,2018-02-30,false", "X-2,某项目,工程建设,100,,90,2018/03/01,false", "X-3,某项目,工程建设,100,,90,18-3-1,false"), [
      [2, 'deal_date "2018-02-30" is not a date YYYY-MM-DD'],
      [3, 'deal_date "2018/03/01"'],
      [4, 'deal_date "18-3-1"'],
    ]));

  it("a code twice in the file (the second names the first)", () => refused(csv(...GOOD, "G-2,另一个采购,procurement,100,,90,2018-03-05,false"), [[5, 'code "G-2" already appears on line 3 of this file']]));

  it("an empty file, a file of only a BOM, a header without deals", async () => {
    await refused("", [[1, "the file is empty"]]);
    await refused("\uFEFF", [[1, "the file is empty"]]);
    await refused(`${HEADER}\n`, [[2, "no deals after the header"]]);
  });

  it("bytes that are neither UTF-8 nor GB18030, UTF-16, a workbook sent as CSV: 422, nothing imported", async () => {
    const refusedAs = async (body: Buffer, code: string, line?: number) => {
      const res = await upload(body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error).toMatchObject({ code, message: expect.stringContaining("nothing was imported") });
      expect(res.body.error!.message).not.toContain(code);
      if (line !== undefined) expect(res.body.error!.details).toEqual([{ path: `line ${line}`, message: "neither UTF-8 nor GB18030 (GBK) text" }]);
      expect(await t.app.db.statsDeal.count()).toBe(0);
    };
    // Good GBK rows, then on line 4 a byte that starts no GB18030 character: the good rows are not kept.
    const gbk = Buffer.concat([iconv.encode(csv(GOOD[0]!, GOOD[1]!), "gb18030"), Buffer.from("X-1,"), Buffer.from([0xff, 0xfe]), Buffer.from(",工程建设,100,,90,2018-03-01,false\n")]);
    await refusedAs(gbk, "IMPORT_ENCODING", 4);
    await refusedAs(Buffer.concat([Buffer.from(csv(...GOOD)), randomBytes(8192)]), "IMPORT_ENCODING");
    // UTF-16 (Excel "Unicode text").
    await refusedAs(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv(...GOOD), "utf16le")]), "IMPORT_ENCODING", 1);
    await refusedAs(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(2000)]), "IMPORT_NOT_CSV");
  });

  it("a wrong header, a missing field, true/false spelled otherwise, broken quoting", async () => {
    await refused("code;name;category\n", [[1, "the header must start with code,name,category,budget_yuan"]]);
    await refused(csv("X-1,某项目,工程建设,100,,90,2018-03-01"), [[2, "has 7 fields, the header has 8"]]);
    await refused(csv("X-1,某项目,工程建设,100,,90,2018-03-01,是"), [[2, 'remote_evaluation "是" must be true or false']]);
    await refused(csv(GOOD[0]!, 'X-1,"某项目,工程建设,100,,90,2018-03-01,false'), [[3, "is not valid CSV"]]);
    await refused('{"a":1}', [[1, "is not valid CSV: Invalid Opening Quote"]]);
    await refused(csv(GOOD[0]!, 'X-1,某"项目,工程建设,100,,90,2018-03-01,false'), [[3, "is not valid CSV"]]);
  });

  it("one bad row at the end of 5,000 good ones keeps all 5,000 out", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `B-${i},批量项目 ${i},工程建设,${1000 + i}.00,,${900 + i}.50,2018-04-${String((i % 28) + 1).padStart(2, "0")},${i % 3 === 0}`);
    await refused(csv(...rows, "B-X,最后一行,国有土地,1,,2,2018-04-01,false"), [[5002, "budget_yuan must be empty for 国有土地"]]);
  });

  it("every bad line of a file is listed at once", async () => {
    const res = await refused(csv("X-1,a,矿业权,1,,1,2018-03-01,false", GOOD[0]!, "X-2,b,land,1,,1,2018-03-01,false", "X-3,c,engineering,1,,1,2018-13-01,false", GOOD[0]!), [
      [2, "矿业权"],
      [4, "budget_yuan must be empty"],
      [5, 'deal_date "2018-13-01"'],
      [6, 'code "G-1" already appears on line 3'],
    ]);
    expect(res.body.error!.message).toMatch(/^4 bad lines; nothing was imported\. Line 2: /);
  });

  it("a body that is not CSV (an .xlsx upload) is refused before reading it", async () => {
    const res = await upload(csv(...GOOD), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect(await t.app.db.statsDeal.count()).toBe(0);
  });

  it("the CLI prints the lines and exits 1", async () => {
    const file = join(t.dir, "bad.csv");
    writeFileSync(file, csv(GOOD[0]!, "X-1,某项目,矿业权,100,,90,2018-03-01,false"));
    const res = await run(process.execPath, ["--import", "tsx", "server/stats/cli.ts", "import", file], { env: { ...process.env, DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dir } }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(res).toMatchObject({ code: 1, stderr: expect.stringContaining('IMPORT_REJECTED: 1 bad line; nothing was imported. Line 3: category "矿业权"') });
    expect((res as { stderr: string }).stderr).toContain("  line 3: category");
    expect(await t.app.db.statsDeal.count()).toBe(0);
    // The same importer from the CLI: a GBK file (Excel on Chinese Windows) is read and the CLI says how.
    const gbk = join(t.dir, "gbk.csv");
    writeFileSync(gbk, iconv.encode(csv(...GOOD), "gb18030"));
    const ok = await run(process.execPath, ["--import", "tsx", "server/stats/cli.ts", "import", gbk], { env: { ...process.env, DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dir } });
    expect(ok.stdout).toContain("3 rows — 3 created, 0 updated, 0 unchanged; read as GB18030 (GBK)");
    expect((await t.app.db.statsDeal.findUniqueOrThrow({ where: { code: "G-3" } })).name).toBe("闲置资产转让");
    await t.app.db.statsDeal.deleteMany();
  }, 90_000);
});

describe("good files", () => {
  it("UTF-8 without a BOM, LF endings, English header in any case, hall/agent optional", async () => {
    const res = await upload(csv(...GOOD).replace(HEADER, HEADER.toUpperCase()));
    expect(res.body).toMatchObject({ ok: true, data: { rows: 3, created: 3, updated: 0, unchanged: 0, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), encoding: "utf-8" } });
    const g2 = await t.app.db.statsDeal.findUniqueOrThrow({ where: { code: "G-2" } });
    expect(g2).toMatchObject({ category: "procurement", budgetFen: 20_000_000n, dealFen: 19_000_050n, dealDay: 20180302, dealMonth: 201803, remoteEvaluation: false, hall: null, agent: null });
  });

  it("GBK/GB18030 from Excel on Chinese Windows: read as GB18030 and said so, Chinese names intact", async () => {
    await t.app.db.statsDeal.deleteMany();
    const body = iconv.encode(csv(...GOOD).replace(/\n/g, "\r\n"), "gb18030");
    expect(body.includes(Buffer.from("城关镇"))).toBe(false);
    expect(body.includes(Buffer.from([0xb3, 0xc7, 0xb9, 0xd8, 0xd5, 0xf2]))).toBe(true); // 城关镇 in GBK
    const res = await upload(body);
    expect(res.body).toMatchObject({ ok: true, data: { rows: 3, created: 3, encoding: "gb18030" } });
    expect(await t.app.db.statsDeal.findUniqueOrThrow({ where: { code: "G-1" } })).toMatchObject({ name: "城关镇道路工程", category: "engineering" });
    expect((await t.app.db.statsDeal.findUniqueOrThrow({ where: { code: "G-3" } })).name).toBe("闲置资产转让");
    expect((await upload(Buffer.from(`\uFEFF${csv(...GOOD)}`))).body.data).toMatchObject({ unchanged: 3, encoding: "utf-8-bom" });
    await t.app.db.statsDeal.deleteMany();
  });

  it("a re-import without the hall column keeps the halls already recorded", async () => {
    await upload([`${HEADER},hall`, `${GOOD[0]},第一开标厅`].join("\n"));
    expect((await t.app.db.statsDeal.findUniqueOrThrow({ where: { code: "G-1" } })).hall).toBe("第一开标厅");
    const res = await upload(csv(GOOD[0]!.replace("968800.00", "968000.00")));
    expect(res.body.data).toMatchObject({ created: 0, updated: 1 });
    expect(await t.app.db.statsDeal.findUniqueOrThrow({ where: { code: "G-1" } })).toMatchObject({ hall: "第一开标厅", dealFen: 96_800_000n });
    await t.app.db.statsDeal.deleteMany();
  });
});

describe("on a busy server", () => {
  it("imports run alongside each other and alongside other commands (the shared connection attaches when no transaction is open)", async () => {
    const file = (prefix: string) => csv(...Array.from({ length: 3000 }, (_, i) => `${prefix}-${i},项目 ${i},工程建设,${1000 + i}.00,,${900 + i}.00,2018-05-01,false`));
    const roomId = (await t.app.db.room.findFirstOrThrow()).id;
    const [a, b, ...others] = await Promise.all([
      upload(file("P")),
      upload(file("Q")),
      ...Array.from({ length: 10 }, (_, i) => t.api("POST", `/api/rooms/${roomId}/notice`, { token: admin, body: { notice: `通知 ${i}` } })),
      ...Array.from({ length: 5 }, (_, i) =>
        t.api("POST", "/api/stats/deals", { token: admin, body: { code: `M-${i}`, name: "手工", category: "land", dealFen: 100, dealDate: "2018-05-02" } }),
      ),
    ]);
    expect(a!.body).toMatchObject({ ok: true, data: { created: 3000 } });
    expect(b!.body).toMatchObject({ ok: true, data: { created: 3000 } });
    for (const o of others) expect(o.body).toMatchObject({ ok: true });
    expect(await t.app.db.statsDeal.count()).toBe(6005);
    if (t.config.databaseUrl.startsWith("file:")) {
      // (SQLite: nothing left attached; PostgreSQL merges through a temporary table)
      const attached = await t.app.db.$queryRawUnsafe<{ name: string }[]>("PRAGMA database_list");
      expect(attached.map((d) => d.name)).toEqual(["main"]);
    }
    await t.app.db.statsDeal.deleteMany();
  });
});
