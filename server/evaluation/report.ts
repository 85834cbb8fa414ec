// The evaluation report (评标报告): a Chinese PDF with the committee (names
// unsealed now), the opening summary, the qualification table, each expert's
// scores, the price scores with formula and inputs, the aggregated table, the
// candidates, dissent, outlier reasons and clarifications. Made unsigned when
// the report step begins; each expert then signs it (incremental), then the platform.
import { categoryNames, type Category } from "@contracts/opening";
import type { AdjustmentDecision, PriceScores, QualificationResultRow, ResultRow, Sheet } from "@contracts/evaluation";
import { fenToYuan } from "@contracts/money";
import type { AppContext } from "../context";
import { formatShanghai, renderPdf, type PdfBlock } from "../documents";
import { loadBidders, loadSession, membersWithPicks } from "./model";
import { sheetTotals } from "./compute";
import { rankingViews } from "./ranking";

const tieNames: Record<string, string> = { "lower-price": "投标报价低者优先", "higher-technical": "技术得分高者优先", draw: "随机抽签决定" };

/** 经评审的最低投标价法: the committee's adjustments per bidder, with each member's items (yuan, from integer fen). */
function adjustmentBlocks(s: { adjustments: string | null }, result: ResultRow[]): PdfBlock[] {
  const adjustments = s.adjustments ? (JSON.parse(s.adjustments) as AdjustmentDecision[]) : [];
  const sign = (fen: number) => (fen > 0 ? `+${fenToYuan(fen)}` : fenToYuan(fen));
  return [
    { kind: "heading", text: "四、评标价调整", level: 2 },
    { kind: "paragraph", text: "评标价 = 投标报价 + 评标委员会调整额；各评委对每一投标人的调整合计按评分汇总规则汇总（去掉最高、最低后取算术平均），四舍五入到分。" },
    adjustments.length
      ? {
          kind: "table",
          columns: [
            { header: "投标人", width: 0.2 },
            { header: "投标报价（元）", width: 0.14, align: "right" },
            { header: "调整（元）", width: 0.12, align: "right" },
            { header: "评标价（元）", width: 0.14, align: "right" },
            { header: "调整项及理由（席位）", width: 0.4 },
          ],
          rows: adjustments.map((a) => [a.companyName, fenToYuan(a.priceFen), sign(a.adjustmentFen), fenToYuan(a.evaluatedFen), a.items.length ? a.items.map((i) => `席位 ${i.seat}：${sign(i.amountFen)} 元，${i.reason}`).join("\n") + `\n${a.working}` : "无调整"]),
        }
      : { kind: "paragraph", text: result.length ? "评标价调整：无。" : "—" },
  ];
}

/** The recorded tie draw (commit-reveal), when a tie needed it. */
function tieDrawBlocks(s: { adjustments: string | null; tieSeed: string | null; tieSeedHash: string | null; result: string | null }): PdfBlock[] {
  const { tieDraw } = rankingViews(s);
  if (!tieDraw) return [];
  return [
    {
      kind: "paragraph",
      text: `并列随机抽签：评标开始时公布种子承诺 SHA-256 ${tieDraw.seedHash}，排序时揭示种子 ${tieDraw.seed}；抽签结果（可复算）：${tieDraw.groups.map((g) => g.order.map((id, i) => `${i + 1}. ${result(s).find((r) => r.companyId === id)?.companyName ?? id}`).join("，")).join("；")}。`,
    },
  ];
}
const result = (s: { result: string | null }) => (s.result ? (JSON.parse(s.result) as ResultRow[]) : []);

const methodNames: Record<string, string> = { comprehensive: "综合评估法", "lowest-evaluated-price": "经评审的最低投标价法" };


