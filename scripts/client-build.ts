// The first-run client build of `npm start` and `npm run start:cluster`: builds
// client/dist when CLIENT_DIST has no index.html (a fresh clone), unless --no-build.
// It runs as a child process beside the migrations and the seed (started first,
// awaited before listening), so a fresh clone serves sooner.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Config } from "../server/config";

const require = createRequire(import.meta.url);

/** Starts the build when needed; the promise settles when it is done (rejects when it fails). */
export function buildClientIfMissing(config: Config, tag: string): Promise<void> {
  if (process.argv.includes("--no-build") || existsSync(join(config.clientDist, "index.html"))) return Promise.resolve();
  console.log(`[${tag}] building the client (first run)…`);
  // vite's package exports hide bin/vite.js; its package.json is exported, the bin sits beside it
  const viteBin = join(dirname(require.resolve("vite/package.json")), "bin", "vite.js");
  const child = spawn(process.execPath, [viteBin, "build", "--config", "client/vite.config.ts", "--logLevel", "warn"], { stdio: ["ignore", "inherit", "inherit"] });
  const stop = () => child.kill(); // a start that stops early (a bad secret, a bad database) leaves no build behind
  process.once("exit", stop);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      process.off("exit", stop);
      if (code === 0) {
        console.log(`[${tag}] client built`);
        resolve();
      } else reject(new Error(`the client build (vite build) failed (${signal ?? `exit ${code}`}); see its output above`));
    });
  });
}
