// PJLink class 1 wire basics shared by the client and the test peer (JBMIA
// "PJLink Specifications", class 1): TCP port 4352, ASCII lines ending in CR,
// `%1` + 4-letter command + space + parameter, answers `%1CMD=value`.
// Authentication: the projector greets `PJLINK 1 <random>`; the client
// prefixes its first command with md5hex(random + password).
import { createHash } from "node:crypto";

export const PJLINK_PORT = 4352;
/** Longest class 1 packet, terminator included (spec: 136 bytes). */
export const PJLINK_MAX_LINE = 136;
/** A projector closes a connection that has been silent this long (spec: 30 s). */
export const PJLINK_IDLE_TIMEOUT_MS = 30_000;
/** Authentication failure answer, sent by the projector before it closes. */
export const PJLINK_ERRA = "PJLINK ERRA";

/** Stable error codes: programs switch on these, people read the message. */
export const PjlinkErrorCode = [
  "PJLINK_AUTH_FAILED",
  "PJLINK_TIMEOUT",
  "PJLINK_GARBAGE",
  "PJLINK_ERR1",
  "PJLINK_ERR2",
  "PJLINK_ERR3",
  "PJLINK_ERR4",
  "PJLINK_UNREACHABLE",
] as const;
export type PjlinkErrorCode = (typeof PjlinkErrorCode)[number];

/** What the projector's ERRn answers mean (spec wording). */
export const ERR_MEANING = {
  ERR1: "undefined command",
  ERR2: "out of parameter",
  ERR3: "unavailable time",
  ERR4: "projector/display failure",
} as const;
export type ErrAnswer = keyof typeof ERR_MEANING;
export const isErrAnswer = (v: string): v is ErrAnswer => Object.prototype.hasOwnProperty.call(ERR_MEANING, v);

/** A failed PJLink exchange; `code` is stable, `message` says what happened. */
export class PjlinkError extends Error {
  override readonly name = "PjlinkError";
  constructor(
    readonly code: PjlinkErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isPjlinkError = (e: unknown): e is PjlinkError => e instanceof PjlinkError;

/** The authentication digest: lowercase hex MD5 of the projector's random followed by the password. */
export const pjlinkDigest = (random: string, password: string): string =>
  createHash("md5").update(random + password, "utf8").digest("hex");

/** Class 1 command bodies. */
export const CLASS1_COMMANDS = ["POWR", "INPT", "AVMT", "ERST", "LAMP", "INST", "NAME", "INF1", "INF2", "INFO", "CLSS"] as const;
export type Class1Command = (typeof CLASS1_COMMANDS)[number];

/** A class 1 input: type 1 RGB, 2 video, 3 digital, 4 storage, 5 network; number 1-9. */
export const INPUT_RE = /^[1-5][1-9]$/;

export type Greeting = { auth: false } | { auth: true; random: string };

/** Parses the projector's first line; null when it is not a PJLink greeting. */
export function parseGreeting(line: string): Greeting | null {
  if (line === "PJLINK 0") return { auth: false };
  const m = /^PJLINK 1 ([\x21-\x7e]{8})$/.exec(line);
  return m?.[1] ? { auth: true, random: m[1] } : null;
}

/** Parses an answer `%1BODY=value`; null when the line is not one. */
export function parseAnswer(line: string): { body: string; value: string } | null {
  const m = /^%1([A-Z0-9]{4})=(.*)$/.exec(line);
  if (!m?.[1] || m[2] === undefined) return null;
  return { body: m[1], value: m[2] };
}

/** True when every character is printable ASCII (class 1 answers are; NAME may be UTF-8, decoded before this check). */
export const isPrintable = (s: string): boolean => !/[\x00-\x1f\x7f]/.test(s);
