// The committee beyond the drawn experts, and starting it:
// - the tenderer's representative (招标人代表): a lot with one seat, 4 drawn experts + 1
//   representative named at the start; the representative signs in at an expert terminal
//   with the ID number and the code sent to the phone (same commands as the experts),
//   pledges, declares, votes, reviews and signs the report, which lists the seat as 招标人代表;
//   bad inputs (seats for the lot, the 2/3 rule, bad ID number, a drawn expert named, a wrong code);
// - a start before the committee has accepted or before its time is refused unless confirmed;
// - a site whose terminals were never switched on is "unused" (未启用) with no fault clock;
//   the clock starts only when a site that was up goes down.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvalSupervisorState, ScoringTemplateInput } from "@contracts/evaluation";
import { residentIdCheckChar } from "@contracts/ids";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { committeeTerminals, evaluationWorld, expectUnchanged, expertKey, ok, signInAt, terminal, type EvalWorld } from "./helpers/evaluation";
import { digestPayload } from "../server/audit/chain";

let t: TestApp;
let sup: TestSocket;
let supToken: string;
const unchanged = (f: () => Promise<unknown>, code: string) => expectUnchanged(t, f, code);
const lowestTemplate: ScoringTemplateInput = { method: "lowest-evaluated-price", qualification: [{ key: "license", label: "营业执照及资质" }], price: { kind: "none" }, candidates: 2 };
const comprehensive: ScoringTemplateInput = { method: "comprehensive", qualification: [{ key: "license", label: "资质" }], criteria: [{ key: "tech", label: "技术", max: "70" }], price: { kind: "lowest-price-base", weight: "0.30" } };
const idOf = (first17: string) => first17 + residentIdCheckChar(first17)!;
const repId = idOf("32050619750315123");
const rep = { name: "周建国", residentId: repId, mobile: "13912345678" };

beforeAll(async () => {
  t = await startTestApp();
  supToken = (await t.login("supervisor")).token;
  sup = await t.connect({ token: supToken });
}, 60_000);
afterAll(() => t.close());

