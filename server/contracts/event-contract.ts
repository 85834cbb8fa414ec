// The shape of one client→server event contract. Each domain keeps its events in
// its own file (contracts/<domain>-events.ts); events.ts merges them.
import type { z } from "zod";
import type { Audience } from "./common";

export interface EventContract<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Coarse gate; the handler then checks the resource (which room, which company). */
  audience: readonly Audience[];
  /** Human summary, also used in docs and the authorization matrix. */
  summary: string;
}

export const ev = <I extends z.ZodType, O extends z.ZodType>(c: EventContract<I, O>) => c;
