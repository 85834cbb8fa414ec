// Soak: N simulated hall devices (devices/sim VirtualDevice: device key, whoami,
// its channel `device:<id>` and its room stream through LiveStreamClient,
// heartbeats) stay connected for M minutes to the real app (bench/lib/
// devices-server.ts "ours", alone in its process with --expose-gc) while an
// agent, three bidders (openssl-sealed bids) and the room's notice run a whole
// opening through its stages, again and again (create lot → upload → open →
// sign-in → bidder list → decryption → announcement → draw → confirmations →
// close).
//
// Reported: the server's RSS and heap used after GC, sampled every
// SOAK_SAMPLE_S seconds; the mean of the first minute against the mean of the
// last minute (the growth ratio; goal < 10 %); and, once the session stops and
// the devices are quiet, every device's version of each stream it holds (its
// room, its channel) against the server's: no update lost means every device
// ends at the server's final version.
//
// Usage: npx tsx bench/soak.bench.ts
//   SOAK_DEVICES=2000 SOAK_MINUTES=10 SOAK_SAMPLE_S=10 SOAK_RAMP_S=30 SOAK_STAGE_MS=500
//   (a quick run: SOAK_DEVICES=300 SOAK_MINUTES=2)
//   SOAK_HEAP=1: heap snapshots of the server after the 10th session and at the end, and
//   what the sessions in between left on the heap, by kind of object (per session)
// Windows shorter than 5 minutes compare the first and last fifth of the run.
// Exits 1 when the verdict is FAIL.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io as ioClient } from "socket.io-client";
import type { DeviceKind } from "@contracts/common";
import type { LoginResult } from "@contracts/auth";
import { must, type HallSocket } from "./lib/client";
import { killAllChildren, REPO_ROOT, spawnChild } from "./lib/devices-ipc";
import type { ServerInfo, ServerMem } from "./lib/devices-server";
import { fmt, printHeapDiff, table } from "./lib/devices-report";
import { startSimulator } from "../devices/sim/simulator";
import type { SimKey } from "../devices/sim/keys";
import { createDb } from "../server/db";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, type BidderKit } from "../test/helpers/opening";
import type { TestApp } from "../test/helpers/app";

