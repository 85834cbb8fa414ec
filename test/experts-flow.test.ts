// The whole expert draw over real sockets: a request with every kind of
// exclusion → the commitment on the supervisors' stream before the draw → the
// draw (seed revealed, committee from seed + frozen lists) → invitations through
// a recording notifier → a decline calls the backup, another decline draws a
// replacement (补抽), silence past the deadline draws one too (timer re-armed from
// the database) → verify-draw replays it → one expert signs in at a terminal and
// only that name is unsealed in the agent's and the supervisor's views.
// Then 20,000 selections from the real frozen list: uniform (chi-square), and
// the excluded never appear.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrawAgentState, DrawCommitment, DrawSupervisorState, ExpertDrawRecord, FairnessReport } from "@contracts/experts";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { createLot } from "./helpers/opening";
import { fakeBid, idLast4For, makeExperts, seedPool } from "./helpers/experts";
import { RecordingNotifier } from "../server/experts/notifier";
import { armExpertTimers } from "../server/experts/timers";
import { DrawWalk, selectInitial, unpackIds } from "../server/experts/sampler";
import { chiSquareCritical } from "./helpers/chi-square";
import { newSeed, seedHash } from "../server/opening/draws";
import { verifyAudit } from "../server/audit/chain";
import type { SynthExpert } from "../server/experts/synth";
import { creditCodeFor } from "../server/experts/synth";
import { residentIdCheckChar } from "@contracts/ids";
import { openRaw } from "../server/experts/raw";
import { recomputeBusyPg, recomputeBusyRaw } from "../server/experts/busy";
import { dbProvider } from "../server/db";

const run = promisify(execFile);
let t: TestApp;
const rec = new RecordingNotifier();
let agent: { token: string; socket: TestSocket };
let sup: { token: string; socket: TestSocket };
let projectId: string;
let lotId: string;
let projectCode: string;
let pool: SynthExpert[];
let ids: Map<string, number>;
let excluded: Record<string, SynthExpert>;
let commitment: DrawCommitment;
let agentView: LiveStreamClient<DrawAgentState>;
let supView: LiveStreamClient<DrawSupervisorState>;
const evaluationAt = new Date(Date.now() + 2 * 3_600_000).toISOString();

const invitations = () => rec.messages.filter((m) => m.kind === "invitation");
const pickOf = (pickId: string) => t.app.db.expertPick.findUniqueOrThrow({ where: { id: pickId } });
/** Answers an invitation by its link token, with the invited expert's proof (the last 4 of the ID number). */
const answer = (token: string, decision: "accept" | "decline", reason?: string) => {
  const m = invitations().find((x) => x.token === token);
  const idLast4 = m ? idLast4For(pool, m.to) : "0000";
  return t.api<{ state: string }>("POST", "/api/expert-invitations/answer", { body: { token, decision, idLast4, ...(reason ? { reason } : {}) } });
};

