// Child-process entry: the client side of bench/devices-latency.bench.ts.
// One process holds the agent socket and all N device sockets, so the time
// taken just before the agent's emit and the arrival times at the devices
// come from the same clock (process.hrtime), and the server's process is not
// burdened by the clients. Every socket has its own WebSocket connection
// (forceNew, transports: ["websocket"]).
//
// Ops:
//   agent   {url, kind, agent?}          connect the agent (ours: logs in over HTTP first)
//   devices {url, n, keys, stream, conc} connect n device sockets (keys round-robin) and join the stream
//   dropDevices                          disconnect the device sockets (warm-up)
//   run     {kind, roomId, stream, ...}  warm-up + timed broadcasts; returns per-broadcast latencies
//   final   {kind, stream}               every device's last version against the server's
//   closeAll                             disconnect everything
import { io as ioClient, type Socket } from "socket.io-client";
import { serveIpc } from "./devices-ipc";

export interface DevicesResult {
  connected: number;
  failed: number;
  firstError: string | null;
  connectMs: number;
  versions: { min: number; max: number };
}

export interface RunArgs {
  kind: "ours" | "bare";
  roomId: string;
  /** Stream name written into the bare payload (ours' stream, so both are the same size). */
  stream: string;
  broadcasts: number;
  warmup: number;
  gapMs: number;
  timeoutMs: number;
  noticeChars: number;
  tag: string;
}

export interface RunResult {
  /** Emit → arrival at the last of the N devices, ms, one per timed broadcast that reached all. */
  lastMs: number[];
  /** Emit → arrival at the first device, ms (ours: mostly the database work before the fan-out starts). */
  firstMs: number[];
  /** Emit → arrival at the ⌈N/2⌉-th device, ms. */
  halfMs: number[];
  /** Emit → the agent's acknowledgement, ms. */
  ackMs: number[];
  /** Broadcasts that did not reach every device within timeoutMs. */
  incomplete: number;
  ackErrors: string[];
  /** UTF-8 bytes of one live:update payload as received. */
  payloadBytes: number;
}

export interface FinalResult {
  devices: number;
  stillConnected: number;
  minVersion: number;
  maxVersion: number;
  serverVersion: number;
  /** Devices whose last version is not the server's. */
  behind: number;
  /** Updates that did not follow the device's previous version by exactly one. */
  gaps: number;
  disconnects: number;
}

type Ack = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } };
type JoinData = { mode: "snapshot"; snapshot: { version: number } } | { mode: "updates"; updates: { version: number }[] };

const hr = () => process.hrtime.bigint();
const msSince = (t0: bigint, t1: bigint) => Number(t1 - t0) / 1e6;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let agent: Socket | null = null;
let devices: Socket[] = [];
let last: number[] = [];
let gaps = 0;
let disconnects = 0;

// The broadcast in flight.
let expected = -1;
let got = 0;
let need = 0;
let half = 0;
let tFirst = 0n;
let tHalf = 0n;
let tAll = 0n;
let onAll: (() => void) | null = null;
let payloadBytes = 0;
let tStart = 0n;

function connectOne(url: string, auth: Record<string, unknown>): Promise<Socket> {
  const s = ioClient(url, { auth, transports: ["websocket"], reconnection: false, forceNew: true, timeout: 30_000 });
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve(s));
    s.once("connect_error", (e: Error & { data?: unknown }) => {
      s.close();
      reject(new Error(`${e.message}${e.data ? ` ${JSON.stringify(e.data)}` : ""}`));
    });
  });
}

async function ackOf(s: Socket, event: string, payload: unknown, timeoutMs = 30_000): Promise<unknown> {
  const res = (await s.timeout(timeoutMs).emitWithAck(event, payload)) as Ack;
  if (!res.ok) throw new Error(`${event}: ${res.error.code} ${res.error.message}`);
  return res.data;
}

function listen(s: Socket, i: number) {
  s.on("live:update", (u: { version: number }) => {
    const v = u.version;
    const prev = last[i]!;
    if (v !== prev + 1) gaps++;
    if (v > prev) last[i] = v;
    if (v === expected) {
      got++;
      if (got === 1) tFirst = hr();
      if (got === half) tHalf = hr();
      if (got === need) {
        tAll = hr();
        onAll?.();
      }
      if (i === 0 && payloadBytes === 0) payloadBytes = Buffer.byteLength(JSON.stringify(u));
    }
  });
  s.on("disconnect", () => disconnects++);
}

/** A notice of exactly `chars` characters, unique per broadcast (Chinese, as the hall's notices are: 3 bytes each in UTF-8). */
function notice(tag: string, k: number, chars: number): string {
  const head = `${tag}#${k}：`;
  const filler = "请各投标人代表于开标前到达开标厅签到并保持安静";
  let s = head;
  while (s.length < chars) s += filler;
  return s.slice(0, Math.max(chars, head.length));
}

