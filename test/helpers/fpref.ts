// An independent reference for the F and D instructions, for the differential tests: operands
// are decoded to exact rationals (BigInt numerator/denominator), every operation is computed
// exactly (a square root as an exact comparison oracle), and one rounding function, written from
// IEEE 754-2019 §4 and §7 and the RISC-V "F" chapter, rounds to the format and raises the flags
// (tininess after rounding; underflow only when also inexact; the canonical NaN). Nothing here
// comes from src/cpu.

export const NX = 1;
export const UF = 2;
export const OF = 4;
export const DZ = 8;
export const NV = 16;

export interface Fmt {
  bits: 32 | 64;
  /** Significand bits including the hidden one. */
  p: number;
  emin: number;
  emax: number;
}
export const S: Fmt = { bits: 32, p: 24, emin: -126, emax: 127 };
export const D: Fmt = { bits: 64, p: 53, emin: -1022, emax: 1023 };

const ebits = (f: Fmt): number => f.bits - f.p;
const bias = (f: Fmt): number => f.emax;

export interface Out {
  bits: bigint;
  flags: number;
}

/** A decoded operand. */
export type Val =
  | { t: "nan"; signalling: boolean }
  | { t: "inf"; neg: boolean }
  | { t: "zero"; neg: boolean }
  | { t: "num"; n: bigint; d: bigint }; // n/d, d > 0, n != 0

export function canon(f: Fmt): bigint {
  return f.bits === 32 ? 0x7fc00000n : 0x7ff8000000000000n;
}

export function decode(f: Fmt, bits: bigint): Val {
  const fracBits = BigInt(f.p - 1);
  const neg = ((bits >> BigInt(f.bits - 1)) & 1n) === 1n;
  const e = Number((bits >> fracBits) & ((1n << BigInt(ebits(f))) - 1n));
  const frac = bits & ((1n << fracBits) - 1n);
  if (e === (1 << ebits(f)) - 1) {
    if (frac === 0n) return { t: "inf", neg };
    return { t: "nan", signalling: frac >> (fracBits - 1n) === 0n };
  }
  if (e === 0 && frac === 0n) return { t: "zero", neg };
  const sig = e === 0 ? frac : frac | (1n << fracBits);
  const exp = (e === 0 ? f.emin : e - bias(f)) - (f.p - 1);
  const n = neg ? -sig : sig;
  return exp >= 0 ? { t: "num", n: n << BigInt(exp), d: 1n } : { t: "num", n, d: 1n << BigInt(-exp) };
}

// ---- exact reals as comparison oracles ----

/** A positive real the rounding function can query. */
interface Real {
  /** floor(log2 x). */
  log2(): number;
  /** floor(x / 2^q). */
  floorAt(q: number): bigint;
  /** Sign of x / 2^q - (m + 1/2). */
  cmpHalf(q: number, m: bigint): number;
  /** x == m · 2^q? */
  exactAt(q: number, m: bigint): boolean;
}

const blen = (v: bigint): number => (v === 0n ? 0 : v.toString(2).length);
const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
const pow2 = (k: number): bigint => 1n << BigInt(k);

/** a · 2^k as a fraction (num, den) with den a power of two or 1. */
function scale(n: bigint, d: bigint, k: number): [bigint, bigint] {
  return k >= 0 ? [n * pow2(k), d] : [n, d * pow2(-k)];
}

/** The positive rational n/d. */
function rational(n: bigint, d: bigint): Real {
  return {
    log2() {
      // The e with 2^e <= n/d < 2^(e+1): start from the bit lengths, then step.
      let e = blen(n) - blen(d);
      const atLeast = (k: number): boolean => {
        const [a, b] = scale(n, d, -k); // n/d / 2^k = a/b
        return a >= b;
      };
      while (!atLeast(e)) e--;
      while (atLeast(e + 1)) e++;
      return e;
    },
    floorAt(q) {
      const [a, b] = scale(n, d, -q);
      return a / b;
    },
    cmpHalf(q, m) {
      const [a, b] = scale(2n * n, d, -q); // 2x / 2^q = a/b
      return cmp(a, (2n * m + 1n) * b);
    },
    exactAt(q, m) {
      const [a, b] = scale(m, 1n, q);
      return a * d === n * b;
    },
  };
}

