// `npm start`: validate the config, apply the committed migrations, check
// APP_SECRET against the database, seed the demo center on first run (rooms,
// devices, people, and through the app's own commands the expert pool, the
// statistics ledger and an open tender; DEMO=off: nothing), build the client if
// no build exists, then serve.
// `--no-build` (used by `npm run dev`) skips the client build: Vite serves it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../server/config";
import { exitOnStartupError, migrateDatabase } from "../server/boot";
import { DEMO_PASSWORD, demoUsers, type DemoDevice } from "../server/seed/demo";
import { DEMO_PROJECT_CODE } from "../server/seed/content";
import { seedOnStart } from "../server/seed/start";
import { main } from "../server/main";
import { buildClientIfMissing } from "./client-build";
import { OUTBOX_PAGE_PATH } from "../server/contracts/outbox";

/** The device screens the start output lists, in this order: the hall's screens, then the expert terminals. */
const SCREEN_KINDS = ["projector", "entrance-board", "monitoring-wall"];

async function start() {
  const config = loadConfig();
  process.env.DATABASE_URL = config.databaseUrl;

  const built = buildClientIfMissing(config, "start"); // beside the migrations and the seed
  built.catch(() => undefined); // awaited below; a failure is reported there
  await migrateDatabase(config, (line) => console.log(`[start] ${line}`));

  const devicesFile = join(config.dataDir, "demo-devices.json");
  const seeded = await seedOnStart(config); // checks APP_SECRET (createApp) before it writes anything
  if (seeded) {
    console.log(`[start] ${seeded.message}`);
    for (const line of seeded.skipped) console.log(`[start] ${line}`);
  }
  if (!config.demo) console.log("[start] DEMO=off: no demo center, accounts or content are seeded / 未加载演示数据");

  await built;

  await main();
  const host = config.host === "0.0.0.0" ? "localhost" : config.host;
  const url = `http://${host}:${config.port}`;
  const lines = ["", `电子开评标大厅 is running: ${url}`];
  if (config.demo) {
    lines.push(
      "",
      `Demo accounts (password ${DEMO_PASSWORD}; change them before real use):`,
      ...demoUsers.map((u) => `  ${u.username.padEnd(11)} ${u.role.padEnd(11)} ${u.displayName}`),
    );
  }
  if (config.demo && existsSync(devicesFile)) {
    const devices = JSON.parse(readFileSync(devicesFile, "utf8")) as DemoDevice[];
    lines.push("", `Device screens (keys kept in ${devicesFile}):`);
    for (const d of devices.filter((x) => SCREEN_KINDS.includes(x.kind))) {
      lines.push(`  ${d.code.padEnd(8)} ${d.name}: ${url}/screen#key=${d.key}`);
    }
    const terminals = devices.filter((x) => x.kind === "expert-terminal");
    if (terminals.length) {
      lines.push("", "Expert terminals (专家终端: experts sign in here with their ID number and the code sent to them):");
      // /screen: the terminal's device page (sign-in, then the evaluation itself); /expert-terminal is the sign-in alone
      for (const d of terminals) lines.push(`  ${d.code.padEnd(8)} ${d.name} (${d.room}): ${url}/screen#key=${d.key}`);
    }
  }
  if (config.demo) {
    lines.push(
      "",
      "Try first:",
      `  bidder / bidder2 / bidder3  seal and submit a bid on the open tender ${DEMO_PROJECT_CODE} before its deadline`,
      "  agent                       run the opening in room K01, request an expert draw for P01 + Y01",
      "  admin                       the expert pool (120 synthetic experts), devices, 交易统计 2018-01-01 … 2018-06-30",
      "  supervisor                  the monitoring wall, draws, the audit trail",
      `  admin / supervisor          短信发件箱 ${url}${OUTBOX_PAGE_PATH}: invitation links, sign-in codes and the demo experts' ID numbers (no SMS is sent)`,
      "  the whole day, step by step: README.md, \"One hall day\"",
    );
  }
  console.log(lines.join("\n") + "\n");
}

start().catch((err: unknown) => {
  exitOnStartupError(err); // a bad variable, an unreachable database, a wrong APP_SECRET: one line, exit 2
  console.error(err);
  process.exit(1);
});