describe("the tenderer's representative (招标人代表) on the committee", () => {
  let w: EvalWorld;
  let sessionId: string;
  let supView: LiveStreamClient<EvalSupervisorState>;
  const seats: { socket: TestSocket; memberId: string; key: ReturnType<typeof expertKey> }[] = [];
  let repSeat: (typeof seats)[number];

  it("refuses bad committees and bad representatives, changing nothing", async () => {
    w = await evaluationWorld(t, [92_000_000, 85_000_000, 88_000_000], { lot: { evaluationMethod: "lowest-evaluated-price" }, committee: "4+rep", poolOffset: 3 });
    const create = (extra: Record<string, unknown>) => call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: lowestTemplate, ...extra });
    // The lot has one seat: naming none (or two) is refused.
    await unchanged(() => create({ ownerReps: [] }), "OWNER_REPS_COUNT");
    await unchanged(() => create({ ownerReps: [rep, { ...rep, residentId: idOf("32050619800101456"), name: "吴敏" }] }), "OWNER_REPS_COUNT");
    // A bad ID number (wrong check character), a bad phone.
    await unchanged(() => create({ ownerReps: [{ ...rep, residentId: repId.slice(0, 17) + (repId[17] === "1" ? "2" : "1") }] }), "VALIDATION_FAILED");
    await unchanged(() => create({ ownerReps: [{ ...rep, mobile: "12345" }] }), "VALIDATION_FAILED");
    // A drawn expert of this committee cannot also sit as the representative.
    const drawn = (await committeeTerminals(t, w)).find((c) => c.kind === "member")!;
    await unchanged(() => create({ ownerReps: [{ ...rep, residentId: drawn.residentId }] }), "OWNER_REP_IS_EXPERT");
    // Too many representatives for the drawn experts: 4 experts + 3 = 7, experts under 2/3.
    await t.app.db.lot.update({ where: { id: w.lotId }, data: { ownerRepresentatives: 3 } });
    const three = [rep, { ...rep, residentId: idOf("32050619800101456"), name: "吴敏" }, { ...rep, residentId: idOf("32050619820202789"), name: "郑华" }];
    const res = await create({ ownerReps: three });
    expect(res).toMatchObject({ ok: false, error: { code: "COMMITTEE_RULES" } });
    expect(JSON.stringify(res)).toContain("2/3");
    await t.app.db.lot.update({ where: { id: w.lotId }, data: { ownerRepresentatives: 1 } });
    expect(await t.app.db.evalSession.count({ where: { lotId: w.lotId } })).toBe(0);
    // A lot cannot ask for a negative number of seats.
    const bad = await t.api("POST", "/api/projects", { token: w.agentToken, body: { code: "PBAD1", name: "x", category: "engineering", procedure: "open", ownerName: "x", lots: [{ code: "PBAD1-01", name: "x", bidDeadline: new Date(Date.now() + 3_600_000).toISOString(), openingTime: new Date(Date.now() + 3_600_000).toISOString(), roomId: (await t.app.db.room.findFirstOrThrow()).id, evaluationMethod: "comprehensive", ownerRepresentatives: -1 }] } });
    expect(bad.status).toBe(400);
  });

  it("starts with 4 experts + the representative; the representative signs in with the code sent to the phone (a wrong code is refused)", async () => {
    const picks = (await committeeTerminals(t, w)).filter((c) => c.kind === "member");
    expect(picks).toHaveLength(4);
    const { sessionId: id, streams } = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: lowestTemplate, ownerReps: [rep] }));
    sessionId = id;
    supView = new LiveStreamClient<EvalSupervisorState>(sup, streams.supervisor).start();
    await until(() => supView.state?.members.length === 5, 5000, "five members");
    expect(supView.state!.members.map((m) => [m.seat, m.kind, m.name])).toEqual([[1, "expert", null], [2, "expert", null], [3, "expert", null], [4, "expert", null], [5, "owner-rep", null]]);
    for (const p of picks) {
      const socket = await terminal(t, p.device);
      await signInAt(w, socket, p.residentId);
      seats.push({ socket, memberId: ok(await call(socket, "evaluation:whoami", { sessionId })).memberId, key: expertKey() });
    }
    const socket = await terminal(t, "P01-ET5");
    ok(await call(socket, "experts:signInStart", { residentId: rep.residentId }));
    const sent = w.rec.messages.filter((m) => m.kind === "sign-in-code").at(-1)!;
    expect(sent.to).toBe(rep.mobile);
    expect(sent.text).toContain("招标人代表");
    const wrong = sent.code === "000000" ? "111111" : "000000";
    expect(await call(socket, "experts:signInFinish", { residentId: rep.residentId, code: wrong })).toMatchObject({ ok: false, error: { code: "CODE_WRONG" } });
    expect((await t.app.db.evalOwnerRep.findFirstOrThrow({ where: { sessionId } })).signedInAt).toBeNull();
    // Signing in at another room's terminal finds no seat.
    const elsewhere = await terminal(t, "Y01-ET1");
    expect(await call(elsewhere, "experts:signInStart", { residentId: rep.residentId })).toMatchObject({ ok: false, error: { code: "NOT_ON_COMMITTEE" } });
    elsewhere.disconnect();
    const done = ok(await call(socket, "experts:signInFinish", { residentId: rep.residentId, code: sent.code! }));
    expect(done).toMatchObject({ name: rep.name, seat: 5, specialty: { code: "owner-rep", name: "招标人代表" } });
    const me = ok(await call(socket, "evaluation:whoami", { sessionId }));
    expect(me).toMatchObject({ kind: "owner-rep", name: rep.name, seat: 5 });
    repSeat = { socket, memberId: me.memberId, key: expertKey() };
    seats.push(repSeat);
    await until(() => supView.state?.members.every((m) => m.state === "signed-in") === true, 5000, "all signed in");
    expect(supView.state!.members.find((m) => m.kind === "owner-rep")).toMatchObject({ name: rep.name, seat: 5 });
    // Never drawn: the representative is no pick of the draw and not in the pool.
    expect(await t.app.db.expertPick.count({ where: { drawId: w.drawId } })).toBe(5);
    expect(await t.app.db.expert.count({ where: { name: rep.name } })).toBe(0);
  });

  it("the representative pledges, declares, votes, reviews and signs the report like the experts; the report lists the seat", async () => {
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "signin" }));
    for (const s of seats) ok(await call(s.socket, "evaluation:pledge", { sessionId }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "pledge" }));
    for (const s of seats) ok(await call(s.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "conflicts" }));
    for (const s of seats) ok(await call(s.socket, "evaluation:voteChair", { sessionId, round: 1, candidateMemberId: seats[0]!.memberId }));
    ok(await call(seats[0]!.socket, "evaluation:advance", { sessionId, from: "chair" }));
    const rows = w.bidders.map((b) => ({ companyId: b.companyId, criterion: "license", pass: true, reason: "" }));
    for (const [i, s] of seats.entries()) ok(await call(s.socket, "evaluation:submit", { sessionId, idempotencyKey: `rep-q-${i}-xxxx`, sheet: { step: "qualification", rows } }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "qualification" }));
    // 经评审的最低投标价法: every member, the representative too, hands in an adjustments sheet (here: none to make)
    for (const [i, s] of seats.entries()) ok(await call(s.socket, "evaluation:submit", { sessionId, idempotencyKey: `rep-a-${i}-xxxx`, sheet: { step: "adjustments", rows: [] } }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "adjustments" }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "aggregate" }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "candidates" }));
    await until(() => !!supView.state?.report, 5000, "report made");
    for (const s of seats) {
      ok(await call(s.socket, "evaluation:enrollKey", { sessionId, publicKeyPem: s.key.publicKeyPem }));
      for (let tries = 0; ; tries++) {
        const prep = ok(await call(s.socket, "evaluation:prepareSignature", { sessionId }));
        const res = await call(s.socket, "evaluation:sign", { sessionId, prepId: prep.prepId, signatureB64: s.key.sign(prep.toSignB64) });
        if (res.ok) break;
        if (tries > 3) throw new Error(JSON.stringify(res));
      }
    }
    await until(() => supView.state?.status === "closed", 10_000, "closed");
    expect(supView.state!.report!.signatures.map((x) => x.name)).toContain(rep.name);
    const res = await fetch(`${t.url}/api/evaluations/${sessionId}/report.pdf`, { headers: { authorization: `Bearer ${supToken}` } });
    expect(res.status).toBe(200);
    const file = join(t.dir, "committee-report.pdf");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    expect(text).toContain(rep.name);
    expect(text).toContain("招标人代表（席位 5）");
    expect(text).toMatch(/5\s+周建国\s+演示县交通运输局/);
    const sigs = execFileSync("pdfsig", [file], { encoding: "utf8" });
    expect(sigs.match(/Signature #\d+/g)).toHaveLength(6);
    for (const s of seats) s.socket.disconnect();
  });
});

