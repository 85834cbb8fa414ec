// `npm run verify-draw -- --expert-draw DRAW_ID` (from the database) or
// `-- --file record.json` with a record of kind "expert-draw" (as GET
// /api/expert-draws/:drawId/record publishes it): replays the expert draw —
// seed against its published SHA-256, each frozen list against its digest,
// then every pick (initial selection and 补抽) in order.
// Exit 0: matches; 1: does not match; 2: usage, lookup error or seed not revealed.
import { ExpertDrawRecord } from "@contracts/experts";
import { parseRecord, readRecordFile, recordKind } from "../record-file";
import { prepareDatabase } from "../boot";
import { loadConfig } from "../config";
import { createDb } from "../db";
import { expertDrawRecord } from "./queries";
import { verifyExpertDraw } from "./sampler";

const at = (args: string[], flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

/** Is this invocation about an expert draw? (--expert-draw, or a --file whose kind is "expert-draw") */
export function isExpertDrawArgs(args: string[]): boolean {
  if (at(args, "--expert-draw")) return true;
  const file = at(args, "--file");
  if (!file) return false;
  try {
    return recordKind(readRecordFile(file)) === "expert-draw"; // bare, or inside the API's {"ok":true,"data":…}
  } catch {
    return false; // the opening's reader names what is wrong with the file
  }
}

async function load(args: string[]): Promise<ExpertDrawRecord> {
  const file = at(args, "--file");
  if (file) return parseRecord(ExpertDrawRecord, readRecordFile(file), file, "an expert draw's record (GET /api/expert-draws/:drawId/record)");
  const config = loadConfig();
  await prepareDatabase(config); // as every CLI: a new database is migrated, a wrong APP_SECRET refused
  const db = createDb(config.databaseUrl);
  try {
    return await expertDrawRecord(db, at(args, "--expert-draw")!);
  } finally {
    await db.$disconnect();
  }
}

export async function verifyExpertDrawCli(args: string[]): Promise<number> {
  let rec: ExpertDrawRecord;
  try {
    rec = await load(args);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    return 2;
  }
  const name = `expert draw ${rec.drawId} (project ${rec.projectCode})`;
  if (!rec.seed) {
    console.log(`${name}: the seed has not been revealed yet (commitment ${rec.seedHash})`);
    return 2;
  }
  const res = verifyExpertDraw({
    seedHash: rec.seedHash,
    seed: rec.seed,
    buckets: rec.buckets.map((b) => ({ need: b.need, backups: b.backups, listDigest: b.listDigest, list: Buffer.from(b.list, "base64") })),
    picks: rec.picks,
  });
  if (res.ok) {
    const sizes = rec.buckets.map((b) => Buffer.from(b.list, "base64").length / 4);
    console.log(`${name}: draw MATCHES its commitment ${rec.seedHash}; ${rec.buckets.length} frozen lists (${sizes.join(", ")} experts) match their digests; ${res.picks} picks replay (expert numbers ${rec.picks.map((p) => p.expertId).join(", ")})`);
    return 0;
  }
  console.log(`${name}: draw DOES NOT MATCH: ${res.reason}`);
  return 1;
}
