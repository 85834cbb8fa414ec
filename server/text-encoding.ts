// The text encoding of an imported CSV file: UTF-8 (with or without a BOM) or
// GB18030/GBK, what Excel saves on Chinese Windows ("CSV (逗号分隔)" is CP936).
// Shared by the statistics import (server/stats/import.ts) and the experts
// import (server/experts/importer.ts), over HTTP and from the CLIs.
//
// ToUtf8 is a Transform: bytes in, UTF-8 bytes out, memory flat.
//   - Bytes below 0x80 are the same in both encodings: they pass while nothing
//     else has been seen.
//   - From the first other byte on, up to SAMPLE_BYTES are held back and
//     decide: strict UTF-8 (a fatal TextDecoder) → UTF-8; else strict GB18030
//     (iconv-lite; strict = no U+FFFD in its output and the text encodes back to
//     the same bytes) → GB18030; else the file is refused.
//   - The rest streams through the chosen decoder (a character split across
//     chunks is carried over by the stateful decoder); a later byte that does
//     not fit the chosen encoding fails the stream with its line, so the import
//     (all or nothing) stores nothing.
// iconv-lite: maintained, pure JavaScript (no native build), streaming
// decoders, and complete GB18030 tables (GBK is its two-byte subset).
import { Transform, type TransformCallback } from "node:stream";
import { TextDecoder } from "node:util";
import iconv from "iconv-lite";
import type { TextEncoding } from "@contracts/common";
import { AppError } from "./errors";

export type { TextEncoding };

/** Bytes from the first non-ASCII byte on that decide the encoding. */
export const SAMPLE_BYTES = 64 * 1024;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const REPLACEMENT = "\uFFFD";
/** A ZIP local file header: how an .xlsx workbook starts. */
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export const workbookNotCsv = () =>
  new AppError("IMPORT_NOT_CSV", "The file is an Excel workbook (.xlsx) or another ZIP archive, not CSV text: save it from Excel as CSV; nothing was imported");

export function encodingError(line: number): AppError {
  return new AppError("IMPORT_ENCODING", `Line ${line}: the file is neither UTF-8 nor GB18030 (GBK) text; nothing was imported`, [
    { path: `line ${line}`, message: "neither UTF-8 nor GB18030 (GBK) text" },
  ]);
}

const countNewlines = (s: Buffer | string): number => {
  let n = 0;
  if (typeof s === "string") {
    for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  } else {
    for (let i = s.indexOf(10); i >= 0; i = s.indexOf(10, i + 1)) n++;
  }
  return n;
};

/** Strict GB18030 of a whole sample: the text, or null when a byte does not fit. `final`: the sample ends the file. */
function strictGb18030(sample: Buffer, final: boolean): boolean {
  const dec = iconv.getDecoder("gb18030", { stripBOM: false });
  const text = dec.write(sample);
  const tail = final ? (dec.end() ?? "") : "";
  if (text.includes(REPLACEMENT) || tail.includes(REPLACEMENT)) return false;
  // The characters decoded so far encode back to the bytes they came from (a held-back partial character aside).
  const again = iconv.encode(text, "gb18030");
  if (final) return again.equals(sample);
  return sample.subarray(0, again.length).equals(again) && sample.length - again.length < 4;
}

function isStrictUtf8(sample: Buffer, final: boolean): boolean {
  try {
    const d = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    d.decode(sample, { stream: !final });
    return true;
  } catch {
    return false;
  }
}

/** Bytes in (UTF-8 or GB18030), UTF-8 bytes out; `encoding` is known once the stream ends. */
export class ToUtf8 extends Transform {
  /** What the file was read as (ASCII-only files: "utf-8"). Set once decided. */
  encoding: TextEncoding | null = null;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private line = 1;
  private start = true;
  private bom = false;
  private utf8: TextDecoder | null = null;
  private gb: ReturnType<typeof iconv.getDecoder> | null = null;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      if (this.start && chunk.length > 0) {
        this.start = false;
        if (chunk.length >= 4 && chunk.subarray(0, 4).equals(ZIP)) throw workbookNotCsv();
        if (chunk.length >= 3 && chunk.subarray(0, 3).equals(BOM)) {
          this.bom = true;
          this.encoding = "utf-8-bom";
          this.utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
        }
      }
      if (this.utf8 || this.gb) return cb(null, this.decode(chunk, false));
      if (this.heldBytes === 0) {
        // Undecided: ASCII passes as it is.
        let i = 0;
        while (i < chunk.length && chunk[i]! < 0x80) i++;
        const ascii = chunk.subarray(0, i);
        this.line += countNewlines(ascii);
        if (i === chunk.length) return cb(null, chunk);
        if (i > 0) this.push(ascii);
        chunk = chunk.subarray(i);
      }
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes < SAMPLE_BYTES) return cb();
      cb(null, this.decide(false));
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (!this.utf8 && !this.gb) {
        if (this.heldBytes === 0) {
          this.encoding ??= "utf-8";
          return cb();
        }
        const out = this.decide(true);
        return cb(null, out);
      }
      cb(null, this.decode(Buffer.alloc(0), true));
    } catch (err) {
      cb(err as Error);
    }
  }

  private decide(final: boolean): Buffer {
    const sample = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    if (isStrictUtf8(sample, final)) {
      this.encoding = this.bom ? "utf-8-bom" : "utf-8";
      this.utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    } else if (!this.bom && strictGb18030(sample, final)) {
      this.encoding = "gb18030";
      this.gb = iconv.getDecoder("gb18030", { stripBOM: false });
    } else {
      // Neither: the line where neither reading works any more.
      throw encodingError(Math.max(this.firstBadLine(sample), this.firstBadGbLine(sample)));
    }
    return this.decode(sample, final);
  }

  /** The decoded chunk as UTF-8 bytes; a byte that does not fit fails with its line. */
  private decode(chunk: Buffer, final: boolean): Buffer {
    if (this.utf8) {
      try {
        // Validation only; the bytes themselves go on (they are UTF-8), split characters included.
        this.utf8.decode(chunk, { stream: !final });
      } catch {
        throw encodingError(this.firstBadLine(chunk));
      }
      this.line += countNewlines(chunk);
      return chunk;
    }
    const gb = this.gb!;
    const text = gb.write(chunk) + (final ? (gb.end() ?? "") : "");
    const bad = text.indexOf(REPLACEMENT);
    if (bad >= 0) throw encodingError(this.line + countNewlines(text.slice(0, bad)));
    this.line += countNewlines(text);
    return Buffer.from(text, "utf8");
  }

  /** The line of the first byte of `buf` that is not GB18030 (the line the sample starts on, counted on). */
  private firstBadGbLine(buf: Buffer): number {
    const t = iconv.decode(buf, "gb18030", { stripBOM: false });
    const bad = t.indexOf(REPLACEMENT);
    return this.line + countNewlines(bad < 0 ? "" : t.slice(0, bad));
  }

  /** The line of the first byte of `buf` that is not UTF-8 (the line the sample starts on, counted on). */
  private firstBadLine(buf: Buffer): number {
    let line = this.line;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) return line;
      if (!isStrictUtf8(buf.subarray(start, nl), true)) return line;
      line++;
      start = nl + 1;
    }
  }
}

/** The wording of an encoding for people (CLIs). */
export const encodingName = (e: TextEncoding | null): string =>
  e === "gb18030" ? "GB18030 (GBK)" : e === "utf-8-bom" ? "UTF-8 with BOM" : e === "utf-8" ? "UTF-8" : "XLSX";