beforeAll(async () => {
  t = await startTestApp();
  t.app.ctx.experts.notifier = rec;
  const a = await t.login("agent");
  agent = { token: a.token, socket: await t.connect({ token: a.token }) };
  const s = await t.login("supervisor");
  sup = { token: s.token, socket: await t.connect({ token: s.token }) };
  const project = await createLot(t, a.token);
  projectId = project.id;
  projectCode = project.code;
  lotId = project.lots[0]!.id;
  const bidderCompany = await t.app.db.company.findFirstOrThrow({ where: { name: "华建集团有限公司" } });
  await fakeBid(t, lotId, bidderCompany.id);

  // The pool: 40 building experts, 30 municipal (two sub-specialties), 20 highway experts in the
  // neighbouring city (3206) for the secondary site and 10 in ours (not candidates there).
  const building = makeExperts(40, ["A010101"], { seed: 1, cities: [5] });
  const municipal = makeExperts(30, ["A010201", "A010202"], { seed: 2, cities: [5] });
  const highwayThere = makeExperts(20, ["A0104"], { seed: 3, cities: [6] });
  const highwayHere = makeExperts(10, ["A0104"], { seed: 4, cities: [5] });
  // Distinct ID numbers across the groups: re-number by position.
  pool = [...building, ...municipal, ...highwayThere, ...highwayHere].map((e, i) => {
    const first17 = `${e.regionCode}1970${String(1 + (i % 12)).padStart(2, "0")}${String(1 + (i % 28)).padStart(2, "0")}${String(i).padStart(3, "0")}`;
    return { ...e, residentId: first17 + residentIdCheckChar(first17)! };
  });
  // Exclusions among the building experts.
  const ownerCode = creditCodeFor("320500", 999_001);
  excluded = {
    bidderEmployee: { ...pool[0]!, employerCreditCode: bidderCompany.creditCode, employerName: bidderCompany.name },
    suspended: { ...pool[1]!, status: "suspended" },
    onLeave: pool[2]!,
    related: pool[3]!,
    manual: pool[4]!,
    ownerStaff: { ...pool[5]!, employerCreditCode: ownerCode, employerName: "演示县住房和城乡建设局" },
    tooOften: pool[6]!,
    sameCounty: { ...pool[7]!, regionCode: "320599", regionName: "江苏省苏州市测试县" },
  };
  Object.values(excluded).forEach((e, i) => (pool[i] = e));
  ids = await seedPool(t, pool);

  const admin = (await t.login("admin")).token;
  const leave = await t.api("POST", `/api/experts/${ids.get(excluded.onLeave!.residentId)}/leaves`, {
    token: admin,
    body: { startsAt: new Date(Date.now() - 86_400_000).toISOString(), endsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(), reason: "出差" },
  });
  expect(leave.body.ok).toBe(true);
  const rel = await t.api("POST", `/api/experts/${ids.get(excluded.related!.residentId)}/relations`, {
    token: admin,
    body: { creditCode: bidderCompany.creditCode, companyName: bidderCompany.name, relation: "配偶任该公司项目经理" },
  });
  expect(rel.body.ok).toBe(true);
  // Drawn three times (EXPERT_MAX_DRAWS) in the last 30 days.
  for (let i = 0; i < 3; i++) {
    await t.app.db.expertPick.create({
      data: { drawId: `old-${i}`, bucketIndex: 0, seq: 1, position: 0, expertId: ids.get(excluded.tooOften!.residentId)!, kind: "member", state: "accepted", pickedAt: new Date(Date.now() - (i + 1) * 86_400_000) },
    });
  }
  // Picks written behind the commands' back: recompute who is drawn too often, as start-up would.
  if (dbProvider(t.app.db) === "postgresql") await t.app.db.$transaction((tx) => recomputeBusyPg(tx, 3, 30));
  else {
    const raw = openRaw(t.config.databaseUrl);
    raw.transaction(() => recomputeBusyRaw(raw, 3, 30)).immediate();
    raw.close();
  }
}, 120_000);
afterAll(() => t.close());

