// Page-level steps of the hall in a real browser (playwright-core + Debian's
// Chromium, see ./browser.ts): log in through the login page, find an Element
// Plus form item by its label, type into a date-time picker, wait for text.
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { DEMO_PASSWORD } from "../../server/seed/demo";

export interface Person {
  username: string;
  context: BrowserContext;
  page: Page;
}

/** A fresh browser context (own storage: one person), logged in through the login page. */
export async function loginInBrowser(browser: Browser, url: string, username: string, opts: { width?: number; height?: number } = {}): Promise<Person> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(DEMO_PASSWORD);
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 15_000 });
  return { username, context, page };
}

/** The input of the Element Plus form item whose label is exactly `label`. */
export function field(scope: Page | Locator, label: string, what = "input"): Locator {
  // `has` is matched inside each form item, so it must be built from the page, not from the scope.
  const page = "page" in scope && typeof scope.page === "function" ? (scope as Locator).page() : (scope as Page);
  const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);
  return scope.locator(".el-form-item").filter({ has: page.locator(".el-form-item__label", { hasText: exact }) }).locator(what).first();
}

/** Types a value into an ElDatePicker (format YYYY-MM-DD HH:mm) and confirms it. */
export async function typeDate(scope: Page | Locator, label: string, value: string): Promise<void> {
  const input = field(scope, label);
  await input.click();
  await input.fill(value);
  await input.press("Enter");
}

/**
 * Clicks an option of the ElSelect dropdown that is open now. A dropdown that is closing still matches `:visible` for
 * a moment (and never becomes clickable), so each matching option is tried briefly, the newest first, until one takes.
 */
export async function clickOption(page: Page, option: string | RegExp, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const items = page.locator(".el-select-dropdown__item:visible", { hasText: option });
    for (let i = (await items.count()) - 1; i >= 0; i--) {
      if (await items.nth(i).click({ timeout: 1_000 }).then(() => true, () => false)) return;
    }
    if (Date.now() > deadline) throw new Error(`no open dropdown offers ${String(option)}`);
    await page.waitForTimeout(200);
  }
}

/** Picks an option of an ElSelect by its label text. */
export async function pick(page: Page, scope: Page | Locator, label: string, option: string): Promise<void> {
  await field(scope, label, ".el-select").click();
  await clickOption(page, option);
}

/** "YYYY-MM-DD HH:mm" in Asia/Shanghai for a Date. */
export function shanghaiMinute(d: Date): string {
  const s = new Date(d.getTime() + 8 * 3_600_000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

export async function waitText(page: Page, text: string | RegExp, timeout = 15_000): Promise<void> {
  await page.getByText(text).first().waitFor({ timeout });
}
