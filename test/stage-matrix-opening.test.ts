// The opening's stage matrix: a real lot is driven through every stage of the
// opening (bids accepted, deadline passed, sign-in, bidders published,
// decryption, announcement, the draw before and after its reveal,
// confirmation, closed) and in each stage every state-changing command of the
// opening domain is tried by every role with a valid input. Only the pairs the
// table below allows may succeed (and go on the record); every other pair is
// refused with the code the table names and leaves the database unchanged.
// The commands come from the contracts (opening events, opening routes that are
// not GET): a new one fails the first test, named, until it has a row here.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, Audience } from "@contracts/common";
import { openingEvents } from "@contracts/opening-events";
import { openingRoutes } from "@contracts/opening-routes";
import { AgentCommand } from "@contracts/opening";
import { creditCodeCheckChar } from "@contracts/ids";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";
import { dbFingerprint } from "./helpers/db-state";

// ── the table ─────────────────────────────────────────────────────────────────
const STAGES = ["accepting", "deadline", "signin", "published", "decrypting", "announcing", "drawing", "drawn", "confirming", "closed"] as const;
type StageKey = (typeof STAGES)[number];
/** drawing: the draw stage with the seed still sealed; drawn: after its reveal. A lot without a draw skips both. */
const NO_DRAW_STAGES = STAGES.filter((s) => s !== "drawing" && s !== "drawn");
const ROLES = ["admin", "agent", "bidder", "bidder-nobid", "expert", "supervisor"] as const;
type Role = (typeof ROLES)[number];
/** "ok": must succeed; a code (or any of several): refused with it; "n/a": no valid input can exist in that stage. */
type Cell = string | readonly string[];

const OK = "ok";
const NA = "n/a";
const SC = "STAGE_CONFLICT";
const SNO = "SESSION_NOT_OPEN";
const LC = "LOT_CLOSED";
const LATE = "BID_AFTER_DEADLINE";
const KBW = "KEY_BEFORE_WINDOW";
const WC = "WINDOW_CLOSED";
const NB = "NO_BID";
const ND = "NO_DRAW";
/** Platform faults and escrow (server/opening/escrow-rules.ts): before the window, after the announcement, once the record is issued. */
const EARLY = "ESCROW_TOO_EARLY";
const OVER = "ESCROW_WINDOW_OVER";
const ISSUED = "RECORD_ISSUED";
const LAPSED = "BID_LAPSED";
/** A supplement record before the record is issued. */
const NRI = "RECORD_NOT_ISSUED";

