// Health report every hall device's page sends (`device:heartbeat`): uptime,
// browser memory, the round trip of the previous report. The server marks a
// device offline after DEVICE_SILENCE_MS (10 s) without one, so report well
// within that. Sent on every (re)connect and every `intervalMs` after.
import { onBeforeUnmount } from "vue";
import { NETWORK_ERROR } from "@contracts/ack";
import { emitAck } from "@/opening/rpc";
import type { HallSocket } from "./socket";

export const HEARTBEAT_MS = 3_000;

export function useDeviceHeartbeat(socket: HallSocket | null, clientVersion: string, intervalMs = HEARTBEAT_MS): { beat: () => Promise<void> } {
  const startedAt = performance.now();
  let lastRttMs: number | undefined;
  async function beat() {
    if (!socket?.connected) return;
    const mem = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    const t0 = performance.now();
    const res = await emitAck(
      socket,
      "device:heartbeat",
      {
        uptimeS: Math.round((performance.now() - startedAt) / 1000),
        memoryMb: mem ? Math.round(mem.usedJSHeapSize / 1048576) : 0,
        ...(lastRttMs === undefined ? {} : { rttMs: Math.round(lastRttMs) }),
        version: clientVersion,
      },
      5_000,
    );
    // Any answer, even a refusal, measured the round trip; a lost one did not.
    lastRttMs = !res.ok && res.error.code === NETWORK_ERROR ? undefined : performance.now() - t0;
  }
  if (socket) {
    const onConnect = () => void beat();
    socket.on("connect", onConnect);
    if (socket.connected) void beat();
    const timer = setInterval(() => void beat(), intervalMs);
    onBeforeUnmount(() => {
      socket.off("connect", onConnect);
      clearInterval(timer);
    });
  }
  return { beat };
}
