// Test fixtures for the evaluation (评标): a lot whose opening is closed with
// decrypted bids, a drawn committee over two sites (5 main + 1 backup, 2 off-site),
// expert sign-in at terminals, keys for signing, and a fingerprint of the evaluation tables.
import { generateKeyPairSync, sign as rsaSign } from "node:crypto";
import { expect } from "vitest";
import type { ScoringTemplateInput } from "@contracts/evaluation";
import { residentIdCheckChar } from "@contracts/ids";
import { call, type TestApp, type TestSocket } from "./app";
import { dbFingerprint } from "./db-state";
import { createLot } from "./opening";
import { makeExperts, seedPool } from "./experts";
import { RecordingNotifier } from "../../server/experts/notifier";
import type { SynthExpert } from "../../server/experts/synth";

export const comprehensiveTemplate: ScoringTemplateInput = {
  method: "comprehensive",
  qualification: [
    { key: "license", label: "营业执照及资质" },
    { key: "credit", label: "信用记录" },
  ],
  criteria: [
    { key: "tech", label: "技术方案", group: "technical", max: "40" },
    { key: "biz", label: "商务及业绩", group: "business", max: "30" },
  ],
  price: { kind: "lowest-price-base", weight: "0.30" },
  rounding: { places: 2, mode: "half-up" },
  candidates: 3,
};

export interface EvalWorld {
  agentToken: string;
  agent: TestSocket;
  lotId: string;
  drawId: string;
  rec: RecordingNotifier;
  pool: SynthExpert[];
  ids: Map<string, number>;
  bidders: { companyId: string; name: string; priceFen: number }[];
}

/**
 * A lot opened with decrypted bids (prices in fen, one per demo company), and a drawn committee of 7 over P01 (5 + 1 backup) and Y01 (2).
 * By default the committee is ready (every invited expert accepted, the scheduled time a minute ago), so `evaluation:create`
 * starts without confirmation; `ready: false` leaves the invitations unanswered and the time an hour ahead.
 * `committee: "4+rep"`: 4 experts at P01 (+1 backup) and one seat for the tenderer's representative (lot and draw).
 */
export async function evaluationWorld(
  t: TestApp,
  pricesFen: number[],
  opts: { lot?: Record<string, unknown>; poolOffset?: number; ready?: boolean; committee?: "7" | "4+rep" } = {},
): Promise<EvalWorld> {
  const rec = new RecordingNotifier();
  t.app.ctx.experts.notifier = rec;
  const a = await t.login("agent");
  const agent = await t.connect({ token: a.token });
  const withRep = opts.committee === "4+rep";
  const project = await createLot(t, a.token, { ...(withRep ? { ownerRepresentatives: 1 } : {}), ...(opts.lot ?? {}) });
  const lotId = project.lots[0]!.id;
  const bidders = await openWithBids(t, lotId, pricesFen);
  const off = opts.poolOffset ?? 0;
  const here = makeExperts(14, ["A010101"], { seed: 11 + off, cities: [5] });
  const there = makeExperts(6, ["A0104"], { seed: 12 + off, cities: [6] });
  const pool = [...here, ...there].map((e, i) => {
    const first17 = `${e.regionCode}1968${String(1 + (i % 12)).padStart(2, "0")}${String(1 + (i % 28)).padStart(2, "0")}${String(500 + off * 40 + i).padStart(3, "0")}`;
    return { ...e, residentId: first17 + residentIdCheckChar(first17)! };
  });
  const ids = await seedPool(t, pool);
  const rooms = await t.app.db.room.findMany();
  const res = await call(agent, "experts:requestDraw", {
    projectId: project.id,
    lotId,
    evaluationAt: new Date(Date.now() + 3_600_000).toISOString(),
    sites: withRep
      ? [{ roomId: rooms.find((r) => r.code === "P01")!.id, role: "main", needs: [{ specialtyCode: "A010101", count: 4, backups: 1 }] }]
      : [
          { roomId: rooms.find((r) => r.code === "P01")!.id, role: "main", needs: [{ specialtyCode: "A010101", count: 5, backups: 1 }] },
          { roomId: rooms.find((r) => r.code === "Y01")!.id, role: "secondary", regionPrefix: "3206", needs: [{ specialtyCode: "A0104", count: 2 }] },
        ],
    ...(withRep ? { ownerRepresentatives: 1 } : {}),
  });
  if (!res.ok) throw new Error(`requestDraw: ${JSON.stringify(res.error)}`);
  const drawn = await call(agent, "experts:draw", { drawId: res.data.drawId });
  if (!drawn.ok) throw new Error(`draw: ${JSON.stringify(drawn.error)}`);
  if (opts.ready !== false) {
    // The invited experts accepted, and the evaluation is due (as on the day itself).
    await t.app.db.expertPick.updateMany({ where: { drawId: res.data.drawId, state: "notified" }, data: { state: "accepted", answeredAt: new Date(), answerVia: "link" } });
    await t.app.db.expertDraw.update({ where: { id: res.data.drawId }, data: { evaluationAt: new Date(Date.now() - 60_000) } });
  }
  return { agentToken: a.token, agent, lotId, drawId: res.data.drawId, rec, pool, ids, bidders };
}

