// `npm run stats -- <command>`: the ledger from the command line, on the
// database named by DATABASE_URL (default: the embedded SQLite file in DATA_DIR),
// like the server; a new database is migrated first, and APP_SECRET must be the
// database's (server/boot.ts). Use `npm run -s stats …` (or --out) when redirecting output, so npm's
// banner does not end up in the file.
//
//   import FILE.csv                         all rows or none; prints created/updated/unchanged
//   report --from YYYY-MM-DD --to YYYY-MM-DD [--format text|json|csv|pdf] [--by category|month|quarter|half|year|hall|agent] [--out FILE]
//   ocds PROJECT_CODE [--base-uri URL] [--view public|staff] [--out FILE]
//                                           the package GET /api/open-data/projects/:id/ocds serves (public: the lots
//                                           whose opening has started; staff: every lot), its uri that URL
//   categories                              the per-category rules
//   categories set CATEGORY --budget required|optional|forbidden --reference … --reference-name 评估价
//
// Exit status: 0 done, 1 rejected (bad rows, unknown project, …), 2 usage or configuration error.
import { createReadStream, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { SingleBar } from "cli-progress";
import { ReportBy, ReportQuery, SetCategoryRuleInput, categoryOrder, openDataPath } from "@contracts/stats";
import type { Actor } from "../audit/chain";
import { exitOnStartupError, prepareDatabase } from "../boot";
import { loadConfig } from "../config";
import { createDb, type Db } from "../db";
import { AppError } from "../errors";
import { reportCsv, reportText } from "./format";
import { importDeals, type ImportOptions } from "./import";
import { encodingName } from "../text-encoding";
import { projectIdOf, projectReleasePackage } from "./ocds";
import { reportPdf } from "./pdf";
import { buildReport } from "./report";
import { listRules, loadRules, setRule } from "./rules";

class Usage extends Error {}

const USAGE = `usage:
  npm run stats -- import FILE.csv
  npm run stats -- report --from YYYY-MM-DD --to YYYY-MM-DD [--format text|json|csv|pdf] [--by ${ReportBy.options.join("|")}] [--out FILE]
  npm run stats -- ocds PROJECT_CODE [--base-uri URL] [--view public|staff] [--out FILE]
  npm run stats -- categories [set CATEGORY --budget R --reference R --reference-name NAME]   (R: required|optional|forbidden)`;

function options(args: string[], allowed: string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      rest.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
    if (!allowed.includes(name)) throw new Usage(`unknown option --${name}`);
    const v = inline ?? args[++i];
    if (v === undefined) throw new Usage(`--${name} needs a value`);
    flags[name] = v;
  }
  return { flags, rest };
}

/** A progress bar on stderr (bytes read, rows) when stderr is a terminal or `force` is set. */
export function importProgress(totalBytes: number, force = false): { onProgress: ImportOptions["onProgress"]; stop(): void } {
  if (!process.stderr.isTTY && !force) return { onProgress: undefined, stop() {} };
  const bar = new SingleBar({
    format: "import [{bar}] {percentage}% | {mb}/{totalMb} MB | {rows} rows | {phase}",
    hideCursor: true,
    noTTYOutput: force,
    notTTYSchedule: 1000,
    stream: process.stderr,
  });
  const mb = (b: number) => (b / 1048576).toFixed(1);
  bar.start(Math.max(totalBytes, 1), 0, { mb: "0.0", totalMb: mb(totalBytes), rows: 0, phase: "reading" });
  return {
    onProgress: (p) => bar.update(Math.min(p.bytes, totalBytes), { mb: mb(p.bytes), rows: p.rows, phase: p.phase === "merging" ? "writing to the ledger…" : p.phase }),
    stop: () => bar.stop(),
  };
}

const cliActor = (): Actor => ({ kind: "system", id: `cli:${userInfo().username}`, role: "system" });

function output(data: string | Uint8Array, out: string | undefined) {
  if (out) {
    writeFileSync(out, data);
    console.error(`wrote ${out}`);
  } else process.stdout.write(data);
}

async function centerName(db: Db) {
  return (await db.center.findFirst({ orderBy: { createdAt: "asc" } }))?.name ?? "公共资源交易中心";
}

