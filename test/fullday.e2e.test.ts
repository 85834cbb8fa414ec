// A full hall day in a real browser (playwright-core driving Debian's Chromium):
// the agent creates a project through the project form; three bidders, each in
// their own browser context, fill the 开标一览表, seal in the browser (CMS to
// their certificate and the escrow certificate), submit and keep the .p7m copy;
// the projector (device key) follows the opening by itself; the agent drives
// the stages from the console; the bidders sign in and decrypt in the browser
// (content key recovered from the .p7m and their PEM private key, only the key
// is sent); announcement, draw, confirmations; the opening closes.
// Screenshots of the projector, the monitoring wall and the statistics page go
// to test-artifacts/fullday/ (git-ignored).
//
// Then the evaluation half: the agent draws a committee over two sites on its
// experts page (5 in 第一评标室, 2 in the off-site room of the neighbouring
// city) and reveals it; the invited experts accept; the agent starts the
// evaluation from its page (default template); one expert at each site works in
// a browser terminal (sign-in with ID number and one-time code, pledge,
// conflicts, chair vote, qualification and scoring sheets, report signed with
// the terminal's own WebCrypto key), the other five over sockets; the platform
// signs; the statistics page shows the deal.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { residentIdCheckChar } from "@contracts/ids";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { idLast4For, makeExperts, seedPool } from "./helpers/experts";
import { expertKey } from "./helpers/evaluation";
import { RecordingNotifier } from "../server/experts/notifier";
import type { SynthExpert } from "../server/experts/synth";
import { browserSuiteEnabled, ensureClientBuilt, launch } from "./helpers/browser";
import { bidderKits, passDeadline, type BidderKit } from "./helpers/opening";
import { clickOption, field, loginInBrowser, pick, shanghaiMinute, typeDate, waitText, type Person } from "./helpers/hall-browser";
import { verifyAudit } from "../server/audit/chain";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "fullday");
const PRICES = ["9650000.00", "9720000.50", "9588000.00"];
const FEN = [965_000_000, 972_000_050, 958_800_000];

