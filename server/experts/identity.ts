// Personal data of experts: the resident ID number and mobile are stored
// encrypted (SecretBox, AES-256-GCM); a keyed hash of the ID number (HMAC-SHA256
// under a key derived from APP_SECRET, never the plain SHA-256 of an 18-digit
// number, which could be brute-forced) finds duplicates and identifies the
// expert at a terminal; everything shown is masked.
import { createHmac, hkdfSync } from "node:crypto";

export class IdHasher {
  private readonly key: Buffer;
  constructor(appSecret: string) {
    this.key = Buffer.from(hkdfSync("sha256", appSecret, "", "bid-hall/expert-id-hash/v1", 32));
  }
  /** Hex HMAC-SHA256 of the normalised (upper-case, trimmed) ID number. */
  hash(residentId: string): string {
    return createHmac("sha256", this.key).update(residentId.trim().toUpperCase()).digest("hex");
  }
}

/** 11010519491231002X → 1101**********002X. */
export const maskResidentId = (id: string) => `${id.slice(0, 4)}${"*".repeat(Math.max(0, id.length - 8))}${id.slice(-4)}`;

/** 13800000001 → 138****0001. */
export const maskMobile = (m: string) => `${m.slice(0, 3)}****${m.slice(-4)}`;

/** 陈静 → 陈*, 王小明 → 王*明, 欧阳娜娜 → 欧**娜. */
export function maskName(name: string): string {
  const cs = [...name];
  if (cs.length <= 1) return "*";
  if (cs.length === 2) return `${cs[0]}*`;
  return `${cs[0]}${"*".repeat(cs.length - 2)}${cs[cs.length - 1]}`;
}
