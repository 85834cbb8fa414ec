// Child-process entry: one server of bench/devices-latency.bench.ts, alone in
// its process so its memory and CPU are its own.
//
//   node --expose-gc --import tsx bench/lib/devices-server.ts ours <dir> <template.db> [liveTickMs]
//   node --expose-gc --import tsx bench/lib/devices-server.ts bare <dir>
//
// ours: the real app (createApp) on a copy of the migrated template database,
//       seeded with the demo center; the K01 room stream is built once so the
//       "before" memory sample already holds it.
// bare: a plain Socket.IO server with the same engine options, no auth, no
//       database: `live:join` joins one room, `bench:bcast` re-emits its payload
//       to that room as `live:update` (the same size as ours, see the client).
// Ops: mem (after GC), profileStart / profileStop (V8 CPU profile of a window,
// positions in project files mapped back to the .ts lines through tsx's source
// maps), heapSnapshot (to a file, for the per-device retained-memory breakdown).
import { appendFileSync, copyFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { Session } from "node:inspector/promises";
import { findSourceMap } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Server, type ServerOptions } from "socket.io";
import { serveIpc } from "./devices-ipc";

export interface ServerInfo {
  kind: "ours" | "bare";
  url: string;
  pid: number;
  /** The stream the devices join (ours: room:<K01 id>). */
  stream: string;
  roomId: string;
  /** Keys of the K01 devices (ours only), used round-robin by the device sockets. */
  deviceKeys: string[];
  deviceCodes: string[];
  agent: { username: string; password: string } | null;
}

export interface ServerMem {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Engine.IO connections and sockets in the stream's room, as the server counts them. */
  clients: number;
  inRoom: number;
}

/** The options createApp gives its Socket.IO server (server/app.ts), so both servers ping alike. */
export const ENGINE_OPTIONS: Partial<ServerOptions> = {
  maxHttpBufferSize: 1e6,
  serveClient: false,
  pingInterval: 4_000,
  pingTimeout: 4_000,
};

const [kind, dir, template, tickMs] = process.argv.slice(2);
if ((kind !== "ours" && kind !== "bare") || !dir) {
  console.error("usage: devices-server.ts ours|bare <dir> [template.db]");
  process.exit(2);
}

const gc = (globalThis as { gc?: () => void }).gc;
const settle = () => new Promise<void>((r) => setImmediate(r));

let io: Server;
let close: () => Promise<void>;
let info: ServerInfo;

if (kind === "ours") {
  if (!template) throw new Error("ours needs the template database");
  // Loaded here only, so the bare server's process holds no app code at all.
  const { createApp } = await import("../../server/app");
  const { loadConfig } = await import("../../server/config");
  const { DEMO_PASSWORD, seedDemo } = await import("../../server/seed/demo");
  const dbFile = join(dir, "hall.db");
  copyFileSync(template, dbFile);
  const config = loadConfig({
    NODE_ENV: "test",
    DATA_DIR: dir,
    DATABASE_URL: `file:${dbFile}`,
    LOG_LEVEL: "silent",
    CLIENT_DIST: dir,
    ...(tickMs ? { LIVE_TICK_MS: tickMs } : {}),
  });
  const app = await createApp(config);
  const seeded = await seedDemo(app.db);
  if (!seeded) throw new Error("the fresh database was already seeded");
  const room = await app.db.room.findUniqueOrThrow({ where: { code: "K01" } });
  const k01 = seeded.devices.filter((d) => d.room === room.name);
  const stream = `room:${room.id}`;
  await app.ctx.hub.refresh(stream);
  await new Promise<void>((r) => app.http.listen(0, "127.0.0.1", r));
  io = app.io as unknown as Server;
  close = () => app.close();
  info = {
    kind,
    url: `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`,
    pid: process.pid,
    stream,
    roomId: room.id,
    deviceKeys: k01.map((d) => d.key),
    deviceCodes: k01.map((d) => d.code),
    agent: { username: "agent", password: DEMO_PASSWORD },
  };
} else {
  const http = createServer();
  io = new Server(http, ENGINE_OPTIONS);
  const room = "room:bare";
  let version = 1;
  io.on("connection", (socket) => {
    socket.on("live:join", (_p: unknown, ack: (r: unknown) => void) => {
      void socket.join(room);
      ack({ ok: true, data: { mode: "snapshot", snapshot: { stream: room, version, state: null } } });
    });
    socket.on("bench:bcast", (payload: { version: number }, ack: (r: unknown) => void) => {
      version = payload.version;
      io.to(room).emit("live:update", payload);
      ack({ ok: true, data: {} });
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  close = async () => {
    io.disconnectSockets(true);
    await new Promise<void>((r) => io.close(() => r()));
  };
  info = {
    kind,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    pid: process.pid,
    stream: room,
    roomId: "bare",
    deviceKeys: [],
    deviceCodes: [],
    agent: null,
  };
}

let session: Session | null = null;

serveIpc(
  info,
  {
    async mem(): Promise<ServerMem> {
      for (let i = 0; i < 3; i++) {
        gc?.();
        await settle();
      }
      const m = process.memoryUsage();
      return {
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        clients: io.engine.clientsCount,
        inRoom: io.sockets.adapter.rooms.get(info.stream)?.size ?? 0,
      };
    },
    /** CPU time this process has used (user + system, ms): its work does not depend on the machine's load. */
    async cpu(): Promise<number> {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    },
    async profileStart(a: { intervalUs?: number }) {
      session = new Session();
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", { interval: a.intervalUs ?? 200 });
      await session.post("Profiler.start");
    },
    async profileStop(a: { file: string }) {
      if (!session) throw new Error("profiler not started");
      const { profile } = await session.post("Profiler.stop");
      // tsx runs transpiled code: map project frames back to their TypeScript lines.
      for (const n of profile.nodes) {
        const f = n.callFrame;
        if (!f.url.startsWith("file://") || f.url.includes("/node_modules/")) continue;
        const entry = findSourceMap(f.url)?.findEntry(f.lineNumber, f.columnNumber) as { originalLine?: number; originalColumn?: number } | undefined;
        if (entry?.originalLine !== undefined) {
          f.lineNumber = entry.originalLine;
          f.columnNumber = entry.originalColumn ?? 0;
          delete n.positionTicks;
        }
      }
      writeFileSync(a.file, JSON.stringify(profile));
      session.disconnect();
      session = null;
      return a.file;
    },
    async heapSnapshot(a: { file: string }) {
      for (let i = 0; i < 3; i++) {
        gc?.();
        await settle();
      }
      writeFileSync(a.file, "");
      const s = new Session();
      s.connect();
      s.on("HeapProfiler.addHeapSnapshotChunk", (m) => appendFileSync(a.file, m.params.chunk));
      await s.post("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      s.disconnect();
      return a.file;
    },
  },
  () => close(),
);
