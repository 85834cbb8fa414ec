// Headless Debian Chromium driven by playwright-core (no browser download).
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

/** In CI a missing browser is a failure, on a developer's machine a skip with a hint. */
export function browserSuiteEnabled(): boolean {
  if (haveChromium) return true;
  if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs Debian's chromium`);
  console.warn(`[skipped] browser tests: no Chromium at ${CHROMIUM}. Run: apt-get install -y chromium fonts-noto-cjk`);
  return false;
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
