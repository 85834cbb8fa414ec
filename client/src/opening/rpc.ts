// Socket commands with acks, through the contracts' one helper (@contracts/ack).
// The client adds its default wait and does not queue a command while offline:
// without a connection the answer is NETWORK_ERROR at once.
import { emitAck as emitAckShared, networkError } from "@contracts/ack";
import type { Ack } from "@contracts/common";
import type { ClientEventName, EventInput, EventOutput } from "@contracts/events";
import type { HallSocket } from "@/live/socket";

export async function emitAck<E extends ClientEventName>(
  socket: HallSocket | null,
  event: E,
  payload: EventInput<E>,
  timeoutMs = 15_000,
): Promise<Ack<EventOutput<E>>> {
  if (!socket?.connected) return networkError("not connected to the server");
  return emitAckShared(socket, event, payload, timeoutMs);
}
