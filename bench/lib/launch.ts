// Starts the hall under test, in a child process (default: its CPU and
// memory are then its own) or in this process (`inproc`), behind one interface.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHall, type Hall, type HallInfo, type HallOps } from "./hall";

export interface LaunchOptions {
  inproc?: boolean;
  /** Extra node flags for the child (e.g. --expose-gc, --max-old-space-size=…). */
  execArgv?: string[];
}

export interface HallHandle extends Hall {
  child: ChildProcess | null;
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "hall-child.ts");

export async function launchHall(opts: LaunchOptions = {}): Promise<HallHandle> {
  if (opts.inproc) return { ...(await startHall()), child: null };

  const child = spawn(process.execPath, [...(opts.execArgv ?? []), "--import", "tsx", CHILD], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env },
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));

  const info = await new Promise<HallInfo>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`hall child exited with ${code} before it was ready`));
    child.once("exit", onExit);
    child.on("message", (raw) => {
      const m = raw as { type?: string; info?: HallInfo; id?: number; ok?: boolean; result?: unknown; error?: string };
      if (m.type === "ready" && m.info) {
        child.off("exit", onExit);
        resolve(m.info);
        return;
      }
      const p = m.id === undefined ? undefined : pending.get(m.id);
      if (!p) return;
      pending.delete(m.id!);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`hall op failed in the child: ${m.error}`));
    });
  });
  void exited.then((code) => {
    for (const p of pending.values()) p.reject(new Error(`hall child exited with ${code}`));
    pending.clear();
  });

  const call = (op: string, arg: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, arg });
    });
  const ops = new Proxy({} as HallOps, {
    get: (_t, op: string) => (arg: unknown) => call(op, arg),
  });

  return {
    info,
    ops,
    child,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ id: 0, op: "close", arg: {} });
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
