// Supplements (补充记录) to an issued opening record. Once the opening is closed
// its signed 开标记录表 never changes; a correction or addition after that is a
// new PDF of its own — numbered, with its reason and text, naming the original
// record by its SHA-256 — signed by the platform and listed beside the original
// on every page that offers the record (the public stream carries the list).
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import { formatShanghai, renderPdf, signPdf } from "../documents";
import { AppError } from "../errors";
import { assertLotAgent, loadLot } from "./projects";

export const supplementPath = (app: AppContext, lotId: string, seq: number) => join(app.dirs.records, `${lotId}-opening-supplement-${seq}.pdf`);

/** Issues supplement no. N+1 on a closed opening's record: its PDF signed by the platform, then the row, in that order. */
export async function issueSupplement(app: AppContext, principal: Principal, input: { lotId: string; reason: string; text: string }) {
  const lot = await loadLot(app.db, input.lotId);
  assertLotAgent(principal, lot);
  if (principal.kind !== "user") throw new AppError("FORBIDDEN", "Only people may do this");
  const session = await app.db.openingSession.findUnique({ where: { lotId: lot.id } });
  if (!session?.recordSha256 || session.stage !== "closed") {
    throw new AppError("RECORD_NOT_ISSUED", "The opening record is not issued yet; until the opening closes, corrections go on the record itself");
  }
  const me = await app.db.user.findUniqueOrThrow({ where: { id: principal.userId }, select: { displayName: true } });
  const center = await app.db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  const issuedAt = new Date();
  // The number is taken again inside the transaction; a concurrent supplement makes this one fail, never share a number.
  const seq = (await app.db.openingSupplement.count({ where: { lotId: lot.id } })) + 1;
  const pdf = await renderPdf({
    title: `开标记录补充记录（第 ${seq} 号）`,
    metadata: { subject: `${lot.project.name} ${lot.name} 开标记录补充记录第 ${seq} 号`, author: center.name, keywords: ["开标记录", "补充记录"] },
    footerText: `项目编号：${lot.project.code}  标段：${lot.code}  补充记录第 ${seq} 号`,
    blocks: [
      {
        kind: "keyValue",
        items: [
          { key: "项目名称", value: lot.project.name },
          { key: "项目编号", value: lot.project.code },
          { key: "标段", value: `${lot.name}（${lot.code}）` },
          { key: "原开标记录表", value: `${session.closedAt ? formatShanghai(session.closedAt) : "—"} 出具，SHA-256：${session.recordSha256}` },
          { key: "补充记录编号", value: `第 ${seq} 号` },
          { key: "出具人", value: me.displayName },
          { key: "出具时间", value: formatShanghai(issuedAt) },
        ],
      },
      { kind: "heading", text: "补充原因", level: 2 },
      { kind: "paragraph", text: input.reason },
      { kind: "heading", text: "补充内容", level: 2 },
      { kind: "paragraph", text: input.text },
      {
        kind: "paragraph",
        text: "本补充记录与原开标记录表一并构成本标段的开标记录；原开标记录表内容不作改动，以本补充记录所载内容为准。本记录由电子开评标系统生成，并由平台电子签章。",
      },
      { kind: "signatures", title: "签字", signers: [{ role: "招标人/招标代理" }, { role: "监督人员" }] },
    ],
  });
  const signed = await signPdf(pdf, app.pki.platform, { fieldName: "platform", reason: `开标记录补充记录第 ${seq} 号平台电子签章`, name: center.name });
  const sha256 = createHash("sha256").update(signed).digest("hex");
  await mkdir(app.dirs.records, { recursive: true });
  const path = supplementPath(app, lot.id, seq);
  const tmp = `${path}.tmp`;
  await writeFile(tmp, signed);
  await app.db
    .$transaction(async (tx) => {
    const n = await tx.openingSupplement.count({ where: { lotId: lot.id } });
    if (n + 1 !== seq) throw new AppError("CONFLICT", "Another supplement was issued meanwhile; issue this one again");
    await tx.openingSupplement.create({
      data: { lotId: lot.id, seq, reason: input.reason, text: input.text, issuedBy: me.displayName, issuedAt, recordSha256: session.recordSha256!, sha256 },
    });
    await appendAudit(tx, { actor: actorOf(principal), action: "opening.supplement", target: `lot:${lot.id}`, payload: { seq, reason: input.reason, sha256 } });
    })
    .catch(async (err: unknown) => {
      await rm(tmp, { force: true });
      throw err;
    });
  await rename(tmp, path);
  app.events.emit("opening.changed", { lotId: lot.id, roomId: lot.roomId });
  return { lotId: lot.id, seq, sha256 };
}

export async function readSupplement(app: AppContext, lotId: string, seq: number): Promise<Buffer> {
  const row = await app.db.openingSupplement.findUnique({ where: { lotId_seq: { lotId, seq } } });
  if (!row) throw new AppError("NOT_FOUND", `No supplement ${seq} on this lot's opening record`);
  return readFile(supplementPath(app, lotId, seq));
}
