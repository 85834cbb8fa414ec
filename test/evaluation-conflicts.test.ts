// Conflicts detected at the evaluation's conflicts step (回避, server/evaluation/conflicts.ts):
// the pool record of a member (employer's credit code, declared relations) is compared with the
// lot's bidders when the step is entered and again when a backup joins. A detected conflict is
// treated like a declared one: the member leaves, a backup is called, the audit says "detected".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvalPublicState, EvalSupervisorState } from "@contracts/evaluation";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { digestPayload } from "../server/audit/chain";
import { committeeTerminals, comprehensiveTemplate, evaluationWorld, ok, signInAt, terminal, type EvalWorld } from "./helpers/evaluation";

let t: TestApp;
let sup: TestSocket;

beforeAll(async () => {
  t = await startTestApp();
  sup = await t.connect({ token: (await t.login("supervisor")).token });
}, 60_000);
afterAll(() => t.close());

interface Seat {
  socket: TestSocket;
  residentId: string;
  name: string;
  memberId: string;
}

/** Terminals for the drawn members (and the backup), the session created, everyone signed in and pledged. */
async function toPledged(w: EvalWorld) {
  const drawn = await committeeTerminals(t, w);
  const seats: Seat[] = [];
  let backup: Seat | null = null;
  for (const c of drawn) {
    const seat = { socket: await terminal(t, c.device), residentId: c.residentId, name: c.name, memberId: "" };
    if (c.kind === "backup") backup = seat;
    else seats.push(seat);
  }
  const { sessionId, streams } = ok(await call(w.agent, "evaluation:create", { lotId: w.lotId, drawId: w.drawId, template: comprehensiveTemplate }));
  for (const s of seats) {
    await signInAt(w, s.socket, s.residentId);
    s.memberId = ok(await call(s.socket, "evaluation:whoami", { sessionId })).memberId;
  }
  ok(await call(w.agent, "evaluation:advance", { sessionId, from: "signin" }));
  for (const s of seats) ok(await call(s.socket, "evaluation:pledge", { sessionId }));
  return { sessionId, streams, seats, backup: backup! };
}

const expertIdOf = (w: EvalWorld, s: Seat) => w.ids.get(s.residentId)!;
const audits = (sessionId: string, action: string) => t.app.db.auditEvent.findMany({ where: { target: `evaluation:${sessionId}`, action }, orderBy: { seq: "asc" } });

