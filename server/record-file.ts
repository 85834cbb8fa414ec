// A published record (an opening's draw record, an expert draw's record) read
// from a file for `npm run verify-draw -- --file F`: the API's answer saved as
// it came (`{"ok":true,"data":…}`) or its bare data. Every way a file can be
// wrong gives one readable sentence (RecordFileError), never a stack trace.
import { readFileSync } from "node:fs";
import type { z } from "zod";

export class RecordFileError extends Error {
  override readonly name = "RecordFileError";
}

/** The file's JSON, unwrapped from the API's envelope when it is one. */
export function readRecordFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecordFileError(code === "ENOENT" ? `${file}: no such file` : code === "EISDIR" ? `${file} is a folder, not a file` : `${file} cannot be read (${code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    throw new RecordFileError(
      `${file} is not JSON${text.trim() ? "" : " (the file is empty)"}: save the answer of the record's address (GET /api/lots/:lotId/draw-record or /api/expert-draws/:drawId/record) as it came, or its "data" part`,
    );
  }
  if (json && typeof json === "object" && !Array.isArray(json) && "ok" in json) {
    const envelope = json as { ok: unknown; data?: unknown; error?: { message?: unknown } };
    if (envelope.ok === true && "data" in envelope) return envelope.data;
    if (envelope.ok === false) {
      const why = typeof envelope.error?.message === "string" ? `: ${envelope.error.message}` : "";
      throw new RecordFileError(`${file} holds a refused API answer, not a record${why}`);
    }
  }
  return json;
}

/** The kind a record declares ("expert-draw"), or null (an opening's draw record has none). */
export function recordKind(value: unknown): string | null {
  return value && typeof value === "object" && typeof (value as { kind?: unknown }).kind === "string" ? (value as { kind: string }).kind : null;
}

/** Parses a record with its schema; what is wrong, in plain words: the fields missing, the fields of the wrong kind. */
export function parseRecord<T extends z.ZodType>(schema: T, value: unknown, file: string, what: string): z.output<T> {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new RecordFileError(`${file} is not ${what}: it holds ${Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value}`}, not an object with its fields`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const name = (path: PropertyKey[]) => path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") || "(the whole record)";
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) missing.push(name(issue.path));
    else wrong.push(`${name(issue.path)} (${issue.message.replace(/^Invalid input: /, "")})`);
  }
  const parts = [
    missing.length ? `missing ${missing.slice(0, 12).join(", ")}${missing.length > 12 ? ` and ${missing.length - 12} more` : ""}` : "",
    wrong.length ? `not as expected: ${wrong.slice(0, 6).join("; ")}${wrong.length > 6 ? ` and ${wrong.length - 6} more` : ""}` : "",
  ].filter(Boolean);
  throw new RecordFileError(`${file} is not ${what}: ${parts.join("; ")}`);
}