const agents = (row: Cell[]) => ({ agent: row, admin: row });
const TABLE: Record<string, Partial<Record<Role, Cell[]>>> = {
  //                                   accepting  deadline  signin  published  decrypting  announcing  drawing  drawn  confirming  closed
  "opening:open":              agents(["TOO_EARLY", OK,     SC,     SC,        SC,         SC,         SC,      SC,    SC,         SC]),
  "opening:publishBidders":    agents([SNO,       SNO,      OK,     SC,        SC,         SC,         SC,      SC,    SC,         SC]),
  "opening:startDecryption":   agents([SNO,       SNO,      SC,     OK,        SC,         SC,         SC,      SC,    SC,         SC]),
  "opening:endDecryption":     agents([SNO,       SNO,      SC,     SC,        OK,         SC,         SC,      SC,    SC,         SC]),
  "opening:startDraw":         agents([SNO,       SNO,      SC,     SC,        SC,         OK,         SC,      SC,    SC,         SC]),
  "opening:startConfirmation": agents([SNO,       SNO,      SC,     SC,        SC,         SC,   "DRAW_PENDING", OK,   SC,         SC]),
  "opening:close":             agents([SNO,       SNO,      SC,     SC,        SC,         SC,         SC,      SC,    OK,         SC]),
  "opening:revealDraw":        agents([SNO,       SNO,      SC,     SC,        SC,         SC,         OK,      SC,    SC,         SC]),
  "opening:signIn": {
    bidder:                           [SNO,       SNO,      OK,     OK,        OK,         SC,         SC,      SC,    SC,         SC],
    "bidder-nobid":                   [SNO,       SNO,      NB,     NB,        NB,         SC,         SC,      SC,    SC,         SC] },
  "opening:submitKey": {
    bidder:                           [SNO,       SNO,      KBW,    KBW,       OK,         WC,         WC,      WC,    WC,         WC],
    "bidder-nobid":                   [SNO,       SNO,      KBW,    KBW, "NOT_SIGNED_IN",  WC,         WC,      WC,    WC,         WC] },
  "opening:giveUpDecryption": {
    bidder:                           [SNO,       SNO,      SC,     SC,        OK,         SC,         SC,      SC,    SC,         SC],
    "bidder-nobid":                   [SNO,       SNO,      SC,     SC,        NB,         SC,         SC,      SC,    SC,         SC] },
  "opening:withdrawBid": {
    bidder:                           [OK,        LATE,     LC,     LC,        LC,         LC,         LC,      LC,    LC,         LC],
    "bidder-nobid":                   ["NOT_FOUND", LATE,   LC,     LC,        LC,         LC,         LC,      LC,    LC,         LC] },
  "opening:pick": {
    bidder:                           [SNO,       SNO,      SC,     SC,        SC,         SC,         OK,      SC,    SC,         SC],
    "bidder-nobid":                   [SNO,       SNO,      SC,     SC,        SC,         SC,         NB,      SC,    SC,         SC] },
  "opening:confirm": {
    bidder:                           [SNO,       SNO,      SC,     SC,        SC,         SC,         SC,      SC,    OK,         SC],
    "bidder-nobid":                   [SNO,       SNO,      SC,     SC,        SC,         SC,         SC,      SC,    NB,         SC] },
  "opening:raiseObjection": {
    bidder:                           [SNO,       SNO,      OK,     OK,        OK,         OK,         OK,      OK,    OK,         SC],
    "bidder-nobid":                   [SNO,       SNO,      NB,     NB,        NB,         NB,         NB,      NB,    NB,         SC] },
  // Before the opening no objection can exist (raising one is refused then).
  "opening:answerObjection":   agents([NA,        NA,       OK,     OK,        OK,         OK,         OK,      OK,    OK,         SC]),
  // Only for a bid still sealed, between the window and the announcement's end: after the window every bid is
  // decrypted or has failed, so from `announcing` on the input is a bid that lapsed through its bidder.
  "opening:markPlatformFault": agents([EARLY,     EARLY,    EARLY,  EARLY,     OK,         LAPSED,     OVER,    OVER,  OVER,       ISSUED]),
  "opening:submitEscrowShare": {
    supervisor:                       [EARLY,     EARLY,    EARLY,  EARLY,     OK,         OK,         OVER,    OVER,  OVER,       ISSUED] },
  "opening:issueSupplement":   agents([NRI,       NRI,      NRI,    NRI,       NRI,        NRI,        NRI,     NRI,   NRI,        OK]),
  "http:submitBid": {
    bidder:                           [OK,        LATE,     LC,     LC,        LC,         LC,         LC,      LC,    LC,         LC],
    "bidder-nobid":                   [OK,        LATE,     LC,     LC,        LC,         LC,         LC,      LC,    LC,         LC] },
  "http:withdrawBid": {
    bidder:                           [OK,        LATE,     LC,     LC,        LC,         LC,         LC,      LC,    LC,         LC],
    "bidder-nobid":                   ["NOT_FOUND", LATE,   LC,     LC,        LC,         LC,         LC,      LC,    LC,         LC] },
  "http:submitKey": {
    bidder:                           [SNO,       SNO,      KBW,    KBW,       OK,         WC,         WC,      WC,    WC,         WC],
    "bidder-nobid":                   [SNO,       SNO,      KBW,    KBW, "NOT_SIGNED_IN",  WC,         WC,      WC,    WC,         WC] },
};
/** A lot without a draw: these rows instead (the draw columns are never visited). */
const NO_DRAW_TABLE: Record<string, Partial<Record<Role, Cell[]>>> = {
  //                                   accepting  deadline  signin  published  decrypting  announcing  drawing  drawn  confirming  closed
  "opening:startDraw":         agents([SNO,       SNO,      ND,     ND,        ND,         ND,         NA,      NA,    ND,         ND]),
  "opening:revealDraw":        agents([SNO,       SNO,      ND,     ND,        ND,         ND,         NA,      NA,    ND,         ND]),
  "opening:startConfirmation": agents([SNO,       SNO,      SC,     SC,        SC,         OK,         NA,      NA,    SC,         SC]),
  "opening:pick": { bidder:           [SNO,       SNO,      ND,     ND,        ND,         ND,         NA,      NA,    ND,         ND],
    "bidder-nobid":                   [SNO,       SNO,      ND,     ND,        ND,         ND,         NA,      NA,    ND,         ND] },
};
/** State-changing commands of the opening that no stage bounds, and why. */
const NOT_STAGE_BOUND: Record<string, string> = {
  "http:createProject": "creates the lots the opening runs on",
  "http:createCompany": "registers a bidder company, for any lot",
  "http:addCertificate": "registers a company certificate, for any lot",
  "http:collectEscrowShare": "a supervisor takes its share into its own keeping once; it changes no bid (handing it in does)",
};

