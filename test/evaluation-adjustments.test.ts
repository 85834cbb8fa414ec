// 经评审的最低投标价法 over real sockets: the committee enters evaluated-price adjustments (amount in fen, reason) as a
// sheet step; bad sheets are refused with nothing stored; the ranking goes by evaluated price, then the lower bid
// price (the tie seed is committed at creation and revealed with the ranking, audited). Then the report: every
// member signs with a visible appearance in the signature block except one who refuses with reasons and is named on
// the signing record page; pdfsig validates every signature, pdftotext reads it, pdftoppm shows the appearances.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PDFDocument } from "pdf-lib";
import type { EvalExpertState, EvalSupervisorState } from "@contracts/evaluation";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { evaluationWorld, expectUnchanged, expertKey, lowestTemplate, ok, passQualification, toQualification, type CommitteeMember, type EvalWorld } from "./helpers/evaluation";
import { pdfSignatures } from "./helpers/pdf";
import { signatureBoxOf } from "../server/documents/signature-boxes";
import { seedHash } from "../server/opening/draws";

let t: TestApp;
let sup: TestSocket;
const unchanged = (f: () => Promise<unknown>, code: string) => expectUnchanged(t, f, code);

beforeAll(async () => {
  t = await startTestApp();
  sup = await t.connect({ token: (await t.login("supervisor")).token });
}, 60_000);
afterAll(() => t.close());