/** Everything the report says, read once: the session, the lot, the committee with names, the sheets and the records. */
async function gatherReport(app: AppContext, sessionId: string) {
  const { s, t } = await loadSession(app.db, sessionId);
  const lot = await app.db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
  const center = await app.db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  const bidders = await loadBidders(app.db, s.lotId);
  const nameOf = new Map(bidders.map((b) => [b.companyId, b.companyName]));
  const all = await membersWithPicks(app.db, sessionId);
  // Names by member id: drawn experts and the tenderer's representatives (招标人代表) alike (committee.ts).
  const experts = new Map(all.map((x) => [x.m.id, { name: x.person.name, employerName: x.person.employer }]));
  const rooms = new Map((await app.db.room.findMany()).map((r) => [r.id, r]));
  const sites = await app.db.evalSite.findMany({ where: { sessionId } });
  const expertName = (memberId: string) => {
    const m = all.find((x) => x.m.id === memberId)?.m;
    return m ? (experts.get(m.id)?.name ?? "") : "";
  };
  const seatOf = (memberId: string) => all.find((x) => x.m.id === memberId)?.m.seat ?? 0;
  const subs = await app.db.evalSubmission.findMany({ where: { sessionId, supersededAt: null }, orderBy: { submittedAt: "asc" } });
  const allSubs = await app.db.evalSubmission.findMany({ where: { sessionId }, orderBy: { submittedAt: "asc" } });
  const conflicts = await app.db.evalConflict.findMany({ where: { sessionId }, orderBy: { at: "asc" } });
  const dissents = await app.db.evalDissent.findMany({ where: { sessionId }, orderBy: { at: "asc" } });
  const clar = await app.db.evalClarification.findMany({ where: { sessionId }, orderBy: { askedAt: "asc" } });
  const requests = await app.db.evalRequest.findMany({ where: { sessionId, kind: "correction", state: "approved" }, orderBy: { requestedAt: "asc" } });
  const qual = s.qualification ? (JSON.parse(s.qualification) as QualificationResultRow[]) : [];
  const price = s.priceScores ? (JSON.parse(s.priceScores) as PriceScores | null) : null;
  const result = s.result ? (JSON.parse(s.result) as ResultRow[]) : [];
  const candidates = s.candidates ? (JSON.parse(s.candidates) as ResultRow[]) : [];
  const chair = s.chairMemberId ? expertName(s.chairMemberId) : "—";
  const active = all.filter((x) => x.m.state !== "recused");
  return { s, t, lot, center, bidders, nameOf, all, experts, rooms, sites, expertName, seatOf, subs, allSubs, conflicts, dissents, clar, requests, qual, price, result, candidates, chair, active };
}
type ReportData = Awaited<ReturnType<typeof gatherReport>>;

/** The cover's key facts: project, lot, method, sites, chair, scoring rule. */
function coverBlocks({ s, t, lot, sites, rooms, chair }: ReportData): PdfBlock[] {
  const places = t.rounding.places;
  return [
    {
      kind: "keyValue",
      items: [
        { key: "项目名称", value: lot.project.name },
        { key: "项目编号", value: lot.project.code },
        { key: "标段", value: `${lot.name}（${lot.code}）` },
        { key: "交易类别", value: categoryNames[lot.project.category as Category] ?? lot.project.category },
        { key: "招标人", value: lot.project.ownerName },
        { key: "评标办法", value: methodNames[t.method] ?? t.method },
        { key: "评标地点", value: sites.map((x) => `${rooms.get(x.roomId)?.name ?? x.roomId}（${x.role === "main" ? "主场" : "副场"}，${rooms.get(x.roomId)?.city ?? ""}）`).join("；") },
        { key: "评标开始", value: formatShanghai(s.startedAt) },
        { key: "评标委员会组长", value: chair },
        { key: "计分规则", value: `得分保留 ${places} 位小数，四舍五入；${t.aggregation.trim ? `评委人数不少于 ${t.aggregation.minForTrim} 人时去掉一个最高分和一个最低分后取算术平均` : "取全体评委算术平均"}` },
      ],
    },
  ];
}

