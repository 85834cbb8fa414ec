/**
 * Streaming parser for CMS EnvelopedData (RFC 5652) over a {@link ByteSource}.
 * Reads headers and the small parts (recipients, algorithm) into memory and
 * only records where the ciphertext lies, so a 500 MB envelope costs a few
 * KB. Accepts definite lengths (DER) and indefinite lengths with chunked
 * OCTET STRINGs (BER, e.g. `openssl cms -stream`). Browser-safe.
 */
import { OID, cipherByOid } from "./algorithms";
import { type ByteSource, endOfData } from "./byte-source";
import { type DerNode, Tag, TagClass, concatBytes, contentOf, expectUniversal, isUniversal, oidOf, parseDer, smallIntOf } from "./der";
import { SealingError, isSealingError } from "./errors";
import { parseRecipientInfos } from "./recipients";
import type { ContentSegment, EnvelopeHeader, EnvelopeInfo } from "./types";

/** Limit on bytes held in memory for the non-content parts of an envelope. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** Nesting limit for constructed strings. */
const MAX_DEPTH = 32;
/** Bytes of trailing zero/whitespace padding tolerated after the envelope. */
const MAX_TRAILER = 64 * 1024;

interface Header {
  tagClass: number;
  constructed: boolean;
  tagNumber: number;
  /** Identifier + length octets as read. */
  raw: Uint8Array;
  contentStart: number;
  /** Content length; null for indefinite. */
  length: number | null;
}

function corrupt(message: string): SealingError {
  return new SealingError("ENVELOPE_CORRUPT", message);
}

/** Decodes identifier + length octets at the start of `head`; null if `head` is too short. */
function decodeHeader(head: Uint8Array, at: number): { tagClass: number; constructed: boolean; tagNumber: number; headerLength: number; length: number | null } | null {
  if (head.length < 2) return null;
  const id = head[0] as number;
  let p = 1;
  let tagNumber = id & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (i > 3) throw corrupt(`tag number too large at byte ${at}`);
      if (p >= head.length) return null;
      const b = head[p++] as number;
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  const constructed = (id & 0x20) !== 0;
  if (p >= head.length) return null;
  const first = head[p++] as number;
  let length: number | null = first;
  if (first === 0x80) {
    if (!constructed) throw corrupt(`indefinite length on a primitive element at byte ${at}`);
    length = null;
  } else if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 6) throw corrupt(`length field too long at byte ${at}`);
    if (p + n > head.length) return null;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (head[p++] as number);
  }
  return { tagClass: id >> 6, constructed, tagNumber, headerLength: p, length };
}

/** Reads one identifier + length. */
async function readHeader(src: ByteSource): Promise<Header> {
  const at = src.position;
  const head = await src.peek(16);
  const h = decodeHeader(head, at);
  if (!h) throw endOfData(at + head.length);
  const raw = (await src.read(h.headerLength)).slice();
  return { tagClass: h.tagClass, constructed: h.constructed, tagNumber: h.tagNumber, raw, contentStart: at + h.headerLength, length: h.length };
}

/** A constructed element being walked: knows when its content ends. */
class Frame {
  readonly end: number | null;

  constructor(
    private readonly src: ByteSource,
    header: Header,
  ) {
    this.end = header.length === null ? null : header.contentStart + header.length;
  }

  /** True when another child follows. */
  async more(): Promise<boolean> {
    if (this.end !== null) {
      if (this.src.position > this.end) throw corrupt(`element overruns its container at byte ${this.end}`);
      return this.src.position < this.end;
    }
    const eoc = await this.src.peek(2);
    if (eoc.length < 2) throw endOfData(this.src.position);
    return !(eoc[0] === 0 && eoc[1] === 0);
  }

  /** Reads the next child's header, checking it fits. */
  async child(what: string): Promise<Header> {
    if (!(await this.more())) throw corrupt(`missing ${what}`);
    const h = await readHeader(this.src);
    if (this.end !== null && h.length !== null && h.contentStart + h.length > this.end) {
      throw corrupt(`${what} runs past the end of its container`);
    }
    return h;
  }

  /** Consumes the end of this element (end-of-contents octets if indefinite). */
  async close(what: string): Promise<void> {
    if (this.end !== null) {
      if (this.src.position !== this.end) throw corrupt(`unexpected data at the end of ${what}`);
      return;
    }
    const eoc = await this.src.read(2);
    if (eoc[0] !== 0 || eoc[1] !== 0) throw corrupt(`missing end-of-contents of ${what}`);
  }
}