// ── the commands, from the contracts ──────────────────────────────────────────
const EVENT_KEYS = Object.keys(openingEvents) as (keyof typeof openingEvents)[];
/** Routes that are not GET; a GET that changes state must be listed by hand (collectEscrowShare, in NOT_STAGE_BOUND). */
const ROUTE_KEYS = (Object.keys(openingRoutes) as (keyof typeof openingRoutes)[]).filter((k) => openingRoutes[k].method !== "GET");
const COMMANDS = [...EVENT_KEYS.map((k) => k as string), ...ROUTE_KEYS.map((k) => `http:${k}`)].filter((k) => !(k in NOT_STAGE_BOUND));
const audienceOf = (cmd: string): readonly Audience[] =>
  cmd.startsWith("http:") ? openingRoutes[cmd.slice(5) as keyof typeof openingRoutes].audience : openingEvents[cmd as keyof typeof openingEvents].audience;
const audienceRole = (r: Role): Audience => (r === "bidder-nobid" ? "bidder" : r);

// ── the people ─────────────────────────────────────────────────────────────────
interface Who { name: string; token: string; socket: TestSocket }
/** The companies' parts: A the bidder in most tries, F hands its key in over HTTP, B gives up, C and D are marked
 * as platform faults (by the agent, by an administrator), V is the input of refused marks and escrow hand-ins,
 * E has no bid. The "bidder" role is A except where a try needs a company of its own. */
const PARTS = { A: "bidder", B: "bidder2", C: "bidder3", D: "bidder4", V: "bidder5", F: "bidder6", E: "bidder7" } as const;
type Part = keyof typeof PARTS;

let t: TestApp;
let dir: string;
const staff = {} as Record<"admin" | "agent" | "expert" | "supervisor", Who>;
const firms = {} as Record<Part, Who & { kit: BidderKit }>;

beforeAll(async () => {
  t = await startTestApp({ EVENT_RATE_PER_SECOND: "100000" });
  const db = t.app.db;
  const template = await db.user.findUniqueOrThrow({ where: { username: "bidder" } });
  const center = await db.center.findFirstOrThrow();
  for (const [i, username] of ["bidder4", "bidder5", "bidder6", "bidder7"].entries()) {
    const first17 = `91320500MA1WW00${i + 4}0`;
    const creditCode = first17 + creditCodeCheckChar(first17)!;
    const company = await db.company.create({ data: { centerId: center.id, name: `矩阵测试${i + 4}号建设有限公司`, creditCode, contact: "测试" } });
    await db.user.create({ data: { username, displayName: `投标人 ${username}`, role: "bidder", passwordHash: template.passwordHash, companyId: company.id } });
  }
  const made = await bidderKits(t, Object.values(PARTS));
  dir = made.dir;
  for (const [part, username] of Object.entries(PARTS) as [Part, string][]) {
    const kit = made.kits.find((k) => k.username === username)!;
    firms[part] = { name: `${username}(${part})`, token: kit.token, socket: await t.connect({ token: kit.token }), kit };
  }
  for (const username of ["admin", "agent", "expert", "supervisor"] as const) {
    const { token } = await t.login(username);
    staff[username] = { name: username, token, socket: await t.connect({ token }) };
  }
}, 120_000);
afterAll(() => t?.close());

