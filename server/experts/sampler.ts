// The expert draw's deterministic selection, shared by the server and by
// `npm run verify-draw` (pure: no database).
//
// Each bucket (site × specialty) has a frozen eligible list: expert numbers in
// ascending order, packed as uint32 big-endian; its digest is the SHA-256 of
// those bytes. Selection walks a seeded Fisher–Yates permutation of each list,
// lazily (a sparse swap map, so a pick costs O(1) whatever the list's length):
// at step i of bucket b, j = i + uniform(seed, "expert-draw:b:i", n − i) with
// uniform() the HMAC-SHA256 rejection sampler of the opening's draws (no modulo
// bias); positions i and j swap and the expert now at i is the pick, unless an
// earlier pick of the same draw already took that expert (an expert eligible
// in two buckets sits once), in which case the walk goes on. The first need
// picks of a bucket are members, the next `backups` are backups, any later one
// is a replacement (补抽) drawn from the same list by continuing the same walk.
import { createHash } from "node:crypto";
import { seedHash, uniform } from "../opening/draws";

export type PickKind = "member" | "backup" | "replacement";

/** Expert numbers (ascending) → uint32 big-endian bytes. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function packIds(ids: Uint32Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(ids.length * 4);
  out.set(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
  if (LITTLE_ENDIAN && out.length) Buffer.from(out.buffer, 0, out.byteLength).swap32();
  return out;
}

export function unpackIds(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0) throw new Error("a packed list has a multiple of 4 bytes");
  const ids = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < ids.length; i++) ids[i] = view.getUint32(i * 4, false);
  return ids;
}

export const digestPacked = (packed: Uint8Array) => createHash("sha256").update(packed).digest("hex");

/** The running selection of one draw: one lazy permutation per bucket, one set of taken experts. */
export class DrawWalk {
  private readonly positions: number[];
  private readonly swaps: Map<number, number>[];
  private readonly taken = new Set<number>();
  private readonly perBucket: number[];

  constructor(
    private readonly seedHex: string,
    private readonly lists: readonly Uint32Array[],
  ) {
    this.positions = lists.map(() => 0);
    this.swaps = lists.map(() => new Map());
    this.perBucket = lists.map(() => 0);
  }

  /** The next expert of bucket b not yet taken, or null when the list is used up. */
  next(b: number): { position: number; expertId: number } | null {
    const list = this.lists[b];
    if (!list) throw new Error(`no bucket ${b}`);
    const swaps = this.swaps[b]!;
    const n = list.length;
    while (this.positions[b]! < n) {
      const i = this.positions[b]!;
      const j = i + uniform(this.seedHex, `expert-draw:${b}:${i}`, n - i);
      const vi = swaps.get(i) ?? i;
      const vj = swaps.get(j) ?? j;
      swaps.set(j, vi);
      swaps.delete(i);
      this.positions[b] = i + 1;
      const expertId = list[vj]!;
      if (this.taken.has(expertId)) continue;
      this.taken.add(expertId);
      this.perBucket[b]!++;
      return { position: i, expertId };
    }
    return null;
  }

  /** How many picks bucket b has had. */
  count(b: number): number {
    return this.perBucket[b] ?? 0;
  }
}

export interface BucketPlan {
  need: number;
  backups: number;
}

export interface SelectedPick {
  seq: number;
  bucket: number;
  position: number;
  expertId: number;
  kind: PickKind;
}

export const kindFor = (k: number, plan: BucketPlan): PickKind => (k < plan.need ? "member" : k < plan.need + plan.backups ? "backup" : "replacement");

/**
 * The initial selection: bucket by bucket, need + backups each. Returns the
 * picks, or the index of the first bucket that ran dry (overlapping buckets).
 */
