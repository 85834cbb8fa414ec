// The pool import upload (POST /api/experts/import, raw body): XMLHttpRequest
// rather than fetch, for the upload's progress events. Resolves to the Ack
// envelope like api() does, never throws.
import type { Ack } from "@contracts/common";
import type { ImportPolicy, ImportReport } from "@contracts/experts";

export interface UploadOptions {
  token: string | null;
  format: "csv" | "xlsx";
  policy: ImportPolicy;
  onProgress?: (loaded: number, total: number) => void;
  /** For tests. */
  xhr?: () => XMLHttpRequest;
}

export function uploadImport(file: Blob, opts: UploadOptions): Promise<Ack<ImportReport>> {
  return new Promise((resolve) => {
    const xhr = opts.xhr ? opts.xhr() : new XMLHttpRequest();
    xhr.open("POST", `/api/experts/import?format=${opts.format}&policy=${opts.policy}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.setRequestHeader("accept", "application/json");
    if (opts.token) xhr.setRequestHeader("authorization", `Bearer ${opts.token}`);
    xhr.upload.onprogress = (e) => opts.onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => resolve({ ok: false, error: { code: "NETWORK_ERROR", message: "the upload failed" } });
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as Ack<ImportReport>;
        if (typeof body === "object" && body !== null && typeof body.ok === "boolean") return resolve(body);
      } catch {
        /* below */
      }
      resolve({ ok: false, error: { code: "BAD_RESPONSE", message: `HTTP ${xhr.status}` } });
    };
    xhr.send(file);
  });
}
