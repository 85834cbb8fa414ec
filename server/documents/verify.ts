/**
 * Test/ops helpers around poppler's `pdfsig` (and NSS `certutil` for a trust
 * store): run it on a file and parse its report per signature.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DocumentError } from "./errors.js";

const run = promisify(execFile);

/** One signature as reported by `pdfsig`. */
export interface PdfSignatureInfo {
  /** 1-based position in the file. */
  index: number;
  fieldName?: string;
  /** Common name of the signer certificate. */
  signerName?: string;
  signerDn?: string;
  /** As printed by pdfsig (local time of the machine). */
  signingTime?: string;
  hashAlgorithm?: string;
  signatureType?: string;
  signedRanges: [number, number][];
  /** The signature covers the whole file (true only for the last one). */
  totalDocumentSigned: boolean;
  /** e.g. `Signature is Valid`, `Digest Mismatch`, `Signature is Invalid`. */
  signatureStatus: string;
  valid: boolean;
  digestMismatch: boolean;
  /** e.g. `Certificate is Trusted`, `Certificate issuer isn't Trusted`; absent when not checked. */
  certificateStatus?: string;
  trusted: boolean;
}

/** Parsed `pdfsig` run. */
export interface PdfSigReport {
  signatures: PdfSignatureInfo[];
  /** Raw stdout, for assertion messages. */
  output: string;
}

type TextField = "fieldName" | "signerName" | "signerDn" | "signingTime" | "hashAlgorithm" | "signatureType";
const FIELDS: Partial<Record<string, TextField>> = {
  "Signature Field Name": "fieldName",
  "Signer Certificate Common Name": "signerName",
  "Signer full Distinguished Name": "signerDn",
  "Signing Time": "signingTime",
  "Signing Hash Algorithm": "hashAlgorithm",
  "Signature Type": "signatureType",
};

/** Parses the stdout of `pdfsig` (poppler 22.x format). */
export function parsePdfsigOutput(output: string): PdfSignatureInfo[] {
  const sections = output.split(/^Signature #(\d+):\s*$/m).slice(1);
  const result: PdfSignatureInfo[] = [];
  for (let i = 0; i + 1 < sections.length; i += 2) {
    const info: PdfSignatureInfo = {
      index: Number(sections[i]),
      signedRanges: [],
      totalDocumentSigned: false,
      signatureStatus: "",
      valid: false,
      digestMismatch: false,
      trusted: false,
    };
    for (const raw of (sections[i + 1] ?? "").split("\n")) {
      const line = raw.replace(/^\s*-\s*/, "").trim();
      const colon = line.indexOf(": ");
      const key = colon > 0 ? line.slice(0, colon) : line;
      const value = colon > 0 ? line.slice(colon + 2).trim().replace(/\.$/, "") : "";
      const field = FIELDS[key];
      if (field) info[field] = value;
      else if (key === "Signed Ranges") {
        info.signedRanges = [...value.matchAll(/\[(\d+) - (\d+)\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
      } else if (key === "Total document signed") info.totalDocumentSigned = true;
      else if (key === "Signature Validation") info.signatureStatus = value;
      else if (key === "Certificate Validation") info.certificateStatus = value;
    }
    info.valid = info.signatureStatus === "Signature is Valid";
    info.digestMismatch = info.signatureStatus === "Digest Mismatch";
    info.trusted = info.certificateStatus === "Certificate is Trusted";
    result.push(info);
  }
  return result;
}

/**
 * Runs `pdfsig [-nssdir sql:DIR] path` and parses the result. A file without
 * signatures yields an empty list.
 * @throws DocumentError PDF_INVALID (pdfsig cannot read the file), VERIFY_TOOL_FAILED
 */
export async function verifyPdfSignatures(path: string, opts: { nssDir?: string } = {}): Promise<PdfSigReport> {
  const args = [...(opts.nssDir ? ["-nssdir", opts.nssDir] : []), path];
  try {
    const { stdout } = await run("pdfsig", args, { timeout: 60_000, maxBuffer: 16 << 20 });
    return { signatures: parsePdfsigOutput(stdout), output: stdout };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (e.code === 2 && /does not contain any signatures/.test(e.stdout ?? "")) {
      return { signatures: [], output: e.stdout ?? "" };
    }
    if (e.code === 1 || e.code === 2) {
      throw new DocumentError("PDF_INVALID", `pdfsig cannot read ${path}: ${(e.stderr ?? "").trim()}`, { cause: err });
    }
    throw new DocumentError("VERIFY_TOOL_FAILED", `pdfsig failed (is poppler-utils installed?)`, { cause: err });
  }
}

/** A temporary NSS database trusting some CA certificates, for `pdfsig -nssdir`. */
export interface NssTrustStore {
  /** Pass as `nssDir` to {@link verifyPdfSignatures} (`sql:/tmp/...`). */
  nssDir: string;
  dispose(): Promise<void>;
}

/** Creates an NSS database (empty password) trusting `caPems` as CAs ("CT,C,C"). Needs `certutil`. */
export async function createNssTrustStore(caPems: string[]): Promise<NssTrustStore> {
  const dir = await mkdtemp(join(tmpdir(), "bid-hall-nss-"));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await run("certutil", ["-N", "-d", `sql:${dir}`, "--empty-password"]);
    for (const [i, pem] of caPems.entries()) {
      const file = join(dir, `ca${i}.pem`);
      await writeFile(file, pem);
      await run("certutil", ["-A", "-d", `sql:${dir}`, "-n", `CA${i}`, "-t", "CT,C,C", "-i", file]);
    }
    return { nssDir: `sql:${dir}`, dispose };
  } catch (err) {
    await dispose();
    throw new DocumentError("VERIFY_TOOL_FAILED", "certutil failed (is libnss3-tools installed?)", { cause: err });
  }
}
