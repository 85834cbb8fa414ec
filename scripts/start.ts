// `npm start`: validate the config, apply the committed migrations, seed the
// demo center on first run, build the client if no build exists, then serve.
// `--no-build` (used by `npm run dev`) skips the client build: Vite serves it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../server/config";
import { createDb } from "../server/db";
import { DEMO_PASSWORD, demoUsers, seedDemo, type DemoDevice } from "../server/seed/demo";
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
  const db = createDb(config.databaseUrl);
  const seeded = await seedDemo(db);
  await db.$disconnect();
  if (seeded) writeFileSync(devicesFile, JSON.stringify(seeded.devices, null, 2), { mode: 0o600 });

  if (!process.argv.includes("--no-build") && !existsSync(join(config.clientDist, "index.html"))) {
    console.log("[start] building the client (first run)…");
    execFileSync(process.execPath, [require.resolve("vite/bin/vite.js"), "build", "--config", "client/vite.config.ts"], {
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
  console.log(lines.join("\n") + "\n");
}

start().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
