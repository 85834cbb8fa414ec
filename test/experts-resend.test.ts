// Invitations committed but not yet handed to the gateway when a process starts
// (server/experts/resend.ts). Alone, the starting process sends them again at
// once. With several processes (REDIS_URL), one of them may be handing them over
// right now: the starting process leaves them to it for the handover time and
// then sends only those still unsent — never twice while the first send is alive,
// once when it is not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExpertMessage, ExpertNotifier } from "../server/experts/notifier";
import { resendUnsentInvitations, startInvitationSweep } from "../server/experts/resend";
import type { AppContext } from "../server/context";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { createLot } from "./helpers/opening";
import { makeExperts, seedPool } from "./helpers/experts";

/** A gateway that holds every message until told to let it through (an SMS gateway that stalls). */
class HoldingNotifier implements ExpertNotifier {
  readonly name = "holding";
  readonly delivered: ExpertMessage[] = [];
  hold = true;
  private readonly waiting: (() => void)[] = [];
  async send(msg: ExpertMessage): Promise<void> {
    if (this.hold) await new Promise<void>((r) => this.waiting.push(r));
    this.delivered.push(msg);
  }
  release(): void {
    this.hold = false;
    for (const r of this.waiting.splice(0)) r();
  }
  get held(): number {
    return this.waiting.length;
  }
}

let t: TestApp;
let agent: TestSocket;
let agentToken = "";
let roomId = "";
let notifier: HoldingNotifier;

beforeAll(async () => {
  t = await startTestApp();
  const a = await t.login("agent");
  agentToken = a.token;
  agent = await t.connect({ token: a.token });
  await seedPool(t, makeExperts(60, ["A010101"], { seed: 77, cities: [5] }));
  roomId = (await t.app.db.room.findUniqueOrThrow({ where: { code: "P01" } })).id;
}, 60_000);
afterAll(async () => {
  notifier?.release();
  await t.close();
});

/** A draw whose five invitations are committed and stuck at the gateway (notifiedAt still empty). */
async function stuckDraw(): Promise<string[]> {
  notifier = new HoldingNotifier();
  t.app.ctx.experts.notifier = notifier;
  const project = await createLot(t, agentToken); // one draw per lot
  const c = await call(agent, "experts:requestDraw", {
    projectId: project.id,
    lotId: project.lots[0]!.id,
    evaluationAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    sites: [{ roomId, role: "main", needs: [{ specialtyCode: "A010101", count: 5, backups: 0 }] }],
  });
  if (!c.ok) throw new Error(JSON.stringify(c.error));
  const d = await call(agent, "experts:draw", { drawId: c.data.drawId });
  if (!d.ok) throw new Error(JSON.stringify(d.error));
  await until(() => notifier.held === 5, 5000, "five invitations at the gateway");
  const picks = await t.app.db.expertPick.findMany({ where: { drawId: c.data.drawId, state: "notified" } });
  expect(picks.every((p) => p.notifiedAt === null)).toBe(true);
  return picks.map((p) => p.id);
}

/** The app as a process of a cluster sees it (REDIS_URL set), with a short handover time. */
const asClusterMember = (handoverMs: number): AppContext => ({
  ...t.app.ctx,
  redis: {} as NonNullable<AppContext["redis"]>,
  config: { ...t.app.ctx.config, experts: { ...t.app.ctx.config.experts, inviteHandoverMs: handoverMs } },
});

const sentTo = (pickIds: string[]) => notifier.delivered.filter((m) => m.kind === "invitation" && pickIds.includes(m.pickId));

describe("invitations left unsent when a process starts", () => {
  it("in a cluster, a handover still in progress is left to its process: when it completes, nothing is sent twice", async () => {
    const picks = await stuckDraw();
    const before = await t.app.db.expertPick.findMany({ where: { id: { in: picks } }, select: { id: true, tokenHash: true } });
    expect(await resendUnsentInvitations(asClusterMember(800))).toBe(5);
    expect(picks.every((id) => t.app.ctx.timers.has(`invite-handover:${id}`))).toBe(true);
    // The first process's gateway gets through within the handover time.
    notifier.release();
    await until(async () => (await t.app.db.expertPick.count({ where: { id: { in: picks }, notifiedAt: { not: null } } })) === 5, 5000, "sent by the first process");
    await new Promise((r) => setTimeout(r, 1200)); // past the handover time: the timers have fired
    await t.app.ctx.experts.settled();
    expect(sentTo(picks)).toHaveLength(5);
    expect(new Set(sentTo(picks).map((m) => m.pickId)).size).toBe(5);
    // The links sent are the ones stored: nothing was re-keyed behind the first process's back.
    const after = await t.app.db.expertPick.findMany({ where: { id: { in: picks } }, select: { id: true, tokenHash: true } });
    expect(after).toEqual(expect.arrayContaining(before));
  });

  it("in a cluster, a handover whose process died is sent once the handover time is over, with a fresh link", async () => {
    const picks = await stuckDraw();
    const links = async () => (await t.app.db.expertPick.findMany({ where: { id: { in: picks } }, orderBy: { id: "asc" } })).map((p) => p.tokenHash);
    const before = await links();
    // The first process is gone: its held sends will never complete (its gateway call died with it).
    t.app.ctx.experts.notifier = { name: "recording", send: async (m) => void notifier.delivered.push(m) } satisfies ExpertNotifier;
    const t0 = Date.now();
    expect(await resendUnsentInvitations(asClusterMember(800))).toBe(5);
    expect(sentTo(picks)).toHaveLength(0); // not at once
    await until(() => sentTo(picks).length === 5, 5000, "sent after the handover time");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(new Set(sentTo(picks).map((m) => m.pickId)).size).toBe(5);
    await until(async () => (await t.app.db.expertPick.count({ where: { id: { in: picks }, notifiedAt: { not: null } } })) === 5, 5000, "recorded as sent");
    // Fresh links: the first ones (never delivered) no longer open the invitation.
    const after = await links();
    expect(after.every((h, i) => h !== null && h !== before[i])).toBe(true);
    notifier.release(); // let the dead process's stuck calls end (they only record into the test's list)
  });

  it("in a cluster, the processes still running sweep for a dead process's invitations; racing, they send each once", async () => {
    const picks = await stuckDraw();
    t.app.ctx.experts.notifier = { name: "recording", send: async (m) => void notifier.delivered.push(m) } satisfies ExpertNotifier;
    // Two running processes (two sweeps on the same database), neither started after the handover began.
    const stops = [startInvitationSweep(asClusterMember(300), 100), startInvitationSweep(asClusterMember(300), 100)];
    try {
      await until(() => sentTo(picks).length >= 5, 5000, "sent by a sweep");
      await new Promise((r) => setTimeout(r, 600)); // more sweeps come and go (the dead process's sends stay stuck)
      expect(sentTo(picks)).toHaveLength(5);
      expect(new Set(sentTo(picks).map((m) => m.pickId)).size).toBe(5);
    } finally {
      await Promise.all(stops.map((stop) => stop()));
      notifier.release();
    }
  });

  it("alone (no Redis), nobody else can be sending: everything unsent goes at once", async () => {
    const picks = await stuckDraw();
    t.app.ctx.experts.notifier = { name: "recording", send: async (m) => void notifier.delivered.push(m) } satisfies ExpertNotifier;
    expect(await resendUnsentInvitations({ ...t.app.ctx, redis: null })).toBe(5);
    await until(() => sentTo(picks).length === 5, 2000, "sent at once");
    expect(picks.some((id) => t.app.ctx.timers.has(`invite-handover:${id}`))).toBe(false);
    notifier.release();
  });
});
