// Benchmark: one big sealed bid uploaded with PUT /api/lots/:lotId/bid.
//
// The envelope (`openssl cms -encrypt -binary -aes256`, DER, for the bidder's
// certificate and the lot's escrow certificate) is streamed from a file with
// fetch (ReadableStream body, duplex "half"; `--curl` uses `curl -T` instead)
// to the hall running in a child process, whose resident memory (VmRSS) is
// sampled from /proc every 20 ms during the upload. Reference in the same run:
// `cp` and `sha256sum` of the same file (what the server must at least do:
// write it once and hash it once).
// Goals: memory flat (RSS growth < 100 MB) and the receipt's SHA-256 equal to
// `sha256sum` of the file.
//
// Usage: npx tsx bench/upload.bench.ts [--mb 500] [--runs 1] [--curl] [--stream] [--cpu-prof] [--what-if hwm]
// --stream   seals with `openssl cms -stream` (indefinite lengths, chunked content).
// --cpu-prof writes a CPU profile of the hall over the (first) upload and prints its hot spots.
// --what-if hwm  (bench-side patch, not the server's behaviour) the hall writes the upload through a
//            WriteStream with a 4 MiB highWaterMark instead of the default 16 KiB (server/opening/bids.ts).
// The big files (plaintext, envelope, the copy, the hall's stored bid) are removed at the end.
// Reports only; never exits non-zero.
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { DEMO_PASSWORD } from "../server/seed/demo";
import { HallClient } from "./lib/client";
import { launchHall, type HallHandle } from "./lib/launch";
import { createLot, registerCertificate, roomId, uploadFile, type Receipt } from "./lib/lots";
import { issueCert, makeCa, makeKeys } from "./lib/pki";
import { printProfile } from "./lib/profile";
import { flag, mib, numArg, ratio, sec, sleep, strArg, table } from "./lib/report";

