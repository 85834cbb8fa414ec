// Pure logic of the opening pages: yuan parsing and formatting, Shanghai
// times, the project form → CreateProjectInput, the bid form → bid.json and
// its ZIP, and which commands the agent console enables.
import { describe, expect, it } from "vitest";
import { strFromU8, unzipSync, zipSync, strToU8 } from "fflate";
import { BidJson, CreateProjectInput, type OpeningAgentState, type OpeningPublicState } from "@contracts/opening";
import { creditCodeCheckChar } from "@contracts/ids";
import { formatYuan, parseOptionalYuan, parseYuan } from "./money";
import { formatCountdown, isoToShanghaiInput, shanghaiToIso } from "./time";
import { detailsByPath, emptyLot, emptyProject, messagesUnder, percentToBasisPoints, toCreateProjectInput, type ProjectForm } from "./projectForm";
import { buildBidZip, checkReadyZip, emptyBidForm, entryName, extraFields, toBidJson } from "./bidForm";
import { bidderActions, commandButtons } from "./commands";

const credit = (first17: string) => first17 + creditCodeCheckChar(first17)!;
const CREDIT = credit("91320500MA1HJ0001");

describe("yuan", () => {
  it("parses amounts with at most 2 decimals into integer fen", () => {
    expect(parseYuan("9650000")).toEqual({ ok: true, fen: 965_000_000 });
    expect(parseYuan(" 9,720,000.5 ")).toEqual({ ok: true, fen: 972_000_050 });
    expect(parseYuan("0.07")).toEqual({ ok: true, fen: 7 });
    expect(parseYuan("19999999.99")).toEqual({ ok: true, fen: 1_999_999_999 });
  });
  it("refuses what is not such an amount", () => {
    expect(parseYuan("")).toEqual({ ok: false, problem: "empty" });
    expect(parseYuan("1.234")).toEqual({ ok: false, problem: "decimals" });
    expect(parseYuan("-5")).toEqual({ ok: false, problem: "negative" });
    expect(parseYuan("1e6")).toEqual({ ok: false, problem: "format" });
    expect(parseYuan("12元")).toEqual({ ok: false, problem: "format" });
    expect(parseYuan("1.")).toEqual({ ok: false, problem: "format" });
    expect(parseOptionalYuan("  ")).toEqual({ ok: true, fen: null });
  });
  it("formats fen as 元 with thousands separators", () => {
    expect(formatYuan(965_000_000)).toBe("9,650,000.00");
    expect(formatYuan(972_000_050)).toBe("9,720,000.50");
    expect(formatYuan(5)).toBe("0.05");
    expect(formatYuan(99_999)).toBe("999.99");
    expect(formatYuan(-123_456)).toBe("-1,234.56");
  });
});

describe("Shanghai times", () => {
  it("converts form input (UTC+8) to UTC ISO and back", () => {
    expect(shanghaiToIso("2026-11-25 14:30")).toBe("2026-11-25T06:30:00.000Z");
    expect(shanghaiToIso("2026-01-01 03:00:15")).toBe("2025-12-31T19:00:15.000Z");
    expect(isoToShanghaiInput("2026-11-25T06:30:00.000Z")).toBe("2026-11-25 14:30");
    expect(shanghaiToIso("2026-02-30 10:00")).toBeNull();
    expect(shanghaiToIso("tomorrow")).toBeNull();
  });
  it("formats countdowns", () => {
    expect(formatCountdown(65_000)).toBe("01:05");
    expect(formatCountdown(3_725_000)).toBe("1:02:05");
    expect(formatCountdown(-10)).toBe("00:00");
    expect(formatCountdown(400)).toBe("00:01");
    expect(formatCountdown(2 * 86_400_000 + 3_725_000, "天")).toBe("2天 1:02:05");
    expect(formatCountdown(86_400_000 + 65_000, "d")).toBe("1d 0:01:05");
  });
});

function filledProject(): ProjectForm {
  const f = emptyProject();
  Object.assign(f, { code: "JS2026-001", name: "滨江大道道路改造工程", ownerName: "演示县交通运输局" });
  Object.assign(f.lots[0]!, {
    code: "JS2026-001-01",
    budgetYuan: "10,000,000",
    controlPriceYuan: "9800000.00",
    bidDeadline: "2026-11-25 09:30",
    openingTime: "2026-11-25 09:30",
    roomId: "room1",
  });
  return f;
}