async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === "help" || command === "--help") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  await prepareDatabase(config); // a new DATABASE_URL / DATA_DIR is migrated; a wrong APP_SECRET refuses here
  const db = createDb(config.databaseUrl);
  try {
    if (config.databaseUrl.startsWith("file:")) await db.$queryRawUnsafe("PRAGMA busy_timeout = 10000");
    switch (command) {
      case "import": {
        const { rest } = options(args, []);
        const file = rest[0];
        if (!file || rest.length > 1) throw new Usage("import takes one CSV file");
        if (!existsSync(file)) throw new Usage(`no file ${file}`);
        const progress = importProgress(statSync(file).size);
        try {
          const r = await importDeals(db, cliActor(), createReadStream(file), { fileName: file, onProgress: progress.onProgress });
          progress.stop();
          progress.stop = () => {};
          console.log(`imported ${file}: ${r.rows} rows — ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged; read as ${encodingName(r.encoding)} (sha256 ${r.sha256})`);
        } finally {
          progress.stop();
        }
        return 0;
      }
      case "report": {
        const { flags, rest } = options(args, ["from", "to", "format", "by", "out"]);
        if (rest.length) throw new Usage(`unexpected ${rest.join(" ")}`);
        for (const f of ["from", "to"]) if (!flags[f]) throw new Usage(`--${f} YYYY-MM-DD is required`);
        const parsed = ReportQuery.safeParse({ from: flags.from, to: flags.to, by: flags.by });
        if (!parsed.success) throw new Usage(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; "));
        const format = flags.format ?? "text";
        if (!["text", "json", "csv", "pdf"].includes(format)) throw new Usage(`--format must be text, json, csv or pdf`);
        if (format === "pdf") {
          if (!flags.out && process.stdout.isTTY) throw new Usage("a PDF goes to a file: add --out report.pdf (or redirect stdout)");
          const pki = join(config.platformDir, "platform.pem");
          const signer = existsSync(pki) ? (await import("../platform/pki")).loadOrCreatePlatformPki(config.platformDir).platform : undefined;
          output(await reportPdf(db, parsed.data, { centerName: await centerName(db), signer }), flags.out);
          return 0;
        }
        const report = await buildReport(db, parsed.data);
        if (format === "json") output(`${JSON.stringify(report)}\n`, flags.out);
        else if (format === "csv") output(reportCsv(report), flags.out);
        else output(reportText(report, await loadRules(db), await centerName(db)), flags.out);
        return 0;
      }
      case "ocds": {
        const { flags, rest } = options(args, ["base-uri", "out", "view"]);
        if (rest.length !== 1) throw new Usage("ocds takes one project code");
        const viewer = flags.view ?? "public";
        if (viewer !== "public" && viewer !== "staff") throw new Usage("--view is public or staff");
        const base = (flags["base-uri"] ?? `http://localhost:${config.port}`).replace(/\/+$/, "");
        if (!URL.canParse(base)) throw new Usage(`--base-uri must be an absolute URL, got "${base}"`);
        const projectId = await projectIdOf(db, rest[0]!);
        const pkg = await projectReleasePackage(db, projectId, { uri: `${base}${openDataPath.project(projectId)}`, viewer });
        output(`${JSON.stringify(pkg, null, 2)}\n`, flags.out);
        return 0;
      }
      case "categories": {
        const { flags, rest } = options(args, ["budget", "reference", "reference-name"]);
        if (rest[0] === "set") {
          const current = (await listRules(db)).find((r) => r.category === rest[1]);
          if (!current) throw new Usage(`set which category? one of ${categoryOrder.join(", ")}`);
          const input = SetCategoryRuleInput.safeParse({
            category: current.category,
            budget: flags.budget ?? current.budget,
            reference: flags.reference ?? current.reference,
            referenceName: flags["reference-name"] ?? current.referenceName,
          });
          if (!input.success) throw new Usage(input.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
          await setRule(db, cliActor(), input.data);
        } else if (rest.length) throw new Usage(`unexpected ${rest.join(" ")}`);
        for (const r of await listRules(db)) console.log(`${r.category}\t${r.name}\tbudget ${r.budget}\treference ${r.reference} (${r.referenceName})`);
        return 0;
      }
      default:
        throw new Usage(`unknown command ${command}`);
    }
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1] && /stats[\\/]cli\.ts$/.test(process.argv[1])) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof Usage) {
        console.error(`${err.message}\n${USAGE}`);
        process.exit(2);
      }
      exitOnStartupError(err);
      if (err instanceof AppError) {
        console.error(`${err.code}: ${err.message}`);
        for (const d of err.details ?? []) console.error(`  ${d.path}: ${d.message}`);
        process.exit(1);
      }
      console.error(err);
      process.exit(2);
    },
  );
}

export { run };
