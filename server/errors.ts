import type { ErrorBody, ErrorCode } from "@contracts/common";
import type { ZodError } from "zod";

/** An expected failure with a stable code; handlers turn it into `{ ok: false, error }`. The message never repeats the code. */
export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode | (string & {}),
    message: string,
    public readonly details?: ErrorBody["details"],
  ) {
    super(withoutCode(code, message)); // the code travels beside the message, never inside it
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

/** `message` without a leading copy of `code` ("CODE: …"): a message never repeats its code. */
export function withoutCode(code: string, message: string): string {
  let m = message;
  while (m.startsWith(`${code}:`)) m = m.slice(code.length + 1).trimStart();
  return m;
}

/** An error kept in a text column (a bid's last decryption error): "CODE: message", the code once. */
export const storedError = (code: string, message: string): string => `${code}: ${withoutCode(code, message)}`;

/** A stored error split again: its code (null for a plain text) and its message. */
export function parseStoredError(stored: string): { code: string | null; message: string } {
  const m = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+): (.*)$/s.exec(stored);
  return m ? { code: m[1]!, message: withoutCode(m[1]!, m[2]!) } : { code: null, message: stored };
}