serveIpc(
  { pid: process.pid },
  {
    async agent(a: { url: string; kind: "ours" | "bare"; agent: { username: string; password: string } | null }) {
      let auth: Record<string, unknown> = {};
      if (a.kind === "ours") {
        if (!a.agent) throw new Error("ours needs the agent's account");
        const res = await fetch(`${a.url}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(a.agent),
        });
        const body = (await res.json()) as Ack;
        if (!body.ok) throw new Error(`agent login: ${body.error.code} ${body.error.message}`);
        auth = { token: (body.data as { token: string }).token };
      }
      agent = await connectOne(a.url, auth);
      return true;
    },

    async devices(a: { url: string; n: number; keys: string[] | null; stream: string; conc: number }): Promise<DevicesResult> {
      const t0 = hr();
      devices = new Array<Socket>(a.n);
      last = new Array<number>(a.n).fill(0);
      gaps = 0;
      disconnects = 0;
      let failed = 0;
      let firstError: string | null = null;
      let next = 0;
      const one = async () => {
        for (;;) {
          const i = next++;
          if (i >= a.n) return;
          try {
            const auth = a.keys && a.keys.length > 0 ? { deviceKey: a.keys[i % a.keys.length] } : {};
            const s = await connectOne(a.url, auth);
            devices[i] = s;
            listen(s, i);
            const joined = (await ackOf(s, "live:join", { stream: a.stream })) as JoinData;
            last[i] = joined.mode === "snapshot" ? joined.snapshot.version : (joined.updates.at(-1)?.version ?? 0);
          } catch (err) {
            failed++;
            firstError ??= err instanceof Error ? err.message : String(err);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, a.conc) }, one));
      devices = devices.filter(Boolean);
      const vs = last.slice(0, a.n);
      return {
        connected: devices.filter((s) => s.connected).length,
        failed,
        firstError,
        connectMs: msSince(t0, hr()),
        versions: { min: Math.min(...vs), max: Math.max(...vs) },
      };
    },

    async dropDevices() {
      for (const s of devices) s.disconnect();
      devices = [];
      last = [];
      return true;
    },

    async run(a: RunArgs): Promise<RunResult> {
      if (!agent) throw new Error("no agent");
      const out: RunResult = { lastMs: [], firstMs: [], halfMs: [], ackMs: [], incomplete: 0, ackErrors: [], payloadBytes: 0 };
      need = devices.length;
      half = Math.ceil(need / 2);
      payloadBytes = 0;
      let version = Math.max(...last);
      for (let k = 0; k < a.warmup + a.broadcasts; k++) {
        const timed = k >= a.warmup;
        const text = notice(a.tag, k, a.noticeChars);
        expected = version + 1;
        got = 0;
        let tAck = 0n;
        let timer: NodeJS.Timeout | undefined;
        const outcome = await new Promise<"all" | "timeout" | "refused">((resolve) => {
          onAll = () => resolve("all");
          timer = setTimeout(() => resolve("timeout"), a.timeoutMs);
          const ack = (r: Ack) => {
            tAck = hr();
            if (!r.ok) {
              out.ackErrors.push(r.error.code);
              resolve("refused");
            }
          };
          const t0 = hr();
          if (a.kind === "ours") agent!.emit("room:setNotice", { roomId: a.roomId, notice: text }, ack);
          else agent!.emit("bench:bcast", { stream: a.stream, version: expected, patch: [{ op: "replace", path: "/room/notice", value: text }] }, ack);
          tStart = t0;
        });
        clearTimeout(timer);
        onAll = null;
        if (outcome === "all") {
          if (timed) {
            out.lastMs.push(msSince(tStart, tAll));
            out.firstMs.push(msSince(tStart, tFirst));
            out.halfMs.push(msSince(tStart, tHalf));
          }
          version = expected;
        } else {
          if (timed) out.incomplete++;
          version = Math.max(...last);
        }
        await sleep(a.gapMs);
        if (timed && tAck !== 0n) out.ackMs.push(msSince(tStart, tAck));
      }
      expected = -1;
      out.payloadBytes = payloadBytes;
      return out;
    },

    async final(a: { kind: "ours" | "bare"; stream: string }): Promise<FinalResult> {
      if (!agent) throw new Error("no agent");
      await sleep(200); // anything still in flight
      const joined = (await ackOf(agent, "live:join", { stream: a.stream })) as JoinData;
      const serverVersion = joined.mode === "snapshot" ? joined.snapshot.version : -1;
      const vs = last.slice(0, devices.length);
      return {
        devices: devices.length,
        stillConnected: devices.filter((s) => s.connected).length,
        minVersion: Math.min(...vs),
        maxVersion: Math.max(...vs),
        serverVersion,
        behind: vs.filter((v) => v !== serverVersion).length,
        gaps,
        disconnects,
      };
    },

    async closeAll() {
      for (const s of devices) s.disconnect();
      agent?.disconnect();
      devices = [];
      last = [];
      agent = null;
      return true;
    },
  },
  async () => {
    for (const s of devices) s.disconnect();
    agent?.disconnect();
  },
);
