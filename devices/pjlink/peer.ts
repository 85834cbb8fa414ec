// A PJLink class 1 projector for tests and demos: a TCP server that greets,
// authenticates, answers the class 1 commands from an in-memory projector
// state, warms up and cools down for a configurable time, closes idle
// connections after 30 s, and can be told to misbehave (fault injection).
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { INPUT_RE, PJLINK_ERRA, PJLINK_IDLE_TIMEOUT_MS, PJLINK_MAX_LINE, PJLINK_PORT, pjlinkDigest } from "./protocol";

/** POWR values: 0 off (standby), 1 on, 2 cooling, 3 warming. */
export type PowerCode = 0 | 1 | 2 | 3;
/** ERST digit: 0 ok, 1 warning, 2 error. */
export type ErrorLevel = 0 | 1 | 2;
export const ERST_ORDER = ["fan", "lamp", "temperature", "cover", "filter", "other"] as const;
export type ErstItem = (typeof ERST_ORDER)[number];

/**
 * How the peer misbehaves, for tests:
 * - `garbage`: answers every command with bytes that are not PJLink;
 * - `hang`: greets, then never answers;
 * - `silent`: accepts the connection and never says anything, not even the greeting;
 * - `erra`: answers every command with `PJLINK ERRA` and closes;
 * - `close-mid-answer`: writes half an answer and closes;
 * - `failure`: answers every command with ERR4 (projector failure).
 */
export type PeerFault = "garbage" | "hang" | "silent" | "erra" | "close-mid-answer" | "failure";

export interface PeerOptions {
  /** Turns authentication on (`PJLINK 1 <random>`); off when undefined. */
  password?: string;
  /** How long POWR 1 stays in warming (3) before on (1). Default 1000 ms. */
  warmupMs?: number;
  /** How long POWR 0 stays in cooling (2) before off (0). Default 1000 ms. */
  cooldownMs?: number;
  /** Closes a connection without traffic for this long. Default 30 s (spec). */
  idleTimeoutMs?: number;
  /** Inputs the projector has (INST). Default 11 12 31 32 51. */
  inputs?: string[];
  name?: string;
  manufacturer?: string;
  product?: string;
  info?: string;
  lampHours?: number;
  /** Initial power state. Default 0 (off). */
  power?: PowerCode;
  /** The random of the greeting (8 printable characters); random hex by default. */
  random?: () => string;
}

/** The projector as the peer models it; tests may read and change it. */
export interface PeerState {
  power: PowerCode;
  input: string;
  /** AVMT: 30 off, 31 video+audio mute, 10/11 video, 20/21 audio. */
  avmt: string;
  lamps: { hours: number }[];
  errors: Record<ErstItem, ErrorLevel>;
}

export class PjlinkPeer {
  readonly state: PeerState;
  /** The misbehaviour in force for new commands (and greetings, for `silent`); null behaves. */
  fault: PeerFault | null = null;
  /** Every command line received, digest removed, in order. */
  readonly received: string[] = [];
  /** Connections accepted so far. */
  connections = 0;
  /** Digests that did not match, counted. */
  authFailures = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private transition: ReturnType<typeof setTimeout> | undefined;
  private readonly opts: Required<Omit<PeerOptions, "password" | "power" | "lampHours">> & { password: string | undefined };

  constructor(options: PeerOptions = {}) {
    this.opts = {
      password: options.password,
      warmupMs: options.warmupMs ?? 1000,
      cooldownMs: options.cooldownMs ?? 1000,
      idleTimeoutMs: options.idleTimeoutMs ?? PJLINK_IDLE_TIMEOUT_MS,
      inputs: options.inputs ?? ["11", "12", "31", "32", "51"],
      name: options.name ?? "K01 Projector",
      manufacturer: options.manufacturer ?? "HALL",
      product: options.product ?? "PJ-TEST 1",
      info: options.info ?? "PJLink class 1 test peer",
      random: options.random ?? (() => randomBytes(4).toString("hex")),
    };
    this.state = {
      power: options.power ?? 0,
      input: this.opts.inputs[0] ?? "11",
      avmt: "30",
      lamps: [{ hours: options.lampHours ?? 0 }],
      errors: { fan: 0, lamp: 0, temperature: 0, cover: 0, filter: 0, other: 0 },
    };
    this.server = createServer((s) => this.accept(s));
  }