// ── one lot's walk ─────────────────────────────────────────────────────────────
interface Walk {
  lotId: string;
  draw: "koneps" | "none";
  files: Record<Part, string>;
  keys: Partial<Record<Part, string>>;
  share: string;
}

const liveBid = (w: Walk, p: Part) =>
  t.app.db.bid.findFirst({ where: { lotId: w.lotId, companyId: firms[p].kit.companyId, status: { notIn: ["replaced", "withdrawn"] } } });
const bidIdOf = async (w: Walk, p: Part) => (await liveBid(w, p))?.id ?? randomUUID();
const sessionOf = (w: Walk) => t.app.db.openingSession.findUnique({ where: { lotId: w.lotId } });
const ensureBid = async (w: Walk, p: Part) => {
  if ((await liveBid(w, p))?.status !== "sealed") expect((await uploadBid(t, firms[p].token, w.lotId, w.files[p])).body.ok, `setup: ${p} bids`).toBe(true);
};

/** A valid input; `as`: the company acting for the "bidder" role (default A; the role without a bid is always E). */
interface Built { input: Record<string, unknown>; as?: Part }
/** `setup`: the try is expected to succeed, and the builder may prepare what it needs (outside the try). */
type Build = (w: Walk, stage: StageKey, role: Role, setup: boolean) => Promise<Built>;
const whoIs = (role: Role, as: Part = "A"): Who => (role === "bidder-nobid" ? firms.E : role === "bidder" ? firms[as] : staff[role]);
const forRole = (role: Role, p: Part): Part => (role === "bidder-nobid" ? "E" : p);
const lotRef: Build = async (w) => ({ input: { lotId: w.lotId } });

const BUILD: Record<string, Build> = {
  // Sign-in is once per company: each stage that allows it gets the next company of A, F, B (F hands its key in over HTTP).
  "opening:signIn": async (w, stage, role) => {
    let as: Part = "A";
    if (role === "bidder" && ["signin", "published", "decrypting"].includes(stage)) {
      const s = await sessionOf(w);
      const done = new Set((await t.app.db.signIn.findMany({ where: { sessionId: s!.id } })).map((x) => x.companyId));
      as = (["A", "F", "B"] as Part[]).find((p) => !done.has(firms[p].kit.companyId)) ?? "A";
    }
    return { as, input: { lotId: w.lotId, mode: "online" } };
  },
  "opening:submitKey": async (w, _s, role) => ({ input: { lotId: w.lotId, keyHex: w.keys[forRole(role, "A")] } }),
  "http:submitKey": async (w, _s, role) => ({ as: "F", input: { keyHex: w.keys[forRole(role, "F")] } }),
  "opening:giveUpDecryption": async (w) => ({ as: "B", input: { lotId: w.lotId } }),
  "opening:withdrawBid": async (w, _s, role, setup) => {
    if (setup && role === "bidder") await ensureBid(w, "A");
    return { input: { lotId: w.lotId } };
  },
  "http:withdrawBid": (w, s, role, setup) => BUILD["opening:withdrawBid"]!(w, s, role, setup),
  "http:submitBid": async (w, _s, role) => ({ input: { file: w.files[forRole(role, "A")] } }),
  "opening:pick": async (w) => ({ input: { lotId: w.lotId, picks: [3, 7] } }),
  "opening:confirm": async (w) => ({ input: { lotId: w.lotId, decision: "confirm" } }),
  "opening:raiseObjection": async (w) => ({ input: { lotId: w.lotId, text: "唱标时未宣读我方工期，请予以记录" } }),
  // An objection still to answer (raised first if none waits); once closed, the last one (all are answered by then).
  "opening:answerObjection": async (w, stage, _role, setup) => {
    const where = { sessionId: (await sessionOf(w))?.id ?? "-" };
    let o = await t.app.db.objection.findFirst({ where: { ...where, answeredAt: null } });
    if (!o && setup && stage !== "closed") {
      const raised = await call(firms.A.socket, "opening:raiseObjection", { lotId: w.lotId, text: "请核对第二家投标人的签到时间" });
      expect(raised.ok, "setup: an objection to answer").toBe(true);
      o = await t.app.db.objection.findFirst({ where: { ...where, answeredAt: null } });
    }
    o ??= await t.app.db.objection.findFirst({ where, orderBy: { at: "desc" } });
    return { input: { objectionId: o?.id ?? randomUUID(), answer: "经核对，已如实记入开标记录" } };
  },
  // In the window: C (by the agent), D (by an administrator), both still sealed. Before it: V, sealed. After it no bid
  // is sealed any more: B, which lapsed through its bidder (gave up).
  "opening:markPlatformFault": async (w, stage, role) => {
    const part: Part = stage === "decrypting" ? (role === "admin" ? "D" : "C") : STAGES.indexOf(stage) > STAGES.indexOf("decrypting") ? "B" : "V";
    return { input: { bidId: await bidIdOf(w, part), reason: "签章服务故障，解密失败" } };
  },
  // The supervisor's share: for C (marked in the window), D (marked in the window, handed in during the announcement),
  // and otherwise V (sealed before the window; marked at its end, so a platform-fault bid after the announcement).
  "opening:submitEscrowShare": async (w, stage) => {
    const part: Part = stage === "decrypting" ? "C" : stage === "announcing" ? "D" : "V";
    return { input: { bidId: await bidIdOf(w, part), share: w.share } };
  },
};
BUILD["opening:issueSupplement"] = async (w) => ({ input: { lotId: w.lotId, reason: "更正开标记录表述", text: "第二家投标人的签到方式更正为现场签到。" } });
for (const c of AgentCommand.options) BUILD[c] ??= lotRef;

