// Crash recovery: a scripted opening and expert draw against the app running as
// a real child process, SIGKILLed at many points (after acknowledgements, in the
// middle of an upload, of a decryption, of the draw between commit and reveal,
// of the confirmations with a deadline pending, of the expert draw) and
// restarted each time on the same database file and data folder. After every
// restart: every acknowledged action is still there (a ledger of checks grows
// with each ack), nothing is counted twice (audit rows before the crash are
// unchanged, one-time actions appear once, one row per company), every client
// (a projector device and a bidder socket, LiveStreamClient, reconnecting by
// themselves) is back on the server's latest version within 3 s of the restart,
// and the audit chain verifies.
//
// The script is a list of steps; each step may call `h.crash(name)` where it
// wants the server to die. Evaluation steps are appended to `steps` below.
import { createServer, request, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { io as ioClient } from "socket.io-client";
import type { Ack } from "@contracts/common";
import type { LoginResult } from "@contracts/auth";
import type { DrawAgentState } from "@contracts/experts";
import type { OpeningBidderState, OpeningPublicState, ProjectView } from "@contracts/opening";
import type { RoomScreenState } from "@contracts/rooms";
import { LiveStreamClient } from "@contracts/live-client";
import { call, until, type TestApp, type TestSocket } from "./helpers/app";
import { bidJson, bidZip, bidderKits, createLot, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";
import { idLast4For, makeExperts } from "./helpers/experts";
import { comprehensiveTemplate, expertKey } from "./helpers/evaluation";
import type { EvalExpertState } from "@contracts/evaluation";
import { startServerProcess, type ServerProcess } from "./helpers/server-process";
import { createDb, type Db } from "../server/db";
import { verifyAudit } from "../server/audit/chain";
import { DEMO_PASSWORD } from "../server/seed/demo";
import { CSV_HEADER, csvLine } from "../server/experts/synth";
import { seedHash } from "../server/opening/draws";
import type { ExpertMessage } from "../server/experts/notifier";

const RESYNC_MS = 3000;

/** Key-order independent JSON, to compare a client's patched state with the server's. */
const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x));

interface CrashRecord {
  point: string;
  resyncMs: number;
  auditRows: number;
}

interface Harness {
  sp: ServerProcess;
  db: Db;
  kits: BidderKit[];
  dir: string;
  agent: TestSocket;
  projector: TestSocket;
  bidder: TestSocket;
  others: TestSocket[];
  project: ProjectView;
  lotId: string;
  roomId: string;
  envelopes: string[];
  /** Live clients that must be back on the latest version within 3 s of every restart. */
  clients: LiveStreamClient[];
  /** The credentials each client's socket uses (a probe with the same ones reads the truth). */
  authOf: Map<LiveStreamClient, Record<string, string>>;
  opening?: LiveStreamClient<OpeningPublicState>;
  /** Checks of acknowledged actions: each must hold after every later restart. */
  ledger: { what: string; check: () => Promise<void> }[];
  crashes: CrashRecord[];
  agentToken: string;
  messages: ExpertMessage[];
  hold: { on: boolean; waiting: (() => void)[] };
  drawId?: string;
  seedHashAtOpen?: string;
  evalSessionId?: string;
  crash(point: string, opts?: { allowNewAudit?: number; whileDown?: () => void }): Promise<void>;
  ack(what: string, check: () => Promise<void>): Promise<void>;
  api<T>(method: string, path: string, opts?: { token?: string; body?: unknown }): Promise<{ status: number; body: Ack<T> }>;
}

interface Step {
  name: string;
  run(h: Harness): Promise<void>;
}

let h: Harness;
let hook: Server;
let work: string | undefined;
const pool = makeExperts(14, ["A010101"], { seed: 21, cities: [5] });

async function connect(url: string, auth: Record<string, string>, reconnection = true): Promise<TestSocket> {
  // Fast back-off so a restarted server is found again within the 3 s budget.
  const s: TestSocket = ioClient(url, { auth, transports: ["websocket"], forceNew: true, reconnection, reconnectionDelay: 200, reconnectionDelayMax: 1000, randomizationFactor: 0.2 });
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", reject);
  });
  return s;
}

