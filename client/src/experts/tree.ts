// The flat specialty list (code, parentCode) → a tree for ElTree and for the
// draw form's specialty picker; children sorted by code.
import type { SpecialtyView } from "@contracts/experts";

export interface SpecialtyTreeNode {
  code: string;
  name: string;
  label: string;
  experts: number;
  children: SpecialtyTreeNode[];
}

export function specialtyTree(list: readonly SpecialtyView[]): SpecialtyTreeNode[] {
  const nodes = new Map<string, SpecialtyTreeNode>();
  for (const s of list) nodes.set(s.code, { code: s.code, name: s.name, label: `${s.code} ${s.name}（${s.experts}）`, experts: s.experts, children: [] });
  const roots: SpecialtyTreeNode[] = [];
  for (const s of list) {
    const node = nodes.get(s.code)!;
    const parent = s.parentCode ? nodes.get(s.parentCode) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const sort = (xs: SpecialtyTreeNode[]) => {
    xs.sort((a, b) => a.code.localeCompare(b.code));
    xs.forEach((x) => sort(x.children));
    return xs;
  };
  return sort(roots);
}

/** Every expert under a code (its own and its descendants'), as the draw counts a bucket. */
export function expertsUnder(node: SpecialtyTreeNode): number {
  return node.experts + node.children.reduce((s, c) => s + expertsUnder(c), 0);
}
