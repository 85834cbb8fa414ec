// `npm run experts -- <command>`: the expert pool from the command line.
//
//   import FILE [--format csv|xlsx] [--policy all-or-nothing|partial] [--batch 2000] [--errors report.csv]
//       streams the file (a million rows with flat memory) with a progress bar;
//       exit 0 when imported, 1 when rows were refused (the report lists them by line)
//   specialties [TREE.json]      merges a specialty tree ({"nodes":[…]} or […]); default: the sample tree
//   fairness --from DATE --to DATE [--json]   sittings per expert, largest share, Gini, never drawn
//   generate FILE --rows N [--seed S]         writes synthetic experts (CSV, or XLSX by extension)
//   demo [--experts 300]         sample tree + synthetic experts for the demo center
//
// Uses DATABASE_URL / DATA_DIR / APP_SECRET like the server (same secret, or the
// encrypted ID numbers could not be read back: a different one is refused before
// anything is written); applies migrations if needed (server/boot.ts).
import { createWriteStream, readFileSync, writeFileSync, existsSync } from "node:fs";
import { userInfo } from "node:os";
import { extname } from "node:path";
import { once } from "node:events";
import cliProgress from "cli-progress";
import ExcelJS from "exceljs";
import { SpecialtyTreeInput, type ImportPolicy, type ImportReport } from "@contracts/experts";
import { formatShanghai } from "@contracts/time";
import type { Actor } from "../audit/chain";
import { exitOnStartupError, prepareDatabase } from "../boot";
import { loadConfig } from "../config";
import { createDb, isPostgresUrl } from "../db";
import { SecretBox } from "../platform/secrets";
import { fairnessReport, fairnessReportPg, periodBound } from "./fairness";
import { IdHasher } from "./identity";
import { importExperts, type ImportProgress } from "./importer";
import { openRaw } from "./raw";
import { encodingName } from "../text-encoding";
import { SAMPLE_TREE, ensureSampleTree, flattenTree, importSpecialties } from "./specialties";
import { CSV_HEADER, csvLine, syntheticExperts } from "./synth";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.filter((a, i) => !a.startsWith("--") && !(args[i - 1] ?? "").startsWith("--"));
const actor: Actor = { kind: "system", id: `cli:${userInfo().username}`, role: "admin" };

const USAGE = `usage: npm run experts -- <command>
  import FILE [--format csv|xlsx] [--policy all-or-nothing|partial] [--batch 2000] [--errors report.csv]
  specialties [TREE.json]
  fairness --from YYYY-MM-DD --to YYYY-MM-DD [--json]
  generate FILE --rows N [--seed S]
  demo [--experts 300]`;

function progressBar(format: "csv" | "xlsx") {
  const tty = Boolean(process.stderr.isTTY);
  const bar = new cliProgress.SingleBar(
    { format: "{phase} |{bar}| {percentage}% | {rows} rows | {rejected} refused | {eta_formatted} left", hideCursor: true, noTTYOutput: false, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let phase: ImportProgress["phase"] | null = null;
  let lastLog = 0;
  return {
    update(p: ImportProgress) {
      if (!tty) {
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          console.error(`[experts] ${p.phase}: ${p.rows} rows read, ${p.rejected} refused${p.phase === "write" ? `, ${p.done}/${p.total} written` : ""}`);
        }
        return;
      }
      const total = p.total || (format === "xlsx" ? Math.max(p.done, 1) : 1);
      if (phase !== p.phase) {
        if (phase) bar.stop();
        phase = p.phase;
        bar.start(total, 0, { phase: p.phase === "validate" ? "validating" : "writing   ", rows: 0, rejected: 0 });
      }
      bar.setTotal(total);
      bar.update(p.done, { rows: p.rows.toLocaleString("en"), rejected: p.rejected.toLocaleString("en") });
    },
    stop() {
      if (phase) bar.stop();
    },
  };
}

function printReport(r: ImportReport, errorsFile?: string) {
  const mem = process.memoryUsage().rss / 2 ** 20;
  console.log(
    r.committed
      ? `imported ${r.imported.toLocaleString("en")} of ${r.rows.toLocaleString("en")} rows (${r.rejected} refused, policy ${r.policy}) in ${(r.ms / 1000).toFixed(1)} s; rss ${mem.toFixed(0)} MiB; import ${r.importId}`
      : `NOTHING IMPORTED: ${r.rejected} of ${r.rows.toLocaleString("en")} rows refused (policy ${r.policy}); fix them and import again`,
  );
  if (r.encoding) console.log(`read as ${encodingName(r.encoding)}`);
  for (const e of r.errors.slice(0, 50)) console.log(`  line ${e.line}: ${e.field}: ${e.message}`);
  if (r.errors.length > 50) console.log(`  … ${r.errors.length - 50} more${errorsFile ? "" : " (write them all with --errors FILE)"}`);
  if (errorsFile) {
    writeFileSync(errorsFile, ["line,field,message", ...r.errors.map((e) => `${e.line},${e.field},"${e.message.replace(/"/g, '""')}"`)].join("\n") + "\n");
    console.log(`row errors written to ${errorsFile}`);
  }
}

async function generate(file: string, rows: number, seed: number) {
  const specialties = flattenTree(SAMPLE_TREE).filter((s, _i, all) => !all.some((c) => c.parentCode === s.code)).map((s) => s.code);
  const experts = syntheticExperts(rows, { seed, specialties });
  if (extname(file).toLowerCase() === ".xlsx") {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false });
    const ws = wb.addWorksheet("专家");
    ws.addRow(CSV_HEADER.split(",")).commit();
    for (const e of experts) ws.addRow([e.name, e.residentId, e.mobile, e.specialties.join(";"), e.regionCode, e.regionName, e.employerName, e.employerCreditCode, e.title, e.status]).commit();
    ws.commit();
    await wb.commit();
  } else {
    const out = createWriteStream(file);
    out.write(CSV_HEADER + "\n");
    let chunk: string[] = [];
    for (const e of experts) {
      chunk.push(csvLine(e));
      if (chunk.length === 5000) {
        if (!out.write(chunk.join("\n") + "\n")) await once(out, "drain");
        chunk = [];
      }
    }
    if (chunk.length) out.write(chunk.join("\n") + "\n");
    out.end();
    await once(out, "finish");
  }
  console.log(`wrote ${rows.toLocaleString("en")} synthetic experts to ${file}`);
}