async function ok<T>(p: Promise<Ack<T>>, what: string): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${what}: ${JSON.stringify(r.error)}`);
  return r.data;
}

/**
 * Waits until every client holds what a fresh client with the same credentials
 * is given now (a new socket's snapshot: the server's truth after the restart,
 * rebuilt from the database); returns ms since the restart.
 */
async function resynced(x: Harness): Promise<number> {
  const probes = new Map<string, TestSocket>();
  try {
    for (const c of x.clients) {
      const auth = x.authOf.get(c)!;
      const key = JSON.stringify(auth);
      if (!probes.has(key)) probes.set(key, await connect(x.sp.url, auth, false));
    }
    const syncedAt = new Map<string, number>();
    await until(
      async () => {
        await new Promise((r) => setTimeout(r, 100)); // stay well under the per-socket event rate limit
        let all = true;
        for (const c of x.clients) {
          const probe = probes.get(JSON.stringify(x.authOf.get(c)))!;
          const r = await call(probe, "live:join", { stream: c.stream });
          if (!r.ok || r.data.mode !== "snapshot") throw new Error(`probe join ${c.stream}: ${JSON.stringify(r)}`);
          if (c.version !== r.data.snapshot.version || stable(c.state) !== stable(r.data.snapshot.state)) {
            syncedAt.delete(c.stream);
            all = false;
          } else if (!syncedAt.has(c.stream)) syncedAt.set(c.stream, Date.now() - x.sp.listeningAt);
        }
        return all && [x.agent, x.bidder, x.projector, ...x.others].every((sock) => sock.connected);
      },
      RESYNC_MS + 5000,
      "clients resynced",
    );
    // When the last client was found back on the truth (and stayed there); the probing itself is not counted.
    const total = Math.max(...syncedAt.values());
    if (total > RESYNC_MS) console.log(`[crash-recovery] slow resync: ${JSON.stringify(Object.fromEntries(syncedAt))}`);
    return total;
  } finally {
    for (const p of probes.values()) p.disconnect();
  }
}

async function checkInvariants(x: Harness) {
  for (const l of x.ledger) {
    try {
      await l.check();
    } catch (err) {
      throw new Error(`acknowledged "${l.what}" not intact after a restart: ${(err as Error).message}`);
    }
  }
  // Nothing counted twice.
  const audit = await x.db.auditEvent.findMany({ select: { action: true, target: true } });
  const once = ["opening.open", "opening.publishBidders", "opening.startDecryption", "opening.endDecryption", "opening.startDraw", "opening.revealDraw", "opening.startConfirmation", "opening.close", "experts.requestDraw", "experts.draw"];
  const seen = new Map<string, number>();
  for (const a of audit) if (once.includes(a.action)) seen.set(`${a.action} ${a.target}`, (seen.get(`${a.action} ${a.target}`) ?? 0) + 1);
  for (const [k, n] of seen) expect(n, k).toBe(1);
  const bids = await x.db.bid.findMany({ where: { lotId: x.lotId, status: { not: "replaced" } } });
  expect(new Set(bids.map((b) => b.companyId)).size).toBe(bids.length);
  // One decryption on the record per decrypted bid.
  expect(audit.filter((a) => a.action === "opening.decrypt" && a.target === `lot:${x.lotId}`).length).toBe(bids.filter((b) => b.status === "decrypted").length);
  const session = await x.db.openingSession.findUnique({ where: { lotId: x.lotId } });
  if (session) {
    const signIns = await x.db.signIn.findMany({ where: { sessionId: session.id } });
    expect(new Set(signIns.map((s) => s.companyId)).size).toBe(signIns.length);
    const confirmations = await x.db.confirmation.findMany({ where: { sessionId: session.id } });
    expect(new Set(confirmations.map((s) => s.companyId)).size).toBe(confirmations.length);
  }
  if (x.drawId) {
    const picks = await x.db.expertPick.findMany({ where: { drawId: x.drawId } });
    expect(new Set(picks.map((p) => p.seq)).size).toBe(picks.length);
    expect(new Set(picks.filter((p) => p.state !== "reserve" && p.state !== "cancelled").map((p) => p.expertId)).size).toBe(picks.filter((p) => p.state !== "reserve" && p.state !== "cancelled").length);
  }
  if (x.evalSessionId) {
    // No sheet counted twice: one live submission per member and step; one deal per lot.
    const subs = await x.db.evalSubmission.findMany({ where: { sessionId: x.evalSessionId, supersededAt: null } });
    expect(new Set(subs.map((u) => `${u.memberId} ${u.step}`)).size).toBe(subs.length);
    expect(await x.db.statsDeal.count({ where: { lotId: x.lotId } })).toBeLessThanOrEqual(1);
  }
  expect(await verifyAudit(x.db)).toMatchObject({ ok: true });
}

beforeAll(async () => {
  const messages: ExpertMessage[] = [];
  const hold = { on: false, waiting: [] as (() => void)[] };
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const answer = () => res.writeHead(200, { "content-type": "application/json" }).end("{}");
      // Holding: the gateway has the connection but has not taken the message (it is not delivered).
      if (hold.on) return void hold.waiting.push(() => res.writeHead(503).end());
      messages.push(JSON.parse(body) as ExpertMessage);
      answer();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/sms`;

  work = mkdtempSync(join(tmpdir(), "hall-crash-"));
  const csv = join(work, "pool.csv");
  writeFileSync(csv, [CSV_HEADER, ...pool.map(csvLine)].join("\n") + "\n");

  const sp = await startServerProcess({
    template: inject("dbTemplate"),
    env: { EXPERT_NOTIFIER: "webhook", EXPERT_WEBHOOK_URL: hookUrl, EXPERT_WEBHOOK_SECRET: "crash-test-webhook-secret", EXPERT_WEBHOOK_RETRIES: "0",
      // The scale-out pass (REDIS_URL): a restarted process leaves unsent invitations to the process that
      // committed them for this long (server/experts/resend.ts); the killed one will not send them.
      EXPERT_INVITE_HANDOVER_MS: "1000",
      APP_SECRET: randomBytes(32).toString("base64url") },
    firstEnv: { HALL_EXPERTS_CSV: csv },
  });
  const db = createDb(sp.databaseUrl);
  const api: Harness["api"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(sp.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    return { status: res.status, body: (await res.json()) as never };
  };
  const login = async (username: string, password = DEMO_PASSWORD) => {
    const r = await api<LoginResult>("POST", "/api/auth/login", { body: { username, password } });
    if (!r.body.ok) throw new Error(`login ${username}`);
    return r.body.data;
  };
  // The fixtures need only these parts of a TestApp.
  const shim = { url: sp.url, api, login, app: { db } } as unknown as TestApp;
  const { dir, kits } = await bidderKits(shim);
  const agentLogin = await login("agent");
  const project = await createLot(shim, agentLogin.token, {
    draw: { kind: "coefficient", options: ["A", "B", "C", "D"].map((label, i) => ({ label, basisPoints: [150, 100, 50, 25][i]! })) },
    decryptWindowMinutes: 30,
    confirmMinutes: 10,
    maxBidMegabytes: 20,
  });
  const lotId = project.lots[0]!.id;
  const roomId = project.lots[0]!.roomId;
  const agent = await connect(sp.url, { token: agentLogin.token });
  const projectorAuth = { deviceKey: sp.devices.find((d) => d.code === "K01-PJ")!.key };
  const projector = await connect(sp.url, projectorAuth);
  const bidder = await connect(sp.url, { token: kits[0]!.token });
  const room = new LiveStreamClient<RoomScreenState>(projector, `room:${roomId}`).start();
  const mine = new LiveStreamClient<OpeningBidderState>(bidder, `opening:${lotId}:company:${kits[0]!.companyId}`).start();

  const escrowCert = join(dir, "escrow.pem");
  writeFileSync(escrowCert, project.lots[0]!.escrowCertPem);
  const lotCode = project.lots[0]!.code;
  // Bidder 1's bid carries 8 MB of incompressible drawings: its upload and decryption take long enough to be cut.
  const big = randomBytes(8 * 1024 * 1024).toString("base64").slice(0, 8 * 1024 * 1024);
  const envelopes = [
    sealWithOpenssl(dir, "c1", bidZip(bidJson(lotCode, kits[0]!.creditCode, "9650000.00"), { "技术标/图纸.dwg": big }), [kits[0]!.certFile, escrowCert]),
    sealWithOpenssl(dir, "c2", bidZip(bidJson(lotCode, kits[1]!.creditCode, "9720000.50")), [kits[1]!.certFile, escrowCert]),
    sealWithOpenssl(dir, "c3", bidZip(bidJson(lotCode, kits[2]!.creditCode, "9588000")), [kits[2]!.certFile, escrowCert]),
  ];

  h = {
    sp,
    db,
    kits,
    dir,
    agent,
    projector,
    bidder,
    others: [],
    project,
    lotId,
    roomId,
    envelopes,
    clients: [room as LiveStreamClient, mine as LiveStreamClient],
    authOf: new Map<LiveStreamClient, Record<string, string>>([
      [room as LiveStreamClient, projectorAuth],
      [mine as LiveStreamClient, { token: kits[0]!.token }],
    ]),
    ledger: [],
    crashes: [],
    agentToken: agentLogin.token,
    messages,
    hold,
    api,
    async ack(what, check) {
      await check(); // it holds now …
      h.ledger.push({ what, check }); // … and must hold after every later crash.
    },
    async crash(point, opts = {}) {
      const before = await h.db.auditEvent.findMany({ orderBy: { seq: "asc" }, select: { seq: true, hash: true } });
      const versions = new Map(h.clients.map((c) => [c.stream, c.version]));
      await h.sp.kill();
      const survived = await h.db.auditEvent.findMany({ orderBy: { seq: "asc" }, select: { seq: true, hash: true } });
      opts.whileDown?.();
      await h.sp.start();
      const resyncMs = await resynced(h);
      expect(resyncMs, `clients back within ${RESYNC_MS} ms after the restart at "${point}"`).toBeLessThanOrEqual(RESYNC_MS);
      for (const c of h.clients) expect(c.version, `${c.stream} never goes back`).toBeGreaterThanOrEqual(versions.get(c.stream) ?? 0);
      // Audit rows written before the crash are all there, unchanged; at most the in-flight action adds rows.
      const after = await h.db.auditEvent.findMany({ orderBy: { seq: "asc" }, select: { seq: true, hash: true } });
      expect(after.slice(0, before.length)).toEqual(before);
      expect(survived.length - before.length).toBeLessThanOrEqual(opts.allowNewAudit ?? 0);
      await checkInvariants(h);
      h.crashes.push({ point, resyncMs, auditRows: after.length });
    },
  };
}, 180_000);

