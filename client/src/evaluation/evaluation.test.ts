// Pure logic of the evaluation pages: exact decimal text arithmetic, the expert's
// sheets (cells from drafts, checks, totals, wire payloads), idempotency keys,
// the offline queue, the draft sender, the WebCrypto signing helpers and the
// agent's scoring template form.
import { createVerify } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { DraftSheet, IdempotencyKey, ScoringTemplate, Sheet, type EvalExpertState } from "@contracts/evaluation";
import type { Ack } from "@contracts/common";
import { checkScore, compareDecimals, deviationPercent, formatDecimal, parseDecimal, scoreToText, sumDecimals } from "./decimal";
import {
  checkQualification,
  checkScoring,
  maxTotal,
  missingOutlierReasons,
  qualificationCells,
  qualificationDraft,
  qualificationSheet,
  scoringCells,
  keepTyped,
  scoringDraft,
  scoringSheet,
  scoringTotals,
} from "./sheets";
import { DraftSender, IdempotencyKeys, OfflineQueue, memoryStorage, newIdempotencyKey, sendOrQueue } from "./queue";
import { base64ToBytes, bytesToBase64, generateSigningKey, publicKeyPem, signPrepared, spkiSha256 } from "./signing";
import { checkTemplate, emptyTemplateForm, nextKey, switchMethod } from "./templateForm";

describe("decimal text", () => {
  it("parses and formats exactly, rounding half up", () => {
    expect(parseDecimal("12.5")).toBe(12_500_000n);
    expect(parseDecimal("0.000001")).toBe(1n);
    expect(parseDecimal("1e3")).toBeNull();
    expect(parseDecimal("-1")).toBeNull();
    expect(parseDecimal("1.2345678")).toBeNull();
    expect(formatDecimal(12_345_000n, 2)).toBe("12.35");
    expect(formatDecimal(12_344_999n, 2)).toBe("12.34");
    expect(formatDecimal(5_000_000n, 0)).toBe("5");
    expect(formatDecimal(-2_500_000n, 0)).toBe("-3");
    expect(formatDecimal(0n, 2)).toBe("0.00");
  });
  it("sums where floating point would not: 0.1 + 0.2 = 0.30", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.30");
    expect(sumDecimals(["82", "85", "86", "88", "90", "91", "97"], 2)).toBe("619.00");
    expect(sumDecimals(["1", "x"])).toBeNull();
    expect(compareDecimals("20", "19.99")).toBe(1);
    expect(compareDecimals("20.00", "20")).toBe(0);
  });
  it("checks a typed score against its criterion's maximum", () => {
    expect(checkScore(" 19.5 ", "20")).toEqual({ ok: true, text: "19.5", value: 19.5 });
    expect(checkScore("20", "20")).toEqual({ ok: true, text: "20", value: 20 });
    expect(checkScore("20.01", "20")).toEqual({ ok: false, problem: "over" });
    expect(checkScore("1.234", "20")).toEqual({ ok: false, problem: "decimals" });
    expect(checkScore("abc", "20")).toEqual({ ok: false, problem: "format" });
    expect(checkScore("-1", "20")).toEqual({ ok: false, problem: "format" });
    expect(checkScore("", "20")).toEqual({ ok: false, problem: "empty" });
    expect(checkScore("12.", "20")).toEqual({ ok: false, problem: "format" });
  });
  it("turns wire scores back into text", () => {
    expect(scoreToText(12.5)).toBe("12.5");
    expect(scoreToText(7)).toBe("7");
    expect(scoreToText(0)).toBe("0");
    expect(scoreToText(0.1 + 0.2)).toBe("0.3");
    expect(scoreToText(null)).toBe("");
  });
  it("gives the deviation from the others' mean exactly", () => {
    // others 80, 80, 80 → mean 80; 104 is 30.00 % above
    expect(deviationPercent("104", ["80", "80", "80"])).toBe("30.00");
    expect(deviationPercent("50", ["80", "70"])).toBe("33.33");
    expect(deviationPercent("50", [])).toBeNull();
  });
});

