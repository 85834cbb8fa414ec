// The opening record (开标记录表): a Chinese PDF with every bidder, price,
// decryption result, confirmation, objection and the draw, signed with the
// platform certificate (pdfsig: "Signature is Valid").
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { categoryNames, type EscrowOpened, type OpeningPublicState } from "@contracts/opening";
import { fenToYuan } from "@contracts/money";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { formatShanghai, renderPdf, signPdf, type PdfBlock } from "../documents";
import { buildOpeningPublic } from "./views";
import { decryptionEndedEarlyAt } from "./agent-view";
import { escrowOpenings } from "./queries";

const bidStatusNames: Record<string, string> = {
  sealed: "未解密",
  decrypted: "解密成功",
  "failed-bidder": "解密失败（投标人原因，视为撤回）",
  "failed-platform": "解密失败（平台原因）",
};
const confirmNames: Record<string, string> = { confirm: "确认", object: "有异议", timeout: "未在时限内确认（视为认可）" };

export const recordPath = (app: AppContext, lotId: string) => join(app.dirs.records, `${lotId}-opening-record.pdf`);

export async function makeOpeningRecord(app: AppContext, lotId: string): Promise<{ path: string; sha256: string }> {
  const st = await buildOpeningPublic(app.db, lotId);
  if (!st) throw new AppError("SESSION_NOT_OPEN", "No opening to record");
  const lot = await app.db.lot.findUniqueOrThrow({ where: { id: lotId }, include: { project: true } });
  const room = await app.db.room.findUniqueOrThrow({ where: { id: lot.roomId } });
  const bids = await app.db.bid.findMany({ where: { lotId, status: { notIn: ["replaced", "withdrawn"] } }, orderBy: { submittedAt: "asc" } });
  const companies = new Map((await app.db.company.findMany({ where: { id: { in: bids.map((b) => b.companyId) } } })).map((c) => [c.id, c]));
  const center = await app.db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  const session = await app.db.openingSession.findUniqueOrThrow({ where: { lotId }, select: { decryptEndsAt: true } });
  const endedEarly = await decryptionEndedEarlyAt(app.db, lotId);
  const escrowOpened = await escrowOpenings(app.db, bids);
  const rows = bids.map((b, i) => {
    const c = companies.get(b.companyId)!;
    const row = st.bidders.find((x) => x.companyId === b.companyId);
    const sum = b.summary ? (JSON.parse(b.summary) as { priceFen: number; durationDays: number | null; quality: string | null; projectManager: string | null }) : null;
    return [
      String(i + 1),
      `${c.name}\n${c.creditCode}`,
      row?.signedIn === "online" ? "远程" : row?.signedIn === "onsite" ? "现场" : "未签到",
      b.status === "decrypted" && b.escrowOpenedAt ? "解密成功（由监督人托管密钥解密）" : (bidStatusNames[b.status] ?? b.status),
      sum ? fenToYuan(sum.priceFen) : "—",
      sum?.durationDays ? String(sum.durationDays) : "—",
      sum?.quality ?? "—",
      sum?.projectManager ?? "—",
      row?.confirmation ? confirmNames[row.confirmation]! : "—",
    ];
  });
  const blocks: PdfBlock[] = [
    {
      kind: "keyValue",
      items: [
        { key: "项目名称", value: lot.project.name },
        { key: "项目编号", value: lot.project.code },
        { key: "标段", value: `${lot.name}（${lot.code}）` },
        { key: "交易类别", value: categoryNames[st.lot.category] },
        { key: "招标人", value: lot.project.ownerName },
        { key: "最高投标限价", value: lot.controlPriceFen === null ? "—" : `${fenToYuan(lot.controlPriceFen)} 元` },
        { key: "开标地点", value: room.name },
        { key: "投标截止时间", value: formatShanghai(lot.bidDeadline) },
        { key: "开标时间", value: formatShanghai(new Date(st.openedAt)) },
        { key: "递交投标文件", value: `${st.bidCount} 家` },
      ],
    },
    {
      kind: "table",
      caption: "投标人及开标一览表（金额单位：元）",
      columns: [
        { header: "序号", width: 0.05, align: "center" },
        { header: "投标人 / 统一社会信用代码", width: 0.25 },
        { header: "签到", width: 0.07, align: "center" },
        { header: "解密结果", width: 0.13 },
        { header: "投标报价", width: 0.12, align: "right" },
        { header: "工期(天)", width: 0.07, align: "right" },
        { header: "质量", width: 0.09 },
        { header: "项目经理", width: 0.08 },
        { header: "确认", width: 0.14 },
      ],
      rows,
    },
    ...(endedEarly
      ? [
          {
            kind: "paragraph" as const,
            text: `解密时限原定至 ${session.decryptEndsAt ? formatShanghai(session.decryptEndsAt) : "—"}；全部投标文件均已解密或已确定解密失败（含投标人放弃解密），招标代理于 ${formatShanghai(endedEarly)} 提前结束解密。`,
          },
        ]
      : []),
    ...escrowBlocks(bids, companies, escrowOpened),
    ...drawBlocks(st),
    { kind: "heading", text: "异议及答复", level: 2 },
    st.objections.length === 0
      ? { kind: "paragraph", text: "开标过程中无投标人提出异议。" }
      : {
          kind: "table",
          columns: [
            { header: "投标人", width: 0.2 },
            { header: "时间", width: 0.15 },
            { header: "异议内容", width: 0.33 },
            { header: "答复", width: 0.32 },
          ],
          rows: st.objections.map((o) => [o.companyName, formatShanghai(new Date(o.at)), o.text, o.answer ?? "（未答复）"]),
        },
    { kind: "paragraph", text: `本记录由电子开评标系统生成，并由平台电子签章。生成时间：${formatShanghai(new Date())}。` },
    { kind: "signatures", title: "签字", signers: [{ role: "招标人/招标代理" }, { role: "监督人员" }] },
  ];
  const pdf = await renderPdf({
    title: "开标记录表",
    orientation: "landscape",
    metadata: { subject: `${lot.project.name} ${lot.name} 开标记录`, author: center.name, keywords: ["开标记录"] },
    footerText: `项目编号：${lot.project.code}  标段：${lot.code}`,
    blocks,
  });
  const signed = await signPdf(pdf, app.pki.platform, { fieldName: "platform", reason: "开标记录平台电子签章", name: center.name });
  await mkdir(app.dirs.records, { recursive: true });
  const path = recordPath(app, lotId);
  await writeFile(path, signed);
  return { path, sha256: createHash("sha256").update(signed).digest("hex") };
}