describe("starting before the committee has accepted or before its time", () => {
  it("is refused with what is missing unless confirmed; the confirmation is on the record", async () => {
    const w = await evaluationWorld(t, [80_000_000, 85_000_000], { ready: false, poolOffset: 5 });
    const input = { lotId: w.lotId, drawId: w.drawId, template: comprehensive };
    const res = await call(w.agent, "evaluation:create", input);
    expect(res).toMatchObject({ ok: false, error: { code: "EVALUATION_NOT_READY" } });
    const details = (res as { error: { details: { path: string; message: string }[] } }).error.details;
    const notAccepted = details.filter((d) => d.path === "notAccepted").map((d) => JSON.parse(d.message) as { seat: number; room: string; role: string; specialty: string });
    expect(notAccepted.map((x) => x.seat)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(notAccepted[0]).toMatchObject({ room: expect.any(String), role: "main", specialty: expect.stringContaining("A010101") });
    // Seats, never experts: the list stays sealed until they sign in.
    for (const e of w.pool) expect(JSON.stringify(res)).not.toContain(e.name);
    const draw = await t.app.db.expertDraw.findUniqueOrThrow({ where: { id: w.drawId } });
    expect(details.find((d) => d.path === "evaluationAt")?.message).toBe(draw.evaluationAt.toISOString());
    // Only the time: every invited expert accepts; still early.
    await t.app.db.expertPick.updateMany({ where: { drawId: w.drawId, state: "notified" }, data: { state: "accepted" } });
    const early = await call(w.agent, "evaluation:create", input);
    expect(early).toMatchObject({ ok: false, error: { code: "EVALUATION_NOT_READY" } });
    expect((early as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual(["evaluationAt"]);
    await unchanged(() => call(w.agent, "evaluation:create", input), "EVALUATION_NOT_READY");
    // Confirmed: it starts, and the audit records what was confirmed.
    const { sessionId } = ok(await call(w.agent, "evaluation:create", { ...input, confirm: true }));
    const row = await t.app.db.auditEvent.findFirstOrThrow({ where: { target: `evaluation:${sessionId}`, action: "evaluation.startConfirmed" } });
    expect(row.payloadDigest).toBe(digestPayload({ notAccepted: [], evaluationAt: draw.evaluationAt.toISOString(), early: true }));
  });

  it("a ready committee at its time starts without confirmation and records none", async () => {
    const w = await evaluationWorld(t, [80_000_000, 85_000_000], { poolOffset: 6 });
    const { sessionId } = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensive }));
    expect(await t.app.db.auditEvent.count({ where: { target: `evaluation:${sessionId}`, action: "evaluation.startConfirmed" } })).toBe(0);
  });
});