/** Reads a whole (small) element whose header was read, returning its encoding. */
async function capture(src: ByteSource, h: Header, budget: { left: number }, depth = 0): Promise<Uint8Array> {
  if (depth > MAX_DEPTH) throw corrupt("ASN.1 nesting too deep");
  if (h.length !== null) {
    budget.left -= h.length;
    if (budget.left < 0) throw corrupt("envelope header is implausibly large");
    return concatBytes([h.raw, (await src.read(h.length)).slice()]);
  }
  const parts: Uint8Array[] = [h.raw];
  const frame = new Frame(src, h);
  while (await frame.more()) parts.push(await capture(src, await readHeader(src), budget, depth + 1));
  await frame.close("element");
  parts.push(new Uint8Array(2));
  return concatBytes(parts);
}

function isTag(h: Header, tagClass: number, tagNumber: number, constructed?: boolean): boolean {
  return h.tagClass === tagClass && h.tagNumber === tagNumber && (constructed === undefined || h.constructed === constructed);
}

/**
 * Walks an encryptedContent [0] element, recording the ciphertext segments.
 * The common case — a run of primitive OCTET STRING chunks (`-stream`
 * output has one per 4 KiB) — is decoded from a single peek per chunk.
 */
async function walkContent(src: ByteSource, h: Header, segments: ContentSegment[], depth: number): Promise<void> {
  if (depth > MAX_DEPTH) throw corrupt("encryptedContent nesting too deep");
  if (!h.constructed) {
    const length = h.length as number;
    if (length > 0) segments.push({ offset: src.position, length });
    await src.skip(length);
    return;
  }
  const frame = new Frame(src, h);
  for (;;) {
    const at = src.position;
    if (frame.end !== null && at >= frame.end) break;
    const head = await src.peek(16);
    if (frame.end === null && head[0] === 0 && head[1] === 0) break;
    const fast = head[0] === 0x04 ? decodeHeader(head, at) : null;
    if (fast && fast.length !== null) {
      const offset = at + fast.headerLength;
      if (frame.end !== null && offset + fast.length > frame.end) throw corrupt("encryptedContent chunk runs past its container");
      if (fast.length > 0) segments.push({ offset, length: fast.length });
      await src.skip(fast.headerLength + fast.length);
      continue;
    }
    const chunk = await frame.child("encryptedContent chunk");
    if (!isTag(chunk, TagClass.universal, Tag.octetString)) throw corrupt("encryptedContent chunk is not an OCTET STRING");
    await walkContent(src, chunk, segments, depth + 1);
  }
  await frame.close("encryptedContent");
}

/** Cipher and IV from a contentEncryptionAlgorithm AlgorithmIdentifier. */
function cipherOf(bytes: Uint8Array, alg: DerNode): EnvelopeHeader["cipher"] {
  expectUniversal(alg, Tag.sequence, "contentEncryptionAlgorithm");
  const spec = cipherByOid(oidOf(bytes, alg.children[0], "cipher OID"));
  const ivNode = alg.children[1];
  if (!ivNode || !isUniversal(ivNode, Tag.octetString) || ivNode.constructed) {
    throw corrupt("cipher parameters are not an IV OCTET STRING");
  }
  const iv = contentOf(bytes, ivNode).slice();
  if (iv.length !== 16) throw corrupt(`IV must be 16 bytes, got ${iv.length}`);
  return { ...spec, iv };
}

/** Reads the rest of EncryptedContentInfo: where the ciphertext lies. */
async function readCiphertextLocation(src: ByteSource, eci: Frame): Promise<EnvelopeInfo["encryptedContent"]> {
  if (!(await eci.more())) throw corrupt("no encryptedContent (detached content is not supported)");
  const contentHeader = await eci.child("encryptedContent");
  if (!isTag(contentHeader, TagClass.context, 0)) throw corrupt("encryptedContent is not [0]");
  const segments: ContentSegment[] = [];
  await walkContent(src, contentHeader, segments, 0);
  await eci.close("encryptedContentInfo");
  const length = segments.reduce((n, s) => n + s.length, 0);
  if (length === 0 || length % 16 !== 0) throw corrupt(`ciphertext length ${length} is not a whole number of AES blocks`);
  return { segments, length, chunked: contentHeader.constructed };
}

const CONTENT_TYPE_NAMES: Readonly<Record<string, string>> = {
  [OID.data]: "data",
  [OID.signedData]: "SignedData",
  [OID.authEnvelopedData]: "AuthEnvelopedData (AES-GCM)",
  "1.2.840.113549.1.7.6": "EncryptedData",
  "1.2.840.113549.1.7.5": "DigestedData",
};

/**
 * Parses a CMS ContentInfo holding EnvelopedData from `src`.
 * Throws SealingError ENVELOPE_CORRUPT / ENVELOPE_NOT_ENVELOPED /
 * ENVELOPE_UNSUPPORTED_CIPHER; any unexpected failure becomes ENVELOPE_CORRUPT.
 */