async function run(): Promise<number> {
  const [command, arg] = positional;
  if (!command || command === "help") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === "generate") {
    if (!arg) throw new Error("generate FILE --rows N");
    await generate(arg, Number(opt("rows") ?? 1000), Number(opt("seed") ?? 20261125));
    return 0;
  }
  const config = loadConfig();
  await prepareDatabase(config); // a new DATABASE_URL / DATA_DIR is migrated; a wrong APP_SECRET refuses here
  const box = new SecretBox(config.appSecret);
  const ids = new IdHasher(config.appSecret);
  if (command === "import") {
    if (!arg || !existsSync(arg)) throw new Error(`import FILE: no file ${arg ?? ""}`);
    const format = (opt("format") ?? (extname(arg).toLowerCase() === ".xlsx" ? "xlsx" : "csv")) as "csv" | "xlsx";
    const policy = (opt("policy") ?? "all-or-nothing") as ImportPolicy;
    if (!["csv", "xlsx"].includes(format) || !["all-or-nothing", "partial"].includes(policy)) throw new Error(USAGE);
    const db = createDb(config.databaseUrl);
    await ensureSampleTree(db, actor).finally(() => db.$disconnect());
    const bar = progressBar(format);
    let report: ImportReport;
    try {
      report = await importExperts({ databaseUrl: config.databaseUrl, box, ids }, { file: arg, format, policy, actor, batchSize: Number(opt("batch") ?? 2000), onProgress: (p) => bar.update(p) });
    } finally {
      bar.stop();
    }
    printReport(report, opt("errors"));
    return report.committed ? 0 : 1;
  }
  if (command === "specialties") {
    const nodes = arg ? SpecialtyTreeInput.parse((() => {
      const json = JSON.parse(readFileSync(arg, "utf8")) as unknown;
      return Array.isArray(json) ? { nodes: json } : json;
    })()).nodes : SAMPLE_TREE;
    const db = createDb(config.databaseUrl);
    try {
      const r = await importSpecialties(db, actor, nodes);
      console.log(`specialties: ${r.added} added, ${r.renamed} renamed, ${r.total} in the tree`);
    } finally {
      await db.$disconnect();
    }
    return 0;
  }
  if (command === "fairness") {
    const from = opt("from");
    const to = opt("to");
    if (!from || !to) throw new Error("fairness --from YYYY-MM-DD --to YYYY-MM-DD");
    const pg = isPostgresUrl(config.databaseUrl) ? createDb(config.databaseUrl, { poolSize: 2 }) : null;
    const raw = pg ? null : openRaw(config.databaseUrl, { readonly: true });
    try {
      const r = pg ? await fairnessReportPg(pg, periodBound(from), periodBound(to)) : fairnessReport(raw!, periodBound(from), periodBound(to));
      if (args.includes("--json")) {
        console.log(JSON.stringify(r, null, 2));
        return 0;
      }
      console.log(`评标专家抽取公平性 ${formatShanghai(r.from)} – ${formatShanghai(r.to)}`);
      console.log(`  active pool           ${r.poolActive.toLocaleString("en")}`);
      console.log(`  draws carried out     ${r.draws}`);
      console.log(`  experts drawn (seats) ${r.picks}`);
      console.log(`  sittings              ${r.sittings} by ${r.expertsSitting} experts`);
      console.log(`  never drawn           ${r.neverDrawn.toLocaleString("en")} active experts`);
      console.log(`  largest share         ${r.largest ? `${r.largest.nameMasked} #${r.largest.expertId}: ${r.largest.sittings} sittings, ${(r.largest.share * 100).toFixed(2)} %` : "—"}`);
      console.log(`  Gini of sittings      ${r.gini.toFixed(4)}`);
      console.log(`  sittings → experts    ${r.distribution.map((d) => `${d.sittings}:${d.experts}`).join("  ")}`);
    } finally {
      raw?.close();
      await pg?.$disconnect();
    }
    return 0;
  }
  if (command === "demo") {
    const n = Number(opt("experts") ?? 300);
    const db = createDb(config.databaseUrl);
    await ensureSampleTree(db, actor).finally(() => db.$disconnect());
    const file = `${config.dataDir}/demo-experts.csv`;
    const specialties = flattenTree(SAMPLE_TREE).filter((s, _i, all) => !all.some((c) => c.parentCode === s.code)).map((s) => s.code);
    writeFileSync(file, [CSV_HEADER, ...[...syntheticExperts(n, { seed: Date.now() % 100000, specialties, cities: [5, 6] })].map(csvLine)].join("\n") + "\n");
    const report = await importExperts({ databaseUrl: config.databaseUrl, box, ids }, { file, format: "csv", policy: "partial", actor });
    printReport(report);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    exitOnStartupError(err);
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
