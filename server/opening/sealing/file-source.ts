/**
 * Node byte sources for envelope files: positional reads of a DER file, a
 * streaming base64 decoder for PEM files, and format detection. Memory use
 * is bounded by small windows whatever the file size.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { type ByteSource, endOfData } from "./byte-source";
import { SealingError } from "./errors";

const WINDOW = 256 * 1024;
const PEM_LABELS = ["CMS", "PKCS7"];

/**
 * Random-access DER file read through one reused 256 KiB window; skips are
 * seeks. Views returned by peek/read stay valid only until the next call.
 */
export class FileSource implements ByteSource {
  private window: Buffer = Buffer.allocUnsafe(WINDOW);
  private buf: Buffer = this.window.subarray(0, 0);
  private bufStart = 0;
  private pos = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  /** Opens `path` for reading. */
  static async open(path: string): Promise<FileSource> {
    const fh = await open(path, "r");
    try {
      return new FileSource(fh, (await fh.stat()).size);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  get position(): number {
    return this.pos;
  }

  /** Makes [pos, pos + n) available in the window (as far as the file goes). */
  private async fill(n: number): Promise<void> {
    const want = Math.min(n, this.size - this.pos);
    if (this.pos >= this.bufStart && this.pos + want <= this.bufStart + this.buf.length) return;
    const len = Math.min(Math.max(want, WINDOW), this.size - this.pos);
    if (len > this.window.length) this.window = Buffer.allocUnsafe(len);
    const buf = this.window;
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, this.pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.buf = buf.subarray(0, got);
    this.bufStart = this.pos;
  }

  async peek(n: number): Promise<Uint8Array> {
    await this.fill(n);
    const from = this.pos - this.bufStart;
    return this.buf.subarray(from, Math.min(from + n, this.buf.length));
  }

  async read(n: number): Promise<Uint8Array> {
    if (this.pos + n > this.size) throw endOfData(this.size);
    const out = await this.peek(n);
    if (out.length < n) throw endOfData(this.pos + out.length);
    this.pos += n;
    return out;
  }

  async skip(n: number): Promise<void> {
    if (this.pos + n > this.size) throw endOfData(this.size);
    this.pos += n;
  }

  async atEnd(): Promise<boolean> {
    return this.pos >= this.size;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Sequential source over an async iterator of chunks (e.g. decoded PEM). */
export class StreamSource implements ByteSource {
  private chunks: Uint8Array[] = [];
  private available = 0;
  private pos = 0;
  private done = false;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  get position(): number {
    return this.pos;
  }

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    if (r.value.length) {
      this.chunks.push(r.value);
      this.available += r.value.length;
    }
    return true;
  }

  async peek(n: number): Promise<Uint8Array> {
    while (this.available < n && (await this.pull()));
    const head = this.chunks[0];
    if (head && head.length >= n) return head.subarray(0, n);
    const joined = Buffer.concat(this.chunks);
    this.chunks = joined.length ? [joined] : [];
    return joined.subarray(0, Math.min(n, joined.length));
  }

  async read(n: number): Promise<Uint8Array> {
    const out = (await this.peek(n)).slice();
    if (out.length < n) throw endOfData(this.pos + out.length);
    await this.skip(n);
    return out;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.chunks.length === 0 && !(await this.pull())) throw endOfData(this.pos);
      const head = this.chunks[0];
      if (!head) continue;
      const take = Math.min(left, head.length);
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
      this.available -= take;
      this.pos += take;
      left -= take;
    }
  }

  async atEnd(): Promise<boolean> {
    while (this.available === 0 && (await this.pull()));
    return this.available === 0;
  }

  /** Stops the underlying iterator (closes the file). */
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

function corrupt(message: string): SealingError {
  return new SealingError("ENVELOPE_CORRUPT", message);
}

/** Envelope file encoding, from its first bytes. Throws ENVELOPE_CORRUPT if neither. */
export async function detectFormat(path: string): Promise<"der" | "pem"> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(256);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead === 0) throw corrupt("the file is empty");
    if (head[0] === 0x30) return "der";
    const text = head.subarray(0, bytesRead).toString("latin1").replace(/^\uFEFF|^\xEF\xBB\xBF/, "").trimStart();
    if (text.startsWith("-----BEGIN ")) return "pem";
    throw corrupt("the file is neither DER nor PEM");
  } finally {
    await fh.close();
  }
}

/**
 * Streams the DER bytes out of a PEM file ("-----BEGIN CMS-----" or
 * "-----BEGIN PKCS7-----"), decoding base64 on the fly in ~1 MiB pieces.
 * Throws ENVELOPE_CORRUPT on bad armour or base64, ENVELOPE_NOT_ENVELOPED
 * for another PEM label (e.g. a certificate).
 */
export async function* pemToDer(path: string): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let preamble = "";
  let inBody = false;
  let carry = "";
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text = chunk.toString("latin1");
      if (!inBody) {
        preamble += text;
        const m = /-----BEGIN ([^\r\n]*?)-----[^\S\n]*\r?\n/.exec(preamble);
        if (!m) {
          if (preamble.length > WINDOW) throw corrupt("no PEM BEGIN line");
          continue;
        }
        const label = m[1] as string;
        if (!PEM_LABELS.includes(label)) {
          throw new SealingError("ENVELOPE_NOT_ENVELOPED", `PEM block "${label}" is not a CMS envelope`);
        }
        text = preamble.slice(m.index + m[0].length);
        preamble = "";
        inBody = true;
      }
      const dash = text.indexOf("-");
      const b64 = carry + (dash >= 0 ? text.slice(0, dash) : text).replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw corrupt("bad base64 in PEM body");
      if (dash >= 0) {
        if (b64.length % 4 !== 0) throw corrupt("truncated base64 in PEM body");
        yield Buffer.from(b64, "base64");
        return;
      }
      // Keep a padded tail back until the END line confirms nothing follows it.
      const usable = b64.includes("=") ? 0 : b64.length - (b64.length % 4);
      if (usable > 0) yield Buffer.from(b64.slice(0, usable), "base64");
      carry = b64.slice(usable);
    }
    throw corrupt(inBody ? "PEM END line missing (truncated?)" : "no PEM BEGIN line");
  } finally {
    stream.destroy();
  }
}
