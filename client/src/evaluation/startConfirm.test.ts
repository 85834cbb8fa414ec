// The early-start dialog's lines: the seats not accepted (seat, site, specialty) and the
// scheduled time in Beijing time, in Chinese by default and in English; other errors give none.
import { describe, expect, it } from "vitest";
import { createI18n } from "vue-i18n";
import zhBase from "../i18n/zh-CN";
import enBase from "../i18n/en";
import { withExperts } from "../experts/messages";
import { withEvaluation } from "./messages";
import { notReadyLines, parseNotReady } from "./startConfirm";

const i18n = createI18n({
  legacy: false,
  locale: "zh-CN",
  messages: { "zh-CN": withEvaluation(withExperts(zhBase, "zh-CN"), "zh-CN"), en: withEvaluation(withExperts(enBase, "en"), "en") },
});
const t = (key: string, named: Record<string, unknown> = {}) => i18n.global.t(key, named);

const err = {
  code: "EVALUATION_NOT_READY",
  message: "Confirm to start anyway",
  details: [
    { path: "notAccepted", message: JSON.stringify({ seat: 2, room: "第一评标室", role: "main", specialty: "A010101 房屋建筑" }) },
    { path: "notAccepted", message: "not json" },
    { path: "evaluationAt", message: "2026-12-07T01:30:00.000Z" },
  ],
};

describe("the early-start confirmation", () => {
  it("names the seats not accepted and the scheduled time in Asia/Shanghai (zh-CN)", () => {
    const n = parseNotReady(err)!;
    expect(n.notAccepted).toHaveLength(1);
    const lines = notReadyLines(n, t);
    expect(lines.heading).toBe("以下席位的专家尚未接受邀请：");
    expect(lines.seats).toEqual(["席位 2（第一评标室，主场，A010101 房屋建筑）"]);
    expect(lines.early).toContain("2026-12-07 09:30");
    expect(lines.early).toContain("北京时间");
    expect(lines.early).not.toMatch(/T01:30|Z/);
  });

  it("in English too; only the time when every seat accepted", () => {
    i18n.global.locale.value = "en";
    try {
      const lines = notReadyLines(parseNotReady({ ...err, details: [err.details[2]!] })!, t);
      expect(lines).toMatchObject({ heading: null, seats: [] });
      expect(lines.early).toContain("Beijing time");
    } finally {
      i18n.global.locale.value = "zh-CN";
    }
  });

  it("other errors are not a readiness question", () => {
    expect(parseNotReady({ code: "COMMITTEE_RULES", message: "x" })).toBeNull();
  });
});
