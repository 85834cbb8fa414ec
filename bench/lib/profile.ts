// Reads a V8 .cpuprofile (from node:inspector or `node --cpu-prof`) and
// prints where the time went: by function (self time) and by
// source file / package, with project files shown relative to the repository.
import { readFileSync } from "node:fs";
import { REPO_ROOT } from "./devices-ipc";
import { table } from "./report";

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** file:///work/main/server/x.ts → server/x.ts; …/node_modules/@scope/pkg/… → [@scope/pkg]; node:… as is. */
export function where(url: string): string {
  if (!url) return "(native / V8)";
  let u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = u.slice(nm + "/node_modules/".length).split("/");
    return `[${rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}]`;
  }
  if (u.startsWith(REPO_ROOT + "/")) u = u.slice(REPO_ROOT.length + 1);
  return u;
}

const label = (f: CallFrame) => `${f.functionName || "(anonymous)"}  ${where(f.url)}${f.url && !where(f.url).startsWith("[") ? `:${f.lineNumber + 1}` : ""}`;

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  bySelf: { name: string; ms: number }[];
  byFile: { name: string; ms: number }[];
}

export const readProfile = (file: string): CpuProfile => JSON.parse(readFileSync(file, "utf8")) as CpuProfile;

/** Self time per node id in µs, from samples × time deltas (more exact than hitCount × mean interval). */
export function selfTimes(p: CpuProfile): Map<number, number> {
  const selfUs = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    for (let i = 0; i < p.samples.length; i++) {
      const dt = p.timeDeltas[i + 1] ?? 0;
      selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + Math.max(0, dt));
    }
  } else {
    const hits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const per = hits ? (p.endTime - p.startTime) / hits : 0;
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  return selfUs;
}

export function summarize(file: string): ProfileSummary {
  const p = readProfile(file);
  const selfUs = selfTimes(p);
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (!us) continue;
    const fn = n.callFrame.functionName;
    if (fn === "(idle)") idle += us;
    if (fn === "(garbage collector)") gc += us;
    const k = label(n.callFrame);
    self.set(k, (self.get(k) ?? 0) + us);
    const f = fn.startsWith("(") ? fn : where(n.callFrame.url);
    files.set(f, (files.get(f) ?? 0) + us);
  }
  const top = (m: Map<string, number>, skip: (k: string) => boolean = () => false) =>
    [...m.entries()].filter(([k]) => !skip(k)).sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000 }));
  return {
    totalMs: totalUs / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    bySelf: top(self, (k) => k.startsWith("(idle)") || k.startsWith("(program)")),
    byFile: top(files, (k) => k === "(idle)" || k === "(program)"),
  };
}

export function printProfile(file: string, n = 20): void {
  const s = summarize(file);
  const busy = s.totalMs - s.idleMs;
  const pct = (x: number) => `${((100 * x) / s.totalMs).toFixed(1)}%`;
  console.log(`\nCPU profile of the hall process: ${file}`);
  console.log(`  window ${s.totalMs.toFixed(0)} ms, busy ${busy.toFixed(0)} ms (${pct(busy)}), idle ${s.idleMs.toFixed(0)} ms, GC ${s.gcMs.toFixed(0)} ms`);
  console.log(`\n  by file / package (self time):`);
  table([["file or package", "self", "% of window"], ...s.byFile.slice(0, n).map((r) => [r.name, `${r.ms.toFixed(0)} ms`, pct(r.ms)])]);
  console.log(`\n  by function (self time):`);
  table([["function  where", "self", "% of window"], ...s.bySelf.slice(0, n).map((r) => [r.name, `${r.ms.toFixed(0)} ms`, pct(r.ms)])]);
  // Inclusive times are not printed: the work runs in promise continuations (Prisma, the
  // hub's queues), so V8's stacks do not reach the server function that caused it;
  // the SQL and stream counters of the benchmark attribute it instead.
}
