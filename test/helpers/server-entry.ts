// A real server process for tests that kill it (crash recovery, soak): builds
// createApp(config) from the environment, optionally seeds the demo center and
// imports an expert pool (first start only), listens on PORT at 127.0.0.1 and
// prints one line `LISTENING <port>` (and `SEEDED <json>` with the demo
// devices' keys when it seeded). Run: node --import tsx test/helpers/server-entry.ts
import type { AddressInfo } from "node:net";
import { loadConfig } from "../../server/config";
import { createApp } from "../../server/app";
import { seedDemo } from "../../server/seed/demo";
import { ensureSampleTree } from "../../server/experts/specialties";
import { importExperts } from "../../server/experts/importer";

const config = loadConfig(process.env);
const app = await createApp(config);
if (process.env.HALL_SEED === "1") {
  const seeded = await seedDemo(app.db);
  if (seeded) console.log(`SEEDED ${JSON.stringify(seeded.devices)}`);
}
if (process.env.HALL_EXPERTS_CSV) {
  const actor = { kind: "system" as const, id: "test", role: "admin" };
  await ensureSampleTree(app.db, actor);
  const report = await importExperts(
    { databaseUrl: config.databaseUrl, box: app.ctx.box, ids: app.ctx.experts.ids },
    { file: process.env.HALL_EXPERTS_CSV, format: "csv", policy: "all-or-nothing", actor },
  );
  if (!report.committed) throw new Error(`expert import: ${JSON.stringify(report.errors.slice(0, 5))}`);
  console.log(`IMPORTED ${report.imported}`);
}
await new Promise<void>((resolve, reject) => {
  app.http.once("error", reject);
  app.http.listen(config.port, "127.0.0.1", resolve);
});
console.log(`LISTENING ${(app.http.address() as AddressInfo).port}`);
process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
