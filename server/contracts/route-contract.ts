// The shape of one HTTP route contract. Each domain keeps its routes in its own
// file (contracts/<domain>-routes.ts); http.ts merges them.
import type { z } from "zod";
import type { Audience } from "./common";

export interface RouteContract<B extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** Body for POST/PUT, merged path params + query for GET/DELETE. */
  input: B;
  output: O;
  audience: readonly Audience[];
  summary: string;
  /** "raw": the body is a byte stream (a sealed bid), not JSON. Default "json". */
  body?: "json" | "raw";
  /**
   * "pdf"/"text"/"csv": the answer is a file, not the JSON envelope (errors still are). "document": a JSON document
   * served as itself (application/json, no envelope), e.g. an OCDS release package. Default "json".
   */
  produces?: "json" | "pdf" | "text" | "csv" | "document";
}
export const route = <B extends z.ZodType, O extends z.ZodType>(c: RouteContract<B, O>) => c;
