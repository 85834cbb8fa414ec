// The expert's evaluated-price adjustment sheet: items from the server's draft, the
// checks the server makes (reason, non-zero, not more than the bid, evaluated price
// above 0) before sending, exact totals in fen, and the wire payloads (draft, sheet)
// that the contracts accept; every text key exists in both languages.
import { describe, expect, it } from "vitest";
import { DraftSheet, Sheet, type EvalExpertState } from "@contracts/evaluation";
import { adjustmentDraft, adjustmentItems, adjustmentSheet, adjustmentTotals, checkAdjustmentItems, itemFen, newItem, signedYuan } from "./adjustments";
import { adjustMessages } from "./adjustMessages";
import { formatYuan } from "../opening/money";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const C = "00000000-0000-4000-8000-00000000000c";
const bidders: EvalExpertState["bidders"] = [
  { companyId: A, companyName: "甲", priceFen: 100_000_000, qualified: true },
  { companyId: B, companyName: "乙", priceFen: 99_000_000, qualified: true },
  { companyId: C, companyName: "丙", priceFen: 100_500_000, qualified: false },
];
const item = (companyId: string, sign: 1 | -1, text: string, reason: string) => ({ ...newItem(companyId), sign, text, reason });

describe("evaluated-price adjustments at the terminal", () => {
  it("parses yuan to signed fen without floating point", () => {
    expect(itemFen(item(A, 1, "10000", ""))).toBe(1_000_000);
    expect(itemFen(item(A, -1, "0.1", ""))).toBe(-10);
    expect(itemFen(item(A, 1, "1,234.56", ""))).toBe(123_456);
    expect(itemFen(item(A, 1, "1.234", ""))).toBeNull();
    expect(itemFen(item(A, 1, "-5", ""))).toBeNull();
    expect(itemFen(item(A, 1, "abc", ""))).toBeNull();
    expect(itemFen(item(A, 1, "", ""))).toBeNull();
  });

  it("shows every problem the server would refuse, before sending", () => {
    const items = [item(B, 1, "10000", ""), item(B, 1, "0", "算术错误"), item(B, -1, "990000.01", "让利"), item(A, 1, "x", "缺项补齐")];
    const p = checkAdjustmentItems(items, bidders);
    expect(p.items.map((x) => [items.findIndex((i) => i.key === x.key), x.problem])).toEqual([
      [0, "reason"],
      [1, "zero"],
      [2, "overBid"],
      [3, "amount"],
    ]);
    expect(adjustmentSheet(items, bidders)).toBeNull();
    // Each item within the bid, but together the evaluated price would be 0.
    const sum = [item(B, -1, "500000", "算术错误修正"), item(B, -1, "490000", "让利")];
    expect(checkAdjustmentItems(sum, bidders)).toEqual({ items: [], bidders: [{ companyId: B, problem: "notPositive" }] });
    expect(adjustmentSheet(sum, bidders)).toBeNull();
  });

  it("totals exactly per qualified bidder, and builds the draft and the sheet the contracts accept", () => {
    const items = [item(B, 1, "10000", "缺项补齐"), item(B, -1, "0.01", "算术错误修正"), item(A, 1, "", "未完")];
    const tot = adjustmentTotals(items, bidders);
    expect([...tot.keys()]).toEqual([A, B]);
    expect(tot.get(B)).toEqual({ adjustmentFen: 999_999, evaluatedFen: 99_999_999, complete: true });
    expect(tot.get(A)).toEqual({ adjustmentFen: 0, evaluatedFen: 100_000_000, complete: false });
    const draft = DraftSheet.parse(adjustmentDraft(items));
    expect(draft).toEqual({ step: "adjustments", rows: [{ companyId: B, amountFen: 1_000_000, reason: "缺项补齐" }, { companyId: B, amountFen: -1, reason: "算术错误修正" }, { companyId: A, amountFen: null, reason: "未完" }] });
    // Restored from the draft (the disqualified bidder's rows are dropped).
    const back = adjustmentItems(bidders, { step: "adjustments", rows: [...(draft.step === "adjustments" ? draft.rows : []), { companyId: C, amountFen: 5, reason: "x" }] });
    expect(back.map((i) => [i.companyId, i.sign, i.text, i.reason])).toEqual([
      [B, 1, "10000.00", "缺项补齐"],
      [B, -1, "0.01", "算术错误修正"],
      [A, 1, "", "未完"],
    ]);
    const ok = [item(B, 1, "10000", " 缺项补齐 ")];
    expect(Sheet.parse(adjustmentSheet(ok, bidders))).toEqual({ step: "adjustments", rows: [{ companyId: B, amountFen: 1_000_000, reason: "缺项补齐" }] });
    // No item at all is a valid sheet (no adjustment).
    expect(adjustmentSheet([], bidders)).toEqual({ step: "adjustments", rows: [] });
    expect(signedYuan(1_000_000, formatYuan)).toBe("+10,000.00");
    expect(signedYuan(-500_000, formatYuan)).toBe("-5,000.00");
    expect(signedYuan(0, formatYuan)).toBe("0.00");
  });

  it("has every text in zh-CN and en", () => {
    const keys = (o: object, p = ""): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === "string" ? [`${p}${k}`] : keys(v as object, `${p}${k}.`)));
    expect(keys(adjustMessages.en)).toEqual(keys(adjustMessages["zh-CN"]));
    for (const v of Object.values(adjustMessages["zh-CN"].problem)) expect(v).toMatch(/[\u4e00-\u9fff]/);
  });
});
