// The zh-CN scan: no English, error codes, raw i18n keys or UTC timestamps ever
// reach a zh-CN user. The demo app as `npm start` seeds it; every demo account
// logs in through the login page in a zh-CN browser, opens every page its
// navigation offers (and the demo tender's pages), the hall devices open their
// screens, the public pages open, and a few error paths are taken (wrong
// password, empty login, an empty project form, a bogus invitation). Each page's
// visible text and its title / placeholder / aria-label / alt attributes are
// scanned (see findings() for the rules). Screenshots: test-artifacts/zh-scan/.
//
// Allowed: data, by pattern (project and lot codes like DEMO-GC-001, room and
// device codes like K01 / P01-ET1, file names, URLs, hex digests, dates in
// Asia/Shanghai); the few format names a Chinese user knows by their Latin
// name (PDF, CSV, XLSX, ZIP, SHA-256 — see ALLOWED_WORDS); and the hall
// screens' deliberate second language, marked lang="en" (Chinese first, the
// English line smaller below it: the screens are read by everyone in the hall);
// <code>/<pre> samples of a file format; the demo's login names and password.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestApp, type TestApp } from "./helpers/app";
import { browserSuiteEnabled, ensureClientBuilt, launch } from "./helpers/browser";
import { loginInBrowser } from "./helpers/hall-browser";
import { call } from "./helpers/app";
import { comprehensiveTemplate, evaluationWorld, ok } from "./helpers/evaluation";
import { roleNavItems } from "../client/src/components/roleNav";
import { DEMO_PASSWORD, demoUsers } from "../server/seed/demo";

const enabled = browserSuiteEnabled();
const artifacts = join(process.cwd(), "test-artifacts", "zh-scan");

/** Latin words a zh-CN user reads as they are: file and text formats that have no Chinese name, and the digest's name. */
const ALLOWED_WORDS = new Set(["PDF", "CSV", "XLSX", "ZIP", "JSON", "PEM", "UTF", "GBK", "SHA"]);

/** Data shown as it is: removed before the words are looked at. */
const DATA_PATTERNS: RegExp[] = [
  /\bhttps?:\/\/\S+/g, // links (invitation links on the outbox page)
  /[\w\u4e00-\u9fff（）()-]+\.(pdf|zip|p7m|csv|xlsx|json|pem|cer|crt|der|txt)\b/gi, // file names
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, // ids
  /\b[0-9a-f]{12,}\b/gi, // digests (shown shortened too)
  /\b[A-Z]{2,}(?:-[A-Z0-9]+)+\b/g, // project / lot codes: DEMO-GC-001, DEMO-GC-001-01
  /\b(?=[A-Z0-9]*\d)[A-Z][A-Z0-9]{3,}(?:-[A-Z0-9]+)*\b/g, // codes with a digit: JS2026, P6POIGN-01
  /\b[A-Z]{1,3}\d{1,3}(?:-[A-Z]{1,3}\d{0,3})?\b/g, // rooms and devices: K01, P01-ET1, Y01-ET3
  /(?<![\w.])\.(?:pem|cer|crt|der|p12|pfx|p7m|zip|pdf|csv|txt|xlsx|json)\b/g, // file extensions named alone
  /-----(?:BEGIN|END) [A-Z ]+-----/g, // a PEM block's frame (the certificate field's placeholder)
  /\bSHA-256\b/g,
  /\b[a-z][\w-]*\/\d+(?:\.\d+)+\b/g, // a device's client and version (web-screen/0.1)
  // The demo's login names and password: typed as shown (login hint, the expert's guide, the profile).
  new RegExp(`\\b(?:${demoUsers.map((u) => u.username).join("|")})\\b|${DEMO_PASSWORD}`, "g"),
];

export interface Finding {
  kind: "english" | "code" | "key" | "utc" | "junk";
  match: string;
  context: string;
}

