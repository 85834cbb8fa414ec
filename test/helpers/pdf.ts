import { execFileSync } from "node:child_process";
import type { TestApp } from "./app";
import { createNssTrustStore, verifyPdfSignatures } from "../../server/documents";

/** The PDF's signatures as pdfsig reports them, checked against the platform CA of this test app (a throwaway NSS store). */
export async function pdfSignatures(t: TestApp, file: string) {
  const store = await createNssTrustStore([t.app.ctx.pki.ca.certPem]);
  try {
    return (await verifyPdfSignatures(file, { nssDir: store.nssDir })).signatures;
  } finally {
    await store.dispose();
  }
}

/** The PDF's text as pdftotext reads it, whitespace removed (table cells wrap and interleave). */
export const pdfTextFlat = (file: string): string => execFileSync("pdftotext", ["-layout", file, "-"]).toString().replace(/\s+/g, "");
