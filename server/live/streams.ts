// A stream kind: how to recognise its keys, who may join, and how to build
// its current state from the database. Domain modules register their kinds
// with the hub; the hub does versioning, persistence, diffing and delivery.
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

/** Helper for kinds whose keys are `prefix` or `prefix:<id>`. */
export function keyParser(prefix: string, withId: boolean) {
  return (key: string): { id: string } | null => {
    const parts = key.split(":");
    if (parts[0] !== prefix) return null;
    if (!withId) return parts.length === 1 ? { id: "" } : null;
    return parts.length === 2 && parts[1] ? { id: parts[1] } : null;
  };
}
