// Socket commands with acks, typed from the contracts' event table. A lost
// connection or a timeout becomes an error envelope like the server's.
import type { Ack } from "@contracts/common";
import type { ClientEventName, EventInput, EventOutput } from "@contracts/events";
import type { HallSocket } from "@/live/socket";

export async function emitAck<E extends ClientEventName>(
  socket: HallSocket | null,
  event: E,
  payload: EventInput<E>,
  timeoutMs = 15_000,
): Promise<Ack<EventOutput<E>>> {
  if (!socket?.connected) return { ok: false, error: { code: "NETWORK_ERROR", message: "not connected to the server" } };
  try {
    // The typed event map makes emitWithAck's overloads hard to satisfy generically; the signature above is the contract.
    const s = socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<EventOutput<E>>> };
    return await s.emitWithAck(event, payload);
  } catch (err) {
    return { ok: false, error: { code: "NETWORK_ERROR", message: err instanceof Error ? err.message : String(err) } };
  }
}
