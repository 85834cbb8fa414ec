import type { ErrorBody, ErrorCode } from "@contracts/common";
import type { ZodError } from "zod";

/** An expected failure with a stable code; handlers turn it into `{ ok: false, error }`. */
export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode | (string & {}),
    message: string,
    public readonly details?: ErrorBody["details"],
  ) {
    super(message);
    this.name = "AppError";
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export const validationError = (err: ZodError, what = "input") =>
  new AppError(
    "VALIDATION_FAILED",
    `Invalid ${what}: ${err.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`,
    err.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  );

/** Any thrown value → the wire error body; unexpected errors never leak internals. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  // PostgreSQL refuses text with a NUL character (SQLite stores it): the input was bad, nothing was written.
  if (/invalid byte sequence for encoding "UTF8": 0x00|unsupported Unicode escape sequence/.test(String((err as Error)?.message ?? ""))) {
    return { code: "VALIDATION_FAILED", message: "Text may not contain the NUL character (U+0000)" };
  }
  return { code: "INTERNAL", message: "Internal error; it has been logged" };
}