type RecordBid = Awaited<ReturnType<AppContext["db"]["bid"]["findMany"]>>[number];

/** Every platform fault on the record with its reason, and every bid opened from escrow with its supervisors and time. */
function escrowBlocks(bids: RecordBid[], companies: Map<string, { name: string }>, escrowOpened: (b: RecordBid) => EscrowOpened | null): PdfBlock[] {
  const marked = bids.filter((b) => b.platformFaultAt || b.escrowOpenedAt);
  if (marked.length === 0) return [];
  return [
    { kind: "heading", text: "平台原因解密失败及托管解密记录", level: 2 },
    {
      kind: "table",
      columns: [
        { header: "投标人", width: 0.22 },
        { header: "平台原因记录时间", width: 0.16 },
        { header: "平台原因", width: 0.26 },
        { header: "托管解密", width: 0.36 },
      ],
      rows: marked.map((b) => {
        const opened = escrowOpened(b);
        return [
          companies.get(b.companyId)?.name ?? "",
          b.platformFaultAt ? formatShanghai(b.platformFaultAt) : "—",
          b.platformFaultReason ?? "—",
          opened
            ? `由监督人托管密钥解密：${opened.supervisors.join("、")}，${formatShanghai(new Date(opened.at))}`
            : b.status === "failed-platform"
              ? "未经托管解密"
              : "—",
        ];
      }),
    },
  ];
}

function drawBlocks(st: OpeningPublicState): PdfBlock[] {
  if (!st.draw) return [];
  const d = st.draw;
  const items = [
    { key: "抽取方式", value: d.config.kind === "coefficient" ? "浮动系数抽取" : "多个备选基准价（KONEPS 方式）" },
    { key: "种子承诺 SHA-256", value: d.seedHash },
    { key: "公开种子", value: d.seed ?? "（未揭示）" },
  ];
  if (d.result?.kind === "coefficient") items.push({ key: "抽取结果", value: `${d.result.label} = ${(d.result.basisPoints / 100).toFixed(2)}%` });
  if (d.result?.kind === "koneps") {
    items.push({ key: "入选序号", value: d.result.chosen.join("、") });
    items.push({ key: "基准价", value: `${fenToYuan(d.result.reserveFen)} 元` });
  }
  const blocks: PdfBlock[] = [{ kind: "heading", text: "随机抽取", level: 2 }, { kind: "keyValue", items, keyWidth: 0.2 }];
  if (d.result?.kind === "koneps") {
    const r = d.result;
    blocks.push({
      kind: "table",
      columns: [
        { header: "序号", width: 0.2, align: "center" },
        { header: "备选价（元）", width: 0.5, align: "right" },
        { header: "被选次数", width: 0.3, align: "center" },
      ],
      rows: r.pricesFen.map((p, i) => [String(i + 1), fenToYuan(p), String(r.tally[i] ?? 0)]),
    });
  }
  return blocks;
}

export async function readOpeningRecord(app: AppContext, lotId: string): Promise<Buffer> {
  const s = await app.db.openingSession.findUnique({ where: { lotId } });
  if (!s?.recordSha256) throw new AppError("NOT_FOUND", "The opening record is made when the opening closes");
  return readFile(recordPath(app, lotId));
}
