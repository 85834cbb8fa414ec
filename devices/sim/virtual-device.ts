// One simulated hall device: a socket with its key, whoami, its channel and
// room streams through LiveStreamClient, heartbeats, and an ack for every
// command. It keeps counters for the simulator's report.
import { DeviceCommandMessage, type DeviceChannelState, type DeviceCommandAck, type DeviceSelf } from "@contracts/devices";
import { LiveStreamClient } from "@contracts/live-client";
import { streamKey } from "@contracts/streams";
import type { RoomScreenState } from "@contracts/rooms";
import { Backoff, FATAL_AUTH_CODES, deviceSocket, refusal, request, type DeviceSocket } from "../shared/wire";

export interface VirtualDeviceOptions {
  url: string;
  key: string;
  /** For logs: which virtual device this is. */
  index: number;
  heartbeatMs: number;
  transports?: ("websocket" | "polling")[];
  requestTimeoutMs?: number;
}

export class VirtualDevice {
  readonly socket: DeviceSocket;
  self: DeviceSelf | null = null;
  channel: LiveStreamClient<DeviceChannelState> | null = null;
  room: LiveStreamClient<RoomScreenState> | null = null;
  connects = 0;
  /** `live:update`s received on this socket. */
  updates = 0;
  commands = 0;
  heartbeats = { sent: 0, acked: 0 };
  lastRttMs: number | null = null;
  /** The server refused the key: this device stays down. */
  refused: string | null = null;
  errors = 0;
  lastError: string | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private firstBeat: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private whoamiRetry: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff = new Backoff(200, 10_000);
  private stopped = false;

  constructor(private readonly opts: VirtualDeviceOptions) {
    this.socket = deviceSocket(opts.url, opts.key, { autoConnect: false, client: "hall-sim", ...(opts.transports ? { transports: opts.transports } : {}) });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  start(): void {
    const s = this.socket;
    s.on("connect", () => {
      this.connects++;
      this.backoff.reset();
      void this.whoami();
    });
    s.on("connect_error", (err) => {
      if (s.active || this.stopped) return;
      const body = refusal(err);
      this.note(`refused: ${body?.code ?? err.message}`);
      if (body && FATAL_AUTH_CODES.includes(body.code)) this.refused = body.code;
      else this.later();
    });
    s.on("disconnect", (reason) => {
      if (reason === "io server disconnect" && !this.stopped) this.later();
    });
    s.on("live:update", () => this.updates++);
    s.on("device:command", (msg, ack) => {
      this.commands++;
      const parsed = DeviceCommandMessage.safeParse(msg);
      const commandId = typeof (msg as { commandId?: unknown } | null)?.commandId === "string" ? msg.commandId : "";
      const answer: DeviceCommandAck = parsed.success
        ? { commandId, ok: true, detail: `simulated ${parsed.data.command.kind}` }
        : { commandId, ok: false, error: { code: "BAD_COMMAND", message: "not a command this simulator knows" } };
      if (typeof ack === "function") ack(answer);
    });
    // Spread the first heartbeats so N devices do not beat in lockstep.
    this.firstBeat = setTimeout(() => {
      this.heartbeat = setInterval(() => void this.beat(), this.opts.heartbeatMs);
    }, Math.random() * this.opts.heartbeatMs);
    s.connect();
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.firstBeat, this.retry, this.whoamiRetry]) if (t) clearTimeout(t);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.channel?.stop();
    this.room?.stop();
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  private note(msg: string): void {
    this.errors++;
    this.lastError = msg;
  }

  private later(): void {
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.stopped && !this.socket.connected) this.socket.connect();
    }, this.backoff.next());
  }

  private async whoami(): Promise<void> {
    try {
      const self = await request(this.socket, "device:whoami", {}, this.opts.requestTimeoutMs ?? 10_000);
      if (this.stopped) return;
      this.self = self;
      const onError = (e: { code: string; message: string }) => this.note(`${e.code} ${e.message}`);
      if (!this.channel) this.channel = new LiveStreamClient<DeviceChannelState>(this.socket, streamKey.device(self.id), { onError }).start();
      if (this.room?.stream !== streamKey.room(self.room.id)) {
        this.room?.stop();
        this.room = new LiveStreamClient<RoomScreenState>(this.socket, streamKey.room(self.room.id), { onError }).start();
      }
    } catch (e) {
      this.note(`whoami: ${e instanceof Error ? e.message : String(e)}`);
      if (!this.stopped && this.socket.connected && !this.whoamiRetry) {
        this.whoamiRetry = setTimeout(() => {
          this.whoamiRetry = undefined;
          void this.whoami();
        }, this.backoff.next());
      }
    }
  }

  private async beat(): Promise<void> {
    if (!this.socket.connected) return;
    const sentAt = performance.now();
    this.heartbeats.sent++;
    try {
      await request(
        this.socket,
        "device:heartbeat",
        { uptimeS: Math.round(process.uptime()), memoryMb: 50, version: `hall-sim/${this.opts.index}`, ...(this.lastRttMs !== null ? { rttMs: Math.round(this.lastRttMs) } : {}) },
        this.opts.requestTimeoutMs ?? 10_000,
      );
      this.heartbeats.acked++;
      this.lastRttMs = performance.now() - sentAt;
    } catch (e) {
      this.lastRttMs = null;
      this.note(`heartbeat: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