describe("evaluated-price adjustments, ranking, and the signed report with a refusal", () => {
  let w: EvalWorld;
  let sessionId: string;
  let members: CommitteeMember[];
  let supView: LiveStreamClient<EvalSupervisorState>;
  let chairView: LiveStreamClient<EvalExpertState>;
  // 1,000,000.00 / 990,000.00 / 1,005,000.00 yuan.
  const prices = [100_000_000, 99_000_000, 100_500_000];
  const sheet = (w: EvalWorld) => ({
    step: "adjustments" as const,
    rows: [
      { companyId: w.bidders[1]!.companyId, amountFen: 1_000_000, reason: "缺项：未报安全文明施工费，按最高报价补齐" },
      { companyId: w.bidders[2]!.companyId, amountFen: -500_000, reason: "算术错误修正" },
    ],
  });

  it("the lowest evaluated price goes through an adjustments step after the qualification", async () => {
    w = await evaluationWorld(t, prices, { lot: { evaluationMethod: "lowest-evaluated-price" }, poolOffset: 3 });
    const r = await toQualification(t, w, lowestTemplate);
    sessionId = r.sessionId;
    members = r.members;
    supView = new LiveStreamClient<EvalSupervisorState>(sup, r.streams.supervisor).start();
    chairView = new LiveStreamClient<EvalExpertState>(members[0]!.socket, `evaluation:${sessionId}:expert:${members[0]!.memberId}`).start();
    // Adjustments before their step: refused.
    await unchanged(() => call(members[0]!.socket, "evaluation:submit", { sessionId, idempotencyKey: "adjust-early-0", sheet: sheet(w) }), "STEP_CONFLICT");
    expect(await passQualification(w, sessionId, members)).toMatchObject({ step: "adjustments" });
    await until(() => chairView.state?.step === "adjustments", 5000, "adjustments step at the chair");
    expect(chairView.state!.blockers.map((b) => b.code)).toContain("not-submitted");
    // The seed of the tie draw is committed at creation (audited), sealed until the ranking.
    const row = await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect(row.tieSeedHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.tieSeed).toBeNull();
    expect(row.tieSealed).not.toContain(row.tieSeedHash!);
  }, 120_000);

  it("bad adjustment sheets are refused with a typed error and nothing stored", async () => {
    const m = members[1]!.socket;
    const b = w.bidders;
    const submit = (rows: { companyId: string; amountFen: number; reason?: string }[], key = "adjust-bad-0001") => call(m, "evaluation:submit", { sessionId, idempotencyKey: key, sheet: { step: "adjustments", rows } });
    await unchanged(() => submit([{ companyId: b[1]!.companyId, amountFen: 1_000_000, reason: "" }]), "REASON_REQUIRED");
    await unchanged(() => submit([{ companyId: b[1]!.companyId, amountFen: 1_000_000 }]), "REASON_REQUIRED");
    await unchanged(() => submit([{ companyId: b[1]!.companyId, amountFen: 1000.5, reason: "缺项补齐" }]), "VALIDATION_FAILED");
    await unchanged(() => submit([{ companyId: b[1]!.companyId, amountFen: "1000" as unknown as number, reason: "缺项补齐" }]), "VALIDATION_FAILED");
    await unchanged(() => submit([{ companyId: b[1]!.companyId, amountFen: 1e15, reason: "缺项补齐" }]), "VALIDATION_FAILED");
    // Larger than the bid itself, or an evaluated price of 0 or less: absurd.
    await unchanged(() => submit([{ companyId: b[1]!.companyId, amountFen: 99_000_001, reason: "缺项补齐" }]), "ADJUSTMENT_OUT_OF_RANGE");
    await unchanged(() => submit([{ companyId: b[1]!.companyId, amountFen: -99_000_000, reason: "让利" }]), "ADJUSTMENT_OUT_OF_RANGE");
    await unchanged(() => submit([{ companyId: b[1]!.companyId, amountFen: 0, reason: "无" }]), "ADJUSTMENT_OUT_OF_RANGE");
    await unchanged(() => submit([{ companyId: "00000000-0000-4000-8000-000000000000", amountFen: 100, reason: "缺项补齐" }]), "UNKNOWN_BIDDER");
    // The agent is no committee member.
    await unchanged(() => call(w.agent, "evaluation:submit", { sessionId, idempotencyKey: "adjust-agent-01", sheet: sheet(w) }), "FORBIDDEN");
  }, 120_000);

  it("drafts are held; every member submits; the committee decides; the ranking goes by evaluated price, then the lower bid price", async () => {
    ok(await call(members[2]!.socket, "evaluation:draft", { sessionId, clientSeq: 1, sheet: { step: "adjustments", rows: [{ companyId: w.bidders[1]!.companyId, amountFen: null, reason: "缺项" }] } }));
    const me2 = new LiveStreamClient<EvalExpertState>(members[2]!.socket, `evaluation:${sessionId}:expert:${members[2]!.memberId}`).start();
    await until(() => me2.state?.drafts.adjustments?.rows.length === 1, 5000, "adjustment draft held");
    me2.stop();
    for (const [i, m] of members.entries()) ok(await call(m.socket, "evaluation:submit", { sessionId, idempotencyKey: `adjust-ok-${i}`, sheet: sheet(w) }));
    await until(() => supView.state?.members.every((m) => m.state === "recused" || m.submitted.adjustments) === true, 5000, "all submitted on the stream");
    expect(ok(await call(members[0]!.socket, "evaluation:advance", { sessionId, from: "adjustments" }))).toMatchObject({ step: "aggregate" });
    // Submitting after the step moved on: refused, nothing stored.
    await unchanged(() => call(members[1]!.socket, "evaluation:submit", { sessionId, idempotencyKey: "adjust-late-01", sheet: sheet(w) }), "STEP_CONFLICT");
    await unchanged(() => call(members[1]!.socket, "evaluation:draft", { sessionId, clientSeq: 99, sheet: sheet(w) }), "STEP_CONFLICT");
    await until(() => !!supView.state?.result && !!supView.state.adjustments, 5000, "result");
    // All three evaluate to 1,000,000.00 yuan: the lower bid price decides; the draw is not needed.
    expect(supView.state!.adjustments!.map((a) => [a.priceFen, a.adjustmentFen, a.evaluatedFen])).toEqual([
      [100_000_000, 0, 100_000_000],
      [99_000_000, 1_000_000, 100_000_000],
      [100_500_000, -500_000, 100_000_000],
    ]);
    expect(supView.state!.adjustments![1]!.items).toHaveLength(members.length);
    expect(supView.state!.result!.map((r) => [r.rank, r.companyId, r.priceFen, r.adjustmentFen, r.total, r.tieBreak])).toEqual([
      [1, w.bidders[1]!.companyId, 99_000_000, 1_000_000, "1000000.00", "lower-price"],
      [2, w.bidders[0]!.companyId, 100_000_000, 0, "1000000.00", "lower-price"],
      [3, w.bidders[2]!.companyId, 100_500_000, -500_000, "1000000.00", "lower-price"],
    ]);
    expect(supView.state!.tieDraw).toBeNull();
    await until(() => !!chairView.state?.adjustments, 5000, "chair sees the adjustments");
    expect(chairView.state!.result!.map((r) => r.companyId)).toEqual(supView.state!.result!.map((r) => r.companyId));
    // The seed is revealed with the ranking and matches the commitment audited at creation.
    const row = await t.app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect(seedHash(row.tieSeed!)).toBe(row.tieSeedHash);
    expect(row.tieSealed).toBeNull();
    const actions = (await t.app.db.auditEvent.findMany({ where: { target: `evaluation:${sessionId}` }, orderBy: { seq: "asc" } })).map((a) => a.action);
    expect(actions.filter((a) => a === "evaluation.ranked")).toHaveLength(1);
  }, 120_000);

  it("goes to the report; every member signs (visibly) but one, who refuses with reasons; the platform seals", async () => {
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "aggregate" }));
    ok(await call(w.agent, "evaluation:advance", { sessionId, from: "candidates" }));
    await until(() => !!supView.state?.report, 5000, "report made");
    const [refuser, ...signers] = [members[2]!, ...members.filter((_, i) => i !== 2)];
    for (const m of signers) {
      const key = expertKey();
      // Signing stamps the report (appearance, incremental save): slow on a loaded machine, so a generous ack timeout.
      ok(await call(m.socket, "evaluation:enrollKey", { sessionId, publicKeyPem: key.publicKeyPem }, 60_000));
      const p = ok(await call(m.socket, "evaluation:prepareSignature", { sessionId }, 60_000));
      ok(await call(m.socket, "evaluation:sign", { sessionId, prepId: p.prepId, signatureB64: key.sign(p.toSignB64) }, 60_000));
    }
    expect(ok(await call(refuser!.socket, "evaluation:refuseSign", { sessionId, reason: "对缺项补齐的调整金额有异议" }, 60_000))).toEqual({ recordedAs: "refused-with-reasons" });
    await until(() => supView.state?.status === "closed", 60_000, "closed");
  }, 300_000);

  it("the report: adjustments in yuan, the refuser named with seat and reason, visible signatures; pdfsig validates all", async () => {
    const res = await fetch(`${t.url}/api/evaluations/${sessionId}/report.pdf`, { headers: { authorization: `Bearer ${(await t.login("supervisor")).token}` } });
    expect(res.status).toBe(200);
    const file = join(t.dir, "adjusted-report.pdf");
    const bytes = Buffer.from(await res.arrayBuffer());
    writeFileSync(file, bytes);
    const text = execFileSync("pdftotext", ["-layout", file, "-"]).toString();
    const refuser = members[2]!;
    const seatOf = async (m: CommitteeMember) => (await t.app.db.evalMember.findUniqueOrThrow({ where: { id: m.memberId } })).seat;
    for (const s of ["评标价调整", "+10000.00", "-5000.00", "1000000.00", "算术错误修正", "并列时", "评标报告签字情况", refuser.name, `对缺项补齐的调整金额有异议`, "拒绝签字（已书面说明理由）"]) {
      expect(text).toContain(s);
    }
    expect(text).toMatch(new RegExp(`${refuser.name}（席位 ${await seatOf(refuser)}）`));
    const signatures = await pdfSignatures(t, file);
    expect(signatures).toHaveLength(members.length); // the signers + the platform
    for (const sig of signatures) expect(sig).toMatchObject({ valid: true, trusted: true });
    // Each expert's widget sits in its box with an appearance; pdftoppm draws it (seal red) there, not in the refuser's box.
    const doc = await PDFDocument.load(bytes);
    const reddish = async (field: string) => {
      const box = signatureBoxOf(doc, field)!;
      expect(box).toBeDefined();
      const dpi = 72;
      const out = join(t.dir, `sig-${field}`);
      execFileSync("pdftoppm", ["-r", String(dpi), "-f", String(box.page + 1), "-l", String(box.page + 1), "-singlefile", file, out]);
      execFileSync("pdftoppm", ["-png", "-r", "100", "-f", String(box.page + 1), "-l", String(box.page + 1), "-singlefile", file, out]);
      const ppm = readFileSync(`${out}.ppm`);
      const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString("latin1"))!;
      const width = Number(header[1]);
      const height = Number(header[2]);
      const data = ppm.subarray(header[0].length);
      const [x1, y1, x2, y2] = box.rect;
      let n = 0;
      for (let y = Math.ceil(height - y2); y < Math.floor(height - y1); y++) {
        for (let x = Math.ceil(x1); x < Math.floor(x2); x++) {
          const i = (y * width + x) * 3;
          if (data[i]! > 140 && data[i + 1]! < 110 && data[i + 2]! < 110) n++;
        }
      }
      return n;
    };
    for (const m of members.filter((x) => x !== refuser)) expect(await reddish(`expert-${await seatOf(m)}`)).toBeGreaterThan(30);
    expect(await reddish(`expert-${await seatOf(refuser)}`)).toBe(0);
    supView.stop();
    chairView.stop();
    for (const m of members) m.socket.disconnect();
  }, 120_000);
});
