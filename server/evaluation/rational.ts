// Exact rational arithmetic on BigInt, so that scoring formulas round exactly
// as the rules say (half up at a given number of decimals) with no floating
// point drift. Money enters as integer fen; weights and coefficients as
// decimal strings.

export class Q {
  readonly n: bigint;
  readonly d: bigint;
  private constructor(n: bigint, d: bigint) {
    if (d === 0n) throw new RangeError("division by zero");
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    this.n = n / g;
    this.d = d / g;
  }
  static of(n: bigint | number, d: bigint | number = 1n): Q {
    return new Q(BigInt(n), BigInt(d));
  }
  /** "0.3", "-1.25", "60" → exact. */
  static dec(s: string): Q {
    const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(s.trim());
    if (!m) throw new RangeError(`not a decimal: ${s}`);
    const frac = m[3] ?? "";
    const v = new Q(BigInt(m[2]! + frac), 10n ** BigInt(frac.length));
    return m[1] ? v.neg() : v;
  }
  add(o: Q): Q {
    return new Q(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Q): Q {
    return new Q(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Q): Q {
    return new Q(this.n * o.n, this.d * o.d);
  }
  div(o: Q): Q {
    return new Q(this.n * o.d, this.d * o.n);
  }
  neg(): Q {
    return new Q(-this.n, this.d);
  }
  abs(): Q {
    return this.n < 0n ? this.neg() : this;
  }
  cmp(o: Q): number {
    const a = this.n * o.d;
    const b = o.n * this.d;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  /** Rounded half up (away from zero on .5) to `places` decimals, as a fixed string: 57.099… → "57.10". */
  round(places = 2): string {
    const scale = 10n ** BigInt(places);
    const neg = this.n < 0n;
    const num = (neg ? -this.n : this.n) * scale;
    const q = (num * 2n + this.d) / (2n * this.d);
    const int = q / scale;
    const frac = (q % scale).toString().padStart(places, "0");
    const s = places > 0 ? `${int}.${frac}` : `${int}`;
    return neg && q !== 0n ? `-${s}` : s;
  }
  /** The value rounded half up, as an exact rational (to keep computing with the rounded figure). */
  rounded(places = 2): Q {
    return Q.dec(this.round(places));
  }
  toNumber(): number {
    return Number(this.n) / Number(this.d);
  }
  toString(): string {
    return this.d === 1n ? `${this.n}` : `${this.n}/${this.d}`;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a || 1n;
}

export const sum = (xs: Q[]) => xs.reduce((s, x) => s.add(x), Q.of(0));
export const mean = (xs: Q[]) => sum(xs).div(Q.of(xs.length));
