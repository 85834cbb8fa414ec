// The evaluation specialty tree (评标专业分类), imported as data. Codes are
// hierarchical by prefix, in the style of the national classification: a
// letter and pairs of digits, each level two more digits (A01 工程类 >
// A0101 房屋建筑工程 > A010101 建筑工程技术). SAMPLE_TREE is a small sample
// for the demo and tests; a real center imports its province's tree
// (`npm run experts -- specialties tree.json` or POST /api/expert-specialties).
import type { SpecialtyNodeInput, SpecialtyView } from "@contracts/experts";
import { appendAudit, type Actor } from "../audit/chain";
import type { Db } from "../db";
import { AppError } from "../errors";

const n = (code: string, name: string, children?: SpecialtyNodeInput[]): SpecialtyNodeInput => ({ code, name, ...(children ? { children } : {}) });

export const SAMPLE_TREE: SpecialtyNodeInput[] = [
  n("A01", "工程类", [
    n("A0101", "房屋建筑工程", [n("A010101", "建筑工程技术"), n("A010102", "建筑结构"), n("A010103", "建筑电气与智能化")]),
    n("A0102", "市政公用工程", [n("A010201", "道路与桥梁"), n("A010202", "给水排水"), n("A010203", "燃气与热力")]),
    n("A0103", "水利水电工程"),
    n("A0104", "公路工程"),
    n("A0105", "园林绿化工程"),
    n("A0106", "生态环境工程"),
  ]),
  n("A02", "货物类", [n("A0201", "信息技术设备"), n("A0202", "医疗设备"), n("A0203", "办公设备与家具"), n("A0204", "车辆"), n("A0205", "环保设备")]),
  n("A03", "服务类", [n("A0301", "工程勘察设计"), n("A0302", "工程监理"), n("A0303", "信息技术服务"), n("A0304", "物业管理"), n("A0305", "法律服务")]),
  n("A04", "经济类", [n("A0401", "工程造价"), n("A0402", "财务会计"), n("A0403", "金融保险")]),
];

export interface FlatSpecialty {
  code: string;
  name: string;
  parentCode: string | null;
}

/** Tree → rows; each child's code must extend its parent's by two digits. */
export function flattenTree(nodes: SpecialtyNodeInput[], parent: string | null = null, out: FlatSpecialty[] = []): FlatSpecialty[] {
  for (const node of nodes) {
    const code = node.code.trim().toUpperCase();
    if (parent ? !(code.startsWith(parent) && code.length === parent.length + 2) : code.length !== 3) {
      throw new AppError("VALIDATION_FAILED", `Specialty ${code} does not fit under ${parent ?? "the root"} (codes grow by two digits per level: A01 > A0101)`, [
        { path: code, message: "code does not extend its parent's" },
      ]);
    }
    out.push({ code, name: node.name.trim(), parentCode: parent });
    if (node.children) flattenTree(node.children, code, out);
  }
  const seen = new Set<string>();
  for (const r of out) {
    if (seen.has(r.code)) throw new AppError("VALIDATION_FAILED", `Specialty ${r.code} appears twice`, [{ path: r.code, message: "appears twice" }]);
    seen.add(r.code);
  }
  return out;
}

/** Merges a tree into the table: new codes are added, existing ones renamed. */
export async function importSpecialties(db: Db, actor: Actor, nodes: SpecialtyNodeInput[]) {
  const rows = flattenTree(nodes);
  return db.$transaction(async (tx) => {
    const existing = new Map((await tx.expertSpecialty.findMany()).map((s) => [s.code, s]));
    let added = 0;
    let renamed = 0;
    for (const r of rows) {
      const had = existing.get(r.code);
      if (!had) {
        if (r.parentCode && !existing.has(r.parentCode) && !rows.some((x) => x.code === r.parentCode)) throw new AppError("VALIDATION_FAILED", `Unknown parent ${r.parentCode}`);
        await tx.expertSpecialty.create({ data: r });
        added++;
      } else if (had.name !== r.name || had.parentCode !== r.parentCode) {
        await tx.expertSpecialty.update({ where: { code: r.code }, data: { name: r.name, parentCode: r.parentCode } });
        renamed++;
      }
    }
    const total = await tx.expertSpecialty.count();
    await appendAudit(tx, { actor, action: "experts.importSpecialties", target: "experts:specialties", payload: { rows, added, renamed } });
    return { added, renamed, total };
  });
}

/** Ensures the sample tree is there (demo, tests, benchmarks); no-op when any specialty exists. */
export async function ensureSampleTree(db: Db, actor: Actor): Promise<void> {
  if ((await db.expertSpecialty.count()) === 0) await importSpecialties(db, actor, SAMPLE_TREE);
}

export async function listSpecialties(db: Db): Promise<SpecialtyView[]> {
  const rows = await db.expertSpecialty.findMany({ orderBy: { code: "asc" } });
  const counts = await db.expertSpecialtyLink.groupBy({ by: ["specialtyCode"], where: { status: "active" }, _count: { _all: true } });
  const byCode = new Map(counts.map((c) => [c.specialtyCode, c._count._all]));
  return rows.map((r) => ({ code: r.code, name: r.name, parentCode: r.parentCode, experts: byCode.get(r.code) ?? 0 }));
}
