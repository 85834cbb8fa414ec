// The CSV format row by row (the text encoding: server/text-encoding.test.ts).
import { describe, expect, it } from "vitest";
import { parseHeader, parseRow, parseYuan, type Header } from "./csv";
import { defaultRules, type Rules } from "./rules";
import { categoryNames } from "@contracts/stats";

const rules = Object.fromEntries(Object.entries(defaultRules).map(([c, r]) => [c, { ...r, category: c, name: categoryNames[c as keyof typeof categoryNames] }])) as Rules;
const header = parseHeader("code,name,category,budget_yuan,reference_yuan,deal_yuan,deal_date,remote_evaluation".split(",")) as Header;
const row = (s: string) => parseRow(s.split(","), 2, header, rules);
const reasons = (s: string) => {
  const r = row(s);
  return "errors" in r ? r.errors.join("; ") : "ok";
};

describe("amounts", () => {
  it.each([
    ["", null],
    ["0.01", 1n],
    ["12", 1200n],
    ["12.5", 1250n],
    ["1234567890123.99", 123456789012399n],
  ])("%s → %s fen", (text, fen) => expect(parseYuan(text, "deal_yuan")).toBe(fen));
  it.each([
    ["-1.00", "must not be negative"],
    ["1.005", "more than 2 decimals"],
    ["1,000.00", "not an amount"],
    ["1e5", "not an amount"],
    ["0.00", "greater than 0"],
  ])("%s is refused (%s)", (text, why) => expect(JSON.stringify(parseYuan(text, "deal_yuan"))).toContain(why));
});

describe("rows", () => {
  it("accepts Chinese and English categories", () => {
    expect(row("A1,道路工程,工程建设,100.00,,90.00,2018-01-01,true")).toMatchObject({ category: "engineering", budgetFen: 10000n, dealFen: 9000n, dealDay: 20180101, dealMonth: 201801, remote: true });
    expect(row("A2,地块,land,,,90.00,2018-12-31,false")).toMatchObject({ category: "land", budgetFen: null, referenceFen: null, remote: false });
  });
  it.each([
    ["A,x,工程,1,,1,2018-01-01,false", 'category "工程" is not one of'],
    ["A,x,land,100,,90,2018-01-01,false", "budget_yuan must be empty for 国有土地"],
    ["A,x,engineering,,,90,2018-01-01,false", "budget_yuan is required for 工程建设"],
    ["A,x,property,,,90,2018-01-01,false", "reference_yuan is required for 国有产权"],
    ["A,x,procurement,100,50,90,2018-01-01,false", "reference_yuan must be empty for 政府采购"],
    ["A,x,engineering,100,,90,2018-02-30,false", 'deal_date "2018-02-30" is not a date'],
    ["A,x,engineering,100,,90,2018/03/01,false", 'deal_date "2018/03/01"'],
    ["A,x,engineering,100,,90,2018-03-01,yes", 'remote_evaluation "yes" must be true or false'],
    [",x,engineering,100,,90,2018-03-01,false", "code is empty"],
    ["A,x,engineering,100,,,2018-03-01,false", "deal_yuan is empty"],
    ["A,x,engineering,100,,90,2018-03-01", "has 7 fields, the header has 8"],
  ])("%s → %s", (line, why) => expect(reasons(line)).toContain(why));
  it("lists every reason of a bad row", () => {
    expect(reasons("A,x,land,-5,,1.234,2018-13-01,maybe")).toMatch(/negative.*more than 2 decimals.*not a date.*true or false/);
  });
});

describe("header", () => {
  it("takes hall and agent after the required columns, in any order", () => {
    expect(parseHeader("code,name,category,budget_yuan,reference_yuan,deal_yuan,deal_date,remote_evaluation,agent,hall".split(","))).toMatchObject({ hasHall: true, hasAgent: true, hallAt: 9, agentAt: 8, width: 10 });
  });
  it("names what is wrong", () => {
    expect(parseHeader(["code", "name"])).toContain("column 3 is missing");
    expect(parseHeader("code,name,category,budget,reference_yuan,deal_yuan,deal_date,remote_evaluation".split(","))).toContain('column 4 is "budget"');
    expect(parseHeader("code,name,category,budget_yuan,reference_yuan,deal_yuan,deal_date,remote_evaluation,note".split(","))).toContain('unknown column "note"');
  });
});

describe("sequential ids", () => {
  it("are version-7 UUIDs in increasing string order", async () => {
    const { sequentialUuids } = await import("./import");
    const next = sequentialUuids(Date.UTC(2026, 0, 1));
    const ids = Array.from({ length: 1000 }, next);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });
});
