// Escrow (托管) of a lot's sealed bids: each lot gets an escrow key pair whose
// certificate is offered to bidders as a second recipient. Its private key is
// split 2-of-3 (Shamir, `shamir-secret-sharing`, independently audited) among
// three supervisors and never stored whole. Each share waits encrypted at rest
// until its supervisor collects it once; after the opening time two
// supervisors hand their shares back, on the record, to open a bid whose
// decryption failed through the platform's fault. The rebuilt key lives only
// in memory for that one bid.
import { combine, split } from "shamir-secret-sharing";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { AppError } from "../errors";
import type { PlatformPki } from "../platform/pki";
import { forgeKey, issue, platformCaSubject } from "../platform/pki";
import type { SecretBox } from "../platform/secrets";

export const ESCROW_SHARES = 3;
export const ESCROW_THRESHOLD = 2;

export interface EscrowSetup {
  certPem: string;
  shares: { index: number; supervisorId: string; sealedShare: string }[];
}

export async function createEscrow(
  lot: { id: string; code: string },
  supervisors: string[],
  pki: PlatformPki,
  box: SecretBox,
  centerName: string,
): Promise<EscrowSetup> {
  if (supervisors.length < ESCROW_SHARES) {
    throw new AppError("ESCROW_NEEDS_SUPERVISORS", `Escrow needs ${ESCROW_SHARES} supervisors; the center has ${supervisors.length}`);
  }
  const kc = issue({
    subject: [
      { shortName: "C", value: "CN" },
      { shortName: "O", value: centerName },
      { shortName: "CN", value: `标段 ${lot.code} 托管解密证书` },
    ],
    issuer: pki.ca.keyPem ? { subject: platformCaSubject(centerName), key: forgeKey(pki.ca.keyPem) } : undefined,
    days: 730,
    usage: "encrypt",
  });
  const parts = await split(new TextEncoder().encode(kc.keyPem), ESCROW_SHARES, ESCROW_THRESHOLD);
  return {
    certPem: kc.certPem,
    shares: parts.map((bytes, i) => ({
      index: i + 1,
      supervisorId: supervisors[i]!,
      sealedShare: box.seal(encodeShare(lot.id, i + 1, bytes)),
    })),
  };
}

/** A share as a supervisor holds it: `escrow:v1:<lotId>:<index>:<base64url>`. */
export function encodeShare(lotId: string, index: number, bytes: Uint8Array): string {
  return `escrow:v1:${lotId}:${index}:${Buffer.from(bytes).toString("base64url")}`;
}

export function decodeShare(text: string): { lotId: string; index: number; bytes: Uint8Array } {
  const m = /^escrow:v1:([A-Za-z0-9-]{1,64}):([1-9]):([A-Za-z0-9_-]{16,})$/.exec(text.trim());
  if (!m) throw new AppError("ESCROW_SHARE_INVALID", "Not an escrow share (expected escrow:v1:<lot>:<n>:<data>)");
  return { lotId: m[1]!, index: Number(m[2]), bytes: new Uint8Array(Buffer.from(m[3]!, "base64url")) };
}

/** Rebuilds the escrow private key from ≥ 2 shares and checks it against the lot's escrow certificate. */
export async function rebuildEscrowKey(shares: Uint8Array[], certPem: string): Promise<string> {
  let keyPem: string;
  try {
    keyPem = new TextDecoder("utf-8", { fatal: true }).decode(await combine(shares));
    const priv = createPrivateKey(keyPem);
    const pubFromKey = createPublicKey(priv).export({ type: "spki", format: "der" });
    const pubFromCert = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
    if (!pubFromKey.equals(pubFromCert)) throw new Error("mismatch");
  } catch {
    throw new AppError("ESCROW_SHARES_MISMATCH", "The shares do not rebuild this lot's escrow key");
  }
  return keyPem;
}

/** Shares handed back for one bid, held in memory only until the threshold is reached. */
export class EscrowDesk {
  private readonly byBid = new Map<string, Map<number, { supervisorId: string; bytes: Uint8Array }>>();

  /** Throws ESCROW_SHARE_DUPLICATE when this supervisor's share for the bid is already held. */
  check(bidId: string, supervisorId: string): void {
    for (const v of this.byBid.get(bidId)?.values() ?? []) {
      if (v.supervisorId === supervisorId) throw new AppError("ESCROW_SHARE_DUPLICATE", "You have already handed in your share for this bid");
    }
  }

  add(bidId: string, supervisorId: string, index: number, bytes: Uint8Array): number {
    this.check(bidId, supervisorId);
    const m = this.byBid.get(bidId) ?? new Map<number, { supervisorId: string; bytes: Uint8Array }>();
    m.set(index, { supervisorId, bytes });
    this.byBid.set(bidId, m);
    return m.size;
  }

  /** The shares held for a bid, in the order they were handed in, with the supervisors who handed them in; forgets them. */
  take(bidId: string): { supervisorId: string; bytes: Uint8Array }[] {
    const m = this.byBid.get(bidId);
    this.byBid.delete(bidId);
    return m ? [...m.values()] : [];
  }

  drop(bidId: string): void {
    this.byBid.delete(bidId);
  }
}
