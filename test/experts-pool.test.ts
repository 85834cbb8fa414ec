// The pool, administrators only: add, edit, leave, relations, browse masked,
// ID numbers encrypted at rest; every change reaches the draw's bucket cache
// (the pool generation moves in the same transaction).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExpertDetail, ExpertSummary } from "@contracts/experts";
import { startTestApp, type TestApp } from "./helpers/app";
import { makeExperts, seedPool } from "./helpers/experts";
import type { FreezeRequest } from "../server/experts/buckets";
import { refreshBusy } from "../server/experts/busy";

let t: TestApp;
let admin: string;
const freeze = (code: string): FreezeRequest => ({
  buckets: [{ specialtyCode: code, regionPrefix: "" }],
  evaluationAt: new Date(Date.now() + 86_400_000),
  bidderCodes: [],
  ownerCodes: [],
  ownerName: null,
  manual: [],
  sameCounty: null,
  now: new Date(),
});
const frozen = (req: FreezeRequest) => t.app.ctx.experts.freeze(t.app.db, req);
const eligible = async (code: string) => (await frozen(freeze(code))).buckets[0]!.eligible.length;

beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.login("admin")).token;
  await seedPool(t, makeExperts(12, ["A0303"], { seed: 5 }));
}, 60_000);
afterAll(() => t.close());

