// Leak test: a full session (opening with three sealed bids, the draw,
// confirmations; then an expert draw, invitations answered, one expert signing
// in at a terminal) while EVERY payload that reaches a bidder, the agent, a
// supervisor or a screen is recorded: every socket event (onAny), every ack,
// every HTTP response body. The bids and the experts carry distinctive marker
// strings, so the scan is exact:
//   - a bid's price, bid.json fields and document names reach its own bidder only
//     after its own decryption, everyone else only once the announcement starts;
//   - a bid's plaintext bytes reach nobody, ever;
//   - an expert's name reaches no agent, bidder, supervisor or screen before that
//     expert signs in; ID numbers and mobile numbers never.
// Evaluation steps (server/evaluation) are appended to the session once its
// contract exists.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack } from "@contracts/common";
import type { DrawCommitment } from "@contracts/experts";
import type { OpeningPublicState, ProjectView } from "@contracts/opening";
import type { ClientEventName, EventInput, EventOutput } from "@contracts/events";
import { LiveStreamClient } from "@contracts/live-client";
import { call as rawCall, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, type BidderKit } from "./helpers/opening";
import { idLast4For, makeExperts, seedPool } from "./helpers/experts";
import { RecordingNotifier } from "../server/experts/notifier";
import { comprehensiveTemplate } from "./helpers/evaluation";
import type { SynthExpert } from "../server/experts/synth";

type Audience = "agent" | "supervisor" | "screen" | `bidder${0 | 1 | 2}`;
interface Received {
  who: string;
  audience: Audience;
  via: string;
  json: string;
}

let t: TestApp;
let kits: BidderKit[];
let project: ProjectView;
let lotId: string;
const received: Received[] = [];
const notifier = new RecordingNotifier();
let pool: SynthExpert[];
let drawId: string;

// ── markers ──
const BID_MARK = ["甲LEAKA7Q", "乙LEAKB8R", "丙LEAKC9S"];
const PRICES = ["9876543.21", "9765432.19", "9654321.87"];
const priceFen = (p: string) => String(Math.round(Number(p) * 100));
const bidMarkers = (k: number) => [
  PRICES[k]!,
  priceFen(PRICES[k]!),
  `PM-${BID_MARK[k]}`,
  `文件-${BID_MARK[k]}.pdf`,
  `字段-${BID_MARK[k]}`,
];
const bytesMarker = (k: number) => `BYTES-${BID_MARK[k]}-正文`;
const EXPERT_MARK = (i: number) => `专家XQ${String(i).padStart(2, "0")}标记`;

// What is allowed at the moment a payload arrives.
const allowed = { ownBid: new Set<number>(), announced: false, signedIn: new Set<string>() };
const violations: string[] = [];

function scan(r: Received) {
  for (let k = 0; k < 3; k++) {
    if (r.json.includes(bytesMarker(k))) violations.push(`${r.who} via ${r.via}: plaintext bytes of bid ${k + 1}`);
    const mayRead = allowed.announced || (r.audience === `bidder${k}` && allowed.ownBid.has(k));
    if (!mayRead) for (const m of bidMarkers(k)) if (r.json.includes(m)) violations.push(`${r.who} via ${r.via}: "${m}" of bid ${k + 1} before it may be read`);
  }
  for (const e of pool) {
    if (r.json.includes(e.residentId)) violations.push(`${r.who} via ${r.via}: the ID number of ${e.name}`);
    if (r.json.includes(e.mobile)) violations.push(`${r.who} via ${r.via}: the mobile of ${e.name}`);
    if (r.json.includes(e.name) && !allowed.signedIn.has(e.residentId)) violations.push(`${r.who} via ${r.via}: the name ${e.name} before sign-in`);
  }
}

function record(who: string, audience: Audience, via: string, payload: unknown) {
  const r: Received = { who, audience, via, json: JSON.stringify(payload) ?? "" };
  received.push(r);
  scan(r);
}

/** A socket whose every incoming event is recorded. */
async function watched(who: string, audience: Audience, auth: Record<string, string>): Promise<TestSocket> {
  const s = await t.connect(auth);
  s.onAny((event: string, ...args: unknown[]) => record(who, audience, `event ${event}`, args));
  (s as unknown as { who: string; audience: Audience }).who = who;
  (s as unknown as { who: string; audience: Audience }).audience = audience;
  return s;
}

/** call() whose ack is recorded against the socket's owner. */
async function call<E extends ClientEventName>(s: TestSocket, event: E, payload: EventInput<E>): Promise<Ack<EventOutput<E>>> {
  const res = await rawCall(s, event, payload);
  const o = s as unknown as { who: string; audience: Audience };
  record(o.who, o.audience, `ack ${event}`, res);
  return res;
}