const run = promisify(execFile);
const GROWTH_GOAL = 100 * 1000 * 1000; // 100 MB
const now = () => performance.now();

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr?.toString()}`);
  return r.stdout.toString();
}

function timed(cmd: string, args: string[]): { ms: number; out: string } {
  const t0 = now();
  const out = sh(cmd, args);
  return { ms: now() - t0, out };
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const parts = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(parts[11]) + Number(parts[12])) * 10;
}

/** VmRSS and VmHWM of a process in bytes. */
function procMem(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stop(); returns the samples. */
function sampler(pid: number, everyMs = 20) {
  const samples: { t: number; rss: number }[] = [];
  const t0 = now();
  const take = () => {
    const m = procMem(pid);
    if (m) samples.push({ t: now() - t0, rss: m.rss });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

async function curlUpload(url: string, token: string, lotId: string, file: string): Promise<Receipt> {
  const { stdout } = await run(
    "curl",
    ["-sS", "-T", file, "-X", "PUT", "-H", `authorization: Bearer ${token}`, "-H", "content-type: application/octet-stream", "-H", "expect:", `${url}/api/lots/${lotId}/bid`],
    { maxBuffer: 1 << 20 },
  );
  const body = JSON.parse(stdout) as { ok: boolean; data?: { receipt: { bidId: string; sha256: string } }; error?: { code: string; message: string } };
  return body.ok ? { status: 200, ok: true, sha256: body.data!.receipt.sha256, bidId: body.data!.receipt.bidId } : { status: 0, ok: false, error: `${body.error?.code}: ${body.error?.message}` };
}

async function main(): Promise<void> {
  const mb = numArg("mb", 500);
  const runs = Math.round(numArg("runs", 1));
  const useCurl = flag("curl");
  const stream = flag("stream");
  const cpuProf = flag("cpu-prof");
  const whatIf = strArg("what-if", "");
  if (whatIf) process.env.BENCH_WHATIF = whatIf;
  const dir = mkdtempSync(join(tmpdir(), "upload-bench-"));
  const f = (n: string) => join(dir, n);
  let hall: HallHandle | undefined;
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = () => {
    cleanup();
    void hall?.close().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    console.log(
      `upload benchmark: one ${mb} MiB sealed bid (openssl cms, AES-256-CBC, ${stream ? "-stream, indefinite lengths" : "definite-length DER"}), ` +
        `PUT with ${useCurl ? "curl -T" : "fetch + ReadableStream (duplex: half)"}, hall in a child process, ${runs} run(s)`,
    );
    if (whatIf) console.log(`  WHAT-IF "${whatIf}": the hall is patched from bench/lib/instrument.ts; these are not the server's own figures`);
    let t0 = now();
    hall = await launchHall({ execArgv: ["--expose-gc"] });
    const pid = hall.child!.pid!;
    const client = new HallClient(hall.info.url);
    const agent = await client.login("agent", DEMO_PASSWORD);
    const bidder = await client.login("bidder", DEMO_PASSWORD);
    const project = await createLot(client, agent.token, await roomId(client, agent.token), { maxBidMegabytes: Math.min(2048, Math.ceil(mb) + 16) });
    const lot = project.lots[0]!;
    const [caKey, bidderKey] = await makeKeys(2);
    const ca = makeCa(caKey!);
    const certPem = issueCert(ca, bidderKey!, 1, bidder.user.companyName ?? "投标人", "bidder");
    await registerCertificate(client, bidder.token, bidder.user.companyId!, certPem);
    writeFileSync(f("bidder.pem"), certPem);
    writeFileSync(f("escrow.pem"), lot.escrowCertPem);
    console.log(`  hall up (pid ${pid}), lot ${lot.code} accepts up to ${mib(lot.maxBidBytes)}, certificate registered, in ${sec(now() - t0)}`);

    t0 = now();
    const fd = openSync(f("plain.bin"), "w");
    const chunk = 1 << 20;
    for (let i = 0; i < Math.ceil(mb); i++) writeSync(fd, randomBytes(i === Math.ceil(mb) - 1 && mb % 1 ? Math.round((mb % 1) * chunk) : chunk));
    closeSync(fd);
    sh("openssl", [
      "cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", ...(stream ? ["-stream"] : []),
      "-in", f("plain.bin"), "-out", f("bid.p7m"), "-recip", f("bidder.pem"), "-recip", f("escrow.pem"),
    ]);
    rmSync(f("plain.bin"));
    const size = statSync(f("bid.p7m")).size;
    console.log(`  sealed ${mib(size)} with openssl in ${sec(now() - t0)}`);

    // Reference, same file, same run: read it once (warms the page cache as the upload will find it), copy it, hash it.
    const cat = timed("sh", ["-c", `cat '${f("bid.p7m")}' > /dev/null`]);
    const cp = timed("cp", [f("bid.p7m"), f("copy.p7m")]);
    rmSync(f("copy.p7m"));
    const sum = timed("sha256sum", [f("bid.p7m")]);
    const expected = sum.out.split(/\s+/)[0]!;
    // Node hashes with OpenSSL's SHA-256, which may be faster than coreutils on this CPU: shown for comparison.
    const dgst = timed("openssl", ["dgst", "-sha256", f("bid.p7m")]);

    const rows: string[][] = [];
    const results: { ms: number; base: number; peak: number; growth: number; after: number; ok: boolean; heapAfter: number; hallCpu: number; benchCpu: number }[] = [];
    let profile: string | undefined;
    for (let r = 1; r <= runs; r++) {
      await hall.ops.gc({});
      await sleep(300);
      const base = procMem(pid)!.rss;
      const load0 = loadavg()[0]!;
      if (cpuProf && r === 1) {
        profile = join(tmpdir(), `hall-upload-${Date.now()}.cpuprofile`);
        await hall.ops.profileStart({});
      }
      const s = sampler(pid);
      const cpu0 = procCpuMs(pid);
      const bench0 = process.cpuUsage();
      t0 = now();
      const receipt = useCurl ? await curlUpload(hall.info.url, bidder.token, lot.id, f("bid.p7m")) : await uploadFile(client, bidder.token, lot.id, f("bid.p7m"));
      const ms = now() - t0;
      const hallCpu = procCpuMs(pid) - cpu0;
      const benchCpuUs = process.cpuUsage(bench0);
      const benchCpu = (benchCpuUs.user + benchCpuUs.system) / 1000;
      const samples = s.stop();
      if (profile && r === 1) await hall.ops.profileStop({ file: profile });
      const peak = Math.max(...samples.map((x) => x.rss));
      const after = procMem(pid)!.rss;
      const heap = await hall.ops.memory({});
      if (!receipt.ok) throw new Error(`upload refused: ${receipt.error}`);
      const ok = receipt.sha256 === expected;
      results.push({ ms, base, peak, growth: peak - base, after, ok, heapAfter: heap.heapUsed, hallCpu, benchCpu });
      rows.push([
        `PUT /api/lots/:id/bid #${r}`,
        sec(ms),
        `${(size / (1 << 20) / (ms / 1000)).toFixed(0)} MiB/s`,
        `${ratio(ms, cp.ms + sum.ms)}×`,
        mib(base),
        mib(peak),
        `${mib(peak - base)}${peak - base < GROWTH_GOAL ? "" : " (over)"}`,
        ok ? "yes" : `NO (${receipt.sha256})`,
        `${sec(hallCpu)} / ${sec(benchCpu)}`,
        `${samples.length} @ 20 ms, load ${load0.toFixed(1)}`,
      ]);
    }

    console.log(`\nResults (${mib(size)} envelope; reference = cp + sha256sum of the same file, same run)`);
    table([
      ["what", "time", "throughput", "vs cp+sha256sum", "hall RSS before", "hall RSS peak", "growth (goal < 100 MB)", "sha256 = sha256sum", "CPU hall / client", "RSS samples"],
      ...rows,
      ["cat file > /dev/null", sec(cat.ms), `${(size / (1 << 20) / (cat.ms / 1000)).toFixed(0)} MiB/s`, "", "", "", "", "", "", ""],
      ["cp file copy", sec(cp.ms), `${(size / (1 << 20) / (cp.ms / 1000)).toFixed(0)} MiB/s`, "", "", "", "", "", "", ""],
      ["sha256sum file", sec(sum.ms), `${(size / (1 << 20) / (sum.ms / 1000)).toFixed(0)} MiB/s`, "", "", "", "", expected.slice(0, 16) + "…", "", ""],
      ["openssl dgst -sha256 file", sec(dgst.ms), `${(size / (1 << 20) / (dgst.ms / 1000)).toFixed(0)} MiB/s`, "", "", "", "", "", "", ""],
      ["cp + sha256sum (reference)", sec(cp.ms + sum.ms), `${(size / (1 << 20) / ((cp.ms + sum.ms) / 1000)).toFixed(0)} MiB/s`, "1.00×", "", "", "", "", "", ""],
    ]);
    for (const [i, r] of results.entries()) {
      const mem = r.growth < GROWTH_GOAL ? "memory flat: OK" : "memory NOT flat";
      console.log(
        `run ${i + 1}: ${mem} (RSS +${mib(r.growth)} at peak, ${mib(r.after)} after; heap ${mib(r.heapAfter)}); ` +
          `receipt SHA-256 ${r.ok ? "matches sha256sum: OK" : "DIFFERS from sha256sum"}; ` +
          `${ratio(r.ms, cp.ms + sum.ms)}× the reference, ${ratio(r.ms, Math.max(cp.ms, sum.ms))}× the slower of cp and sha256sum; ` +
          `hall CPU ${sec(r.hallCpu)} (${((100 * r.hallCpu) / r.ms).toFixed(0)}% of the upload's wall time), client CPU ${sec(r.benchCpu)}`,
      );
    }
    if (profile) printProfile(profile, 15);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    cleanup();
    await hall?.close(); // removes the hall's data folder, with the stored bid
  }
}

main()
  .catch((err: unknown) => console.error("benchmark failed:", err))
  .finally(() => process.exit(0));
