// The eligible lists of a draw, computed fast enough for a pool of a million.
//
// A bucket is every expert with a specialty code under the requested one
// (codes are hierarchical by prefix): the ids (ascending), their status and
// their region, read once from the covering index
// ExpertSpecialtyLink(specialtyCode, expertId, status, region) and kept in
// memory as typed arrays for the current pool generation (every change to the
// pool bumps ExpertPoolState.generation in the same transaction, so a cached
// bucket is never stale: it is rebuilt when the generation moves).
// Exclusions that depend on the request (bidders' employers, the owner's staff,
// declared relations, leave, recent draws, manual) are small sets read with
// indexed queries; status and same-county are checked on the arrays. One pass
// over each bucket, merging against the sorted flagged ids, yields the
// eligible list (already ascending, so it is the frozen list as it is) and the
// count each exclusion removed. Everything is read in one read transaction:
// one consistent snapshot of the pool.
import { ExclusionReason } from "@contracts/experts";
import { openRaw, sqlTime, type RawDb } from "./raw";

const REASONS = ExclusionReason.options;
const bit = (r: ExclusionReason) => 1 << REASONS.indexOf(r);
const QUERY_REASONS = bit("bidder-employer") | bit("owner-staff") | bit("declared-relation") | bit("on-leave") | bit("drawn-too-often") | bit("manual");

export const STATUS_CODE: Record<string, number> = { active: 0, suspended: 1, retired: 2 };

export interface BucketArrays {
  ids: Uint32Array;
  status: Uint8Array;
  region: Uint32Array;
}

export interface FreezeRequest {
  buckets: { specialtyCode: string; regionPrefix: string }[];
  evaluationAt: Date;
  bidderCodes: string[];
  ownerCodes: string[];
  ownerName: string | null;
  manual: { idHash: string; reason: string }[];
  /** The project's county when the same-county rule applies. */
  sameCounty: string | null;
  /** "Drawn K times in the last D days" is read from ExpertBusy as of this moment. */
  now: Date;
}

export interface FrozenBucket {
  candidates: number;
  eligible: Uint32Array;
  excluded: Partial<Record<ExclusionReason, number>>;
}

export interface FreezeResult {
  generation: number;
  buckets: FrozenBucket[];
  /** Per reason and detail, the candidates it removed (ascending ids). */
  exclusions: { reason: ExclusionReason; detail: string; ids: Uint32Array }[];
  manualMatched: number;
}

