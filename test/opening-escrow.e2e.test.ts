// Escrow and the record in Chromium, as the hall's people meet them: the agent
// records a platform fault only where the server allows it (the button is on
// the sealed bid that went to escrow, not on the one sealed without it); the
// supervisor hands in a share on the escrow page; the projector's 唱标 card and
// the agent's tables say "由监督人托管密钥解密" with the supervisors; after the
// record is issued the escrow page says the window is over, and the agent
// issues a supplement record that the bidder's page lists beside the record.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { call, startTestApp, untilStream, type TestApp, type TestSocket } from "./helpers/app";
import { browserSuiteEnabled, ensureClientBuilt, launch } from "./helpers/browser";
import { loginInBrowser, waitText, type Person } from "./helpers/hall-browser";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";
import type { OpeningPublicState } from "@contracts/opening";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "opening-escrow");

describe.runIf(enabled)("escrow, platform faults and supplements in Chromium", () => {
  let t: TestApp;
  let browser: Browser;
  let kits: BidderKit[];
  let lotId: string;
  let lotCode: string;
  let files: string[];
  let sockets: TestSocket[];
  let agentSocket: TestSocket;
  let agent: Person;
  let shares: { token: string; share: string }[];

  beforeAll(async () => {
    const dist = ensureClientBuilt();
    t = await startTestApp({ CLIENT_DIST: dist, LIVE_TICK_MS: "1000" });
    let dir: string;
    ({ dir, kits } = await bidderKits(t, ["bidder", "bidder2"]));
    const agentToken = (await t.login("agent")).token;
    agentSocket = await t.connect({ token: agentToken });
    const project = await createLot(t, agentToken);
    lotId = project.lots[0]!.id;
    lotCode = project.lots[0]!.code;
    const escrowCert = join(dir, "escrow.pem");
    writeFileSync(escrowCert, project.lots[0]!.escrowCertPem);
    // bidder seals to escrow as well; bidder2 does not.
    files = kits.map((k, i) => sealWithOpenssl(dir, `esc-${i}`, bidZip(bidJson(lotCode, k.creditCode, 9_100_000 + i)), i === 0 ? [k.certFile, escrowCert] : [k.certFile]));
    for (const [i, k] of kits.entries()) expect((await uploadBid(t, k.token, lotId, files[i]!)).body.ok).toBe(true);
    shares = [];
    for (const u of ["supervisor", "supervisor2"]) {
      const { token } = await t.login(u);
      const res = await t.api<{ share: string }>("GET", `/api/lots/${lotId}/escrow-share`, { token });
      if (!res.body.ok) throw new Error("share");
      shares.push({ token, share: res.body.data.share });
    }
    sockets = await Promise.all(kits.map((k) => t.connect({ token: k.token })));
    await passDeadline(t, lotId);
    for (const c of ["opening:open", "opening:publishBidders"] as const) expect((await call(agentSocket, c, { lotId })).ok).toBe(true);
    for (const s of sockets) expect((await call(s, "opening:signIn", { lotId, mode: "online" })).ok).toBe(true);
    expect((await call(agentSocket, "opening:startDecryption", { lotId })).ok).toBe(true);
    browser = await launch();
    mkdirSync(artifacts, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("the agent records a platform fault where the server allows it, with its reason", async () => {
    agent = await loginInBrowser(browser, t.url, "agent");
    const page = agent.page;
    await page.goto(`${t.url}/agent/openings/${lotId}`);
    const rows = page.locator(".el-table__body tr").filter({ hasText: "在线签到" });
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    // Only the bid sealed to escrow offers the button; the other says why not.
    const faultButtons = page.getByRole("button", { name: "记录平台故障" });
    await expect.poll(() => faultButtons.count(), { timeout: 15_000 }).toBe(1);
    await waitText(page, "未加密给托管证书");
    await faultButtons.first().click();
    const dialog = page.locator(".el-dialog").filter({ hasText: "记录平台故障" });
    await dialog.waitFor();
    await dialog.locator("textarea").fill("数字证书认证服务中断");
    await dialog.getByRole("button", { name: "记录平台故障" }).click();
    await waitText(page, /平台原因：数字证书认证服务中断（.*记录）/);
    await expect.poll(() => faultButtons.count(), { timeout: 15_000 }).toBe(0);
    // bidder2 decrypts with its own key; the window ends early.
    expect((await call(sockets[1]!, "opening:submitKey", { lotId, keyHex: await recoverKeyHex(files[1]!, kits[1]!) })).ok).toBe(true);
    await untilStream<OpeningPublicState | null>(t, `opening:${lotId}`, (s) => !!s && s.bidders.every((b) => b.bidStatus !== "sealed"));
    expect((await call(agentSocket, "opening:endDecryption", { lotId })).ok).toBe(true);
    await page.screenshot({ path: join(artifacts, "agent-fault.png"), fullPage: true });
  }, 120_000);

  it("two supervisors open it from escrow during the announcement: the page, the card and the tables say so", async () => {
    const projector = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await projector.goto(`${t.url}/screen#key=${t.devices.find((d) => d.code === "K01-PJ")!.key}`);
    await projector.getByText("滨江大道道路改造工程").first().waitFor({ timeout: 15_000 });

    const sup = await loginInBrowser(browser, t.url, "supervisor");
    await sup.page.goto(`${t.url}/supervisor/escrow?lot=${lotId}`);
    const bid = sup.page.locator('[data-test="escrow-bid"]');
    await bid.first().waitFor({ timeout: 15_000 });
    expect(await bid.count()).toBe(1);
    expect(await bid.innerText()).toContain("平台原因：数字证书认证服务中断");
    await bid.locator("textarea").fill(shares[0]!.share);
    await bid.getByRole("button", { name: "提交份额" }).click();
    await waitText(sup.page, "已收到 1/2 份");
    // The second supervisor, from elsewhere.
    const s2 = await t.connect({ token: shares[1]!.token });
    const bidId = (await t.app.db.bid.findFirstOrThrow({ where: { lotId, companyId: kits[0]!.companyId, status: "failed-platform" } })).id;
    expect(await call(s2, "opening:submitEscrowShare", { bidId, share: shares[1]!.share })).toMatchObject({ ok: true, data: { opened: true } });
    await waitText(sup.page, "由监督人托管密钥解密：监督 赵刚、监督 孙丽");
    await sup.page.screenshot({ path: join(artifacts, "supervisor-escrow-opened.png"), fullPage: true });
    await projector.locator('[data-test="escrow-opened"]').first().waitFor({ timeout: 15_000 });
    const card = await projector.locator('[data-test="escrow-opened"]').first().innerText();
    expect(card).toContain("由监督人托管密钥解密");
    expect(card).toContain("监督 赵刚、监督 孙丽");
    await projector.screenshot({ path: join(artifacts, "projector-escrow-card.png") });
    await waitText(agent.page, "由监督人托管密钥解密：监督 赵刚、监督 孙丽");

    // To the close: the escrow page then says the window is over, and offers no hand-in.
    expect((await call(agentSocket, "opening:startConfirmation", { lotId })).ok).toBe(true);
    for (const s of sockets) expect((await call(s, "opening:confirm", { lotId, decision: "confirm" })).ok).toBe(true);
    expect((await call(agentSocket, "opening:close", { lotId })).ok).toBe(true);
    await waitText(sup.page, "该标段当前不在开标中");
    expect(await sup.page.locator("textarea").count()).toBe(0);
    await projector.close();
  }, 120_000);

  it("after the record: the agent issues a supplement, the bidder's page lists it beside the record", async () => {
    const page = agent.page;
    const form = page.locator('[data-test="supplements"]');
    await form.waitFor({ timeout: 15_000 });
    await form.locator('input[data-test="supplement-reason"], [data-test="supplement-reason"] input').fill("更正平台原因表述");
    await form.locator('textarea[data-test="supplement-text"], [data-test="supplement-text"] textarea').fill("投标人一的平台原因更正为：数字证书认证服务中断约二十分钟。");
    await form.locator('[data-test="supplement-issue"]').click();
    const box = page.locator(".el-message-box");
    await box.waitFor();
    expect(await box.innerText()).toContain("不能撤回");
    await box.getByRole("button", { name: "确定执行" }).click();
    await waitText(page, "补充记录第 1 号");
    await page.screenshot({ path: join(artifacts, "agent-supplement.png"), fullPage: true });

    const bidder = await loginInBrowser(browser, t.url, "bidder");
    await bidder.page.goto(`${t.url}/bidder/lots/${lotId}`);
    await waitText(bidder.page, "补充记录第 1 号");
    const item = bidder.page.locator('[data-test="supplement"]').first();
    expect(await item.innerText()).toContain("更正平台原因表述");
    const [download] = await Promise.all([bidder.page.waitForEvent("download"), item.getByRole("button", { name: "下载补充记录" }).click()]);
    expect(download.suggestedFilename()).toBe(`开标记录补充记录-${lotCode}-第1号.pdf`);
    await bidder.page.screenshot({ path: join(artifacts, "bidder-supplement.png"), fullPage: true });
  }, 120_000);
});
