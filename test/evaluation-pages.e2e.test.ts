// The evaluation (评标) pages in a real browser (playwright-core + Debian's
// Chromium) against a real test server: the projector of the evaluation room
// follows the session by itself and shows stage, sites and progress but never a
// score or an expert's name; an expert terminal (/screen with its device key)
// signs the expert in with the ID number and the one-time code, takes the pledge,
// declares no conflict, votes, fills the qualification sheet, types scores (live
// exact total, kept as a server draft that a reloaded terminal finds again),
// gives the outlier reason the server asks for, submits, shows the price scores,
// and signs the report with its own WebCrypto key — a signature pdfsig accepts.
// The other six experts act over sockets. Screenshots go to test-artifacts/evaluation/.
// The client is built fresh into a temporary directory (the pages under test must be current).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page, WebSocketRoute } from "playwright-core";
import type { EvalExpertState, EvalSupervisorState } from "@contracts/evaluation";
import { LiveStreamClient } from "@contracts/live-client";
import { formatShanghai } from "@contracts/time";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { browserSuiteEnabled, launch } from "./helpers/browser";
import { loginInBrowser, type Person } from "./helpers/hall-browser";
import { committeeTerminals, comprehensiveTemplate, evaluationWorld, expertKey, ok, signInAt, type EvalWorld } from "./helpers/evaluation";
import { pdfSignatures } from "./helpers/pdf";
import { changed } from "../server/evaluation/model";
import { CLOSED_SHOWN_MS } from "../server/evaluation/rules";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "evaluation");
// 87号令 worked example prices: 800k, 850k, 920k.
const prices = [80_000_000, 85_000_000, 92_000_000];

interface Seat {
  residentId: string;
  name: string;
  device: string;
  socket: TestSocket | null;
  memberId: string;
  key: ReturnType<typeof expertKey>;
}

/** The <input>/<textarea> of an Element Plus input carrying data-test (on the element itself or its wrapper). */
const inputOf = (name: string, tag = "input") => `${tag}[data-test="${name}"], [data-test="${name}"] ${tag}`;

