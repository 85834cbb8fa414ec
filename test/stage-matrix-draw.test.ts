// The expert draw's stage matrix: every state-changing command of the draw (the
// `experts:` socket events and the non-GET routes under /api/expert-draws and
// /api/expert-invitations) tried in every stage of a draw, by every role, with an
// input valid in that stage. Stages: none (a lot without a draw) → committed
// (requested, seed hash published) → drawn (invitations out) → evaluating (the
// committee's evaluation has started) | cancelled. Only the table's allowed pairs
// succeed; a refused pair answers FORBIDDEN (UNAUTHENTICATED without a login) for
// the role or the stage's code, and changes nothing (database, notifier).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientEvents } from "@contracts/events";
import { routes } from "@contracts/http";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { dbFingerprint } from "./helpers/db-state";
import { makeExperts, seedPool, idLast4For } from "./helpers/experts";
import { createLot } from "./helpers/opening";
import { comprehensiveTemplate, openWithBids } from "./helpers/evaluation";
import { countNa, expectCoverage, newTally, summary, tryAllowed, tryRefused, type MatrixAck, type MatrixTable } from "./helpers/stage-matrix";
import { RecordingNotifier } from "../server/experts/notifier";
import type { SynthExpert } from "../server/experts/synth";

// The evaluating copy comes last: its seats stay live (a started evaluation keeps its draw).
const STAGES = ["none", "committed", "drawn", "cancelled", "evaluating"] as const;
type Stage = (typeof STAGES)[number];
const ROLES = ["admin", "agent", "bidder", "expert", "supervisor", "device", "anonymous"] as const;
type Role = (typeof ROLES)[number];

/** One draw (or a lot waiting for one) brought to a stage, with valid inputs for every command there. */
interface Copy {
  stage: Stage;
  projectId: string;
  lotId: string;
  drawId: string;
  /** Invited members at P01, each used by one command: [accept, decline, signInStart, signInFinish, signInDecline]. */
  seats: { residentId: string; token: string; idLast4: string; code: string }[];
}

let t: TestApp;
const rec = new RecordingNotifier();
let pool: SynthExpert[];
let p01 = "";
const sockets = new Map<Role, TestSocket>();
const tokens = new Map<Role, string>();

const http = async (role: Role, method: string, path: string, body: unknown): Promise<MatrixAck> =>
  (await t.api(method, path, { ...(tokens.has(role) ? { token: tokens.get(role) } : {}), body })).body as MatrixAck;
const socket = (role: Role) => sockets.get(role)!;
const request = (c: Copy) => ({
  projectId: c.projectId,
  lotId: c.lotId,
  evaluationAt: new Date(Date.now() + 3_600_000).toISOString(),
  sites: [{ roomId: p01, role: "main" as const, needs: [{ specialtyCode: "A010101", count: 5, backups: 1 }] }],
});
/** A seat's input even where the stage has no seat yet (none, committed): an expert of the pool, no token. */
const seat = (c: Copy, i: number) => c.seats[i] ?? { residentId: pool[i]!.residentId, token: "x".repeat(43), idLast4: pool[i]!.residentId.slice(-4), code: "000000" };
const noDraw = (s: Stage) => s === "none";
const noSeats = (s: Stage) => s === "none" || s === "committed";
const socketOnly = (_s: Stage, r: Role) => r === "anonymous";
const httpOnly = (_s: Stage, r: Role) => r === "device";