/** The lot's opening closed with one decrypted bid per price (one demo company each, in name order). */
export async function openWithBids(t: TestApp, lotId: string, pricesFen: number[]) {
  const companies = await t.app.db.company.findMany({ orderBy: { name: "asc" } });
  if (companies.length < pricesFen.length) throw new Error("not enough demo companies");
  const bidders = pricesFen.map((p, i) => ({ companyId: companies[i]!.id, name: companies[i]!.name, priceFen: p }));
  for (const [i, b] of bidders.entries()) {
    await t.app.db.bid.create({
      data: {
        lotId, companyId: b.companyId, status: "decrypted", filePath: "/dev/null", sha256: "0".repeat(64), sizeBytes: 0n,
        submittedAt: new Date(Date.now() - 7_200_000 + i), decryptedAt: new Date(Date.now() - 3_600_000 + i * 1000), receipt: "{}", signature: "",
        summary: JSON.stringify({ priceFen: b.priceFen, durationDays: 300, quality: "合格", projectManager: "张工", fields: {}, documents: [] }),
      },
    });
  }
  await t.app.db.lot.update({ where: { id: lotId }, data: { status: "opened" } });
  return bidders;
}

/** Signs an expert in at a terminal (ID number + the one-time code the notifier recorded). */
export async function signInAt(w: EvalWorld, terminal: TestSocket, residentId: string) {
  const start = await call(terminal, "experts:signInStart", { residentId });
  if (!start.ok) throw new Error(`signInStart: ${JSON.stringify(start.error)}`);
  const code = w.rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!;
  const done = await call(terminal, "experts:signInFinish", { residentId, code });
  if (!done.ok) throw new Error(`signInFinish: ${JSON.stringify(done.error)}`);
  return done.data;
}

/** An expert's own signing key (as the terminal's WebCrypto would hold it). */
export function expertKey() {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  return { publicKeyPem: publicKey, sign: (toSignB64: string) => rsaSign("sha256", Buffer.from(toSignB64, "base64"), privateKey).toString("base64") };
}

/**
 * The drawn committee in draw order (per site bucket, then seq), each expert with the
 * terminal it sits at: main site P01-ET1…, off-site Y01-ET1…, the backup at P01-ET6.
 */
export async function committeeTerminals(t: TestApp, w: EvalWorld) {
  const picks = await t.app.db.expertPick.findMany({ where: { drawId: w.drawId }, orderBy: [{ bucketIndex: "asc" }, { seq: "asc" }] });
  const byId = new Map(w.pool.map((e) => [w.ids.get(e.residentId)!, e]));
  let main = 0;
  let remote = 0;
  return picks.map((p) => {
    const e = byId.get(p.expertId)!;
    const device = p.kind === "backup" ? "P01-ET6" : p.bucketIndex === 0 ? `P01-ET${++main}` : `Y01-ET${++remote}`;
    return { kind: p.kind, residentId: e.residentId, name: e.name, device };
  });
}

