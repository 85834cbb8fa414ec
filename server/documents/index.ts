/**
 * Documents of the bid hall: A4 PDF rendering with Chinese text, PDF
 * signatures (adbe.pkcs7.detached, incremental) and pdfsig-based checks.
 *
 * ```ts
 * const pdf = await renderPdf({ title: "评标报告", blocks: [...] });
 * let signed = await signPdf(pdf, expert1, { fieldName: "expert-1", reason: "评标报告签字", name: "张三" });
 * signed = await signPdf(signed, platform, { fieldName: "platform", reason: "平台签章", name: "交易平台" });
 * ```
 *
 * Its test helpers (the throw-away PKI, the poppler wrappers, the sample
 * document) live under test/helpers and test/fixtures.
 */
export * from "./model.js";
export { renderPdf, warmUpRenderer, PDF_CREATOR } from "./render.js";
export { formatShanghai, formatShanghaiDate } from "./time.js";
export { signPdf, type SignOptions } from "./sign.js";
export type { SignerPems } from "./signer-keys.js";
export {
  verifyPdfSignatures,
  parsePdfsigOutput,
  createNssTrustStore,
  type PdfSignatureInfo,
  type PdfSigReport,
  type NssTrustStore,
} from "./verify.js";
export { DocumentError, isDocumentError, DOCUMENT_ERROR_CODES, type DocumentErrorCode } from "./errors.js";
export { wrapText } from "./text.js";
