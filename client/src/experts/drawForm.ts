// The agent's draw request form (专家抽取申请): the form's model, its mapping to
// the wire request (RequestDrawInput), the checks made before sending (each
// with a form path and an i18n key), a committee preview, and the reading of
// the server's refusals — committee rules, and "the pool cannot fill", whose
// details name the site, the specialty, how many are missing and which
// exclusion removed the most.
import type { ErrorBody } from "@contracts/common";
import type { RequestDrawInput } from "@contracts/experts";
import { shanghaiToIso } from "../opening/time";

export interface NeedRow {
  specialtyCode: string;
  count: number;
  backups: number;
}
export interface SiteRow {
  roomId: string;
  role: "main" | "secondary";
  /** 2, 4 or 6 digits of a division code, or empty (anywhere). */
  regionPrefix: string;
  needs: NeedRow[];
}
export interface DrawFormModel {
  projectId: string;
  /** Empty: the whole project. */
  lotId: string;
  /** "YYYY-MM-DD HH:mm", Asia/Shanghai. */
  evaluationAt: string;
  sites: SiteRow[];
  ownerRepresentatives: number;
  /** The tenderer's credit codes, separated by commas, spaces or new lines. */
  ownerCreditCodes: string;
  projectRegionCode: string;
  /** The configured same-county rule, or this request's override. */
  sameCounty: "default" | "exclude" | "include";
  /** One per line: an ID number, then the reason. */
  manualExclusions: string;
}

export interface FormProblem {
  /** Form path, e.g. `sites.1.needs.0.specialtyCode`. */
  path: string;
  /** i18n key under experts.form.problems. */
  key: string;
  named?: Record<string, string | number>;
}

export const emptyNeed = (): NeedRow => ({ specialtyCode: "", count: 1, backups: 0 });
export const emptySite = (role: SiteRow["role"]): SiteRow => ({ roomId: "", role, regionPrefix: "", needs: [emptyNeed()] });
export const emptyDrawForm = (): DrawFormModel => ({
  projectId: "",
  lotId: "",
  evaluationAt: "",
  sites: [emptySite("main")],
  ownerRepresentatives: 0,
  ownerCreditCodes: "",
  projectRegionCode: "",
  sameCounty: "default",
  manualExclusions: "",
});

const splitCodes = (s: string) =>
  s
    .split(/[\s,，;；]+/)
    .map((x) => x.trim().toUpperCase())
    .filter(Boolean);

/** Experts drawn, committee size (with the tenderer's representatives) and whether it is odd. */
export function committeePreview(form: Pick<DrawFormModel, "sites" | "ownerRepresentatives">) {
  const experts = form.sites.reduce((s, site) => s + site.needs.reduce((t, n) => t + (Number.isInteger(n.count) && n.count > 0 ? n.count : 0), 0), 0);
  const backups = form.sites.reduce((s, site) => s + site.needs.reduce((t, n) => t + (Number.isInteger(n.backups) && n.backups > 0 ? n.backups : 0), 0), 0);
  const size = experts + Math.max(0, form.ownerRepresentatives || 0);
  return { experts, backups, size, odd: size % 2 === 1, expertsShareOk: experts * 3 >= size * 2 };
}

