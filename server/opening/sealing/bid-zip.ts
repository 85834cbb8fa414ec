/**
 * checkBidZip: validates a decrypted bid archive with yauzl. yauzl does not
 * check CRC-32 itself, so every entry is read through and its CRC compared
 * here; sizes are checked by yauzl (validateEntrySizes).
 */
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import zlib from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { SealingError, isSealingError } from "./errors";

/** Zip-bomb guards of {@link checkBidZip}. */
export interface BidZipLimits {
  /** Cap on the sum of uncompressed entry sizes; default 2 GiB. */
  maxTotalBytes?: number;
  /** Cap on the number of entries; default 10 000. */
  maxEntries?: number;
  /** Cap on the size of bid.json; default 8 MiB. */
  maxBidJsonBytes?: number;
}

/** One entry of the archive. */
export interface BidZipEntry {
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
  compressedSize: number;
  isDirectory: boolean;
}

/** Result of {@link checkBidZip}. */
export interface BidZipCheck {
  /** Parsed content of bid.json (not validated against a schema here). */
  bidJson: unknown;
  entries: BidZipEntry[];
  /** Sum of uncompressed sizes. */
  totalBytes: number;
}

const BID_JSON = "bid.json";

/** CRC-32 with zlib.crc32 (Node ≥ 20.15) or a table fallback. */
const crc32: (data: Uint8Array, value: number) => number =
  typeof zlib.crc32 === "function" ? (d, v) => zlib.crc32(d, v) : tableCrc32;

let table: Uint32Array | undefined;
function tableCrc32(data: Uint8Array, value: number): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (const b of data) c = (table[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** True when the file starts like a ZIP (local header or empty-archive EOCD). */
async function hasZipSignature(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return bytesRead === 4 && [0x04034b50, 0x06054b50].includes(head.readUInt32LE(0));
  } finally {
    await fh.close();
  }
}

/** Reads an entry fully, checking its CRC; returns the bytes when `keepUpTo` is set. */
async function drainEntry(stream: Readable, entry: Entry, keepUpTo: number | null): Promise<Buffer | null> {
  let crc = 0;
  const kept: Buffer[] = [];
  let keptLength = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    crc = crc32(chunk, crc);
    if (keepUpTo !== null) {
      keptLength += chunk.length;
      if (keptLength > keepUpTo) throw new SealingError("BID_ZIP_TOO_LARGE", `${entry.fileName} exceeds ${keepUpTo} bytes`);
      kept.push(chunk);
    }
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) throw new SealingError("BID_ZIP_CORRUPT", `CRC-32 mismatch in ${entry.fileName}`);
  return keepUpTo === null ? null : Buffer.concat(kept);
}

function parseBidJson(bytes: Buffer): unknown {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SealingError("BID_JSON_INVALID", `bid.json is not valid UTF-8 JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Checks that `zipPath` is a sound bid archive: a ZIP (BID_NOT_ZIP), every
 * entry readable with a matching CRC-32 and size (BID_ZIP_CORRUPT; encrypted
 * entries and unsafe names are refused too), within the limits
 * (BID_ZIP_TOO_LARGE), with a root `bid.json` (BID_JSON_MISSING) holding
 * JSON (BID_JSON_INVALID). Returns the parsed bid.json and the entry list.
 */
export async function checkBidZip(zipPath: string, limits: BidZipLimits = {}): Promise<BidZipCheck> {
  const maxTotal = limits.maxTotalBytes ?? 2 * 1024 ** 3;
  const maxEntries = limits.maxEntries ?? 10_000;
  const maxJson = limits.maxBidJsonBytes ?? 8 * 1024 ** 2;
  if (!(await hasZipSignature(zipPath))) throw new SealingError("BID_NOT_ZIP", "the bid is not a ZIP archive");

  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: true, validateEntrySizes: true });
  } catch (err) {
    throw new SealingError("BID_ZIP_CORRUPT", `cannot read the ZIP directory: ${(err as Error).message}`, { cause: err });
  }
  if (zip.entryCount > maxEntries) {
    zip.close();
    throw new SealingError("BID_ZIP_TOO_LARGE", `${zip.entryCount} entries (limit ${maxEntries})`);
  }

  const entries: BidZipEntry[] = [];
  const names = new Set<string>();
  let totalBytes = 0;
  let bidJson: Buffer | null = null;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (names.has(name)) throw new SealingError("BID_ZIP_CORRUPT", `duplicate entry ${name}`);
      names.add(name);
      const isDirectory = name.endsWith("/");
      totalBytes += entry.uncompressedSize;
      if (totalBytes > maxTotal) throw new SealingError("BID_ZIP_TOO_LARGE", `uncompressed size exceeds ${maxTotal} bytes`);
      entries.push({ name, size: entry.uncompressedSize, compressedSize: entry.compressedSize, isDirectory });
      if (isDirectory) continue;
      if (entry.isEncrypted()) throw new SealingError("BID_ZIP_CORRUPT", `entry ${name} is encrypted`);
      const data = await drainEntry(await zip.openReadStreamPromise(entry), entry, name === BID_JSON ? maxJson : null);
      if (data) bidJson = data;
    }
  } catch (err) {
    if (isSealingError(err)) throw err;
    throw new SealingError("BID_ZIP_CORRUPT", `damaged ZIP: ${(err as Error).message}`, { cause: err });
  }
  if (!bidJson) throw new SealingError("BID_JSON_MISSING", "the archive has no bid.json at its root");
  return { bidJson: parseBidJson(bidJson), entries, totalBytes };
}