/** What a zh-CN user must not see in a piece of text. */
export function findings(text: string): Finding[] {
  const out: Finding[] = [];
  const ctx = (s: string, i: number) => s.slice(Math.max(0, i - 30), i + 40).replace(/\s+/g, " ");
  const scan = (kind: Finding["kind"], re: RegExp, s: string, keep: (m: string) => boolean = () => true) => {
    for (const m of s.matchAll(re)) if (keep(m[0])) out.push({ kind, match: m[0], context: ctx(s, m.index ?? 0) });
  };
  scan("utc", /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\bUTC\b|\bGMT\b/g, text);
  scan("junk", /\bundefined\b|\bnull\b|\bNaN\b|\[object Object\]|Invalid Date/g, text);
  scan("code", /\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g, text);
  let rest = text;
  for (const re of DATA_PATTERNS) rest = rest.replace(re, " ");
  scan("key", /\b[a-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+\b/g, rest);
  scan("english", /[A-Za-z]{3,}/g, rest, (w) => !ALLOWED_WORDS.has(w) && !/^[A-Z][a-z]?\d/.test(w));
  return out;
}

/**
 * The page's visible text and labelling attributes, without the parts marked lang="en" (hall screens' second
 * line). Run in the page (a script string: the test project's TypeScript has no DOM types).
 */
const PAGE_TEXT = `(() => {
  const parts = [document.title];
  const english = (el) => !!el && !!el.closest('[lang="en"]');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    const s = (n.textContent || "").trim();
    // <code>/<pre>: a file format's sample or a command, typed as shown (data).
    if (!s || !el || english(el) || ["SCRIPT", "STYLE", "NOSCRIPT"].includes(el.tagName) || el.closest("code, pre")) continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    parts.push(s);
  }
  for (const el of document.querySelectorAll("[title],[placeholder],[aria-label],[alt]")) {
    if (english(el) || !el.checkVisibility()) continue;
    for (const a of ["title", "placeholder", "aria-label", "alt"]) {
      const v = (el.getAttribute(a) || "").trim();
      if (v) parts.push(v);
    }
  }
  return parts.join("\\n");
})()`;
const pageText = (page: Page): Promise<string> => page.evaluate<string>(PAGE_TEXT);

const all: { page: string; findings: Finding[] }[] = [];
let shotNo = 0;

/** Waits for the page to settle, saves a screenshot and scans it. */
async function scan(page: Page, name: string): Promise<Finding[]> {
  await page.waitForLoadState("networkidle", { timeout: 10_000 }).catch(() => undefined);
  // Loading spinners and skeletons gone, live streams delivered.
  await page.waitForFunction(`!document.querySelector(".el-loading-mask:not([style*='display: none']), .el-skeleton")`, undefined, { timeout: 10_000 }).catch(() => undefined);
  await page.waitForTimeout(600);
  const label = `${String(++shotNo).padStart(2, "0")}-${name.replace(/[^\w-]+/g, "_")}`;
  await page.screenshot({ path: join(artifacts, `${label}.png`), fullPage: true });
  const text = await pageText(page);
  expect(text.replace(/\s/g, "").length, `${name}: the page shows something`).toBeGreaterThan(2);
  const f = findings(text);
  all.push({ page: name, findings: f });
  return f;
}

describe.runIf(enabled)("zh-CN scan of every page (no English, codes, raw keys or UTC times)", () => {
  let t: TestApp;
  let browser: Browser;
  let lotId: string;

  beforeAll(async () => {
    const dist = ensureClientBuilt();
    t = await startTestApp({ CLIENT_DIST: dist, LIVE_TICK_MS: "1000" }, { seed: "content" });
    lotId = (await t.app.db.lot.findFirstOrThrow({ orderBy: { code: "asc" } })).id;
    browser = await launch();
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    const bad = all.filter((p) => p.findings.length);
    if (bad.length) console.log(`[zh-scan] findings:\n${bad.map((p) => `  ${p.page}: ${p.findings.map((f) => `${f.kind} «${f.match}» in «${f.context}»`).join("\n      ")}`).join("\n")}`);
  });

  it("the scan itself flags English, codes, keys and UTC times and lets data through", () => {
    expect(findings("投标文件已递交").length).toBe(0);
    expect(findings("项目 DEMO-GC-001 · K01 第一开标厅 · P01-ET3 · 施工组织设计.pdf · 2026-12-07 09:30 · SHA-256 3fa9c0d1e2b4a5f6").length).toBe(0);
    expect(findings("规则：at least 5 members").map((f) => f.kind)).toContain("english");
    expect(findings("未签到：NOT_ON_COMMITTEE").map((f) => f.kind)).toContain("code");
    expect(findings("evaluation.sup.title").map((f) => f.kind)).toContain("key");
    expect(findings("开始于 2026-12-07T01:30:00.000Z").map((f) => f.kind)).toContain("utc");
    expect(findings("金额 NaN 元").map((f) => f.kind)).toContain("junk");
  });

  const pages: Record<string, (lot: string, rooms: string[]) => string[]> = {
    admin: () => [...roleNavItems.admin.map((i) => i.to), "/admin/experts/import", "/admin/experts/specialties", "/experts/fairness"],
    agent: (lot) => [...roleNavItems.agent.map((i) => i.to), `/agent/openings/${lot}`],
    supervisor: (_lot, rooms) => [...roleNavItems.supervisor.map((i) => i.to), "/experts/fairness", ...rooms.map((r) => `/supervisor/rooms/${r}`)],
    bidder: (lot) => ["/bidder", `/bidder/lots/${lot}`],
    expert: () => ["/expert"],
  };
  for (const [username, paths] of Object.entries(pages)) {
    it(`${username}: every page of the navigation reads Chinese only`, async () => {
      const rooms = (await t.app.db.room.findMany({ orderBy: { code: "asc" } })).map((r) => r.id);
      const p = await loginInBrowser(browser, t.url, username);
      const found: string[] = [];
      for (const path of paths(lotId, rooms)) {
        await p.page.goto(`${t.url}${path}`);
        for (const f of await scan(p.page, `${username}${path}`)) found.push(`${path}: ${f.kind} «${f.match}» in «${f.context}»`);
      }
      await p.context.close();
      expect(found).toEqual([]);
    }, 180_000);
  }

  it("the hall devices' screens (projector, board, bidder terminal, wall, expert terminals) read Chinese first", async () => {
    const found: string[] = [];
    const one = ["K01-PJ", "K01-EB", "K01-BT1", "K01-MW", "P01-ET1", "Y01-ET1"];
    for (const code of one) {
      const d = t.devices.find((x) => x.code === code)!;
      const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
      const page = await context.newPage();
      await page.goto(`${t.url}/screen#key=${d.key}`);
      await page.waitForTimeout(1_500);
      for (const f of await scan(page, `screen-${code}`)) found.push(`${code}: ${f.kind} «${f.match}» in «${f.context}»`);
      await context.close();
    }
    expect(found).toEqual([]);
  }, 180_000);

  it("public pages and error paths: login, wrong password, empty form, bogus invitation, unknown screen key, unknown page", async () => {
    const found: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await context.newPage();
    const check = async (name: string) => {
      for (const f of await scan(page, name)) found.push(`${name}: ${f.kind} «${f.match}» in «${f.context}»`);
    };
    await page.goto(`${t.url}/login`);
    await check("login");
    await page.locator('button[type="submit"]').click();
    await check("login-empty");
    await page.locator('input[name="username"]').fill("agent");
    await page.locator('input[name="password"]').fill("wrong-password");
    await page.locator('button[type="submit"]').click();
    await page.locator(".el-alert, .el-message, .el-form-item__error").first().waitFor({ timeout: 10_000 });
    const wrong = await pageText(page);
    expect(wrong).toMatch(/[\u4e00-\u9fff]/);
    await check("login-wrong-password");
    await page.goto(`${t.url}/invite#t=bogus-token-0000`);
    await check("invite-bogus");
    await page.goto(`${t.url}/screen#key=dk_bogus`);
    await page.waitForTimeout(1_500);
    await check("screen-bogus-key");
    await page.goto(`${t.url}/no/such/page`);
    await check("not-found");
    await context.close();

    // An invalid form: the agent's new project, submitted empty.
    const agent = await loginInBrowser(browser, t.url, "agent");
    await agent.page.goto(`${t.url}/agent/projects`);
    await agent.page.getByRole("button", { name: "新建项目" }).click();
    await agent.page.locator(".project-form button[type=submit]").click();
    await agent.page.waitForTimeout(1_000);
    for (const f of await scan(agent.page, "agent-project-empty")) found.push(`agent-project-empty: ${f.kind} «${f.match}» in «${f.context}»`);
    await agent.context.close();
    expect(found).toEqual([]);
  }, 120_000);

  // Last: a lot of its own with decrypted bids, a drawn committee and a running evaluation (the pages that are
  // empty in the fresh demo). Made through the domain, as evaluation-pages.e2e does: this test reads, not clicks.
  it("a draw and a running evaluation: the agent's draw page and console, the supervisor's pages, a terminal", async () => {
    const w = await evaluationWorld(t, [965_000_000, 972_000_050, 958_800_000]);
    const { sessionId } = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensiveTemplate }));
    const found: string[] = [];
    const visit = async (username: string, paths: string[]) => {
      const p = await loginInBrowser(browser, t.url, username);
      for (const path of paths) {
        await p.page.goto(`${t.url}${path}`);
        for (const f of await scan(p.page, `${username}${path}`)) found.push(`${path}: ${f.kind} «${f.match}» in «${f.context}»`);
      }
      await p.context.close();
    };
    await visit("agent", ["/agent/experts", `/agent/experts/${w.drawId}`, "/agent/evaluations", `/agent/evaluations/${sessionId}`]);
    await visit("supervisor", [`/supervisor/experts/${w.drawId}`, `/supervisor/evaluations/${sessionId}`, "/outbox"]);
    const d = t.devices.find((x) => x.code === "P01-ET1")!;
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await context.newPage();
    await page.goto(`${t.url}/screen#key=${d.key}`);
    await page.waitForTimeout(1_500);
    for (const f of await scan(page, "screen-P01-ET1-evaluation")) found.push(`P01-ET1: ${f.kind} «${f.match}» in «${f.context}»`);
    await context.close();
    expect(found).toEqual([]);
  }, 240_000);
});