const env = (name: string, def: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : def;
};
const DEVICES = Math.round(env("SOAK_DEVICES", 2000));
const MINUTES = env("SOAK_MINUTES", 10);
const SAMPLE_S = env("SOAK_SAMPLE_S", 10);
const RAMP_S = env("SOAK_RAMP_S", Math.min(30, (MINUTES * 60) / 10));
/** Pause between two stages of the session (a hall's pace, not a stress test). */
const STAGE_MS = env("SOAK_STAGE_MS", 500);
const GOAL = 0.1;
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (m: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`);

const kindOf = (code: string): DeviceKind =>
  code.endsWith("-PJ") ? "projector" : code.endsWith("-EB") ? "entrance-board" : code.endsWith("-MW") ? "monitoring-wall" : "bidder-terminal";

const emit: typeof must = (s, event, payload, timeoutMs = 30_000) => must(s, event, payload, timeoutMs);
function connect(url: string, token: string): Promise<HallSocket> {
  const s: HallSocket = ioClient(url, { auth: { token }, transports: ["websocket"], forceNew: true });
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), "hall-soak-"));
  const template = join(root, "template.db");
  execFileSync(process.execPath, [join(REPO_ROOT, "node_modules/prisma/build/index.js"), "migrate", "deploy"], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: `file:${template}` },
    stdio: "ignore",
  });
  const dir = join(root, "server");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(dir);
  const server = await spawnChild<ServerInfo>(join(REPO_ROOT, "bench/lib/devices-server.ts"), { execArgv: ["--expose-gc"], args: ["ours", dir, template] });
  const info = server.ready;
  const db = createDb(`file:${join(dir, "hall.db")}`);
  log(`server pid ${info.pid} at ${info.url}; ${DEVICES} devices for ${MINUTES} min (memory every ${SAMPLE_S} s)`);

  const api: TestApp["api"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(info.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    return { status: res.status, body: (await res.json()) as never };
  };
  const login = async (username: string) => {
    const r = await api<LoginResult>("POST", "/api/auth/login", { body: { username, password: info.agent!.password } });
    if (!r.body.ok) throw new Error(`login ${username}`);
    return r.body.data;
  };
  const shim = { url: info.url, api, login, app: { db } } as unknown as TestApp;
  const { dir: kitDir, kits } = await bidderKits(shim);
  const agentToken = (await login("agent")).token;
  const agent = await connect(info.url, agentToken);
  const bidderSockets = await Promise.all(kits.map((k) => connect(info.url, k.token)));

  // The devices.
  const keys: SimKey[] = info.deviceKeys.map((key, i) => ({ key, code: info.deviceCodes[i]!, kind: kindOf(info.deviceCodes[i]!) }));
  const sim = await startSimulator({ url: info.url, room: "K01", count: DEVICES, keys, rampMs: RAMP_S * 1000, heartbeatMs: 5000 });
  const t0 = Date.now();
  const end = t0 + MINUTES * 60_000;

  // Memory samples.
  const samples: { t: number; rss: number; heap: number; clients: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = await server.call<ServerMem>("mem", undefined, 60_000);
      samples.push({ t: Date.now() - t0, rss: m.rss, heap: m.heapUsed, clients: m.clients });
      const s = sim.stats();
      log(`rss ${fmt(m.rss / MB)} MB, heap ${fmt(m.heapUsed / MB)} MB, server clients ${m.clients}; devices connected ${s.connected}/${s.devices}, updates ${s.updates}, reconnects ${s.reconnects}, errors ${s.errors}`);
      const wait = SAMPLE_S * 1000 - ((Date.now() - t0) % (SAMPLE_S * 1000));
      await sleep(Math.min(wait, Math.max(0, end - Date.now())) || SAMPLE_S * 1000);
      if (Date.now() >= end) break;
    }
  })();

  // The session, stage after stage, again and again.
  const roomId = info.roomId;
  let cycles = 0;
  const cycleMs: number[] = [];
  const errors: string[] = [];
  const heapFiles = { before: join(root, "before.heapsnapshot"), after: join(root, "after.heapsnapshot"), at: 0 };
  while (Date.now() < end) {
    if (process.env.SOAK_HEAP === "1" && cycles === 10 && heapFiles.at === 0) {
      await server.call("heapSnapshot", { file: heapFiles.before }, 300_000);
      heapFiles.at = cycles;
    }
    const c0 = Date.now();
    try {
      await runCycle(shim, agent, agentToken, bidderSockets, kits, kitDir, roomId, cycles);
      cycles++;
      cycleMs.push(Date.now() - c0);
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
      log(`cycle failed: ${errors.at(-1)}`);
      if (errors.length > 5) break;
      await sleep(1000);
    }
  }
  sampling = false;
  await sampler;
  if (heapFiles.at > 0 && cycles > heapFiles.at) {
    await server.call("heapSnapshot", { file: heapFiles.after }, 300_000);
    printHeapDiff("sessions", heapFiles.before, heapFiles.after, cycles - heapFiles.at);
  }

  // Quiet: let the last updates land, then compare every device with the server.
  await sleep(4000);
  const streams = await db.liveStream.findMany({ select: { key: true, version: true } });
  const serverVersion = new Map(streams.map((s) => [s.key, s.version]));
  let behindRoom = 0;
  let behindChannel = 0;
  let notJoined = 0;
  for (const d of sim.devices) {
    if (!d.room || !d.channel) {
      notJoined++;
      continue;
    }
    if (d.room.version !== serverVersion.get(d.room.stream)) behindRoom++;
    if (d.channel.version !== serverVersion.get(d.channel.stream)) behindChannel++;
  }
  const st = sim.stats();

  // Report.
  const windowMs = MINUTES >= 5 ? 60_000 : (MINUTES * 60_000) / 5;
  const first = samples.filter((s) => s.t >= RAMP_S * 1000 && s.t < RAMP_S * 1000 + windowMs);
  const lastFrom = Math.max(...samples.map((s) => s.t)) - windowMs;
  const last = samples.filter((s) => s.t >= lastFrom);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const firstBase = first.length ? first : samples.slice(0, 1);
  const rss0 = mean(firstBase.map((s) => s.rss));
  const rss1 = mean(last.map((s) => s.rss));
  const heap0 = mean(firstBase.map((s) => s.heap));
  const heap1 = mean(last.map((s) => s.heap));
  const growth = (a: number, b: number) => b / a - 1;
  console.log("");
  console.log(`Soak: ${DEVICES} devices, ${MINUTES} min, ${cycles} complete sessions (median ${fmt(cycleMs.sort((a, b) => a - b)[cycleMs.length >> 1] ?? NaN, 0)} ms each), ${samples.length} memory samples`);
  console.log(
    table(
      ["server memory after GC", `first ${fmt(windowMs / 60_000, 1)} min (MB)`, `last ${fmt(windowMs / 60_000, 1)} min (MB)`, "growth (last/first − 1)", "goal"],
      [
        ["RSS", fmt(rss0 / MB), fmt(rss1 / MB), `${fmt(growth(rss0, rss1) * 100)} %`, `< ${GOAL * 100} %`],
        ["heap used", fmt(heap0 / MB), fmt(heap1 / MB), `${fmt(growth(heap0, heap1) * 100)} %`, `< ${GOAL * 100} %`],
      ],
    ),
  );
  console.log(
    table(
      ["devices", "connected at the end", "never joined", "room stream behind", "channel behind", "updates received", "reconnects", "errors"],
      [[String(st.devices), String(st.connected), String(notJoined), String(behindRoom), String(behindChannel), String(st.updates), String(st.reconnects), String(st.errors)]],
    ),
  );
  const memOk = growth(rss0, rss1) < GOAL && growth(heap0, heap1) < GOAL;
  const lostOk = behindRoom === 0 && behindChannel === 0 && notJoined === 0 && st.connected === st.devices;
  const ok = memOk && lostOk && cycles > 0 && errors.length === 0;
  console.log(`\nVERDICT: ${ok ? "PASS" : "FAIL"} — memory growth ${memOk ? "under" : "NOT under"} ${GOAL * 100} %; ${lostOk ? "every device ends at the server's final version of each stream" : "some devices did NOT end at the server's final version"}${errors.length ? `; ${errors.length} session errors (${errors[0]})` : ""}`);
  writeFileSync(join(root, "soak.json"), JSON.stringify({ devices: DEVICES, minutes: MINUTES, cycles, samples, rss0, rss1, heap0, heap1, behindRoom, behindChannel, notJoined, stats: st }));

  await sim.stop();
  agent.disconnect();
  for (const s of bidderSockets) s.disconnect();
  await db.$disconnect();
  await server.close();
  rmSync(root, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

const pace = () => sleep(STAGE_MS);

async function runCycle(t: TestApp, agent: HallSocket, agentToken: string, bidders: HallSocket[], kits: BidderKit[], dir: string, roomId: string, i: number) {
  await emit(agent, "room:setNotice", { roomId, notice: `第 ${i + 1} 场开标即将开始，请投标人代表签到` });
  const project = await createLot(t, agentToken, { draw: { kind: "coefficient", options: ["A", "B", "C"].map((label, j) => ({ label, basisPoints: [120, 100, 80][j]! })) } });
  const lot = project.lots[0]!;
  const escrow = join(dir, "escrow.pem");
  writeFileSync(escrow, lot.escrowCertPem);
  const envelopes: string[] = [];
  for (const [k, kit] of kits.entries()) {
    const file = sealWithOpenssl(dir, `soak-${k}`, bidZip(bidJson(lot.code, kit.creditCode, 9_000_000 + i * 10 + k)), [kit.certFile, escrow]);
    envelopes.push(file);
    const { readFileSync } = await import("node:fs");
    const res = await fetch(`${t.url}/api/lots/${lot.id}/bid`, { method: "PUT", headers: { authorization: `Bearer ${kit.token}`, "content-type": "application/octet-stream" }, body: readFileSync(file) });
    if (res.status !== 200) throw new Error(`upload ${res.status}`);
  }
  await passDeadline(t, lot.id);
  const lotId = lot.id;
  await pace();
  await emit(agent, "opening:open", { lotId });
  for (const s of bidders) await emit(s, "opening:signIn", { lotId, mode: "online" });
  await pace();
  await emit(agent, "opening:publishBidders", { lotId });
  await pace();
  await emit(agent, "opening:startDecryption", { lotId });
  for (const [k, s] of bidders.entries()) await emit(s, "opening:submitKey", { lotId, keyHex: await recoverKeyHex(envelopes[k]!, kits[k]!) });
  await pace();
  await emit(agent, "opening:endDecryption", { lotId });
  await pace();
  await emit(agent, "opening:startDraw", { lotId });
  await pace();
  await emit(agent, "opening:revealDraw", { lotId });
  await pace();
  await emit(agent, "opening:startConfirmation", { lotId });
  for (const s of bidders) await emit(s, "opening:confirm", { lotId, decision: "confirm" });
  await pace();
  await emit(agent, "opening:close", { lotId });
  await emit(agent, "room:setNotice", { roomId, notice: "" });
}

main().catch((e: unknown) => {
  console.error(e);
  killAllChildren();
  process.exit(1);
});