const template: EvalExpertState["template"] = {
  method: "comprehensive",
  qualification: [
    { key: "license", label: "营业执照" },
    { key: "credit", label: "信用记录" },
  ],
  criteria: [
    { key: "tech", label: "技术方案", group: "technical", max: "40" },
    { key: "biz", label: "商务", group: "business", max: "29.5" },
  ],
  price: { kind: "lowest-price-base", weight: "0.30" },
  rounding: { places: 2, mode: "half-up" },
  aggregation: { trim: true, minForTrim: 5 },
  outlierLimit: "0.30",
  hideScoresUntilAllSubmitted: true,
  candidates: 3,
  tieRule: "lower-price",
  priceFloorZero: false,
};
const bidders: EvalExpertState["bidders"] = [
  { companyId: "c1", companyName: "甲公司", priceFen: 80_000_000, qualified: true },
  { companyId: "c2", companyName: "乙公司", priceFen: 85_000_000, qualified: false },
  { companyId: "c3", companyName: "丙公司", priceFen: 92_000_000, qualified: null },
];

describe("qualification sheet", () => {
  it("makes a cell per bidder × criterion, restores the draft, and needs a reason on fail", () => {
    const draft = DraftSheet.parse({ step: "qualification", rows: [{ companyId: "c1", criterion: "license", pass: false, reason: "过期" }] });
    const cells = qualificationCells(template, bidders, draft);
    expect(cells).toHaveLength(6);
    expect(cells[0]).toEqual({ companyId: "c1", criterion: "license", pass: false, reason: "过期" });
    expect(checkQualification(cells).filter((p) => p.problem === "missing")).toHaveLength(5);
    expect(qualificationSheet(cells)).toBeNull();
    for (const c of cells) if (c.pass === null) c.pass = true;
    cells[0]!.reason = "  ";
    expect(checkQualification(cells)).toEqual([{ companyId: "c1", criterion: "license", problem: "reason" }]);
    cells[0]!.reason = "营业执照已过期";
    const sheet = qualificationSheet(cells)!;
    expect(Sheet.safeParse(sheet).success).toBe(true);
    expect(DraftSheet.safeParse(qualificationDraft(cells)).success).toBe(true);
  });
});

describe("scoring sheet", () => {
  it("a rebuild of the cells keeps what the expert typed over the server's older draft, and drops cells gone", () => {
    const draft = DraftSheet.parse({ step: "scoring", rows: [{ companyId: "c1", criterion: "tech", score: 35.5 }], outlierReasons: {} });
    const typed = scoringCells(template, bidders, draft);
    typed[0]!.text = "30";
    typed[1]!.text = "20.5";
    const rebuilt = keepTyped(scoringCells(template, bidders, draft), typed);
    expect(rebuilt.map((c) => c.text)).toEqual(["30", "20.5", "", ""]);
    expect(keepTyped(scoringCells(template, bidders, draft), []).map((c) => c.text)).toEqual(["35.5", "", "", ""]);
    expect(keepTyped([], typed)).toEqual([]);
  });

  it("scores only bidders not disqualified, totals exactly, and refuses out-of-range scores", () => {
    const draft = DraftSheet.parse({ step: "scoring", rows: [{ companyId: "c1", criterion: "tech", score: 35.5 }], outlierReasons: { c1: "理由" } });
    const cells = scoringCells(template, bidders, draft);
    expect(cells.map((c) => c.companyId)).toEqual(["c1", "c1", "c3", "c3"]);
    expect(cells[0]!.text).toBe("35.5");
    cells[1]!.text = "29.45";
    cells[2]!.text = "0.1";
    cells[3]!.text = "0.2";
    const totals = scoringTotals(cells, template);
    expect(totals.get("c1")).toEqual({ total: "64.95", complete: true });
    expect(totals.get("c3")).toEqual({ total: "0.30", complete: true });
    expect(maxTotal(template)).toBe("69.50");
    cells[1]!.text = "29.6";
    expect(checkScoring(cells, template)).toEqual([{ companyId: "c1", criterion: "biz", problem: "over" }]);
    expect(scoringSheet(cells, template)).toBeNull();
    expect(scoringTotals(cells, template).get("c1")).toEqual({ total: "35.50", complete: false });
    const d = scoringDraft(cells, template, { c1: "明显偏高的理由" });
    expect(DraftSheet.safeParse(d).success).toBe(true);
    expect(d.step === "scoring" && d.rows[1]!.score).toBeNull();
    cells[1]!.text = "29.5";
    const sheet = scoringSheet(cells, template)!;
    expect(Sheet.parse(sheet)).toEqual(sheet);
  });
  it("asks for an outlier reason of at least 5 characters per flagged company", () => {
    expect(missingOutlierReasons([{ companyId: "c1" }, { companyId: "c3" }], { c1: "偏高，因为", c3: "短" })).toEqual(["c3"]);
  });
});

