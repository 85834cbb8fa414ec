// Synthetic experts for the demo, tests and benchmarks: valid resident ID
// numbers (GB 11643 check digit), valid credit codes (GB 32100), plausible
// names, regions (Jiangsu-style division codes), employers and specialties.
// Deterministic for a given seed.
import { creditCodeCheckChar, residentIdCheckChar } from "@contracts/ids";

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红鹏飞斌宇浩凯晨阳旭辉俊婷雪琳慧颖倩楠亮志国庆文博思远清晓海波宁峰涵";
const CITIES = ["南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁"];
const COUNTIES = ["玄武区", "秦淮区", "鼓楼区", "新区", "高新区", "经开区", "县", "市", "湖区"];
const TITLES = ["高级工程师", "正高级工程师", "教授", "副教授", "高级经济师", "高级会计师", "研究员"];
const EMPLOYER_KINDS = ["建设集团有限公司", "设计研究院有限公司", "工程咨询有限公司", "大学", "交通规划设计院", "水利勘测设计院", "会计师事务所"];
const USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY";

export const regionCodeOf = (city: number, county: number) => `32${String(city).padStart(2, "0")}${String(county).padStart(2, "0")}`;
export const regionNameOf = (code: string) => `江苏省${CITIES[Number(code.slice(2, 4)) - 1] ?? "某"}市${COUNTIES[(Number(code.slice(4, 6)) - 1) % COUNTIES.length]}`;

export function residentIdFor(region: string, birth: { y: number; m: number; d: number }, seq: number): string {
  const first17 = `${region}${birth.y}${String(birth.m).padStart(2, "0")}${String(birth.d).padStart(2, "0")}${String(seq % 1000).padStart(3, "0")}`;
  return first17 + residentIdCheckChar(first17)!;
}

export function creditCodeFor(region: string, org: number): string {
  let body = "";
  let x = org;
  for (let i = 0; i < 9; i++) {
    body = USCC[x % 31]! + body;
    x = Math.floor(x / 31);
  }
  const first17 = `91${region}${body}`;
  return first17 + creditCodeCheckChar(first17)!;
}

export interface SynthExpert {
  name: string;
  residentId: string;
  mobile: string;
  specialties: string[];
  regionCode: string;
  regionName: string;
  employerName: string;
  employerCreditCode: string;
  title: string;
  status: "active" | "suspended" | "retired";
}

export interface SynthOptions {
  seed?: number;
  /** Codes to draw specialties from (leaves of the tree). */
  specialties: string[];
  /** Cities (1–13) to place experts in; default all. */
  cities?: number[];
  /** Number of employers (default n / 20, at least 5). */
  employers?: number;
  /** Share of experts not active (suspended or retired), default 0.03. */
  inactive?: number;
}

/**
 * n distinct experts. The resident ID is unique by construction: the i-th
 * expert's birth date and sequence number encode i (up to 36,500,000 experts).
 */
export function* syntheticExperts(n: number, opts: SynthOptions): Generator<SynthExpert> {
  const rnd = prng(opts.seed ?? 20261125);
  const cities = opts.cities ?? Array.from({ length: 13 }, (_, i) => i + 1);
  const employers = Math.max(5, opts.employers ?? Math.floor(n / 20));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  for (let i = 0; i < n; i++) {
    const region = regionCodeOf(pick(cities), 1 + Math.floor(rnd() * 9));
    // i → (day index, sequence): 1000 sequence numbers per birth date from 1950-01-01.
    const day = new Date(Date.UTC(1950, 0, 1) + Math.floor(i / 1000) * 86_400_000);
    const residentId = residentIdFor(region, { y: day.getUTCFullYear(), m: day.getUTCMonth() + 1, d: day.getUTCDate() }, i % 1000);
    const first = pick(opts.specialties);
    const specialties = rnd() < 0.4 ? [...new Set([first, pick(opts.specialties)])] : [first];
    const org = Math.floor(rnd() * employers);
    const orgRegion = regionCodeOf(cities[org % cities.length]!, 1 + (org % 9));
    const r = rnd();
    const inactive = opts.inactive ?? 0.03;
    yield {
      name: pick([...SURNAMES]) + pick([...GIVEN]) + (rnd() < 0.6 ? pick([...GIVEN]) : ""),
      residentId,
      mobile: `1${pick(["3", "5", "8", "9"])}${String(Math.floor(rnd() * 1e9)).padStart(9, "0")}`,
      specialties,
      regionCode: region,
      regionName: regionNameOf(region),
      employerName: `${CITIES[Number(orgRegion.slice(2, 4)) - 1]}第${org + 1}${pick(EMPLOYER_KINDS)}`.replace(/第(\d+)(大学)/, "第$1$2"),
      employerCreditCode: creditCodeFor(orgRegion, org + 1),
      title: pick(TITLES),
      status: r < inactive * 0.7 ? "suspended" : r < inactive ? "retired" : "active",
    };
  }
}

export const CSV_HEADER = "姓名,身份证号,手机,专业,行政区划代码,所在地区,工作单位,统一社会信用代码,职称,状态";
const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
export const csvLine = (e: SynthExpert) =>
  [e.name, e.residentId, e.mobile, e.specialties.join(";"), e.regionCode, e.regionName, e.employerName, e.employerCreditCode, e.title, e.status].map(q).join(",");
