// Headless Debian Chromium driven by playwright-core (no browser download).
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

/**
 * The browser suites run everywhere: `npm test` provisions Chromium first (scripts/test-tools.ts), so a
 * missing browser here fails the suite loudly instead of skipping it.
 */
export function browserSuiteEnabled(): true {
  if (haveChromium) return true;
  throw new Error(
    `Chromium not found at ${CHROMIUM}: run the tests with \`npm test\` (it installs Debian's chromium and fonts-noto-cjk, or prints the command), or set CHROMIUM_PATH`,
  );
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** The built client (built once if missing: the browser tests need real pages). */
export function ensureClientBuilt(root = process.cwd()): string {
  const dist = join(root, "client", "dist");
  if (!existsSync(join(dist, "index.html"))) {
    execFileSync(process.execPath, ["node_modules/vite/bin/vite.js", "build", "--config", "client/vite.config.ts"], { cwd: root, stdio: "ignore" });
  }
  return dist;
}
