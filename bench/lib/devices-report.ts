// Figures and printing for bench/devices-latency.bench.ts: percentiles,
// medians, a markdown table, and a CPU profile (.cpuprofile) summary with
// project files shown as path:line relative to the repository.
import { readFileSync } from "node:fs";
import { REPO_ROOT } from "./devices-ipc";
import { readProfile, selfTimes, type CallFrame } from "./profile";

/** Nearest-rank percentile (p in 0..100) of the values; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (values: number[]) => {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "–");

export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

export function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

export const hasFlag = (argv: string[], name: string) => argv.includes(`--${name}`);

// ---------------------------------------------------------------- CPU profile

/** file:///work/main/server/x.ts → server/x.ts; …/node_modules/@scope/pkg/… → [@scope/pkg]. */
export function where(url: string): string {
  if (!url) return "(native)";
  let u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = u.slice(nm + "/node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return `[${pkg}] ${rest.slice(rest[0]!.startsWith("@") ? 2 : 1).join("/")}`;
  }
  if (u.startsWith(REPO_ROOT + "/")) u = u.slice(REPO_ROOT.length + 1);
  return u;
}

const label = (f: CallFrame) => `${f.functionName || "(anonymous)"}  ${where(f.url)}${f.url ? `:${f.lineNumber + 1}` : ""}`;
const group = (f: CallFrame): string => {
  if (!f.url) return f.functionName.startsWith("(") ? f.functionName : "(native)";
  const w = where(f.url);
  if (w.startsWith("[")) return w.slice(0, w.indexOf("]") + 1);
  if (w.startsWith("node:")) return "node:" + w.slice(5).split("/")[0];
  return w;
};

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  self: { name: string; ms: number }[];
  inclusive: { name: string; ms: number }[];
  byGroup: { name: string; ms: number }[];
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const p = readProfile(file);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = selfTimes(p);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const groups = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    total += us;
    const fn = n.callFrame.functionName;
    if (fn === "(idle)") {
      idle += us;
      continue;
    }
    if (fn === "(garbage collector)") gc += us;
    const k = label(n.callFrame);
    self.set(k, (self.get(k) ?? 0) + us);
    const g = group(n.callFrame);
    groups.set(g, (groups.get(g) ?? 0) + us);
    // Inclusive: each distinct frame label on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (f.functionName === "(root)") break;
      const l = label(f);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000 }));
  return { totalMs: total / 1000, idleMs: idle / 1000, gcMs: gc / 1000, self: sorted(self), inclusive: sorted(incl), byGroup: sorted(groups) };
}

export function printProfile(title: string, file: string, opts: { top?: number; inclusiveFilter?: (name: string) => boolean } = {}): void {
  const s = summarizeProfile(file, 200);
  const top = opts.top ?? 20;
  const busy = s.totalMs - s.idleMs;
  const pct = (ms: number) => `${fmt((100 * ms) / Math.max(busy, 1e-9), 1)} %`;
  console.log(`\n### ${title}\n`);
  console.log(`profile: ${file}`);
  console.log(`window ${fmt(s.totalMs, 0)} ms, busy ${fmt(busy, 0)} ms (${fmt((100 * busy) / Math.max(s.totalMs, 1e-9), 0)} %), GC ${fmt(s.gcMs, 0)} ms\n`);
  console.log("Self time by package / file:\n");
  console.log(table(["where", "ms", "of busy"], s.byGroup.slice(0, 12).map((g) => [g.name, fmt(g.ms), pct(g.ms)])));
  console.log("\nSelf time by function:\n");
  console.log(table(["function  file:line", "ms", "of busy"], s.self.slice(0, top).map((g) => [g.name, fmt(g.ms), pct(g.ms)])));
  const filter = opts.inclusiveFilter ?? (() => true);
  console.log("\nInclusive time (project and Socket.IO frames):\n");
  console.log(
    table(
      ["function  file:line", "ms", "of busy"],
      s.inclusive
        .filter((g) => filter(g.name))
        .slice(0, top)
        .map((g) => [g.name, fmt(g.ms), pct(g.ms)]),
    ),
  );
}

// ---------------------------------------------------------------- heap snapshots

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per kind of heap object ("object Socket", "closure onAny", "(strings)", …). */
export function heapCensus(file: string): Map<string, { count: number; bytes: number }> {
  const h = JSON.parse(readFileSync(file, "utf8")) as HeapSnapshotFile;
  const f = h.snapshot.meta.node_fields;
  const types = h.snapshot.meta.node_types[0];
  const width = f.length;
  const iType = f.indexOf("type");
  const iName = f.indexOf("name");
  const iSize = f.indexOf("self_size");
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < h.nodes.length; i += width) {
    const type = types[h.nodes[i + iType]!] ?? "?";
    const name = h.strings[h.nodes[i + iName]!] ?? "";
    let key: string;
    if (type === "string" || type === "concatenated string" || type === "sliced string") key = "(strings)";
    else if (type === "number") key = "(heap numbers)";
    else if (type === "code") key = "(compiled code)";
    else if (type === "object shape") key = "(object shapes)";
    else if (type === "closure") key = `closure ${name || "(anonymous)"}`;
    else key = `${type} ${name.length > 60 ? name.slice(0, 57) + "…" : name}`;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += h.nodes[i + iSize]!;
    out.set(key, e);
  }
  return out;
}

/** Prints what N connected devices added to the heap, per device, largest first. */
export function printHeapDiff(title: string, before: string, after: string, n: number, top = 25): void {
  const a = heapCensus(before);
  const b = heapCensus(after);
  const rows: { key: string; count: number; bytes: number }[] = [];
  for (const [key, e] of b) {
    const p = a.get(key) ?? { count: 0, bytes: 0 };
    rows.push({ key, count: e.count - p.count, bytes: e.bytes - p.bytes });
  }
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const closures = rows.filter((r) => r.key.startsWith("closure ")).reduce((s, r) => s + r.count, 0);
  rows.sort((x, y) => y.bytes - x.bytes);
  console.log(`\n### ${title}: heap objects added by ${n} devices (self size; per device)\n`);
  console.log(`total ${fmt(total / 1024 / n, 2)} KB/device; ${fmt(closures / n, 1)} closures/device\n`);
  console.log(table(["kind", "count/device", "bytes/device"], rows.slice(0, top).map((r) => [r.key, fmt(r.count / n, 2), fmt(r.bytes / n, 0)])));
  const byCount = rows.filter((r) => r.key.startsWith("closure ") && r.count / n >= 0.5).sort((x, y) => y.count - x.count);
  if (byCount.length) {
    console.log("\nClosures per device (function name):\n");
    console.log(table(["closure", "count/device", "bytes/device"], byCount.slice(0, top).map((r) => [r.key.slice(8), fmt(r.count / n, 2), fmt(r.bytes / n, 0)])));
  }
}
