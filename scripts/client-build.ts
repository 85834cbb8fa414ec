// The first-run client build of `npm start` and `npm run start:cluster`: builds
// client/dist when CLIENT_DIST has no index.html (a fresh clone), unless --no-build.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Config } from "../server/config";

const require = createRequire(import.meta.url);

export function buildClientIfMissing(config: Config, tag: string): void {
  if (process.argv.includes("--no-build") || existsSync(join(config.clientDist, "index.html"))) return;
  console.log(`[${tag}] building the client (first run)…`);
  // vite's package exports hide bin/vite.js; its package.json is exported, the bin sits beside it
  const viteBin = join(dirname(require.resolve("vite/package.json")), "bin", "vite.js");
  execFileSync(process.execPath, [viteBin, "build", "--config", "client/vite.config.ts"], { stdio: "inherit" });
}
