// The hall screens in a real browser: the projector and the monitoring wall
// opened by device key, screenshots kept as test artifacts, checked for the
// expected Chinese text; the projector switches to a live opening by itself.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { call, startTestApp, type TestApp } from "./helpers/app";
import { browserSuiteEnabled, ensureClientBuilt, launch } from "./helpers/browser";
import { createLot, passDeadline } from "./helpers/opening";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-results", "screens");

describe.runIf(enabled)("hall screens in Chromium", () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    const dist = ensureClientBuilt();
    t = await startTestApp({ CLIENT_DIST: dist });
    browser = await launch();
    mkdirSync(artifacts, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const open = async (code: string) => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${t.url}/screen#key=${t.devices.find((d) => d.code === code)!.key}`);
    return page;
  };

  it("the projector shows its room and follows a notice and a live opening", async () => {
    const page = await open("K01-PJ");
    await page.getByText("第一开标厅").first().waitFor({ timeout: 15_000 });
    const roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "K01" } })).id;
    const agent = await t.login("agent");
    const s = await t.connect({ token: agent.token });
    expect((await call(s, "room:setNotice", { roomId, notice: "请各投标人代表到签到处签到" })).ok).toBe(true);
    await page.getByText("请各投标人代表到签到处签到").first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, "projector-idle.png") });
    const project = await createLot(t, agent.token);
    await passDeadline(t, project.lots[0]!.id);
    expect((await call(s, "opening:open", { lotId: project.lots[0]!.id })).ok).toBe(true);
    await page.getByText("滨江大道道路改造工程").first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, "projector-opening.png") });
    const text = await page.locator("body").innerText();
    expect(text).toContain("签到");
    await page.close();
  });

  it("the monitoring wall shows every room and its devices", async () => {
    const page = await open("K01-MW");
    for (const name of ["第一开标厅", "第一评标室", "异地评标室"]) await page.getByText(name).first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(artifacts, "wall.png") });
    const text = await page.locator("body").innerText();
    expect(text).toMatch(/在线|离线/);
    await page.close();
  });
});