/** Everything of the evaluation a refused input must leave unchanged. */
export async function evalFingerprint(t: TestApp) {
  const db = t.app.db;
  const [sessions, sites, members, votes, conflicts, drafts, subs, requests, clar, dissents, deals] = await Promise.all([
    db.evalSession.findMany({ orderBy: { id: "asc" } }),
    db.evalSite.findMany({ orderBy: [{ sessionId: "asc" }, { roomId: "asc" }] }),
    db.evalMember.findMany({ orderBy: { id: "asc" } }),
    db.evalVote.count(),
    db.evalConflict.count(),
    db.evalDraft.findMany({ orderBy: [{ memberId: "asc" }, { step: "asc" }] }),
    db.evalSubmission.findMany({ orderBy: { id: "asc" } }),
    db.evalRequest.findMany({ orderBy: { id: "asc" } }),
    db.evalClarification.findMany({ orderBy: { id: "asc" } }),
    db.evalDissent.count(),
    db.statsDeal.count(),
  ]);
  return JSON.stringify({ sessions, sites, members, votes, conflicts, drafts, subs, requests, clar, dissents, deals }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** `f` answers the typed error `code` and changes nothing (database and evaluation tables). */
export async function expectUnchanged(t: TestApp, f: () => Promise<unknown>, code: string) {
  const before = [await dbFingerprint(t.app.db, { live: false }), await evalFingerprint(t)];
  const res = (await f()) as { ok: boolean; error?: { code: string } };
  expect(res).toMatchObject({ ok: false, error: { code } });
  expect([await dbFingerprint(t.app.db, { live: false }), await evalFingerprint(t)]).toEqual(before);
}

/** The data of an ok answer; a refused one throws with its error. */
export const ok = <T,>(res: { ok: true; data: T } | { ok: false; error: unknown }): T => {
  if (!res.ok) throw new Error(JSON.stringify(res.error));
  return res.data;
};

/** An expert terminal's socket that, like the real terminal page, sends a heartbeat every 3 s (silence for 10 s would mark it offline). */
export async function terminal(t: TestApp, code: string): Promise<TestSocket> {
  const key = t.devices.find((d) => d.code === code)?.key;
  if (!key) throw new Error(`no demo device ${code}`);
  const s = await t.connect({ deviceKey: key });
  const beat = () => void call(s, "device:heartbeat", { uptimeS: 1, memoryMb: 50 }).catch(() => undefined);
  const timer = setInterval(beat, 3000);
  timer.unref();
  s.on("disconnect", () => clearInterval(timer));
  return s;
}

/** The lowest evaluated price template (经评审的最低投标价法): qualification, evaluated-price adjustments, ranking. */
export const lowestTemplate: ScoringTemplateInput = {
  method: "lowest-evaluated-price",
  qualification: [{ key: "license", label: "营业执照及资质" }],
  price: { kind: "none" },
  candidates: 2,
};

export interface CommitteeMember {
  socket: TestSocket;
  memberId: string;
  device: string;
  residentId: string;
  name: string;
}

/** Connects the terminals, signs everyone in, and runs sign-in → pledge → conflicts → chair (the first member). */
export async function toQualification(t: TestApp, w: EvalWorld, template: ScoringTemplateInput) {
  const picks = (await committeeTerminals(t, w)).filter((c) => c.kind === "member");
  const members: CommitteeMember[] = [];
  for (const p of picks) members.push({ socket: await terminal(t, p.device), memberId: "", device: p.device, residentId: p.residentId, name: p.name });
  const { sessionId, streams } = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template }));
  for (const [i, p] of picks.entries()) {
    await signInAt(w, members[i]!.socket, p.residentId);
    members[i]!.memberId = ok(await call(members[i]!.socket, "evaluation:whoami", { sessionId })).memberId;
  }
  ok(await call(w.agent, "evaluation:advance", { sessionId, from: "signin" }));
  for (const m of members) ok(await call(m.socket, "evaluation:pledge", { sessionId }));
  ok(await call(w.agent, "evaluation:advance", { sessionId, from: "pledge" }));
  for (const m of members) ok(await call(m.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
  ok(await call(w.agent, "evaluation:advance", { sessionId, from: "conflicts" }));
  for (const m of members) ok(await call(m.socket, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: members[0]!.memberId }));
  ok(await call(members[0]!.socket, "evaluation:advance", { sessionId, from: "chair" }));
  return { sessionId, streams, members };
}

/** Every member passes every bidder in the qualification review, and the agent moves on to the next step. */
export async function passQualification(w: EvalWorld, sessionId: string, members: CommitteeMember[], criteria = ["license"]) {
  const rows = w.bidders.flatMap((b) => criteria.map((criterion) => ({ companyId: b.companyId, criterion, pass: true, reason: "" })));
  for (const [i, m] of members.entries()) ok(await call(m.socket, "evaluation:submit", { sessionId, idempotencyKey: `qual-${sessionId.slice(0, 8)}-${i}`, sheet: { step: "qualification", rows } }));
  return ok(await call(w.agent, "evaluation:advance", { sessionId, from: "qualification" }));
}

