// A stream kind: how to recognise its keys, who may join, and how to build
// its current state from the database. Domain modules register their kinds
// with the hub; the hub does versioning, persistence, diffing and delivery.
import { parseStreamKey, type ParamsOf, type StreamKindName } from "@contracts/streams";
import type { Principal } from "../auth/principal";

export interface StreamKind<P = Record<string, string>> {
  /** First segment of the key, e.g. "room" for `room:<id>`. */
  prefix: string;
  /** Key → params, or null when the key is not of this kind. */
  parse(key: string): P | null;
  /** May this principal see this stream? Return "not-found" to hide existence. */
  authorize(principal: Principal, params: P): Promise<boolean | "not-found">;
  /** The state as it should be now, already cut to what this stream's audience may see. */
  build(params: P): Promise<unknown>;
  /**
   * Rebuild a stream of this kind at most this often (ms); changes in between
   * coalesce into one trailing rebuild. For big states that change in bursts
   * (an opening's public view while 200 bids are decrypted). Default 0.
   */
  minIntervalMs?: number;
}

/** The `parse` of a kind declared in contracts/streams.ts: the key's params, or null when it is another kind's. */
export function parserOf<K extends StreamKindName>(kind: K): (key: string) => ParamsOf<K> | null {
  return (key) => parseStreamKey(kind, key);
}