describe("terminals never switched on (未启用)", () => {
  it("a site never connected is unused with no fault clock; the clock starts only after a connected site drops", async () => {
    const w = await evaluationWorld(t, [80_000_000, 85_000_000], { poolOffset: 7 });
    const y01 = await t.app.db.room.findUniqueOrThrow({ where: { code: "Y01" } });
    const y01Devices = await t.app.db.device.findMany({ where: { roomId: y01.id } });
    await until(() => y01Devices.every((d) => !t.app.ctx.presence.isOnline(d.id)), 10_000, "Y01 terminals offline");
    const { sessionId, streams } = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensive, confirm: true }));
    const view = new LiveStreamClient<EvalSupervisorState>(sup, streams.supervisor).start();
    await until(() => !!view.state, 5000, "stream");
    const site = () => view.state!.sites.find((s) => s.roomId === y01.id)!;
    await new Promise((r) => setTimeout(r, 500));
    expect(site().link).toBe("unused");
    expect(view.state!.faultClock).toBeNull();
    expect((await t.app.db.evalSite.findUniqueOrThrow({ where: { sessionId_roomId: { sessionId, roomId: y01.id } } })).faultEndsAt).toBeNull();
    expect(await t.app.db.auditEvent.count({ where: { target: `evaluation:${sessionId}`, action: "evaluation.linkLost" } })).toBe(0);
    // Switched on: up. Switched off again: now a fault, and the clock runs.
    const remote = await terminal(t, "Y01-ET1");
    await until(() => site().link === "up", 10_000, "link up");
    expect(view.state!.faultClock).toBeNull();
    remote.disconnect();
    await until(() => site().link === "down", 20_000, "link down");
    await until(() => view.state!.faultClock?.roomId === y01.id, 5000, "fault clock");
    expect(view.state!.faultClock!.kind).toBe("before-start");
    view.stop();
  });
});
