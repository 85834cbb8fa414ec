// The screen of a hall PC: a browser in kiosk mode pointed at the device's
// display URL. `KioskDriver` is what the agent needs; `SpawnKiosk` runs a
// configured command (relaunching it whenever it exits) and `RecordingKiosk`
// is the fake for tests.
import { spawn, type ChildProcess } from "node:child_process";
import type { DeviceCommand } from "@contracts/devices";

/** The views a `show-view` command may name (from the wire contract). */
export type KioskView = Extract<DeviceCommand, { kind: "show-view" }>["view"];

/** A failure the agent reports in its command ack (`code` is stable). */
export class KioskError extends Error {
  override readonly name = "KioskError";
  constructor(
    readonly code: "KIOSK_UNSUPPORTED" | "KIOSK_FAILED",
    message: string,
  ) {
    super(message);
  }
}

/** Every method resolves with a short human detail for the command ack, or throws. */
export interface KioskDriver {
  /** Shows this URL, launching the browser if needed (idempotent for the same URL). */
  open(url: string): Promise<string>;
  reload(): Promise<string>;
  showView(view: KioskView): Promise<string>;
  identify(seconds: number, label: string): Promise<string>;
  /** Stops the browser for good (no relaunch). */
  close(): Promise<void>;
}

/** Splits a command line into words: double and single quotes group, `\"` and `\\` escape inside double quotes; no other shell syntax. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"']+)/g;
  let cur = "";
  let last = -1;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const part = m[1] !== undefined ? m[1].replace(/\\(["\\])/g, "$1") : (m[2] ?? m[3] ?? "");
    if (m.index === last) cur += part; // adjacent: --app="x y" is one word
    else {
      if (last >= 0) words.push(cur);
      cur = part;
    }
    last = m.index + m[0].length;
  }
  if (last >= 0) words.push(cur);
  return words;
}

/** The argv for a template: `%URL%` replaced, or the URL appended when the template has none. */
export function commandFor(template: string, url: string): string[] {
  const words = splitCommand(template);
  if (!words.some((w) => w.includes("%URL%"))) return [...words, url];
  return words.map((w) => w.split("%URL%").join(url));
}

export interface SpawnKioskOptions {
  /** E.g. `chromium --kiosk --app=%URL%`. */
  command: string;
  /** Optional command run for `identify`, e.g. `notify-send "%LABEL%" -t %MS%`. */
  identifyCommand?: string;
  /** First relaunch delay after the browser exits; doubles while it keeps dying fast. Default 1000 ms. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  log?: (msg: string) => void;
}

/** Runs the kiosk command and keeps it running. Reload and view changes relaunch it (a plain browser has no remote control). */
export class SpawnKiosk implements KioskDriver {
  /** How many times the browser was started. */
  launches = 0;
  private child: ChildProcess | null = null;
  private url: string | null = null;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay: number;
  private startedAt = 0;

  constructor(private readonly opts: SpawnKioskOptions) {
    this.delay = opts.restartDelayMs ?? 1000;
  }

  get running(): boolean {
    return this.child !== null;
  }

  async open(url: string): Promise<string> {
    if (this.closed) throw new KioskError("KIOSK_FAILED", "the kiosk was closed");
    if (url === this.url && this.child) return "kiosk already showing the display";
    this.url = url;
    await this.relaunch();
    return "kiosk launched";
  }

  async reload(): Promise<string> {
    if (!this.url) throw new KioskError("KIOSK_FAILED", "the kiosk has no page yet");
    await this.relaunch();
    return "kiosk relaunched";
  }

  async showView(view: KioskView): Promise<string> {
    if (!this.url) throw new KioskError("KIOSK_FAILED", "the kiosk has no page yet");
    const base = this.url.replace(/&view=[a-z]+/, "");
    this.url = `${base}&view=${view}`;
    await this.relaunch();
    return `kiosk relaunched with view=${view}`;
  }

  async identify(seconds: number, label: string): Promise<string> {
    if (!this.opts.identifyCommand) throw new KioskError("KIOSK_UNSUPPORTED", "no identify command is configured for this kiosk");
    const argv = splitCommand(this.opts.identifyCommand).map((w) =>
      w.split("%LABEL%").join(label).split("%SECONDS%").join(String(seconds)).split("%MS%").join(String(seconds * 1000)),
    );
    const [cmd, ...args] = argv;
    if (!cmd) throw new KioskError("KIOSK_FAILED", "empty identify command");
    await new Promise<void>((resolve, reject) => {
      const p = spawn(cmd, args, { stdio: "ignore" });
      p.once("error", (e) => reject(new KioskError("KIOSK_FAILED", `identify: ${e.message}`)));
      p.once("spawn", () => {
        p.unref();
        resolve();
      });
    });
    return `identifying for ${seconds} s`;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.kill();
  }

  private async relaunch(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.kill();
    if (!this.closed) this.launch();
  }

  private launch(): void {
    if (!this.url) return;
    const [cmd, ...args] = commandFor(this.opts.command, this.url);
    if (!cmd) throw new KioskError("KIOSK_FAILED", "empty kiosk command");
    this.launches++;
    this.startedAt = Date.now();
    const child = spawn(cmd, args, { stdio: "ignore" });
    this.child = child;
    let gone = false;
    const onGone = (why: string) => {
      if (gone) return;
      gone = true;
      if (this.child === child) this.child = null;
      if (this.closed || child.killed) return; // we stopped it on purpose
      // A browser that ran a while restarts soon; one that keeps dying waits longer each time.
      if (Date.now() - this.startedAt > 30_000) this.delay = this.opts.restartDelayMs ?? 1000;
      const wait = this.delay;
      this.delay = Math.min(this.delay * 2, this.opts.maxRestartDelayMs ?? 30_000);
      this.opts.log?.(`kiosk ${why}; relaunching in ${wait} ms`);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.closed && !this.child) this.launch();
      }, wait);
    };
    child.once("error", (e) => onGone(`failed to start: ${e.message}`));
    child.once("exit", (code, signal) => onGone(`exited (${signal ?? code})`));
  }

  private async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const hard = setTimeout(() => {
        child.kill("SIGKILL");
      }, 3000);
      child.once("exit", () => {
        clearTimeout(hard);
        resolve();
      });
      if (!child.kill("SIGTERM")) {
        clearTimeout(hard);
        resolve();
      }
    });
  }
}

/** A kiosk that only records what it was asked to do. Set `fail` to make the next calls throw. */
export class RecordingKiosk implements KioskDriver {
  readonly calls: { op: "open" | "reload" | "showView" | "identify" | "close"; arg?: string | number }[] = [];
  url: string | null = null;
  fail: KioskError | null = null;

  private record(op: RecordingKiosk["calls"][number]["op"], arg?: string | number): void {
    if (this.fail && op !== "close") throw this.fail;
    this.calls.push(arg === undefined ? { op } : { op, arg });
  }
  async open(url: string): Promise<string> {
    this.record("open", url);
    this.url = url;
    return "opened";
  }
  async reload(): Promise<string> {
    this.record("reload");
    return "reloaded";
  }
  async showView(view: KioskView): Promise<string> {
    this.record("showView", view);
    return `showing ${view}`;
  }
  async identify(seconds: number): Promise<string> {
    this.record("identify", seconds);
    return `identifying for ${seconds} s`;
  }
  async close(): Promise<void> {
    this.record("close");
  }
}
