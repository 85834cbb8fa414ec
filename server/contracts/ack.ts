// Client commands with acknowledgements, typed from the contracts' event table:
// the one helper the client, the devices, the tests and the benches send with.
// An answer that never comes (a timeout, or the connection lost first) resolves
// as an error acknowledgement like the server's, code NETWORK_ERROR, which the
// client words from its locale; it never rejects. Free of server code.
import type { Socket } from "socket.io-client";
import type { Ack, AckErr } from "./common";
import type { ClientEventName, ClientToServerEvents, EventInput, EventOutput, ServerToClientEvents } from "./events";

/** A client socket speaking the contracts' event maps. */
export type AckSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The code of an acknowledgement that did not arrive: a timeout or a lost connection. */
export const NETWORK_ERROR = "NETWORK_ERROR";

/** The error acknowledgement for an answer that did not arrive. */
export function networkError(message: string): AckErr {
  return { ok: false, error: { code: NETWORK_ERROR, message } };
}

/**
 * Emits `event` and waits up to `timeoutMs` for its acknowledgement. Sent while
 * the socket is disconnected, Socket.IO buffers it until the reconnection (the
 * timeout still runs); callers that must not wait check `socket.connected` first.
 */
export async function emitAck<E extends ClientEventName>(
  socket: AckSocket,
  event: E,
  payload: EventInput<E>,
  timeoutMs: number,
): Promise<Ack<EventOutput<E>>> {
  try {
    // The typed event map makes emitWithAck's overloads hard to satisfy generically; the signature above is the contract.
    const s = socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<EventOutput<E>>> };
    return await s.emitWithAck(event, payload);
  } catch (err) {
    // Socket.IO rejects with "operation has timed out" or "socket has been disconnected".
    return networkError(err instanceof Error ? err.message : String(err));
  }
}
