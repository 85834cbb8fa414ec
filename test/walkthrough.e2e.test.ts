// The "one hall day" of docs/hall-day.md (一个开标评标日), done as a new user does it: in
// Chromium, through the pages only. The app starts as `npm start` starts it (the
// demo center with its content: expert pool, 2018 ledger, the open tender
// DEMO-GC-001); every person logs in through the login page; the only files
// from outside are the bidders' own (certificate and private key made by
// openssl, the .p7m copy they download). The one thing not clicked is time:
// the tender's deadline is three days away, so the test moves it into the past
// (passDeadline), as waiting would.
//
// The day: certificates registered on the bidder page, bids sealed in the
// browser and submitted, the opening run from the agent's console to the signed
// record with the projector following, the expert draw requested and revealed on
// the agent's page, the invitations accepted from the links on the outbox page
// (短信发件箱) with the last 4 characters of the ID number, the evaluation
// started, experts signing in at seven terminal screens with the codes from the
// outbox, the sheets, the signed report and the deal on 交易统计; the sample
// ledger's half-year (2018-01 … 2018-06) on 交易统计. Screenshots: test-artifacts/walkthrough/.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { startTestApp, type TestApp } from "./helpers/app";
import { browserSuiteEnabled, ensureClientBuilt, launch } from "./helpers/browser";
import { bidderKits, passDeadline, type BidderKit } from "./helpers/opening";
import { clickOption, field, loginInBrowser, shanghaiMinute, waitText, type Person } from "./helpers/hall-browser";
import { DEMO_PROJECT_CODE, DEMO_TEMPLATE, demoExperts } from "../server/seed/content";
import { verifyAudit } from "../server/audit/chain";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "walkthrough");
const PRICES = ["9650000.00", "9720000.50", "9588000.00"];
const FEN = [965_000_000, 972_000_050, 958_800_000];

interface Day {
  t: TestApp;
  browser: Browser;
  kits: BidderKit[];
  kitDir: string;
  bidders: Person[];
  agent: Person;
  projector: Page;
  lotId: string;
  envelopes: string[];
  opened: boolean;
  drawId: string;
  sessionId: string;
  admin: Person;
  /** The accepted experts as they know themselves: ID number and the room of their invitation. */
  experts: { residentId: string; room: "P01" | "Y01" }[];
  terminals: Page[];
  scored: boolean;
  reportSigned: boolean;
}
const day = { envelopes: [] as string[] } as Day;
const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
const text = (scope: Page | Locator) => scope.locator("body").innerText();
/** Clicks the first enabled button of that name once the page enables one (a name may match several, e.g. 结束解密 / 提前结束解密). */
async function press(page: Page, name: string | RegExp, timeout = 15_000): Promise<void> {
  const b = page.getByRole("button", { name }).and(page.locator("button:enabled")).first();
  await expect.poll(() => b.count(), { timeout }).toBeGreaterThan(0);
  await b.click();
}
/** Confirms an Element Plus message box if one opens (irreversible commands ask first). */
async function confirmIfAsked(page: Page): Promise<void> {
  const box = page.locator(".el-message-box:visible");
  if (await box.waitFor({ timeout: 1_500 }).then(() => true, () => false)) {
    await box.locator(".el-button--primary").click();
    await box.waitFor({ state: "hidden", timeout: 10_000 });
  }
}
/** The day is one story: a step whose predecessor failed fails too (saying so), it is never skipped. */
function need(ok: boolean): void {
  if (!ok) throw new Error("an earlier step of the day failed (see the first failure above)");
}
/** pdfsig's report on a downloaded PDF (poppler). */
const pdfsig = (file: string) => spawnSync("pdfsig", [file], { encoding: "utf8" }).stdout;
/** A link in the role's top navigation, clicked like a user does. */
const nav = (page: Page, label: string) => page.locator("nav a, .role-nav a").filter({ hasText: new RegExp(`^\\s*${label}\\s*$`) }).first().click();