async function send(cmd: string, w: Walk, x: { who: Who; input: Record<string, unknown> }): Promise<Ack<unknown>> {
  if (!cmd.startsWith("http:")) return call(x.who.socket, cmd as keyof typeof openingEvents, x.input as never);
  if (cmd === "http:submitBid") return (await uploadBid(t, x.who.token, w.lotId, x.input.file as string)).body as Ack<unknown>;
  const r = openingRoutes[cmd.slice(5) as keyof typeof openingRoutes];
  const res = await t.api(r.method, r.path.replace(":lotId", w.lotId), { token: x.who.token, body: r.method === "DELETE" ? undefined : x.input });
  return res.body;
}

async function tryOf(cmd: string, w: Walk, stage: StageKey, role: Role, setup: boolean) {
  const b = await BUILD[cmd]!(w, stage, role, setup);
  return { who: whoIs(role, b.as), input: b.input };
}

/** Everything a refused try must leave as it was: the records (people, audit) and the opening's own tables. */
async function fingerprint(w: Walk): Promise<string> {
  const db = t.app.db;
  const session = await db.openingSession.findUnique({ where: { lotId: w.lotId } });
  const where = { sessionId: session?.id ?? "-" };
  const rows = await Promise.all([
    dbFingerprint(db, { live: false }),
    db.lot.findUniqueOrThrow({ where: { id: w.lotId }, select: { status: true, bidDeadline: true, openingTime: true } }),
    db.bid.findMany({ where: { lotId: w.lotId }, orderBy: { id: "asc" }, select: { id: true, status: true, decryptTries: true, lastError: true, summary: true } }),
    db.signIn.findMany({ where, orderBy: { companyId: "asc" } }),
    db.confirmation.findMany({ where, orderBy: { companyId: "asc" } }),
    db.objection.findMany({ where, orderBy: { id: "asc" } }),
    db.drawPick.findMany({ where, orderBy: { companyId: "asc" } }),
    db.escrowShare.findMany({ where: { lotId: w.lotId }, orderBy: { index: "asc" } }),
  ]);
  return JSON.stringify([session, ...rows]);
}

