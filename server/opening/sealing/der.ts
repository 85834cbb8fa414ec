/**
 * Minimal in-memory DER/BER reader and DER writer. Browser-safe: works on
 * Uint8Array only (no Buffer, no Node imports).
 *
 * Used for the small parts of an envelope (RecipientInfos, algorithm
 * identifiers) and for certificates; the large encrypted content is never
 * handled here (see envelope-parser.ts).
 */
import { SealingError } from "./errors";

/** ASN.1 tag classes. */
export const TagClass = { universal: 0, application: 1, context: 2, private: 3 } as const;

/** Universal tag numbers used by this library. */
export const Tag = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  null: 5,
  oid: 6,
  utf8String: 12,
  sequence: 16,
  set: 17,
  printableString: 19,
  t61String: 20,
  ia5String: 22,
  utcTime: 23,
  generalizedTime: 24,
  universalString: 28,
  bmpString: 30,
} as const;

/** A parsed TLV with absolute offsets into the buffer it came from. */
export interface DerNode {
  tagClass: number;
  constructed: boolean;
  tagNumber: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the content (before the end-of-contents octets if indefinite). */
  contentEnd: number;
  /** Offset just past the whole element (including end-of-contents if indefinite). */
  end: number;
  indefinite: boolean;
  /** Children of a constructed element. */
  children: DerNode[];
}

const MAX_DEPTH = 64;

function corrupt(message: string): SealingError {
  return new SealingError("ENVELOPE_CORRUPT", message);
}

/**
 * Parses one element at `offset` (BER: definite and indefinite lengths are
 * accepted) without reading past `limit`. Throws ENVELOPE_CORRUPT on bad data.
 */
export function parseDer(bytes: Uint8Array, offset = 0, limit = bytes.length, depth = 0): DerNode {
  if (depth > MAX_DEPTH) throw corrupt("ASN.1 nesting too deep");
  let p = offset;
  const byte = (): number => {
    if (p >= limit) throw corrupt(`unexpected end of data at ${p}`);
    return bytes[p++] as number;
  };
  const id = byte();
  const tagClass = id >> 6;
  const constructed = (id & 0x20) !== 0;
  let tagNumber = id & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (i > 4) throw corrupt("tag number too large");
      const b = byte();
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  const first = byte();
  const node: DerNode = {
    tagClass,
    constructed,
    tagNumber,
    start: offset,
    contentStart: 0,
    contentEnd: 0,
    end: 0,
    indefinite: false,
    children: [],
  };
  if (first === 0x80) {
    if (!constructed) throw corrupt("indefinite length on a primitive element");
    node.indefinite = true;
    node.contentStart = p;
    for (;;) {
      if (p + 2 <= limit && bytes[p] === 0 && bytes[p + 1] === 0) {
        node.contentEnd = p;
        node.end = p + 2;
        return node;
      }
      const child = parseDer(bytes, p, limit, depth + 1);
      node.children.push(child);
      p = child.end;
    }
  }
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 6) throw corrupt("length too large");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + byte();
  }
  node.contentStart = p;
  node.contentEnd = p + length;
  node.end = node.contentEnd;
  if (node.end > limit) throw corrupt(`element at ${offset} runs past the end of its container`);
  if (constructed) {
    while (p < node.contentEnd) {
      const child = parseDer(bytes, p, node.contentEnd, depth + 1);
      node.children.push(child);
      p = child.end;
    }
  }
  return node;
}

/** True when the node has the given universal tag. */
export function isUniversal(node: DerNode, tagNumber: number): boolean {
  return node.tagClass === TagClass.universal && node.tagNumber === tagNumber;
}

/** True when the node is a context-specific [n] tag. */
export function isContext(node: DerNode, tagNumber: number): boolean {
  return node.tagClass === TagClass.context && node.tagNumber === tagNumber;
}

/** Throws ENVELOPE_CORRUPT unless the node has the expected universal tag. */
export function expectUniversal(node: DerNode | undefined, tagNumber: number, what: string): DerNode {
  if (!node || !isUniversal(node, tagNumber)) throw corrupt(`expected ${what}`);
  return node;
}

/** Content octets of a primitive node (a view, not a copy). */
export function contentOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.contentStart, node.contentEnd);
}

/** The whole TLV encoding of a node (a view, not a copy). */
export function encodingOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.start, node.end);
}

