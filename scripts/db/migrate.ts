// `npm run db:migrate`: applies the committed migrations to the database the
// server would use — DATABASE_URL, or DATA_DIR/hall.db when it is unset (the
// app's own config, server/config.ts; `prisma migrate deploy` alone would
// ignore DATA_DIR) — and checks APP_SECRET against it (server/boot.ts).
// Exit 0 done, 2 on a configuration or database problem (one line).
import { loadConfig } from "../../server/config";
import { exitOnStartupError, pendingMigrations, prepareDatabase, shownUrl } from "../../server/boot";

async function run() {
  const config = loadConfig();
  const pending = await pendingMigrations(config);
  await prepareDatabase(config, (line) => console.log(line));
  console.log(pending.length ? `${shownUrl(config.databaseUrl)}: ${pending.length} migration(s) applied, up to date` : `${shownUrl(config.databaseUrl)}: up to date, nothing to apply`);
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    exitOnStartupError(err);
    console.error(err);
    process.exit(2);
  },
);
