// The experts pages in a real browser (playwright-core + Debian's Chromium),
// with real data: the administrator browses the pool (ID numbers masked),
// opens an expert, imports a file with a bad row (the report by line) and sees
// the specialty tree; the agent fills the draw request — first one the pool
// cannot fill (the site, the specialty, the shortfall and the exclusion that
// removed the most are shown), then a good one — and follows the live draw
// (seed hash, then the draw; counts and states only, no names; a decline shows
// the replacement 补抽); the supervisor sees the commitment and the revealed
// seed, the exclusions and the masked audit, and the fairness page; an invited
// expert accepts through /invite#t=…; the expert signs in at a terminal
// (/expert-terminal) and only then the name appears on the agent's page.
// Screenshots go to test-artifacts/experts/ (git-ignored).
// The client must be built (CI builds it; EXPERTS_E2E_DIST may point at another build).
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import iconv from "iconv-lite";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestApp, until, type TestApp } from "./helpers/app";
import { browserSuiteEnabled, ensureClientBuilt, launch } from "./helpers/browser";
import { loginInBrowser, shanghaiMinute, waitText, type Person } from "./helpers/hall-browser";
import { createLot } from "./helpers/opening";
import { fakeBid, idLast4For, makeExperts, seedPool } from "./helpers/experts";
import { RecordingNotifier } from "../server/experts/notifier";
import { CSV_HEADER, csvLine, type SynthExpert } from "../server/experts/synth";
import { residentIdCheckChar } from "@contracts/ids";

/** Distinct ID numbers across groups: re-numbered by position (as experts-flow does). */
const renumber = (list: SynthExpert[], from: number) =>
  list.map((e, k) => {
    const i = from + k;
    const first17 = `${e.regionCode}1970${String(1 + (i % 12)).padStart(2, "0")}${String(1 + (i % 28)).padStart(2, "0")}${String(i % 1000).padStart(3, "0")}`;
    return { ...e, residentId: first17 + residentIdCheckChar(first17)! };
  });

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "experts");

let t: TestApp;
let browser: Browser;
const rec = new RecordingNotifier();
let pool: SynthExpert[];
let ids: Map<string, number>;
let projectCode: string;
let agent: Person;
let drawId: string;
const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
const bodyText = (page: Page) => page.locator("body").innerText();
/** The <input> of an Element Plus input carrying data-test (on the input itself or on its wrapper). */
const inputOf = (name: string) => `input[data-test="${name}"], [data-test="${name}"] input`;
const invitations = () => rec.messages.filter((m) => m.kind === "invitation");

