// The expert draw's selection: uniform over the frozen list (chi-square),
// deterministic from seed + list, replayable; a changed seed or list is caught.
import { describe, expect, it } from "vitest";
import { newSeed, seedHash } from "../opening/draws";
import { DrawWalk, digestPacked, packIds, resumeWalk, selectInitial, unpackIds, verifyExpertDraw, type SelectedPick } from "./sampler";
import { giniFromHistogram } from "./fairness";
import { regionRange } from "./buckets";
import { maskName, maskResidentId } from "./identity";
import { storedCommittee } from "./model";
import { checkCommittee, drawWindowOpens } from "./rules";
import { chiSquareCritical } from "../../test/helpers/chi-square";

const ids = (xs: number[]) => Uint32Array.from(xs);

function recordOf(seed: string, lists: Uint32Array[], plans: { need: number; backups: number }[], picks: SelectedPick[]) {
  return {
    seedHash: seedHash(seed),
    seed,
    buckets: lists.map((l, i) => ({ ...plans[i]!, list: packIds(l), listDigest: digestPacked(packIds(l)) })),
    picks,
  };
}

describe("expert draw selection", () => {
  it("packs ids big-endian and back", () => {
    const l = ids([1, 2, 300, 65536, 4_000_000_000]);
    const p = packIds(l);
    expect(Buffer.from(p).subarray(0, 8).toString("hex")).toBe("0000000100000002");
    expect(Array.from(unpackIds(p))).toEqual(Array.from(l));
  });

  it("picks every eligible expert with equal probability (chi-square over 20,000 draws)", () => {
    const list = ids(Array.from({ length: 25 }, (_, i) => 1000 + i * 7));
    const counts = new Map<number, number>();
    const draws = 20_000;
    const per = 3;
    for (let d = 0; d < draws; d++) {
      const res = selectInitial(new DrawWalk(newSeed(), [list]), [{ need: per, backups: 0 }]);
      if (!("picks" in res)) throw new Error("short");
      expect(new Set(res.picks.map((p) => p.expertId)).size).toBe(per);
      for (const p of res.picks) counts.set(p.expertId, (counts.get(p.expertId) ?? 0) + 1);
    }
    const expected = (draws * per) / list.length;
    const chi2 = Array.from(list).reduce((s, id) => s + ((counts.get(id) ?? 0) - expected) ** 2 / expected, 0);
    const df = list.length - 1;
    expect(chi2).toBeLessThan(chiSquareCritical(df, 0.001));
    expect([...counts.keys()].every((id) => list.includes(id))).toBe(true);
  });

  it("is deterministic: the same seed and list give the same committee; replacements continue the same walk", () => {
    const seed = newSeed();
    const lists = [ids([3, 5, 8, 13, 21, 34, 55, 89]), ids([5, 8, 144, 233, 377])];
    const plans = [{ need: 3, backups: 1 }, { need: 2, backups: 0 }];
    const a = selectInitial(new DrawWalk(seed, lists), plans);
    const b = selectInitial(new DrawWalk(seed, lists), plans);
    expect(a).toEqual(b);
    if (!("picks" in a)) throw new Error("short");
    // An expert eligible in both buckets sits once.
    expect(new Set(a.picks.map((p) => p.expertId)).size).toBe(a.picks.length);
    // A replacement in bucket 1 after the initial selection, by resuming the walk from the record.
    const walk = resumeWalk(seed, lists, a.picks);
    const r = walk.next(1)!;
    const picks = [...a.picks, { seq: a.picks.length + 1, bucket: 1, ...r, kind: "replacement" as const }];
    expect(verifyExpertDraw(recordOf(seed, lists, plans, picks))).toEqual({ ok: true, picks: 7 });
  });

  it("replay fails for a changed seed, a changed list, a changed digest or an altered pick", () => {
    const seed = newSeed();
    const lists = [ids(Array.from({ length: 40 }, (_, i) => i + 1))];
    const plans = [{ need: 5, backups: 2 }];
    const res = selectInitial(new DrawWalk(seed, lists), plans);
    if (!("picks" in res)) throw new Error("short");
    const good = recordOf(seed, lists, plans, res.picks);
    expect(verifyExpertDraw(good).ok).toBe(true);

    const otherSeed = newSeed();
    expect(verifyExpertDraw({ ...good, seed: otherSeed })).toMatchObject({ ok: false, reason: expect.stringContaining("commitment") });
    // Even with a matching commitment, another seed selects other experts.
    const reseeded = verifyExpertDraw({ ...good, seed: otherSeed, seedHash: seedHash(otherSeed) });
    expect(reseeded).toMatchObject({ ok: false, reason: expect.stringContaining("replay selects") });

    const shorter = ids(Array.from({ length: 39 }, (_, i) => i + 2));
    expect(verifyExpertDraw({ ...good, buckets: [{ ...good.buckets[0]!, list: packIds(shorter) }] })).toMatchObject({ ok: false, reason: expect.stringContaining("digest") });
    const relisted = verifyExpertDraw({ ...good, buckets: [{ ...good.buckets[0]!, list: packIds(shorter), listDigest: digestPacked(packIds(shorter)) }] });
    expect(relisted.ok).toBe(false);

    const altered = good.picks.map((p, i) => (i === 2 ? { ...p, expertId: p.expertId === 1 ? 2 : 1 } : p));
    expect(verifyExpertDraw({ ...good, picks: altered }).ok).toBe(false);
    const relabelled = good.picks.map((p, i) => (i === 5 ? { ...p, kind: "member" as const } : p));
    expect(verifyExpertDraw({ ...good, picks: relabelled })).toMatchObject({ ok: false, reason: expect.stringContaining("backup") });
  });

  it("reports a bucket that runs dry", () => {
    const res = selectInitial(new DrawWalk(newSeed(), [ids([1, 2]), ids([1, 2])]), [{ need: 2, backups: 0 }, { need: 1, backups: 0 }]);
    expect(res).toEqual({ shortBucket: 1 });
  });
});