/** HTTP with the response body recorded. */
async function api<T>(who: string, audience: Audience, method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await t.api<T>(method, path, opts);
  record(who, audience, `HTTP ${method} ${path}`, res.body);
  return res;
}

/** Lets in-flight live updates land (and be judged) before the rules change. */
const settle = () => new Promise((r) => setTimeout(r, 500));

let agent: TestSocket;
let agentToken: string;
let sup: TestSocket;
let supToken: string;
const bidders: TestSocket[] = [];
const screens: TestSocket[] = [];
const streams: LiveStreamClient[] = [];
const envelopes: string[] = [];

/** Every GET each role may make, answers recorded: the HTTP half of the scan. */
async function sweep(drawId?: string) {
  await api("agent", "agent", "GET", "/api/projects", { token: agentToken });
  await api("agent", "agent", "GET", `/api/projects/${project.id}`, { token: agentToken });
  if (drawId) await api("agent", "agent", "GET", "/api/expert-draws", { token: agentToken });
  for (const [k, kit] of kits.entries()) {
    const a = `bidder${k}` as Audience;
    await api(kit.username, a, "GET", "/api/projects", { token: kit.token });
    await api(kit.username, a, "GET", `/api/projects/${project.id}`, { token: kit.token });
    await api(kit.username, a, "GET", `/api/lots/${lotId}/my-bids`, { token: kit.token });
    await api(kit.username, a, "GET", `/api/lots/${lotId}/draw-record`, { token: kit.token });
  }
  if (drawId) {
    await api("supervisor", "supervisor", "GET", `/api/expert-draws/${drawId}/audit`, { token: supToken });
    await api("supervisor", "supervisor", "GET", `/api/expert-draws/${drawId}/record`, { token: supToken });
  }
}

beforeAll(async () => {
  t = await startTestApp();
  t.app.ctx.experts.notifier = notifier;
  let dir: string;
  ({ dir, kits } = await bidderKits(t));
  const a = await t.login("agent");
  agentToken = a.token;
  supToken = (await t.login("supervisor")).token;
  project = await createLot(t, a.token, {
    draw: { kind: "coefficient", options: ["A", "B", "C"].map((label, i) => ({ label, basisPoints: [120, 100, 80][i]! })) },
    bidFields: [{ key: "durationDays", label: "工期", type: "integer", required: true }],
  });
  lotId = project.lots[0]!.id;
  const escrowCert = join(dir, "escrow.pem");
  writeFileSync(escrowCert, project.lots[0]!.escrowCertPem);
  for (const [k, kit] of kits.entries()) {
    const json = bidJson(project.lots[0]!.code, kit.creditCode, PRICES[k]!, { projectManager: `PM-${BID_MARK[k]}`, fields: { note: `字段-${BID_MARK[k]}` } });
    envelopes.push(sealWithOpenssl(dir, `leak${k}`, bidZip(json, { [`技术标/文件-${BID_MARK[k]}.pdf`]: `%PDF-1.4 ${bytesMarker(k)}` }), [kit.certFile, escrowCert]));
  }
  // The expert pool: every name carries a marker.
  pool = makeExperts(12, ["A010101"], { seed: 5, cities: [5] }).map((e, i) => ({ ...e, name: EXPERT_MARK(i) }));
  await seedPool(t, pool);

  agent = await watched("agent", "agent", { token: a.token });
  sup = await watched("supervisor", "supervisor", { token: supToken });
  for (const [k, kit] of kits.entries()) bidders.push(await watched(kit.username, `bidder${k}` as Audience, { token: kit.token }));
  const dev = (code: string) => t.devices.find((d) => d.code === code)!.key;
  for (const code of ["K01-PJ", "K01-MW", "K01-EB", "K01-BT1", "P01-ET1", "Y01-ET1"]) screens.push(await watched(code, "screen", { deviceKey: dev(code) }));
  const roomOf = async (code: string) => (await t.app.db.room.findUniqueOrThrow({ where: { code } })).id;
  const follow = (s: TestSocket, stream: string) => streams.push(new LiveStreamClient(s, stream).start());
  follow(screens[0]!, `room:${await roomOf("K01")}`);
  follow(screens[1]!, "wall");
  follow(screens[2]!, "board");
  follow(screens[3]!, `room:${await roomOf("K01")}`);
  follow(screens[4]!, `room:${await roomOf("P01")}`);
  follow(screens[5]!, `room:${await roomOf("Y01")}`);
  follow(sup, "wall");
  follow(sup, "board");
}, 120_000);

afterAll(async () => {
  for (const s of streams) s.stop();
  await t?.close();
});

