import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDocumentError, type DocumentErrorCode } from "./errors.js";
import { renderPdf } from "./render.js";
import { sampleOpeningRecord } from "../../test/fixtures/sample-doc.js";
import { signPdf, type SignOptions } from "./sign.js";
import { getTestPki, type TestCredentials, type TestPki } from "../../test/helpers/pdf-pki.js";
import { tool } from "../../test/helpers/pdf-tools.js";
import { createNssTrustStore, verifyPdfSignatures, type NssTrustStore } from "./verify.js";

let dir = "";
let pki: TestPki;
let trust: NssTrustStore;
let experts: TestCredentials[] = [];
let unsigned: Uint8Array = new Uint8Array();

const platformOpts: SignOptions = {
  fieldName: "platform",
  reason: "开标记录表确认",
  name: "电子开评标平台",
  location: "演示公共资源交易中心",
};

async function save(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

function rejectsWith(promise: Promise<unknown>, code: DocumentErrorCode) {
  return expect(promise).rejects.toSatisfy((e) => isDocumentError(e, code));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bid-hall-sign-"));
  pki = await getTestPki();
  trust = await createNssTrustStore([pki.ca.certPem]);
  experts = await Promise.all(["张三", "李四", "王五"].map((n) => pki.issue({ commonName: `评标专家 ${n}` })));
  unsigned = await renderPdf(sampleOpeningRecord(20));
}, 60_000);

