// 经评审的最低投标价法 in a real browser (playwright-core + Debian's Chromium): an expert
// signs in at a terminal (/screen with its device key), goes through pledge, conflicts,
// chair vote and qualification, then enters evaluated-price adjustments: a missing
// reason is shown before sending and nothing is stored; the draft is held by the server;
// the live total and evaluated price follow the typing; the submit asks for confirmation.
// The other members act over sockets. After the aggregation the agent's console shows
// the committee's adjustments and the ranking by evaluated price (ties by the lower bid
// price). The projector shows progress only. Screenshots go to test-artifacts/evaluation/.
// The client is built fresh into a temporary directory (the pages under test must be current).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { EvalSupervisorState } from "@contracts/evaluation";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { browserSuiteEnabled, launch } from "./helpers/browser";
import { loginInBrowser, type Person } from "./helpers/hall-browser";
import { committeeTerminals, evaluationWorld, lowestTemplate, ok, signInAt, terminal as terminalSocket, type EvalWorld } from "./helpers/evaluation";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "evaluation");
// 1,000,000.00 / 990,000.00 / 1,005,000.00 yuan.
const prices = [100_000_000, 99_000_000, 100_500_000];
const inputOf = (name: string, tag = "input") => `${tag}[data-test="${name}"], [data-test="${name}"] ${tag}`;

