// Child process of bench/unseal.bench.ts: opens one envelope with this
// library (inspect → findRecipient → unwrapKey → decryptToFile) and prints
// JSON with its own timing and peak RSS, so the figure is ours alone.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { decryptToFile, findRecipient, inspectEnvelope, unwrapKey } from "../server/opening/sealing/index";

const [envelope, certPath, keyPath, outPath] = process.argv.slice(2);
if (!envelope || !certPath || !keyPath || !outPath) {
  console.error("usage: unseal.worker.ts <envelope> <cert.pem> <key.pem> <out>");
  process.exit(2);
}
const cert = readFileSync(certPath, "utf8");
const key = readFileSync(keyPath, "utf8");
const rssBefore = process.resourceUsage().maxRSS;
const t0 = performance.now();
const info = await inspectEnvelope(envelope);
const t1 = performance.now();
const cek = unwrapKey(findRecipient(info, cert), key);
const t2 = performance.now();
const result = await decryptToFile(envelope, cek, outPath, info);
const t3 = performance.now();
console.log(
  JSON.stringify({
    ms: t3 - t0,
    inspectMs: t1 - t0,
    unwrapMs: t2 - t1,
    decryptMs: t3 - t2,
    maxRssKB: process.resourceUsage().maxRSS,
    rssBeforeKB: rssBefore,
    ...result,
  }),
);
