// The ledger's CSV format, row by row (pure: no I/O).
//   code,name,category,budget_yuan,reference_yuan,deal_yuan,deal_date,remote_evaluation[,hall][,agent]
// - category: 工程建设 / 政府采购 / 国有产权 / 国有土地, or engineering / procurement / property / land;
// - amounts in yuan, digits with at most 2 decimals, greater than 0, empty where not applicable
//   (which apply is the category's rule: a land deal has no budget);
// - deal_date YYYY-MM-DD (the Asia/Shanghai calendar date); remote_evaluation true / false.
import { categoryNames, categoryOrder, importColumns, isCalendarDate, optionalImportColumns, type Category } from "@contracts/stats";
import type { Rules } from "./rules";

/** A validated row, ready to stage. */
export interface DealRow {
  line: number;
  code: string;
  name: string;
  category: Category;
  budgetFen: bigint | null;
  referenceFen: bigint | null;
  dealFen: bigint;
  dealDay: number;
  dealMonth: number;
  remote: boolean;
  hall: string | null;
  agent: string | null;
}

export interface Header {
  hasHall: boolean;
  hasAgent: boolean;
  /** Column index of hall / agent. */
  hallAt: number;
  agentAt: number;
  width: number;
}

const byName = new Map<string, Category>([
  ...categoryOrder.map((c) => [c, c] as const),
  ...categoryOrder.map((c) => [categoryNames[c], c] as const),
]);

/** The header row → its layout, or the reason it is not the ledger's header. */
export function parseHeader(fields: string[]): Header | string {
  const names = fields.map((f) => f.trim().toLowerCase());
  const required = importColumns as readonly string[];
  for (let i = 0; i < required.length; i++) {
    if (names[i] !== required[i]) {
      return `the header must start with ${required.join(",")} (column ${i + 1} is ${names[i] === undefined ? "missing" : `"${fields[i]}"`})`;
    }
  }
  const rest = names.slice(required.length);
  const seen = new Set<string>();
  for (const n of rest) {
    if (!(optionalImportColumns as readonly string[]).includes(n)) return `unknown column "${n}" (after the required ones only hall and agent may follow)`;
    if (seen.has(n)) return `column "${n}" appears twice`;
    seen.add(n);
  }
  return { hasHall: seen.has("hall"), hasAgent: seen.has("agent"), hallAt: names.indexOf("hall"), agentAt: names.indexOf("agent"), width: names.length };
}

/** "1234.56" → 123456n fen; null for an empty field; a reason string when it is not an amount. */
export function parseYuan(text: string, column: string): bigint | null | { error: string } {
  const t = text.trim();
  if (t === "") return null;
  if (/^-/.test(t)) return { error: `${column} "${t}" must not be negative` };
  if (/^\d+\.\d{3,}$/.test(t)) return { error: `${column} "${t}" has more than 2 decimals` };
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) return { error: `${column} "${t}" is not an amount in yuan (digits with at most 2 decimals, e.g. 1234.56)` };
  const fen = BigInt(m[1]!) * 100n + BigInt((m[2] ?? "").padEnd(2, "0"));
  if (fen === 0n) return { error: `${column} must be greater than 0` };
  return fen;
}

export const dayOf = (date: string) => Number(date.replace(/-/g, ""));
export const dateOfDay = (day: number) => {
  const s = String(day);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
};

/** One data row → a DealRow, or the reasons it is bad. */
export function parseRow(fields: string[], line: number, header: Header, rules: Rules): DealRow | { errors: string[] } {
  const errors: string[] = [];
  if (fields.length !== header.width) {
    return { errors: [`has ${fields.length} fields, the header has ${header.width}`] };
  }
  const [codeF, nameF, categoryF, budgetF, referenceF, dealF, dateF, remoteF] = fields.map((f) => f.trim()) as [string, string, string, string, string, string, string, string];
  if (codeF === "") errors.push("code is empty");
  else if (codeF.length > 64) errors.push("code is longer than 64 characters");
  if (nameF === "") errors.push("name is empty");
  else if (nameF.length > 200) errors.push("name is longer than 200 characters");
  const category = byName.get(categoryF) ?? byName.get(categoryF.toLowerCase());
  if (!category) {
    errors.push(`category "${categoryF}" is not one of ${categoryOrder.map((c) => categoryNames[c]).join("/")} or ${categoryOrder.join("/")}`);
  }
  const amount = (text: string, column: string) => {
    const v = parseYuan(text, column);
    if (v !== null && typeof v === "object") {
      errors.push(v.error);
      return null;
    }
    return v;
  };
  const budgetFen = amount(budgetF, "budget_yuan");
  const referenceFen = amount(referenceF, "reference_yuan");
  const dealFen = amount(dealF, "deal_yuan");
  if (dealF === "") errors.push("deal_yuan is empty");
  if (category) {
    const rule = rules[category];
    const check = (use: typeof rule.budget, text: string, column: string, what: string) => {
      if (use === "forbidden" && text !== "") errors.push(`${column} must be empty for ${rule.name} (a ${category} deal has no ${what})`);
      if (use === "required" && text === "") errors.push(`${column} is required for ${rule.name}`);
    };
    check(rule.budget, budgetF, "budget_yuan", "budget");
    check(rule.reference, referenceF, "reference_yuan", rule.referenceName === "参考价" ? "reference price" : `reference price (${rule.referenceName})`);
  }
  if (!isCalendarDate(dateF)) errors.push(`deal_date "${dateF}" is not a date YYYY-MM-DD`);
  if (remoteF !== "true" && remoteF !== "false") errors.push(`remote_evaluation "${remoteF}" must be true or false`);
  const optional = (at: number, column: string) => {
    if (at < 0) return null;
    const v = (fields[at] ?? "").trim();
    if (v.length > 100) errors.push(`${column} is longer than 100 characters`);
    return v === "" ? null : v;
  };
  const hall = optional(header.hallAt, "hall");
  const agent = optional(header.agentAt, "agent");
  if (errors.length > 0 || !category || dealFen === null) return { errors };
  const dealDay = dayOf(dateF);
  return {
    line,
    code: codeF,
    name: nameF,
    category,
    budgetFen,
    referenceFen,
    dealFen,
    dealDay,
    dealMonth: Math.floor(dealDay / 100),
    remote: remoteF === "true",
    hall,
    agent,
  };
}