/** 一、the committee (seats, names, employers, sites, notes) and the conflicts declared or detected. */
function committeeBlocks({ s, all, experts, rooms, conflicts, seatOf, expertName, nameOf }: ReportData): PdfBlock[] {
  const blocks: PdfBlock[] = [
    { kind: "heading", text: "一、评标委员会", level: 2 },
    {
      kind: "table",
      columns: [
        { header: "席位", width: 0.08, align: "center" },
        { header: "姓名", width: 0.15 },
        { header: "工作单位", width: 0.32 },
        { header: "评标地点", width: 0.25 },
        { header: "备注", width: 0.2 },
      ],
      rows: all.map(({ m }) => {
        const e = experts.get(m.id);
        const note = [m.kind === "owner-rep" ? "招标人代表" : "", m.state === "recused" ? "申报回避，已退出" : m.replacesId ? `替补席位 ${seatOf(m.replacesId)}` : s.chairMemberId === m.id ? "组长" : ""].filter(Boolean).join("，");
        return [String(m.seat), e?.name ?? "", e?.employerName ?? "", rooms.get(m.roomId)?.name ?? "", note];
      }),
    },
  ];
  if (conflicts.length) {
    blocks.push({
      kind: "table",
      caption: "回避申报",
      columns: [
        { header: "席位", width: 0.1, align: "center" },
        { header: "专家", width: 0.15 },
        { header: "投标人", width: 0.3 },
        { header: "回避理由", width: 0.45 },
      ],
      rows: conflicts.map((c) => [String(seatOf(c.memberId)), expertName(c.memberId), nameOf.get(c.companyId) ?? "", c.reason]),
    });
  }
  return blocks;
}

/** 二、the opening summary; 三、the qualification review with the reasons of each failure. */
function openingAndQualificationBlocks({ t, bidders, qual }: ReportData): PdfBlock[] {
  const blocks: PdfBlock[] = [];
  blocks.push(
    { kind: "heading", text: "二、开标情况", level: 2 },
    {
      kind: "table",
      caption: "开标一览（金额单位：元）",
      columns: [
        { header: "序号", width: 0.1, align: "center" },
        { header: "投标人", width: 0.6 },
        { header: "投标报价", width: 0.3, align: "right" },
      ],
      rows: bidders.map((b, i) => [String(i + 1), b.companyName, fenToYuan(b.priceFen)]),
    },
    { kind: "heading", text: "三、资格审查", level: 2 },
    {
      kind: "table",
      columns: [
        { header: "投标人", width: 0.25 },
        ...t.qualification.map((c) => ({ header: c.label, width: 0.55 / t.qualification.length, align: "center" as const })),
        { header: "结论", width: 0.2, align: "center" },
      ],
      rows: qual.map((q) => [q.companyName, ...q.criteria.map((c) => `${c.passed ? "通过" : "不通过"}（${c.pass}:${c.fail}）`), q.qualified ? "合格" : "不合格"]),
    },
  );
  const failReasons = qual.flatMap((q) =>
    q.criteria.flatMap((c) => [...new Set(c.reasons)].map((r) => `${q.companyName}｜${c.criterion}：${r}（${c.reasons.filter((x) => x === r).length} 位评委）`)),
  );
  if (failReasons.length) blocks.push({ kind: "paragraph", text: `不通过理由：\n${failReasons.join("\n")}` });
  return blocks;
}

/** 四、each member's scores (comprehensive method): the totals, then per bidder the scores per criterion. */
function scoringBlocks({ t, subs, qual, seatOf, expertName }: ReportData): PdfBlock[] {
  const blocks: PdfBlock[] = [];
  const scoring = subs.filter((x) => x.step === "scoring");
  if (t.method === "comprehensive") {
    const qualified = qual.filter((q) => q.qualified);
    blocks.push(
      { kind: "heading", text: "四、详细评审：各评委打分", level: 2 },
      {
        kind: "table",
        caption: "各评委评分合计（不含价格分）",
        columns: [
          { header: "评委", width: 0.2 },
          ...qualified.map((q) => ({ header: q.companyName, width: 0.8 / Math.max(1, qualified.length), align: "right" as const })),
        ],
        rows: scoring.map((x) => {
          const totals = sheetTotals(JSON.parse(x.sheet) as { rows: { companyId: string; score: number }[] });
          return [`${seatOf(x.memberId)} ${expertName(x.memberId)}`, ...qualified.map((q) => totals.get(q.companyId)?.round(2) ?? "—")];
        }),
      },
    );
    for (const q of qualified) {
      blocks.push({
        kind: "table",
        caption: `${q.companyName}：分项得分`,
        columns: [
          { header: "评委", width: 0.2 },
          ...t.criteria.map((c) => ({ header: `${c.label}（${c.max}）`, width: 0.8 / t.criteria.length, align: "right" as const })),
        ],
        rows: scoring.map((x) => {
          const sheet = JSON.parse(x.sheet) as Sheet;
          return [expertName(x.memberId), ...t.criteria.map((c) => {
            const r = sheet.step === "scoring" ? sheet.rows.find((y) => y.companyId === q.companyId && y.criterion === c.key) : undefined;
            return r ? r.score.toFixed(2) : "—";
          })];
        }),
      });
    }
  }
  return blocks;
}

