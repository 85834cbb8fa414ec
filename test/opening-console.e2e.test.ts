// The opening console and the bidder's lot page in Chromium. The console's
// buttons follow the server's answer in the agent's stream: a command the
// server would refuse is disabled with the reason in Chinese (the pending
// companies named), every stage command asks before it acts (cancel sends
// nothing), and the decryption window can be ended early once every bid is
// settled. The bidder's page answers no request with 404 and its list of bids
// follows changes made elsewhere (another window, the opening) without reload.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { browserSuiteEnabled, ensureClientBuilt, launch } from "./helpers/browser";
import { loginInBrowser, waitText, type Person } from "./helpers/hall-browser";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "opening-console");

describe.runIf(enabled)("the opening console and the bidder's page in Chromium", () => {
  let t: TestApp;
  let browser: Browser;
  let kits: BidderKit[];
  let dir: string;
  let agentToken: string;
  let lotId: string;
  let files: string[];
  let sockets: TestSocket[];
  let agent: Person;
  let bidder: Person;
  const notFound: string[] = [];

  beforeAll(async () => {
    const dist = ensureClientBuilt();
    t = await startTestApp({ CLIENT_DIST: dist, LIVE_TICK_MS: "1000" });
    ({ dir, kits } = await bidderKits(t, ["bidder", "bidder2"]));
    agentToken = (await t.login("agent")).token;
    const project = await createLot(t, agentToken);
    lotId = project.lots[0]!.id;
    const code = project.lots[0]!.code;
    files = kits.map((k, i) => sealWithOpenssl(dir, `e2e-${i}`, bidZip(bidJson(code, k.creditCode, 9_100_000 + i)), [k.certFile]));
    // bidder2 bids through the API; bidder (the one in the browser) bids later, from "another window"
    expect((await uploadBid(t, kits[1]!.token, lotId, files[1]!)).body.ok).toBe(true);
    sockets = await Promise.all(kits.map((k) => t.connect({ token: k.token })));
    browser = await launch();
    mkdirSync(artifacts, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("the bidder's lot page makes no 404 request and its bid list follows changes made elsewhere, live", async () => {
    bidder = await loginInBrowser(browser, t.url, "bidder");
    bidder.page.on("response", (r) => {
      if (r.status() === 404) notFound.push(`${r.request().method()} ${r.url()}`);
    });
    await bidder.page.goto(`${t.url}/bidder/lots/${lotId}`);
    await waitText(bidder.page, "本单位的投标记录");
    const rows = bidder.page.locator(".el-table__body tr");
    await waitText(bidder.page, "尚未递交");
    // Another window of the same company submits: the list shows it without a reload.
    const up = await uploadBid(t, kits[0]!.token, lotId, files[0]!);
    expect(up.body.ok).toBe(true);
    await waitText(bidder.page, up.body.data!.receipt.bidId);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    // …withdraws it, then submits again: both rows, the first withdrawn.
    expect((await t.api("DELETE", `/api/lots/${lotId}/bid`, { token: kits[0]!.token })).body.ok).toBe(true);
    await waitText(bidder.page, "已撤回");
    const again = await uploadBid(t, kits[0]!.token, lotId, files[0]!);
    await waitText(bidder.page, again.body.data!.receipt.bidId);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    expect(notFound).toEqual([]);
  }, 90_000);

  it("the console enables only what the server accepts, says why not, and asks before each stage command", async () => {
    agent = await loginInBrowser(browser, t.url, "agent");
    const page = agent.page;
    await page.goto(`${t.url}/agent/openings/${lotId}`);
    const button = (name: string) => page.getByRole("button", { name, exact: true });
    const hintOf = (command: string) => page.locator(`[data-command="opening:${command}"]`).getAttribute("data-hint");
    // Before the opening time: 开始开标 disabled, saying so with the time it becomes possible.
    await expect.poll(() => hintOf("open"), { timeout: 15_000 }).toMatch(/^尚未到开标时间（北京时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} 起可操作）$/);
    expect(await button("开始开标").isDisabled()).toBe(true);
    expect(await button("公布投标人").isDisabled()).toBe(true);
    expect(await hintOf("publishBidders")).toBe("开标尚未开始");

    await passDeadline(t, lotId); // (moves the opening time and rebuilds the streams, as the clock would reach it)
    await expect.poll(() => button("开始开标").isEnabled(), { timeout: 15_000 }).toBe(true);
    // It asks; cancelling sends nothing.
    await button("开始开标").click();
    const box = page.locator(".el-message-box");
    await box.waitFor();
    expect(await box.innerText()).toContain("确定开始开标？");
    await box.getByRole("button", { name: "取消" }).click();
    await box.waitFor({ state: "hidden" });
    expect(await t.app.db.openingSession.count({ where: { lotId } })).toBe(0);
    const confirm = async (name: string) => {
      await expect.poll(() => button(name).isEnabled(), { timeout: 15_000 }).toBe(true);
      await button(name).click();
      await box.getByRole("button", { name: "确定执行" }).click();
      await box.waitFor({ state: "hidden" });
    };
    await confirm("开始开标");
    await expect.poll(() => t.app.db.openingSession.count({ where: { lotId } }), { timeout: 10_000 }).toBe(1);
    // The database row is written before the live stream reaches the page: wait for the page.
    await expect.poll(() => button("开始开标").isDisabled(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => hintOf("startDecryption"), { timeout: 15_000 }).toBe("当前环节不允许此操作");
    expect(await button("开始解密").isDisabled()).toBe(true);

    for (const s of sockets) expect((await call(s, "opening:signIn", { lotId, mode: "online" })).ok).toBe(true);
    await confirm("公布投标人");
    await confirm("开始解密");
    // The window is open and both bids are sealed: ending early is disabled, naming both companies.
    const names = await Promise.all(kits.map(async (k) => (await t.app.db.company.findUniqueOrThrow({ where: { id: k.companyId } })).name));
    await expect.poll(() => hintOf("endDecryption"), { timeout: 15_000 }).toContain(names[0]!);
    expect(await button("提前结束解密").isDisabled()).toBe(true);
    expect(await page.locator('[data-test="command-blockers"]').innerText()).toContain(`提前结束解密：解密时限未到，仍有投标文件未解密：`);
    // bidder decrypts; bidder2 gives up: now it is allowed.
    expect((await call(sockets[0]!, "opening:submitKey", { lotId, keyHex: await recoverKeyHex(files[0]!, kits[0]!) })).ok).toBe(true);
    await waitText(bidder.page, "已解密"); // the bidder's own list, live
    await expect.poll(() => hintOf("endDecryption"), { timeout: 15_000 }).not.toContain(names[0]!);
    expect(await hintOf("endDecryption")).toContain(names[1]!);
    expect((await call(sockets[1]!, "opening:giveUpDecryption", { lotId })).ok).toBe(true);
    await expect.poll(() => button("提前结束解密").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.screenshot({ path: join(artifacts, "console-end-early.png"), fullPage: true });
    await button("提前结束解密").click();
    await box.waitFor();
    expect(await box.innerText()).toContain("提前结束将记入开标记录");
    await box.getByRole("button", { name: "确定执行" }).click();
    await expect.poll(async () => (await t.app.db.openingSession.findUniqueOrThrow({ where: { lotId } })).stage, { timeout: 10_000 }).toBe("announcing");
    await waitText(page, /解密已于北京时间 .* 由招标代理提前结束/);
    await expect.poll(() => button("发起结果确认").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.screenshot({ path: join(artifacts, "console-announcing.png"), fullPage: true });
    expect(notFound).toEqual([]);
  }, 120_000);

  it("the bidder's page, reloaded during the opening, still makes no 404 request", async () => {
    await bidder.page.reload();
    await waitText(bidder.page, "本单位的投标记录");
    await waitText(bidder.page, "已解密");
    await (bidder.page as Page).waitForLoadState("networkidle");
    expect(notFound).toEqual([]);
  }, 60_000);
});