describe("project form", () => {
  it("maps to a CreateProjectInput the contract accepts (fen, UTC, coefficient draw)", () => {
    const f = filledProject();
    f.lots[0]!.drawKind = "coefficient";
    const r = toCreateProjectInput(f);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const lot = r.input.lots[0]!;
    expect(lot.budgetFen).toBe(1_000_000_000);
    expect(lot.controlPriceFen).toBe(980_000_000);
    expect(lot.bidDeadline).toBe("2026-11-25T01:30:00.000Z");
    expect(lot.draw).toEqual({
      kind: "coefficient",
      options: ["A", "B", "C", "D", "E", "F"].map((label, i) => ({ label, basisPoints: [150, 125, 100, 75, 50, 25][i] })),
    });
    expect(CreateProjectInput.safeParse(r.input).success).toBe(true);
  });
  it("uses the control price as the KONEPS base", () => {
    const f = filledProject();
    f.lots[0]!.drawKind = "koneps";
    const r = toCreateProjectInput(f);
    if (!r.ok) throw new Error("not ok");
    expect(r.input.lots[0]!.draw).toMatchObject({ kind: "koneps", baseFen: 980_000_000, rangeBasisPoints: 200, count: 15 });
    f.lots[0]!.controlPriceYuan = "";
    const bad = toCreateProjectInput(f);
    expect(!bad.ok && bad.problems["lots.0.draw"]?.key).toBe("konepsNeedsControl");
  });
  it("reports problems under the server's paths", () => {
    const f = filledProject();
    f.name = " ";
    f.lots.push(emptyLot(2));
    Object.assign(f.lots[1]!, { code: "X-02", budgetYuan: "12.345", bidDeadline: "2026-11-25 10:00", openingTime: "2026-11-25 09:00", roomId: "r" });
    const r = toCreateProjectInput(f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.name?.key).toBe("required");
    expect(r.problems["lots.1.budgetFen"]?.key).toBe("money.decimals");
    expect(r.problems["lots.1.openingTime"]?.key).toBe("openingBeforeDeadline");
    expect(r.problems["lots.0.budgetFen"]).toBeUndefined();
  });
  it("sends no budget for a land listing (its budget field is hidden)", () => {
    const f = filledProject();
    f.category = "land";
    const r = toCreateProjectInput(f);
    if (!r.ok) throw new Error("not ok");
    expect(r.input.lots[0]!.budgetFen).toBeNull();
    expect(CreateProjectInput.safeParse(r.input).success).toBe(true);
  });
  it("converts percents to basis points", () => {
    expect(percentToBasisPoints("1.5")).toBe(150);
    expect(percentToBasisPoints("0.25")).toBe(25);
    expect(percentToBasisPoints("1.255")).toBeNull();
  });
  it("groups server details by field path", () => {
    const by = detailsByPath([
      { path: "lots.0.openingTime", message: "must not be before the bid deadline" },
      { path: "lots.0.draw.options.1.label", message: "too long" },
    ]);
    expect(messagesUnder(by, "lots.0.openingTime")).toEqual(["must not be before the bid deadline"]);
    expect(messagesUnder(by, "lots.0.draw")).toEqual(["options.1.label: too long"]);
  });
});

const lot = {
  code: "JS2026-001-01",
  bidFields: [
    { key: "durationDays", label: "工期", type: "integer" as const, required: true },
    { key: "warrantyYears", label: "质保期（年）", type: "integer" as const, required: true },
    { key: "remark", label: "备注", type: "string" as const, required: false },
  ],
};