describe.runIf(enabled)("the evaluation pages in Chromium", () => {
  let dist: string;
  let t: TestApp;
  let w: EvalWorld;
  let browser: Browser;
  let sessionId: string;
  let projector: Page;
  let terminalCtx: BrowserContext;
  let terminal: Page;
  let sup: TestSocket;
  let supToken: string;
  let supView: LiveStreamClient<EvalSupervisorState>;
  const seats: Seat[] = [];
  let linkDown = false;
  const links = new Set<WebSocketRoute>();
  const cutLink = async () => {
    linkDown = true;
    for (const l of [...links]) await l.close();
  };
  const me = () => seats[0]!;
  const others = () => seats.slice(1);
  const device = (code: string) => t.devices.find((d) => d.code === code)!.key;
  const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`) });
  const text = (page: Page) => page.locator("body").innerText();
  const advance = async (from: string) => ok(await call(w.agent, "evaluation:advance", { sessionId, from: from as never }));

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    dist = mkdtempSync(join(tmpdir(), "eval-pages-dist-"));
    execFileSync(process.execPath, ["node_modules/vite/bin/vite.js", "build", "--config", "client/vite.config.ts", "--outDir", dist, "--emptyOutDir", "--logLevel", "error"], {
      cwd: process.cwd(),
      stdio: "ignore",
    });
    t = await startTestApp({ CLIENT_DIST: dist });
    browser = await launch();
    w = await evaluationWorld(t, prices);
    const s = await t.login("supervisor");
    supToken = s.token;
    sup = await t.connect({ token: s.token });
    // The drawn committee: 5 main (P01) + 2 off-site (Y01); the backup stays unused.
    for (const c of await committeeTerminals(t, w)) {
      if (c.kind === "backup") continue;
      seats.push({ residentId: c.residentId, name: c.name, device: c.device, socket: null, memberId: "", key: expertKey() });
    }
    expect(seats).toHaveLength(7);
    expect(me().device).toBe("P01-ET1");
    for (const x of others()) x.socket = await t.connect({ deviceKey: device(x.device) });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it("the evaluation room's projector switches to the session: stage and sites, no names", async () => {
    // A projector in the evaluation room P01 (the demo centre has none there).
    const admin = await t.login("admin");
    const p01 = await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } });
    const made = await t.api<{ key: string }>("POST", "/api/devices", { token: admin.token, body: { roomId: p01.id, kind: "projector", code: "P01-PJ", name: "评标室投影" } });
    expect(made.body.ok).toBe(true);
    const projectorKey = (made.body as { ok: true; data: { key: string } }).data.key;
    projector = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await projector.goto(`${t.url}/screen#key=${projectorKey}`);
    await projector.getByText("第一评标室").first().waitFor({ timeout: 20_000 });

    const res = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensiveTemplate }));
    sessionId = res.sessionId;
    supView = new LiveStreamClient<EvalSupervisorState>(sup, res.streams.supervisor).start();
    // The screen follows the room's session by itself.
    await projector.locator('[data-test="eval-stage"]').getByText("专家签到").waitFor({ timeout: 15_000 });
    for (const s of ["评标", "第一评标室", "异地评标室（邻市分中心）", "主场", "副场", "连接正常", "0/5", "0/2"]) await projector.getByText(s).first().waitFor({ timeout: 10_000 });
    await shot(projector, "projector-signin");
    const body = await text(projector);
    for (const e of w.pool) expect(body).not.toContain(e.name);
  });

  it("the expert terminal signs the expert in with the ID number and the one-time code", async () => {
    terminalCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    // The terminal's link to the server runs through this route, so the test can cut it (and keep it cut).
    await terminalCtx.routeWebSocket(/\/socket\.io\//, (ws) => {
      if (linkDown) {
        void ws.close();
        return;
      }
      ws.connectToServer();
      links.add(ws);
      ws.onClose(() => links.delete(ws));
    });
    terminal = await terminalCtx.newPage();
    await terminal.goto(`${t.url}/screen#key=${device(me().device)}`);
    await terminal.locator(inputOf("resident-id")).waitFor({ timeout: 20_000 });
    await shot(terminal, "terminal-signin");
    await terminal.locator(inputOf("resident-id")).fill(me().residentId);
    await terminal.locator('[data-test="get-code"]').click();
    await until(() => w.rec.messages.some((m) => m.kind === "sign-in-code"), 10_000, "code sent");
    const code = w.rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!;
    await terminal.locator(inputOf("code")).fill(code);
    await terminal.locator('[data-test="sign-in"]').click();
    await terminal.locator('[data-test="terminal-me"]').getByText(me().name).waitFor({ timeout: 15_000 });
    me().memberId = (await t.app.db.evalMember.findFirstOrThrow({ where: { sessionId, expertId: w.ids.get(me().residentId)! } })).id;
    for (const x of others()) {
      await signInAt(w, x.socket!, x.residentId);
      x.memberId = ok(await call(x.socket!, "evaluation:whoami", { sessionId })).memberId;
    }
    await projector.getByText("5/5").first().waitFor({ timeout: 10_000 });
    await projector.getByText("2/2").first().waitFor({ timeout: 10_000 });
    // Per site, a progress row per step: signed in (current step) 5/5 and 2/2, nobody pledged yet.
    const rows = projector.locator('[data-test="site-progress"]');
    expect(await rows.count()).toBe(2);
    await rows.nth(0).locator('[data-test="site-progress-signin"].current').getByText("5/5").waitFor({ timeout: 10_000 });
    await rows.nth(1).locator('[data-test="site-progress-signin"].current').getByText("2/2").waitFor({ timeout: 10_000 });
    expect(await rows.nth(0).locator('[data-test="site-progress-pledge"]').innerText()).toContain("0/5");
    // Signed in now, and still no name on the projector.
    const body = await text(projector);
    for (const x of seats) expect(body).not.toContain(x.name);
  });

  it("pledge, conflict declaration and the chair vote at the terminal", async () => {
    await advance("signin");
    await terminal.locator('[data-test="pledge"]').click();
    await terminal.getByText("已承诺").first().waitFor({ timeout: 10_000 });
    for (const x of others()) ok(await call(x.socket!, "evaluation:pledge", { sessionId }));
    await advance("pledge");
    await terminal.locator('[data-test="declare"]').click();
    await terminal.getByText("已申报").first().waitFor({ timeout: 10_000 });
    for (const x of others()) ok(await call(x.socket!, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    await advance("conflicts");
    // Everyone votes for the first candidate on the list.
    const snap = ok(await call(others()[0]!.socket!, "live:join", { stream: `evaluation:${sessionId}:expert:${others()[0]!.memberId}` })) as { snapshot?: { state: EvalExpertState } };
    const first = snap.snapshot!.state.chairElection!.candidates[0]!;
    await terminal.locator(".cands .el-radio").first().click();
    await terminal.locator('[data-test="vote"]').click();
    await terminal.getByText("您已投票").first().waitFor({ timeout: 10_000 });
    for (const x of others()) ok(await call(x.socket!, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: first.memberId }));
    await until(() => supView.state?.chairElection?.chairMemberId === first.memberId, 10_000, "chair elected");
    await advance("chair");
  });

  it("the qualification sheet: nothing sent while incomplete; filled and submitted offline, queued, sent once on reconnect", async () => {
    await terminal.locator('[data-test="qualification-sheet"]').waitFor({ timeout: 10_000 });
    // Submitting with nothing chosen shows what is missing and sends nothing.
    await terminal.locator('[data-test="submit-qualification"]').click();
    await terminal.getByText("还有 6 处未完成或有误").waitFor({ timeout: 5_000 });
    expect(await t.app.db.evalSubmission.count({ where: { sessionId } })).toBe(0);
    // The terminal's link drops: the sheet is filled and submitted offline, the submit waits in the queue…
    await cutLink();
    await terminal.getByText("离线（操作将在恢复后自动发送）").waitFor({ timeout: 10_000 });
    for (const b of w.bidders) for (const c of ["license", "credit"]) await terminal.locator(`[data-test="pass-${b.companyId}-${c}"]`).click();
    await terminal.locator('[data-test="submit-qualification"]').click();
    await terminal.locator('[data-test="queued"]').getByText("待发送 1 项").waitFor({ timeout: 5_000 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await t.app.db.evalSubmission.count({ where: { sessionId, memberId: me().memberId } })).toBe(0);
    await shot(terminal, "terminal-offline-queued");
    // …and goes out by itself, once, when the link is back.
    linkDown = false;
    await terminal.getByText(/已提交（第 1 版/).waitFor({ timeout: 30_000 });
    await until(async () => (await t.app.db.evalSubmission.count({ where: { sessionId, memberId: me().memberId } })) === 1, 5000, "the queued submit");
    expect(await terminal.locator('[data-test="queued"]').count()).toBe(0);
    const rows = w.bidders.flatMap((b) => ["license", "credit"].map((criterion) => ({ companyId: b.companyId, criterion, pass: true, reason: "" })));
    // The chair's terminal lists what blocks the step (the others' seats) and holds its advance button back.
    const blockers = terminal.locator('[data-test="chair-blockers"]');
    await blockers.getByText("未提交席位：2、3、4、5、6、7").waitFor({ timeout: 10_000 });
    expect(await terminal.locator('[data-test="advance"]').isDisabled()).toBe(true);
    await projector.locator('[data-test="site-progress-qualification"]').first().getByText("1/5").waitFor({ timeout: 10_000 });
    for (const [i, x] of others().entries()) ok(await call(x.socket!, "evaluation:submit", { sessionId, idempotencyKey: `qual-key-${i}`, sheet: { step: "qualification", rows } }));
    expect(await t.app.db.evalSubmission.count({ where: { sessionId, step: "qualification" } })).toBe(7);
    await blockers.getByText("本环节已完成，可进入下一环节").waitFor({ timeout: 10_000 });
    await shot(terminal, "terminal-chair-ready");
    // The chair moves every site on from its terminal.
    await terminal.locator('[data-test="advance"]').click();
    await until(async () => (await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } })).step === "scoring", 10_000, "the chair advanced");
  });

  it("the scoring sheet: exact live totals, a draft found again after a reload, the outlier reason, the submission", async () => {
    const [A, B, C] = w.bidders;
    // The other six submit first: A 55, B 50, C 47.
    const sheet = { step: "scoring" as const, rows: [A, B, C].flatMap((b, i) => [{ companyId: b!.companyId, criterion: "tech", score: [30, 28, 27][i]! }, { companyId: b!.companyId, criterion: "biz", score: [25, 22, 20][i]! }]) };
    for (const [i, x] of others().entries()) ok(await call(x.socket!, "evaluation:submit", { sessionId, idempotencyKey: `score-key-${i}`, sheet }));
    await terminal.locator('[data-test="scoring-sheet"]').waitFor({ timeout: 10_000 });
    const score = (b: { companyId: string }, c: string) => terminal.locator(inputOf(`score-${b.companyId}-${c}`));
    await score(A!, "tech").fill("0.1");
    await score(A!, "biz").fill("0.2");
    // 0.1 + 0.2 shown exactly.
    await terminal.locator(`[data-test="total-${A!.companyId}"]`).getByText("0.30").waitFor({ timeout: 5_000 });
    await score(A!, "tech").fill("12.5");
    await score(A!, "biz").fill("10");
    await score(B!, "tech").fill("41");
    await terminal.getByText("不得超过 40").first().waitFor({ timeout: 5_000 });
    await score(B!, "tech").fill("28");
    await score(B!, "biz").fill("21.5");
    await score(C!, "tech").fill("27");
    await score(C!, "biz").fill("20");
    await terminal.locator(`[data-test="total-${A!.companyId}"]`).getByText("22.50").waitFor({ timeout: 5_000 });
    await terminal.locator(`[data-test="total-${B!.companyId}"]`).getByText("49.50").waitFor({ timeout: 5_000 });
    // The keystrokes are a draft on the server…
    await until(
      async () => {
        const d = await t.app.db.evalDraft.findFirst({ where: { memberId: me().memberId, step: "scoring" } });
        return !!d && d.sheet.includes('"score":12.5') && d.sheet.includes('"score":20');
      },
      10_000,
      "draft on the server",
    );
    // …the server flags the outlier from the draft (A: 22.50 against the others' 55.00)…
    await terminal.locator('[data-test="outliers"]').waitFor({ timeout: 10_000 });
    await shot(terminal, "terminal-scoring-outlier");
    // …and a reloaded terminal finds every score again.
    await terminal.reload();
    await terminal.locator('[data-test="scoring-sheet"]').waitFor({ timeout: 20_000 });
    expect(await score(A!, "tech").inputValue()).toBe("12.5");
    expect(await score(B!, "biz").inputValue()).toBe("21.5");
    await terminal.locator(`[data-test="total-${A!.companyId}"]`).getByText("22.50").waitFor({ timeout: 5_000 });
    // Submitting without the reason is held back on the page; with it, it goes.
    await terminal.locator('[data-test="submit-scoring"]').click();
    await terminal.getByText("请填写至少 5 个字的理由").waitFor({ timeout: 5_000 });
    expect(await t.app.db.evalSubmission.count({ where: { sessionId, step: "scoring" } })).toBe(6);
    await terminal.locator(inputOf(`outlier-reason-${A!.companyId}`, "textarea")).fill("技术方案未响应关键工期要求");
    await terminal.locator('[data-test="submit-scoring"]').click();
    await terminal.getByText(/已提交（第 1 版/).waitFor({ timeout: 10_000 });
    expect(await t.app.db.evalSubmission.count({ where: { sessionId, step: "scoring" } })).toBe(7);
    await until(() => (supView.state?.outlierReasons.length ?? 0) === 1, 10_000, "outlier reason to the supervisors");
    expect(supView.state!.outlierReasons[0]).toMatchObject({ reason: "技术方案未响应关键工期要求" });
    // The projector shows the progress, never a score.
    await projector.getByText("已提交 7 / 7").waitFor({ timeout: 10_000 });
    const rows = projector.locator('[data-test="site-progress"]');
    await rows.nth(0).locator('[data-test="site-progress-scoring"]').getByText("5/5").waitFor({ timeout: 10_000 });
    await rows.nth(1).locator('[data-test="site-progress-scoring"]').getByText("2/2").waitFor({ timeout: 10_000 });
    // The terminal page has been up far longer than the 10 s silence limit: its heartbeats keep it online.
    const termDevice = await t.app.db.device.findFirstOrThrow({ where: { code: me().device } });
    expect(t.app.ctx.presence.isOnline(termDevice.id)).toBe(true);
    expect(supView.state!.members.find((m) => m.memberId === me().memberId)!.online).toBe(true);
    const body = await text(projector);
    for (const s of ["22.50", "49.50", "12.5", ...seats.map((x) => x.name)]) expect(body).not.toContain(s);
    await shot(projector, "projector-scoring");
  });

  it("the supervisor sees sites and the outlier reason; the agent asks a bidder, who answers on its page; the chair pauses and resumes with the supervisor", async () => {
    const people: Person[] = [];
    try {
      const supervisor = await loginInBrowser(browser, t.url, "supervisor", { width: 1600, height: 1000 });
      people.push(supervisor);
      await supervisor.page.goto(`${t.url}/supervisor/evaluations`);
      await supervisor.page.locator(`a[href="/supervisor/evaluations/${sessionId}"]`).click();
      await supervisor.page.locator('[data-test="sup-step"]').getByText("详细评审").waitFor({ timeout: 15_000 });
      for (const s of ["技术方案未响应关键工期要求", "异地评标室（邻市分中心）", me().name]) await supervisor.page.getByText(s).first().waitFor({ timeout: 10_000 });
      await supervisor.page.screenshot({ path: join(artifacts, "supervisor.png"), fullPage: true });

      const agent = await loginInBrowser(browser, t.url, "agent", { width: 1600, height: 1000 });
      people.push(agent);
      await agent.page.goto(`${t.url}/agent/evaluations/${sessionId}`);
      await agent.page.locator('[data-test="agent-step"]').getByText("详细评审").waitFor({ timeout: 15_000 });
      const asked = w.bidders[1]!;
      await agent.page.locator(".clar-form .el-select").click();
      await agent.page.locator(".el-select-dropdown__item:visible", { hasText: asked.name }).first().click();
      await agent.page.locator(".clar-form textarea").fill("请澄清投标报价中暂列金额的构成。");
      await agent.page.getByRole("button", { name: "发出澄清要求" }).click();
      await agent.page.getByText(/等待答复/).first().waitFor({ timeout: 10_000 });

      const login = await t.app.db.user.findFirstOrThrow({ where: { companyId: asked.companyId } });
      const bidder = await loginInBrowser(browser, t.url, login.username, { width: 1280, height: 900 });
      people.push(bidder);
      await bidder.page.goto(`${t.url}/bidder/lots/${w.lotId}`);
      await bidder.page.locator('[data-test="lot-clarifications"]').click();
      await bidder.page.waitForURL(`${t.url}/bidder/lots/${w.lotId}/clarifications`, { timeout: 10_000 });
      await bidder.page.getByText("请澄清投标报价中暂列金额的构成。").waitFor({ timeout: 15_000 });
      await bidder.page.locator(inputOf("answer", "textarea")).fill("暂列金额为 20 万元，按招标文件计列。");
      await bidder.page.getByRole("button", { name: "提交答复" }).click();
      await bidder.page.getByText(/答复（/).first().waitFor({ timeout: 10_000 });
      await bidder.page.screenshot({ path: join(artifacts, "bidder-clarification.png"), fullPage: true });
      // On the record, and on the committee's pages.
      await agent.page.getByText("暂列金额为 20 万元，按招标文件计列。").first().waitFor({ timeout: 10_000 });
      await terminal.getByText("暂列金额为 20 万元，按招标文件计列。").first().waitFor({ timeout: 10_000 });
      await agent.page.screenshot({ path: join(artifacts, "agent-console.png"), fullPage: true });
      const rec = await t.app.db.evalClarification.findFirstOrThrow({ where: { sessionId } });
      expect(rec.answer).toBe("暂列金额为 20 万元，按招标文件计列。");

      // The chair (seat 1, at the browser terminal) asks to pause; the supervisor approves on its page;
      // every screen shows the pause; then the same for the resume.
      expect(await terminal.locator('[data-test="chair-tools"]').count()).toBe(1);
      for (const [kind, label, status] of [
        ["pause", "暂停", "评标已暂停"],
        ["resume", "恢复", "评标进行中"],
      ] as const) {
        const tools = terminal.locator('[data-test="chair-tools"]');
        await tools.locator(".el-radio-button", { hasText: new RegExp(`^${label}$`) }).click();
        await tools.locator('textarea[placeholder="理由"]').fill(kind === "pause" ? "异地评标室网络中断，暂停评审" : "网络已恢复");
        await tools.getByRole("button", { name: "提交申请（需监督批准）" }).click();
        await supervisor.page.locator('[data-test="approve"]').first().waitFor({ timeout: 10_000 });
        await supervisor.page.locator('[data-test="approve"]').first().click();
        await until(async () => (await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } })).status === (kind === "pause" ? "paused" : "running"), 10_000, kind);
        if (kind === "pause") {
          await projector.locator('[data-test="eval-status"]').getByText(status).waitFor({ timeout: 10_000 });
          await terminal.getByText(status).first().waitFor({ timeout: 10_000 });
          await shot(projector, "projector-paused");
        } else {
          await projector.locator('[data-test="eval-status"]').waitFor({ state: "detached", timeout: 10_000 });
        }
      }
      expect((await t.app.db.evalRequest.findMany({ where: { sessionId }, orderBy: { requestedAt: "asc" } })).map((r) => [r.kind, r.state])).toEqual([
        ["pause", "approved"],
        ["resume", "approved"],
      ]);

      // A correction: the chair asks to reopen its own scoring sheet, the supervisor approves on its page,
      // the terminal's sheet opens again and the expert resubmits (a new idempotency key, version 2).
      const tools = terminal.locator('[data-test="chair-tools"]');
      await tools.locator(".el-radio-button", { hasText: /^更正评审表$/ }).click();
      await tools.locator("select.native").nth(1).selectOption(me().memberId);
      await tools.locator(".el-radio-button", { hasText: /^详细评审$/ }).click();
      await tools.locator('textarea[placeholder="理由"]').fill("本人误录对第二名的技术分，申请更正");
      await tools.getByRole("button", { name: "提交申请（需监督批准）" }).click();
      await supervisor.page.locator('[data-test="approve"]').first().waitFor({ timeout: 10_000 });
      await supervisor.page.locator('[data-test="approve"]').first().click();
      const B = w.bidders[1]!;
      const bTech = terminal.locator(inputOf(`score-${B.companyId}-tech`));
      await until(async () => await bTech.isEditable(), 15_000, "the sheet reopened");
      await bTech.fill("29");
      await terminal.locator(`[data-test="total-${B.companyId}"]`).getByText("50.50").waitFor({ timeout: 5_000 });
      await terminal.locator(inputOf(`outlier-reason-${w.bidders[0]!.companyId}`, "textarea")).fill("技术方案未响应关键工期要求");
      await terminal.locator('[data-test="submit-scoring"]').click();
      await terminal.getByText(/已提交（第 2 版/).waitFor({ timeout: 15_000 });
      const mine = await t.app.db.evalSubmission.findMany({ where: { sessionId, memberId: me().memberId, step: "scoring" }, orderBy: { version: "asc" } });
      expect(mine.map((x) => [x.version, x.supersededAt === null])).toEqual([
        [1, false],
        [2, true],
      ]);
      expect(mine[1]!.sheet).toContain('"score":29');
      await until(() => supView.state?.corrections.length === 1, 10_000, "the correction to the supervisors");
      expect(supView.state!.corrections[0]).toMatchObject({ seat: 1, step: "scoring", fromVersion: 1, reason: "本人误录对第二名的技术分，申请更正" });
      await shot(terminal, "terminal-corrected");
    } finally {
      for (const p of people) await p.context.close();
    }
  });

  it("shows the price scores with formula and inputs, then the result; the candidates go on the projector; a dissent is recorded", async () => {
    await advance("scoring");
    await terminal.locator('[data-test="price-scores"]').waitFor({ timeout: 10_000 });
    for (const s of ["30.00", "28.24", "26.09", "评标基准价"]) await terminal.getByText(s).first().waitFor({ timeout: 5_000 });
    await shot(terminal, "terminal-price");
    await advance("price");
    await terminal.locator('[data-test="ranking"]').waitFor({ timeout: 10_000 });
    await advance("aggregate");
    await projector.getByText("推荐中标候选人").first().waitFor({ timeout: 10_000 });
    await shot(projector, "projector-candidates");
    // A dissent goes on the record before the report is made.
    await terminal.locator(inputOf("dissent-text", "textarea")).fill("本人对第三名的技术评分持保留意见。");
    await terminal.getByRole("button", { name: "记录保留意见" }).click();
    await terminal.getByText("保留意见已记录").first().waitFor({ timeout: 10_000 });
    expect(await t.app.db.evalDissent.count({ where: { sessionId } })).toBe(1);
    await advance("candidates");
  });

  it("signs the report with the terminal's own WebCrypto key; pdfsig accepts it; the report carries what the pages recorded", async () => {
    await terminal.locator('[data-test="sign-report"]').click();
    await terminal.getByText(/签字成功/).first().waitFor({ timeout: 30_000 });
    await until(() => supView.state?.members.find((m) => m.memberId === me().memberId)?.signature === "signed", 10_000, "the terminal's signature");
    for (const x of others()) {
      ok(await call(x.socket!, "evaluation:enrollKey", { sessionId, publicKeyPem: x.key.publicKeyPem }));
      const p = ok(await call(x.socket!, "evaluation:prepareSignature", { sessionId }));
      ok(await call(x.socket!, "evaluation:sign", { sessionId, prepId: p.prepId, signatureB64: x.key.sign(p.toSignB64) }));
    }
    await until(() => supView.state?.status === "closed", 15_000, "closed");
    // The session is over: the terminal shows the closed page, the projector the closed status…
    const closed = terminal.locator('[data-test="terminal-closed"]');
    await closed.getByText("评标报告已完成签署，感谢您参加本次评标！").waitFor({ timeout: 15_000 });
    await closed.locator('[data-test="closed-signature"]').getByText("已签字").waitFor({ timeout: 5_000 });
    expect(await terminal.locator('[data-test="chair-tools"]').count()).toBe(0);
    await projector.locator('[data-test="eval-status"]').getByText("评标已结束").waitFor({ timeout: 15_000 });
    // The off-site link's fault clock ends with the session.
    await projector.locator('[data-test="eval-fault"]').waitFor({ state: "detached", timeout: 10_000 });
    await shot(projector, "projector-closed");
    await shot(terminal, "terminal-closed");
    // …and once the closed session's time on the screens is over (time moved on; the timer's refresh), they go back to idle by themselves.
    await t.app.db.evalSession.update({ where: { id: sessionId }, data: { closedAt: new Date(Date.now() - CLOSED_SHOWN_MS - 1000) } });
    await changed(t.app.ctx, sessionId);
    await terminal.locator('[data-test="expert-terminal"]').waitFor({ state: "detached", timeout: 15_000 });
    await projector.locator('[data-test="eval-stage"]').waitFor({ state: "detached", timeout: 15_000 });
    await projector.getByText("第一评标室").first().waitFor({ timeout: 10_000 });
    await shot(terminal, "terminal-after");
    const res = await fetch(`${t.url}/api/evaluations/${sessionId}/report.pdf`, { headers: { authorization: `Bearer ${supToken}` } });
    expect(res.status).toBe(200);
    const file = join(t.dir, "report.pdf");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const pdfText = execFileSync("pdftotext", ["-layout", file, "-"]).toString();
    for (const x of ["本人对第三名的技术评分持保留意见", "技术方案未响应关键工期要求", "暂列金额为 20 万元", me().name]) expect(pdfText).toContain(x);
    const signatures = await pdfSignatures(t, file);
    expect(signatures).toHaveLength(8);
    for (const sig of signatures) expect(sig).toMatchObject({ valid: true, trusted: true });
    // The first signature is the browser's (the terminal signed first).
    expect(signatures[0]!.signerName).toBe(me().name);
  });

  it("the agent starts an evaluation from its page: lot, draw and the default template; an early start asks first (seats not accepted, the time)", async () => {
    // The committee has not answered and the time is an hour ahead: the page asks before starting.
    const w2 = await evaluationWorld(t, prices, { poolOffset: 3, ready: false });
    const agent = await loginInBrowser(browser, t.url, "agent", { width: 1600, height: 1000 });
    try {
      await agent.page.goto(`${t.url}/agent/evaluations`);
      const lot = await t.app.db.lot.findUniqueOrThrow({ where: { id: w2.lotId } });
      await agent.page.locator('[data-test="pick-lot"]').click();
      await agent.page.locator(".el-select-dropdown__item:visible", { hasText: lot.code }).first().click();
      // The lot's only completed draw is chosen by itself.
      await agent.page.locator('[data-test="pick-draw"]').getByText(/已签到 0 \/ 7/).waitFor({ timeout: 10_000 });
      await agent.page.screenshot({ path: join(artifacts, "agent-create.png"), fullPage: true });
      await agent.page.locator('[data-test="create-evaluation"]').click();
      const dialog = agent.page.locator(".el-message-box", { has: agent.page.locator('[data-test="not-ready"]') });
      await dialog.waitFor({ timeout: 10_000 });
      const draw = await t.app.db.expertDraw.findUniqueOrThrow({ where: { id: w2.drawId } });
      const text = await dialog.innerText();
      expect(text).toContain("确认提前开始评标");
      expect(text).toContain("以下席位的专家尚未接受邀请");
      expect(text).toMatch(/席位 1（[^）]+，主场，A010101/);
      expect(text).toMatch(/席位 7（.+，副场，A0104/);
      expect(text).toContain(`预定评标时间为 ${formatShanghai(draw.evaluationAt)}`);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T|EVALUATION_NOT_READY/);
      for (const e of w2.pool) expect(text).not.toContain(e.name);
      await agent.page.screenshot({ path: join(artifacts, "agent-create-confirm.png") });
      // Cancel: nothing starts. Again and confirm: it starts, on the record.
      await dialog.getByRole("button", { name: "取消" }).click();
      await dialog.waitFor({ state: "detached", timeout: 5000 });
      expect(await t.app.db.evalSession.count({ where: { lotId: w2.lotId } })).toBe(0);
      await agent.page.locator('[data-test="create-evaluation"]').click();
      await dialog.getByRole("button", { name: "确认开始" }).click();
      await agent.page.waitForURL(/\/agent\/evaluations\/[0-9a-f-]{36}$/, { timeout: 15_000 });
      await agent.page.locator('[data-test="agent-step"]').getByText("专家签到").waitFor({ timeout: 15_000 });
      await agent.page.getByText(/未签到席位/).first().waitFor({ timeout: 10_000 });
      const created = await t.app.db.evalSession.findFirstOrThrow({ where: { lotId: w2.lotId } });
      expect(agent.page.url()).toContain(created.id);
      expect(created.drawId).toBe(w2.drawId);
      const template = JSON.parse(created.template) as { qualification: { key: string }[]; criteria: { key: string; max: string }[]; price: { kind: string; weight: string } };
      expect(template.qualification.map((q) => q.key)).toEqual(["license", "qualification", "finance", "credit", "deposit"]);
      expect(template.criteria.map((c) => [c.key, c.max])).toEqual([["plan", "30"], ["organisation", "20"], ["team", "10"], ["record", "10"]]);
      expect(template.price).toMatchObject({ kind: "lowest-price-base", weight: "0.30" });
      expect(await t.app.db.auditEvent.count({ where: { target: `evaluation:${created.id}`, action: "evaluation.startConfirmed" } })).toBe(1);
    } finally {
      await agent.context.close();
    }
  }, 120_000);
});