/** The form → the request, or what to fix first (the server checks everything again). */
export function toDrawRequest(form: DrawFormModel, now = Date.now()): { ok: true; input: RequestDrawInput } | { ok: false; problems: FormProblem[] } {
  const problems: FormProblem[] = [];
  if (!form.projectId) problems.push({ path: "projectId", key: "required" });
  const evaluationAt = shanghaiToIso(form.evaluationAt);
  if (!evaluationAt) problems.push({ path: "evaluationAt", key: "time" });
  else if (Date.parse(evaluationAt) <= now) problems.push({ path: "evaluationAt", key: "past" });
  const mains = form.sites.filter((s) => s.role === "main").length;
  if (mains !== 1) problems.push({ path: "sites", key: "oneMain", named: { n: mains } });
  const rooms = new Set<string>();
  form.sites.forEach((site, i) => {
    if (!site.roomId) problems.push({ path: `sites.${i}.roomId`, key: "required" });
    else if (rooms.has(site.roomId)) problems.push({ path: `sites.${i}.roomId`, key: "roomTwice" });
    rooms.add(site.roomId);
    if (site.regionPrefix && !/^(\d{2}|\d{4}|\d{6})$/.test(site.regionPrefix.trim())) problems.push({ path: `sites.${i}.regionPrefix`, key: "regionPrefix" });
    if (site.needs.length === 0) problems.push({ path: `sites.${i}.needs`, key: "noNeeds" });
    const codes = new Set<string>();
    site.needs.forEach((n, j) => {
      const code = n.specialtyCode.trim().toUpperCase();
      if (!code) problems.push({ path: `sites.${i}.needs.${j}.specialtyCode`, key: "required" });
      else if (codes.has(code)) problems.push({ path: `sites.${i}.needs.${j}.specialtyCode`, key: "specialtyTwice" });
      codes.add(code);
      if (!Number.isInteger(n.count) || n.count < 1 || n.count > 50) problems.push({ path: `sites.${i}.needs.${j}.count`, key: "count" });
      if (!Number.isInteger(n.backups) || n.backups < 0 || n.backups > 20) problems.push({ path: `sites.${i}.needs.${j}.backups`, key: "backups" });
    });
  });
  const ownerCreditCodes = splitCodes(form.ownerCreditCodes);
  ownerCreditCodes.forEach((c, i) => {
    if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(c)) problems.push({ path: `ownerCreditCodes.${i}`, key: "creditCode", named: { code: c } });
  });
  const region = form.projectRegionCode.trim();
  if (region && !/^[1-8]\d{5}$/.test(region)) problems.push({ path: "projectRegionCode", key: "regionCode" });
  if (form.sameCounty === "exclude" && !region) problems.push({ path: "projectRegionCode", key: "regionForCounty" });
  const manualExclusions: { residentId: string; reason: string }[] = [];
  form.manualExclusions
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const m = /^(\d{17}[\dXx])[\s,，:：]+(.{2,200})$/.exec(line);
      if (!m) problems.push({ path: `manualExclusions.${i}`, key: "manualLine", named: { line: i + 1 } });
      else manualExclusions.push({ residentId: m[1]!.toUpperCase(), reason: m[2]!.trim() });
    });
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    input: {
      projectId: form.projectId,
      ...(form.lotId ? { lotId: form.lotId } : {}),
      evaluationAt: evaluationAt!,
      sites: form.sites.map((s) => ({
        roomId: s.roomId,
        role: s.role,
        ...(s.regionPrefix.trim() ? { regionPrefix: s.regionPrefix.trim() } : {}),
        needs: s.needs.map((n) => ({ specialtyCode: n.specialtyCode.trim().toUpperCase(), count: n.count, backups: n.backups })),
      })),
      ownerRepresentatives: form.ownerRepresentatives,
      ownerCreditCodes,
      ...(region ? { projectRegionCode: region } : {}),
      ...(form.sameCounty === "default" ? {} : { excludeSameCounty: form.sameCounty === "exclude" }),
      manualExclusions,
    },
  };
}

/** One line of "the pool cannot fill" (POOL_SHORT), as the server words it. */
export interface PoolShortage {
  path: string;
  site: number;
  roomName: string;
  role: "main" | "secondary";
  specialtyCode: string;
  specialtyName: string;
  required: number;
  eligible: number;
  candidates: number;
  short: number;
  /** The exclusion that removed the most, or null when none applied (too few experts there at all). */
  top: { reason: string; count: number } | null;
}

// "site 1 第一评标室 (main), specialty A010101 建筑工程技术: needs 6 (5 + 1 backup), 2 eligible of 6, short by 4;
//  the exclusion that removed the most: bidder-employer 投标人单位 (4)"
const SHORT_RE =
  /^site (\d+) (.*) \((main|secondary)\), specialty ([A-Z0-9]+) (.*?): needs (\d+) \(.*?\), (\d+) eligible of (\d+), short by (\d+); (?:the exclusion that removed the most: ([a-z-]+) .*\((\d+)\)|no exclusion applied.*)$/;

export function parsePoolShort(err: ErrorBody): PoolShortage[] {
  if (err.code !== "POOL_SHORT") return [];
  return (err.details ?? []).flatMap((d) => {
    const m = SHORT_RE.exec(d.message);
    if (!m) return [];
    return [
      {
        path: d.path,
        site: Number(m[1]),
        roomName: m[2]!,
        role: m[3] as "main" | "secondary",
        specialtyCode: m[4]!,
        specialtyName: m[5]!,
        required: Number(m[6]),
        eligible: Number(m[7]),
        candidates: Number(m[8]),
        short: Number(m[9]),
        top: m[10] ? { reason: m[10], count: Number(m[11]) } : null,
      },
    ];
  });
}

/** Server details (committee rules, validation) mapped onto the form's fields. */
export function problemsByPath(err: ErrorBody | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of err?.details ?? []) {
    const key = d.path || "(form)";
    out.set(key, [...(out.get(key) ?? []), d.message]);
  }
  return out;
}