describe("bid form → bid.json", () => {
  it("builds a bid.json the server's BidJson schema accepts, price as a 2-decimal string", () => {
    const form = { ...emptyBidForm(CREDIT.toLowerCase()), priceYuan: "9,650,000.5", durationDays: "180", quality: "合格", projectManager: "张工", fields: { warrantyYears: "2" } };
    const r = toBidJson(form, lot);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.json).toEqual({
      lotCode: "JS2026-001-01",
      bidderCreditCode: CREDIT,
      price: "9650000.50",
      durationDays: 180,
      quality: "合格",
      projectManager: "张工",
      fields: { warrantyYears: 2 },
    });
    const parsed = BidJson.parse(r.json);
    expect(parsed.price).toBe(965_000_050);
    expect(extraFields(lot).map((f) => f.key)).toEqual(["warrantyYears", "remark"]);
  });
  it("reports each problem by field", () => {
    const r = toBidJson({ ...emptyBidForm("91320500MA1HJ00010"), priceYuan: "1.001", durationDays: "1.5", fields: { warrantyYears: "x" } }, lot);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.fromEntries(Object.entries(r.problems).map(([k, v]) => [k, v.key]))).toEqual({
      creditCode: "creditCode",
      price: "money.decimals",
      durationDays: "wholeDays",
      "fields.warrantyYears": "integer",
    });
    const zero = toBidJson({ ...emptyBidForm(CREDIT), priceYuan: "0", durationDays: "", fields: {} }, lot);
    expect(!zero.ok && zero.problems.price?.key).toBe("money.positive");
    expect(!zero.ok && zero.problems.durationDays?.key).toBe("required");
  });
  it("zips bid.json with the attachments under safe names", () => {
    const form = { ...emptyBidForm(CREDIT), priceYuan: "100", durationDays: "30", fields: { warrantyYears: "1" } };
    const r = toBidJson(form, lot);
    if (!r.ok) throw new Error("form");
    const zip = buildBidZip(r.json, [
      { name: "技术标/施工组织设计.pdf", bytes: strToU8("%PDF-1.4") },
      { name: "../bid.json", bytes: strToU8("evil") },
      { name: "技术标/施工组织设计.pdf", bytes: strToU8("%PDF-1.4 b") },
    ]);
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(["bid.json", "技术标/施工组织设计 (2).pdf", "技术标/施工组织设计.pdf", "附件/bid.json"].sort());
    expect(JSON.parse(strFromU8(files["bid.json"]!))).toMatchObject({ price: "100.00", durationDays: 30 });
    expect(checkReadyZip(zip, lot.code)).toMatchObject({ ok: true, bidJson: { lotCode: lot.code } });
    expect(checkReadyZip(zip, "OTHER")).toMatchObject({ ok: false, problem: "otherLot" });
    expect(checkReadyZip(zipSync({ "a.txt": strToU8("x") }), lot.code)).toMatchObject({ ok: false, problem: "noBidJson" });
    expect(checkReadyZip(strToU8("not a zip"), lot.code)).toMatchObject({ ok: false, problem: "notZip" });
    expect(entryName("/a/./b", new Set())).toBe("a/b");
  });
});

function state(partial: Partial<OpeningPublicState>): OpeningPublicState {
  return {
    lot: { id: "l", code: "c", name: "n", projectCode: "p", projectName: "pn", category: "engineering", controlPriceFen: null, roomId: "r" },
    stage: "signin",
    openedAt: "2026-01-01T00:00:00.000Z",
    countdown: null,
    bidCount: 0,
    bidders: [],
    announcements: [],
    draw: null,
    tally: { confirmed: 0, objected: 0, timedOut: 0, pending: 0 },
    objections: [],
    closedAt: null,
    recordSha256: null,
    supplements: [],
    ...partial,
  };
}

describe("agent commands by stage", () => {
  it("renders the server's answer: enabled as it says, a refusal until a time enabled once the server clock passes it", () => {
    const at = "2026-12-07T02:00:00.000Z";
    const st = (commands: OpeningAgentState["commands"]): OpeningAgentState => ({ lotId: "l", lotStatus: "opening", stage: "decrypting", commands, decryptionEndedEarlyAt: null });
    const pending = { command: "opening:endDecryption" as const, allowed: false, refusal: { code: "WINDOW_STILL_OPEN", message: "m", companies: ["甲公司"] }, allowedFrom: at };
    const publish = { command: "opening:publishBidders" as const, allowed: false, refusal: { code: "STAGE_CONFLICT", message: "m", companies: [] }, allowedFrom: null };
    const before = commandButtons(st([publish, pending]), Date.parse(at) - 1, true);
    expect(before.map((b) => [b.label, b.enabled])).toEqual([["publishBidders", false], ["endDecryptionEarly", false]]);
    expect(before[1]!.refusal).toMatchObject({ code: "WINDOW_STILL_OPEN", companies: ["甲公司"], allowedFrom: at });
    const after = commandButtons(st([publish, pending]), Date.parse(at), false);
    expect(after.map((b) => [b.label, b.enabled, b.refusal?.code ?? null])).toEqual([["publishBidders", false, "STAGE_CONFLICT"], ["endDecryption", true, null]]);
    expect(commandButtons(st([{ ...publish, allowed: true, refusal: null }]), 0, false)[0]).toMatchObject({ enabled: true, refusal: null });
    expect(commandButtons(null, 0, false)).toEqual([]);
  });
  it("tells a bidder what it may do", () => {
    const own = { signedIn: null, bid: { status: "sealed" }, confirmation: null, picks: null };
    expect(bidderActions("signin", own, null)).toMatchObject({ signIn: true, submitKey: false, object: true });
    expect(bidderActions("decrypting", { ...own, signedIn: "online" }, null)).toMatchObject({ signIn: false, submitKey: true, giveUp: true });
    expect(bidderActions("announcing", { ...own, signedIn: "online" }, null).giveUp).toBe(false);
    expect(bidderActions("decrypting", { ...own, signedIn: "online", bid: { status: "decrypted" } }, null).submitKey).toBe(false);
    expect(bidderActions("confirming", own, null).confirm).toBe(true);
    expect(bidderActions("closed", own, null)).toMatchObject({ confirm: false, object: false });
  });
});