async function stageNow(w: Walk): Promise<StageKey> {
  const s = await sessionOf(w);
  if (!s) {
    const lot = await t.app.db.lot.findUniqueOrThrow({ where: { id: w.lotId } });
    return lot.bidDeadline > new Date() ? "accepting" : "deadline";
  }
  if (s.stage === "drawing") return s.drawResult ? "drawn" : "drawing";
  return s.stage === "bidders-published" ? "published" : (s.stage as StageKey);
}

function expected(cmd: string, role: Role, stage: StageKey, draw: Walk["draw"]): Cell {
  if (!audienceOf(cmd).includes(audienceRole(role))) return "FORBIDDEN";
  const row = (draw === "none" ? NO_DRAW_TABLE[cmd]?.[role] : undefined) ?? TABLE[cmd]![role]!;
  return row[STAGES.indexOf(stage)]!;
}
const matches = (cell: Cell, res: Ack<unknown>) => (cell === OK ? res.ok : !res.ok && (typeof cell === "string" ? [cell] : cell).includes(res.error.code));
const show = (res: Ack<unknown>) => (res.ok ? "ok" : `${res.error.code} (${res.error.message})`);

/** Steps between the tries and the stage's move that the tries do not make themselves (not counted as tries). */
const FINISH: Partial<Record<StageKey, (w: Walk) => Promise<void>>> = {
  accepting: async (w) => {
    await ensureBid(w, "A");
    if (await liveBid(w, "E")) expect((await t.api("DELETE", `/api/lots/${w.lotId}/bid`, { token: firms.E.token })).body.ok, "setup: E withdraws").toBe(true);
    await passDeadline(t, w.lotId);
  },
  decrypting: async (w) => {
    const v = await liveBid(w, "V");
    if (v?.status === "sealed") expect((await call(staff.agent.socket, "opening:markPlatformFault", { bidId: v.id, reason: "签章服务故障" })).ok, "setup: V marked").toBe(true);
  },
  // The confirmation time runs out (silence is recorded as accepted when the agent closes).
  confirming: async (w) => {
    await t.app.db.openingSession.update({ where: { lotId: w.lotId }, data: { confirmEndsAt: new Date(Date.now() - 1) } });
  },
};

interface Tally { tries: number; allowed: number; refused: number; gate: number; deferred: string[]; na: number; mismatches: string[] }
/** (stage, command, role) of every "ok" cell that succeeded, over all walks. */
const succeeded = new Set<string>();
/** (role, command) of every stage command that succeeded, in any stage of any walk. */
const movedBy = new Set<string>();