describe.runIf(enabled)("the experts pages in Chromium", () => {
  beforeAll(async () => {
    const dist = process.env.EXPERTS_E2E_DIST ?? ensureClientBuilt();
    t = await startTestApp({ CLIENT_DIST: dist });
    t.app.ctx.experts.notifier = rec;
    browser = await launch();
    mkdirSync(artifacts, { recursive: true });
    const a = await t.login("agent");
    const project = await createLot(t, a.token);
    projectCode = project.code;
    const bidder = await t.app.db.company.findFirstOrThrow({ where: { name: "华建集团有限公司" } });
    await fakeBid(t, project.lots[0]!.id, bidder.id);
    // 30 building experts (4 work for the bidder), 12 cost engineers.
    pool = renumber(
      [
        ...makeExperts(30, ["A010101"], { seed: 31 }).map((e, i) => (i < 4 ? { ...e, employerCreditCode: bidder.creditCode, employerName: bidder.name } : e)),
        ...makeExperts(12, ["A0401"], { seed: 32 }),
      ],
      0,
    );
    ids = await seedPool(t, pool);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("admin: the pool with masked ID numbers, an expert's details, an import with a bad row, the specialty tree", async () => {
    const admin = await loginInBrowser(browser, t.url, "admin");
    const page = admin.page;
    await page.goto(`${t.url}/admin/experts`);
    const first = await t.app.db.expert.findFirstOrThrow({ orderBy: { id: "asc" } });
    await waitText(page, first.idMasked);
    const text = await bodyText(page);
    expect(text).toContain("专家库");
    for (const e of pool.slice(0, 10)) expect(text).not.toContain(e.residentId);
    await shot(page, "admin-pool");
    await page.locator(".el-table__row", { hasText: first.idMasked }).getByRole("button", { name: "编辑" }).click();
    await waitText(page, "请假期间");
    await waitText(page, "抽取与参评记录");
    await page.keyboard.press("Escape");

    await page.goto(`${t.url}/admin/experts/import`);
    await waitText(page, "批量导入专家");
    const good = renumber(makeExperts(3, ["A0402"], { seed: 33, cities: [7] }), 500);
    const file = join(t.dir, "import.csv");
    writeFileSync(file, [CSV_HEADER, ...good.map(csvLine), csvLine({ ...good[0]!, residentId: good[0]!.residentId.slice(0, 17) + (good[0]!.residentId.endsWith("1") ? "2" : "1") })].join("\n") + "\n");
    await page.locator('[data-test="import-file"]').setInputFiles(file);
    await page.getByRole("button", { name: "开始导入" }).click();
    await waitText(page, "逐行错误");
    const report = await bodyText(page);
    // Refused (422 IMPORT_REJECTED): the Chinese reason and the table of bad rows; no error code shown.
    expect(report).toContain("文件中有错误的行，未导入任何数据");
    expect(report).not.toMatch(/IMPORT_REJECTED|[A-Z]{2,}_[A-Z_]+/);
    expect(await page.locator(".errors .el-table__row").count()).toBe(1);
    await shot(page, "admin-import-errors");
    expect(await t.app.db.expert.count()).toBe(pool.length);

    // The same good rows saved by Excel on Chinese Windows (GBK): imported, and the page says how it was read.
    const gbkFile = join(t.dir, "import-gbk.csv");
    writeFileSync(gbkFile, iconv.encode([CSV_HEADER, ...good.map(csvLine)].join("\r\n") + "\r\n", "gb18030"));
    await page.locator('[data-test="import-file"]').setInputFiles(gbkFile);
    await page.getByRole("button", { name: "开始导入" }).click();
    await waitText(page, "按 GB18030（GBK） 编码读取");
    expect(await bodyText(page)).toMatch(/共 3 行：导入 3 行，错误 0 行/);
    await shot(page, "admin-import-gbk");
    expect(await t.app.db.expert.count()).toBe(pool.length + 3);

    // Bytes that are no text, and a file that is not a workbook sent as .xlsx: the Chinese reason, no code.
    const junk = join(t.dir, "junk.csv");
    writeFileSync(junk, randomBytes(4096));
    await page.locator('[data-test="import-file"]').setInputFiles(junk);
    await page.getByRole("button", { name: "开始导入" }).click();
    await waitText(page, "文件既不是 UTF-8 也不是 GB18030（GBK）编码的文本");
    const notXlsx = join(t.dir, "not-really.xlsx");
    writeFileSync(notXlsx, "姓名,身份证号\n");
    await page.locator('[data-test="import-file"]').setInputFiles(notXlsx);
    await page.getByRole("button", { name: "开始导入" }).click();
    await waitText(page, "文件不是有效的 Excel（.xlsx）文件");
    expect(await bodyText(page)).not.toMatch(/[A-Z]{2,}_[A-Z_]+/);
    await shot(page, "admin-import-not-xlsx");
    expect(await t.app.db.expert.count()).toBe(pool.length + 3);

    await page.goto(`${t.url}/admin/experts/specialties`);
    await waitText(page, "A010101 建筑工程技术（30）");
    await shot(page, "admin-specialties");
    await admin.context.close();
  }, 120_000);

  it("agent: a request the pool cannot fill says where and why; a good one commits, is drawn, and shows no names", async () => {
    agent = await loginInBrowser(browser, t.url, "agent");
    const page = agent.page;
    await page.goto(`${t.url}/agent/experts`);
    await page.locator('[data-test="new-draw"]').click();
    const choose = async (sel: string, option: string | RegExp) => {
      await page.locator(sel).click();
      await page.locator(".el-select-dropdown__item:visible", { hasText: option }).first().click();
    };
    await choose('[data-test="project"]', projectCode);
    await page.locator(inputOf("evaluation-at")).fill(shanghaiMinute(new Date(Date.now() + 3 * 3_600_000)));
    await choose('[data-test="room-0"]', "第一评标室");
    await choose('[data-test="specialty-0-0"]', "A010101 建筑工程技术");
    // 27 wanted: 26 are eligible (4 work for the bidder).
    const count = page.locator(inputOf("count-0-0"));
    await count.fill("27");
    await count.press("Tab");
    await page.locator('[data-test="submit-draw"]').click();
    await waitText(page, "专家库无法满足本次抽取");
    const short = await page.locator('[data-test="pool-short"]').innerText();
    expect(short).toContain("A010101 建筑工程技术");
    expect(short).toContain("缺 1 人");
    expect(short).toContain("回避最多的原因：投标人单位（4 人）");
    await shot(page, "agent-pool-short");

    // 4 members: committee rules (at least 5, an odd number) refused, shown as such.
    await count.fill("4");
    await count.press("Tab");
    await page.locator('[data-test="submit-draw"]').click();
    await waitText(page, "不符合评标委员会组成规则");
    expect(await bodyText(page)).not.toContain("must be an odd number"); // the server's English detail stays off a zh-CN page
    expect(await t.app.db.expertDraw.count()).toBe(0);

    await count.fill("5");
    await count.press("Tab");
    await page.locator('[data-test="submit-draw"]').click();
    await page.waitForURL(/\/agent\/experts\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    drawId = page.url().split("/").pop()!;
    const draw = await t.app.db.expertDraw.findUniqueOrThrow({ where: { id: drawId } });
    await waitText(page, draw.seedHash);
    await waitText(page, "已承诺（待抽取）");
    await page.locator('[data-test="reveal"]').click();
    await waitText(page, "已通知待答复");
    await until(async () => (await t.app.db.expertDraw.findUniqueOrThrow({ where: { id: drawId } })).status === "drawn", 5000, "drawn");
    const seed = (await t.app.db.expertDraw.findUniqueOrThrow({ where: { id: drawId } })).seed!;
    await waitText(page, seed);
    const text = await bodyText(page);
    for (const e of pool) expect(text).not.toContain(e.name);
    expect(text).toContain("需要 5 人");
    await shot(page, "agent-draw-live");

    // A decline by link: no backups, so a replacement (补抽) is drawn and shown.
    await until(() => invitations().length === 5, 5000, "5 invitations");
    const res = await t.api("POST", "/api/expert-invitations/answer", { body: { token: invitations()[0]!.token, decision: "decline", idLast4: idLast4For(pool, invitations()[0]!.to) } });
    expect(res.body.ok).toBe(true);
    await waitText(page, "补抽");
    await waitText(page, "替第 1 席");
  }, 120_000);

  it("supervisor: the commitment and the revealed seed, exclusions, the masked audit; the fairness page", async () => {
    const sup = await loginInBrowser(browser, t.url, "supervisor");
    const page = sup.page;
    await page.goto(`${t.url}/supervisor/experts/${drawId}`);
    const draw = await t.app.db.expertDraw.findUniqueOrThrow({ where: { id: drawId } });
    await waitText(page, draw.seedHash);
    await waitText(page, draw.seed!);
    await waitText(page, "回避记录");
    expect(await page.locator('[data-test="exclusions"]').innerText()).toContain("投标人单位");
    await page.locator('[data-test="load-audit"]').click();
    await waitText(page, "experts.requestDraw");
    const audit = await page.locator('[data-test="audit-picks"]').innerText();
    expect(audit).toMatch(/\d{4}\*{10}[\dX]{4}/);
    for (const e of pool) expect(audit).not.toContain(e.name);
    await shot(page, "supervisor-monitor");

    await page.goto(`${t.url}/experts/fairness`);
    await waitText(page, "基尼系数");
    const figures = await page.locator('[data-test="fairness-figures"]').innerText();
    expect(figures).toContain("在库正常专家");
    expect(figures).toContain(String(await t.app.db.expert.count({ where: { status: "active" } })));
    await shot(page, "supervisor-fairness");
    await sup.context.close();
  }, 90_000);

  it("an invited expert accepts through /invite#t=…; signs in at the terminal; the name then shows on the agent's page", async () => {
    const waiting = invitations().filter((m) => m.pickId !== invitations()[0]!.pickId);
    const inv = waiting[0]!;
    const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai", viewport: { width: 420, height: 860 } });
    const phone = await context.newPage();
    await phone.goto(`${t.url}/invite#t=${inv.token}`);
    await waitText(phone, projectCode);
    // The link alone cannot answer: the last 4 of the ID number are asked, and a wrong one is refused in words.
    expect(await phone.locator('[data-test="accept"]').isDisabled()).toBe(true);
    const last4 = idLast4For(pool, inv.to);
    await phone.locator(inputOf("invite-id-last4")).fill(last4 === "1234" ? "4321" : "1234");
    await phone.locator('[data-test="accept"]').click();
    await waitText(phone, "身份证号后 4 位不符");
    expect((await t.app.db.expertPick.findUniqueOrThrow({ where: { id: inv.pickId } })).state).toBe("notified");
    await phone.locator(inputOf("invite-id-last4")).fill(last4);
    await phone.locator('[data-test="accept"]').click();
    await waitText(phone, "您已接受邀请");
    await shot(phone, "invite-accepted");
    await context.close();

    const pick = await t.app.db.expertPick.findUniqueOrThrow({ where: { id: inv.pickId } });
    expect(pick.state).toBe("accepted");
    const expert = pool.find((e) => ids.get(e.residentId) === pick.expertId)!;
    const terminalContext = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai", viewport: { width: 1280, height: 800 } });
    const terminal = await terminalContext.newPage();
    await terminal.goto(`${t.url}/expert-terminal#key=${t.devices.find((d) => d.code === "P01-ET1")!.key}`);
    await waitText(terminal, "评标专家签到");
    await terminal.locator(inputOf("resident-id")).fill(expert.residentId);
    await terminal.locator('[data-test="get-code"]').click();
    await waitText(terminal, "验证码已发送至");
    const code = rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!;
    await terminal.locator(inputOf("code")).fill(code);
    await terminal.locator('[data-test="sign-in"]').click();
    await waitText(terminal, `${expert.name}，您好`);
    await shot(terminal, "terminal-signed-in");
    await terminalContext.close();

    await waitText(agent.page, expert.name);
    const text = await bodyText(agent.page);
    for (const e of pool) if (e !== expert) expect(text).not.toContain(e.name);
    await shot(agent.page, "agent-draw-signed-in");
  }, 90_000);
});