describe("no sealed bid content and no expert identity reaches anyone early", () => {
  it("runs the opening with every payload recorded: bid content only after decryption (own) and announcement (everyone)", async () => {
    // Uploads: the receipts go back to their bidders.
    for (const [k, kit] of kits.entries()) {
      const res = await fetch(`${t.url}/api/lots/${lotId}/bid`, {
        method: "PUT",
        headers: { authorization: `Bearer ${kit.token}`, "content-type": "application/octet-stream" },
        body: (await import("node:fs")).readFileSync(envelopes[k]!),
      });
      record(kit.username, `bidder${k}` as Audience, "HTTP PUT bid", await res.json());
      expect(res.status).toBe(200);
    }
    await sweep();
    await passDeadline(t, lotId);
    for (const s of bidders) streams.push(new LiveStreamClient(s, `opening:${lotId}`).start());
    for (const [k, s] of bidders.entries()) streams.push(new LiveStreamClient(s, `opening:${lotId}:company:${kits[k]!.companyId}`).start());
    expect((await call(agent, "opening:open", { lotId })).ok).toBe(true);
    const pub = new LiveStreamClient<OpeningPublicState>(screens[0]!, `opening:${lotId}`).start();
    streams.push(pub as LiveStreamClient, new LiveStreamClient(agent, `opening:${lotId}`).start(), new LiveStreamClient(screens[1]!, `opening:${lotId}`).start());
    for (const [k, s] of bidders.entries()) expect((await call(s, "opening:signIn", { lotId, mode: k === 0 ? "onsite" : "online" })).ok).toBe(true);
    expect((await call(agent, "opening:publishBidders", { lotId })).ok).toBe(true);
    expect((await call(agent, "opening:startDecryption", { lotId })).ok).toBe(true);
    await sweep();
    for (const [k, s] of bidders.entries()) {
      await settle();
      allowed.ownBid.add(k); // from now on bidder k may read its own bid; nobody else yet
      const res = await call(s, "opening:submitKey", { lotId, keyHex: await recoverKeyHex(envelopes[k]!, kits[k]!) });
      expect(res).toMatchObject({ ok: true, data: { summary: { priceFen: Number(priceFen(PRICES[k]!)) } } });
      await sweep();
    }
    await settle();
    expect(violations).toEqual([]);
    // The bidders did get their own figures back (the scan is not blind).
    for (let k = 0; k < 3; k++) expect(received.some((r) => r.audience === `bidder${k}` && r.json.includes(priceFen(PRICES[k]!)))).toBe(true);

    allowed.announced = true;
    expect((await call(agent, "opening:endDecryption", { lotId })).ok).toBe(true);
    await until(() => pub.state?.announcements.length === 3, 3000, "announcement");
    expect((await call(agent, "opening:startDraw", { lotId })).ok).toBe(true);
    expect((await call(agent, "opening:revealDraw", { lotId })).ok).toBe(true);
    expect((await call(agent, "opening:startConfirmation", { lotId })).ok).toBe(true);
    for (const s of bidders) expect((await call(s, "opening:confirm", { lotId, decision: "confirm" })).ok).toBe(true);
    expect((await call(agent, "opening:close", { lotId })).ok).toBe(true);
    await sweep();
    await settle();
    // After the announcement the screens show the prices (the markers are really on the wire).
    expect(received.some((r) => r.who === "K01-PJ" && r.json.includes(priceFen(PRICES[2]!)))).toBe(true);
    expect(violations).toEqual([]);
  });

  it("runs the expert draw: no name, ID number or mobile reaches agents, bidders, supervisors or screens before that expert signs in", async () => {
    const rooms = await t.app.db.room.findMany();
    const req = await call(agent, "experts:requestDraw", {
      projectId: project.id,
      lotId,
      evaluationAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
      sites: [{ roomId: rooms.find((r) => r.code === "P01")!.id, role: "main", needs: [{ specialtyCode: "A010101", count: 5, backups: 1 }] }],
      ownerCreditCodes: [],
      projectRegionCode: "320501",
      excludeSameCounty: false,
      manualExclusions: [],
    });
    if (!req.ok) throw new Error(JSON.stringify(req.error));
    const c: DrawCommitment = req.data;
    drawId = c.drawId;
    streams.push(new LiveStreamClient(agent, c.streams.agent).start(), new LiveStreamClient(sup, c.streams.supervisor).start());
    expect((await call(agent, "experts:draw", { drawId: c.drawId })).ok).toBe(true);
    await until(() => notifier.messages.filter((m) => m.kind === "invitation").length === 5, 3000, "invitations");
    // The invited experts answer by their links (the expert's own channel: not scanned as a leak).
    for (const m of notifier.messages.filter((x) => x.kind === "invitation")) {
      const r = await t.api("POST", "/api/expert-invitations/answer", { body: { token: m.token, decision: "accept", idLast4: idLast4For(pool, m.to) } });
      expect(r.body.ok).toBe(true);
    }
    await sweep(c.drawId);
    await settle();
    expect(violations).toEqual([]);

    // One expert signs in at the terminal of the evaluation room.
    const first = notifier.messages.find((m) => m.kind === "invitation")!;
    const expert = pool.find((e) => e.mobile === first.to)!;
    const terminal = screens[4]!;
    expect((await call(terminal, "experts:signInStart", { residentId: expert.residentId })).ok).toBe(true);
    const code = notifier.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!;
    await settle();
    expect(violations).toEqual([]);
    allowed.signedIn.add(expert.residentId);
    // The terminal sent the ID number itself; its answer names the expert. IDs still never come back.
    expect(await call(terminal, "experts:signInFinish", { residentId: expert.residentId, code })).toMatchObject({ ok: true, data: { name: expert.name } });
    await sweep(c.drawId);
    await settle();
    expect(violations).toEqual([]);
    // The name is unsealed for the agent now (the scan would have seen it).
    expect(received.some((r) => r.audience === "agent" && r.json.includes(expert.name))).toBe(true);
    for (const e of pool) if (e !== expert) expect(received.some((r) => r.json.includes(e.name))).toBe(false);
  });

  it("runs the evaluation's first steps: names appear on the agent's and supervisors' streams one by one as experts sign in, never on the public screens", async () => {
    const created = await call(agent, "evaluation:create", { lotId, drawId, template: comprehensiveTemplate, confirm: true });
    if (!created.ok) throw new Error(JSON.stringify(created.error));
    const { sessionId, streams: es } = created.data;
    streams.push(
      new LiveStreamClient(agent, es.public).start(),
      new LiveStreamClient(agent, es.agent).start(),
      new LiveStreamClient(sup, es.supervisor).start(),
      new LiveStreamClient(screens[0]!, es.public).start(),
      new LiveStreamClient(screens[1]!, es.public).start(),
    );
    for (const [k, s] of bidders.entries()) streams.push(new LiveStreamClient(s, `evaluation:${sessionId}:company:${kits[k]!.companyId}`).start());
    await sweep(drawId);
    await settle();
    expect(violations).toEqual([]);
    // The other four members sign in at the other terminals of P01, one by one.
    const invited = notifier.messages.filter((m) => m.kind === "invitation");
    const dev = (code: string) => t.devices.find((d) => d.code === code)!.key;
    for (const [i, m] of invited.slice(1).entries()) {
      const expert = pool.find((e) => e.mobile === m.to)!;
      const terminal = await watched(`P01-ET${i + 2}`, "screen", { deviceKey: dev(`P01-ET${i + 2}`) });
      screens.push(terminal);
      expect((await call(terminal, "experts:signInStart", { residentId: expert.residentId })).ok).toBe(true);
      const code = notifier.messages.filter((x) => x.kind === "sign-in-code").at(-1)!.code!;
      await settle();
      expect(violations).toEqual([]);
      allowed.signedIn.add(expert.residentId);
      expect((await call(terminal, "experts:signInFinish", { residentId: expert.residentId, code })).ok).toBe(true);
      const me = await call(terminal, "evaluation:whoami", { sessionId });
      expect(me).toMatchObject({ ok: true, data: { name: expert.name } });
      streams.push(new LiveStreamClient(terminal, (me as { data: { stream: string } }).data.stream).start());
    }
    expect((await call(agent, "evaluation:advance", { sessionId, from: "signin" })).ok).toBe(true);
    await sweep(drawId);
    await settle();
    expect(violations).toEqual([]);
    // Signed-in names are on the supervisors' stream now; the public screens still name nobody.
    const signedNames = pool.filter((e) => allowed.signedIn.has(e.residentId)).map((e) => e.name);
    expect(signedNames).toHaveLength(5);
    for (const n of signedNames) expect(received.some((r) => r.audience === "supervisor" && r.json.includes(n)), n).toBe(true);
    const publicJson = received.filter((r) => r.via.startsWith("event live:") && r.json.includes(`"stream":"${es.public}"`)).map((r) => r.json).join("");
    expect(publicJson.length).toBeGreaterThan(0);
    for (const n of signedNames) expect(publicJson).not.toContain(n);
  });

  it("scanned every kind of payload", () => {
    const vias = new Set(received.map((r) => r.via.split(" ")[0]));
    expect(vias).toEqual(new Set(["event", "ack", "HTTP"]));
    const who = new Set(received.map((r) => r.who));
    for (const w of ["agent", "supervisor", "bidder", "bidder2", "bidder3", "K01-PJ", "K01-MW", "K01-EB", "P01-ET1"]) expect(who.has(w), w).toBe(true);
    console.log(`[leak] ${received.length} payloads scanned (${[...vias].map((v) => `${v}: ${received.filter((r) => r.via.startsWith(v ?? "")).length}`).join(", ")}), ${violations.length} leaks`);
  });
});
