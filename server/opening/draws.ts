// Random draws at the opening, commit-reveal: a fresh 256-bit seed is made
// when the session opens and only its SHA-256 is published; at the draw the
// seed is revealed and the result follows deterministically from seed +
// configuration (+ the bidders' picks for KONEPS). Anyone can replay it.
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { DrawConfig, DrawResult } from "@contracts/opening";

export const newSeed = () => randomBytes(32).toString("hex");
export const seedHash = (seedHex: string) => createHash("sha256").update(Buffer.from(seedHex, "hex")).digest("hex");

/** Uniform integer in [0, n) from HMAC-SHA256(seed, label#counter), by rejection sampling (no modulo bias). */
export function uniform(seedHex: string, label: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error("n must be a positive integer");
  const limit = 2n ** 64n - ((2n ** 64n) % BigInt(n));
  for (let counter = 0; ; counter++) {
    const h = createHmac("sha256", Buffer.from(seedHex, "hex")).update(`${label}#${counter}`).digest();
    const x = h.readBigUInt64BE(0);
    if (x < limit) return Number(x % BigInt(n));
  }
}

/** Half-up (away from zero) integer division for non-negative numerators. */
const divHalfUp = (num: bigint, den: bigint) => (num * 2n + den) / (den * 2n);

export interface DrawInputs {
  seedHex: string;
  config: DrawConfig;
  /** KONEPS: each bidder's picked indices (1-based). */
  picks?: number[][];
}

export function computeDraw({ seedHex, config, picks = [] }: DrawInputs): DrawResult | null {
  if (config.kind === "none") return null;
  if (config.kind === "coefficient") {
    const index = uniform(seedHex, "coefficient", config.options.length);
    const o = config.options[index]!;
    return { kind: "coefficient", index, label: o.label, basisPoints: o.basisPoints };
  }
  // KONEPS multiple reserve prices: `count` prices within ±range of the base,
  // in steps of 0.0001 % of the base, each rounded half up to the fen.
  const base = BigInt(config.baseFen);
  const steps = config.rangeBasisPoints * 100; // 1 bp = 100 steps of 1e-6
  const pricesFen: number[] = [];
  for (let i = 0; i < config.count; i++) {
    const k = BigInt(uniform(seedHex, `koneps-price-${i}`, 2 * steps + 1) - steps);
    const delta = k >= 0n ? divHalfUp(base * k, 1_000_000n) : -divHalfUp(base * -k, 1_000_000n);
    pricesFen.push(Number(base + delta));
  }
  const tally = Array.from({ length: config.count }, () => 0);
  for (const p of picks) for (const i of new Set(p)) if (i >= 1 && i <= config.count) tally[i - 1]!++;
  // The most picked; ties go to the lower number (a rule anyone can check by hand).
  const order = tally.map((n, i) => ({ n, i })).sort((a, b) => b.n - a.n || a.i - b.i);
  const chosen = order.slice(0, config.averageOf).map((x) => x.i + 1).sort((a, b) => a - b);
  const sum = chosen.reduce((s, i) => s + BigInt(pricesFen[i - 1]!), 0n);
  const reserveFen = Number(divHalfUp(sum, BigInt(chosen.length)));
  return { kind: "koneps", pricesFen, tally, chosen, reserveFen };
}

export interface DrawRecord {
  lotCode: string;
  config: DrawConfig;
  seedHash: string;
  seed: string;
  picks: number[][];
  result: DrawResult | null;
}

export type VerifyDrawResult = { ok: true } | { ok: false; reason: string };

/** Replays a published draw record: the seed must hash to the commitment and give the same result. */
export function verifyDraw(rec: DrawRecord): VerifyDrawResult {
  if (!/^[0-9a-f]{64}$/.test(rec.seed)) return { ok: false, reason: "seed is not 64 hex digits" };
  if (seedHash(rec.seed) !== rec.seedHash) return { ok: false, reason: "seed does not match the published commitment (SHA-256)" };
  const again = computeDraw({ seedHex: rec.seed, config: rec.config, picks: rec.picks });
  if (JSON.stringify(again) !== JSON.stringify(rec.result)) return { ok: false, reason: "replaying the draw gives a different result" };
  return { ok: true };
}