/** Value of an OCTET STRING (BER constructed strings are concatenated). */
export function octetsOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  if (!node.constructed) return contentOf(bytes, node).slice();
  return concatBytes(node.children.map((c) => octetsOf(bytes, c)));
}

/** Decodes an OBJECT IDENTIFIER's content octets to dotted form. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw corrupt("empty OBJECT IDENTIFIER");
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i] as number;
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw corrupt("OID arc too large");
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    } else if (i === content.length - 1) {
      throw corrupt("truncated OID");
    }
  }
  return arcs.join(".");
}

/** OID of a node that must be an OBJECT IDENTIFIER. */
export function oidOf(bytes: Uint8Array, node: DerNode | undefined, what = "OBJECT IDENTIFIER"): string {
  return decodeOid(contentOf(bytes, expectUniversal(node, Tag.oid, what)));
}

/** Small non-negative INTEGER (versions). */
export function smallIntOf(bytes: Uint8Array, node: DerNode | undefined, what = "INTEGER"): number {
  const content = contentOf(bytes, expectUniversal(node, Tag.integer, what));
  if (content.length === 0 || content.length > 4) throw corrupt(`bad ${what}`);
  let v = 0;
  for (const b of content) v = v * 256 + b;
  return v;
}

/** INTEGER content as lowercase hex without redundant leading zero bytes. */
export function integerHex(content: Uint8Array): string {
  let i = 0;
  while (i < content.length - 1 && content[i] === 0) i++;
  return toHex(content.subarray(i));
}

// ---------------------------------------------------------------- writing

/** DER length octets. */
function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const out: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.of(0x80 | out.length, ...out);
}

/** DER TLV with a single-octet identifier (tag numbers < 31). */
export function tlv(identifier: number, ...content: Uint8Array[]): Uint8Array {
  const body = concatBytes(content);
  return concatBytes([Uint8Array.of(identifier), encodeLength(body.length), body]);
}

/** DER header (identifier + length) for content of the given length. */
export function tlvHeader(identifier: number, contentLength: number): Uint8Array {
  return concatBytes([Uint8Array.of(identifier), encodeLength(contentLength)]);
}

/** Identifier octets used by the writer. */
export const Id = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  context: (n: number, constructed: boolean): number => 0x80 | (constructed ? 0x20 : 0) | n,
} as const;

/** DER OBJECT IDENTIFIER element. */
export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split(".").map(Number);
  const [a = 0, b = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const group: number[] = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) group.unshift(0x80 | v % 128);
    out.push(...group);
  }
  return tlv(Id.oid, Uint8Array.from(out));
}

/** DER small INTEGER element. */
export function encodeSmallInt(value: number): Uint8Array {
  return tlv(Id.integer, Uint8Array.of(value));
}

// ---------------------------------------------------------------- bytes

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-length byte comparison. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Parses hex (even length, 0-9a-f, case-insensitive); null when invalid. */
export function fromHex(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Decodes base64 (whitespace ignored); throws ENVELOPE_CORRUPT on bad input. */
export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const body = clean.replace(/={1,2}$/, "");
  if (clean.length % 4 !== 0 || body.length % 4 === 1) throw corrupt("bad base64 length");
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? (B64_INDEX[c] as number) : -1;
    if (v < 0) throw corrupt("bad base64 character");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Encodes base64 with 64-character lines. */
export function base64Encode(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    s += b === undefined ? "=" : B64[(n >> 6) & 63]!;
    s += c === undefined ? "=" : B64[n & 63]!;
  }
  return s.replace(/(.{64})/g, "$1\n").replace(/\n?$/, "\n");
}

/**
 * Decodes a PEM block with one of the given labels. Returns null when the
 * text has no `-----BEGIN` line at all (so callers can try DER).
 */
export function pemDecode(text: string, labels: readonly string[]): Uint8Array | null {
  const m = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return null;
  if (!labels.includes(m[1] as string)) {
    throw corrupt(`PEM label "${m[1]}" is not one of ${labels.join(", ")}`);
  }
  return base64Decode(m[2] as string);
}

/** Wraps DER in PEM armour. */
export function pemEncode(der: Uint8Array, label: string): string {
  return `-----BEGIN ${label}-----\n${base64Encode(der)}-----END ${label}-----\n`;
}

/** Decodes a binary string (one char per byte, as forge uses) to bytes. */
export function fromBinaryString(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Encodes bytes as a binary string (one char per byte, as forge uses). */
export function toBinaryString(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return s;
}
