// Error messages never repeat their code (a user once saw "BID_NOT_ZIP: BID_NOT_ZIP: …"):
// not the client's message tables (zh-CN and en), not any message the server writes
// next to a code, not the client's formatting of an error envelope.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import zhBase from "../client/src/i18n/zh-CN";
import enBase from "../client/src/i18n/en";
import { withExperts } from "../client/src/experts/messages";
import { withEvaluation } from "../client/src/evaluation/messages";
import { formatErrorDetail, formatErrorText, withoutCode } from "../client/src/i18n/errorFormat";
import { AppError, parseStoredError, storedError } from "../server/errors";
import { SealingError } from "../server/opening/sealing/errors";
import { DocumentError } from "../server/documents/errors";

const CODE_LIKE = /[A-Z]{2,}_[A-Z_]+/;
const tables = { "zh-CN": withEvaluation(withExperts(zhBase, "zh-CN"), "zh-CN"), en: withEvaluation(withExperts(enBase, "en"), "en") };

function leaves(o: unknown, prefix = ""): [string, string][] {
  if (typeof o === "string") return [[prefix, o]];
  if (!o || typeof o !== "object") return [];
  return Object.entries(o).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}
const lookupIn = (locale: keyof typeof tables) => (key: string) => {
  const v = key.split(".").reduce<unknown>((x, p) => (x && typeof x === "object" ? (x as Record<string, unknown>)[p] : undefined), tables[locale]);
  return typeof v === "string" ? v : null;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "generated" ? [] : sourceFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

/** Every `new AppError|SealingError|DocumentError("CODE", <literal message>` in the server's sources. */
function serverMessages(): { where: string; code: string; message: string }[] {
  const root = join(__dirname, "..");
  const re = /new (?:AppError|SealingError|DocumentError)\(\s*"([A-Z][A-Z0-9_]+)",\s*("(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`)/g;
  return sourceFiles(join(root, "server")).flatMap((file) => {
    const text = readFileSync(file, "utf8");
    return [...text.matchAll(re)].map((m) => ({ where: `${relative(root, file)}:${text.slice(0, m.index).split("\n").length}`, code: m[1]!, message: m[2]!.slice(1, -1) }));
  });
}

describe("error messages never carry a code", () => {
  it.each(Object.keys(tables) as (keyof typeof tables)[])("%s: no error text in the message tables contains a code-like token", (locale) => {
    const t = tables[locale] as Record<string, unknown>;
    const texts = [...leaves(t.errors, "errors"), ...leaves(t.deviceErrors, "deviceErrors")];
    expect(texts.length).toBeGreaterThan(50);
    expect(texts.filter(([, v]) => CODE_LIKE.test(v))).toEqual([]);
  });

  it("no message the server writes next to a code contains that code or another error code", () => {
    const found = serverMessages();
    expect(found.length).toBeGreaterThan(200); // the scan sees the server's errors
    const codes = new Set(found.map((f) => f.code));
    const bad = found.filter((f) => (f.message.match(new RegExp(CODE_LIKE.source, "g")) ?? []).some((token) => token === f.code || codes.has(token)));
    expect(bad).toEqual([]);
  });

  it("the error classes keep the code beside the message, never in it", () => {
    expect(new SealingError("BID_NOT_ZIP", "the bid is not a ZIP archive").message).toBe("the bid is not a ZIP archive");
    expect(new DocumentError("DOC_INVALID", "not a PDF").message).toBe("not a PDF");
    const e = new AppError("BID_NOT_ZIP", "BID_NOT_ZIP: BID_NOT_ZIP: the bid is not a ZIP archive");
    expect(e.toBody()).toEqual({ code: "BID_NOT_ZIP", message: "the bid is not a ZIP archive" });
    expect(storedError("BID_NOT_ZIP", "BID_NOT_ZIP: the bid is not a ZIP archive")).toBe("BID_NOT_ZIP: the bid is not a ZIP archive");
    expect(parseStoredError("BID_NOT_ZIP: the bid is not a ZIP archive")).toEqual({ code: "BID_NOT_ZIP", message: "the bid is not a ZIP archive" });
    expect(parseStoredError("not decrypted within the window")).toEqual({ code: null, message: "not decrypted within the window" });
  });

  it("the client's formatter never prepends the code; a zh-CN user sees no code and no English", () => {
    const errs = [
      { code: "BID_NOT_ZIP", message: "BID_NOT_ZIP: BID_NOT_ZIP: the bid is not a ZIP archive" },
      { code: "IMPORT_ENCODING", message: "Line 3: the file is neither UTF-8 nor GB18030 (GBK) text; nothing was imported" },
      { code: "SOMETHING_NEW", message: "SOMETHING_NEW: a reason in English" },
      { code: "VALIDATION_FAILED", message: "只支持 .csv 或 .xlsx 文件" },
    ];
    for (const err of errs) {
      for (const locale of ["zh-CN", "en"] as const) {
        const text = formatErrorText(err, locale, lookupIn(locale));
        const detail = formatErrorDetail(err, locale, lookupIn(locale));
        const shown = `${text} ${detail ?? ""}`;
        expect(shown).not.toContain(err.code);
        expect(shown).not.toMatch(CODE_LIKE);
        if (locale === "zh-CN") expect(shown).not.toMatch(/[A-Za-z]{2,}\s+[A-Za-z]{2,}/);
      }
    }
    expect(formatErrorText(errs[0]!, "zh-CN", lookupIn("zh-CN"))).toBe("投标文件不是 ZIP");
    expect(formatErrorText(errs[1]!, "zh-CN", lookupIn("zh-CN"))).toBe("文件既不是 UTF-8 也不是 GB18030（GBK）编码的文本，未导入任何数据");
    expect(formatErrorText(errs[2]!, "zh-CN", lookupIn("zh-CN"))).toBe("操作失败");
    expect(formatErrorText(errs[2]!, "en", lookupIn("en"))).toBe("a reason in English");
    expect(formatErrorDetail(errs[0]!, "en", lookupIn("en"))).toBe("the bid is not a ZIP archive");
    expect(formatErrorDetail(errs[3]!, "zh-CN", lookupIn("zh-CN"))).toBe("只支持 .csv 或 .xlsx 文件"); // the client's own zh text stays
    expect(withoutCode("X_Y", "X_Y: X_Y: z")).toBe("z");
  });
});