describe("the expert pool", () => {
  it("adds an expert: ID number and mobile encrypted at rest, shown masked, found by the whole ID number", async () => {
    const [e] = makeExperts(1, ["A0303"], { seed: 6, cities: [6] });
    const before = await eligible("A0303");
    const res = await t.api<ExpertDetail>("POST", "/api/experts", {
      token: admin,
      body: { name: e!.name, residentId: e!.residentId.toLowerCase(), mobile: e!.mobile, specialties: ["A0303", "A0305"], regionCode: e!.regionCode, employerName: e!.employerName, employerCreditCode: e!.employerCreditCode.toLowerCase(), title: "高级工程师" },
    });
    if (!res.body.ok) throw new Error(JSON.stringify(res.body));
    const d = res.body.data;
    expect(d).toMatchObject({ name: e!.name, specialties: ["A0303", "A0305"], status: "active", idMasked: `${e!.residentId.slice(0, 4)}**********${e!.residentId.slice(-4)}` });
    expect(JSON.stringify(d)).not.toContain(e!.mobile);
    const row = await t.app.db.expert.findUniqueOrThrow({ where: { id: d.id } });
    expect(row.idCipher).not.toContain(e!.residentId.slice(6, 14));
    expect(t.app.ctx.box.open(row.idCipher)).toBe(e!.residentId);
    expect(row.idHash).toBe(t.app.ctx.experts.ids.hash(e!.residentId));
    expect(await eligible("A0303")).toBe(before + 1);
    const found = await t.api<{ total: number; experts: ExpertSummary[] }>("GET", `/api/experts?q=${e!.residentId}`, { token: admin });
    expect(found.body).toMatchObject({ ok: true, data: { total: 1, experts: [{ id: d.id }] } });
    const byName = await t.api<{ total: number }>("GET", `/api/experts?q=${encodeURIComponent(e!.name)}&region=3206`, { token: admin });
    expect(byName.body.ok && byName.body.data.total).toBeGreaterThanOrEqual(1);
  });

  it("edits, leave and relations; each reaches the next draw's eligible list at once", async () => {
    const list = await t.api<{ experts: ExpertSummary[] }>("GET", "/api/experts?specialty=A0303&pageSize=1", { token: admin });
    if (!list.body.ok) throw new Error("list");
    const id = list.body.data.experts[0]!.id;
    const n = await eligible("A0303");
    const sus = await t.api<ExpertDetail>("PUT", `/api/experts/${id}`, { token: admin, body: { status: "suspended", statusReason: "年度考核不合格" } });
    expect(sus.body).toMatchObject({ ok: true, data: { status: "suspended", statusReason: "年度考核不合格" } });
    expect(await eligible("A0303")).toBe(n - 1);
    expect((await t.api("PUT", `/api/experts/${id}`, { token: admin, body: { status: "active", specialties: ["A0305"] } })).body.ok).toBe(true);
    expect(await eligible("A0303")).toBe(n - 1);
    expect(await eligible("A0305")).toBe(2);
    expect((await t.api("PUT", `/api/experts/${id}`, { token: admin, body: { specialties: ["A0303"] } })).body.ok).toBe(true);
    expect(await eligible("A0303")).toBe(n);

    const leave = await t.api<ExpertDetail>("POST", `/api/experts/${id}/leaves`, {
      token: admin,
      body: { startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(), reason: "病假" },
    });
    if (!leave.body.ok) throw new Error(JSON.stringify(leave.body));
    expect(await eligible("A0303")).toBe(n - 1);
    const removed = await t.api<ExpertDetail>("DELETE", `/api/experts/${id}/leaves/${leave.body.data.leaves[0]!.id}`, { token: admin });
    expect(removed.body).toMatchObject({ ok: true, data: { leaves: [] } });
    expect(await eligible("A0303")).toBe(n);
    const badLeave = await t.api("POST", `/api/experts/${id}/leaves`, { token: admin, body: { startsAt: new Date().toISOString(), endsAt: new Date(Date.now() - 1000).toISOString(), reason: "倒序" } });
    expect(badLeave.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "endsAt" }] } });

    const company = await t.app.db.company.findFirstOrThrow();
    const rel = await t.api<ExpertDetail>("POST", `/api/experts/${id}/relations`, { token: admin, body: { creditCode: company.creditCode, companyName: company.name, relation: "曾在该公司任职（三年内）" } });
    expect(rel.body).toMatchObject({ ok: true, data: { relations: [{ creditCode: company.creditCode }] } });
    const f = await frozen({ ...freeze("A0303"), bidderCodes: [company.creditCode] });
    expect(f.buckets[0]!.excluded).toEqual({ "declared-relation": 1 });
    expect(f.exclusions).toEqual([expect.objectContaining({ reason: "declared-relation", detail: company.creditCode })]);
    expect((await t.api("GET", `/api/experts/${id}`, { token: (await t.login("supervisor")).token })).status).toBe(403);
    expect((await t.api("GET", "/api/experts/999999", { token: admin })).body).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });

  it("keeps the drawn-too-often tally as picks are written: K counted picks in D days, until the K-th latest + D days", async () => {
    const e = await t.app.db.expert.findFirstOrThrow({ where: { status: "active" }, orderBy: { id: "desc" } });
    const day = 86_400_000;
    const times = [2, 5, 9].map((d) => new Date(Date.now() - d * day));
    for (const [i, at] of times.entries()) {
      await t.app.db.expertPick.create({ data: { id: `busy-${i}`, drawId: `busy-draw-${i}`, bucketIndex: 0, seq: 1, position: 0, expertId: e.id, kind: "member", state: i === 2 ? "reserve" : "accepted", pickedAt: at } });
    }
    const refresh = () => t.app.db.$transaction((tx) => refreshBusy(tx, [e.id], 3, 30));
    await refresh();
    expect(await t.app.db.expertBusy.findUnique({ where: { expertId: e.id } })).toBeNull(); // a backup never called does not count
    await t.app.db.expertPick.update({ where: { id: "busy-2" }, data: { state: "notified" } });
    await refresh();
    const busy = await t.app.db.expertBusy.findUniqueOrThrow({ where: { expertId: e.id } });
    expect(busy.until.getTime()).toBe(times[2]!.getTime() + 30 * day);
    const f = await frozen({ ...freeze("A0303"), now: new Date() });
    expect(f.exclusions.find((x) => x.reason === "drawn-too-often")?.ids).toContain(e.id);
    // 22 days on, the oldest pick has left the 30-day window.
    expect((await frozen({ ...freeze("A0303"), now: new Date(Date.now() + 22 * day) })).exclusions.find((x) => x.reason === "drawn-too-often")).toBeUndefined();
    await t.app.db.expertPick.update({ where: { id: "busy-0" }, data: { state: "cancelled" } });
    await refresh();
    expect(await t.app.db.expertBusy.findUnique({ where: { expertId: e.id } })).toBeNull();
  });
});
