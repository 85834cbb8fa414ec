// One expert row as it comes from a file or a form: header names (Chinese or
// English) → fields, validation with the contract's schema, and the stored
// form (ID number and mobile sealed, a keyed hash for duplicates, masks).
import { ExpertInput, type ImportRowError } from "@contracts/experts";
import type { SecretBox } from "../platform/secrets";
import { maskMobile, maskResidentId, type IdHasher } from "./identity";

export const FIELDS = [
  "name",
  "residentId",
  "mobile",
  "specialties",
  "regionCode",
  "regionName",
  "employerName",
  "employerCreditCode",
  "title",
  "status",
  "statusReason",
] as const;
export type Field = (typeof FIELDS)[number];
export const REQUIRED: Field[] = ["name", "residentId", "mobile", "specialties", "regionCode", "employerName", "employerCreditCode"];

const ALIASES: Record<string, Field> = {
  name: "name",
  姓名: "name",
  residentid: "residentId",
  idnumber: "residentId",
  身份证号: "residentId",
  身份证号码: "residentId",
  mobile: "mobile",
  手机: "mobile",
  手机号: "mobile",
  手机号码: "mobile",
  specialties: "specialties",
  specialty: "specialties",
  专业: "specialties",
  专业代码: "specialties",
  评标专业: "specialties",
  regioncode: "regionCode",
  行政区划代码: "regionCode",
  地区代码: "regionCode",
  regionname: "regionName",
  所在地区: "regionName",
  地区: "regionName",
  employer: "employerName",
  employername: "employerName",
  工作单位: "employerName",
  employercreditcode: "employerCreditCode",
  统一社会信用代码: "employerCreditCode",
  单位信用代码: "employerCreditCode",
  title: "title",
  职称: "title",
  status: "status",
  状态: "status",
  statusreason: "statusReason",
  状态说明: "statusReason",
};

/** A header cell → the field it names, or null. */
export const fieldOf = (header: string): Field | null => ALIASES[header.replace(/[\s_\-（）()]/g, "").toLowerCase()] ?? null;

const STATUS_WORDS: Record<string, string> = { 正常: "active", 在库: "active", 暂停: "suspended", 停用: "suspended", 退出: "retired", 退休: "retired", 出库: "retired" };

export type RawRow = Partial<Record<Field, string>>;

/** Validates one row; returns the input or the row's errors (each with the file line). */
export function validateRow(raw: RawRow, line: number, knownSpecialties: ReadonlySet<string>, numericCells: ReadonlySet<Field> = new Set()): { ok: true; input: ExpertInput } | { ok: false; errors: ImportRowError[] } {
  const status = raw.status?.trim() ? (STATUS_WORDS[raw.status.trim()] ?? raw.status.trim().toLowerCase()) : undefined;
  const specialties = (raw.specialties ?? "").split(/[;；|、,，\s]+/).filter(Boolean);
  const parsed = ExpertInput.safeParse({
    name: raw.name ?? "",
    residentId: raw.residentId ?? "",
    mobile: raw.mobile ?? "",
    specialties,
    regionCode: raw.regionCode ?? "",
    regionName: raw.regionName ?? "",
    employerName: raw.employerName ?? "",
    employerCreditCode: raw.employerCreditCode ?? "",
    title: raw.title ?? "",
    ...(status ? { status } : {}),
    statusReason: raw.statusReason ?? "",
  });
  const errors: ImportRowError[] = [];
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const field = String(i.path[0] ?? "row");
      let message = i.message;
      if (field === "residentId" && numericCells.has("residentId")) {
        message += " (the spreadsheet stored it as a number and lost digits: format the column as text)";
      }
      errors.push({ line, field, message });
    }
  }
  const unknown = specialties.map((s) => s.toUpperCase()).filter((s) => /^[A-Z](\d{2}){1,4}$/.test(s) && !knownSpecialties.has(s));
  if (unknown.length) errors.push({ line, field: "specialties", message: `unknown specialty code ${unknown.join(", ")}` });
  if (errors.length || !parsed.success) return { ok: false, errors };
  return { ok: true, input: { ...parsed.data, specialties: [...new Set(parsed.data.specialties)] } };
}

export interface StoredExpert {
  name: string;
  idCipher: string;
  idHash: string;
  idMasked: string;
  mobileCipher: string;
  mobileMasked: string;
  regionCode: string;
  regionName: string;
  employerName: string;
  employerCreditCode: string;
  title: string;
  status: string;
  statusReason: string;
}

export function storedForm(input: ExpertInput, box: SecretBox, ids: IdHasher): StoredExpert {
  return {
    name: input.name,
    idCipher: box.seal(input.residentId),
    idHash: ids.hash(input.residentId),
    idMasked: maskResidentId(input.residentId),
    mobileCipher: box.seal(input.mobile),
    mobileMasked: maskMobile(input.mobile),
    regionCode: input.regionCode,
    regionName: input.regionName,
    employerName: input.employerName,
    employerCreditCode: input.employerCreditCode,
    title: input.title,
    status: input.status,
    statusReason: input.statusReason,
  };
}