function isqrt(v: bigint): bigint {
  if (v < 2n) return v;
  let lo = 1n;
  let hi = pow2(Math.ceil(blen(v) / 2) + 1);
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (mid * mid <= v) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** sqrt(n/d) for a positive rational. */
function sqrtOf(n: bigint, d: bigint): Real {
  const x = rational(n, d);
  return {
    log2() {
      return Math.floor(x.log2() / 2);
    },
    floorAt(q) {
      return isqrt(x.floorAt(2 * q)); // floor(sqrt(y)) = isqrt(floor(y))
    },
    cmpHalf(q, m) {
      // sqrt(x)/2^q vs m + 1/2  <=>  4x/2^(2q) vs (2m+1)^2
      const [a, b] = scale(4n * n, d, -2 * q);
      return cmp(a, (2n * m + 1n) ** 2n * b);
    },
    exactAt(q, m) {
      return x.exactAt(2 * q, m * m);
    },
  };
}

/** Round the real `x` (> 0, negated when `neg`) to integer multiples of 2^q in mode rm. */
function roundAt(x: Real, q: number, neg: boolean, rm: number): { m: bigint; exact: boolean } {
  const m = x.floorAt(q);
  if (x.exactAt(q, m)) return { m, exact: true };
  const c = x.cmpHalf(q, m);
  let up: boolean;
  if (rm === 0) up = c > 0 || (c === 0 && (m & 1n) === 1n);
  else if (rm === 1) up = false;
  else if (rm === 2) up = neg;
  else if (rm === 3) up = !neg;
  else up = c >= 0;
  return { m: up ? m + 1n : m, exact: false };
}

function encode(f: Fmt, neg: boolean, e: number, frac: bigint): bigint {
  return ((neg ? 1n : 0n) << BigInt(f.bits - 1)) | (BigInt(e) << BigInt(f.p - 1)) | frac;
}
const infBits = (f: Fmt, neg: boolean): bigint => encode(f, neg, (1 << ebits(f)) - 1, 0n);
const zeroBits = (f: Fmt, neg: boolean): bigint => encode(f, neg, 0, 0n);
const maxBits = (f: Fmt, neg: boolean): bigint => encode(f, neg, (1 << ebits(f)) - 2, pow2(f.p - 1) - 1n);

/** IEEE rounding of ±x to format f in mode rm (0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM). */
function round(f: Fmt, neg: boolean, x: Real, rm: number): Out {
  const e = x.log2();
  let flags = 0;
  // Tininess after rounding: with an unbounded exponent range, is the rounded value < 2^emin?
  let tiny = false;
  if (e < f.emin) {
    const u = roundAt(x, e - (f.p - 1), neg, rm).m;
    tiny = u < pow2(f.p - 1 + (f.emin - e));
  }
  const q = Math.max(e, f.emin) - (f.p - 1);
  const { m, exact } = roundAt(x, q, neg, rm);
  if (!exact) flags |= NX;
  if (tiny && !exact) flags |= UF;
  // Overflow: the rounded value is at least 2^(emax+1).
  if (m >= pow2(f.emax + 1 - q)) {
    const toInf = rm === 0 || rm === 4 || (rm === 2 && neg) || (rm === 3 && !neg);
    return { bits: toInf ? infBits(f, neg) : maxBits(f, neg), flags: flags | OF | NX };
  }
  if (m === 0n) return { bits: zeroBits(f, neg), flags };
  if (m < pow2(f.p - 1)) return { bits: encode(f, neg, 0, m), flags }; // subnormal
  // m has p or p+1 bits; normalise.
  let mm = m;
  let qq = q;
  while (mm >= pow2(f.p)) {
    mm >>= 1n;
    qq++;
  }
  return { bits: encode(f, neg, qq + f.p - 1 + bias(f), mm - pow2(f.p - 1)), flags };
}

/** Round the exact rational n/d (n may be 0: then `zeroNeg` is the sign). */
function roundQ(f: Fmt, n: bigint, d: bigint, rm: number, zeroNeg: boolean): Out {
  if (n === 0n) return { bits: zeroBits(f, zeroNeg), flags: 0 };
  const neg = n < 0n;
  return round(f, neg, rational(neg ? -n : n, d), rm);
}

const nanOut = (f: Fmt, nv: boolean): Out => ({ bits: canon(f), flags: nv ? NV : 0 });
const anySNaN = (...vs: Val[]): boolean => vs.some((v) => v.t === "nan" && v.signalling);
const anyNaN = (...vs: Val[]): boolean => vs.some((v) => v.t === "nan");
type Num = Extract<Val, { t: "num" }>;
const num = (v: Val): [bigint, bigint] => (v.t === "num" ? [v.n, v.d] : [0n, 1n]);
const isNeg = (v: Val): boolean => (v.t === "num" ? v.n < 0n : v.t === "nan" ? false : v.neg);

/** The sign of an exact zero sum of x and y (zeros or cancelling): IEEE 754 §6.3. */
const zeroSum = (xNeg: boolean, yNeg: boolean, rm: number): boolean => (xNeg === yNeg ? xNeg : rm === 2);

function addVals(f: Fmt, a: Val, b: Val, rm: number): Out {
  if (anyNaN(a, b)) return nanOut(f, anySNaN(a, b));
  if (a.t === "inf" && b.t === "inf")
    return a.neg === b.neg ? { bits: infBits(f, a.neg), flags: 0 } : nanOut(f, true);
  if (a.t === "inf") return { bits: infBits(f, a.neg), flags: 0 };
  if (b.t === "inf") return { bits: infBits(f, b.neg), flags: 0 };
  const [an, ad] = num(a);
  const [bn, bd] = num(b);
  const n = an * bd + bn * ad;
  return roundQ(f, n, ad * bd, rm, a.t === "zero" && b.t === "zero" ? zeroSum(a.neg, b.neg, rm) : rm === 2);
}

const negate = (v: Val): Val =>
  v.t === "num" ? { t: "num", n: -v.n, d: v.d } : v.t === "nan" ? v : { t: v.t, neg: !v.neg };

export function add(f: Fmt, x: bigint, y: bigint, rm: number): Out {
  return addVals(f, decode(f, x), decode(f, y), rm);
}
export function sub(f: Fmt, x: bigint, y: bigint, rm: number): Out {
  return addVals(f, decode(f, x), negate(decode(f, y)), rm);
}

function mulVals(f: Fmt, a: Val, b: Val, rm: number): Out {
  if (anyNaN(a, b)) return nanOut(f, anySNaN(a, b));
  const neg = isNeg(a) !== isNeg(b);
  if (a.t === "inf" || b.t === "inf") {
    if (a.t === "zero" || b.t === "zero") return nanOut(f, true);
    return { bits: infBits(f, neg), flags: 0 };
  }
  if (a.t === "zero" || b.t === "zero") return { bits: zeroBits(f, neg), flags: 0 };
  const [an, ad] = num(a);
  const [bn, bd] = num(b);
  return roundQ(f, an * bn, ad * bd, rm, false);
}

export function mul(f: Fmt, x: bigint, y: bigint, rm: number): Out {
  return mulVals(f, decode(f, x), decode(f, y), rm);
}

export function div(f: Fmt, x: bigint, y: bigint, rm: number): Out {
  const a = decode(f, x);
  const b = decode(f, y);
  if (anyNaN(a, b)) return nanOut(f, anySNaN(a, b));
  const neg = isNeg(a) !== isNeg(b);
  if (a.t === "inf" && b.t === "inf") return nanOut(f, true);
  if (a.t === "zero" && b.t === "zero") return nanOut(f, true);
  if (a.t === "inf") return { bits: infBits(f, neg), flags: 0 };
  if (b.t === "inf" || a.t === "zero") return { bits: zeroBits(f, neg), flags: 0 };
  if (b.t === "zero") return { bits: infBits(f, neg), flags: DZ };
  const [an, ad] = num(a);
  const [bn, bd] = num(b);
  let n = an * bd;
  let d = ad * bn;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  return roundQ(f, n, d, rm, false);
}

export function sqrt(f: Fmt, x: bigint, rm: number): Out {
  const a = decode(f, x);
  if (a.t === "nan") return nanOut(f, a.signalling);
  if (a.t === "zero") return { bits: x, flags: 0 };
  if (isNeg(a)) return nanOut(f, true);
  if (a.t === "inf") return { bits: x, flags: 0 };
  const v = a as Num;
  return round(f, false, sqrtOf(v.n, v.d), rm);
}

/** fmadd/fmsub/fnmsub/fnmadd: (negP ? -(a·b) : a·b) + (negC ? -c : c), rounded once. */
export function fma(f: Fmt, x: bigint, y: bigint, z: bigint, rm: number, negP: boolean, negC: boolean): Out {
  const a = decode(f, x);
  const b = decode(f, y);
  const c0 = decode(f, z);
  const c = negC ? negate(c0) : c0;
  const infTimesZero = (a.t === "inf" && b.t === "zero") || (a.t === "zero" && b.t === "inf");
  // RISC-V: inf × 0 raises NV even when the addend is a quiet NaN.
  if (anyNaN(a, b, c)) return nanOut(f, anySNaN(a, b, c) || infTimesZero);
  if (infTimesZero) return nanOut(f, true);
  const pNeg = (isNeg(a) !== isNeg(b)) !== negP;
  if (a.t === "inf" || b.t === "inf") {
    if (c.t === "inf" && c.neg !== pNeg) return nanOut(f, true);
    return { bits: infBits(f, pNeg), flags: 0 };
  }
  if (c.t === "inf") return { bits: infBits(f, c.neg), flags: 0 };
  const [an, ad] = num(a);
  const [bn, bd] = num(b);
  const [cn, cd] = num(c);
  const pn = (negP ? -1n : 1n) * an * bn;
  const pd = ad * bd;
  const pZero = a.t === "zero" || b.t === "zero";
  const n = pn * cd + cn * pd;
  const zeroNeg = pZero && c.t === "zero" ? zeroSum(pNeg, c.neg, rm) : rm === 2;
  return roundQ(f, n, pd * cd, rm, zeroNeg);
}

/** Conversion between formats. */
export function cvt(from: Fmt, to: Fmt, x: bigint, rm: number): Out {
  const a = decode(from, x);
  if (a.t === "nan") return nanOut(to, a.signalling);
  if (a.t === "inf") return { bits: infBits(to, a.neg), flags: 0 };
  if (a.t === "zero") return { bits: zeroBits(to, a.neg), flags: 0 };
  return roundQ(to, a.n, a.d, rm, false);
}

/** An integer to a format. */
export function fromInt(f: Fmt, v: bigint, rm: number): Out {
  return roundQ(f, v, 1n, rm, false);
}

export type IntKind = "w" | "wu" | "l" | "lu";
const RANGE: Record<IntKind, [bigint, bigint]> = {
  w: [-(1n << 31n), (1n << 31n) - 1n],
  wu: [0n, (1n << 32n) - 1n],
  l: [-(1n << 63n), (1n << 63n) - 1n],
  lu: [0n, (1n << 64n) - 1n],
};

/** fcvt to an integer: the value as it lands in the 64-bit x register (W forms sign-extended). */
export function toInt(f: Fmt, x: bigint, kind: IntKind, rm: number): { value: bigint; flags: number } {
  const a = decode(f, x);
  const [lo, hi] = RANGE[kind];
  const reg = (v: bigint): bigint =>
    BigInt.asUintN(64, kind === "w" || kind === "wu" ? BigInt.asIntN(32, v) : v);
  if (a.t === "nan") return { value: reg(hi), flags: NV };
  if (a.t === "inf") return { value: reg(a.neg ? lo : hi), flags: NV };
  if (a.t === "zero") return { value: 0n, flags: 0 };
  // Round n/d to an integer.
  const { n, d } = a;
  let q = n / d; // truncates toward zero
  const r = n - q * d; // same sign as n
  if (r !== 0n) {
    const neg = n < 0n;
    const twice = 2n * (r < 0n ? -r : r);
    const c = cmp(twice, d); // |fraction| vs 1/2
    let away: boolean;
    if (rm === 0) away = c > 0 || (c === 0 && (q & 1n) !== 0n);
    else if (rm === 1) away = false;
    else if (rm === 2) away = neg;
    else if (rm === 3) away = !neg;
    else away = c >= 0;
    if (away) q += neg ? -1n : 1n;
  }
  if (q < lo) return { value: reg(lo), flags: NV };
  if (q > hi) return { value: reg(hi), flags: NV };
  return { value: reg(q), flags: r !== 0n ? NX : 0 };
}

/** feq (quiet), flt/fle (signalling). */
export function compare(
  f: Fmt,
  x: bigint,
  y: bigint,
  op: "feq" | "flt" | "fle",
): { value: bigint; flags: number } {
  const a = decode(f, x);
  const b = decode(f, y);
  if (anyNaN(a, b)) return { value: 0n, flags: op !== "feq" || anySNaN(a, b) ? NV : 0 };
  const c = order(a, b);
  const v = op === "feq" ? c === 0 : op === "flt" ? c < 0 : c <= 0;
  return { value: v ? 1n : 0n, flags: 0 };
}

/** The order of two non-NaN values (-1, 0, 1; ±0 are equal). */
function order(a: Val, b: Val): number {
  const rank = (v: Val): number => (v.t === "inf" ? (v.neg ? -1 : 1) : 0);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== 0 || rb !== 0) return ra === rb ? 0 : ra < rb ? -1 : 1;
  const [an, ad] = num(a);
  const [bn, bd] = num(b);
  return cmp(an * bd, bn * ad);
}

/** fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber, -0 < +0). */
export function minMax(f: Fmt, x: bigint, y: bigint, max: boolean): Out {
  const a = decode(f, x);
  const b = decode(f, y);
  const nv = anySNaN(a, b) ? NV : 0;
  if (a.t === "nan" && b.t === "nan") return { bits: canon(f), flags: nv };
  if (a.t === "nan") return { bits: y, flags: nv };
  if (b.t === "nan") return { bits: x, flags: nv };
  let c = order(a, b);
  if (c === 0 && a.t === "zero" && b.t === "zero") c = a.neg === b.neg ? 0 : a.neg ? -1 : 1;
  const pickA = max ? c >= 0 : c <= 0;
  return { bits: pickA ? x : y, flags: nv };
}

/** fclass: one of ten bits. */
export function fclass(f: Fmt, x: bigint): bigint {
  const v = decode(f, x);
  const neg = ((x >> BigInt(f.bits - 1)) & 1n) === 1n;
  const e = Number((x >> BigInt(f.p - 1)) & ((1n << BigInt(ebits(f))) - 1n));
  switch (v.t) {
    case "inf":
      return neg ? 1n : 1n << 7n;
    case "nan":
      return v.signalling ? 1n << 8n : 1n << 9n;
    case "zero":
      return neg ? 1n << 3n : 1n << 4n;
    default:
      if (e === 0) return neg ? 1n << 2n : 1n << 5n;
      return neg ? 1n << 1n : 1n << 6n;
  }
}
