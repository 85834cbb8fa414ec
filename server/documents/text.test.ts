import { describe, expect, it } from "vitest";
import { tokenize, wrapText } from "./text.js";

// CJK and full-width characters are 1 unit wide, everything else 0.5.
const measure = (s: string) => [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 1 : 0.5), 0);

describe("tokenize", () => {
  it("splits CJK per character and keeps Latin words whole", () => {
    expect(tokenize("投标ABC公司 Co., Ltd.")).toEqual(["投", "标", "ABC", "公", "司", " ", "Co.,", " ", "Ltd."]);
  });

  it("glues closing punctuation to the previous and opening punctuation to the next token", () => {
    expect(tokenize("成功。（牵头人）")).toEqual(["成", "功。", "（牵", "头", "人）"]);
  });
});

describe("wrapText", () => {
  it("wraps Chinese at any character", () => {
    expect(wrapText("北京市建工集团有限责任公司", 5, measure)).toEqual(["北京市建工", "集团有限责", "任公司"]);
  });

  it("wraps Latin at spaces and drops the space at the break", () => {
    expect(wrapText("the quick brown fox", 5, measure)).toEqual(["the quick", "brown fox"]);
    expect(wrapText("the quick brown fox", 3, measure)).toEqual(["the", "quick", "brown", "fox"]);
  });

  it("never starts a line with closing punctuation", () => {
    expect(wrapText("解密成功。完毕", 4, measure)).toEqual(["解密成", "功。完毕"]);
  });

  it("cuts a word wider than the line", () => {
    expect(wrapText("abcdefghij", 2, measure)).toEqual(["abcd", "efgh", "ij"]);
  });

  it("keeps explicit line breaks and empty lines", () => {
    expect(wrapText("甲\n\n乙", 10, measure)).toEqual(["甲", "", "乙"]);
    expect(wrapText("", 10, measure)).toEqual([""]);
  });

  it("drops control characters", () => {
    expect(wrapText("a\u0000b\u0007c", 10, measure)).toEqual(["abc"]);
  });
});