afterAll(async () => {
  for (const s of [h?.agent, h?.projector, h?.bidder, ...(h?.others ?? [])]) s?.disconnect();
  for (const c of h?.clients ?? []) c.stop();
  await h?.db.$disconnect();
  await h?.sp.stop();
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
  if (work) rmSync(work, { recursive: true, force: true });
  if (h) {
    console.log(`[crash-recovery] ${h.crashes.length} SIGKILLs survived; resync after restart (ms): ${h.crashes.map((c) => `${c.point}=${c.resyncMs}`).join(", ")}`);
  }
});

/** PUT a bid, sending half of it, then waiting until the server holds the partial file; returns the request. */
async function halfUpload(x: Harness, token: string, file: string) {
  const buf = readFileSync(file);
  const url = new URL(`${x.sp.url}/api/lots/${x.lotId}/bid`);
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": String(buf.length) } });
  req.on("error", () => undefined); // the server dies under it
  req.write(buf.subarray(0, buf.length >> 1));
  const dir = join(x.sp.dir, "bids", x.lotId);
  await until(() => {
    try {
      return readdirSync(dir).some((f) => f.endsWith(".upload") && statSync(join(dir, f)).size > 0);
    } catch {
      return false;
    }
  }, 10_000, "partial upload on disk");
  return req;
}

