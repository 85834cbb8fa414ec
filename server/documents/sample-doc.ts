/**
 * Sample documents for tests, benchmarks and demos (fictitious data): an
 * opening record (开标记录表) with `rows` bidders.
 */
import type { PdfBlock, PdfDoc } from "./model.js";

const COMPANIES = [
  "北京市建工集团有限责任公司",
  "上海隧道工程股份有限公司（联合体牵头人）",
  "中国建筑第八工程局有限公司",
  "广东省建筑工程集团控股有限公司第三分公司华南区域项目管理部",
  "Shenzhen Example Engineering Co., Ltd.",
  "浙江省交通工程建设集团有限公司",
  "中铁十二局集团第二工程有限公司",
];

/** Name of the i-th (0-based) sample bidder. */
export function sampleCompany(i: number): string {
  return `${COMPANIES[i % COMPANIES.length] ?? ""}${i >= COMPANIES.length ? `（${Math.floor(i / COMPANIES.length) + 1}）` : ""}`;
}

const priceFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Price of the i-th sample bidder, formatted like `12,345,678.90`. */
export function samplePrice(i: number): string {
  return priceFormat.format(12_345_678.9 + i * 10_321.17);
}

/** 开标记录表 with a bidder table of `rows` rows, a remarks paragraph and a signature area. */
export function sampleOpeningRecord(rows: number, extra: PdfBlock[] = []): PdfDoc {
  return {
    title: "开标记录表",
    metadata: {
      subject: "滨江大道（一期）道路改造工程施工 开标记录",
      author: "演示公共资源交易中心",
      keywords: ["开标", "记录"],
      creationDate: new Date("2026-11-25T06:30:00Z"),
    },
    footerText: "项目编号：JS-2026-0001",
    blocks: [
      {
        kind: "keyValue",
        items: [
          { key: "项目名称", value: "滨江大道（一期）道路改造及配套管网工程施工总承包" },
          { key: "项目编号", value: "JS-2026-0001" },
          { key: "开标时间", value: "2026-11-25 14:30:00" },
          { key: "开标地点", value: "演示公共资源交易中心 电子开标大厅" },
        ],
      },
      { kind: "heading", text: "一、投标报价" },
      {
        kind: "paragraph",
        indent: true,
        text: `本项目共有${rows}家投标人在投标截止时间前递交了电子投标文件，经投标人解密，全部解密成功。The bids were decrypted by the bidders and read out in public.`,
      },
      {
        kind: "table",
        caption: "表1 投标人报价一览",
        columns: [
          { header: "序号", width: 0.07, align: "center" },
          { header: "投标人名称", width: 0.43 },
          { header: "投标报价（元）", width: 0.2, align: "right" },
          { header: "工期（日历天）", width: 0.13, align: "center" },
          { header: "备注", width: 0.17 },
        ],
        rows: Array.from({ length: rows }, (_, i) => [
          String(i + 1),
          sampleCompany(i),
          samplePrice(i),
          String(300 + (i % 5) * 10),
          i % 9 === 4 ? "投标保证金以电子保函形式提交" : "",
        ]),
      },
      ...extra,
      {
        kind: "signatures",
        title: "开标现场人员签字",
        signers: [
          { role: "招标人代表", name: "张三" },
          { role: "招标代理机构", name: "李四" },
          { role: "监督人员", name: "王五" },
          { role: "记录人", name: "赵六" },
        ],
      },
    ],
  };
}