async function walk(draw: Walk["draw"], firstDriver: "agent" | "admin"): Promise<Tally> {
  const project = await createLot(t, staff.agent.token, { draw: draw === "koneps" ? { kind: "koneps", baseFen: 980_000_000 } : { kind: "none" } });
  const lot = project.lots[0]!;
  const escrowPem = join(dir, `escrow-${lot.id}.pem`);
  writeFileSync(escrowPem, lot.escrowCertPem);
  const files = {} as Record<Part, string>;
  for (const [i, p] of (Object.keys(PARTS) as Part[]).entries()) {
    files[p] = sealWithOpenssl(dir, `${lot.id}-${p}`, bidZip(bidJson(lot.code, firms[p].kit.creditCode, 9_500_000 + i * 1000)), [firms[p].kit.certFile, escrowPem]);
  }
  const shareRes = await t.api<{ share: string }>("GET", `/api/lots/${lot.id}/escrow-share`, { token: staff.supervisor.token });
  if (!shareRes.body.ok) throw new Error(`share: ${JSON.stringify(shareRes.body)}`);
  const w: Walk = { lotId: lot.id, draw, files, keys: {}, share: shareRes.body.data.share };
  for (const p of ["A", "B", "C", "D", "V", "F"] as Part[]) await ensureBid(w, p);
  for (const p of ["A", "F", "E"] as Part[]) w.keys[p] = await recoverKeyHex(files[p], firms[p].kit);

  const tally: Tally = { tries: 0, allowed: 0, refused: 0, gate: 0, deferred: [], na: 0, mismatches: [] };
  const stages = draw === "none" ? NO_DRAW_STAGES : STAGES;
  let moves = 0;
  for (const [i, stage] of stages.entries()) {
    expect(await stageNow(w), "the walk is where it should be").toBe(stage);
    const refused: [string, Role][] = [];
    const allowed: [string, Role][] = [];
    let advance: string | undefined;
    const driver = moves % 2 === 0 ? firstDriver : firstDriver === "agent" ? "admin" : "agent";
    for (const cmd of COMMANDS) {
      for (const role of ROLES) {
        const cell = expected(cmd, role, stage, draw);
        if (cell === NA) tally.na++;
        else if (cell !== OK) refused.push([cmd, role]);
        else if (!(AgentCommand.options as readonly string[]).includes(cmd)) allowed.push([cmd, role]);
        else if (role === driver) advance = cmd; // the one stage command allowed here moves the walk on
        else tally.deferred.push(`${stage} ${role} ${cmd}`); // the other walk gives it to this role
      }
    }
    // At the role gate first (a refusal that reads nothing): each try checked against the audit trail, the whole
    // batch against the full fingerprint; then the refusals past the gate, each against the full fingerprint.
    const gate = refused.filter(([cmd, role]) => expected(cmd, role, stage, draw) === "FORBIDDEN");
    const beforeGate = await fingerprint(w);
    for (const [cmd, role] of gate) {
      const x = await tryOf(cmd, w, stage, role, false);
      const audit = await t.app.db.auditEvent.count();
      const res = await send(cmd, w, x);
      tally.tries++;
      if (!matches("FORBIDDEN", res)) tally.mismatches.push(`[${stage}] ${role} ${cmd}: expected FORBIDDEN, got ${show(res)}`);
      else if ((await t.app.db.auditEvent.count()) !== audit) tally.mismatches.push(`[${stage}] ${role} ${cmd}: refused at the gate but on the record`);
      else tally.gate++;
    }
    let last = await fingerprint(w);
    if (last !== beforeGate) tally.mismatches.push(`[${stage}] the role-gate refusals changed the database`);
    for (const [cmd, role] of refused.filter((r) => !gate.includes(r))) {
      const cell = expected(cmd, role, stage, draw);
      const x = await tryOf(cmd, w, stage, role, false);
      const res = await send(cmd, w, x);
      const now = await fingerprint(w);
      tally.tries++;
      if (!matches(cell, res)) tally.mismatches.push(`[${stage}] ${role} ${cmd}: expected ${String(cell)}, got ${show(res)}`);
      else if (now !== last) tally.mismatches.push(`[${stage}] ${role} ${cmd}: refused (${show(res)}) but the database changed`);
      else tally.refused++;
      last = now;
    }
    const tryAllowed = async (cmd: string, role: Role) => {
      const x = await tryOf(cmd, w, stage, role, true);
      const audit = await t.app.db.auditEvent.count();
      const res = await send(cmd, w, x);
      tally.tries++;
      if (!res.ok) tally.mismatches.push(`[${stage}] ${role} ${cmd} (${x.who.name}): expected ok, got ${show(res)}`);
      else if ((await t.app.db.auditEvent.count()) <= audit) tally.mismatches.push(`[${stage}] ${role} ${cmd}: succeeded off the record (no audit row)`);
      else {
        tally.allowed++;
        succeeded.add(`${draw} ${stage} ${role} ${cmd}`);
        movedBy.add(`${role} ${cmd}`);
      }
      return res.ok;
    };
    for (const [cmd, role] of allowed) await tryAllowed(cmd, role);
    await FINISH[stage]?.(w);
    const next = stages[i + 1];
    if (advance) {
      moves++;
      if (!(await tryAllowed(advance, driver))) throw new Error(`the walk is stuck at ${stage}:\n${tally.mismatches.join("\n")}`);
    } else if (next) expect(stage, `no stage command moves on from ${stage}`).toBe("accepting");
    if (next) expect(await stageNow(w), `after ${stage}`).toBe(next);
  }
  return tally;
}

