// Byte transfers the JSON wrapper (api/http.ts) does not do: the sealed bid
// PUT as raw bytes with upload progress, the opening record PDF fetched with
// the bearer token, and saving bytes as a file.
import type { Ack } from "@contracts/common";
import type { SignedReceipt } from "@contracts/opening";
import { useAuthStore } from "@/stores/auth";

function token(): string | null {
  return useAuthStore().token;
}

/** PUT /api/lots/:lotId/bid with the envelope bytes; `onProgress` gets 0…1. */
export function putSealedBid(lotId: string, bytes: Uint8Array, onProgress: (fraction: number) => void): Promise<Ack<SignedReceipt>> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/api/lots/${encodeURIComponent(lotId)}/bid`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.setRequestHeader("accept", "application/json");
    const t = token();
    if (t) xhr.setRequestHeader("authorization", `Bearer ${t}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      try {
        resolve(JSON.parse(xhr.responseText) as Ack<SignedReceipt>);
      } catch {
        resolve({ ok: false, error: { code: "BAD_RESPONSE", message: `HTTP ${xhr.status}` } });
      }
    };
    xhr.onerror = () => resolve({ ok: false, error: { code: "NETWORK_ERROR", message: "upload failed" } });
    xhr.send(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
  });
}

/** Downloads an authenticated file (e.g. the opening record PDF); errors come back as the server's envelope. */
export async function downloadAuthed(path: string, filename: string): Promise<Ack<true>> {
  const headers: Record<string, string> = {};
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  let res: Response;
  try {
    res = await fetch(path, { headers });
  } catch (err) {
    return { ok: false, error: { code: "NETWORK_ERROR", message: err instanceof Error ? err.message : String(err) } };
  }
  if (!res.ok || (res.headers.get("content-type") ?? "").includes("application/json")) {
    try {
      const body = (await res.json()) as Ack<unknown>;
      if (!body.ok) return body;
    } catch {
      /* not an envelope */
    }
    return { ok: false, error: { code: "BAD_RESPONSE", message: `HTTP ${res.status}` } };
  }
  saveBlob(await res.blob(), filename);
  return { ok: true, data: true };
}

/** Offers bytes or text to the person as a file download. */
export function saveBytes(data: Uint8Array | string, filename: string, type = "application/octet-stream"): void {
  saveBlob(new Blob([typeof data === "string" ? data : (data as Uint8Array<ArrayBuffer>)], { type }), filename);
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** base64 → bytes (the receipt signature is base64). */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** bytes → base64 (a DER certificate is sent as base64). */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A picked file's bytes. */
export async function fileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/** SHA-256 of bytes, hex (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
