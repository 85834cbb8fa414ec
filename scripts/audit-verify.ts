// `npm run audit:verify`: walks the audit hash chain of the database named by
// DATABASE_URL (default: the embedded SQLite file in DATA_DIR) and names the first bad row.
// Like every CLI it migrates a new database first and refuses a wrong APP_SECRET (server/boot.ts).
// Exit 0 when the chain verifies, 1 when it does not, 2 on a usage/config error.
import { loadConfig } from "../server/config";
import { exitOnStartupError, prepareDatabase } from "../server/boot";
import { createDb } from "../server/db";
import { verifyAudit } from "../server/audit/chain";

async function run() {
  const config = loadConfig();
  await prepareDatabase(config);
  const db = createDb(config.databaseUrl);
  try {
    const res = await verifyAudit(db);
    if (res.ok) {
      console.log(`audit chain OK: ${res.rows} rows, head ${res.head}`);
      return 0;
    }
    console.error(`audit chain BROKEN at row ${res.badSeq}: ${res.reason} (${res.rows} rows before it verify)`);
    return 1;
  } finally {
    await db.$disconnect();
  }
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    exitOnStartupError(err);
    console.error(err);
    process.exit(2);
  },
);