const sealedBid = (x: Harness, k: number) => x.db.bid.findFirst({ where: { lotId: x.lotId, companyId: x.kits[k]!.companyId, status: { not: "replaced" } } });
const stageIs = async (x: Harness, ...stages: string[]) => expect(stages).toContain((await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } })).stage);
const STAGE_ORDER = ["signin", "bidders-published", "decrypting", "announcing", "drawing", "confirming", "closed"];
const stageAtLeast = async (x: Harness, s: string) => {
  const now = (await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } })).stage;
  expect(STAGE_ORDER.indexOf(now)).toBeGreaterThanOrEqual(STAGE_ORDER.indexOf(s));
};

const openingSteps: Step[] = [
  {
    name: "a bid is uploaded and acknowledged, then the server dies",
    async run(x) {
      const res = await uploadBid(x.sp as unknown as TestApp, x.kits[1]!.token, x.lotId, x.envelopes[1]!);
      expect(res.status).toBe(200);
      const sha = res.body.data!.receipt.sha256;
      await x.ack("bid 2 sealed", async () => {
        const b = await sealedBid(x, 1);
        expect(b?.sha256).toBe(sha);
        expect(statSync(b!.filePath).size).toBe(statSync(x.envelopes[1]!).size);
      });
      await x.crash("after a bid upload ack");
    },
  },
  {
    name: "the server dies in the middle of an 11 MB upload: nothing half-accepted; the bidder uploads again",
    async run(x) {
      const req = await halfUpload(x, x.kits[0]!.token, x.envelopes[0]!);
      await x.crash("mid-upload");
      req.destroy();
      expect(await sealedBid(x, 0)).toBeNull(); // never acknowledged, never recorded
      const res = await uploadBid(x.sp as unknown as TestApp, x.kits[0]!.token, x.lotId, x.envelopes[0]!);
      expect(res.status).toBe(200);
      const sha = res.body.data!.receipt.sha256;
      await x.ack("bid 1 sealed", async () => expect((await sealedBid(x, 0))?.sha256).toBe(sha));
      const res3 = await uploadBid(x.sp as unknown as TestApp, x.kits[2]!.token, x.lotId, x.envelopes[2]!);
      expect(res3.status).toBe(200);
      await x.ack("bid 3 sealed", async () => expect((await sealedBid(x, 2))?.sha256).toBe(res3.body.data!.receipt.sha256));
    },
  },
  {
    name: "the opening starts (stage change acknowledged), then the server dies; the draw commitment survives",
    async run(x) {
      const past = new Date(Date.now() - 1000);
      await x.db.lot.update({ where: { id: x.lotId }, data: { bidDeadline: past, openingTime: past } });
      expect(await ok(call(x.agent, "opening:open", { lotId: x.lotId }), "open")).toMatchObject({ stage: "signin" });
      const s = await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } });
      x.seedHashAtOpen = s.drawSeedHash!;
      await x.ack("session open with its committed seed hash", async () => {
        const now = await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } });
        expect(now.drawSeedHash).toBe(x.seedHashAtOpen);
        await stageAtLeast(x, "signin");
      });
      await until(() => (x.clients[0]!.state as RoomScreenState | undefined)?.session?.lotId === x.lotId, 3000, "room points at the opening");
      const stream = (x.clients[0]!.state as RoomScreenState).session!.stream;
      x.opening = new LiveStreamClient<OpeningPublicState>(x.projector, stream).start();
      x.clients.push(x.opening as LiveStreamClient);
      x.authOf.set(x.opening as LiveStreamClient, x.authOf.get(x.clients[0]!)!);
      await until(() => x.opening!.state?.stage === "signin", 3000, "projector on the session");
      await x.crash("after the stage change ack (open)");
      expect(x.opening.state!.draw!.seedHash).toBe(x.seedHashAtOpen);
    },
  },
  {
    name: "sign-ins, the bidder list and the decryption window; the server dies after the window opened",
    async run(x) {
      const socks = [x.bidder, ...(await Promise.all(x.kits.slice(1).map((k) => connect(x.sp.url, { token: k.token }))))];
      x.others.push(...socks.slice(1));
      for (const [i, s] of socks.entries()) {
        await ok(call(s, "opening:signIn", { lotId: x.lotId, mode: i === 0 ? "onsite" : "online" }), "signIn");
        const companyId = x.kits[i]!.companyId;
        await x.ack(`sign-in ${i + 1}`, async () => {
          const sess = await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } });
          expect(await x.db.signIn.count({ where: { sessionId: sess.id, companyId } })).toBe(1);
        });
      }
      await x.crash("after the sign-ins");
      await ok(call(x.agent, "opening:publishBidders", { lotId: x.lotId }), "publishBidders");
      await ok(call(x.agent, "opening:startDecryption", { lotId: x.lotId }), "startDecryption");
      const endsAt = (await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } })).decryptEndsAt!.toISOString();
      await x.ack("decryption window open until its deadline", async () => {
        await stageAtLeast(x, "decrypting");
        expect((await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } })).decryptEndsAt!.toISOString()).toBe(endsAt);
      });
      await until(() => x.opening!.state?.countdown !== null && x.opening!.state?.stage === "decrypting", 3000, "countdown on screen");
      await x.crash("after the stage change ack (decryption window)");
      expect(x.opening!.state!.countdown!.endsAt).toBe(endsAt); // the same deadline, not a new one
    },
  },
  {
    name: "the server dies in the middle of a decryption; the bidder's retry is counted once",
    async run(x) {
      const key1 = await recoverKeyHex(x.envelopes[0]!, x.kits[0]!);
      // The answer never comes: the server is killed while it decrypts the 11 MB envelope.
      const inflight = call(x.bidder, "opening:submitKey", { lotId: x.lotId, keyHex: key1 }).catch(() => null);
      await until(() => {
        try {
          return readdirSync(join(x.sp.dir, "bids", x.lotId)).some((f) => f.endsWith(".zip"));
        } catch {
          return false;
        }
      }, 10_000, "decryption under way");
      await x.crash("during decryption", { allowNewAudit: 1 });
      await inflight;
      const b = (await sealedBid(x, 0))!;
      x.crashes.at(-1)!.point += b.status === "decrypted" ? " (it had committed)" : " (interrupted: still sealed)";
      const again = await call(x.bidder, "opening:submitKey", { lotId: x.lotId, keyHex: key1 });
      if (b.status === "decrypted") expect(again.ok).toBe(false);
      else expect(again).toMatchObject({ ok: true, data: { summary: { priceFen: 965_000_000 } } });
      await x.ack("bid 1 decrypted once", async () => {
        const now = (await sealedBid(x, 0))!;
        expect(now.status).toBe("decrypted");
        expect(JSON.parse(now.summary!)).toMatchObject({ priceFen: 965_000_000 });
      });
    },
  },
  {
    name: "the other decryptions are acknowledged; the server dies after the announcement",
    async run(x) {
      for (const k of [1, 2]) {
        const s = x.others[k - 1]!;
        await ok(call(s, "opening:submitKey", { lotId: x.lotId, keyHex: await recoverKeyHex(x.envelopes[k]!, x.kits[k]!) }), "submitKey");
        await x.ack(`bid ${k + 1} decrypted`, async () => expect((await sealedBid(x, k))!.status).toBe("decrypted"));
      }
      await x.crash("after a decryption ack");
      await ok(call(x.agent, "opening:endDecryption", { lotId: x.lotId }), "endDecryption");
      await until(() => x.opening!.state?.announcements.length === 3, 3000, "announcement cards");
      const cards = stable(x.opening!.state!.announcements);
      await x.ack("announcement", async () => stageAtLeast(x, "announcing"));
      await x.crash("after the announcement");
      expect(stable(x.opening!.state!.announcements)).toBe(cards);
    },
  },
  {
    name: "the draw: the server dies between commit and reveal; the revealed seed matches the commitment made at the opening",
    async run(x) {
      await ok(call(x.agent, "opening:startDraw", { lotId: x.lotId }), "startDraw");
      await x.ack("draw stage", async () => stageAtLeast(x, "drawing"));
      await x.crash("during the draw, between commit and reveal");
      await ok(call(x.agent, "opening:revealDraw", { lotId: x.lotId }), "revealDraw");
      await until(() => !!x.opening!.state?.draw?.result, 3000, "draw result on screen");
      const seed = x.opening!.state!.draw!.seed!;
      expect(seedHash(seed)).toBe(x.seedHashAtOpen);
      const result = stable(x.opening!.state!.draw!.result);
      await x.ack("draw revealed", async () => {
        const s = await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } });
        expect(s.drawSeedHash).toBe(x.seedHashAtOpen);
      });
      await x.crash("after the reveal");
      expect(x.opening!.state!.draw!.seed).toBe(seed);
      expect(stable(x.opening!.state!.draw!.result)).toBe(result);
    },
  },
  {
    name: "confirmations: acknowledged answers survive; a confirmation deadline that passes while the server is down is enforced after the restart",
    async run(x) {
      await ok(call(x.agent, "opening:startConfirmation", { lotId: x.lotId }), "startConfirmation");
      await ok(call(x.bidder, "opening:confirm", { lotId: x.lotId, decision: "confirm" }), "confirm");
      await x.ack("bidder 1 confirmed", async () => {
        const s = await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } });
        expect((await x.db.confirmation.findMany({ where: { sessionId: s.id, companyId: x.kits[0]!.companyId } })).map((c) => c.decision)).toEqual(["confirm"]);
      });
      await x.crash("during confirmations");
      await ok(call(x.others[0]!, "opening:confirm", { lotId: x.lotId, decision: "object", text: "唱标金额有误" }), "object");
      await x.ack("bidder 2 objected", async () => {
        const s = await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } });
        expect((await x.db.confirmation.findMany({ where: { sessionId: s.id, companyId: x.kits[1]!.companyId } })).map((c) => c.decision)).toEqual(["object"]);
      });
      // Time passes while the server is down: the limit is 1.5 s away when it dies; bidder 3 stays silent.
      await x.db.openingSession.update({ where: { lotId: x.lotId }, data: { confirmEndsAt: new Date(Date.now() + 1500) } });
      await x.crash("confirmation deadline pending", { allowNewAudit: 0 });
      await until(() => x.opening!.state?.tally.timedOut === 1, 5000, "the timer re-armed at start-up records the silence");
      expect(x.opening!.state!.tally).toEqual({ confirmed: 1, objected: 1, timedOut: 1, pending: 0 });
      await x.ack("bidder 3 timed out once", async () => {
        const s = await x.db.openingSession.findUniqueOrThrow({ where: { lotId: x.lotId } });
        expect((await x.db.confirmation.findMany({ where: { sessionId: s.id, companyId: x.kits[2]!.companyId } })).map((c) => c.decision)).toEqual(["timeout"]);
      });
      const objection = x.opening!.state!.objections[0]!;
      await ok(call(x.agent, "opening:answerObjection", { objectionId: objection.id, answer: "经核对，唱标金额与投标文件一致。" }), "answerObjection");
      expect(await ok(call(x.agent, "opening:close", { lotId: x.lotId }), "close")).toMatchObject({ stage: "closed" });
      await x.ack("opening closed", async () => stageIs(x, "closed"));
      await x.crash("after the close");
      expect(x.opening!.state!.stage).toBe("closed");
    },
  },
];

