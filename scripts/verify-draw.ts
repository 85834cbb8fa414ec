// `npm run verify-draw -- --file draw.json` or `npm run verify-draw -- --lot LOT_CODE`
// (expert draws: `-- --expert-draw DRAW_ID`, or a --file of kind "expert-draw"):
// replays a published draw (commit-reveal) and says whether it matches.
// The record is what GET /api/lots/:lotId/draw-record publishes: the answer saved as it
// came ({"ok":true,"data":…}) or its data; a wrong file is named in one sentence
// (server/record-file.ts), never with a stack trace.
// Exit 0: matches; 1: does not match; 2: usage, lookup error or a wrong file.
import { z } from "zod";
import { DrawConfig, DrawResult } from "@contracts/opening";
import { loadConfig } from "../server/config";
import { prepareDatabase } from "../server/boot";
import { createDb } from "../server/db";
import { verifyDraw } from "../server/opening/draws";
import { drawRecord } from "../server/opening/queries";
import { isExpertDrawArgs, verifyExpertDrawCli } from "../server/experts/verify";
import { RecordFileError, parseRecord, readRecordFile } from "../server/record-file";

const Record = z.object({
  lotCode: z.string(),
  config: DrawConfig,
  seedHash: z.string(),
  seed: z.string().nullable(),
  picks: z.array(z.array(z.number())),
  result: DrawResult.nullable(),
});

async function load(args: string[]) {
  const at = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const file = at("--file");
  const lot = at("--lot");
  if (file) return parseRecord(Record, readRecordFile(file), file, "a draw record (an opening's, from GET /api/lots/:lotId/draw-record; or an expert draw's, with \"kind\": \"expert-draw\")");
  if (lot) {
    const config = loadConfig();
    await prepareDatabase(config); // as every CLI: a new database is migrated, a wrong APP_SECRET refused
    const db = createDb(config.databaseUrl);
    try {
      const row = await db.lot.findUnique({ where: { code: lot } });
      if (!row) throw new Error(`no lot with code ${lot}`);
      return Record.parse(await drawRecord(db, row.id));
    } finally {
      await db.$disconnect();
    }
  }
  throw new Error("usage: npm run verify-draw -- --file draw.json | --lot LOT_CODE | --expert-draw DRAW_ID");
}

// Expert draws (专家抽取): `--expert-draw DRAW_ID`, or a --file whose record kind is "expert-draw".
if (isExpertDrawArgs(process.argv.slice(2))) void verifyExpertDrawCli(process.argv.slice(2)).then((code) => process.exit(code));
else load(process.argv.slice(2)).then(
  (rec) => {
    if (!rec.seed) {
      console.log(`lot ${rec.lotCode}: the seed has not been revealed yet (commitment ${rec.seedHash})`);
      process.exit(2);
    }
    const res = verifyDraw({ ...rec, seed: rec.seed });
    if (res.ok) {
      console.log(`lot ${rec.lotCode}: draw MATCHES its commitment ${rec.seedHash} and replays to ${JSON.stringify(rec.result)}`);
      process.exit(0);
    }
    console.log(`lot ${rec.lotCode}: draw DOES NOT MATCH: ${res.reason}`);
    process.exit(1);
  },
  (err: unknown) => {
    console.error(err instanceof RecordFileError || err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
