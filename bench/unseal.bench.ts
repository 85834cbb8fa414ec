// Benchmark: opening a sealed bid with `openssl cms -decrypt` vs this
// library (server/opening/sealing).
// Usage: npx tsx bench/unseal.bench.ts [--mb 100] [--runs 3] [--stream]
// (--stream seals with `openssl cms -stream`: indefinite lengths, 4 KiB chunks.)
// Reports only; never exits non-zero.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { sha256File } from "../server/opening/sealing/index";

interface Run {
  ms: number;
  /** Peak RSS in KiB. */
  rssKB: number;
  sha256: string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr?.toString()}`);
}

/** Peak RSS (KiB) of a child by polling /proc/<pid>/status (VmHWM) until it exits. */
async function spawnWithProcPeak(cmd: string, args: string[]): Promise<{ ms: number; rssKB: number }> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: "ignore" });
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      /* exited */
    }
  }, 2);
  const code = await new Promise<number | null>((res) => child.on("exit", res));
  clearInterval(poll);
  if (code !== 0) throw new Error(`${cmd} exited with ${code}`);
  return { ms: performance.now() - t0, rssKB: peak };
}

async function opensslDecrypt(env: string, cert: string, key: string, out: string): Promise<Run> {
  const args = ["cms", "-decrypt", "-binary", "-inform", "DER", "-in", env, "-recip", cert, "-inkey", key, "-out", out];
  let result: { ms: number; rssKB: number };
  if (existsSync("/usr/bin/time")) {
    const t0 = performance.now();
    const r = spawnSync("/usr/bin/time", ["-f", "%M", "openssl", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`openssl cms -decrypt failed: ${r.stderr.toString()}`);
    const lines = r.stderr.toString().trim().split("\n");
    result = { ms, rssKB: Number(lines[lines.length - 1]) };
  } else {
    result = await spawnWithProcPeak("openssl", args);
  }
  const sha = await sha256File(out);
  rmSync(out, { force: true });
  return { ...result, sha256: sha };
}

interface Ours extends Run {
  /** Wall time of the whole child process (Node + tsx start-up included). */
  processMs: number;
  inspectMs: number;
  unwrapMs: number;
  decryptMs: number;
  /** Peak RSS of the child before opening the envelope (Node + tsx + modules), KiB. */
  rssBeforeKB: number;
}

function oursDecrypt(worker: string, env: string, cert: string, key: string, out: string): Ours {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", worker, env, cert, key, out], { encoding: "utf8" });
  const processMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`worker failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split("\n").pop() as string) as Omit<Ours, "rssKB" | "processMs"> & { maxRssKB: number };
  rmSync(out, { force: true });
  return { ...j, rssKB: j.maxRssKB, processMs };
}

async function main(): Promise<void> {
  const mb = arg("mb", 100);
  const runs = Math.round(arg("runs", 3));
  const stream = process.argv.includes("--stream");
  const here = dirname(fileURLToPath(import.meta.url));
  const worker = join(here, "unseal.worker.ts");
  const dir = mkdtempSync(join(tmpdir(), "unseal-bench-"));
  const f = (n: string) => join(dir, n);
  try {
    console.log(`unseal benchmark: ${mb} MiB random plaintext, AES-256-CBC, RSA-2048 PKCS#1 v1.5, ${stream ? "-stream (chunked)" : "definite-length"} DER, median of ${runs}`);
    run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-utf8", "-subj", "/C=CN/O=测试CA/CN=投标人",
      "-days", "1", "-keyout", f("key.pem"), "-out", f("cert.pem")]);
    const fd = openSync(f("plain.bin"), "w");
    for (let i = 0; i < mb; i++) writeSync(fd, randomBytes(1 << 20));
    closeSync(fd);
    const plainSha = await sha256File(f("plain.bin"));
    run("openssl", ["cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", ...(stream ? ["-stream"] : []),
      "-in", f("plain.bin"), "-out", f("env.der"), f("cert.pem")]);
    rmSync(f("plain.bin"));

    const theirs: Run[] = [];
    const ours: Ours[] = [];
    for (let i = 0; i < runs; i++) {
      theirs.push(await opensslDecrypt(f("env.der"), f("cert.pem"), f("key.pem"), f("out-openssl.bin")));
      ours.push(oursDecrypt(worker, f("env.der"), f("cert.pem"), f("key.pem"), f("out-ours.bin")));
    }
    const ok = [...theirs, ...ours].every((r) => r.sha256 === plainSha);
    const tMs = median(theirs.map((r) => r.ms));
    const oMs = median(ours.map((r) => r.ms));
    const tRss = median(theirs.map((r) => r.rssKB)) / 1024;
    const oRss = median(ours.map((r) => r.rssKB)) / 1024;
    const oProc = median(ours.map((r) => r.processMs));
    const pad = (s: string) => s.padEnd(34);
    console.log(`${pad("openssl cms -decrypt (process)")} ${tMs.toFixed(0).padStart(6)} ms   peak ${tRss.toFixed(1)} MiB`);
    console.log(`${pad("ours inspect+unwrap+decryptToFile")} ${oMs.toFixed(0).padStart(6)} ms   peak ${oRss.toFixed(1)} MiB (whole Node process)`);
    console.log(`${pad("ours, child process incl. start-up")} ${oProc.toFixed(0).padStart(6)} ms`);
    const part = (k: "inspectMs" | "unwrapMs" | "decryptMs") => median(ours.map((r) => r[k])).toFixed(0);
    console.log(`  ours by step: inspect ${part("inspectMs")} ms, unwrap (forge) ${part("unwrapMs")} ms, decrypt ${part("decryptMs")} ms`);
    console.log(`  ours before opening (Node + tsx + modules): ${(median(ours.map((r) => r.rssBeforeKB)) / 1024).toFixed(1)} MiB`);
    console.log(`ratio ours/openssl: ${(oMs / tMs).toFixed(2)} (goal <= 1.0)   ${oMs / tMs <= 1 ? "OK" : "over goal"}`);
    console.log(`ratio incl. Node start-up: ${(oProc / tMs).toFixed(2)}`);
    console.log(`our peak memory: ${oRss.toFixed(1)} MiB (goal < 150)   ${oRss < 150 ? "OK" : "over goal"}`);
    console.log(`plaintext sha256 matches: ${ok ? "yes" : "NO"}`);
    console.log(`runs (ms) openssl: ${theirs.map((r) => r.ms.toFixed(0)).join(", ")}; ours: ${ours.map((r) => r.ms.toFixed(0)).join(", ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error("benchmark failed:", err);
  process.exitCode = 0;
});