const expertSteps: Step[] = [
  {
    name: "the expert draw: request (commitment), the draw with invitations in flight, answers, a terminal sign-in",
    async run(x) {
      const rooms = await x.db.room.findMany();
      const main = rooms.find((r) => r.code === "P01")!;
      const commitment = await ok(
        call(x.agent, "experts:requestDraw", {
          projectId: x.project.id,
          lotId: x.lotId,
          evaluationAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
          sites: [{ roomId: main.id, role: "main", needs: [{ specialtyCode: "A010101", count: 5, backups: 1 }] }],
          ownerCreditCodes: [],
          projectRegionCode: "320501",
          excludeSameCounty: false,
          manualExclusions: [],
        }),
        "requestDraw",
      );
      x.drawId = commitment.drawId;
      const view = new LiveStreamClient<DrawAgentState>(x.agent, commitment.streams.agent).start();
      x.clients.push(view as LiveStreamClient);
      x.authOf.set(view as LiveStreamClient, { token: x.agentToken });
      await until(() => view.version > 0, 3000, "agent's draw view");
      await x.ack("expert draw committed", async () => expect((await x.db.expertDraw.findUniqueOrThrow({ where: { id: commitment.drawId } })).seedHash).toBe(commitment.seedHash));
      await x.crash("expert draw committed, before the draw");

      // The SMS gateway stalls: the server dies while the invitations are being handed over, none delivered.
      x.hold.on = true;
      const drawn = await ok(call(x.agent, "experts:draw", { drawId: commitment.drawId }), "experts:draw");
      expect(seedHash(drawn.seed)).toBe(commitment.seedHash);
      await until(() => x.hold.waiting.length >= 1, 5000, "an invitation in flight");
      expect(x.messages.filter((m) => m.kind === "invitation")).toEqual([]);
      const picksAtAck = await x.db.expertPick.findMany({ where: { drawId: commitment.drawId }, orderBy: { seq: "asc" } });
      await x.ack("expert draw done", async () => {
        const now = await x.db.expertPick.findMany({ where: { drawId: commitment.drawId }, orderBy: { seq: "asc" } });
        expect(now.map((p) => [p.seq, p.expertId, p.kind])).toEqual(picksAtAck.map((p) => [p.seq, p.expertId, p.kind]));
      });
      await x.crash("during the expert draw (invitations in flight, none delivered)", {
        whileDown: () => {
          x.hold.on = false; // the gateway is back for the new process
          for (const a of x.hold.waiting.splice(0)) a();
        },
      });
      // Every invited expert is reached, also those whose invitation the killed process had committed
      // but not yet handed to the gateway (sent again at start-up with a fresh link: at least once).
      const notified = picksAtAck.filter((p) => p.state === "notified");
      await until(() => notified.every((p) => x.messages.some((m) => m.kind === "invitation" && m.pickId === p.id)), 5000, "every invitation out");
      expect(new Set(x.messages.filter((m) => m.kind === "invitation").map((m) => m.pickId))).toEqual(new Set(notified.map((p) => p.id)));

      // Answers, by the latest link each expert got.
      const latest = new Map<string, ExpertMessage>();
      for (const m of x.messages) if (m.kind === "invitation") latest.set(m.pickId, m);
      const invites = notified.map((p) => latest.get(p.id)!);
      for (const m of invites.slice(0, 2)) {
        const r = await x.api<{ state: string }>("POST", "/api/expert-invitations/answer", { body: { token: m.token, decision: "accept", idLast4: idLast4For(pool, m.to) } });
        expect(r.body).toMatchObject({ ok: true, data: { state: "accepted" } });
        await x.ack(`expert ${m.pickId} accepted`, async () => expect((await x.db.expertPick.findUniqueOrThrow({ where: { id: m.pickId } })).state).toMatch(/accepted|signed-in/));
      }
      await x.crash("during the invitation answers");
      const again = await x.api("POST", "/api/expert-invitations/answer", { body: { token: invites[0]!.token, decision: "accept", idLast4: idLast4For(pool, invites[0]!.to) } });
      expect(again.body).toMatchObject({ ok: false, error: { code: "ALREADY_ANSWERED" } });

      // A terminal sign-in: code sent, the server dies, the code still works once.
      const pick = await x.db.expertPick.findUniqueOrThrow({ where: { id: invites[0]!.pickId } });
      const residentId = pool.find((e) => e.mobile === invites[0]!.to)!.residentId;
      const terminal = await connect(x.sp.url, { deviceKey: x.sp.devices.find((d) => d.code === "P01-ET1")!.key });
      x.others.push(terminal);
      await ok(call(terminal, "experts:signInStart", { residentId }), "signInStart");
      await until(() => x.messages.some((m) => m.kind === "sign-in-code" && m.pickId === pick.id), 3000, "the code by SMS");
      await x.crash("expert sign-in code sent");
      const code = x.messages.filter((m) => m.kind === "sign-in-code" && m.pickId === pick.id).at(-1)!.code!;
      const done = await ok(call(terminal, "experts:signInFinish", { residentId, code }), "signInFinish");
      expect(done.name).toBeTruthy();
      await x.ack("expert signed in", async () => expect((await x.db.expertPick.findUniqueOrThrow({ where: { id: pick.id } })).state).toBe("signed-in"));
      await x.crash("after the expert sign-in");
      await until(() => (view.state?.counts.signedIn ?? 0) === 1, 3000, "sign-in on the agent's view");
    },
  },
];