afterAll(async () => {
  await trust?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("signPdf: one signature", () => {
  let signed: Uint8Array = new Uint8Array();
  let path = "";

  beforeAll(async () => {
    signed = await signPdf(unsigned, pki.platform, platformOpts);
    path = await save("signed-once.pdf", signed);
  });

  it("is valid and trusted for pdfsig with the test CA", async () => {
    const { signatures, output } = await verifyPdfSignatures(path, { nssDir: trust.nssDir });
    expect(signatures, output).toHaveLength(1);
    expect(signatures[0]).toMatchObject({
      fieldName: "platform",
      signerName: "电子开评标平台签章",
      signatureType: "adbe.pkcs7.detached",
      hashAlgorithm: "SHA-256",
      valid: true,
      trusted: true,
      totalDocumentSigned: true,
    });
  });

  it("is valid but not trusted without the CA", async () => {
    const empty = await createNssTrustStore([]);
    try {
      const [sig] = (await verifyPdfSignatures(path, { nssDir: empty.nssDir })).signatures;
      expect(sig?.valid).toBe(true);
      expect(sig?.trusted).toBe(false);
    } finally {
      await empty.dispose();
    }
  });

  it("appends to the original bytes and keeps the PDF well-formed", async () => {
    expect(Buffer.from(signed.subarray(0, unsigned.length)).equals(Buffer.from(unsigned))).toBe(true);
    expect(await tool("qpdf", ["--check", path])).toContain("No syntax or stream encoding errors found");
    expect(await tool("pdftotext", [path, "-"])).toContain("开标记录表");
  });

  it("writes Chinese reason, name and location as readable text", async () => {
    const doc = await PDFDocument.load(signed);
    const fields = doc.catalog.lookup(PDFName.of("AcroForm"), PDFDict).lookup(PDFName.of("Fields"), PDFArray);
    const widget = fields.lookup(0, PDFDict);
    const sig = widget.lookup(PDFName.of("V"), PDFDict);
    const text = (dict: PDFDict, key: string) => {
      const v = dict.get(PDFName.of(key));
      return v instanceof PDFHexString || v instanceof PDFString ? v.decodeText() : undefined;
    };
    expect(text(widget, "T")).toBe("platform");
    expect(text(sig, "Reason")).toBe("开标记录表确认");
    expect(text(sig, "Name")).toBe("电子开评标平台");
    expect(text(sig, "Location")).toBe("演示公共资源交易中心");
  });
});

describe("signPdf: three experts and the platform", () => {
  let path = "";

  beforeAll(async () => {
    let pdf: Uint8Array = unsigned;
    for (const [i, expert] of experts.entries()) {
      pdf = await signPdf(pdf, expert, { fieldName: `expert-${i + 1}`, reason: "评标报告签字", name: `评标专家${i + 1}` });
    }
    pdf = await signPdf(pdf, pki.platform, { ...platformOpts, reason: "Platform seal" });
    path = await save("signed-four.pdf", pdf);
  });

  it("leaves every signature valid and trusted", async () => {
    const { signatures, output } = await verifyPdfSignatures(path, { nssDir: trust.nssDir });
    expect(signatures.map((s) => s.fieldName), output).toEqual(["expert-1", "expert-2", "expert-3", "platform"]);
    expect(signatures.map((s) => s.signerName)).toEqual(["评标专家 张三", "评标专家 李四", "评标专家 王五", "电子开评标平台签章"]);
    for (const sig of signatures) expect(sig, output).toMatchObject({ valid: true, trusted: true, digestMismatch: false });
    expect(signatures.map((s) => s.totalDocumentSigned)).toEqual([false, false, false, true]);
    expect(await tool("qpdf", ["--check", path])).toContain("No syntax or stream encoding errors found");
  });

  it("reports a digest mismatch after one flipped byte in the signed range", async () => {
    const bytes = await readFile(path);
    const streamAt = bytes.indexOf("stream\n", 2000) + 20; // inside a content stream, far from any /Contents
    bytes[streamAt] = (bytes[streamAt] ?? 0) ^ 0x01;
    const { signatures, output } = await verifyPdfSignatures(await save("tampered.pdf", bytes), { nssDir: trust.nssDir });
    expect(signatures, output).toHaveLength(4);
    for (const sig of signatures) expect(sig, output).toMatchObject({ valid: false, digestMismatch: true });
  });
});

describe("signPdf: input from other producers", () => {
  it("signs a PDF with a cross-reference stream, then adds a second signature", async () => {
    const other = await PDFDocument.create();
    other.addPage().drawText("xref stream", { x: 50, y: 700 });
    const streamed = await other.save(); // object streams + xref stream
    let pdf = await signPdf(streamed, experts[0] ?? pki.platform, { fieldName: "a", reason: "first", name: "A" });
    pdf = await signPdf(pdf, pki.platform, { fieldName: "b", reason: "second", name: "B" });
    const { signatures, output } = await verifyPdfSignatures(await save("xref-stream.pdf", pdf), { nssDir: trust.nssDir });
    expect(signatures.map((s) => [s.fieldName, s.valid, s.trusted]), output).toEqual([
      ["a", true, true],
      ["b", true, true],
    ]);
  });

  it("rejects an encrypted PDF", async () => {
    const plain = await save("plain.pdf", unsigned);
    const encrypted = join(dir, "encrypted.pdf");
    await tool("qpdf", ["--encrypt", "", "owner", "256", "--", plain, encrypted]);
    await rejectsWith(signPdf(await readFile(encrypted), pki.platform, platformOpts), "PDF_INVALID");
  });
});

describe("signPdf: bad input", () => {
  it("rejects a key that does not belong to the certificate", async () => {
    const [expert] = experts;
    if (!expert) throw new Error("no expert");
    await rejectsWith(signPdf(unsigned, { ...expert, keyPem: pki.platform.keyPem }, platformOpts), "SIGNER_KEY_MISMATCH");
  });

  it("rejects an expired certificate", async () => {
    const expired = await pki.issue({
      commonName: "过期证书",
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2021-01-01T00:00:00Z"),
    });
    await rejectsWith(signPdf(unsigned, expired, platformOpts), "SIGNER_CERT_EXPIRED");
  });

  it("rejects a certificate that is not valid yet", async () => {
    const future = await pki.issue({ commonName: "未生效证书", notBefore: new Date(Date.now() + 86_400_000) });
    await rejectsWith(signPdf(unsigned, future, platformOpts), "SIGNER_CERT_NOT_YET_VALID");
  });

  it("rejects garbage PEMs", async () => {
    await rejectsWith(signPdf(unsigned, { ...pki.platform, certPem: "nope" }, platformOpts), "SIGNER_CERT_INVALID");
    await rejectsWith(signPdf(unsigned, { ...pki.platform, keyPem: "nope" }, platformOpts), "SIGNER_KEY_INVALID");
  });

  it("rejects input that is not a PDF", async () => {
    await rejectsWith(signPdf(Buffer.from("hello, not a pdf"), pki.platform, platformOpts), "PDF_INVALID");
    await rejectsWith(signPdf(unsigned.subarray(0, unsigned.length / 2), pki.platform, platformOpts), "PDF_INVALID");
  });

  it("rejects a field name that is already used", async () => {
    const once = await signPdf(unsigned, pki.platform, platformOpts);
    await rejectsWith(signPdf(once, pki.platform, platformOpts), "SIGNATURE_FIELD_EXISTS");
  });

  it("rejects bad options and a placeholder too small for the CMS", async () => {
    await rejectsWith(signPdf(unsigned, pki.platform, { ...platformOpts, fieldName: "a.b" }), "SIGNATURE_OPTIONS_INVALID");
    await rejectsWith(signPdf(unsigned, pki.platform, { ...platformOpts, signatureLength: 1024 }), "SIGNATURE_TOO_LARGE");
  });
});

describe("verifyPdfSignatures", () => {
  it("returns no signatures for an unsigned PDF", async () => {
    expect((await verifyPdfSignatures(await save("unsigned.pdf", unsigned))).signatures).toEqual([]);
  });

  it("throws PDF_INVALID for a file that is not a PDF", async () => {
    await rejectsWith(verifyPdfSignatures(await save("junk.pdf", Buffer.from("junk"))), "PDF_INVALID");
  });
});