describe("idempotency keys", () => {
  it("are valid wire keys, one per scope, the same on every retry and after a reload", () => {
    const k = newIdempotencyKey();
    expect(IdempotencyKey.safeParse(k).success).toBe(true);
    expect(newIdempotencyKey()).not.toBe(k);
    const storage = memoryStorage();
    const scope = IdempotencyKeys.scope("s1", "m1", "scoring", 0);
    const a = new IdempotencyKeys(storage).get(scope);
    expect(new IdempotencyKeys(storage).get(scope)).toBe(a);
    expect(new IdempotencyKeys(storage).get(IdempotencyKeys.scope("s1", "m1", "scoring", 1))).not.toBe(a);
  });
});

const ok = <T>(data: T): Ack<T> => ({ ok: true, data });
const netErr: Ack<unknown> = { ok: false, error: { code: "NETWORK_ERROR", message: "down" } };

describe("offline queue", () => {
  it("keeps actions across a reload, sends them in order, stops at a network failure", async () => {
    const storage = memoryStorage();
    const q = new OfflineQueue(storage, "q");
    q.enqueue("evaluation:pledge", { sessionId: "s" });
    q.enqueue("evaluation:submit", { sessionId: "s", idempotencyKey: "abcdefgh12" });
    const again = new OfflineQueue(storage, "q");
    expect(again.pending.map((a) => a.event)).toEqual(["evaluation:pledge", "evaluation:submit"]);
    const sent: string[] = [];
    let up = false;
    const send = async (e: string) => {
      sent.push(e);
      if (e === "evaluation:submit" && !up) return netErr;
      return ok({});
    };
    const first = await again.flush(send);
    expect(first.map((o) => o.action.event)).toEqual(["evaluation:pledge"]);
    expect(again.pending.map((a) => a.event)).toEqual(["evaluation:submit"]);
    up = true;
    const second = await again.flush(send);
    expect(second.map((o) => o.ack.ok)).toEqual([true]);
    expect(sent).toEqual(["evaluation:pledge", "evaluation:submit", "evaluation:submit"]);
    expect(new OfflineQueue(storage, "q").pending).toHaveLength(0);
  });
  it("flushes again after an empty flush (nothing left over from the last one)", async () => {
    const q = new OfflineQueue(memoryStorage(), "q");
    expect(await q.flush(async () => ok({}))).toEqual([]);
    q.enqueue("evaluation:submit", { k: 1 });
    const sent: string[] = [];
    const out = await q.flush(async (e) => (sent.push(e), ok({})));
    expect(sent).toEqual(["evaluation:submit"]);
    expect(out).toHaveLength(1);
    expect(q.pending).toHaveLength(0);
  });
  it("drops an action the server refused with a typed error and reports it", async () => {
    const q = new OfflineQueue(memoryStorage(), "q");
    q.enqueue("evaluation:voteChair", { round: 1 });
    const out = await q.flush(async () => ({ ok: false, error: { code: "STEP_OUT_OF_ORDER", message: "no" } }));
    expect(out[0]!.ack).toEqual({ ok: false, error: { code: "STEP_OUT_OF_ORDER", message: "no" } });
    expect(q.pending).toHaveLength(0);
  });
  it("sendOrQueue queues while offline and behind waiting actions, and on a network failure", async () => {
    const q = new OfflineQueue(memoryStorage(), "q");
    const send = vi.fn(async () => netErr);
    expect(await sendOrQueue(q, true, send, "evaluation:pledge", {})).toEqual({ queued: true });
    expect(q.pending).toHaveLength(1);
    expect(await sendOrQueue(q, false, send, "evaluation:dissent", {})).toEqual({ queued: true });
    expect(q.pending.map((a) => a.event)).toEqual(["evaluation:pledge", "evaluation:dissent"]);
    const q2 = new OfflineQueue(memoryStorage(), "q2");
    const r = await sendOrQueue(q2, true, async () => ok({ fine: 1 }), "evaluation:pledge", {});
    expect(r).toEqual({ queued: false, ack: ok({ fine: 1 }) });
  });
});