interface Member {
  residentId: string;
  pickId: string;
  device: string;
  socket: TestSocket;
  memberId: string;
  key: ReturnType<typeof expertKey>;
}
const members: Member[] = [];
const evalCall = async <T,>(p: Promise<Ack<T>>, what: string) => ok(p, what);

const evaluationSteps: Step[] = [
  {
    name: "the evaluation: created, the committee signs in and pledges; the server dies after the pledges",
    async run(x) {
      const created = await evalCall(call(x.agent, "evaluation:create", { lotId: x.lotId, drawId: x.drawId!, template: comprehensiveTemplate, confirm: true }), "evaluation:create");
      x.evalSessionId = created.sessionId;
      const sessionId = created.sessionId;
      await x.ack("evaluation session", async () => expect(await x.db.evalSession.count({ where: { id: sessionId } })).toBe(1));
      await x.crash("after the evaluation was created");
      // The five invited members at the five terminals of P01 (the first signed in there already).
      const latest = new Map<string, ExpertMessage>();
      for (const m of x.messages) if (m.kind === "invitation") latest.set(m.pickId, m);
      // The same order as the expert step answered them (pick order), so the first is the one signed in at P01-ET1.
      const picks = await x.db.expertPick.findMany({ where: { drawId: x.drawId!, id: { in: [...latest.keys()] } }, orderBy: { seq: "asc" } });
      const invites = picks.map((p) => latest.get(p.id)!);
      for (const [i, m] of invites.entries()) {
        const device = `P01-ET${i + 1}`;
        const socket = i === 0 ? x.others.at(-1)! : await connect(x.sp.url, { deviceKey: x.sp.devices.find((d) => d.code === device)!.key });
        if (i > 0) x.others.push(socket);
        const residentId = pool.find((e) => e.mobile === m.to)!.residentId;
        if (i > 0) {
          await evalCall(call(socket, "experts:signInStart", { residentId }), "signInStart");
          await until(() => x.messages.some((c) => c.kind === "sign-in-code" && c.pickId === m.pickId), 3000, "code");
          const code = x.messages.filter((c) => c.kind === "sign-in-code" && c.pickId === m.pickId).at(-1)!.code!;
          await evalCall(call(socket, "experts:signInFinish", { residentId, code }), "signInFinish");
        }
        const me = await evalCall(call(socket, "evaluation:whoami", { sessionId }), "whoami");
        members.push({ residentId, pickId: m.pickId, device, socket, memberId: me.memberId, key: expertKey() });
        if (i === 0) {
          const view = new LiveStreamClient<EvalExpertState>(socket, me.stream).start();
          x.clients.push(view as LiveStreamClient);
          x.authOf.set(view as LiveStreamClient, { deviceKey: x.sp.devices.find((d) => d.code === device)!.key });
        }
      }
      await evalCall(call(x.agent, "evaluation:advance", { sessionId, from: "signin" }), "advance signin");
      for (const mb of members) await evalCall(call(mb.socket, "evaluation:pledge", { sessionId }), "pledge");
      await x.ack("five pledges", async () => expect(await x.db.evalMember.count({ where: { sessionId, pledgedAt: { not: null } } })).toBe(5));
      await x.crash("after the pledges");
      // The terminals are still the members' after the restart.
      for (const mb of members) expect((await evalCall(call(mb.socket, "evaluation:whoami", { sessionId }), "whoami again")).memberId).toBe(mb.memberId);
    },
  },
  {
    name: "conflicts, the chair election cut in the middle, qualification sheets cut in the middle: replays answer the same, nothing counted twice",
    async run(x) {
      const sessionId = x.evalSessionId!;
      await evalCall(call(x.agent, "evaluation:advance", { sessionId, from: "pledge" }), "advance pledge");
      for (const mb of members) await evalCall(call(mb.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }), "declareConflicts");
      await evalCall(call(x.agent, "evaluation:advance", { sessionId, from: "conflicts" }), "advance conflicts");
      const chair = members[0]!;
      for (const mb of members.slice(0, 3)) await evalCall(call(mb.socket, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: chair.memberId }), "voteChair");
      const voters = members.slice(0, 3).map((mb) => mb.memberId);
      await x.ack("three chair votes", async () => expect(await x.db.evalVote.count({ where: { sessionId, round: 1, voterId: { in: voters } } })).toBe(3));
      await x.crash("during the chair election (3 of 5 votes)");
      for (const mb of members.slice(3)) await evalCall(call(mb.socket, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: chair.memberId }), "voteChair");
      await x.ack("chair elected", async () => expect((await x.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } })).chairMemberId).toBe(chair.memberId));
      await evalCall(call(chair.socket, "evaluation:advance", { sessionId, from: "chair" }), "advance chair");

      const rows = x.kits.flatMap((k) => ["license", "credit"].map((criterion) => ({ companyId: k.companyId, criterion, pass: true, reason: "" })));
      const sheet = { step: "qualification" as const, rows };
      const answers: unknown[] = [];
      for (const [i, mb] of members.slice(0, 3).entries()) answers.push(await evalCall(call(mb.socket, "evaluation:submit", { sessionId, idempotencyKey: `crash-q-${i}`, sheet }), "submit"));
      const firstThree = members.slice(0, 3).map((mb) => mb.memberId);
      await x.ack("three qualification sheets", async () =>
        expect(await x.db.evalSubmission.count({ where: { sessionId, step: "qualification", memberId: { in: firstThree }, supersededAt: null } })).toBe(3),
      );
      await x.crash("after 3 of 5 qualification sheets");
      // The terminal did not hear the answer and sends again with the same key: the same answer, still one sheet.
      expect(await evalCall(call(members[2]!.socket, "evaluation:submit", { sessionId, idempotencyKey: "crash-q-2", sheet }), "replay")).toEqual(answers[2]);
      expect(await x.db.evalSubmission.count({ where: { sessionId, step: "qualification" } })).toBe(3);
      for (const [i, mb] of members.slice(3).entries()) await evalCall(call(mb.socket, "evaluation:submit", { sessionId, idempotencyKey: `crash-q-${i + 3}`, sheet }), "submit");
      await evalCall(call(x.agent, "evaluation:advance", { sessionId, from: "qualification" }), "advance qualification");
    },
  },
  {
    name: "scoring: a draft survives the crash; the deal is recorded once; signatures cut in the middle; the report closes",
    async run(x) {
      const sessionId = x.evalSessionId!;
      const sheet = (i: number) => ({
        step: "scoring" as const,
        rows: x.kits.flatMap((k, j) => [
          { companyId: k.companyId, criterion: "tech", score: 30 + ((i + j) % 3) },
          { companyId: k.companyId, criterion: "biz", score: 20 + ((i * j) % 4) },
        ]),
      });
      const first = members[0]!;
      await evalCall(call(first.socket, "evaluation:draft", { sessionId, clientSeq: 7, sheet: { ...sheet(0), outlierReasons: {} } }), "draft");
      await x.crash("a scoring draft on the server");
      const view = x.clients.at(-1) as LiveStreamClient<EvalExpertState>;
      await until(() => !!view.state?.drafts.scoring, 3000, "the draft back on the terminal");
      expect(view.state!.drafts.scoring).toMatchObject({ step: "scoring", rows: sheet(0).rows });
      for (const [i, mb] of members.entries()) await evalCall(call(mb.socket, "evaluation:submit", { sessionId, idempotencyKey: `crash-s-${i}`, sheet: sheet(i) }), "submit scoring");
      for (const from of ["scoring", "price", "aggregate", "candidates"] as const) await evalCall(call(x.agent, "evaluation:advance", { sessionId, from }), `advance ${from}`);
      const deal = await x.db.statsDeal.findFirst({ where: { lotId: x.lotId } });
      expect(deal).not.toBeNull();
      await x.ack("the deal recorded once", async () => expect(await x.db.statsDeal.count({ where: { lotId: x.lotId } })).toBe(1));
      await x.crash("after the candidates (deal recorded)");

      for (const mb of members) await evalCall(call(mb.socket, "evaluation:enrollKey", { sessionId, publicKeyPem: mb.key.publicKeyPem }), "enrollKey");
      for (const mb of members.slice(0, 2)) {
        const p = await evalCall(call(mb.socket, "evaluation:prepareSignature", { sessionId }), "prepare");
        await evalCall(call(mb.socket, "evaluation:sign", { sessionId, prepId: p.prepId, signatureB64: mb.key.sign(p.toSignB64) }), "sign");
      }
      await x.crash("during the report signatures (2 of 5)");
      for (const mb of members.slice(2)) {
        const p = await evalCall(call(mb.socket, "evaluation:prepareSignature", { sessionId }), "prepare");
        await evalCall(call(mb.socket, "evaluation:sign", { sessionId, prepId: p.prepId, signatureB64: mb.key.sign(p.toSignB64) }), "sign");
      }
      await until(async () => (await x.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } })).status === "closed", 10_000, "the platform signs and closes");
      await x.ack("evaluation closed", async () => expect((await x.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } })).status).toBe("closed"));
      await x.crash("after the evaluation closed");
      const pdf = await fetch(`${x.sp.url}/api/evaluations/${sessionId}/report.pdf`, { headers: { authorization: `Bearer ${x.agentToken}` } });
      expect([200, 403]).toContain(pdf.status);
    },
  },
];

const steps: Step[] = [...openingSteps, ...expertSteps, ...evaluationSteps];

describe("crash recovery (SIGKILL and restart on the same database and data folder)", () => {
  let broken = false; // the script is one story: after a failed step the rest would only repeat it
  for (const step of steps) {
    it(step.name, async (ctx) => {
      if (broken) ctx.skip();
      try {
        await step.run(h);
      } catch (err) {
        broken = true;
        throw err;
      }
    }, 90_000);
  }

  it("survived at least 10 kill points, each with every client back within 3 s and the audit chain whole", () => {
    expect(h.crashes.length).toBeGreaterThanOrEqual(10);
    expect(h.crashes.every((c) => c.resyncMs <= RESYNC_MS)).toBe(true);
  });
});
