// One PJLink TCP connection: connect, read the greeting, authenticate the
// first command, then send commands one at a time and read their answers.
// Every failure becomes a PjlinkError with a stable code; a session whose
// transport failed is closed and must not be reused.
import { createConnection, type Socket } from "node:net";
import {
  ERR_MEANING,
  PJLINK_ERRA,
  PJLINK_MAX_LINE,
  PjlinkError,
  isErrAnswer,
  isPrintable,
  parseAnswer,
  parseGreeting,
  pjlinkDigest,
  type Class1Command,
  type Greeting,
} from "./protocol";

export interface SessionOptions {
  host: string;
  port: number;
  /** PJLink password; needed only when the projector greets with `PJLINK 1`. */
  password?: string;
  /** Time to establish the TCP connection (PJLINK_UNREACHABLE after it). */
  connectTimeoutMs: number;
  /** Time to wait for the greeting and for each answer (PJLINK_TIMEOUT after it). */
  answerTimeoutMs: number;
}

/** A PJLink connection. Open with `PjlinkSession.open`, always `close()` it. */
export class PjlinkSession {
  private lines: string[] = [];
  private partial = Buffer.alloc(0);
  private failure: PjlinkError | null = null;
  private waiter: (() => void) | null = null;
  private greeting: Greeting | null = null;
  private sentFirst = false;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: SessionOptions,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err: NodeJS.ErrnoException) => this.fail(new PjlinkError("PJLINK_UNREACHABLE", `${this.where}: ${err.code ?? err.message}`)));
    socket.on("close", () => {
      if (this.partial.length > 0) this.fail(new PjlinkError("PJLINK_GARBAGE", `${this.where}: connection closed mid-answer after ${JSON.stringify(this.partial.toString("latin1").slice(0, 40))}`));
      else this.fail(new PjlinkError("PJLINK_UNREACHABLE", `${this.where}: connection closed by the projector`));
    });
  }

  private get where(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  /** Connects and reads the greeting. Throws PjlinkError (UNREACHABLE, TIMEOUT, GARBAGE, AUTH_FAILED). */
  static async open(opts: SessionOptions): Promise<PjlinkSession> {
    const socket = createConnection({ host: opts.host, port: opts.port });
    socket.setNoDelay(true);
    const session = new PjlinkSession(socket, opts);
    try {
      await session.connected();
      const line = await session.nextLine("the greeting");
      if (line === PJLINK_ERRA) throw new PjlinkError("PJLINK_AUTH_FAILED", `${session.where}: refused before any command (PJLINK ERRA)`);
      const greeting = parseGreeting(line);
      if (!greeting) throw new PjlinkError("PJLINK_GARBAGE", `${session.where}: not a PJLink greeting: ${JSON.stringify(line.slice(0, 40))}`);
      if (greeting.auth && opts.password === undefined) {
        throw new PjlinkError("PJLINK_AUTH_FAILED", `${session.where}: the projector asks for a PJLink password and none is configured`);
      }
      session.greeting = greeting;
      return session;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  private connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new PjlinkError("PJLINK_UNREACHABLE", `${this.where}: no TCP connection within ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const onFail = () => {
        cleanup();
        reject(this.failure ?? new PjlinkError("PJLINK_UNREACHABLE", `${this.where}: connection failed`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.socket.off("connect", onConnect);
        this.socket.off("close", onFail);
      };
      this.socket.once("connect", onConnect);
      this.socket.once("close", onFail);
    });
  }

  /**
   * Sends `%1<body> <param>` and returns the answer's value (`OK`, `1`, `31`, …).
   * Throws PJLINK_ERR1..4 for an ERRn answer (the session stays usable), and
   * PJLINK_AUTH_FAILED / TIMEOUT / GARBAGE / UNREACHABLE when the exchange broke.
   */
  async command(body: Class1Command, param: string): Promise<string> {
    if (this.failure) throw this.failure;
    const line = `%1${body} ${param}`;
    const digest = !this.sentFirst && this.greeting?.auth ? pjlinkDigest(this.greeting.random, this.opts.password ?? "") : "";
    this.sentFirst = true;
    this.socket.write(`${digest}${line}\r`);
    const answer = await this.nextLine(`the answer to ${line}`);
    if (answer === PJLINK_ERRA) {
      this.close();
      throw new PjlinkError("PJLINK_AUTH_FAILED", `${this.where}: wrong PJLink password (PJLINK ERRA)`);
    }
    const parsed = parseAnswer(answer);
    if (!parsed || parsed.body !== body) {
      this.close();
      throw new PjlinkError("PJLINK_GARBAGE", `${this.where}: unexpected answer to ${line}: ${JSON.stringify(answer.slice(0, 40))}`);
    }
    if (parsed.value === "ERRA") {
      this.close();
      throw new PjlinkError("PJLINK_AUTH_FAILED", `${this.where}: wrong PJLink password (${body}=ERRA)`);
    }
    if (isErrAnswer(parsed.value)) {
      throw new PjlinkError(`PJLINK_${parsed.value}`, `${line}: ${parsed.value} (${ERR_MEANING[parsed.value]})`);
    }
    return parsed.value;
  }

  /** Ends the connection (idempotent). */
  close(): void {
    if (!this.failure) this.failure = new PjlinkError("PJLINK_UNREACHABLE", `${this.where}: session closed`);
    this.socket.destroy();
    this.wake();
  }

  private onData(chunk: Buffer): void {
    this.partial = Buffer.concat([this.partial, chunk]);
    let cr: number;
    while ((cr = this.partial.indexOf(0x0d)) >= 0) {
      let line = this.partial.subarray(0, cr).toString("utf8");
      this.partial = this.partial.subarray(cr + 1);
      if (line.startsWith("\n")) line = line.slice(1); // tolerate a CRLF projector
      if (!isPrintable(line) || line.includes("\ufffd") || Buffer.byteLength(line) >= PJLINK_MAX_LINE) {
        this.fail(new PjlinkError("PJLINK_GARBAGE", `${this.where}: not a PJLink line: ${JSON.stringify(line.slice(0, 40))}`));
        this.socket.destroy();
        return;
      }
      this.lines.push(line);
    }
    if (this.partial.length > PJLINK_MAX_LINE) {
      this.fail(new PjlinkError("PJLINK_GARBAGE", `${this.where}: ${this.partial.length} bytes without a line end`));
      this.socket.destroy();
      return;
    }
    this.wake();
  }

  private fail(err: PjlinkError): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next complete line, or the session's failure, or PJLINK_TIMEOUT. */
  private async nextLine(what: string): Promise<string> {
    const deadline = Date.now() + this.opts.answerTimeoutMs;
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        throw new PjlinkError("PJLINK_TIMEOUT", `${this.where}: no answer within ${this.opts.answerTimeoutMs} ms to ${what}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
