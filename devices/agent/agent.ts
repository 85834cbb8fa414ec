// The hall PC's device agent: connects with the device key (reconnecting
// forever; a refused key is fatal), learns who it is, follows its channel
// `device:<id>` and its room stream with LiveStreamClient, sends heartbeats,
// carries out remote commands (kiosk and PJLink projector) and keeps a kiosk
// browser on the device's display URL.
import type { ErrorBody } from "@contracts/common";
import type { DeviceChannelState, DeviceCommandAck, DeviceSelf, ProjectorStatus } from "@contracts/devices";
import { LiveStreamClient } from "@contracts/live-client";
import { streamKey } from "@contracts/streams";
import type { RoomScreenState } from "@contracts/rooms";
import { PjlinkClient, type PjlinkClientOptions } from "../pjlink/client";
import { Backoff, FATAL_AUTH_CODES, RequestError, deviceSocket, displayUrl, refusal, request, type DeviceSocket, type DeviceSocketOptions } from "../shared/wire";
import { runCommand } from "./commands";
import { AGENT_VERSION, buildHealth } from "./health";
import type { KioskDriver } from "./kiosk";

export type LogLevel = "info" | "warn" | "error";

export interface AgentOptions {
  /** The hall server, e.g. http://10.0.0.2:3000. */
  url: string;
  /** The device key, `dk_…`. */
  key: string;
  /** The projector this PC drives over PJLink, if any. */
  pjlink?: PjlinkClientOptions | null;
  /** The kiosk browser to keep on the display URL, if any. */
  kiosk?: KioskDriver | null;
  /** Default 3000 ms. */
  heartbeatMs?: number;
  /** How often the projector is polled for the heartbeat. Default max(heartbeatMs, 10 s); at once after a projector command. */
  projectorPollMs?: number;
  /** Reported in heartbeats. Default hall-agent/<version>. */
  version?: string;
  /** Timeout of whoami and heartbeat requests. Default 10 s. */
  requestTimeoutMs?: number;
  socket?: DeviceSocketOptions;
  log?: (level: LogLevel, msg: string) => void;
}

export type AgentPhase = "idle" | "connecting" | "online" | "offline" | "stopped" | "fatal";

export interface StreamProgress {
  stream: string;
  version: number;
  stale: boolean;
}

/** A snapshot of what the agent knows, for tests, logs and a local status page. */
export interface AgentState {
  phase: AgentPhase;
  self: DeviceSelf | null;
  /** The view the channel says to show. */
  view: DeviceChannelState["view"] | null;
  channel: StreamProgress | null;
  room: (StreamProgress & { notice: string | null }) | null;
  /** Successful connections; reconnects = connects - 1. */
  connects: number;
  reconnects: number;
  heartbeats: { sent: number; acked: number; failed: number; lastRttMs: number | null; lastServerTime: string | null };
  commands: { handled: number; failed: number; last: DeviceCommandAck | null };
  projector: ProjectorStatus | null;
  kioskUrl: string | null;
  /** Why the agent gave up (key unknown or revoked). */
  fatal: ErrorBody | null;
  lastError: string | null;
}

export type AgentExit = { reason: "stopped" } | { reason: "fatal"; code: string; message: string };

export interface Agent {
  /** Starts connecting (returns at once; the agent then reconnects by itself until stopped). */
  start(): void;
  /** Stops everything: streams, timers, socket, kiosk. Idempotent. */
  stop(): Promise<void>;
  state(): AgentState;
  /** Settles when the agent stops: by `stop()` or because its key was refused. */
  readonly done: Promise<AgentExit>;
}

export function createAgent(opts: AgentOptions): Agent {
  return new DeviceAgent(opts);
}

class DeviceAgent implements Agent {
  readonly done: Promise<AgentExit>;
  private resolveDone!: (e: AgentExit) => void;
  private readonly st: AgentState = {
    phase: "idle",
    self: null,
    view: null,
    channel: null,
    room: null,
    connects: 0,
    reconnects: 0,
    heartbeats: { sent: 0, acked: 0, failed: 0, lastRttMs: null, lastServerTime: null },
    commands: { handled: 0, failed: 0, last: null },
    projector: null,
    kioskUrl: null,
    fatal: null,
    lastError: null,
  };
  private socket: DeviceSocket | null = null;
  private channel: LiveStreamClient<DeviceChannelState> | null = null;
  private room: LiveStreamClient<RoomScreenState> | null = null;
  private readonly projector: PjlinkClient | null;
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly backoff = new Backoff();
  private startedAt = 0;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private whoamiTimer: ReturnType<typeof setTimeout> | undefined;
  private ticking = false;
  private projectorPolledAt = 0;
  private finished = false;

