// A PJLink class 1 client. Each call is one short-lived session (connect,
// greeting, commands, close); calls are serialized because many projectors
// accept only one PJLink connection at a time. `status()` never throws: a
// failed exchange is reported as `reachable: false` with the problem.
import type { ProjectorStatus } from "@contracts/devices";
import { INPUT_RE, PJLINK_PORT, PjlinkError, isPjlinkError, type Class1Command } from "./protocol";
import { PjlinkSession, type SessionOptions } from "./session";

export { PjlinkError, isPjlinkError } from "./protocol";
export type { PjlinkErrorCode } from "./protocol";

export interface PjlinkClientOptions {
  host: string;
  /** Default 4352. */
  port?: number;
  password?: string;
  /** Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Default 3000 ms. */
  answerTimeoutMs?: number;
}

export type PowerState = ProjectorStatus["power"];
type ErrorLevel = "ok" | "warning" | "error";
type ProjectorErrors = NonNullable<ProjectorStatus["errors"]>;

const POWER: Record<string, PowerState> = { "0": "off", "1": "on", "2": "cooling", "3": "warming" };
const LEVEL: Record<string, ErrorLevel> = { "0": "ok", "1": "warning", "2": "error" };
const PROBLEM_MAX = 200;

/** Identity of the projector (NAME, INF1, INF2, INFO, CLSS). */
export interface ProjectorInfo {
  name: string;
  manufacturer: string;
  product: string;
  other: string;
  pjlinkClass: string;
}

/** Parses `host:port` (port optional, IPv6 in brackets) for the CLI and env. */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(s.trim());
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] ? Number(m[3]) : PJLINK_PORT;
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a host[:port]: ${s}`);
  return { host, port };
}

export class PjlinkClient {
  private readonly opts: SessionOptions;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: PjlinkClientOptions) {
    this.opts = {
      host: options.host,
      port: options.port ?? PJLINK_PORT,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      answerTimeoutMs: options.answerTimeoutMs ?? 3000,
      ...(options.password !== undefined ? { password: options.password } : {}),
    };
  }

  get address(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  /** Runs `fn` in one PJLink connection, after every earlier call of this client finished. */
  session<T>(fn: (s: PjlinkSession) => Promise<T>): Promise<T> {
    const run = async () => {
      const s = await PjlinkSession.open(this.opts);
      try {
        return await fn(s);
      } finally {
        s.close();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Sends `%1<body> ?` and returns the raw value. */
  query(body: Class1Command): Promise<string> {
    return this.session((s) => s.command(body, "?"));
  }

  /** POWR 1 / POWR 0. ERR3 while warming or cooling, ERR4 on a projector failure. */
  async power(on: boolean): Promise<void> {
    expectOk("POWR", await this.session((s) => s.command("POWR", on ? "1" : "0")));
  }

  /** The power state (POWR ?). */
  async powerState(): Promise<PowerState> {
    return parsePower(await this.query("POWR"));
  }

  /** INPT <code>, e.g. "31". ERR2 for an input the projector lacks, ERR3 while it is not on. */
  async input(code: string): Promise<void> {
    if (!/^[1-5][1-9A-Z]$/.test(code)) throw new PjlinkError("PJLINK_ERR2", `INPT ${code}: not a PJLink input (type 1-5, number 1-9)`);
    expectOk("INPT", await this.session((s) => s.command("INPT", code)));
  }

  /** NAME, INF1, INF2, INFO and CLSS in one session. */
  info(): Promise<ProjectorInfo> {
    return this.session(async (s) => ({
      name: await s.command("NAME", "?"),
      manufacturer: await s.command("INF1", "?"),
      product: await s.command("INF2", "?"),
      other: await s.command("INFO", "?"),
      pjlinkClass: await s.command("CLSS", "?"),
    }));
  }

  /**
   * Power, input, lamp hours and error status in one session. Never throws:
   * a broken exchange gives `reachable: false` and `problem`; an ERRn on one
   * query leaves that field null (ERR3 on INPT/LAMP is normal in standby).
   */
  async status(): Promise<ProjectorStatus> {
    try {
      return await this.session(async (s) => {
        const problems: string[] = [];
        /** One query whose ERRn answer is tolerated; transport errors end the session. */
        const soft = async <T>(body: Class1Command, parse: (v: string) => T, quietErr3: boolean): Promise<T | null> => {
          try {
            return parse(await s.command(body, "?"));
          } catch (e) {
            if (!isPjlinkError(e) || !e.code.startsWith("PJLINK_ERR")) throw e;
            if (!(quietErr3 && e.code === "PJLINK_ERR3")) problems.push(e.message);
            return null;
          }
        };
        const power = (await soft("POWR", parsePower, false)) ?? "unknown";
        const input = await soft("INPT", parseInput, true);
        const lampHours = await soft("LAMP", parseLampHours, true);
        const errors = await soft("ERST", parseErst, false);
        return { reachable: true, power, input, lampHours, errors, problem: problems.length ? clip(problems.join("; ")) : null };
      });
    } catch (e) {
      const problem = isPjlinkError(e) ? `${e.code}: ${e.message}` : `unexpected: ${String(e)}`;
      return { reachable: false, power: "unknown", input: null, lampHours: null, errors: null, problem: clip(problem) };
    }
  }
}

const clip = (s: string) => (s.length <= PROBLEM_MAX ? s : `${s.slice(0, PROBLEM_MAX - 1)}…`);

const garbage = (body: string, v: string) => new PjlinkError("PJLINK_GARBAGE", `${body} answered ${JSON.stringify(v.slice(0, 40))}`);

function expectOk(body: string, v: string): void {
  if (v !== "OK") throw garbage(body, v);
}

export function parsePower(v: string): PowerState {
  const p = POWER[v];
  if (!p) throw garbage("POWR", v);
  return p;
}

export function parseInput(v: string): string {
  if (!INPUT_RE.test(v) && !/^[1-5][1-9A-Z]$/.test(v)) throw garbage("INPT", v);
  return v;
}

/** LAMP answers `hours on` pairs (up to 8 lamps); the first lamp's hours. */
export function parseLampHours(v: string): number {
  if (!/^\d{1,5} [01]( \d{1,5} [01]){0,7}$/.test(v)) throw garbage("LAMP", v);
  return Number(v.split(" ")[0]);
}

/** ERST answers 6 digits: fan, lamp, temperature, cover, filter, other; 0 ok, 1 warning, 2 error. */
export function parseErst(v: string): ProjectorErrors {
  if (!/^[0-2]{6}$/.test(v)) throw garbage("ERST", v);
  const at = (i: number): ErrorLevel => LEVEL[v.charAt(i)] ?? "error";
  return { fan: at(0), lamp: at(1), temperature: at(2), cover: at(3), filter: at(4), other: at(5) };
}
