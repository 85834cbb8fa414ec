// checkBidZip on archives made with fflate.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBidZip } from "./index";
import { makeBidZip, random } from "../../../test/helpers/sealing-pki";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bidzip-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(data: Uint8Array | string): string {
  const p = join(dir, `z${n++}.zip`);
  writeFileSync(p, data);
  return p;
}
const enc = (s: string) => new TextEncoder().encode(s);
const code = (c: string) => expect.objectContaining({ name: "SealingError", code: c });

describe("checkBidZip", () => {
  it("returns bid.json and the entry list", async () => {
    const zip = makeBidZip({ "商务/报价单.pdf": random(10_000), "技术/": new Uint8Array(0), "技术/方案.docx": random(5000) });
    const r = await checkBidZip(file(zip));
    expect(r.bidJson).toEqual({ tender: "ZB-2026-001", bidder: "某某建设有限公司", price: "1234567.89" });
    expect(r.entries.map((e) => e.name).sort()).toEqual(["bid.json", "商务/报价单.pdf", "技术/", "技术/方案.docx"].sort());
    expect(r.entries.find((e) => e.name === "商务/报价单.pdf")?.size).toBe(10_000);
    expect(r.totalBytes).toBe(r.entries.reduce((s, e) => s + e.size, 0));
  });

  it("accepts a UTF-8 BOM in bid.json", async () => {
    const r = await checkBidZip(file(zipSync({ "bid.json": enc('\uFEFF{"a":1}') })));
    expect(r.bidJson).toEqual({ a: 1 });
  });

  it("BID_NOT_ZIP for random bytes, a PDF and an empty file", async () => {
    await expect(checkBidZip(file(random(4096)))).rejects.toThrow(code("BID_NOT_ZIP"));
    await expect(checkBidZip(file("%PDF-1.7\n..."))).rejects.toThrow(code("BID_NOT_ZIP"));
    await expect(checkBidZip(file(""))).rejects.toThrow(code("BID_NOT_ZIP"));
  });

  it("BID_JSON_MISSING without a root bid.json", async () => {
    await expect(checkBidZip(file(zipSync({ "a.txt": enc("x") })))).rejects.toThrow(code("BID_JSON_MISSING"));
    await expect(checkBidZip(file(zipSync({ "sub/bid.json": enc("{}") })))).rejects.toThrow(code("BID_JSON_MISSING"));
    await expect(checkBidZip(file(zipSync({})))).rejects.toThrow(code("BID_JSON_MISSING"));
  });

  it("BID_JSON_INVALID for bad JSON or bad UTF-8", async () => {
    await expect(checkBidZip(file(zipSync({ "bid.json": enc("{price: 1}") })))).rejects.toThrow(code("BID_JSON_INVALID"));
    await expect(checkBidZip(file(zipSync({ "bid.json": Uint8Array.of(0x7b, 0xff, 0x7d) })))).rejects.toThrow(code("BID_JSON_INVALID"));
  });

  it("BID_ZIP_CORRUPT when a stored entry's bytes are altered (CRC-32)", async () => {
    const zip = zipSync({ "bid.json": enc('{"a":1}'), "data.bin": [random(1000), { level: 0 }] });
    // the second local header: find "data.bin" and flip a data byte after it
    const nameAt = Buffer.from(zip).indexOf("data.bin");
    const damaged = Uint8Array.from(zip);
    const i = nameAt + "data.bin".length + 100;
    damaged[i] = (damaged[i] as number) ^ 0xff;
    await expect(checkBidZip(file(damaged))).rejects.toThrow(code("BID_ZIP_CORRUPT"));
    await expect(checkBidZip(file(damaged))).rejects.toThrow(/CRC-32 mismatch in data.bin/);
  });

  it("BID_ZIP_CORRUPT when deflated data is altered", async () => {
    const zip = zipSync({ "bid.json": enc(JSON.stringify({ text: "开标".repeat(5000) })) }, { level: 9 });
    const damaged = Uint8Array.from(zip);
    damaged[60] = (damaged[60] as number) ^ 0x55;
    await expect(checkBidZip(file(damaged))).rejects.toThrow(code("BID_ZIP_CORRUPT"));
  });

  it("BID_ZIP_CORRUPT for a truncated archive", async () => {
    const zip = makeBidZip({ "x.bin": random(5000) });
    await expect(checkBidZip(file(zip.subarray(0, zip.length - 30)))).rejects.toThrow(code("BID_ZIP_CORRUPT"));
  });

  it("BID_ZIP_TOO_LARGE: uncompressed-size and entry-count caps", async () => {
    const bomb = makeBidZip({ "zeros.bin": new Uint8Array(30 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(100_000);
    await expect(checkBidZip(file(bomb), { maxTotalBytes: 10 * 1024 * 1024 })).rejects.toThrow(code("BID_ZIP_TOO_LARGE"));
    const many: Record<string, Uint8Array> = { "bid.json": enc("{}") };
    for (let i = 0; i < 20; i++) many[`f${i}.txt`] = enc(String(i));
    await expect(checkBidZip(file(zipSync(many)), { maxEntries: 10 })).rejects.toThrow(code("BID_ZIP_TOO_LARGE"));
    expect((await checkBidZip(file(zipSync(many)), { maxEntries: 21 })).entries).toHaveLength(21);
  });

  it("a bomb that lies about its size in the central directory is refused", async () => {
    const zip = Uint8Array.from(makeBidZip({ "zeros.bin": new Uint8Array(30 * 1024 * 1024) }));
    const buf = Buffer.from(zip.buffer);
    // patch the central directory record of zeros.bin to claim 1 KiB
    for (let p = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); p >= 0; p = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), p + 4)) {
      const nameLen = buf.readUInt16LE(p + 28);
      if (buf.toString("utf8", p + 46, p + 46 + nameLen) === "zeros.bin") buf.writeUInt32LE(1024, p + 24);
    }
    await expect(checkBidZip(file(buf), { maxTotalBytes: 10 * 1024 * 1024 })).rejects.toThrow(code("BID_ZIP_CORRUPT"));
  });

  it("refuses unsafe entry names", async () => {
    await expect(checkBidZip(file(zipSync({ "bid.json": enc("{}"), "../evil.txt": enc("x") })))).rejects.toThrow(code("BID_ZIP_CORRUPT"));
  });
});
