// The notification outbox and the expert's pages in Chromium, as a new center
// uses them without an SMS gateway: the administrator opens 短信发件箱 from the
// navigation after a draw and sees each invitation (recipient, masked mobile,
// the text, the link), then a sign-in code asked for at a terminal (refresh);
// the link opens /invite, which asks for the last 4 of the ID number; the
// supervisor has the tab too; the `expert` login lands on a guide to the link
// and the terminal. Screenshots go to test-artifacts/outbox/ (git-ignored).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { residentIdCheckChar } from "@contracts/ids";
import { OUTBOX_PAGE_PATH } from "@contracts/outbox";
import { call, startTestApp, until, type TestApp } from "./helpers/app";
import { browserSuiteEnabled, ensureClientBuilt, launch } from "./helpers/browser";
import { loginInBrowser, waitText } from "./helpers/hall-browser";
import { createLot } from "./helpers/opening";
import { idLast4For, makeExperts, seedPool } from "./helpers/experts";
import type { SynthExpert } from "../server/experts/synth";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "outbox");
const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
const inputOf = (name: string) => `input[data-test="${name}"], [data-test="${name}"] input`;

let t: TestApp;
let browser: Browser;
let pool: SynthExpert[];
let projectCode: string;

describe.runIf(enabled)("the outbox and the expert's pages in Chromium", () => {
  beforeAll(async () => {
    const dist = process.env.EXPERTS_E2E_DIST ?? ensureClientBuilt();
    t = await startTestApp({ CLIENT_DIST: dist });
    // The links point at this server (EXPERT_LINK_BASE; the test server's port is known only now).
    (t.app.ctx.config.experts as { linkBase: string }).linkBase = t.url;
    browser = await launch();
    mkdirSync(artifacts, { recursive: true });
    const a = await t.login("agent");
    const agent = await t.connect({ token: a.token });
    const project = await createLot(t, a.token);
    projectCode = project.code;
    pool = makeExperts(10, ["A010101"], { seed: 43 }).map((e, i) => {
      const first17 = `${e.regionCode}1972${String(1 + (i % 12)).padStart(2, "0")}${String(1 + (i % 28)).padStart(2, "0")}${String(800 + i).padStart(3, "0")}`;
      return { ...e, residentId: first17 + residentIdCheckChar(first17)! };
    });
    await seedPool(t, pool);
    const rooms = await t.app.db.room.findMany();
    const req = await call(agent, "experts:requestDraw", {
      projectId: project.id,
      lotId: project.lots[0]!.id,
      evaluationAt: new Date(Date.now() + 3_600_000).toISOString(),
      sites: [{ roomId: rooms.find((r) => r.code === "P01")!.id, role: "main", needs: [{ specialtyCode: "A010101", count: 5 }] }],
    });
    if (!req.ok) throw new Error(JSON.stringify(req.error));
    const drawn = await call(agent, "experts:draw", { drawId: req.data.drawId });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn.error));
    await until(async () => (await t.app.db.notificationOutbox.count()) === 5, 5000, "5 invitations kept");
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("admin: 短信发件箱 from the navigation lists the invitations with clickable links, then a sign-in code after a refresh; the link answers with the last 4 of the ID number", async () => {
    const admin = await loginInBrowser(browser, t.url, "admin");
    const page = admin.page;
    await page.getByRole("link", { name: "短信发件箱" }).click();
    await page.waitForURL((u) => u.pathname === OUTBOX_PAGE_PATH);
    await until(async () => (await page.locator('[data-test="outbox-row"][data-kind="invitation"]').count()) === 5, 15_000, "5 invitation rows");
    const rows = page.locator('[data-test="outbox-row"][data-kind="invitation"]');
    const first = rows.first();
    const href = (await first.locator('a[data-test="outbox-link"]').getAttribute("href"))!;
    expect(href).toMatch(new RegExp(`^${t.config.experts.linkBase}/invite#t=[A-Za-z0-9_-]{20,}$`));
    const text = await page.locator("body").innerText();
    expect(text).toContain("抽取邀请");
    expect(text).toContain("短信");
    expect(text).toContain(projectCode);
    expect(text).toContain("已保存（待转告）");
    expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    // zh-CN only: no raw keys, codes or UTC timestamps.
    for (const raw of ["outbox.", "sign-in-code", "invitation", "sms", "T0", "T1", "Z "]) expect(text, raw).not.toContain(raw);
    const recipient = await first.locator('[data-test="outbox-recipient"]').innerText();
    const expert = pool.find((e) => recipient.startsWith(e.name))!;
    expect(recipient).toContain(`${expert.mobile.slice(0, 3)}****${expert.mobile.slice(-4)}`);
    expect(text).not.toContain(expert.mobile);

    // A code asked for at the terminal appears after a refresh.
    const terminal = await t.connect({ deviceKey: t.devices.find((d) => d.code === "P01-ET1")!.key });
    expect((await call(terminal, "experts:signInStart", { residentId: expert.residentId })).ok).toBe(true);
    await page.locator('[data-test="outbox-refresh"]').click();
    const code = page.locator('[data-test="outbox-row"][data-kind="sign-in-code"] [data-test="outbox-code"]');
    await code.waitFor({ timeout: 10_000 });
    expect(await code.innerText()).toMatch(/^\d{6}$/);
    await shot(page, "admin-outbox");

    // The link opens the invitation page, which wants the last 4 of the ID number.
    const [invite] = await Promise.all([admin.context.waitForEvent("page"), first.locator('a[data-test="outbox-link"]').click()]);
    await invite.waitForLoadState();
    await waitText(invite, projectCode);
    expect(await invite.locator('[data-test="accept"]').isDisabled()).toBe(true);
    await invite.locator(inputOf("invite-id-last4")).fill(idLast4For(pool, expert.mobile) === "0000" ? "1111" : "0000");
    await invite.locator('[data-test="accept"]').click();
    await waitText(invite, "身份证号后 4 位不符");
    await waitText(invite, "还可尝试 4 次");
    expect(await invite.locator("body").innerText()).not.toContain("tries left");
    await shot(invite, "invite-wrong-proof");
    await invite.locator(inputOf("invite-id-last4")).fill(idLast4For(pool, expert.mobile));
    await invite.locator('[data-test="accept"]').click();
    await waitText(invite, "您已接受邀请");
    await shot(invite, "invite-accepted");
    await admin.context.close();
  }, 120_000);

  it("supervisor: the outbox tab is there too", async () => {
    const sup = await loginInBrowser(browser, t.url, "supervisor");
    await sup.page.getByRole("link", { name: "短信发件箱" }).click();
    await until(async () => (await sup.page.locator('[data-test="outbox-row"]').count()) >= 6, 15_000, "rows");
    await shot(sup.page, "supervisor-outbox");
    await sup.context.close();
  }, 60_000);

  it("the expert login lands on the guide: the link, the terminal sign-in, where the demo's messages are", async () => {
    const ex = await loginInBrowser(browser, t.url, "expert");
    await ex.page.locator('[data-test="expert-guide"]').waitFor();
    const text = await ex.page.locator('[data-test="expert-guide"]').innerText();
    for (const s of ["身份证号后 4 位", "专家终端", "短信验证码", "短信发件箱"]) expect(text).toContain(s);
    expect(await ex.page.locator('[data-test="expert-terminal-link"]').getAttribute("href")).toBe("/expert-terminal");
    await shot(ex.page, "expert-home");
    await ex.context.close();
  }, 60_000);
});
