/**
 * PDF rendering and signing figures (reports only, never fails):
 *   npx tsx bench/pdf.bench.ts [--runs 10]
 * "first" = first document rendered in a fresh process (child process each),
 * "warm"  = median of further renders in one process.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PDFDocument } from "pdf-lib";
import { renderPdf } from "../server/documents/render.js";
import { sampleOpeningRecord } from "../test/fixtures/sample-doc.js";
import { signPdf } from "../server/documents/sign.js";
import { createTestPki } from "../test/helpers/pdf-pki.js";

/** Table rows giving ≈1 and ≈20 A4 pages with the sample opening record. */
const SIZES = { "1-page": 8, "20-page": 540 } as const;
type Size = keyof typeof SIZES;

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg("--runs") ?? 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

/** Child mode: render one document as the first thing in this process, print ms. */
async function coldChild(size: Size): Promise<void> {
  const [ms] = await timed(() => renderPdf(sampleOpeningRecord(SIZES[size])));
  process.stdout.write(JSON.stringify({ ms }));
}

function coldInChild(size: Size): number {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--cold", size], {
    encoding: "utf8",
  });
  return (JSON.parse(out) as { ms: number }).ms;
}

async function main(): Promise<void> {
  const rows: string[][] = [["case", "pages", "size KB", "first ms", "warm ms (median)", "warm/first"]];
  const docs: Partial<Record<Size, Uint8Array>> = {};
  for (const size of Object.keys(SIZES) as Size[]) {
    const first = coldInChild(size);
    const times: number[] = [];
    let bytes: Uint8Array = new Uint8Array();
    for (let i = 0; i < runs + 1; i++) {
      const [ms, out] = await timed(() => renderPdf(sampleOpeningRecord(SIZES[size])));
      if (i > 0) times.push(ms); // the first in this process warms it up
      bytes = out;
    }
    docs[size] = bytes;
    const pages = (await PDFDocument.load(bytes)).getPageCount();
    const warm = median(times);
    rows.push([`render ${size}`, String(pages), (bytes.length / 1024).toFixed(0), first.toFixed(0), warm.toFixed(1), (warm / first).toFixed(3)]);
  }

  const pki = await createTestPki();
  const experts = await Promise.all([1, 2, 3].map((i) => pki.issue({ commonName: `评标专家 ${i}` })));
  for (const size of Object.keys(SIZES) as Size[]) {
    const doc = docs[size];
    if (!doc) continue;
    const sign = (pdf: Uint8Array, n: number) =>
      signPdf(pdf, experts[n % 3] ?? pki.platform, { fieldName: `f${n}`, reason: "评标报告签字", name: `专家${n}` });
    const [first] = await timed(() => sign(doc, 0));
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push((await timed(() => sign(doc, i)))[0]);
    const warm = median(times);
    rows.push([`sign ${size}`, "", "", first.toFixed(0), warm.toFixed(1), (warm / first).toFixed(3)]);
    let chain = doc;
    const [fourMs] = await timed(async () => {
      for (let i = 0; i < 3; i++) chain = await sign(chain, i);
      chain = await signPdf(chain, pki.platform, { fieldName: "platform", reason: "Platform seal", name: "平台" });
    });
    rows.push([`sign ${size} ×4 (3 experts + platform)`, "", ((chain.length - doc.length) / 1024).toFixed(0) + " added", "", fourMs.toFixed(0), ""]);
  }

  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  "));
  console.log(`\nnode ${process.version}, ${runs} warm runs, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
}

const cold = arg("--cold");
if (cold === "1-page" || cold === "20-page") await coldChild(cold);
else await main();