export function selectInitial(walk: DrawWalk, plans: readonly BucketPlan[]): { picks: SelectedPick[] } | { shortBucket: number } {
  const picks: SelectedPick[] = [];
  for (let b = 0; b < plans.length; b++) {
    const plan = plans[b]!;
    for (let k = 0; k < plan.need + plan.backups; k++) {
      const p = walk.next(b);
      if (!p) return { shortBucket: b };
      picks.push({ seq: picks.length + 1, bucket: b, ...p, kind: kindFor(k, plan) });
    }
  }
  return { picks };
}

/** Rebuilds the walk of a draw from its recorded picks (in seq order) so that a replacement continues it. */
export function resumeWalk(seedHex: string, lists: readonly Uint32Array[], picks: readonly { bucket: number; position: number; expertId: number }[]): DrawWalk {
  const walk = new DrawWalk(seedHex, lists);
  for (const p of picks) {
    const again = walk.next(p.bucket);
    if (!again || again.position !== p.position || again.expertId !== p.expertId) {
      throw new Error(`the recorded picks do not replay (bucket ${p.bucket}, position ${p.position})`);
    }
  }
  return walk;
}

export interface ExpertDrawReplayInput {
  seedHash: string;
  seed: string;
  buckets: readonly { need: number; backups: number; listDigest: string; list: Uint8Array }[];
  picks: readonly SelectedPick[];
}

export type VerifyResult = { ok: true; picks: number } | { ok: false; reason: string };

/** Replays a recorded expert draw: commitment, frozen lists and every pick (initial and 补抽) in order. */
export function verifyExpertDraw(rec: ExpertDrawReplayInput): VerifyResult {
  if (!/^[0-9a-f]{64}$/.test(rec.seed)) return { ok: false, reason: "seed is not 64 hex digits" };
  if (seedHash(rec.seed) !== rec.seedHash) return { ok: false, reason: "seed does not match the published commitment (SHA-256)" };
  const lists: Uint32Array[] = [];
  for (const [i, b] of rec.buckets.entries()) {
    if (digestPacked(b.list) !== b.listDigest) return { ok: false, reason: `bucket ${i}: the frozen list does not match its recorded digest` };
    const ids = unpackIds(b.list);
    for (let k = 1; k < ids.length; k++) if (ids[k]! <= ids[k - 1]!) return { ok: false, reason: `bucket ${i}: the frozen list is not in ascending order` };
    lists.push(ids);
  }
  const picks = [...rec.picks].sort((a, b) => a.seq - b.seq);
  const initial = rec.buckets.reduce((s, b) => s + b.need + b.backups, 0);
  const walk = new DrawWalk(rec.seed, lists);
  for (const [i, p] of picks.entries()) {
    if (p.seq !== i + 1) return { ok: false, reason: `pick numbers are not 1…n (found ${p.seq} at ${i + 1})` };
    const plan = rec.buckets[p.bucket];
    if (!plan) return { ok: false, reason: `pick ${p.seq} names bucket ${p.bucket}, which does not exist` };
    if (i < initial) {
      // The initial selection goes bucket by bucket.
      let b = 0;
      let rest = i;
      for (;;) {
        const size = rec.buckets[b]!.need + rec.buckets[b]!.backups;
        if (rest < size) break;
        rest -= size;
        b++;
      }
      if (p.bucket !== b) return { ok: false, reason: `pick ${p.seq} should belong to bucket ${b} in the initial selection` };
    }
    const kind = kindFor(walk.count(p.bucket), plan);
    const again = walk.next(p.bucket);
    if (!again) return { ok: false, reason: `pick ${p.seq}: bucket ${p.bucket}'s list is used up on replay` };
    if (again.position !== p.position || again.expertId !== p.expertId) {
      return { ok: false, reason: `pick ${p.seq}: replay selects expert ${again.expertId} (position ${again.position}), the record says ${p.expertId} (position ${p.position})` };
    }
    if (kind !== p.kind) return { ok: false, reason: `pick ${p.seq}: replay makes it a ${kind}, the record says ${p.kind}` };
  }
  return { ok: true, picks: picks.length };
}
