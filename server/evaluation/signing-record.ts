// The signing record of the evaluation report (评标报告签字情况): once every member has signed or refused, and
// before the platform seals, a page naming each member who did not sign (name, seat, the reason given, or that a
// refusal without reasons counts as agreeing) and every member who signed (with the time, Asia/Shanghai) is appended
// to the report as an incremental update (documents/append-pages.ts), so the experts' signatures stay valid.
import type { AppContext } from "../context";
import { formatShanghai, renderPdf } from "../documents";
import { appendPages } from "../documents/append-pages";
import { committeeOf } from "./committee";

const states: Record<string, string> = {
  signed: "已电子签名",
  refused: "拒绝签字（已书面说明理由）",
  agreeing: "拒绝签字且未说明理由，视为同意评标结论",
};

/** The report with its signing record page, or the report unchanged when every member signed. */
export async function withSigningRecord(app: AppContext, sessionId: string, report: Uint8Array): Promise<Uint8Array> {
  const s = await app.db.evalSession.findUniqueOrThrow({ where: { id: sessionId } });
  const active = (await committeeOf(app.db, sessionId)).filter((x) => x.m.state !== "recused");
  if (active.every((x) => x.m.signature === "signed")) return report;
  const who = (x: (typeof active)[number]) => `${x.person.name}${x.person.kind === "owner-rep" ? "（招标人代表）" : ""}`;
  const lot = await app.db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
  const refusers = active.filter((x) => x.m.signature !== "signed");
  const page = await renderPdf({
    title: "评标报告签字情况",
    footerText: `项目编号：${lot.project.code}  标段：${lot.code}`,
    blocks: [
      {
        kind: "paragraph",
        text: `下列评标委员会成员未在评标报告上签字：${refusers.map((x) => `${who(x)}（席位 ${x.m.seat}）`).join("、")}。根据规定，评委拒绝签字且不陈述理由的，视为同意评标结论。`,
      },
      {
        kind: "table",
        columns: [
          { header: "席位", width: 0.08, align: "center" },
          { header: "姓名", width: 0.14 },
          { header: "签字情况", width: 0.3 },
          { header: "时间", width: 0.2 },
          { header: "理由", width: 0.28 },
        ],
        rows: active.map((x) => ({ x, m: x.m })).map(({ x, m }) => [String(m.seat), who(x), states[m.signature] ?? m.signature, m.signedAt ? formatShanghai(m.signedAt) : "—", m.refuseReason?.trim() ? m.refuseReason : "—"]),
      },
      { kind: "paragraph", text: `本页由电子开评标系统在全体成员签字或拒签后、平台电子签章前追加（增量更新，不影响已有签名）。生成时间：${formatShanghai(new Date())}。` },
    ],
  });
  return appendPages(report, page);
}
