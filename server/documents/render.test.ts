import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDocumentError } from "./errors.js";
import type { PdfDoc } from "./model.js";
import { renderPdf } from "./render.js";
import { sampleCompany, sampleOpeningRecord, samplePrice } from "../../test/fixtures/sample-doc.js";
import { svgToPng } from "../stats/charts.js";
import { tool } from "../../test/helpers/pdf-tools.js";

let dir = "";
let file = "";
let bytes: Uint8Array = new Uint8Array();
let pages = 0;

// A 240×120 sawtooth "chart" drawn as SVG and rasterised by the report's own SVG → PNG path (resvg).
const teeth = [0, 60, 120, 180].map((x) => `<polygon points="${x},110 ${x + 60},50 ${x + 60},120 ${x},120" fill="#285ac8"/>`);
const chart = svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120">${teeth.join("")}</svg>`, 1);

async function pdfFile(name: string, doc: PdfDoc): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, await renderPdf(doc));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bid-hall-render-"));
  bytes = await renderPdf(
    sampleOpeningRecord(60, [{ kind: "image", png: chart, width: 0.5, caption: "图1 报价分布（示意）" }]),
  );
  file = join(dir, "opening.pdf");
  await writeFile(file, bytes);
  pages = Number(/Pages:\s+(\d+)/.exec(await tool("pdfinfo", [file]))?.[1]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("renderPdf: 60-row opening record", () => {
  it("spreads over several pages", () => {
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("keeps the Chinese text extractable", async () => {
    const text = await tool("pdftotext", [file, "-"]);
    const compact = text.replace(/\s+/g, ""); // long cells wrap inside the table
    expect(text).toContain("开标记录表");
    expect(text).toContain("滨江大道（一期）道路改造及配套管网工程施工总承包");
    expect(text).toContain(sampleCompany(0));
    expect(compact).toContain(sampleCompany(3));
    expect(text).toContain(samplePrice(59));
    expect(text).toContain("Shenzhen Example Engineering Co., Ltd.");
    expect(text).toContain(`第 2 页 / 共 ${pages} 页`);
    expect(text).toContain("项目编号：JS-2026-0001");
    expect(text).toContain("招标人代表：张三");
  });

  it("repeats the table header on the continuation page", async () => {
    const page2 = await tool("pdftotext", ["-f", "2", "-l", "2", file, "-"]);
    expect(page2).toContain("投标人名称");
    expect(page2).toContain("投标报价（元）");
  });

  it("passes qpdf --check", async () => {
    const out = await tool("qpdf", ["--check", file]);
    expect(out).toContain("No syntax or stream encoding errors found");
  });

  it("stays small because the fonts are subset", () => {
    expect(bytes.length).toBeLessThan(200 * 1024);
  });

  it("carries the metadata", async () => {
    const info = await tool("pdfinfo", [file]);
    expect(info).toMatch(/Title:\s+开标记录表/);
    expect(info).toMatch(/Author:\s+演示公共资源交易中心/);
    expect(info).toMatch(/Subject:\s+滨江大道/);
    expect(info).toMatch(/Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)/);
  });

  it("renders every page with pdftoppm", async () => {
    const out = join(dir, "png");
    await tool("pdftoppm", ["-png", "-r", "50", file, out]);
    const pngs = (await readdir(dir)).filter((f) => f.startsWith("png") && f.endsWith(".png"));
    expect(pngs).toHaveLength(pages);
  });

  it("is byte-identical for the same input and creation date", async () => {
    const again = await renderPdf(
      sampleOpeningRecord(60, [{ kind: "image", png: chart, width: 0.5, caption: "图1 报价分布（示意）" }]),
    );
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe("renderPdf: layout cases", () => {
  it("renders landscape A4", async () => {
    const path = await pdfFile("landscape.pdf", { title: "横向统计表", orientation: "landscape", blocks: [] });
    expect(await tool("pdfinfo", [path])).toMatch(/Page size:\s+841\.8\d* x 595\.2\d* pts/);
  });

  it("splits a row taller than a page between its lines", async () => {
    const long = `${"评标委员会意见。".repeat(700)}结束标记END`;
    const path = await pdfFile("tall-row.pdf", {
      title: "长单元格",
      blocks: [{ kind: "table", columns: [{ header: "项", width: 1 }, { header: "意见", width: 4 }], rows: [["1", long]] }],
    });
    const info = await tool("pdfinfo", [path]);
    expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBeGreaterThanOrEqual(2);
    expect((await tool("pdftotext", [path, "-"])).replace(/\s/g, "")).toContain("结束标记END");
  });

  it("renders headings, paragraphs, spacers and page breaks", async () => {
    const path = await pdfFile("blocks.pdf", {
      title: "评标报告",
      blocks: [
        { kind: "heading", text: "一、项目概况", level: 1 },
        { kind: "paragraph", text: "第一行\n第二行", align: "center", bold: true },
        { kind: "spacer", height: 20 },
        { kind: "pageBreak" },
        { kind: "heading", text: "二、评标结果", level: 2 },
        { kind: "signatures", signers: [{ role: "评标专家" }], columns: 3, withDate: false },
      ],
    });
    const text = await tool("pdftotext", [path, "-"]);
    expect(text).toContain("第二行");
    expect(text).toContain("共 2 页");
    expect(await tool("pdftotext", ["-f", "2", "-l", "2", path, "-"])).toContain("二、评标结果");
  });

  it("rejects a table row with the wrong number of cells", async () => {
    const doc: PdfDoc = { title: "x", blocks: [{ kind: "table", columns: [{ header: "a", width: 1 }], rows: [["1", "2"]] }] };
    await expect(renderPdf(doc)).rejects.toSatisfy((e) => isDocumentError(e, "DOC_INVALID"));
  });

  it("rejects an image that is not a PNG", async () => {
    const doc: PdfDoc = { title: "x", blocks: [{ kind: "image", png: new Uint8Array([1, 2, 3]) }] };
    await expect(renderPdf(doc)).rejects.toSatisfy((e) => isDocumentError(e, "DOC_INVALID"));
  });
});
