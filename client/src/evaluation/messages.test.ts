// The evaluation texts: every key the pages use — written out or built from the
// contract's enums — has a wording in both languages, and every error code the
// evaluation server throws has a Chinese and an English text.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActionKind, EvalStatus, EvalStep, MemberView, RefuseSignResult, SheetStep, SiteView, FaultClock } from "@contracts/evaluation";
import zhBase from "../i18n/zh-CN";
import enBase from "../i18n/en";
import { withExperts } from "../experts/messages";
import { withEvaluation } from "./messages";

const zh = withEvaluation(withExperts(zhBase, "zh-CN"), "zh-CN");
const en = withEvaluation(withExperts(enBase, "en"), "en");
const get = (o: unknown, key: string): unknown => key.split(".").reduce<unknown>((x, p) => (x && typeof x === "object" ? (x as Record<string, unknown>)[p] : undefined), o);

const root = join(__dirname, "..");
const files = [
  ...readdirSync(join(root, "evaluation")).map((f) => join(root, "evaluation", f)),
  ...readdirSync(join(root, "pages", "expert")).map((f) => join(root, "pages", "expert", f)),
  join(root, "pages", "agent", "EvaluationList.vue"),
  join(root, "pages", "agent", "EvaluationConsole.vue"),
  join(root, "pages", "supervisor", "EvaluationMonitor.vue"),
  join(root, "pages", "bidder", "ClarificationPage.vue"),
  join(root, "pages", "bidder", "BidderLot.vue"),
  join(root, "screens", "LiveEvaluationScreen.vue"),
].filter((f) => /\.(vue|ts)$/.test(f) && !f.endsWith(".test.ts") && !f.endsWith("messages.ts"));

describe("evaluation wording", () => {
  const written = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, "utf8").matchAll(/["'`](evaluation\.[A-Za-z0-9_.-]+)["'`]/g)) written.add(m[1]!);
  const built = [
    ...EvalStep.options.flatMap((s) => [`evaluation.steps.${s}`, `evaluation.screen.now.${s}`]),
    ...EvalStatus.options.map((s) => `evaluation.status.${s}`),
    ...SiteView.shape.role.options.map((r) => `evaluation.roles.${r}`),
    ...SiteView.shape.link.options.map((l) => `evaluation.link.${l}`),
    ...FaultClock.shape.kind.options.map((k) => `evaluation.fault.${k}`),
    ...MemberView.shape.state.options.map((s) => `evaluation.memberState.${s}`),
    ...MemberView.shape.signature.options.map((s) => `evaluation.signature.${s}`),
    ...ActionKind.options.map((k) => `evaluation.req.kind.${k}`),
    ...["pending", "approved", "rejected"].map((s) => `evaluation.req.state.${s}`),
    ...RefuseSignResult.shape.recordedAs.options.map((r) => `evaluation.sign.recorded.${r}`),
    ...["empty", "format", "decimals", "over"].map((p) => `evaluation.score.problem.${p}`),
    ...["missing", "reason"].map((p) => `evaluation.qual.problem.${p}`),
    ...["technical", "business", "other"].map((g) => `evaluation.score.group.${g}`),
    ...["comprehensive", "lowest-evaluated-price"].map((m) => `evaluation.methods.${m}`),
    ...SheetStep.options.map((s) => `evaluation.screen.progress.submitted.${s}`),
    ...["amount", "zero", "reason", "overBid", "notPositive"].map((p) => `evaluation.adjust.problem.${p}`),
    ...["lower-price", "higher-technical", "draw"].map((b) => `evaluation.adjust.tieBreak.${b}`),
    ...["pledge", "declareConflicts", "voteChair", "submit", "dissent", "refuseSign"].map((e) => `evaluation.events.${e}`),
  ];
  it("finds the keys the pages write out", () => expect(written.size).toBeGreaterThan(150));
  it.each([...written, ...built])("%s", (key) => {
    expect(typeof get(zh, key), `zh-CN ${key}`).toBe("string");
    expect(typeof get(en, key), `en ${key}`).toBe("string");
  });

  it("has a text for every error code the evaluation server throws", () => {
    const dir = join(root, "..", "..", "server", "evaluation");
    const codes = new Set<string>();
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".ts") && !x.endsWith(".test.ts")))
      for (const m of readFileSync(join(dir, f), "utf8").matchAll(/AppError\(\s*"([A-Z_]+)"/g)) codes.add(m[1]!);
    expect(codes.size).toBeGreaterThan(10);
    const missing = [...codes].filter((c) => typeof get(zh, `errors.${c}`) !== "string" || typeof get(en, `errors.${c}`) !== "string");
    expect(missing).toEqual([]);
  });
});
