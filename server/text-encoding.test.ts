// The import files' text encoding: UTF-8 (BOM or not) or GB18030/GBK, split
// anywhere across chunks; anything else refused with the line of the first bad byte.
import { Readable } from "node:stream";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { SAMPLE_BYTES, ToUtf8 } from "./text-encoding";

const through = async (chunks: Buffer[]) => {
  const out: Buffer[] = [];
  const dec = new ToUtf8();
  Readable.from(chunks).pipe(dec);
  for await (const c of dec) out.push(c as Buffer);
  return { text: Buffer.concat(out).toString("utf8"), encoding: dec.encoding };
};
const text = "code,name\nA,工程建设\nB,政府采购 张三 䶮 𠀀 €\n";

describe("text encoding of an import", () => {
  it("UTF-8 passes as it is, split anywhere, even inside a character", async () => {
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await through([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual({ text, encoding: "utf-8" });
    }
    expect(await through([Buffer.from(`\uFEFF${text}`)])).toEqual({ text: `\uFEFF${text}`, encoding: "utf-8-bom" });
    expect(await through([Buffer.from("code,name\nA,B\n")])).toEqual({ text: "code,name\nA,B\n", encoding: "utf-8" });
  });

  it("GB18030 (GBK and four-byte characters) is read, split anywhere", async () => {
    const bytes = iconv.encode(text, "gb18030");
    expect(bytes.subarray(12, 14)).toEqual(Buffer.from([0xb9, 0xa4])); // 工 in GBK: real GBK bytes, not UTF-8
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await through([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual({ text, encoding: "gb18030" });
    }
    // What Excel on Chinese Windows writes (CP936) for "姓名,张三": plain GBK bytes.
    expect(await through([Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0xd5, 0xc5, 0xc8, 0xfd, 0x0a])])).toEqual({ text: "姓名,张三\n", encoding: "gb18030" });
  });

  it("a large GBK file decided from its first bytes streams through whole", async () => {
    const line = "X-1,城关镇道路工程,工程建设\n";
    const bytes = iconv.encode(line.repeat(Math.ceil((3 * SAMPLE_BYTES) / 20)), "gb18030");
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 1000) chunks.push(bytes.subarray(i, i + 1000)); // cuts inside characters
    const r = await through(chunks);
    expect(r.encoding).toBe("gb18030");
    expect(r.text).toBe(line.repeat(Math.ceil((3 * SAMPLE_BYTES) / 20)));
  });

  it("bytes that are neither are refused with the line of the first bad byte", async () => {
    const gbk = iconv.encode("code,name\nA,工程\n", "gb18030");
    // Valid GBK, then a byte no GB18030 character starts with (0xFF) on line 3.
    await expect(through([gbk, Buffer.from("B,"), Buffer.from([0xff, 0x0a])])).rejects.toMatchObject({ code: "IMPORT_ENCODING", details: [{ path: "line 3" }] });
    // UTF-16 (Excel "Unicode text").
    await expect(through([Buffer.from([0xff, 0xfe]), Buffer.from("code,name\n", "utf16le")])).rejects.toMatchObject({ code: "IMPORT_ENCODING", details: [{ path: "line 1" }] });
    // A character cut off at the end of the file.
    await expect(through([Buffer.from("code\n"), Buffer.from([0xe5])])).rejects.toMatchObject({ code: "IMPORT_ENCODING", details: [{ path: "line 2" }] });
    await expect(through([Buffer.from("code\nA,"), Buffer.from([0xb9])])).rejects.toMatchObject({ code: "IMPORT_ENCODING" });
  });

  it("a bad byte after the decision refuses the whole stream (GB18030 and UTF-8 alike)", async () => {
    const many = (s: string) => s.repeat(Math.ceil((2 * SAMPLE_BYTES) / Buffer.byteLength(s)));
    const gbk = iconv.encode(many("A,工程建设\n"), "gb18030");
    const lines = many("A,工程建设\n").split("\n").length;
    await expect(through([gbk, Buffer.from([0x42, 0x2c, 0x81, 0x0a])])).rejects.toMatchObject({ code: "IMPORT_ENCODING", details: [{ path: `line ${lines}` }] });
    const utf8 = Buffer.from(many("A,工程建设\n"));
    await expect(through([utf8, Buffer.from([0x42, 0x2c, 0xb9, 0xa4, 0x0a])])).rejects.toMatchObject({ code: "IMPORT_ENCODING", details: [{ path: `line ${lines}` }] });
  });

  it("random bytes are refused", async () => {
    const { randomBytes } = await import("node:crypto");
    for (let i = 0; i < 20; i++) await expect(through([randomBytes(4096)])).rejects.toMatchObject({ code: "IMPORT_ENCODING" });
  });
});