describe("a conflict detected at the conflicts step", () => {
  it("an employer that bids: the member leaves without declaring, the backup comes in; a member with no conflict stays", async () => {
    const w = await evaluationWorld(t, [1_000_000_00, 1_020_000_00, 1_050_000_00]);
    const { sessionId, streams, seats, backup } = await toPledged(w);
    const bidder = await t.app.db.company.findUniqueOrThrow({ where: { id: w.bidders[1]!.companyId } });
    // After the draw the expert's employer is recorded as a bidder (the draw could not know).
    await t.app.db.expert.update({ where: { id: expertIdOf(w, seats[1]!) }, data: { employerCreditCode: bidder.creditCode, employerName: bidder.name } });
    const supView = new LiveStreamClient<EvalSupervisorState>(sup, streams.supervisor).start();
    const publicView = new LiveStreamClient<EvalPublicState>(w.agent, streams.public).start();

    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "pledge" }));
    const members = await t.app.db.evalMember.findMany({ where: { sessionId }, orderBy: { seat: "asc" } });
    const gone = members.find((m) => m.id === seats[1]!.memberId)!;
    expect(gone.state).toBe("recused");
    // Everyone else stays on the committee.
    for (const s of seats.filter((x) => x !== seats[1])) expect(members.find((m) => m.id === s.memberId)!.state).toBe("active");
    const conflicts = await t.app.db.evalConflict.findMany({ where: { sessionId } });
    expect(conflicts).toEqual([expect.objectContaining({ memberId: gone.id, companyId: bidder.id, reason: expect.stringContaining(`detected: employer of bidder ${bidder.name}`) })]);
    // Audited as detected (by the platform), with the reason in the digested payload; nothing declared.
    const recuse = await audits(sessionId, "evaluation.recuseDetected");
    expect(recuse.map((a) => [a.actorKind, a.payloadDigest])).toEqual([["system", digestPayload({ seat: gone.seat, conflicts: [{ companyId: bidder.id, reason: `detected: employer of bidder ${bidder.name} (${bidder.creditCode})` }] })]]);
    expect(await audits(sessionId, "evaluation.recuse")).toEqual([]);
    const bm = members.find((m) => m.replacesId === gone.id)!;
    expect(bm).toMatchObject({ state: "active", expertId: w.ids.get(backup.residentId) });
    const pick = await t.app.db.expertPick.findUniqueOrThrow({ where: { id: bm.pickId! } });
    expect(pick.state).toBe("accepted");

    // The removed member no longer acts; the step waits for the backup.
    expect((await call(seats[1]!.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] })).ok).toBe(false);
    for (const s of seats.filter((x) => x !== seats[1])) ok(await call(s.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    expect((await call(w.agent, "evaluation:advance", { sessionId, from: "conflicts" })).ok).toBe(false);
    await signInAt(w, backup.socket, backup.residentId);
    expect(ok(await call(backup.socket, "evaluation:whoami", { sessionId })).memberId).toBe(bm.id);
    ok(await call(backup.socket, "evaluation:pledge", { sessionId }));
    ok(await call(backup.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "conflicts" }));

    // Shown on the supervisor stream; the public stream carries no expert name.
    await until(() => supView.state?.step === "chair" && supView.state.conflicts.length === 1, 5000, "detected conflict on the supervisor stream");
    expect(supView.state!.conflicts[0]).toMatchObject({ seat: gone.seat, companyName: bidder.name, reason: expect.stringMatching(/^detected: employer of bidder /) });
    await until(() => publicView.state?.step === "chair", 5000, "public stream at chair");
    const pub = JSON.stringify(publicView.state);
    for (const s of [...seats, backup]) expect(pub).not.toContain(s.name);
    supView.stop();
    publicView.stop();
  });

  it("a relation declared after the draw is detected on entering the step, and a joining backup is checked too", { timeout: 60_000 }, async () => {
    // A fresh app: the first committee's experts (and terminals) stay out of this draw.
    await t.close();
    t = await startTestApp();
    const w = await evaluationWorld(t, [2_000_000_00, 2_100_000_00], { poolOffset: 1 });
    const { sessionId, seats, backup } = await toPledged(w);
    const bidders = await t.app.db.company.findMany({ where: { id: { in: w.bidders.map((b) => b.companyId) } } });
    const b0 = bidders.find((b) => b.id === w.bidders[0]!.companyId)!;
    const b1 = bidders.find((b) => b.id === w.bidders[1]!.companyId)!;
    await t.app.db.expertRelation.create({ data: { expertId: expertIdOf(w, seats[0]!), creditCode: b0.creditCode, companyName: b0.name, relation: "配偶任职" } });
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "pledge" }));
    const first = await t.app.db.evalConflict.findMany({ where: { sessionId } });
    expect(first).toEqual([expect.objectContaining({ memberId: seats[0]!.memberId, companyId: b0.id, reason: expect.stringContaining(`detected: declared relation with ${b0.name}`) })]);
    const bm = await t.app.db.evalMember.findFirstOrThrow({ where: { sessionId, replacesId: seats[0]!.memberId } });

    // The backup's relation is recorded before it joins: on its pledge it is detected and leaves; no reserve is left.
    await t.app.db.expertRelation.create({ data: { expertId: bm.expertId!, creditCode: b1.creditCode, companyName: b1.name, relation: "曾任职" } });
    await signInAt(w, backup.socket, backup.residentId);
    ok(await call(backup.socket, "evaluation:pledge", { sessionId }));
    expect((await t.app.db.evalMember.findUniqueOrThrow({ where: { id: bm.id } })).state).toBe("recused");
    const all = await t.app.db.evalConflict.findMany({ where: { sessionId }, orderBy: { at: "asc" } });
    expect(all.map((c) => [c.memberId, c.companyId])).toEqual([[seats[0]!.memberId, b0.id], [bm.id, b1.id]]);
    expect((await audits(sessionId, "evaluation.recuseDetected")).map((a) => a.payloadDigest)).toEqual([
      digestPayload({ seat: (await t.app.db.evalMember.findUniqueOrThrow({ where: { id: seats[0]!.memberId } })).seat, conflicts: [{ companyId: b0.id, reason: `detected: declared relation with ${b0.name} (${b0.creditCode})` }] }),
      digestPayload({ seat: bm.seat, conflicts: [{ companyId: b1.id, reason: `detected: declared relation with ${b1.name} (${b1.creditCode})` }] }),
    ]);
    const impossible = await t.app.db.auditEvent.findMany({ where: { target: `expert-draw:${w.drawId}`, action: "experts.replacementImpossible" } });
    expect(impossible.length).toBe(1);
    // The others stay; the step cannot be left without a backup for the seat.
    for (const s of seats.slice(1)) expect((await t.app.db.evalMember.findUniqueOrThrow({ where: { id: s.memberId } })).state).toBe("active");
    for (const s of seats.slice(1)) ok(await call(s.socket, "evaluation:declareConflicts", { sessionId, conflicts: [] }));
    const res = await call(w.agent, "evaluation:advance", { sessionId, from: "conflicts" });
    expect(res).toMatchObject({ ok: false, error: { code: "STEP_INCOMPLETE" } });
  });

  it("an expert on the owner's staff is detected, and the supervisors' table names the owner (招标人)", { timeout: 60_000 }, async () => {
    await t.close();
    t = await startTestApp();
    const w = await evaluationWorld(t, [3_000_000_00, 3_100_000_00], { poolOffset: 2 });
    const { sessionId, streams, seats } = await toPledged(w);
    const lot = await t.app.db.lot.findUniqueOrThrow({ where: { id: w.lotId }, include: { project: true } });
    const owner = lot.project.ownerName;
    // After the draw the expert's employer is recorded as the project owner.
    await t.app.db.expert.update({ where: { id: expertIdOf(w, seats[0]!) }, data: { employerName: owner } });
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "pledge" }));
    const found = await t.app.db.evalConflict.findMany({ where: { sessionId } });
    expect(found).toEqual([expect.objectContaining({ memberId: seats[0]!.memberId, companyId: `owner:${owner}`, reason: `detected: staff of the owner ${owner}` })]);
    const supervisor = await t.connect({ token: (await t.login("supervisor")).token });
    const view = new LiveStreamClient<EvalSupervisorState>(supervisor, streams.supervisor).start();
    await until(() => (view.state?.conflicts.length ?? 0) === 1, 5000, "the conflict on the supervisors' view");
    expect(view.state!.conflicts[0]).toMatchObject({ seat: expect.any(Number), companyName: `招标人 ${owner}`, reason: `detected: staff of the owner ${owner}` });
    view.stop();
  });
});