export async function parseEnvelope(src: ByteSource, format: EnvelopeInfo["format"]): Promise<EnvelopeInfo> {
  return guard(parseUnchecked(src, format, false) as Promise<EnvelopeInfo>);
}

/**
 * Parses only up to the start of the ciphertext (recipients, cipher, IV):
 * `src` may hold just the first kilobytes of a large envelope. Same errors
 * as {@link parseEnvelope}.
 */
export async function parseEnvelopeHeader(src: ByteSource, format: EnvelopeInfo["format"]): Promise<EnvelopeHeader> {
  return guard(parseUnchecked(src, format, true));
}

async function guard<T>(parse: Promise<T>): Promise<T> {
  try {
    return await parse;
  } catch (err) {
    if (isSealingError(err)) throw err;
    throw new SealingError("ENVELOPE_CORRUPT", `unreadable envelope: ${(err as Error).message}`, { cause: err });
  }
}

async function parseUnchecked(src: ByteSource, format: EnvelopeInfo["format"], headerOnly: boolean): Promise<EnvelopeHeader | EnvelopeInfo> {
  const budget = { left: MAX_HEADER_BYTES };
  const small = async (frame: Frame, what: string) => {
    const bytes = await capture(src, await frame.child(what), budget);
    return { bytes, node: parseDer(bytes) };
  };

  const ciHeader = await readHeader(src);
  if (!isTag(ciHeader, TagClass.universal, Tag.sequence, true)) throw corrupt("not a CMS ContentInfo (no SEQUENCE)");
  const ci = new Frame(src, ciHeader);
  const type = await small(ci, "contentType");
  const contentType = oidOf(type.bytes, type.node, "contentType");
  if (contentType !== OID.envelopedData) {
    const name = CONTENT_TYPE_NAMES[contentType] ?? contentType;
    throw new SealingError("ENVELOPE_NOT_ENVELOPED", `CMS content is ${name}, not EnvelopedData`);
  }
  const explicitHeader = await ci.child("content [0]");
  if (!isTag(explicitHeader, TagClass.context, 0, true)) throw corrupt("missing content [0]");
  const explicit = new Frame(src, explicitHeader);
  const edHeader = await explicit.child("EnvelopedData");
  if (!isTag(edHeader, TagClass.universal, Tag.sequence, true)) throw corrupt("EnvelopedData is not a SEQUENCE");
  const ed = new Frame(src, edHeader);
  const versionEl = await small(ed, "version");
  const version = smallIntOf(versionEl.bytes, versionEl.node, "EnvelopedData version");

  let h = await ed.child("recipientInfos");
  if (isTag(h, TagClass.context, 0)) {
    await capture(src, h, budget); // originatorInfo: certificates/CRLs, not needed
    h = await ed.child("recipientInfos");
  }
  if (!isTag(h, TagClass.universal, Tag.set, true)) throw corrupt("recipientInfos is not a SET");
  const recipients = parseRecipientInfos(await capture(src, h, budget));

  const eciHeader = await ed.child("encryptedContentInfo");
  if (!isTag(eciHeader, TagClass.universal, Tag.sequence, true)) throw corrupt("encryptedContentInfo is not a SEQUENCE");
  const eci = new Frame(src, eciHeader);
  const innerType = await small(eci, "encryptedContentInfo contentType");
  const innerContentType = oidOf(innerType.bytes, innerType.node, "contentType");
  const alg = await small(eci, "contentEncryptionAlgorithm");
  const cipher = cipherOf(alg.bytes, alg.node);
  const header: EnvelopeHeader = { format, version, recipients, contentType: innerContentType, cipher };
  if (headerOnly) return header;

  const encryptedContent = await readCiphertextLocation(src, eci);
  while (await ed.more()) {
    const extra = await ed.child("unprotectedAttrs");
    if (!isTag(extra, TagClass.context, 1)) throw corrupt("unexpected element after encryptedContentInfo");
    await capture(src, extra, budget);
  }
  await ed.close("EnvelopedData");
  await explicit.close("content [0]");
  await ci.close("ContentInfo");
  const derLength = src.position;
  await checkTrailer(src);

  return { ...header, encryptedContent, derLength };
}

/** Allows only a little zero / whitespace padding after the envelope. */
async function checkTrailer(src: ByteSource): Promise<void> {
  let seen = 0;
  while (!(await src.atEnd())) {
    const chunk = await src.peek(4096);
    for (const b of chunk) {
      if (b !== 0 && b !== 0x0a && b !== 0x0d && b !== 0x20 && b !== 0x09) throw corrupt("unexpected bytes after the envelope");
    }
    seen += chunk.length;
    if (seen > MAX_TRAILER) throw corrupt("unexpected bytes after the envelope");
    await src.skip(chunk.length);
  }
}