describe.runIf(enabled)("one hall day (一个开标评标日), as docs/hall-day.md walks it, in Chromium", () => {
  beforeAll(async () => {
    const dist = ensureClientBuilt();
    // The demo `npm start` seeds on a fresh DATA_DIR: the center and its content.
    day.t = await startTestApp({ CLIENT_DIST: dist, LIVE_TICK_MS: "1000" }, { seed: "content" });
    // The invitation links point at this server (EXPERT_LINK_BASE; the test server's port is known only now).
    (day.t.app.ctx.config.experts as { linkBase: string }).linkBase = day.t.url;
    // Each bidder's own files: a private key and a certificate (not registered yet: that is done on the page).
    ({ dir: day.kitDir, kits: day.kits } = await bidderKits(day.t, ["bidder", "bidder2", "bidder3"], { register: false }));
    day.browser = await launch();
    mkdirSync(artifacts, { recursive: true });
  }, 120_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail" || !day.browser) return;
    if (ctx.task.result.errors?.some((e) => String(e.message).includes("an earlier step"))) return; // the first failure has its screenshots
    let n = 0;
    for (const c of day.browser.contexts()) for (const p of c.pages()) await p.screenshot({ path: join(artifacts, `failed-${ctx.task.name.slice(0, 24).replace(/\W+/g, "_")}-${n++}.png`) }).catch(() => undefined);
  });
  afterAll(async () => {
    await day.browser?.close();
    await day.t?.close();
  });

  it("bidders register their certificate, fill the 开标一览表 on DEMO-GC-001, seal in the browser, submit and keep the .p7m", async () => {
    const { t } = day;
    day.bidders = [];
    for (const [i, kit] of day.kits.entries()) {
      const p = await loginInBrowser(day.browser, t.url, kit.username);
      day.bidders.push(p);
      const page = p.page;
      await waitText(page, "尚未登记证书");
      await page.locator('input[type="file"][accept=".pem,.cer,.crt,.der"]').setInputFiles(kit.certFile);
      await press(page, "登记");
      await waitText(page, "证书已登记");
      if (i === 0) await shot(page, "01-bidder-home");
      // The open tender's row on the home page leads to the lot.
      await page.getByRole("row", { name: new RegExp(DEMO_PROJECT_CODE) }).getByRole("link").click();
      await page.waitForURL(/\/bidder\/lots\/[0-9a-f-]{36}$/);
      day.lotId ??= page.url().split("/").pop()!;
      await waitText(page, "递交投标文件");
      await field(page, "投标报价").fill(PRICES[i]!);
      for (const [label, value] of [["工期", "180"], ["质量标准", "合格"], ["项目经理", `项目经理${i + 1}`]] as const) {
        const input = field(page, label);
        if (await input.count()) await input.fill(value);
      }
      await page.locator('.bid-submit input[type="file"][multiple]').setInputFiles({ name: "施工组织设计.pdf", mimeType: "application/pdf", buffer: Buffer.from(`%PDF-1.4 bidder ${i + 1}`) });
      await press(page, "加密并递交");
      await waitText(page, "投标文件已递交", 30_000);
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "下载 .p7m 副本" }).click()]);
      const file = join(day.kitDir, `${kit.username}.p7m`);
      await download.saveAs(file);
      day.envelopes.push(file);
      if (i === 0) await shot(page, "02-bidder-submitted");
    }
    const bids = await t.app.db.bid.findMany({ where: { lotId: day.lotId, status: "sealed" } });
    expect(bids).toHaveLength(3);
    const { createHash } = await import("node:crypto");
    const { readFileSync } = await import("node:fs");
    expect(new Set(bids.map((b) => b.sha256))).toEqual(new Set(day.envelopes.map((f) => createHash("sha256").update(readFileSync(f)).digest("hex"))));
  }, 120_000);

  it("the opening: console stages, bidders decrypt with their own key, 唱标 on the projector, draw, confirmations, signed record", async () => {
    need(day.envelopes.length === 3);
    const { t } = day;
    // The projector's link is the one `npm start` prints (K01-PJ 开标厅投影).
    day.projector = await day.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await day.projector.goto(`${t.url}/screen#key=${t.devices.find((d) => d.code === "K01-PJ")!.key}`);
    await waitText(day.projector, "第一开标厅");
    await passDeadline(t, day.lotId); // time: the deadline (09:30 in three days) is now behind us

    day.agent = await loginInBrowser(day.browser, t.url, "agent");
    const agent = day.agent.page;
    await nav(agent, "项目与开标");
    await agent.getByRole("link", { name: /开标控制台/ }).first().click();
    await agent.waitForURL(new RegExp(`/agent/openings/${day.lotId}$`));
    const command = async (name: string | RegExp) => {
      await press(agent, name);
      await confirmIfAsked(agent);
    };
    await command("开始开标");
    await waitText(day.projector, "演示县滨江大道道路改造工程");
    await shot(agent, "03-console-open");

    for (const [i, p] of day.bidders.entries()) {
      await p.page.reload();
      await press(p.page, i === 0 ? "现场签到" : "在线签到");
      await p.page.getByRole("button", { name: "现场签到" }).waitFor({ state: "detached", timeout: 15_000 });
    }
    await command("公布投标人");
    await command("开始解密");
    await waitText(day.projector, "解密");
    for (const [i, p] of day.bidders.entries()) {
      const page = p.page;
      await page.getByText("PEM 私钥").click();
      const inputs = page.locator('.key-recovery input[type="file"]');
      await inputs.nth(0).setInputFiles(day.envelopes[i]!);
      writeFileSync(join(day.kitDir, `${day.kits[i]!.username}.key.pem`), day.kits[i]!.keyPem);
      await inputs.nth(1).setInputFiles(day.kits[i]!.keyFile);
      await press(page, "在本机恢复密钥并解密");
      await waitText(page, "您的投标文件已解密，解密结束后统一唱标。", 30_000);
      if (i === 0) await shot(page, "04-bidder-decrypted");
    }
    // While the window is open, no price on the projector.
    const during = await text(day.projector);
    for (const p of ["9,650,000.00", "9,720,000.50", "9,588,000.00"]) expect(during).not.toContain(p);
    await shot(day.projector, "05-projector-decrypting");

    await command(/^\s*(提前)?结束解密\s*$/); // every bid is decrypted: the window may end early
    await expect.poll(async () => (await text(day.projector)).includes("9,650,000.00"), { timeout: 15_000 }).toBe(true); // 唱标
    await shot(day.projector, "06-projector-announcement");
    const decrypted = await t.app.db.bid.findMany({ where: { lotId: day.lotId, status: "decrypted" } });
    expect(decrypted.map((b) => JSON.parse(b.summary!).priceFen).sort()).toEqual([...FEN].sort());

    // DEMO-GC-001 has no random draw (无随机抽取): from 唱标 straight to the confirmations.
    await command("发起结果确认");
    for (const p of day.bidders) {
      await press(p.page, "确认无误");
      await p.page.getByRole("button", { name: "确认无误" }).waitFor({ state: "detached", timeout: 15_000 });
    }
    await command("结束开标并出具记录");
    await expect.poll(async () => (await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId: day.lotId } })).stage, { timeout: 20_000 }).toBe("closed");
    await shot(agent, "07-console-closed");
    await shot(day.projector, "08-projector-closed");
    const record = await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId: day.lotId } });
    expect(record.drawResult).toBeNull();
    // The record as the agent downloads it: a PDF signed by the platform.
    const [pdf] = await Promise.all([agent.waitForEvent("download"), agent.getByRole("button", { name: "下载开标记录表（PDF）" }).click()]);
    const pdfFile = join(day.kitDir, "opening-record.pdf");
    await pdf.saveAs(pdfFile);
    expect(pdfsig(pdfFile)).toMatch(/Signature #1/);
    // The bidders' part of the day is over: their windows close (fewer pages for a loaded machine).
    for (const p of day.bidders) await p.context.close();
    await day.projector.close();
    day.opened = true;
  }, 240_000);

  it("the agent requests the expert draw for P01 + Y01 on its page and reveals it; no name is shown", async () => {
    need(day.opened);
    const page = day.agent.page;
    await nav(page, "专家抽取");
    await page.locator('[data-test="new-draw"]').click();
    const choose = async (sel: string, option: string | RegExp) => {
      await page.locator(sel).click();
      await clickOption(page, option);
    };
    const inputOf = (name: string) => page.locator(`[data-test="${name}"] input, input[data-test="${name}"]`).first();
    const count = async (name: string, n: number) => {
      await inputOf(name).fill(String(n));
      await inputOf(name).press("Tab");
    };
    await choose('[data-test="project"]', DEMO_PROJECT_CODE);
    await inputOf("evaluation-at").fill(shanghaiMinute(new Date(Date.now() + 2 * 3_600_000)));
    // 第一评标室: 3 房屋建筑 + 2 造价; 异地评标室: 2 市政.
    await choose('[data-test="room-0"]', "第一评标室");
    await choose('[data-test="specialty-0-0"]', /^A010101 /);
    await count("count-0-0", 3);
    await page.locator('[data-test="site-0"]').getByRole("button", { name: /添加/ }).click();
    await choose('[data-test="specialty-0-1"]', /^A0401 /);
    await count("count-0-1", 2);
    await page.getByRole("button", { name: /添加副场|添加评标场地/ }).click();
    await choose('[data-test="room-1"]', "异地评标室");
    await choose('[data-test="specialty-1-0"]', /^A0102 /);
    await count("count-1-0", 2);
    await shot(page, "09-draw-form");
    await page.locator('[data-test="submit-draw"]').click();
    await page.waitForURL(/\/agent\/experts\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    day.drawId = page.url().split("/").pop()!;
    await page.locator('[data-test="reveal"]').click();
    await expect.poll(async () => (await day.t.app.db.expertDraw.findUniqueOrThrow({ where: { id: day.drawId } })).status, { timeout: 15_000 }).toBe("drawn");
    await page.locator('[data-test="draw-status"]').getByText("已抽取").waitFor({ timeout: 15_000 });
    await shot(page, "10-draw-revealed");
    const shown = await text(page);
    for (const e of demoExperts()) expect(shown).not.toContain(e.name);
    // The committee's rule in the reader's language (the server sends its basis, the page words it).
    expect(shown).toContain("规则：不少于 5 人（招标投标法第三十七条）");
    expect(shown).not.toMatch(/at least|art\. 37/);
    expect(await day.t.app.db.expertPick.count({ where: { drawId: day.drawId, kind: { not: "backup" } } })).toBe(7);
  }, 120_000);

  // ── The invitations, from 短信发件箱 ──
  it("admin opens 短信发件箱; each expert opens the link and accepts with the last 4 characters of the ID number", async () => {
    need(!!day.drawId);
    day.admin = await loginInBrowser(day.browser, day.t.url, "admin", { width: 1600, height: 1000 });
    const page = day.admin.page;
    await nav(page, "短信发件箱");
    const rows = page.locator(`[data-test="outbox-row"][data-kind="invitation"][data-project="${DEMO_PROJECT_CODE}"]`);
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(7);
    await shot(page, "12-outbox-invitations");
    day.experts = [];
    for (let i = 0; i < 7; i++) {
      const row = rows.nth(i);
      const link = (await row.locator('[data-test="outbox-link"]').getAttribute("href"))!;
      const residentId = (await row.locator('[data-test="outbox-demo-id"]').innerText()).trim();
      const room = (await row.innerText()).includes("异地评标室") ? "Y01" : "P01";
      // The expert's own phone: a browser without any login.
      const phone = await day.browser.newContext({ viewport: { width: 420, height: 860 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
      const inv = await phone.newPage();
      // The link carries EXPERT_LINK_BASE (the center's public address); this test's server listens on a port of its own.
      const u = new URL(link);
      await inv.goto(`${day.t.url}${u.pathname}${u.hash}`);
      await inv.locator('[data-test="invite-project"]').getByText(DEMO_PROJECT_CODE).waitFor({ timeout: 15_000 });
      await inv.locator('[data-test="invite-id-last4"] input, input[data-test="invite-id-last4"]').first().fill(residentId.slice(-4));
      await inv.locator('[data-test="accept"]').click();
      await waitText(inv, "您已接受邀请");
      if (i === 0) await shot(inv, "13-invitation-accepted");
      await phone.close();
      day.experts.push({ residentId, room });
    }
    expect(await day.t.app.db.expertPick.count({ where: { drawId: day.drawId, state: "accepted" } })).toBe(7);
  }, 180_000);

  it("the agent starts the evaluation of DEMO-GC-001 from its page (评标 → 发起评标)", async () => {
    need(!!day.drawId);
    const page = day.agent.page;
    await nav(page, "评标");
    await page.locator('[data-test="pick-lot"]').click();
    await clickOption(page, `${DEMO_PROJECT_CODE}-01`);
    await page.locator('[data-test="pick-draw"]').getByText(/\/ 7/).waitFor({ timeout: 15_000 });
    await press(page, "发起评标");
    await confirmIfAsked(page); // before the scheduled time (and, without the outbox, before anyone accepted) it asks first
    await page.waitForURL(/\/agent\/evaluations\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    day.sessionId = page.url().split("/").pop()!;
    await waitText(page, "专家签到");
    // What blocks the next step, in Chinese only.
    await page.locator('[data-test="blockers"]').getByText("未签到席位：1、2、3、4、5、6、7").waitFor({ timeout: 15_000 });
    expect(await text(page)).not.toContain("not signed in");
    await shot(page, "14-evaluation-console");
    const session = await day.t.app.db.evalSession.findUniqueOrThrow({ where: { id: day.sessionId } });
    expect(session).toMatchObject({ lotId: day.lotId, status: "running" });
  }, 60_000);

  // ── The terminals, the sheets, the report, the deal ──
  /** The newest sign-in code in 短信发件箱 for this ID number. */
  async function codeFor(residentId: string): Promise<string> {
    const page = day.admin.page;
    const row = page.locator('[data-test="outbox-row"][data-kind="sign-in-code"]').filter({ has: page.locator('[data-test="outbox-demo-id"]', { hasText: residentId }) }).first();
    await expect
      .poll(async () => {
        await page.locator('[data-test="outbox-refresh"]').click();
        return row.count();
      }, { timeout: 20_000 })
      .toBeGreaterThan(0);
    return (await row.locator('[data-test="outbox-code"]').innerText()).trim();
  }
  /** The agent moves every site on: 进入下一环节：<step>. */
  const advanceTo = (step: string) => press(day.agent.page, `进入下一环节：${step}`, 30_000);

  it("experts sign in at the terminal screens with their ID number and the code from 短信发件箱", async () => {
    need(!!day.sessionId && day.experts?.length === 7);
    const seats = { P01: 0, Y01: 0 };
    day.terminals = [];
    for (const e of day.experts) {
      const device = `${e.room}-ET${++seats[e.room]}`;
      const tctx = await day.browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
      tctx.setDefaultTimeout(90_000); // seven terminal screens at once: slow on a loaded machine
      tctx.setDefaultNavigationTimeout(90_000);
      const tp = await tctx.newPage();
      // The terminal's screen (/screen with its device key): sign-in, then the evaluation on the same page.
      await tp.goto(`${day.t.url}/screen#key=${day.t.devices.find((d) => d.code === device)!.key}`);
      const id = tp.locator('[data-test="resident-id"] input, input[data-test="resident-id"]').first();
      await id.waitFor({ timeout: 60_000 });
      await id.fill(e.residentId);
      await tp.locator('[data-test="get-code"]').click();
      await tp.locator('[data-test="code"] input, input[data-test="code"]').first().fill(await codeFor(e.residentId));
      await tp.locator('[data-test="sign-in"]').click();
      await tp.locator('[data-test="terminal-me"]').waitFor({ timeout: 60_000 });
      if (day.terminals.length === 0) await shot(tp, "15-terminal-signed-in");
      day.terminals.push(tp);
    }
  }, 600_000);

  it("pledge, conflicts, chair, qualification and scoring at every terminal; the agent moves the steps on", async () => {
    need(day.terminals?.length === 7);
    await advanceTo("廉洁承诺");
    for (const tp of day.terminals) {
      await tp.locator('[data-test="pledge"]').click();
      await tp.getByText("已承诺").first().waitFor({ timeout: 15_000 });
    }
    await advanceTo("回避申报");
    for (const tp of day.terminals) {
      await tp.locator('[data-test="declare"]').click();
      await tp.getByText("已申报").first().waitFor({ timeout: 15_000 });
    }
    await advanceTo("推选组长");
    for (const tp of day.terminals) {
      await tp.locator(".cands .el-radio").first().click();
      await tp.locator('[data-test="vote"]').click();
      await tp.getByText(/您已投票|当选组长/).first().waitFor({ timeout: 15_000 }); // the last vote elects at once
    }
    await advanceTo("资格审查");
    for (const tp of day.terminals) {
      const sheet = tp.locator('[data-test="qualification-sheet"]');
      await sheet.waitFor({ timeout: 20_000 });
      const passes = sheet.locator('[data-test^="pass-"]');
      for (let i = 0; i < (await passes.count()); i++) await passes.nth(i).click();
      await tp.locator('[data-test="submit-qualification"]').click();
      await tp.getByText(/已提交（第 1 版/).first().waitFor({ timeout: 15_000 });
    }
    await advanceTo("详细评审");
    // The same fair scores from everyone (no outlier): 80 % of each criterion's maximum, a point less per bidder.
    const max = new Map(DEMO_TEMPLATE.criteria.map((c) => [c.key, Number(c.max)]));
    for (const tp of day.terminals) {
      const sheet = tp.locator('[data-test="scoring-sheet"]');
      await sheet.waitFor({ timeout: 20_000 });
      const cells = sheet.locator('input[data-test^="score-"], [data-test^="score-"] input');
      const companies: string[] = [];
      for (let i = 0; i < (await cells.count()); i++) {
        const cell = cells.nth(i);
        const tag = (await cell.getAttribute("data-test")) ?? (await cell.locator("xpath=ancestor::*[starts-with(@data-test,'score-')][1]").getAttribute("data-test"))!;
        const key = DEMO_TEMPLATE.criteria.map((c) => c.key).find((k) => tag.endsWith(`-${k}`))!;
        const company = tag.slice("score-".length, -(key.length + 1));
        if (!companies.includes(company)) companies.push(company);
        await cell.fill(String(Math.round(max.get(key)! * 0.8) - companies.indexOf(company)));
      }
      await tp.locator('[data-test="submit-scoring"]').click();
      await tp.getByText(/已提交（第 1 版/).first().waitFor({ timeout: 15_000 });
    }
    await shot(day.terminals[0]!, "16-terminal-scoring");
    for (const step of ["价格分计算", "汇总排序", "推荐中标候选人", "评标报告签字"]) await advanceTo(step);
    // Entering 评标报告签字 records the deal (the first candidate) in the ledger.
    await expect.poll(() => day.t.app.db.statsDeal.count({ where: { lotId: day.lotId } }), { timeout: 30_000 }).toBe(1);
    day.scored = true;
  }, 600_000);

  it("every member signs the report at the terminal; the platform signs; the agent downloads it", async () => {
    need(day.scored);
    for (const tp of day.terminals) {
      await tp.locator('[data-test="sign-report"]').click();
      await tp.getByText(/签字成功/).first().waitFor({ timeout: 30_000 });
    }
    await shot(day.terminals[0]!, "17-terminal-signed");
    const page = day.agent.page;
    await waitText(page, "评标已结束", 30_000);
    const [pdf] = await Promise.all([page.waitForEvent("download"), press(page, "下载评标报告（PDF）")]);
    const file = join(day.kitDir, "evaluation-report.pdf");
    await pdf.saveAs(file);
    expect(pdfsig(file)).toMatch(/Signature #1/);
    await shot(page, "18-evaluation-closed");
    // The price score's method and inputs in Chinese (the server sends codes and names).
    const closed = await text(page);
    expect(closed).toContain("低价优先（财政部令第87号）");
    expect(closed).toContain("价格权重 = 0.30");
    expect(closed).not.toMatch(/lowest-price-base|\bweight =|\bbids =/);
    day.reportSigned = true;
    for (const tp of day.terminals) await tp.context().close();
  }, 300_000);

  it("交易统计 shows the deal just made (this half-year, the page's default)", async () => {
    need(day.reportSigned);
    const page = day.admin.page;
    await nav(page, "交易统计");
    await page.getByText(DEMO_PROJECT_CODE).first().waitFor({ timeout: 20_000 });
    await shot(page, "19-statistics-deal");
  }, 60_000);

  it("交易统计 shows the 2018 half-year to a supervisor", async () => {
    const sup = await loginInBrowser(day.browser, day.t.url, "supervisor", { width: 1600, height: 1000 });
    await nav(sup.page, "交易统计");
    await sup.page.waitForURL(/\/stats$/);
    const dates = sup.page.locator('.filters input[type="date"]');
    await dates.nth(0).fill("2018-01-01");
    await dates.nth(1).fill("2018-06-30");
    await press(sup.page, "查询");
    // The county report's totals (万元): 67 deals (12 remote), 25003.87 成交, 23764.47 预算, 节资率 3.04 %, 溢价率 32.07 %.
    const total = sup.page.locator("tr", { hasText: "合计" }).first();
    await total.waitFor({ timeout: 60_000 });
    expect((await total.innerText()).split(/\s+/).filter(Boolean)).toEqual(["合计", "67（12）", "25003.87", "23764.47", "723.35", "3.04", "67.50", "21.65", "32.07"]);
    await shot(sup.page, "11-statistics-2018");
    await sup.context.close();
    expect(await verifyAudit(day.t.app.db)).toMatchObject({ ok: true });
  }, 180_000);
});