describe("an expert draw, end to end", () => {
  it("requests a draw: exclusions recorded, lists frozen, the seed hash on the supervisors' stream before the draw", async () => {
    const rooms = await t.app.db.room.findMany();
    const main = rooms.find((r) => r.code === "P01")!;
    const remote = rooms.find((r) => r.code === "Y01")!;
    const res = await call(agent.socket, "experts:requestDraw", {
      projectId,
      lotId,
      evaluationAt,
      sites: [
        { roomId: main.id, role: "main", needs: [{ specialtyCode: "A010101", count: 3, backups: 1 }, { specialtyCode: "A0102", count: 2 }] },
        { roomId: remote.id, role: "secondary", regionPrefix: "3206", needs: [{ specialtyCode: "A0104", count: 2 }] },
      ],
      ownerCreditCodes: [excluded.ownerStaff!.employerCreditCode],
      projectRegionCode: "320599",
      excludeSameCounty: true,
      manualExclusions: [{ residentId: excluded.manual!.residentId, reason: "曾参与本项目前期咨询" }],
    });
    if (!res.ok) throw new Error(JSON.stringify(res.error));
    commitment = res.data;
    expect(commitment).toMatchObject({ status: "committed", committee: { size: 7, experts: 7 } });
    expect(commitment.seedHash).toMatch(/^[0-9a-f]{64}$/);
    expect(commitment.buckets.map((b) => [b.specialty.code, b.site.role, b.eligible])).toEqual([
      ["A010101", "main", 32],
      ["A0102", "main", 30],
      ["A0104", "secondary", 20],
    ]);

    supView = new LiveStreamClient<DrawSupervisorState>(sup.socket, commitment.streams.supervisor).start();
    agentView = new LiveStreamClient<DrawAgentState>(agent.socket, commitment.streams.agent).start();
    await until(() => supView.state?.commitment.seedHash === commitment.seedHash && agentView.version > 0, 3000, "commitment on the streams");
    expect(supView.state!.commitment.seed).toBeNull();
    expect(supView.state!.buckets[0]!.listDigest).toBe(commitment.buckets[0]!.listDigest);
    expect(supView.state!.buckets[0]!.excluded).toEqual({
      "bidder-employer": 1,
      "owner-staff": 1,
      "declared-relation": 1,
      "on-leave": 1,
      suspended: 1,
      "drawn-too-often": 1,
      "same-county": 1,
      manual: 1,
    });
    expect(new Set(supView.state!.exclusions.map((e) => e.reason))).toEqual(
      new Set(["bidder-employer", "owner-staff", "declared-relation", "on-leave", "suspended", "drawn-too-often", "same-county", "manual"]),
    );
    // The agent sees counts, never the exclusions.
    expect(JSON.stringify(agentView.state)).not.toContain("bidder-employer");
    // Not the agent of this project / not a supervisor: no access to the other view.
    const bidder = await t.login("bidder");
    const bs = await t.connect({ token: bidder.token });
    expect(await call(bs, "live:join", { stream: commitment.streams.agent })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await call(agent.socket, "live:join", { stream: commitment.streams.supervisor })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });

  it("draws: the seed matches the commitment; members are invited with the project code only", async () => {
    const res = await call(agent.socket, "experts:draw", { drawId: commitment.drawId });
    if (!res.ok) throw new Error(JSON.stringify(res.error));
    expect(seedHash(res.data.seed)).toBe(commitment.seedHash);
    expect(res.data).toMatchObject({ notified: 7, reserve: 1 });
    await until(() => invitations().length === 7, 3000, "7 invitations");
    for (const m of invitations()) {
      expect(m.text).toContain(projectCode);
      expect(m.text).not.toContain("滨江大道");
      expect(m.link).toContain(m.token);
    }
    await until(() => supView.state?.commitment.seed === res.data.seed && agentView.state?.counts.pending === 7, 3000, "seed and invitations on the streams");
    // Names are sealed for everyone.
    for (const v of [agentView.state!, supView.state!]) {
      expect(v.buckets.flatMap((b) => b.seats).every((s) => s.name === null)).toBe(true);
      const json = JSON.stringify(v);
      for (const e of pool) expect(json).not.toContain(e.name);
    }
    // Excluded experts were never picked.
    const picks = await t.app.db.expertPick.findMany({ where: { drawId: commitment.drawId } });
    const banned = new Set(Object.values(excluded).map((e) => ids.get(e.residentId)));
    expect(picks.some((p) => banned.has(p.expertId))).toBe(false);
    // The invitation link shows the invitation to whoever holds it.
    const view = await t.api<{ projectCode: string; state: string }>("POST", "/api/expert-invitations/view", { body: { token: invitations()[0]!.token } });
    expect(view.body).toMatchObject({ ok: true, data: { projectCode, state: "notified" } });
  });

  it("a decline calls the backup; a decline without backups draws a replacement (补抽); silence past the deadline does too", async () => {
    const byBucket = async (b: number) => {
      const out = [];
      for (const m of invitations()) if ((await pickOf(m.pickId)).bucketIndex === b) out.push(m);
      return out;
    };
    const [b0] = await byBucket(0);
    expect(await answer(b0!.token!, "decline", "时间冲突")).toMatchObject({ body: { ok: true, data: { state: "declined" } } });
    expect((await answer(b0!.token!, "accept")).body).toMatchObject({ ok: false, error: { code: "ALREADY_ANSWERED" } });
    await until(() => invitations().length === 8, 3000, "the backup invited");
    const backup = await pickOf(invitations()[7]!.pickId);
    expect(backup).toMatchObject({ kind: "backup", bucketIndex: 0, state: "notified" });

    const [b1] = await byBucket(1);
    expect((await answer(b1!.token!, "decline")).body.ok).toBe(true);
    await until(() => invitations().length === 9, 3000, "a replacement invited");
    const repl = await pickOf(invitations()[8]!.pickId);
    expect(repl).toMatchObject({ kind: "replacement", bucketIndex: 1, state: "notified", seq: 9 });

    // One secondary-site expert does not answer: its deadline passes; the timer (re-armed as at start-up) replaces it.
    const [b2] = await byBucket(2);
    await t.app.db.expertPick.update({ where: { id: b2!.pickId }, data: { answerBy: new Date(Date.now() - 1000) } });
    t.app.ctx.timers.cancel(`expert-answer:${b2!.pickId}`);
    await armExpertTimers(t.app.ctx);
    await until(() => invitations().length === 10, 3000, "a replacement for the silent one");
    expect(await pickOf(b2!.pickId)).toMatchObject({ state: "no-answer", answerVia: "timer" });
    expect(await pickOf(invitations()[9]!.pickId)).toMatchObject({ kind: "replacement", bucketIndex: 2 });

    // Everyone else accepts.
    const answered = new Set([b0!.pickId, b1!.pickId, b2!.pickId]);
    for (const m of invitations()) if (!answered.has(m.pickId)) expect((await answer(m.token!, "accept")).body).toMatchObject({ ok: true, data: { state: "accepted" } });
    await until(() => agentView.state?.counts.accepted === 7 && agentView.state.counts.pending === 0, 3000, "7 accepted");
    expect(agentView.state!.counts).toMatchObject({ needed: 7, accepted: 7, declined: 2, noAnswer: 1, replacements: 3, reserve: 0 });
    expect(agentView.state!.buckets.every((b) => !b.short)).toBe(true);
    const seats = agentView.state!.buckets[1]!.seats;
    expect(seats.find((s) => s.kind === "replacement")!.replacesSeat).toBe(seats.find((s) => s.state === "declined")!.seat);
  });

  it("replays with npm run verify-draw, from the published record and from the database; a tampered record does not", async () => {
    const res = await t.api<ExpertDrawRecord>("GET", `/api/expert-draws/${commitment.drawId}/record`, { token: sup.token });
    if (!res.body.ok) throw new Error(JSON.stringify(res.body));
    const file = join(t.dir, "expert-draw.json");
    writeFileSync(file, JSON.stringify(res.body.data));
    const ok = await run(process.execPath, ["--import", "tsx", "scripts/verify-draw.ts", "--file", file]);
    expect(ok.stdout).toContain("MATCHES");
    const env = { ...process.env, DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dir, NODE_ENV: "test", LOG_LEVEL: "silent" };
    const fromDb = await run(process.execPath, ["--import", "tsx", "scripts/verify-draw.ts", "--expert-draw", commitment.drawId], { env });
    expect(fromDb.stdout).toContain("MATCHES");
    const bad = { ...res.body.data, picks: res.body.data.picks.map((p, i) => (i === 0 ? { ...p, expertId: p.expertId + 1 } : p)) };
    writeFileSync(file, JSON.stringify(bad));
    const out = await run(process.execPath, ["--import", "tsx", "scripts/verify-draw.ts", "--file", file]).then(
      () => ({ code: 0, stdout: "" }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toContain("DOES NOT MATCH");
    // The agent may not read the record (expert numbers) nor the audit.
    expect((await t.api("GET", `/api/expert-draws/${commitment.drawId}/record`, { token: agent.token })).status).toBe(403);
    expect((await t.api("GET", `/api/expert-draws/${commitment.drawId}/audit`, { token: agent.token })).status).toBe(403);
  });

  it("an expert signs in at a terminal (ID number + one-time code): only that name is unsealed", async () => {
    const accepted = await t.app.db.expertPick.findFirstOrThrow({ where: { drawId: commitment.drawId, bucketIndex: 0, state: "accepted" }, orderBy: { seq: "asc" } });
    const expert = pool.find((e) => ids.get(e.residentId) === accepted.expertId)!;
    const terminal = await t.connect({ deviceKey: t.devices.find((d) => d.code === "P01-ET1")!.key });
    const remote = await t.connect({ deviceKey: t.devices.find((d) => d.code === "Y01-ET1")!.key });
    // The wrong room, someone not on the committee, a person instead of a terminal.
    expect(await call(remote, "experts:signInStart", { residentId: expert.residentId })).toMatchObject({ ok: false, error: { code: "NOT_ON_COMMITTEE" } });
    expect(await call(terminal, "experts:signInStart", { residentId: excluded.manual!.residentId })).toMatchObject({ ok: false, error: { code: "NOT_ON_COMMITTEE" } });
    expect(await call(agent.socket, "experts:signInStart", { residentId: expert.residentId })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });

    const start = await call(terminal, "experts:signInStart", { residentId: expert.residentId });
    expect(start).toMatchObject({ ok: true, data: { sent: true, mobileMasked: `${expert.mobile.slice(0, 3)}****${expert.mobile.slice(-4)}` } });
    const code = rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!.code!;
    const wrong = code === "000000" ? "000001" : "000000";
    expect(await call(terminal, "experts:signInFinish", { residentId: expert.residentId, code: wrong })).toMatchObject({ ok: false, error: { code: "CODE_WRONG" } });
    const done = await call(terminal, "experts:signInFinish", { residentId: expert.residentId, code });
    expect(done).toMatchObject({ ok: true, data: { name: expert.name, projectCode, specialty: { code: "A010101" }, site: { role: "main" } } });

    for (const v of [agentView, supView]) {
      await until(() => (v.state?.counts.signedIn ?? 0) === 1, 3000, "signed in on the stream");
      const named = v.state!.buckets.flatMap((b) => b.seats).filter((s) => s.name !== null);
      expect(named).toEqual([expect.objectContaining({ name: expert.name, state: "signed-in" })]);
      const json = JSON.stringify(v.state);
      for (const e of pool) if (e !== expert) expect(json).not.toContain(e.name);
    }
    expect(await call(terminal, "experts:signInStart", { residentId: expert.residentId })).toMatchObject({ ok: false, error: { code: "ALREADY_SIGNED_IN" } });
  });

  it("supervisors read the audit with masked names; the audit chain verifies; the fairness report counts the sittings", async () => {
    const audit = await t.api<{ steps: { action: string }[]; picks: { nameMasked: string; idMasked: string }[]; exclusions: { reason: string; experts: { nameMasked: string }[] }[] }>(
      "GET",
      `/api/expert-draws/${commitment.drawId}/audit`,
      { token: sup.token },
    );
    if (!audit.body.ok) throw new Error(JSON.stringify(audit.body));
    const actions = audit.body.data.steps.map((s) => s.action);
    expect(actions).toEqual(expect.arrayContaining(["experts.requestDraw", "experts.draw", "experts.decline", "experts.backupCalled", "experts.replacement", "experts.noAnswer", "experts.accept", "experts.signIn"]));
    expect(audit.body.data.picks.every((p) => p.nameMasked.includes("*") && /^\d{4}\*{10}[\dX]{4}$/.test(p.idMasked))).toBe(true);
    const json = JSON.stringify(audit.body.data);
    for (const e of pool) expect(json).not.toContain(e.name);
    expect(json).not.toContain(excluded.manual!.residentId);
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });

    const day = evaluationAt.slice(0, 10);
    const next = new Date(Date.parse(evaluationAt) + 2 * 86_400_000).toISOString().slice(0, 10);
    const fair = await t.api<FairnessReport>("GET", `/api/expert-fairness?from=${day}&to=${next}`, { token: sup.token });
    if (!fair.body.ok) throw new Error(JSON.stringify(fair.body));
    expect(fair.body.data).toMatchObject({ draws: 1, sittings: 7, expertsSitting: 7, poolActive: pool.length - 1 });
    expect(fair.body.data.neverDrawn).toBe(pool.length - 1 - 10);
    expect(fair.body.data.gini).toBeGreaterThan(0.8);
    expect(fair.body.data.largest!.share).toBeCloseTo(1 / 7, 3);
    expect((await t.api("GET", `/api/expert-fairness?from=${day}&to=${next}`, { token: agent.token })).status).toBe(403);
  });

  it("over 20,000 draws from the real frozen list: every eligible expert equally likely, no excluded one ever", async () => {
    const bucket = await t.app.db.expertDrawBucket.findUniqueOrThrow({ where: { drawId_index: { drawId: commitment.drawId, index: 0 } } });
    const list = unpackIds(bucket.list);
    const banned = new Set(Object.values(excluded).map((e) => ids.get(e.residentId)!));
    expect(list.length).toBe(32);
    const counts = new Map<number, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const res = selectInitial(new DrawWalk(newSeed(), [list]), [{ need: 3, backups: 1 }]);
      if (!("picks" in res)) throw new Error("short");
      for (const p of res.picks) counts.set(p.expertId, (counts.get(p.expertId) ?? 0) + 1);
    }
    expect([...counts.keys()].some((id) => banned.has(id))).toBe(false);
    const expected = (draws * 4) / list.length;
    const chi2 = Array.from(list).reduce((s, id) => s + ((counts.get(id) ?? 0) - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(chiSquareCritical(list.length - 1, 0.001));
  }, 60_000);
});