/** [lo, hi] of 6-digit region codes for a 0/2/4/6-digit prefix. */
export function regionRange(prefix: string): [number, number] {
  if (!prefix) return [0, 999999];
  const pad = 6 - prefix.length;
  const base = Number(prefix) * 10 ** pad;
  return [base, base + 10 ** pad - 1];
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(",");

export class PoolReader {
  readonly db: RawDb;
  private readonly cache = new Map<string, BucketArrays>();
  private cacheGeneration = -1;
  /** Leave periods not yet over when loaded (leave changes bump the generation too). */
  private leaves: { ids: Uint32Array; starts: Float64Array; ends: Float64Array } | null = null;

  private readonly statements = new Map<string, ReturnType<RawDb["prepare"]>>();

  constructor(databaseUrl: string) {
    this.db = openRaw(databaseUrl, { readonly: true });
  }

  /** A prepared statement, kept for the life of the connection. */
  private sql(text: string) {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  generation(): number {
    return (this.sql("SELECT generation FROM ExpertPoolState WHERE id = 1").pluck().get() as number | undefined) ?? 0;
  }

  private sync(generation: number) {
    if (generation !== this.cacheGeneration) {
      this.cache.clear();
      this.leaves = null;
      this.cacheGeneration = generation;
    }
  }

  /** Experts on leave at `at` (cached per generation: every leave change bumps it). */
  onLeaveAt(at: Date, generation = this.generation()): number[] {
    this.sync(generation);
    if (!this.leaves) {
      const rows = this.sql("SELECT expertId, startsAt, endsAt FROM ExpertLeave WHERE endsAt > ?").raw().all(sqlTime(new Date())) as [number, string, string][];
      this.leaves = { ids: new Uint32Array(rows.length), starts: new Float64Array(rows.length), ends: new Float64Array(rows.length) };
      rows.forEach(([id, s, e], i) => {
        this.leaves!.ids[i] = id;
        this.leaves!.starts[i] = Date.parse(s);
        this.leaves!.ends[i] = Date.parse(e);
      });
    }
    const t = at.getTime();
    const { ids, starts, ends } = this.leaves;
    const out: number[] = [];
    for (let i = 0; i < ids.length; i++) if (starts[i]! <= t && ends[i]! > t) out.push(ids[i]!);
    return out;
  }

  /** Every expert under a specialty code: ids ascending with status and region. Cached per generation. */
  bucket(code: string, generation = this.generation()): BucketArrays {
    this.sync(generation);
    const hit = this.cache.get(code);
    if (hit) return hit;
    const rows = this.db
      .prepare("SELECT expertId, status, region FROM ExpertSpecialtyLink WHERE specialtyCode >= ? AND specialtyCode < ?")
      .raw()
      .all(code, `${code}~`) as [number, string, number][];
    let sorted = true;
    for (let i = 1; i < rows.length; i++) if (rows[i]![0] <= rows[i - 1]![0]) { sorted = false; break; }
    if (!sorted) rows.sort((a, b) => a[0] - b[0]);
    const ids = new Uint32Array(rows.length);
    const status = new Uint8Array(rows.length);
    const region = new Uint32Array(rows.length);
    let n = 0;
    for (const [id, st, reg] of rows) {
      if (n > 0 && ids[n - 1] === id) continue; // an expert with two codes under the prefix
      ids[n] = id;
      status[n] = STATUS_CODE[st] ?? 1;
      region[n] = reg;
      n++;
    }
    const b = { ids: ids.subarray(0, n), status: status.subarray(0, n), region: region.subarray(0, n) };
    this.cache.set(code, b);
    return b;
  }

  /** Computes the eligible list of every bucket and records each exclusion, in one read snapshot. */
  freeze(req: FreezeRequest): FreezeResult {
    return this.db.transaction(() => this.freezeNow(req))();
  }

  private freezeNow(req: FreezeRequest): FreezeResult {
    const generation = this.generation();
    // Every (expert, reason) the request's exclusions flag, as id·16 + reason (sorted below, no hashing);
    // and per reason and detail, the experts it names.
    const keys: number[] = [];
    const details = new Map<string, number[]>();
    const flag = (id: number, reason: ExclusionReason, detail: string) => {
      keys.push(id * 16 + REASONS.indexOf(reason));
      const key = `${reason}\u0000${detail}`;
      let list = details.get(key);
      if (!list) details.set(key, (list = []));
      list.push(id);
    };
    const byEmployer = (codes: string[], reason: ExclusionReason) => {
      if (codes.length === 0) return;
      const rows = this.sql(`SELECT id, employerCreditCode FROM Expert WHERE employerCreditCode IN (${placeholders(codes.length)})`).raw().all(...codes) as [number, string][];
      for (const [id, code] of rows) flag(id, reason, code);
    };
    byEmployer(req.bidderCodes, "bidder-employer");
    byEmployer(req.ownerCodes, "owner-staff");
    if (req.ownerName) {
      for (const id of this.sql("SELECT id FROM Expert WHERE employerName = ?").pluck().all(req.ownerName) as number[]) flag(id, "owner-staff", req.ownerName);
    }
    const related = [...new Set([...req.bidderCodes, ...req.ownerCodes])];
    if (related.length) {
      const rows = this.sql(`SELECT expertId, creditCode FROM ExpertRelation WHERE creditCode IN (${placeholders(related.length)})`).raw().all(...related) as [number, string][];
      for (const [id, code] of rows) flag(id, "declared-relation", code);
    }
    for (const id of this.onLeaveAt(req.evaluationAt, generation)) flag(id, "on-leave", "");
    for (const id of this.sql("SELECT expertId FROM ExpertBusy WHERE until > ?").pluck().all(sqlTime(req.now)) as number[]) flag(id, "drawn-too-often", "");
    let manualMatched = 0;
    if (req.manual.length) {
      const reasons = new Map(req.manual.map((m) => [m.idHash, m.reason]));
      const rows = this.sql(`SELECT id, idHash FROM Expert WHERE idHash IN (${placeholders(reasons.size)})`).raw().all(...reasons.keys()) as [number, string][];
      for (const [id, h] of rows) {
        flag(id, "manual", reasons.get(h)!);
        manualMatched++;
      }
    }

    return computeFreeze(req, generation, keys, details, manualMatched, (code) => this.bucket(code, generation));
  }

  /** A draw's frozen lists, in bucket order (immutable once committed; read here to spare Prisma a megabyte of bytes). */
  drawLists(drawId: string): Uint8Array[] {
    return (this.sql('SELECT list FROM ExpertDrawBucket WHERE drawId = ? ORDER BY "index"').pluck().all(drawId) as Buffer[]).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }

  close(): void {
    this.cache.clear();
    if (this.db.open) this.db.close();
  }
}

/**
 * The pass over the buckets, shared by both databases: `keys` holds every
 * (expert, reason) the request's exclusions flagged as id·16 + reason,
 * `details` per reason and detail the experts it names.
 */
export function computeFreeze(
  req: FreezeRequest,
  generation: number,
  keys: number[],
  details: Map<string, number[]>,
  manualMatched: number,
  bucketOf: (code: string) => BucketArrays,
): FreezeResult {
    // id·16 + reason, sorted → ascending ids with their reason masks.
    const sortedKeys = Float64Array.from(keys).sort();
    const fids = new Uint32Array(sortedKeys.length);
    const fmask = new Uint32Array(sortedKeys.length);
    let nf = 0;
    for (const key of sortedKeys) {
      const id = Math.floor(key / 16);
      const m = 1 << (key - id * 16);
      if (nf > 0 && fids[nf - 1] === id) fmask[nf - 1]! |= m;
      else {
        fids[nf] = id;
        fmask[nf++] = m;
      }
    }
    const county = req.sameCounty ? Number(req.sameCounty) : -1;
    const SUSPENDED = bit("suspended");
    const RETIRED = bit("retired");
    const SAME_COUNTY = bit("same-county");
    const hitByQuery: number[] = [];
    const hitSuspended: number[] = [];
    const hitRetired: number[] = [];
    const hitCounty: number[] = [];

    const buckets = req.buckets.map(({ specialtyCode, regionPrefix }): FrozenBucket => {
      const { ids, status, region } = bucketOf(specialtyCode);
      const [lo, hi] = regionRange(regionPrefix);
      const out = new Uint32Array(ids.length);
      const counts = new Uint32Array(REASONS.length);
      let m = 0;
      let candidates = 0;
      let fp = 0;
      for (let k = 0; k < ids.length; k++) {
        const r = region[k]!;
        if (r < lo || r > hi) continue;
        const id = ids[k]!;
        candidates++;
        while (fp < nf && fids[fp]! < id) fp++;
        let mask = fp < nf && fids[fp] === id ? fmask[fp]! : 0;
        const st = status[k]!;
        if (st === 1) mask |= SUSPENDED;
        else if (st === 2) mask |= RETIRED;
        if (r === county) mask |= SAME_COUNTY;
        if (mask === 0) {
          out[m++] = id;
          continue;
        }
        for (let i = 0; i < REASONS.length; i++) if (mask & (1 << i)) counts[i]!++;
        if (mask & QUERY_REASONS) hitByQuery.push(id);
        if (st === 1) hitSuspended.push(id);
        else if (st === 2) hitRetired.push(id);
        if (r === county) hitCounty.push(id);
      }
      const excluded: Partial<Record<ExclusionReason, number>> = {};
      REASONS.forEach((r, i) => {
        if (counts[i]) excluded[r] = counts[i];
      });
      return { candidates, eligible: out.slice(0, m), excluded };
    });

    /** Ascending, without repeats. */
    const unique = (xs: ArrayLike<number>) => {
      const a = Uint32Array.from(xs).sort();
      let n = 0;
      for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[n++] = a[i]!;
      return a.subarray(0, n);
    };
    const hit = unique(hitByQuery);
    const exclusions: FreezeResult["exclusions"] = [];
    for (const [key, list] of details) {
      const [reason, detail] = key.split("\u0000") as [ExclusionReason, string];
      // The experts this reason names that were candidates somewhere: a merge of two ascending lists.
      const named = unique(list);
      const both: number[] = [];
      for (let i = 0, j = 0; i < named.length && j < hit.length; ) {
        if (named[i]! < hit[j]!) i++;
        else if (named[i]! > hit[j]!) j++;
        else {
          both.push(named[i]!);
          i++;
          j++;
        }
      }
      if (both.length) exclusions.push({ reason, detail, ids: Uint32Array.from(both) });
    }
    if (hitSuspended.length) exclusions.push({ reason: "suspended", detail: "", ids: unique(hitSuspended).slice() });
    if (hitRetired.length) exclusions.push({ reason: "retired", detail: "", ids: unique(hitRetired).slice() });
    if (hitCounty.length) exclusions.push({ reason: "same-county", detail: req.sameCounty ?? "", ids: unique(hitCounty).slice() });
    exclusions.sort((a, b) => REASONS.indexOf(a.reason) - REASONS.indexOf(b.reason) || a.detail.localeCompare(b.detail));
    return { generation, buckets, exclusions, manualMatched };
}