describe("draft sender", () => {
  it("debounces keystrokes, only goes up in clientSeq, holds the latest draft while offline", async () => {
    vi.useFakeTimers();
    try {
      const storage = memoryStorage();
      const sent: [number, unknown][] = [];
      let up = true;
      const d = new DraftSender({
        storage,
        storageKey: "seq",
        debounceMs: 200,
        connected: () => up,
        send: async (seq, sheet) => {
          if (!up) return netErr;
          sent.push([seq, sheet]);
          return ok({});
        },
      });
      d.seen(7);
      d.change("a");
      d.change("ab");
      await vi.advanceTimersByTimeAsync(250);
      expect(sent).toEqual([[8, "ab"]]);
      up = false;
      d.change("abc");
      await vi.advanceTimersByTimeAsync(250);
      expect(d.unsent).toBe(true);
      up = true;
      d.online();
      await vi.advanceTimersByTimeAsync(0);
      expect(sent).toEqual([
        [8, "ab"],
        [9, "abc"],
      ]);
      // A send that times out while the link looks up is tried again by itself.
      let fail = 1;
      const d3 = new DraftSender({
        storage: memoryStorage(),
        storageKey: "s3",
        debounceMs: 100,
        connected: () => true,
        send: async (seq, sheet) => {
          if (fail-- > 0) return netErr;
          sent.push([seq, sheet]);
          return ok({});
        },
      });
      d3.change("retry me");
      await vi.advanceTimersByTimeAsync(150);
      expect(sent.at(-1)).toEqual([9, "abc"]);
      await vi.advanceTimersByTimeAsync(3_100);
      expect(sent.at(-1)).toEqual([2, "retry me"]);
      // A reload continues above what was used.
      const d2 = new DraftSender({ storage, storageKey: "seq", connected: () => true, send: async (seq) => (sent.push([seq, null]), ok({})) });
      d2.seen(3);
      expect(d2.clientSeq).toBe(9);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("signing key", () => {
  it("is RSA with a non-extractable private half; PEM and signature verify with openssl's verifier", async () => {
    const pair = await generateSigningKey();
    expect(pair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("pkcs8", pair.privateKey)).rejects.toThrow();
    const pem = await publicKeyPem(pair.publicKey);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END PUBLIC KEY-----\n$/);
    const data = new TextEncoder().encode("CMS signed attributes 评标报告");
    const sigB64 = await signPrepared(pair.privateKey, bytesToBase64(data));
    const v = createVerify("sha256");
    v.update(data);
    expect(v.verify(pem, Buffer.from(sigB64, "base64"))).toBe(true);
    const other = createVerify("sha256");
    other.update(new TextEncoder().encode("something else"));
    expect(other.verify(pem, Buffer.from(sigB64, "base64"))).toBe(false);
    expect(await spkiSha256(pair.publicKey)).toMatch(/^[0-9a-f]{64}$/);
    expect([...base64ToBytes(bytesToBase64(new Uint8Array([0, 255, 7])))]).toEqual([0, 255, 7]);
  });
});


describe("scoring template form", () => {
  it("gives valid templates for both methods and every price formula", () => {
    for (const priceKind of ["lowest-price-base", "trimmed-average-deviation", "average-times-one-minus-k"] as const) {
      const r = checkTemplate({ ...emptyTemplateForm("comprehensive"), priceKind });
      expect(r.ok).toBe(true);
      if (r.ok) expect(ScoringTemplate.parse(r.template).price.kind).toBe(priceKind);
    }
    const low = checkTemplate(switchMethod(emptyTemplateForm("comprehensive"), "lowest-evaluated-price"));
    expect(low.ok && ScoringTemplate.parse(low.template).criteria).toEqual([]);
  });
  it("reports what the contract refuses: duplicate keys, a bad maximum, no price rule for the comprehensive method", () => {
    const f = emptyTemplateForm("comprehensive");
    f.criteria[1]!.key = f.criteria[0]!.key;
    f.criteria[2]!.max = "ten";
    f.priceKind = "none";
    const r = checkTemplate(f);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const paths = r.problems.map((p) => p.path);
      expect(paths).toContain("criteria.2.max");
      expect(paths).toContain("criteria");
      expect(paths).toContain("price");
    }
    expect(nextKey([{ key: "c1" }, { key: "c3" }])).toBe("c2");
  });
});

describe("the steps of each method (the contract's one order, used by the server and every page)", () => {
  it("the comprehensive method goes price → aggregate, the lowest evaluated price qualification → adjustments → aggregate", async () => {
    const { nextStepOf, stepsFor } = await import("@contracts/evaluation");
    expect(nextStepOf("comprehensive", "price")).toBe("aggregate");
    expect(nextStepOf("comprehensive", "qualification")).toBe("scoring");
    expect(nextStepOf("lowest-evaluated-price", "qualification")).toBe("adjustments");
    expect(nextStepOf("lowest-evaluated-price", "adjustments")).toBe("aggregate");
    expect(nextStepOf("comprehensive", "adjustments")).toBeNull();
    expect(nextStepOf("comprehensive", "closed")).toBeNull();
    expect(stepsFor("comprehensive")).not.toContain("adjustments");
    expect(stepsFor("lowest-evaluated-price")).not.toContain("price");
  });
});