function report(name: string, x: Tally) {
  console.log(
    `[stage-matrix opening] ${name}: ${x.tries} tries — ${x.allowed} allowed and done, ${x.gate} refused at the role gate, ${x.refused} refused past it as the table says, ` +
      `${x.deferred.length} left to the other walk, ${x.na} n/a, ${x.mismatches.length} mismatches`,
  );
}

describe("the opening's stage matrix", () => {
  it("covers every state-changing command of the opening contracts, each role of its audience, each stage", () => {
    const problems: string[] = [];
    for (const cmd of COMMANDS) {
      if (!TABLE[cmd]) problems.push(`${cmd}: no row in the stage table (add it, or to NOT_STAGE_BOUND with the reason)`);
      if (!BUILD[cmd]) problems.push(`${cmd}: no valid input built for it`);
      const want = ROLES.filter((r) => audienceOf(cmd).includes(audienceRole(r))).sort();
      for (const [name, table] of [["TABLE", TABLE], ["NO_DRAW_TABLE", NO_DRAW_TABLE]] as const) {
        const row = table[cmd];
        if (!row) continue;
        if (table === TABLE && JSON.stringify(Object.keys(row).sort()) !== JSON.stringify(want)) problems.push(`${cmd}: ${name} rows ${Object.keys(row)} ≠ audience ${want}`);
        for (const [role, cells] of Object.entries(row)) if (cells!.length !== STAGES.length) problems.push(`${cmd} ${role}: ${cells!.length} cells`);
      }
    }
    for (const k of [...Object.keys(TABLE), ...Object.keys(NO_DRAW_TABLE)]) if (!COMMANDS.includes(k)) problems.push(`${k}: not a stage-bound command of the contracts`);
    for (const k of Object.keys(NOT_STAGE_BOUND)) if (!(k.startsWith("http:") ? k.slice(5) in openingRoutes : k in openingEvents)) problems.push(`${k}: not in the contracts`);
    // Each stage lets exactly one stage command move the opening on (the walk's driver gives it).
    for (const [draw, stages] of [["koneps", STAGES], ["none", NO_DRAW_STAGES]] as const) {
      for (const stage of stages) {
        const moves = AgentCommand.options.filter((c) => expected(c, "agent", stage, draw) === OK);
        if (moves.length !== (stage === "accepting" || stage === "closed" ? 0 : 1)) problems.push(`${draw} ${stage}: stage commands allowed: ${moves.join(", ") || "none"}`);
      }
    }
    expect(problems).toEqual([]);
  });

  const walks = [
    ["a lot with a KONEPS draw, the agent moving first", "koneps", "agent"],
    ["a lot with a KONEPS draw, an administrator moving first", "koneps", "admin"],
    ["a lot without a draw", "none", "agent"],
  ] as const;
  for (const [name, draw, first] of walks) {
    it(`${name}: only the allowed pairs succeed, the others are refused with their code and change nothing`, async () => {
      const x = await walk(draw, first);
      report(name, x);
      expect(x.mismatches).toEqual([]);
    }, 120_000);
  }

  it("every allowed pair of the table succeeded in some walk (the stage commands by the agent and by an administrator)", () => {
    const missing: string[] = [];
    for (const cmd of COMMANDS) {
      for (const role of ROLES) {
        for (const [draw, stages] of [["koneps", STAGES], ["none", NO_DRAW_STAGES]] as const) {
          for (const stage of stages) {
            if (expected(cmd, role, stage, draw) !== OK || succeeded.has(`${draw} ${stage} ${role} ${cmd}`)) continue;
            // One walk without a draw: its stage commands count as done for a role that gave the same command in another walk.
            if (draw === "none" && (AgentCommand.options as readonly string[]).includes(cmd) && movedBy.has(`${role} ${cmd}`)) continue;
            missing.push(`${draw} ${stage} ${role} ${cmd}`);
          }
        }
      }
    }
    console.log(`[stage-matrix opening] allowed pairs done: ${succeeded.size}`);
    expect(missing).toEqual([]);
  });
});