  /** Starts listening; resolves with the port (0 picks a free one). */
  listen(port = PJLINK_PORT, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this.port);
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Closes the server, every open connection and the power transition timer. */
  async close(): Promise<void> {
    if (this.transition) clearTimeout(this.transition);
    this.transition = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Sets ERST bits, e.g. `{ lamp: 2 }` for a lamp error. */
  setErrors(levels: Partial<Record<ErstItem, ErrorLevel>>): void {
    Object.assign(this.state.errors, levels);
  }

  setLampHours(hours: number, lamp = 0): void {
    const l = this.state.lamps[lamp];
    if (l) l.hours = hours;
    else this.state.lamps[lamp] = { hours };
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.setTimeout(this.opts.idleTimeoutMs, () => socket.destroy());
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    if (this.fault === "silent") return; // never greets, never answers
    let random: string | null = null;
    if (this.opts.password === undefined) socket.write("PJLINK 0\r");
    else {
      random = this.opts.random();
      socket.write(`PJLINK 1 ${random}\r`);
    }
    let authenticated = random === null;
    let buf = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let cr: number;
      while ((cr = buf.indexOf(0x0d)) >= 0) {
        let line = buf.subarray(0, cr).toString("utf8");
        buf = buf.subarray(cr + 1);
        if (line.startsWith("\n")) line = line.slice(1); // a sloppy client's CRLF
        if (!authenticated) {
          const digest = line.slice(0, 32);
          if (random === null || digest !== pjlinkDigest(random, this.opts.password ?? "")) {
            this.authFailures++;
            socket.end(`${PJLINK_ERRA}\r`);
            return;
          }
          authenticated = true;
          line = line.slice(32);
        }
        this.received.push(line);
        if (this.answerWithFault(socket, line)) continue;
        const answer = this.answer(line);
        if (answer !== null) socket.write(`${answer}\r`);
      }
      if (buf.length > PJLINK_MAX_LINE * 4) socket.destroy(); // no CR in sight: not a PJLink client
    });
  }

  /** Applies the injected fault to one command; false when there is none and the peer answers normally. */
  private answerWithFault(socket: Socket, line: string): boolean {
    switch (this.fault) {
      case null:
      case "silent":
        return false;
      case "hang":
        return true;
      case "garbage":
        socket.write("\x07\x1b[2J garbage <<>> ###\r");
        return true;
      case "erra":
        socket.end(`${PJLINK_ERRA}\r`);
        return true;
      case "close-mid-answer": {
        const full = this.answer(line) ?? "%1POWR=0";
        socket.end(full.slice(0, Math.max(1, Math.floor(full.length / 2))));
        return true;
      }
      case "failure":
        socket.write(`${line.slice(0, 6)}=ERR4\r`);
        return true;
    }
  }

  /** The answer to one command line (without CR); null for a line that is not a command at all (ignored). */
  answer(line: string): string | null {
    const m = /^%([0-9])([A-Z0-9]{4}) (.*)$/.exec(line);
    if (!m?.[1] || !m[2] || m[3] === undefined) {
      const head = /^%[0-9][A-Z0-9]{4}/.exec(line)?.[0];
      return head ? `${head}=ERR1` : null;
    }
    const [cls, body, param] = [m[1], m[2], m[3]];
    const reply = (v: string) => `%${cls}${body}=${v}`;
    if (cls !== "1") return reply("ERR1");
    const r = this.run(body, param);
    return reply(r);
  }

  private run(body: string, param: string): string {
    const s = this.state;
    const on = s.power === 1;
    const query = param === "?";
    const readOnly = (v: () => string): string => (query ? v() : "ERR2");
    switch (body) {
      case "POWR":
        if (query) return String(s.power);
        if (param === "1") return this.powerOn();
        if (param === "0") return this.powerOff();
        return "ERR2";
      case "INPT":
        if (query) return on ? s.input : "ERR3";
        if (!INPUT_RE.test(param) || !this.opts.inputs.includes(param)) return "ERR2";
        if (!on) return "ERR3";
        s.input = param;
        return "OK";
      case "AVMT":
        if (query) return s.avmt;
        if (!["10", "11", "20", "21", "30", "31"].includes(param)) return "ERR2";
        if (!on) return "ERR3";
        s.avmt = param;
        return "OK";
      case "ERST":
        return readOnly(() => ERST_ORDER.map((k) => String(s.errors[k])).join(""));
      case "LAMP":
        return readOnly(() => s.lamps.map((l) => `${l.hours} ${s.power === 1 || s.power === 3 ? 1 : 0}`).join(" "));
      case "INST":
        return readOnly(() => this.opts.inputs.join(" "));
      case "NAME":
        return readOnly(() => this.opts.name);
      case "INF1":
        return readOnly(() => this.opts.manufacturer);
      case "INF2":
        return readOnly(() => this.opts.product);
      case "INFO":
        return readOnly(() => this.opts.info);
      case "CLSS":
        return readOnly(() => "1");
      default:
        return "ERR1";
    }
  }

  private powerOn(): string {
    const s = this.state;
    if (s.errors.lamp === 2 || s.errors.temperature === 2 || s.errors.fan === 2) return "ERR4";
    if (s.power === 1 || s.power === 3) return "OK";
    if (s.power === 2) return "ERR3";
    s.power = 3;
    this.after(this.opts.warmupMs, () => (s.power = 1));
    return "OK";
  }

  private powerOff(): string {
    const s = this.state;
    if (s.power === 0 || s.power === 2) return "OK";
    if (s.power === 3) return "ERR3";
    s.power = 2;
    this.after(this.opts.cooldownMs, () => (s.power = 0));
    return "OK";
  }

  private after(ms: number, fn: () => void): void {
    if (this.transition) clearTimeout(this.transition);
    this.transition = setTimeout(() => {
      this.transition = undefined;
      fn();
    }, ms);
  }
}