describe("helpers", () => {
  it("Gini: equal → 0, one takes all → (n−1)/n", () => {
    expect(giniFromHistogram(new Map([[2, 10]]))).toBeCloseTo(0);
    expect(giniFromHistogram(new Map([[0, 9], [10, 1]]))).toBeCloseTo(0.9);
    expect(giniFromHistogram(new Map([[1, 1], [2, 1], [3, 1]]))).toBeCloseTo(2 / 9);
    expect(giniFromHistogram(new Map())).toBe(0);
  });

  it("region prefixes, masks", () => {
    expect(regionRange("32")).toEqual([320000, 329999]);
    expect(regionRange("3205")).toEqual([320500, 320599]);
    expect(regionRange("320506")).toEqual([320506, 320506]);
    expect(regionRange("")).toEqual([0, 999999]);
    expect(maskResidentId("11010519491231002X")).toBe("1101**********002X");
    expect(maskName("陈静")).toBe("陈*");
    expect(maskName("王小明")).toBe("王*明");
  });

  it("committee rules: odd, at least 5, experts at least 2/3, procurement at least 7 from 10 million yuan", () => {
    const cfg = { min: 5, minConsultation: 3, minLargeProcurement: 7, largeProcurementFen: 1_000_000_000, odd: true, minShare: { num: 2, den: 3 } };
    const eng = { category: "engineering", procedure: "open", budgetFen: 5_000_000_000n };
    expect(checkCommittee(cfg, eng, 5, 0).size).toBe(5);
    expect(checkCommittee(cfg, eng, 5, 2).size).toBe(7);
    expect(() => checkCommittee(cfg, eng, 4, 0)).toThrow(/at least 5/);
    expect(() => checkCommittee(cfg, eng, 6, 0)).toThrow(/odd/);
    expect(() => checkCommittee(cfg, eng, 3, 2)).toThrow(/2\/3/);
    const gp = { category: "procurement", procedure: "open", budgetFen: 1_000_000_000n };
    expect(() => checkCommittee(cfg, gp, 5, 0)).toThrow(/at least 7/);
    expect(checkCommittee(cfg, { ...gp, budgetFen: 999_999_999n }, 5, 0).minimum).toBe(5);
    expect(checkCommittee(cfg, { ...gp, procedure: "competitive-consultation", budgetFen: null }, 3, 0).minimum).toBe(3);
    // The basis is a code (the pages word it in the reader's language), the threshold only where it applies.
    expect(checkCommittee(cfg, eng, 5, 0)).toMatchObject({ basis: "tender-law" });
    expect(checkCommittee(cfg, eng, 5, 0)).not.toHaveProperty("thresholdFen");
    expect(checkCommittee(cfg, { ...gp, procedure: "competitive-consultation", budgetFen: null }, 3, 0)).toMatchObject({ basis: "consultation" });
    expect(checkCommittee(cfg, gp, 7, 0)).toMatchObject({ basis: "large-procurement", minimum: 7, thresholdFen: 1_000_000_000 });
  });

  it("a committee kept before the basis existed (an English rule sentence) is read back with its basis", () => {
    const old = (rule: string) => JSON.stringify({ size: 7, experts: 7, ownerRepresentatives: 0, minimum: 7, rule });
    expect(storedCommittee(old("at least 5 members (招标投标法 art. 37)"))).toEqual({ size: 7, experts: 7, ownerRepresentatives: 0, minimum: 7, basis: "tender-law" });
    expect(storedCommittee(old("at least 3 members for a negotiation or consultation group")).basis).toBe("consultation");
    expect(storedCommittee(old("at least 7 members: government procurement with a budget of 1000 万元 or more (财政部令第87号 art. 47)"))).toMatchObject({ basis: "large-procurement", thresholdFen: 1_000_000_000 });
    const now = { size: 5, experts: 5, ownerRepresentatives: 0, minimum: 5, basis: "tender-law" };
    expect(storedCommittee(JSON.stringify(now))).toEqual(now);
  });

  it("procurement draw window: two working days before, weekends skipped (Asia/Shanghai)", () => {
    // Wednesday 2026-11-25 09:00 Shanghai → Monday 23rd 00:00 Shanghai.
    expect(drawWindowOpens(new Date("2026-11-25T01:00:00Z"), 2).toISOString()).toBe("2026-11-22T16:00:00.000Z");
    // Monday 2026-11-30 → Thursday 26th.
    expect(drawWindowOpens(new Date("2026-11-30T01:00:00Z"), 2).toISOString()).toBe("2026-11-25T16:00:00.000Z");
  });
});
