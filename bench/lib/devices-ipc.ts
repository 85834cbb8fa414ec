// IPC plumbing of bench/devices-latency.bench.ts: the coordinator spawns each
// server (ours or bare) and the client worker as its own Node process and
// talks to it with request/response messages over the IPC channel.
//
// Parent side: spawnChild() → waits for {type:"ready", info}, then call(op, arg).
// Child side:  serveIpc(info, handlers, onClose) answers {id, op, arg}.
// A child whose parent goes away closes itself; close() falls back to SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface Request {
  id: number;
  op: string;
  arg: unknown;
}
interface Response {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface ChildHandle<R> {
  pid: number;
  ready: R;
  call<T>(op: string, arg?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to close; SIGKILL after timeoutMs. */
  close(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  args?: string[];
  /** Node flags before `--import tsx` (e.g. --expose-gc). */
  execArgv?: string[];
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();

/** Kills every child still running (by its own pid); for the coordinator's exit paths. */
export function killAllChildren(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  live.clear();
}

export async function spawnChild<R>(file: string, opts: SpawnOptions = {}): Promise<ChildHandle<R>> {
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), "--import", "tsx", file, ...(opts.args ?? [])], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env },
  });
  live.add(child);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  void exited.then(() => live.delete(child));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;

  const ready = await new Promise<R>((resolveReady, rejectReady) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      rejectReady(new Error(`${file}: not ready within ${opts.readyTimeoutMs ?? 60_000} ms`));
    }, opts.readyTimeoutMs ?? 60_000);
    const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
      clearTimeout(timer);
      rejectReady(new Error(`${file}: exited (${code ?? sig}) before it was ready`));
    };
    child.once("exit", onExit);
    child.on("message", (raw) => {
      const m = raw as Response & { type?: string; info?: R };
      if (m.type === "ready") {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolveReady(m.info as R);
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error ?? "failed"));
    });
  });
  void exited.then(() => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${file}: child exited`));
    }
    pending.clear();
  });

  return {
    pid: child.pid ?? -1,
    ready,
    call<T>(op: string, arg: unknown = {}, timeoutMs = 120_000) {
      return new Promise<T>((resolveCall, rejectCall) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          rejectCall(new Error(`${op}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: (v) => resolveCall(v as T), reject: rejectCall, timer });
        if (!child.connected) {
          pending.delete(id);
          clearTimeout(timer);
          rejectCall(new Error(`${op}: child is gone`));
          return;
        }
        child.send({ id, op, arg } satisfies Request);
      });
    },
    async close(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ id: 0, op: "close", arg: {} } satisfies Request);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type Handlers = Record<string, (arg: never) => unknown>;

/** Child side: announces `info`, then answers requests until "close" or until the parent goes away. */
export function serveIpc(info: unknown, handlers: Handlers, onClose: () => Promise<void>): void {
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    const hard = setTimeout(() => process.exit(code), 10_000);
    hard.unref();
    await onClose().catch(() => undefined);
    process.exit(code);
  };
  process.on("message", (raw) => {
    const m = raw as Request;
    if (m.op === "close") {
      void shutdown(0);
      return;
    }
    const fn = handlers[m.op] as ((a: unknown) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (!fn) throw new Error(`unknown op ${m.op}`);
        return fn(m.arg ?? {});
      })
      .then(
        (result) => process.send?.({ id: m.id, ok: true, result: result ?? null } satisfies Response),
        (err: unknown) => process.send?.({ id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Response),
      );
  });
  process.on("disconnect", () => void shutdown(1));
  process.on("SIGINT", () => void shutdown(130));
  process.on("SIGTERM", () => void shutdown(143));
  process.send?.({ type: "ready", info });
}