describe.runIf(enabled)("evaluated-price adjustments in Chromium", () => {
  let dist: string;
  let t: TestApp;
  let w: EvalWorld;
  let browser: Browser;
  let sessionId: string;
  let page: Page;
  let sup: TestSocket;
  let supView: LiveStreamClient<EvalSupervisorState>;
  const others: { socket: TestSocket; memberId: string }[] = [];
  let myMemberId = "";
  const people: Person[] = [];
  const shot = (p: Page, name: string) => p.screenshot({ path: join(artifacts, `${name}.png`) });
  const advance = async (from: string) => ok(await call(w.agent, "evaluation:advance", { sessionId, from: from as never }));
  // On a loaded machine a socket may drop and reconnect (ping timeout): wait for it and send again (same idempotency key).
  const submitFrom = async (s: TestSocket, payload: Parameters<typeof call<"evaluation:submit">>[2]) => {
    for (let i = 0; ; i++) {
      try {
        return ok(await call(s, "evaluation:submit", payload, 30_000));
      } catch (e) {
        if (i >= 3 || !/disconnected|timed out/.test(String(e))) throw e;
        await until(() => s.connected, 30_000, "socket reconnected");
      }
    }
  };

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    dist = mkdtempSync(join(tmpdir(), "eval-adjust-dist-"));
    execFileSync(process.execPath, ["node_modules/vite/bin/vite.js", "build", "--config", "client/vite.config.ts", "--outDir", dist, "--emptyOutDir", "--logLevel", "error"], { cwd: process.cwd(), stdio: "ignore" });
    t = await startTestApp({ CLIENT_DIST: dist });
    browser = await launch();
    w = await evaluationWorld(t, prices, { lot: { evaluationMethod: "lowest-evaluated-price" }, poolOffset: 5 });
    sup = await t.connect({ token: (await t.login("supervisor")).token });
  }, 600_000);

  afterAll(async () => {
    for (const p of people) await p.context.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it("runs to the adjustments step with the browser terminal as one member", async () => {
    const picks = (await committeeTerminals(t, w)).filter((c) => c.kind === "member");
    const [mine, ...rest] = picks;
    const res = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: lowestTemplate }));
    sessionId = res.sessionId;
    supView = new LiveStreamClient<EvalSupervisorState>(sup, res.streams.supervisor).start();
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    page = await ctx.newPage();
    const key = t.devices.find((d) => d.code === mine!.device)!.key;
    await page.goto(`${t.url}/screen#key=${key}`);
    await page.locator(inputOf("resident-id")).waitFor({ timeout: 30_000 });
    await page.locator(inputOf("resident-id")).fill(mine!.residentId);
    await page.locator('[data-test="get-code"]').click();
    await until(() => w.rec.messages.some((m) => m.kind === "sign-in-code"), 10_000, "code sent");
    await page.locator(inputOf("code")).fill(w.rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!);
    await page.locator('[data-test="sign-in"]').click();
    await page.locator('[data-test="terminal-me"]').getByText(mine!.name).waitFor({ timeout: 20_000 });
    myMemberId = (await t.app.db.evalMember.findFirstOrThrow({ where: { sessionId, expertId: w.ids.get(mine!.residentId)! } })).id;
    for (const p of rest) {
      const socket = await terminalSocket(t, p.device);
      await signInAt(w, socket, p.residentId);
      others.push({ socket, memberId: ok(await call(socket, "evaluation:whoami", { sessionId })).memberId });
    }
    await advance("signin");
    await page.locator('[data-test="pledge"]').click();
    for (const o of others) ok(await call(o.socket, "evaluation:pledge", { sessionId }));
    await until(() => supView.state?.members.every((m) => m.pledged) === true, 15_000, "pledged");
    await advance("pledge");
    await page.locator('[data-test="declare"]').click();
    for (const o of others) ok(await call(o.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    await until(() => supView.state?.members.every((m) => m.declared) === true, 15_000, "declared");
    await advance("conflicts");
    // Everyone votes for the first of the others (the browser member is no chair: the agent advances).
    await page.locator(".cands .el-radio").first().click();
    await page.locator('[data-test="vote"]').click();
    await page.getByText("您已投票").first().waitFor({ timeout: 15_000 });
    const chair = supView.state!.chairElection!.candidates[0]!.memberId;
    for (const o of others) ok(await call(o.socket, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: chair }));
    await until(() => !!supView.state?.chairElection?.chairMemberId, 15_000, "chair elected");
    await advance("chair");
    await page.locator('[data-test="qualification-sheet"]').waitFor({ timeout: 15_000 });
    for (const b of w.bidders) await page.locator(`[data-test="pass-${b.companyId}-license"]`).click();
    await page.locator('[data-test="submit-qualification"]').click();
    await page.getByText(/已提交（第 1 版/).waitFor({ timeout: 15_000 });
    const rows = w.bidders.map((b) => ({ companyId: b.companyId, criterion: "license", pass: true, reason: "" }));
    for (const [i, o] of others.entries()) await submitFrom(o.socket, { sessionId, idempotencyKey: `qual-adj-${i}`, sheet: { step: "qualification", rows } });
    await until(() => supView.state?.members.every((m) => m.submitted.qualification) === true, 15_000, "qualified");
    expect(await advance("qualification")).toMatchObject({ step: "adjustments" });
    await page.locator('[data-test="adjustments-sheet"]').waitFor({ timeout: 15_000 });
  }, 300_000);

  it("the adjustments sheet: a missing reason is refused before sending, live totals, a held draft, a confirmed submit", async () => {
    const [, B, C] = w.bidders;
    const itemsOf = (b: { companyId: string }) => page.locator(`[data-test="adjust-${b.companyId}"] [data-test="adjust-item"]`);
    await page.locator(`[data-test="adjust-add-${B!.companyId}"]`).click();
    await itemsOf(B!).first().locator(inputOf("adjust-amount")).fill("10000");
    // Live: 990,000.00 + 10,000.00 = 1,000,000.00.
    await page.locator(`[data-test="adjust-total-${B!.companyId}"]`).getByText("+10,000.00").waitFor({ timeout: 5_000 });
    await page.locator(`[data-test="adjust-total-${B!.companyId}"]`).getByText("1,000,000.00").waitFor({ timeout: 5_000 });
    // No reason: the sheet says so and nothing is sent.
    await page.locator('[data-test="submit-adjustments"]').click();
    await page.locator('[data-test="adjust-problem"]').getByText("请填写调整理由（至少 2 个字）").waitFor({ timeout: 5_000 });
    await page.getByText("还有 1 处未完成或有误").waitFor({ timeout: 5_000 });
    await shot(page, "adjust-missing-reason");
    expect(await t.app.db.evalSubmission.count({ where: { sessionId, step: "adjustments" } })).toBe(0);
    // A zero amount is refused too; then the real items.
    await page.locator(`[data-test="adjust-add-${C!.companyId}"]`).click();
    await itemsOf(C!).first().locator(inputOf("adjust-amount")).fill("0");
    await itemsOf(C!).first().locator(inputOf("adjust-reason")).fill("算术错误修正");
    await page.locator('[data-test="adjust-problem"]').getByText("调整金额不能为 0").waitFor({ timeout: 5_000 });
    await itemsOf(B!).first().locator(inputOf("adjust-reason")).fill("缺项：未报安全文明施工费，按最高报价补齐");
    await itemsOf(C!).first().locator('[data-test="adjust-minus"]').click();
    await itemsOf(C!).first().locator(inputOf("adjust-amount")).fill("5000");
    await page.locator(`[data-test="adjust-total-${C!.companyId}"]`).getByText("-5,000.00").waitFor({ timeout: 5_000 });
    await page.locator(`[data-test="adjust-total-${C!.companyId}"]`).getByText("1,000,000.00").waitFor({ timeout: 5_000 });
    // The keystrokes are a draft on the server.
    await until(async () => {
      const d = await t.app.db.evalDraft.findFirst({ where: { memberId: myMemberId, step: "adjustments" } });
      return !!d && d.sheet.includes("-500000") && d.sheet.includes("1000000");
    }, 10_000, "the adjustment draft");
    expect(await page.locator('[data-test="adjust-problem"]').count()).toBe(0);
    await shot(page, "adjust-filled");
    // Submit asks first; cancelling sends nothing.
    await page.locator('[data-test="submit-adjustments"]').click();
    await page.locator('[data-test="adjust-confirm"]').waitFor({ timeout: 5_000 });
    await shot(page, "adjust-confirm");
    await page.getByRole("button", { name: "返回修改" }).click();
    await new Promise((r) => setTimeout(r, 500));
    expect(await t.app.db.evalSubmission.count({ where: { sessionId, step: "adjustments" } })).toBe(0);
    await page.locator('[data-test="submit-adjustments"]').click();
    await page.getByRole("button", { name: "确认提交" }).click();
    await page.getByText(/已提交（第 1 版/).waitFor({ timeout: 15_000 });
    const sub = await t.app.db.evalSubmission.findFirstOrThrow({ where: { sessionId, memberId: myMemberId, step: "adjustments" } });
    expect(JSON.parse(sub.sheet)).toMatchObject({ step: "adjustments", rows: [{ companyId: B!.companyId, amountFen: 1_000_000 }, { companyId: C!.companyId, amountFen: -500_000, reason: "算术错误修正" }] });
  }, 120_000);

  it("the others submit; the agent's console shows progress, then the adjustments and the ranking by evaluated price", async () => {
    const [, B, C] = w.bidders;
    const agent = await loginInBrowser(browser, t.url, "agent", { width: 1600, height: 1000 });
    people.push(agent);
    await agent.page.goto(`${t.url}/agent/evaluations/${sessionId}`);
    await agent.page.locator('[data-test="agent-step"]').getByText("评标价调整").waitFor({ timeout: 20_000 });
    await agent.page.locator('[data-test="member-adjustments"]').first().waitFor({ timeout: 10_000 });
    await shot(agent.page, "adjust-agent-progress");
    const sheet = {
      step: "adjustments" as const,
      rows: [
        { companyId: B!.companyId, amountFen: 1_000_000, reason: "缺项补齐" },
        { companyId: C!.companyId, amountFen: -500_000, reason: "算术错误修正" },
      ],
    };
    for (const [i, o] of others.entries()) await submitFrom(o.socket, { sessionId, idempotencyKey: `adjust-e2e-${i}`, sheet });
    await until(() => supView.state?.members.every((m) => m.submitted.adjustments) === true, 15_000, "all submitted");
    expect(await advance("adjustments")).toMatchObject({ step: "aggregate" });
    const ranking = agent.page.locator('[data-test="ranking"]');
    await ranking.waitFor({ timeout: 20_000 });
    await agent.page.locator('[data-test="adjustment-decisions"]').getByText("+10,000.00").first().waitFor({ timeout: 10_000 });
    const body = await ranking.innerText();
    for (const s of ["评标价（元）", "调整金额（元）", "并列处理", "990,000.00", "+10,000.00", "-5,000.00", "1,000,000.00", "较低投标价"]) expect(body).toContain(s);
    // Rank 1: the lowest bid price among the equal evaluated prices (B), then A, then C.
    const rows = ranking.locator(".el-table__body tr");
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).innerText()).toContain(B!.name);
    expect(await rows.nth(2).innerText()).toContain(C!.name);
    const all = await agent.page.locator("body").innerText();
    expect(all).not.toMatch(/lower-price|evaluation\.adjust|tieBreak/);
    await agent.page.locator('[data-test="adjustment-decisions"]').scrollIntoViewIfNeeded();
    await shot(agent.page, "adjust-agent-ranking");
    // The terminal shows the committee's decision too.
    await page.locator('[data-test="adjustment-decisions"]').waitFor({ timeout: 15_000 });
    await shot(page, "adjust-terminal-decisions");
  }, 180_000);
});