/** 五、the price scores with formula, inputs and rounding. */
function priceBlocks({ price }: ReportData): PdfBlock[] {
  const blocks: PdfBlock[] = [];
  if (price) {
    blocks.push(
      { kind: "heading", text: "五、价格分", level: 2 },
      { kind: "paragraph", text: `计算公式：${price.formula}` },
      { kind: "paragraph", text: `输入：${Object.entries(price.inputs).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join("，") : v}`).join("；")}` },
      { kind: "paragraph", text: `评标基准价：${price.base}；舍入：保留 ${price.rounding.places} 位小数，四舍五入` },
      {
        kind: "table",
        columns: [
          { header: "投标人", width: 0.25 },
          { header: "投标报价（元）", width: 0.15, align: "right" },
          { header: "价格分", width: 0.1, align: "right" },
          { header: "计算过程", width: 0.5 },
        ],
        rows: price.lines.map((l) => [l.companyName, fenToYuan(l.priceFen), l.score, l.working]),
      },
    );
  }
  return blocks;
}

/** 六、the ranking (and the tie draw when one was needed); 七、the candidates; the heading of 八. */
function rankingBlocks({ s, t, result, candidates }: ReportData): PdfBlock[] {
  const blocks: PdfBlock[] = [];
  blocks.push(
    { kind: "heading", text: "六、评审结果汇总及排序", level: 2 },
    t.method === "comprehensive"
      ? {
          kind: "table",
          columns: [
            { header: "排名", width: 0.07, align: "center" },
            { header: "投标人", width: 0.23 },
            { header: "评委评分（汇总）", width: 0.12, align: "right" },
            { header: "价格分", width: 0.1, align: "right" },
            { header: "总分", width: 0.1, align: "right" },
            { header: "汇总计算", width: 0.38 },
          ],
          rows: result.map((r) => [String(r.rank), r.companyName, r.expertScore ?? "—", r.priceScore ?? "—", r.total, r.expertWorking ?? ""]),
        }
      : {
          kind: "table",
          columns: [
            { header: "排名", width: 0.08, align: "center" },
            { header: "投标人", width: 0.3 },
            { header: "投标报价（元）", width: 0.17, align: "right" },
            { header: "调整（元）", width: 0.13, align: "right" },
            { header: "评标价（元）", width: 0.17, align: "right" },
            { header: "并列时", width: 0.15 },
          ],
          rows: result.map((r) => [String(r.rank), r.companyName, fenToYuan(r.priceFen), r.adjustmentFen ? fenToYuan(r.adjustmentFen) : "0.00", r.total, tieNames[r.tieBreak ?? ""] ?? "—"]),
        },
    ...tieDrawBlocks(s),
    { kind: "heading", text: "七、推荐中标候选人", level: 2 },
    {
      kind: "table",
      columns: [
        { header: "推荐顺序", width: 0.15, align: "center" },
        { header: "投标人", width: 0.45 },
        { header: "投标报价（元）", width: 0.2, align: "right" },
        { header: t.method === "comprehensive" ? "总分" : "评标价（元）", width: 0.2, align: "right" },
      ],
      rows: candidates.map((r) => [`第 ${r.rank} 名`, r.companyName, fenToYuan(r.priceFen), r.total]),
    },
    { kind: "heading", text: "八、偏离说明、澄清与不同意见", level: 2 },
  );
  return blocks;
}

/** 八、outlier reasons, clarifications, dissent and the corrections approved. */
function remarksBlocks({ t, subs, clar, dissents, requests, seatOf, expertName, nameOf }: ReportData): PdfBlock[] {
  const blocks: PdfBlock[] = [];
  const scoring = subs.filter((x) => x.step === "scoring");
  const outliers = scoring.flatMap((x) => (JSON.parse(x.outlierReasons) as { companyId: string; reason: string }[]).map((o) => [`${seatOf(x.memberId)} ${expertName(x.memberId)}`, nameOf.get(o.companyId) ?? "", o.reason]));
  blocks.push(
    outliers.length
      ? { kind: "table", caption: `评分偏离（超出其他评委平均分 ±${Math.round(Number(t.outlierLimit) * 1000) / 10}%）的书面说明`, columns: [{ header: "评委", width: 0.2 }, { header: "投标人", width: 0.3 }, { header: "说明", width: 0.5 }], rows: outliers }
      : { kind: "paragraph", text: "评分偏离说明：无。" },
    clar.length
      ? {
          kind: "table",
          caption: "澄清",
          columns: [{ header: "投标人", width: 0.2 }, { header: "问题", width: 0.35 }, { header: "答复", width: 0.3 }, { header: "答复时间", width: 0.15 }],
          rows: clar.map((c) => [
            nameOf.get(c.companyId) ?? "",
            c.question,
            c.answer ?? (c.expiredAt ? `（逾期未答复，时限 ${formatShanghai(c.answerBy)}）` : "（未答复）"),
            c.answeredAt ? formatShanghai(c.answeredAt) : "—",
          ]),
        }
      : { kind: "paragraph", text: "澄清：无。" },
    dissents.length
      ? { kind: "table", caption: "不同意见", columns: [{ header: "评委", width: 0.2 }, { header: "意见及理由", width: 0.8 }], rows: dissents.map((d) => [`${seatOf(d.memberId)} ${expertName(d.memberId)}`, d.text]) }
      : { kind: "paragraph", text: "不同意见：无。" },
  );
  if (requests.length) {
    blocks.push({ kind: "paragraph", text: `更正记录（组长提出、监督人员同意）：\n${requests.map((r) => `席位 ${r.memberId ? seatOf(r.memberId) : "—"}，${r.step}：${r.reason}`).join("\n")}` });
  }
  return blocks;
}

/** The closing line (submissions, time of making) and the signature fields, one per active member. */
function closingBlocks({ allSubs, active, experts }: ReportData): PdfBlock[] {
  const blocks: PdfBlock[] = [];
  const versions = allSubs.filter((x) => x.version > 1).length;
  blocks.push(
    { kind: "paragraph", text: `本报告由电子开评标系统生成，评委逐一电子签名后由平台电子签章。评委签名时拒绝签字且未说明理由的，视为同意评标结果。提交记录 ${allSubs.length} 份（其中更正 ${versions} 份）。生成时间：${formatShanghai(new Date())}。` },
    { kind: "signatures", title: "评标委员会成员签字", signers: active.map(({ m }) => ({ role: `${m.kind === "owner-rep" ? "招标人代表" : "评委"}（席位 ${m.seat}）`, name: experts.get(m.id)?.name ?? "", field: `expert-${m.seat}` })), columns: 3 },
  );
  return blocks;
}

export async function makeReport(app: AppContext, sessionId: string): Promise<Uint8Array> {
  const r = await gatherReport(app, sessionId);
  const { s, t, lot, center, result } = r;
  const blocks: PdfBlock[] = [...coverBlocks(r), ...committeeBlocks(r), ...openingAndQualificationBlocks(r), ...scoringBlocks(r)];
  if (t.method === "lowest-evaluated-price") blocks.push(...adjustmentBlocks(s, result));
  blocks.push(...priceBlocks(r), ...rankingBlocks(r), ...remarksBlocks(r), ...closingBlocks(r));
  return renderPdf({
    title: "评标报告",
    orientation: "portrait",
    metadata: { subject: `${lot.project.name} ${lot.name} 评标报告`, author: center.name, keywords: ["评标报告"] },
    footerText: `项目编号：${lot.project.code}  标段：${lot.code}`,
    blocks,
  });
}
