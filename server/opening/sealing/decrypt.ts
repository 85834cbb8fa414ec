/**
 * decryptToFile / sha256File: streaming AES-CBC decryption of an envelope's
 * content with Node's OpenSSL, at flat memory whatever the file size.
 */
import { type Decipher, createDecipheriv, createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { SealingError, isSealingError } from "./errors";
import { pemToDer } from "./file-source";
import { inspectEnvelope } from "./inspect";
import type { ContentSegment, EnvelopeInfo } from "./types";

/** Ciphertext is handed to the decipher in pieces of about this size. */
const BATCH = 1 << 20;

/** Result of {@link decryptToFile}. */
export interface DecryptResult {
  /** Plaintext length in bytes. */
  bytes: number;
  /** SHA-256 of the plaintext, lowercase hex. */
  sha256: string;
}

/** Reads [start, end) of a file into one reused buffer; each view is valid until the next step. */
async function* fileRange(path: string, start: number, end: number): AsyncGenerator<Buffer> {
  const fh = await open(path, "r");
  const buf = Buffer.allocUnsafe(BATCH);
  try {
    for (let pos = start; pos < end; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) throw new SealingError("ENVELOPE_CORRUPT", "the envelope file is shorter than expected (changed since it was inspected?)");
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Feeds the ciphertext bytes of `segments` — found in a stream of DER bytes
 * starting at offset `startPos` — to `onCiphertext`, one call per piece.
 */
async function forEachCiphertext(
  der: AsyncIterable<Uint8Array>,
  startPos: number,
  segments: readonly ContentSegment[],
  onCiphertext: (piece: Uint8Array) => void,
  afterChunk: () => Promise<void>,
): Promise<void> {
  let pos = startPos;
  let i = 0;
  let seg = segments[0];
  for await (const chunk of der) {
    let off = 0;
    while (seg && off < chunk.length) {
      const at = pos + off;
      if (at < seg.offset) {
        off += Math.min(chunk.length - off, seg.offset - at);
        continue;
      }
      const segEnd = seg.offset + seg.length;
      const take = Math.min(chunk.length - off, segEnd - at);
      onCiphertext(chunk.subarray(off, off + take));
      off += take;
      if (at + take >= segEnd) seg = segments[++i];
    }
    pos += chunk.length;
    await afterChunk();
    if (!seg) return;
  }
  throw new SealingError("ENVELOPE_CORRUPT", "the ciphertext ends early (file changed since it was inspected?)");
}

/** The envelope's DER bytes from the first ciphertext byte (DER file) or from the start (PEM). */
function derStream(path: string, envelope: EnvelopeInfo): { stream: AsyncIterable<Uint8Array>; startPos: number } {
  const segments = envelope.encryptedContent.segments;
  const first = segments[0];
  const last = segments[segments.length - 1];
  if (!first || !last) throw new SealingError("ENVELOPE_CORRUPT", "no encrypted content");
  if (envelope.format === "pem") return { stream: pemToDer(path), startPos: 0 };
  return { stream: fileRange(path, first.offset, last.offset + last.length), startPos: first.offset };
}

function mapCryptoError(err: unknown): unknown {
  if (isSealingError(err)) return err;
  const code = (err as { code?: string }).code;
  if (code === "ERR_OSSL_BAD_DECRYPT") {
    return new SealingError("ENVELOPE_WRONG_KEY", "decryption failed (bad padding): wrong content key", { cause: err });
  }
  if (code === "ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH") {
    return new SealingError("ENVELOPE_CORRUPT", "ciphertext is not a whole number of blocks", { cause: err });
  }
  return err;
}

/**
 * Decrypts ciphertext pieces and writes the plaintext, hashing it on the way.
 * Small pieces (the 4 KiB chunks of `-stream` output) are gathered so the
 * decipher sees ~1 MiB at a time; large pieces go straight through.
 */
class PlaintextSink {
  bytes = 0;
  private readonly hash = createHash("sha256");
  private readonly staging = Buffer.allocUnsafe(BATCH);
  private staged = 0;
  private pending: Buffer[] = [];

  constructor(
    private readonly decipher: Decipher,
    private readonly out: FileHandle,
  ) {}

  /** Takes one piece of ciphertext (copied or consumed before returning). */
  readonly add = (ct: Uint8Array): void => {
    if (ct.length >= BATCH / 16) {
      this.decryptStaged();
      this.push(this.decipher.update(ct));
      return;
    }
    if (this.staged + ct.length > this.staging.length) this.decryptStaged();
    this.staging.set(ct, this.staged);
    this.staged += ct.length;
  };

  /** Decrypts what is staged and writes all pending plaintext. */
  readonly flush = async (): Promise<void> => {
    this.decryptStaged();
    const bufs = this.pending;
    this.pending = [];
    let total = 0;
    for (const b of bufs) {
      this.hash.update(b);
      total += b.length;
    }
    this.bytes += total;
    for (let written = 0; written < total; ) {
      const { bytesWritten } = await this.out.writev(written === 0 ? bufs : [Buffer.concat(bufs).subarray(written)]);
      written += bytesWritten;
    }
  };

  /** Checks the padding (throws ERR_OSSL_BAD_DECRYPT), writes the tail, returns the digest. */
  async finish(): Promise<string> {
    this.decryptStaged();
    this.push(this.decipher.final());
    await this.flush();
    return this.hash.digest("hex");
  }

  private decryptStaged(): void {
    if (this.staged === 0) return;
    this.push(this.decipher.update(this.staging.subarray(0, this.staged)));
    this.staged = 0;
  }

  private push(pt: Buffer): void {
    if (pt.length) this.pending.push(pt);
  }
}

/**
 * Decrypts the envelope's content with `contentKey` into `outPath`,
 * streaming through one reused 1 MiB read buffer, and returns the plaintext
 * length and SHA-256. Pass the result of {@link inspectEnvelope} as
 * `envelope` to avoid parsing the file twice.
 *
 * Throws ENVELOPE_WRONG_KEY when the key length does not fit the cipher
 * (nothing is written) or the padding check fails (the partial output is
 * removed). Note a wrong key passes the CBC padding check about once in 256
 * tries and then yields garbage: check the plaintext (ZIP CRCs, checkBidZip).
 */
export async function decryptToFile(
  envelopePath: string,
  contentKey: Uint8Array,
  outPath: string,
  envelope?: EnvelopeInfo,
): Promise<DecryptResult> {
  if (resolve(outPath) === resolve(envelopePath)) throw new Error("decryptToFile: outPath must differ from envelopePath");
  const info = envelope ?? (await inspectEnvelope(envelopePath));
  const { cipher } = info;
  if (contentKey.length !== cipher.keyLength) {
    throw new SealingError("ENVELOPE_WRONG_KEY", `${cipher.name} needs a ${cipher.keyLength}-byte key, got ${contentKey.length} bytes`);
  }
  const out = await open(outPath, "w");
  try {
    const sink = new PlaintextSink(createDecipheriv(cipher.name, contentKey, cipher.iv), out);
    const { stream, startPos } = derStream(envelopePath, info);
    await forEachCiphertext(stream, startPos, info.encryptedContent.segments, sink.add, sink.flush);
    const sha256 = await sink.finish();
    await out.close();
    return { bytes: sink.bytes, sha256 };
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(outPath, { force: true });
    throw mapCryptoError(err);
  }
}

/** SHA-256 of a file, lowercase hex, streaming. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: BATCH }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}