const table: MatrixTable<Stage, Role, Copy> = {
  name: "expert draw",
  stages: STAGES,
  roles: ROLES,
  stageCode: () => "STAGE_CONFLICT",
  roleCode: (r) => (r === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN"),
  rows: [
    {
      command: "experts:requestDraw",
      roles: ["agent", "admin"],
      stages: ["none", "cancelled"],
      stageCode: { committed: "CONFLICT", drawn: "CONFLICT", evaluating: "CONFLICT" },
      na: socketOnly,
      moves: true,
      run: (r, c) => call(socket(r), "experts:requestDraw", request(c)),
    },
    {
      command: "requestExpertDraw",
      roles: ["agent", "admin"],
      stages: ["none", "cancelled"],
      stageCode: { committed: "CONFLICT", drawn: "CONFLICT", evaluating: "CONFLICT" },
      na: httpOnly,
      moves: true,
      run: (r, c) => http(r, "POST", "/api/expert-draws", request(c)),
    },
    {
      command: "experts:draw",
      roles: ["agent", "admin"],
      stages: ["committed"],
      na: (s, r) => noDraw(s) || socketOnly(s, r),
      moves: true,
      run: (r, c) => call(socket(r), "experts:draw", { drawId: c.drawId }),
    },
    {
      command: "revealExpertDraw",
      roles: ["agent", "admin"],
      stages: ["committed"],
      na: (s, r) => noDraw(s) || httpOnly(s, r),
      moves: true,
      run: (r, c) => http(r, "POST", `/api/expert-draws/${c.drawId}/draw`, { drawId: c.drawId }),
    },
    {
      command: "experts:cancelDraw",
      roles: ["agent", "admin"],
      // Once the committee's evaluation has started, the draw is its record: it cannot be withdrawn under it.
      stages: ["committed", "drawn"],
      na: (s, r) => noDraw(s) || socketOnly(s, r),
      moves: true,
      run: (r, c) => call(socket(r), "experts:cancelDraw", { drawId: c.drawId, reason: "项目延期，重新抽取" }),
    },
    ...(["accept", "decline"] as const).map((decision, i) => ({
      command: "answerInvitation",
      variant: decision,
      // A public route: the link token and the ID number's last 4 characters are the credential, whoever is logged in.
      roles: ["anonymous"] as Role[],
      stages: ["drawn"] as Stage[],
      // Cancelled, or the evaluation has begun: the link no longer answers (the expert is at the terminal, or not).
      stageCode: { cancelled: "INVITATION_CLOSED", evaluating: "EVALUATION_STARTED" },
      // A login plays no part in it (the other roles would answer the same): tried without one.
      na: (s: Stage, r: Role) => noSeats(s) || r !== "anonymous",
      run: (r: Role, c: Copy) => http(r, "POST", "/api/expert-invitations/answer", { token: seat(c, i).token, decision, idLast4: seat(c, i).idLast4, ...(decision === "decline" ? { reason: "出差" } : {}) }),
    })),
    {
      command: "experts:signInStart",
      roles: ["device"],
      stages: ["drawn", "evaluating"],
      stageCode: { none: "NOT_ON_COMMITTEE", committed: "NOT_ON_COMMITTEE", cancelled: "NOT_ON_COMMITTEE" },
      na: socketOnly,
      run: (r, c) => call(socket(r), "experts:signInStart", { residentId: seat(c, 2).residentId }),
    },
    {
      command: "experts:signInFinish",
      roles: ["device"],
      stages: ["drawn", "evaluating"],
      stageCode: { none: "NOT_ON_COMMITTEE", committed: "NOT_ON_COMMITTEE", cancelled: "NOT_ON_COMMITTEE" },
      na: socketOnly,
      run: (r, c) => call(socket(r), "experts:signInFinish", { residentId: seat(c, 3).residentId, code: seat(c, 3).code }),
    },
    {
      command: "experts:signInDecline",
      roles: ["device"],
      stages: ["drawn", "evaluating"],
      stageCode: { none: "NOT_ON_COMMITTEE", committed: "NOT_ON_COMMITTEE", cancelled: "NOT_ON_COMMITTEE" },
      na: socketOnly,
      run: (r, c) => call(socket(r), "experts:signInDecline", { residentId: seat(c, 4).residentId, code: seat(c, 4).code, decision: "decline", reason: "临时有事" }),
    },
  ],
};

const ok = <T,>(res: { ok: true; data: T } | { ok: false; error: unknown }, what: string): T => {
  if (!res.ok) throw new Error(`${what}: ${JSON.stringify(res.error)}`);
  return res.data;
};

/** A new lot brought to `stage` by the real commands (the agent's), with its seats' tokens and sign-in codes. */
async function copyAt(stage: Stage): Promise<Copy> {
  const project = await createLot(t, tokens.get("agent")!);
  const c: Copy = { stage, projectId: project.id, lotId: project.lots[0]!.id, drawId: "", seats: [] };
  copies.push(c);
  if (stage === "none") return c;
  c.drawId = ok(await call(socket("agent"), "experts:requestDraw", request(c)), "requestDraw").drawId;
  if (stage === "committed") return c;
  ok(await call(socket("agent"), "experts:draw", { drawId: c.drawId }), "draw");
  await t.app.ctx.experts.settled();
  const invitations = rec.messages.filter((m) => m.kind === "invitation" && m.drawId === c.drawId);
  const picks = await t.app.db.expertPick.findMany({ where: { drawId: c.drawId, state: "notified" }, orderBy: { seq: "asc" } });
  for (const p of picks.slice(0, 5)) {
    const m = invitations.find((x) => x.pickId === p.id)!;
    const e = pool.find((x) => x.mobile === m.to)!;
    c.seats.push({ residentId: e.residentId, token: m.token!, idLast4: idLast4For(pool, m.to), code: "" });
  }
  expect(c.seats).toHaveLength(5);
  // The seats that finish or decline at the terminal have asked for their code already.
  for (const i of [3, 4]) {
    ok(await call(socket("device"), "experts:signInStart", { residentId: c.seats[i]!.residentId }), "signInStart");
    c.seats[i]!.code = rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!;
  }
  if (stage === "cancelled") {
    ok(await call(socket("agent"), "experts:cancelDraw", { drawId: c.drawId, reason: "项目延期，重新抽取" }), "cancel");
    await messagesSent();
  }
  if (stage === "evaluating") {
    await openWithBids(t, c.lotId, [80_000_000, 85_000_000]);
    await t.app.db.expertDraw.update({ where: { id: c.drawId }, data: { evaluationAt: new Date(Date.now() - 60_000) } });
    ok(await call(socket("agent"), "evaluation:create", { lotId: c.lotId, drawId: c.drawId, template: comprehensiveTemplate, confirm: true }), "evaluation:create");
  }
  return c;
}

const copies: Copy[] = [];
/**
 * The agent cancels the draws of the copies done with: the pool is small, so one expert sits in several copies at
 * the same time and room, and a terminal finds the newest live seat of an ID number.
 */
async function retire() {
  const live = await t.app.db.expertDraw.findMany({ where: { id: { in: copies.map((c) => c.drawId) }, status: { in: ["committed", "drawn"] } }, select: { id: true } });
  for (const d of live) ok(await call(socket("agent"), "experts:cancelDraw", { drawId: d.id, reason: "矩阵测试结束" }), "retire");
  await messagesSent();
}

/** A cancellation goes out to the experts after the commit: wait until it has (the notifier's count is fingerprinted). */
async function messagesSent() {
  let last = -1;
  while (rec.messages.length !== last) {
    last = rec.messages.length;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What a refused command must leave alone: the database (draws, picks, sessions, audit) and the messages sent. */
async function fingerprint() {
  const db = t.app.db;
  const [draws, picks, sessions, busy] = await Promise.all([
    db.expertDraw.findMany({ orderBy: { id: "asc" } }),
    db.expertPick.findMany({ orderBy: { id: "asc" } }),
    db.evalSession.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, step: true } }),
    db.expertBusy.findMany({ orderBy: { expertId: "asc" } }),
  ]);
  await t.app.ctx.experts.settled();
  return (await dbFingerprint(db, { live: false })) + JSON.stringify({ draws, picks, sessions, busy, sent: rec.messages.length }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

beforeAll(async () => {
  t = await startTestApp({ EXPERT_MAX_DRAWS: "1000" });
  t.app.ctx.experts.notifier = rec;
  pool = makeExperts(60, ["A010101"], { seed: 31, cities: [5] });
  await seedPool(t, pool);
  p01 = (await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } })).id;
  for (const role of ["admin", "agent", "bidder", "expert", "supervisor"] as const) {
    const { token } = await t.login(role);
    tokens.set(role, token);
    sockets.set(role, await t.connect({ token }));
  }
  sockets.set("device", await t.connect({ deviceKey: t.devices.find((d) => d.code === "P01-ET1")!.key }));
}, 120_000);
afterAll(() => t.close());

describe("expert draw: stage × command × role", () => {
  it("the table covers every state-changing command of the draw in the contracts", () => {
    const events = Object.keys(clientEvents).filter((n) => n.startsWith("experts:"));
    const httpCommands = Object.entries(routes)
      .filter(([, r]) => r.method !== "GET" && /^\/api\/expert-(draws|invitations)\b/.test(r.path))
      .map(([name]) => name);
    // viewInvitation is a POST (the token stays out of the URL) that only reads.
    expectCoverage(table as never, [...events, ...httpCommands], ["viewInvitation"]);
  });

  it("in every stage only the allowed pairs succeed; refused pairs answer their code and change nothing", async () => {
    const tally = newTally();
    for (const stage of STAGES) {
      const shared = await copyAt(stage);
      await tryRefused(table, stage, shared, fingerprint, tally);
      await tryAllowed(table, stage, shared, tally, { fresh: () => copyAt(stage) });
      countNa(table, stage, tally);
      if (stage !== "evaluating") await retire();
    }
    console.log(summary(table as never, tally));
    expect(tally.ok).toBeGreaterThan(0);
    expect(tally.pairs + tally.na).toBe(table.rows.length * STAGES.length * ROLES.length);
  }, 240_000);
});
