// The seed as `npm start` runs it (scripts/start.ts; scripts/cluster.ts may call it
// the same way): cheap checks on every start; only on a fresh database, or after a
// seed that was interrupted, is an app built (not listening) so the demo's content
// goes through the domains' commands with the real context (keys, PKI, calendar).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatShanghai } from "@contracts/time";
import { createApp } from "../app";
import type { Config } from "../config";
import { createDb } from "../db";
import { createLogger } from "../logger";
import { demoContentPending, seedDemo, type SeedDemoResult } from "./demo";

/**
 * Seeds what is missing; the device keys go to DATA_DIR/demo-devices.json (mode 600). Returns the lines to
 * print (what was seeded, then one line per demo step skipped because it does not fit the center's own data),
 * or null. DEMO=off: nothing at all.
 */
export async function seedOnStart(config: Config): Promise<{ seeded: SeedDemoResult; message: string; skipped: string[] } | null> {
  if (!config.demo) return null;
  const db = createDb(config.databaseUrl);
  let pending: boolean;
  try {
    pending = (await db.center.count()) === 0 || (await demoContentPending(db));
  } finally {
    await db.$disconnect();
  }
  if (!pending) return null;
  const started = performance.now();
  const app = await createApp(config, { logger: createLogger({ ...config, log: { ...config.log, level: "warn" } }) });
  try {
    const seeded = await seedDemo(app.db, {
      app: app.ctx,
      onDevices: (devices) => writeFileSync(join(config.dataDir, "demo-devices.json"), JSON.stringify(devices, null, 2), { mode: 0o600 }),
    });
    if (!seeded) return null;
    const c = seeded.content;
    const lot = c?.project?.lots[0];
    const message =
      `seeded the demo in ${((performance.now() - started) / 1000).toFixed(1)} s` +
      (seeded.devices.length ? `: ${seeded.devices.length} devices` : "") +
      (c ? `, ${c.experts} experts, ${c.deals} deals` : "") +
      (lot ? `, open tender ${lot.projectCode} (bids until ${formatShanghai(lot.bidDeadline)} Asia/Shanghai)` : "");
    return { seeded, message, skipped: c?.skipped ?? [] };
  } finally {
    await app.close();
  }
}