  constructor(private readonly opts: AgentOptions) {
    this.done = new Promise((r) => (this.resolveDone = r));
    this.projector = opts.pjlink ? new PjlinkClient(opts.pjlink) : null;
    this.heartbeatMs = opts.heartbeatMs ?? 3000;
    this.pollMs = opts.projectorPollMs ?? Math.max(this.heartbeatMs, 10_000);
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  private log(level: LogLevel, msg: string): void {
    this.opts.log?.(level, msg);
  }

  state(): AgentState {
    const s = structuredClone(this.st);
    if (this.channel) s.channel = { stream: this.channel.stream, version: this.channel.version, stale: this.channel.stale };
    if (this.room) s.room = { stream: this.room.stream, version: this.room.version, stale: this.room.stale, notice: this.room.state?.room.notice ?? null };
    return s;
  }

  start(): void {
    if (this.socket || this.finished) return;
    this.startedAt = Date.now();
    this.st.phase = "connecting";
    const socket = deviceSocket(this.opts.url, this.opts.key, { client: this.opts.version ?? AGENT_VERSION, ...this.opts.socket });
    this.socket = socket;
    socket.on("connect", () => this.onConnect());
    socket.on("disconnect", (reason) => this.onDisconnect(reason));
    socket.on("connect_error", (err) => this.onConnectError(err));
    socket.on("device:command", (msg, ack) => void this.onCommand(msg, ack));
    // Sent before the server drops a re-keyed or revoked device; the reconnect that follows is refused and ends the agent.
    socket.on("auth:expired", ({ reason }) => this.log("warn", `the server dropped this device: ${reason}`));
    this.scheduleHeartbeat(this.heartbeatMs);
    this.log("info", `connecting to ${this.opts.url}`);
  }

  async stop(): Promise<void> {
    await this.finish({ reason: "stopped" });
  }

  private async finish(exit: AgentExit): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.st.phase = exit.reason === "fatal" ? "fatal" : "stopped";
    for (const t of [this.heartbeatTimer, this.reconnectTimer, this.whoamiTimer]) if (t) clearTimeout(t);
    this.channel?.stop();
    this.room?.stop();
    if (this.socket) {
      this.socket.removeAllListeners();
      this.socket.disconnect();
    }
    try {
      await this.opts.kiosk?.close();
    } catch (e) {
      this.log("warn", `kiosk close failed: ${String(e)}`);
    }
    this.resolveDone(exit);
  }

  private onConnect(): void {
    this.backoff.reset();
    this.st.connects++;
    this.st.reconnects = this.st.connects - 1;
    this.st.phase = "online";
    this.st.lastError = null;
    this.log("info", this.st.connects === 1 ? "connected" : `reconnected (#${this.st.reconnects})`);
    void this.whoami();
  }

  private onDisconnect(reason: string): void {
    if (this.finished) return;
    this.st.phase = "offline";
    this.log("warn", `disconnected: ${reason}`);
    // The server dropped us on purpose (e.g. the key was revoked): Socket.IO will not retry by itself.
    if (reason === "io server disconnect") this.reconnectLater();
  }