interface Day {
  t: TestApp;
  browser: Browser;
  kits: BidderKit[];
  kitDir: string;
  agent: Person;
  bidders: Person[];
  projector: Page;
  wall: Page;
  projectCode: string;
  projectId: string;
  lotId: string;
  envelopes: string[];
  rec: RecordingNotifier;
  pool: SynthExpert[];
  ids: Map<string, number>;
  drawId: string;
  sessionId: string;
  /** One browser terminal per site (P01-ET1, Y01-ET1); the other members over sockets. */
  terminals: { page: Page; residentId: string; name: string }[];
  socketMembers: { socket: TestSocket; residentId: string; memberId: string; key: ReturnType<typeof expertKey> }[];
}
const day = {} as Day;

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`) });

describe.runIf(enabled)("a full hall day in Chromium", () => {
  beforeAll(async () => {
    const dist = ensureClientBuilt();
    day.t = await startTestApp({ CLIENT_DIST: dist, LIVE_TICK_MS: "1000" });
    ({ dir: day.kitDir, kits: day.kits } = await bidderKits(day.t)); // certificates registered for the three companies
    day.browser = await launch();
    mkdirSync(artifacts, { recursive: true });
    day.envelopes = [];
    day.rec = new RecordingNotifier();
    day.t.app.ctx.experts.notifier = day.rec;
    // The expert pool: 14 building experts here (city 05), 6 highway experts in the neighbouring city (06).
    const here = makeExperts(14, ["A010101"], { seed: 31, cities: [5] });
    const there = makeExperts(6, ["A0104"], { seed: 32, cities: [6] });
    day.pool = [...here, ...there].map((e, i) => {
      const first17 = `${e.regionCode}1971${String(1 + (i % 12)).padStart(2, "0")}${String(1 + (i % 28)).padStart(2, "0")}${String(700 + i).padStart(3, "0")}`;
      return { ...e, residentId: first17 + residentIdCheckChar(first17)! };
    });
    day.ids = await seedPool(day.t, day.pool);
  }, 120_000);
  afterEach(async (ctx) => {
    // A failed step leaves a picture of every open page next to the screenshots.
    if (ctx.task.result?.state !== "fail" || !day.browser) return;
    let n = 0;
    for (const c of day.browser.contexts()) for (const p of c.pages()) await p.screenshot({ path: join(artifacts, `failed-${ctx.task.name.slice(0, 20).replace(/\W+/g, "_")}-${n++}.png`) }).catch(() => undefined);
  });
  afterAll(async () => {
    await day.browser?.close();
    await day.t?.close();
  });

  it("the agent creates a project with one lot through the project form", async () => {
    const { t } = day;
    day.agent = await loginInBrowser(day.browser, t.url, "agent");
    const page = day.agent.page;
    await page.goto(`${t.url}/agent/projects`);
    await page.getByRole("button", { name: "新建项目" }).click();
    day.projectCode = `QD${Date.now().toString(36).toUpperCase().slice(-6)}`;
    await field(page, "项目编号").fill(day.projectCode);
    await field(page, "项目名称").fill("滨江大道道路改造工程");
    await field(page, "招标人 / 出让人").fill("演示县交通运输局");
    await field(page, "项目名称").click(); // blur the code: the lot code follows it
    const lot = page.locator("fieldset.lot").first();
    await field(lot, "预算金额").fill("10000000");
    await field(lot, "最高投标限价").fill("9800000");
    const deadline = shanghaiMinute(new Date(Date.now() + 2 * 3_600_000));
    await typeDate(lot, "投标截止时间", deadline);
    await typeDate(lot, "开标时间", deadline);
    await pick(page, lot, "开标厅", "第一开标厅");
    await lot.getByText("下浮系数抽取").click();
    await page.getByRole("button", { name: "创建项目" }).click();
    await waitText(page, `项目 ${day.projectCode} 已创建`);
    const project = await t.app.db.project.findFirstOrThrow({ where: { code: day.projectCode }, include: { lots: true } });
    day.projectId = project.id;
    day.lotId = project.lots[0]!.id;
    expect(project.lots[0]).toMatchObject({ budgetFen: 1_000_000_000n, controlPriceFen: 980_000_000n });
    expect(JSON.parse(project.lots[0]!.drawParams)).toMatchObject({ kind: "coefficient" });
  }, 60_000);

  it("three bidders seal and submit in their own browsers and keep the sealed copy", async (ctx) => {
    if (!day.lotId) ctx.skip(); // one story: without the project there is nothing to bid on
    const { t } = day;
    day.bidders = [];
    for (const [i, kit] of day.kits.entries()) {
      const p = await loginInBrowser(day.browser, t.url, kit.username);
      day.bidders.push(p);
      const page = p.page;
      await page.goto(`${t.url}/bidder/lots/${day.lotId}`);
      await waitText(page, "递交投标文件");
      await field(page, "投标报价").fill(PRICES[i]!);
      const duration = field(page, "工期");
      if (await duration.count()) await duration.fill("180");
      const quality = field(page, "质量");
      if (await quality.count()) await quality.fill("合格");
      const pm = field(page, "项目经理");
      if (await pm.count()) await pm.fill(`项目经理${i + 1}`);
      await page.locator('.bid-submit input[type="file"][multiple]').setInputFiles({ name: "施工组织设计.pdf", mimeType: "application/pdf", buffer: Buffer.from(`%PDF-1.4 bidder ${i + 1}`) });
      await page.getByRole("button", { name: "加密并递交" }).click();
      await waitText(page, "投标文件已递交", 30_000);
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "下载 .p7m 副本" }).click()]);
      const file = join(day.kitDir, `browser-${i + 1}.p7m`);
      await download.saveAs(file);
      day.envelopes.push(file);
      writeFileSync(join(day.kitDir, `${kit.username}.key.pem`), kit.keyPem);
    }
    const bids = await t.app.db.bid.findMany({ where: { lotId: day.lotId, status: "sealed" } });
    expect(bids).toHaveLength(3);
    // What the server holds is what the browsers sealed: the kept copies hash alike.
    const { createHash } = await import("node:crypto");
    const { readFileSync } = await import("node:fs");
    const kept = new Set(day.envelopes.map((f) => createHash("sha256").update(readFileSync(f)).digest("hex")));
    expect(new Set(bids.map((b) => b.sha256))).toEqual(kept);
  }, 90_000);

  it("the opening: the projector follows, bidders sign in and decrypt in the browser, announcement, draw, confirmations, close", async (ctx) => {
    if (day.envelopes.length !== 3) ctx.skip();
    const { t } = day;
    const dev = (code: string) => t.devices.find((d) => d.code === code)!.key;
    day.projector = await day.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await day.projector.goto(`${t.url}/screen#key=${dev("K01-PJ")}`);
    await waitText(day.projector, "第一开标厅");
    await passDeadline(t, day.lotId); // time passes: the deadline and the opening time are now behind us

    const agent = day.agent.page;
    await agent.goto(`${t.url}/agent/openings/${day.lotId}`);
    const command = async (name: string) => {
      const b = agent.getByRole("button", { name });
      await expect.poll(() => b.isEnabled(), { timeout: 15_000 }).toBe(true);
      await b.click();
      // every stage command asks first (Element Plus confirm)
      const box = agent.locator(".el-message-box");
      await box.getByRole("button", { name: "确定执行" }).click();
      await box.waitFor({ state: "hidden" });
    };
    await command("开始开标");
    await waitText(day.projector, "滨江大道道路改造工程");
    await shot(day.projector, "projector-1-signin");

    for (const [i, p] of day.bidders.entries()) {
      await p.page.goto(`${t.url}/bidder/lots/${day.lotId}`);
      await p.page.getByRole("button", { name: i === 0 ? "现场签到" : "在线签到" }).click();
      await p.page.getByRole("button", { name: "现场签到" }).waitFor({ state: "detached", timeout: 15_000 });
    }
    await expect.poll(async () => t.app.db.signIn.count(), { timeout: 10_000 }).toBe(3);
    await command("公布投标人");
    await command("开始解密");
    await waitText(day.projector, "解密");

    for (const [i, p] of day.bidders.entries()) {
      const page = p.page;
      await page.getByText("PEM 私钥").click();
      const inputs = page.locator('.key-recovery input[type="file"]');
      await inputs.nth(0).setInputFiles(day.envelopes[i]!);
      await inputs.nth(1).setInputFiles(join(day.kitDir, `${day.kits[i]!.username}.key.pem`));
      await page.getByRole("button", { name: "在本机恢复密钥并解密" }).click();
      await waitText(page, "您的投标文件已解密，解密结束后统一唱标。", 30_000);
    }
    const decrypted = await t.app.db.bid.findMany({ where: { lotId: day.lotId, status: "decrypted" } });
    expect(decrypted.map((b) => JSON.parse(b.summary!).priceFen).sort()).toEqual([...FEN].sort());
    // While the window is open the projector shows no price.
    const during = await day.projector.locator("body").innerText();
    for (const p of PRICES) expect(during).not.toContain(p.replace(/\.00$/, ""));
    await shot(day.projector, "projector-2-decrypting");

    await command("结束解密");
    await expect.poll(async () => (await day.projector.locator("body").innerText()).includes("9,650,000.00") || (await day.projector.locator("body").innerText()).includes("9650000.00"), { timeout: 15_000 }).toBe(true);
    await shot(day.projector, "projector-3-announcement");
    await command("开始随机抽取");
    await command("公开随机数并抽取");
    await expect.poll(async () => (await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId: day.lotId } })).drawResult !== null, { timeout: 10_000 }).toBe(true);
    await shot(day.projector, "projector-4-draw");
    await command("发起结果确认");
    for (const p of day.bidders) {
      await p.page.getByRole("button", { name: "确认无误" }).click();
      await p.page.getByRole("button", { name: "确认无误" }).waitFor({ state: "detached", timeout: 15_000 });
    }
    await command("结束开标并出具记录");
    await expect.poll(async () => (await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId: day.lotId } })).stage, { timeout: 15_000 }).toBe("closed");
    await shot(day.projector, "projector-5-closed");

    day.wall = await day.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await day.wall.goto(`${t.url}/screen#key=${dev("K01-MW")}`);
    for (const name of ["第一开标厅", "第一评标室", "异地评标室"]) await waitText(day.wall, name);
    await shot(day.wall, "wall");
    const stats = await loginInBrowser(day.browser, t.url, "supervisor", { width: 1600, height: 1000 });
    await stats.page.goto(`${t.url}/stats`);
    await stats.page.waitForLoadState("networkidle");
    await shot(stats.page, "statistics");
    await stats.context.close();

    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  }, 180_000);

  // ── the evaluation half ──
  const inputOf = (name: string, tag = "input") => `${tag}[data-test="${name}"], [data-test="${name}"] ${tag}`;
  const advance = async (from: string) => {
    const agent = await day.t.connect({ token: (await day.t.login("agent")).token });
    const r = await call(agent, "evaluation:advance", { sessionId: day.sessionId, from: from as never });
    agent.disconnect();
    if (!r.ok) throw new Error(`advance ${from}: ${JSON.stringify(r.error)}`);
  };

  it("the agent draws a committee over two sites on its experts page; the experts accept", async (ctx) => {
    if (!day.lotId || !day.projector) ctx.skip();
    const page = day.agent.page;
    await page.goto(`${day.t.url}/agent/experts`);
    await page.locator('[data-test="new-draw"]').click();
    const choose = async (sel: string, option: string | RegExp) => {
      await page.locator(sel).click();
      await clickOption(page, option);
    };
    await choose('[data-test="project"]', day.projectCode);
    await page.locator(inputOf("evaluation-at")).fill(shanghaiMinute(new Date(Date.now() + 3 * 3_600_000)));
    await choose('[data-test="room-0"]', "第一评标室");
    await choose('[data-test="specialty-0-0"]', /^A010101 /);
    const c0 = page.locator(inputOf("count-0-0"));
    await c0.fill("5");
    await c0.press("Tab");
    await page.getByRole("button", { name: /添加副场/ }).click();
    await choose('[data-test="room-1"]', "异地评标室");
    await page.locator('[data-test="site-1"] .site-head > .el-input input').fill("3206");
    await choose('[data-test="specialty-1-0"]', /^A0104 /);
    const c1 = page.locator(inputOf("count-1-0"));
    await c1.fill("2");
    await c1.press("Tab");
    await page.locator('[data-test="submit-draw"]').click();
    await page.waitForURL(/\/agent\/experts\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    day.drawId = page.url().split("/").pop()!;
    await page.locator('[data-test="reveal"]').click();
    await until(async () => (await day.t.app.db.expertDraw.findUniqueOrThrow({ where: { id: day.drawId } })).status === "drawn", 10_000, "drawn");
    await until(() => day.rec.messages.filter((m) => m.kind === "invitation").length === 7, 10_000, "7 invitations");
    await page.screenshot({ path: join(artifacts, "agent-expert-draw.png"), fullPage: true });
    const text = await page.locator("body").innerText();
    for (const e of day.pool) expect(text).not.toContain(e.name);
    for (const m of day.rec.messages.filter((x) => x.kind === "invitation")) {
      const r = await day.t.api("POST", "/api/expert-invitations/answer", { body: { token: m.token, decision: "accept", idLast4: idLast4For(day.pool, m.to) } });
      expect(r.body.ok).toBe(true);
    }
  }, 120_000);

  it("experts evaluate at two sites (a browser terminal at each), sign the report; the statistics page shows the deal", async (ctx) => {
    if (!day.drawId) ctx.skip();
    const { t } = day;
    // The agent starts the evaluation from its page, with the default template.
    const page = day.agent.page;
    await page.goto(`${t.url}/agent/evaluations`);
    const lot = await t.app.db.lot.findUniqueOrThrow({ where: { id: day.lotId } });
    await page.locator('[data-test="pick-lot"]').click();
    await page.locator(".el-select-dropdown__item:visible", { hasText: lot.code }).first().click();
    await page.locator('[data-test="pick-draw"]').getByText(/0 \/ 7/).waitFor({ timeout: 15_000 });
    await page.locator('[data-test="create-evaluation"]').click();
    // Before its scheduled time (3 hours on) the start asks first (确认提前开始评标); the agent confirms.
    const early = page.locator(".el-message-box:visible");
    await early.waitFor({ timeout: 10_000 });
    await early.getByRole("button", { name: "确认开始" }).click();
    await page.waitForURL(/\/agent\/evaluations\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    day.sessionId = page.url().split("/").pop()!;

    // Members by site: the first of each site at a browser terminal, the rest over sockets.
    const picks = await t.app.db.expertPick.findMany({ where: { drawId: day.drawId, kind: { not: "backup" }, state: { in: ["accepted", "notified"] } }, orderBy: [{ bucketIndex: "asc" }, { seq: "asc" }] });
    const byId = new Map(day.pool.map((e) => [day.ids.get(e.residentId)!, e]));
    const seats = picks.map((p, i) => ({ expert: byId.get(p.expertId)!, device: p.bucketIndex === 0 ? `P01-ET${i + 1}` : `Y01-ET${i - picks.filter((q) => q.bucketIndex === 0).length + 1}` }));
    expect(seats.map((s) => s.device)).toEqual(["P01-ET1", "P01-ET2", "P01-ET3", "P01-ET4", "P01-ET5", "Y01-ET1", "Y01-ET2"]);
    const dev = (code: string) => t.devices.find((d) => d.code === code)!.key;
    day.terminals = [];
    day.socketMembers = [];
    for (const s of seats) {
      if (s.device.endsWith("-ET1")) {
        const tctx = await day.browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
        const tp = await tctx.newPage();
        await tp.goto(`${t.url}/screen#key=${dev(s.device)}`);
        await tp.locator(inputOf("resident-id")).waitFor({ timeout: 20_000 });
        await tp.locator(inputOf("resident-id")).fill(s.expert.residentId);
        const before = day.rec.messages.length;
        await tp.locator('[data-test="get-code"]').click();
        await until(() => day.rec.messages.slice(before).some((m) => m.kind === "sign-in-code"), 10_000, "code sent");
        await tp.locator(inputOf("code")).fill(day.rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!);
        await tp.locator('[data-test="sign-in"]').click();
        await tp.locator('[data-test="terminal-me"]').getByText(s.expert.name).waitFor({ timeout: 15_000 });
        day.terminals.push({ page: tp, residentId: s.expert.residentId, name: s.expert.name });
      } else {
        const socket = await t.connect({ deviceKey: dev(s.device) });
        const start = await call(socket, "experts:signInStart", { residentId: s.expert.residentId });
        if (!start.ok) throw new Error(JSON.stringify(start.error));
        const code = day.rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!;
        const done = await call(socket, "experts:signInFinish", { residentId: s.expert.residentId, code });
        if (!done.ok) throw new Error(JSON.stringify(done.error));
        const me = await call(socket, "evaluation:whoami", { sessionId: day.sessionId });
        if (!me.ok) throw new Error(JSON.stringify(me.error));
        day.socketMembers.push({ socket, residentId: s.expert.residentId, memberId: me.data.memberId, key: expertKey() });
      }
    }
    const okCall = async (p: ReturnType<typeof call>) => {
      const r = await p;
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.data as never;
    };
    const sid = day.sessionId;
    await advance("signin");
    for (const tm of day.terminals) {
      await tm.page.locator('[data-test="pledge"]').click();
      await tm.page.getByText("已承诺").first().waitFor({ timeout: 10_000 });
    }
    for (const m of day.socketMembers) await okCall(call(m.socket, "evaluation:pledge", { sessionId: sid }));
    await advance("pledge");
    for (const tm of day.terminals) {
      await tm.page.locator('[data-test="declare"]').click();
      await tm.page.getByText("已申报").first().waitFor({ timeout: 10_000 });
    }
    for (const m of day.socketMembers) await okCall(call(m.socket, "evaluation:declareConflicts", { sessionId: sid, conflicts: [] }));
    await advance("conflicts");
    // Everyone votes for the first candidate on the list.
    const snap = (await okCall(call(day.socketMembers[0]!.socket, "live:join", { stream: `evaluation:${sid}:expert:${day.socketMembers[0]!.memberId}` }))) as { snapshot: { state: { chairElection: { candidates: { memberId: string }[] } } } };
    const first = snap.snapshot.state.chairElection.candidates[0]!.memberId;
    for (const tm of day.terminals) {
      await tm.page.locator(".cands .el-radio").first().click();
      await tm.page.locator('[data-test="vote"]').click();
      await tm.page.getByText("您已投票").first().waitFor({ timeout: 10_000 });
    }
    for (const m of day.socketMembers) await okCall(call(m.socket, "evaluation:voteChair", { sessionId: sid, round: 1, candidateMemberId: first }));
    await until(async () => (await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sid } })).chairMemberId === first, 10_000, "chair elected");
    await advance("chair");

    // Qualification: every criterion passes for every bidder.
    const session = await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sid } });
    const template = JSON.parse(session.template) as { qualification: { key: string }[]; criteria: { key: string; max: string }[] };
    const companies = day.kits.map((k) => k.companyId);
    for (const tm of day.terminals) {
      await tm.page.locator('[data-test="qualification-sheet"]').waitFor({ timeout: 15_000 });
      for (const c of companies) for (const q of template.qualification) await tm.page.locator(`[data-test="pass-${c}-${q.key}"]`).click();
      await tm.page.locator('[data-test="submit-qualification"]').click();
      await tm.page.getByText(/已提交（第 1 版/).waitFor({ timeout: 15_000 });
    }
    const qrows = companies.flatMap((companyId) => template.qualification.map((q) => ({ companyId, criterion: q.key, pass: true, reason: "" })));
    for (const [i, m] of day.socketMembers.entries()) await okCall(call(m.socket, "evaluation:submit", { sessionId: sid, idempotencyKey: `fullday-q-${i}`, sheet: { step: "qualification", rows: qrows } }));
    await advance("qualification");

    // Scoring: the same fair scores from everyone (no outliers), typed at the terminals.
    const scoreOf = (ci: number, key: string, max: string) => Math.min(Number(max), Math.round(Number(max) * (0.8 - ci * 0.05)));
    for (const tm of day.terminals) {
      await tm.page.locator('[data-test="scoring-sheet"]').waitFor({ timeout: 15_000 });
      for (const [ci, c] of companies.entries()) for (const cr of template.criteria) await tm.page.locator(inputOf(`score-${c}-${cr.key}`)).fill(String(scoreOf(ci, cr.key, cr.max)));
      await tm.page.locator('[data-test="submit-scoring"]').click();
      await tm.page.getByText(/已提交（第 1 版/).waitFor({ timeout: 15_000 });
    }
    const srows = companies.flatMap((companyId, ci) => template.criteria.map((cr) => ({ companyId, criterion: cr.key, score: scoreOf(ci, cr.key, cr.max) })));
    for (const [i, m] of day.socketMembers.entries()) await okCall(call(m.socket, "evaluation:submit", { sessionId: sid, idempotencyKey: `fullday-s-${i}`, sheet: { step: "scoring", rows: srows } }));
    await shot(day.wall, "wall-evaluation"); // both evaluation sites on the monitoring wall
    for (const from of ["scoring", "price", "aggregate", "candidates"]) await advance(from);
    const deal = await t.app.db.statsDeal.findFirst({ where: { lotId: day.lotId } });
    expect(deal).not.toBeNull();

    // The report: each browser terminal signs with its own key; the others over sockets; the platform signs.
    for (const tm of day.terminals) {
      await tm.page.locator('[data-test="sign-report"]').click();
      await tm.page.getByText(/签字成功/).first().waitFor({ timeout: 30_000 });
    }
    for (const m of day.socketMembers) {
      await okCall(call(m.socket, "evaluation:enrollKey", { sessionId: sid, publicKeyPem: m.key.publicKeyPem }));
      const prep = (await okCall(call(m.socket, "evaluation:prepareSignature", { sessionId: sid }))) as { prepId: string; toSignB64: string };
      await okCall(call(m.socket, "evaluation:sign", { sessionId: sid, prepId: prep.prepId, signatureB64: m.key.sign(prep.toSignB64) }));
    }
    await until(async () => (await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sid } })).status === "closed", 20_000, "report signed by the platform");

    // The statistics page shows the deal.
    const stats = await loginInBrowser(day.browser, t.url, "supervisor", { width: 1600, height: 1000 });
    await stats.page.goto(`${t.url}/stats`);
    await waitText(stats.page, day.projectCode, 20_000);
    expect(await stats.page.locator("body").innerText()).toContain((Number(deal!.dealFen) / 1_000_000).toFixed(2)); // 万元
    await stats.page.screenshot({ path: join(artifacts, "statistics-deal.png"), fullPage: true });
    await stats.context.close();
    for (const tm of day.terminals) await tm.page.context().close();
    for (const m of day.socketMembers) m.socket.disconnect();
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
  }, 240_000);
});
