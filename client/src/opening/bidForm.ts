// The bidder's 开标一览表 form → bid.json (the BidJson contract), and the bid
// ZIP (bid.json + attachments) built in the browser with fflate.
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from "fflate";
import { isValidCreditCode } from "@contracts/ids";
import type { LotView } from "@contracts/opening";
import { parseYuan, type YuanProblem } from "./money";

/** bid.json keys the form always has; a lot's bidFields with these keys mark them required. */
export const STANDARD_KEYS = ["price", "durationDays", "quality", "projectManager"] as const;

export interface BidForm {
  creditCode: string;
  priceYuan: string;
  durationDays: string;
  quality: string;
  projectManager: string;
  /** Values of the lot's extra bidFields, as typed. */
  fields: Record<string, string>;
}

export const emptyBidForm = (creditCode = ""): BidForm => ({
  creditCode,
  priceYuan: "",
  durationDays: "",
  quality: "",
  projectManager: "",
  fields: {},
});

type Lot = Pick<LotView, "code" | "bidFields">;

/** The lot's bidFields that are not one of the standard keys (shown as extra inputs). */
export const extraFields = (lot: Lot) => lot.bidFields.filter((f) => !(STANDARD_KEYS as readonly string[]).includes(f.key));
/** Whether a standard key is required by the lot (price always is). */
export const standardRequired = (lot: Lot, key: (typeof STANDARD_KEYS)[number]) =>
  key === "price" || lot.bidFields.some((f) => f.key === key && f.required);

export interface BidJsonOut {
  lotCode: string;
  bidderCreditCode: string;
  price: string;
  durationDays?: number;
  quality?: string;
  projectManager?: string;
  fields: Record<string, string | number>;
}

export type BidProblems = Record<string, { key: string; named?: Record<string, unknown> }>;

const wholeNumber = (s: string) => (/^\d{1,9}$/.test(s.trim()) ? Number(s.trim()) : null);

/** Form → bid.json, or the problems by field ("price", "durationDays", "fields.xxx", …). */
export function toBidJson(form: BidForm, lot: Lot): { ok: true; json: BidJsonOut } | { ok: false; problems: BidProblems } {
  const problems: BidProblems = {};
  const credit = form.creditCode.trim().toUpperCase();
  if (!isValidCreditCode(credit)) problems.creditCode = { key: "creditCode" };
  const price = parseYuan(form.priceYuan);
  if (!price.ok) problems.price = { key: `money.${price.problem satisfies YuanProblem}` };
  else if (price.fen <= 0) problems.price = { key: "money.positive" };

  const json: BidJsonOut = { lotCode: lot.code, bidderCreditCode: credit, price: "", fields: {} };
  if (price.ok) {
    const yuan = Math.floor(price.fen / 100);
    json.price = `${yuan}.${String(price.fen % 100).padStart(2, "0")}`;
  }
  if (form.durationDays.trim()) {
    const d = wholeNumber(form.durationDays);
    if (d === null || d <= 0 || d > 100000) problems.durationDays = { key: "wholeDays" };
    else json.durationDays = d;
  } else if (standardRequired(lot, "durationDays")) problems.durationDays = { key: "required" };
  for (const k of ["quality", "projectManager"] as const) {
    const v = form[k].trim();
    const max = k === "quality" ? 200 : 50;
    if (v.length > max) problems[k] = { key: "tooLong", named: { max } };
    else if (v) json[k] = v;
    else if (standardRequired(lot, k)) problems[k] = { key: "required" };
  }
  for (const f of extraFields(lot)) {
    const v = (form.fields[f.key] ?? "").trim();
    const path = `fields.${f.key}`;
    if (!v) {
      if (f.required) problems[path] = { key: "required" };
      continue;
    }
    if (f.type === "integer") {
      if (!/^-?\d{1,15}$/.test(v)) problems[path] = { key: "integer" };
      else json.fields[f.key] = Number(v);
    } else if (v.length > 500) problems[path] = { key: "tooLong", named: { max: 500 } };
    else json.fields[f.key] = v;
  }
  return Object.keys(problems).length ? { ok: false, problems } : { ok: true, json };
}

export interface Attachment {
  /** Path inside the ZIP, e.g. "技术标/施工组织设计.pdf". */
  name: string;
  bytes: Uint8Array;
}

/** Safe ZIP entry name: forward slashes, no leading slash, no "..", never bid.json. */
export function entryName(name: string, taken: Set<string>): string {
  let n = name
    .replace(/\\/g, "/")
    .split("/")
    .filter((s) => s && s !== "." && s !== "..")
    .join("/");
  if (!n) n = "附件";
  if (n.toLowerCase() === "bid.json") n = `附件/${n}`;
  let out = n;
  for (let i = 2; taken.has(out); i++) {
    const dot = n.lastIndexOf(".");
    out = dot > 0 ? `${n.slice(0, dot)} (${i})${n.slice(dot)}` : `${n} (${i})`;
  }
  taken.add(out);
  return out;
}

/** bid.json (pretty, UTF-8) and the attachments as one ZIP. */
export function buildBidZip(json: BidJsonOut, attachments: Attachment[]): Uint8Array {
  const taken = new Set<string>(["bid.json"]);
  const files: Zippable = { "bid.json": strToU8(JSON.stringify(json, null, 2)) };
  for (const a of attachments) files[entryName(a.name, taken)] = a.bytes;
  return zipSync(files, { level: 6 });
}

export type ZipCheck =
  | { ok: true; bidJson: Record<string, unknown>; entries: string[] }
  | { ok: false; problem: "notZip" | "noBidJson" | "badJson" | "otherLot"; named?: Record<string, unknown> };

/** A ready-made ZIP: it must hold a bid.json at the top, for this lot. */
export function checkReadyZip(bytes: Uint8Array, lotCode: string): ZipCheck {
  const entries: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    // Only bid.json is inflated; the other entries are listed.
    files = unzipSync(bytes, {
      filter: (f) => {
        entries.push(f.name);
        return f.name === "bid.json";
      },
    });
  } catch {
    return { ok: false, problem: "notZip" };
  }
  const raw = files["bid.json"];
  if (!raw) return { ok: false, problem: "noBidJson" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(strFromU8(raw));
  } catch {
    return { ok: false, problem: "badJson" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, problem: "badJson" };
  const j = parsed as Record<string, unknown>;
  if (j.lotCode !== lotCode) return { ok: false, problem: "otherLot", named: { found: String(j.lotCode ?? "—"), expected: lotCode } };
  return { ok: true, bidJson: j, entries };
}
