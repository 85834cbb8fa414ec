/**
 * Sequential byte sources for the streaming envelope parser. Browser-safe:
 * the Node file/stream sources live in file-source.ts.
 */
import { SealingError } from "./errors";

/** A forward-only reader over DER bytes. */
export interface ByteSource {
  /** Offset of the next byte. */
  readonly position: number;
  /** Reads exactly `n` bytes; throws ENVELOPE_CORRUPT at end of data. */
  read(n: number): Promise<Uint8Array>;
  /** Returns up to `n` bytes without consuming them (fewer at end of data). */
  peek(n: number): Promise<Uint8Array>;
  /** Skips exactly `n` bytes; throws ENVELOPE_CORRUPT past end of data. */
  skip(n: number): Promise<void>;
  /** True when no bytes are left. */
  atEnd(): Promise<boolean>;
}

/** Error for reading past the end. */
export function endOfData(position: number): SealingError {
  return new SealingError("ENVELOPE_CORRUPT", `unexpected end of data at byte ${position} (truncated?)`);
}

/** ByteSource over bytes already in memory. */
export class MemorySource implements ByteSource {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get position(): number {
    return this.pos;
  }

  async read(n: number): Promise<Uint8Array> {
    if (this.pos + n > this.bytes.length) throw endOfData(this.bytes.length);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  async peek(n: number): Promise<Uint8Array> {
    return this.bytes.subarray(this.pos, Math.min(this.pos + n, this.bytes.length));
  }

  async skip(n: number): Promise<void> {
    if (this.pos + n > this.bytes.length) throw endOfData(this.bytes.length);
    this.pos += n;
  }

  async atEnd(): Promise<boolean> {
    return this.pos >= this.bytes.length;
  }
}
