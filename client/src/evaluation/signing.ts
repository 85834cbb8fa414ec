// The expert's own signing key on the terminal (WebCrypto): an RSA key pair whose
// private half is non-extractable — it never leaves the browser — kept in
// IndexedDB (a CryptoKey survives structured cloning there, still unexportable)
// so a reload of the terminal keeps the key its certificate was issued for.
// The public half goes to `evaluation:enrollKey` as SPKI PEM; the bytes from
// `evaluation:prepareSignature` are signed with RSASSA-PKCS1-v1_5 / SHA-256.

export const SIGN_ALGORITHM: RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A fresh key pair; the private key cannot be exported (the public one always can). */
export async function generateSigningKey(subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<CryptoKeyPair> {
  return subtle.generateKey(SIGN_ALGORITHM, false, ["sign", "verify"]);
}

/** The public key as SPKI PEM ("-----BEGIN PUBLIC KEY-----", 64-column lines). */
export async function publicKeyPem(key: CryptoKey, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<string> {
  const der = new Uint8Array(await subtle.exportKey("spki", key));
  const lines = bytesToBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

/** Signs the prepared bytes (base64) and answers the signature (base64). */
export async function signPrepared(privateKey: CryptoKey, toSignB64: string, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<string> {
  const sig = await subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, privateKey, base64ToBytes(toSignB64));
  return bytesToBase64(new Uint8Array(sig));
}

// ── IndexedDB keeping of the pair, per session and member ──

const DB = "hall-eval-keys";
const STORE = "keys";

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("indexedDB open failed"));
  });
}

async function withStore<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error("indexedDB failed"));
    });
  } finally {
    db.close();
  }
}

const keyName = (sessionId: string, memberId: string) => `${sessionId}:${memberId}`;

/** The pair kept for this member, if any (null when IndexedDB is unavailable). */
export async function loadKeyPair(sessionId: string, memberId: string): Promise<CryptoKeyPair | null> {
  if (typeof indexedDB === "undefined") return null;
  try {
    const v = await withStore<unknown>("readonly", (s) => s.get(keyName(sessionId, memberId)));
    const p = v as Partial<CryptoKeyPair> | undefined;
    return p?.privateKey && p.publicKey ? (p as CryptoKeyPair) : null;
  } catch {
    return null;
  }
}

export async function saveKeyPair(sessionId: string, memberId: string, pair: CryptoKeyPair): Promise<void> {
  if (typeof indexedDB === "undefined") return;
  try {
    await withStore("readwrite", (s) => s.put({ privateKey: pair.privateKey, publicKey: pair.publicKey }, keyName(sessionId, memberId)));
  } catch {
    /* kept for this page only */
  }
}

/** SHA-256 (hex) of the public key's SPKI, to compare with what the server certified. */
export async function spkiSha256(key: CryptoKey, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<string> {
  const der = await subtle.exportKey("spki", key);
  const h = new Uint8Array(await subtle.digest("SHA-256", der));
  return [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}