  private onConnectError(err: Error): void {
    if (this.finished || !this.socket) return;
    this.st.lastError = err.message;
    if (this.socket.active) return; // a network failure: Socket.IO retries with its own backoff
    const body = refusal(err);
    if (body && FATAL_AUTH_CODES.includes(body.code)) {
      this.st.fatal = body;
      const message = `the server refused this device key (${body.code}: ${body.message}). Ask the hall administrator for a new key; not retrying.`;
      this.log("error", message);
      void this.finish({ reason: "fatal", code: body.code, message });
      return;
    }
    this.log("warn", `connection refused (${body?.code ?? err.message}); retrying`);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.reconnectTimer || this.finished) return;
    const wait = this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.finished && this.socket && !this.socket.connected) this.socket.connect();
    }, wait);
  }

  /** Asks who this device is, then follows its channel and room streams and opens the kiosk. */
  private async whoami(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.finished) return;
    try {
      const self = await request(socket, "device:whoami", {}, this.timeoutMs);
      if (this.finished) return;
      this.st.self = self;
      this.follow(socket, self);
      await this.openKiosk();
      this.heartbeatNow();
    } catch (e) {
      if (this.finished) return;
      this.st.lastError = `whoami: ${e instanceof Error ? e.message : String(e)}`;
      this.log("warn", this.st.lastError);
      if (e instanceof RequestError && FATAL_AUTH_CODES.includes(e.code)) return; // the next connect will be refused and end the agent
      if (socket.connected && !this.whoamiTimer) {
        this.whoamiTimer = setTimeout(() => {
          this.whoamiTimer = undefined;
          void this.whoami();
        }, this.backoff.next());
      }
    }
  }

  private follow(socket: DeviceSocket, self: DeviceSelf): void {
    const onError = (what: string) => (e: { code: string; message: string }) => {
      this.st.lastError = `${what}: ${e.code} ${e.message}`;
      this.log("warn", this.st.lastError);
    };
    const channelKey = streamKey.device(self.id);
    if (this.channel?.stream !== channelKey) {
      this.channel?.stop();
      this.channel = new LiveStreamClient<DeviceChannelState>(socket, channelKey, {
        onState: (s) => {
          if (JSON.stringify(s.view) !== JSON.stringify(this.st.view)) this.log("info", `view: ${s.view.kind} (${s.view.stream})`);
          this.st.view = s.view;
        },
        onError: onError(channelKey),
      }).start();
    }
    const roomKey = streamKey.room(self.room.id);
    if (this.room?.stream !== roomKey) {
      this.room?.stop();
      this.room = new LiveStreamClient<RoomScreenState>(socket, roomKey, { onError: onError(roomKey) }).start();
    }
  }

  private async openKiosk(): Promise<void> {
    const kiosk = this.opts.kiosk;
    if (!kiosk || this.st.kioskUrl) return;
    const url = displayUrl(this.opts.url, this.opts.key);
    try {
      await kiosk.open(url);
      this.st.kioskUrl = url;
    } catch (e) {
      this.log("error", `kiosk: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async onCommand(msg: unknown, ack: unknown): Promise<void> {
    const label = () => (this.st.self ? `${this.st.self.code} ${this.st.self.name}` : "hall device");
    const answer = await runCommand(msg, {
      kiosk: this.opts.kiosk ?? null,
      projector: this.projector,
      label,
      projectorChanged: () => (this.projectorPolledAt = 0),
    });
    this.st.commands.handled++;
    if (!answer.ok) this.st.commands.failed++;
    this.st.commands.last = answer;
    this.log(answer.ok ? "info" : "warn", `command ${answer.commandId}: ${answer.ok ? `ok ${answer.detail ?? ""}` : `${answer.error?.code} ${answer.error?.message}`}`);
    if (typeof ack === "function") (ack as (a: DeviceCommandAck) => void)(answer);
    if (answer.ok && this.projector && this.projectorPolledAt === 0) this.heartbeatNow();
  }

  // ── heartbeats ──

  private scheduleHeartbeat(ms: number): void {
    if (this.finished) return;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => void this.beat(), ms);
  }

  /** Sends a heartbeat soon, unless one is on its way. */
  private heartbeatNow(): void {
    if (!this.ticking) this.scheduleHeartbeat(0);
  }

  private async beat(): Promise<void> {
    this.heartbeatTimer = undefined;
    if (this.ticking || this.finished) return;
    this.ticking = true;
    const began = Date.now();
    try {
      await this.sendHeartbeat();
    } finally {
      this.ticking = false;
      this.scheduleHeartbeat(Math.max(0, this.heartbeatMs - (Date.now() - began)));
    }
  }

  private async sendHeartbeat(): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected) return;
    if (this.projector && (this.projectorPolledAt === 0 || Date.now() - this.projectorPolledAt >= this.pollMs)) {
      this.projectorPolledAt = Date.now();
      this.st.projector = await this.projector.status();
      if (this.finished || !socket.connected) return;
    }
    const health = buildHealth({
      startedAt: this.startedAt,
      now: Date.now(),
      rssBytes: process.memoryUsage.rss(),
      lastRttMs: this.st.heartbeats.lastRttMs,
      version: this.opts.version ?? AGENT_VERSION,
      ...(this.projector ? { projector: this.st.projector } : {}),
    });
    const sentAt = performance.now();
    this.st.heartbeats.sent++;
    try {
      const res = await request(socket, "device:heartbeat", health, Math.max(this.timeoutMs, this.heartbeatMs));
      this.st.heartbeats.acked++;
      this.st.heartbeats.lastRttMs = performance.now() - sentAt;
      this.st.heartbeats.lastServerTime = res.serverTime;
    } catch (e) {
      this.st.heartbeats.failed++;
      this.st.heartbeats.lastRttMs = null;
      this.st.lastError = `heartbeat: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
