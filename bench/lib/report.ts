// Small helpers shared by the benchmarks: command-line options, percentiles,
// a bounded-concurrency pool and a plain-text table printer.

/** `--name value` as a number, or the fallback. */
export function numArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** `--name value` as a string, or the fallback. */
export function strArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v !== undefined && !v.startsWith("--") ? v : fallback;
}

export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** Nearest-rank percentile (p in 0..100) of unsorted numbers. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : "—");
export const sec = (x: number): string => (Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : "—");
export const mib = (bytes: number): string => `${(bytes / (1 << 20)).toFixed(1)} MiB`;
export const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? (a / b).toFixed(2) : "—");

/** Prints rows as an aligned table; the first row is the header. Numbers-looking cells align right. */
export function table(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => {
        const w = widths[i]!;
        const pad = w - [...c].length;
        return i > 0 && /^[-\d.,×x~<>=≈ ]+\s*(ms|s|MiB|MB\/s|MiB\/s|%)?$/.test(c) ? " ".repeat(pad) + c : c + " ".repeat(pad);
      })
      .join("  ")
      .trimEnd();
  const [head, ...body] = rows;
  if (!head) return;
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of body) console.log(line(r));
}

export const sleep = (msec: number) => new Promise<void>((r) => setTimeout(r, msec));

/** Resolves when pred() holds (polled every 10 ms), or rejects after `timeoutMs`. */
export async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
