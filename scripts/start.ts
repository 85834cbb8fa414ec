// `npm start`: validate the config, apply the committed migrations, seed the
// demo center on first run (rooms, devices, people, and through the app's own
// commands the expert pool, the statistics ledger and an open tender), build the
// client if no build exists, then serve.
// `--no-build` (used by `npm run dev`) skips the client build: Vite serves it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ConfigError, loadConfig } from "../server/config";
import { DEMO_PASSWORD, demoUsers, type DemoDevice } from "../server/seed/demo";
import { DEMO_PROJECT_CODE } from "../server/seed/content";
import { seedOnStart } from "../server/seed/start";
import { main } from "../server/main";

const require = createRequire(import.meta.url);

async function start() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  process.env.DATABASE_URL = config.databaseUrl;

  console.log(`[start] applying migrations to ${config.databaseUrl.replace(/\/\/[^@]*@/, "//***@")}`);
  execFileSync(process.execPath, [require.resolve("prisma/build/index.js"), "migrate", "deploy"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: process.env,
  });

  const devicesFile = join(config.dataDir, "demo-devices.json");
  const seeded = await seedOnStart(config);
  if (seeded) console.log(`[start] ${seeded.message}`);

  if (!process.argv.includes("--no-build") && !existsSync(join(config.clientDist, "index.html"))) {
    console.log("[start] building the client (first run)…");
    // vite's package exports hide bin/vite.js; its package.json is exported, the bin sits beside it
    const viteBin = join(dirname(require.resolve("vite/package.json")), "bin", "vite.js");
    execFileSync(process.execPath, [viteBin, "build", "--config", "client/vite.config.ts"], {
      stdio: "inherit",
    });
  }

  await main();
  const host = config.host === "0.0.0.0" ? "localhost" : config.host;
  const url = `http://${host}:${config.port}`;
  const lines = [
    "",
    `电子开评标大厅 is running: ${url}`,
    "",
    `Demo accounts (password ${DEMO_PASSWORD}; change them before real use):`,
    ...demoUsers.map((u) => `  ${u.username.padEnd(11)} ${u.role.padEnd(11)} ${u.displayName}`),
  ];
  if (existsSync(devicesFile)) {
    const devices = JSON.parse(readFileSync(devicesFile, "utf8")) as DemoDevice[];
    lines.push("", `Device screens (keys kept in ${devicesFile}):`);
    for (const d of devices.filter((x) => ["projector", "entrance-board", "monitoring-wall"].includes(x.kind))) {
      lines.push(`  ${d.code.padEnd(8)} ${d.name}: ${url}/screen#key=${d.key}`);
    }
  }
  lines.push(
    "",
    "Try first:",
    `  bidder / bidder2 / bidder3  seal and submit a bid on the open tender ${DEMO_PROJECT_CODE} before its deadline`,
    "  agent                       run the opening in room K01, request an expert draw for P01 + Y01",
    "  admin                       the expert pool (120 synthetic experts), devices, 交易统计 2018-01-01 … 2018-06-30",
    "  supervisor                  the monitoring wall, draws, the audit trail",
  );
  console.log(lines.join("\n") + "\n");
}

start().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
