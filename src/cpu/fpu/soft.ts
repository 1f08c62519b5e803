// Exact IEEE 754 binary32/binary64 arithmetic with BigInt: the slow path of the F and D
// instructions. Every finite operand is unpacked to an exact m·2^e (m a BigInt), the operation is
// computed exactly (division and square root to more than p+2 bits plus a sticky bit), and
// roundPack rounds once to the format in any of the five rounding modes, raising the flags as
// RISC-V specifies: tininess is detected after rounding, underflow is signalled only when the
// result is tiny and inexact, overflow also raises inexact, and every NaN result is the
// canonical NaN. Allocates (BigInts, records): callers use it only off the interpreter's hot paths.

/** fflags bits. */
export const NX = 1;
export const UF = 2;
export const OF = 4;
export const DZ = 8;
export const NV = 16;

/** Rounding modes (the rm field / frm values). */
export const RNE = 0;
export const RTZ = 1;
export const RDN = 2;
export const RUP = 3;
export const RMM = 4;

export interface Format {
  /** Precision in bits, including the hidden bit. */
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
  readonly bias: number;
  readonly width: 32 | 64;
}

export const F32: Format = { p: 24, emin: -126, emax: 127, bias: 127, width: 32 };
export const F64: Format = { p: 53, emin: -1022, emax: 1023, bias: 1023, width: 64 };

/** A rounded result: the encoding and the exception flags raised. */
export interface Result {
  bits: bigint;
  flags: number;
}

export const ZERO = 0;
export const FINITE = 1;
export const INF = 2;
export const QNAN = 3;
export const SNAN = 4;

/** An unpacked operand; for FINITE the value is (-1)^sign · m · 2^e with m > 0. */
export interface Unpacked {
  kind: number;
  sign: number;
  m: bigint;
  e: number;
}

const big = BigInt;

export function canonicalNaN(fmt: Format): bigint {
  return fmt.width === 32 ? 0x7fc00000n : 0x7ff8000000000000n;
}

function expMask(fmt: Format): number {
  return (1 << (fmt.width - fmt.p)) - 1;
}

function pack(fmt: Format, sign: number, bexp: number, frac: bigint): bigint {
  return (big(sign) << big(fmt.width - 1)) | (big(bexp) << big(fmt.p - 1)) | frac;
}

export function unpack(fmt: Format, bits: bigint): Unpacked {
  const sign = Number((bits >> big(fmt.width - 1)) & 1n);
  const bexp = Number((bits >> big(fmt.p - 1)) & big(expMask(fmt)));
  const frac = bits & ((1n << big(fmt.p - 1)) - 1n);
  if (bexp === expMask(fmt)) {
    if (frac === 0n) return { kind: INF, sign, m: 0n, e: 0 };
    return { kind: (frac >> big(fmt.p - 2)) & 1n ? QNAN : SNAN, sign, m: 0n, e: 0 };
  }
  if (bexp === 0) {
    if (frac === 0n) return { kind: ZERO, sign, m: 0n, e: 0 };
    return { kind: FINITE, sign, m: frac, e: fmt.emin - (fmt.p - 1) };
  }
  return { kind: FINITE, sign, m: frac | (1n << big(fmt.p - 1)), e: bexp - fmt.bias - (fmt.p - 1) };
}

const isNan = (u: Unpacked): boolean => u.kind === QNAN || u.kind === SNAN;

function bitLen(m: bigint): number {
  return m.toString(2).length;
}

const zero = (fmt: Format, sign: number): bigint => pack(fmt, sign, 0, 0n);
const inf = (fmt: Format, sign: number): bigint => pack(fmt, sign, expMask(fmt), 0n);

/** The canonical NaN, with NV when any operand is a signalling NaN (or `invalid` says so). */
function nan(fmt: Format, ops: readonly Unpacked[], invalid = false): Result {
  const nv = invalid || ops.some((u) => u.kind === SNAN);
  return { bits: canonicalNaN(fmt), flags: nv ? NV : 0 };
}

/** m >> s rounded per rm (sign says which way is "down"); s > 0. */
function roundShift(m: bigint, s: number, sign: number, rm: number): { q: bigint; inexact: boolean } {
  const S = big(s);
  const q = m >> S;
  const rem = m & ((1n << S) - 1n);
  if (rem === 0n) return { q, inexact: false };
  const half = 1n << (S - 1n);
  let up: boolean;
  switch (rm) {
    case RNE:
      up = rem > half || (rem === half && (q & 1n) === 1n);
      break;
    case RTZ:
      up = false;
      break;
    case RDN:
      up = sign === 1;
      break;
    case RUP:
      up = sign === 0;
      break;
    default:
      up = rem >= half;
  }
  return { q: up ? q + 1n : q, inexact: true };
}

/** The result of an overflow in rounding mode rm: ±inf or ±the largest finite value. */
function overflow(fmt: Format, sign: number, rm: number): bigint {
  const toInf = rm === RNE || rm === RMM || (rm === RDN && sign === 1) || (rm === RUP && sign === 0);
  if (toInf) return inf(fmt, sign);
  return pack(fmt, sign, expMask(fmt) - 1, (1n << big(fmt.p - 1)) - 1n);
}

/** Round the exact value (-1)^sign · m · 2^e (m > 0) to `fmt` in mode rm. */
export function roundPack(fmt: Format, sign: number, m: bigint, e: number, rm: number): Result {
  const { p, emin, emax } = fmt;
  const n = bitLen(m);
  const top = e + n - 1; // exponent of the leading bit
  let tiny = false;
  if (top < emin) {
    // Tininess after rounding: round to p bits with an unbounded exponent range.
    let after = top;
    if (n > p && bitLen(roundShift(m, n - p, sign, rm).q) > p) after++;
    tiny = after < emin;
  }
  let qe = Math.max(top, emin) - (p - 1); // exponent of the result's last bit
  const shift = qe - e;
  let q = m;
  let inexact = false;
  if (shift < 0) q = m << big(-shift);
  else if (shift > 0) ({ q, inexact } = roundShift(m, shift, sign, rm));
  if (q >> big(p) !== 0n) {
    q >>= 1n; // rounding carried into a new bit: q was 2^p exactly
    qe++;
  }
  let flags = inexact ? NX : 0;
  if (tiny && inexact) flags |= UF;
  if (qe + p - 1 > emax) return { bits: overflow(fmt, sign, rm), flags: flags | OF | NX };
  const hidden = 1n << big(p - 1);
  if (q < hidden) return { bits: pack(fmt, sign, 0, q), flags }; // subnormal or zero
  return { bits: pack(fmt, sign, qe + p - 1 + fmt.bias, q - hidden), flags };
}

/** The exact sum of two values, each finite or zero, not both zero; rounded. */
function sumExact(fmt: Format, a: Unpacked, b: Unpacked, rm: number): Result {
  if (a.kind === ZERO) return roundPack(fmt, b.sign, b.m, b.e, rm);
  if (b.kind === ZERO) return roundPack(fmt, a.sign, a.m, a.e, rm);
  const e = Math.min(a.e, b.e);
  const va = (a.m << big(a.e - e)) * (a.sign ? -1n : 1n);
  const vb = (b.m << big(b.e - e)) * (b.sign ? -1n : 1n);
  const s = va + vb;
  if (s === 0n) return { bits: zero(fmt, rm === RDN ? 1 : 0), flags: 0 };
  return s < 0n ? roundPack(fmt, 1, -s, e, rm) : roundPack(fmt, 0, s, e, rm);
}

/** The sign of an exact zero sum x + y of zeros with signs sx, sy. */
const zeroSumSign = (sx: number, sy: number, rm: number): number => (sx === sy ? sx : rm === RDN ? 1 : 0);

const neg = (u: Unpacked, flip: boolean): Unpacked => (flip ? { ...u, sign: u.sign ^ 1 } : u);

/** a + b (b negated for subtraction). */
export function add(fmt: Format, abits: bigint, bbits: bigint, rm: number, negB = false): Result {
  const a = unpack(fmt, abits);
  const b = neg(unpack(fmt, bbits), negB);
  if (isNan(a) || isNan(b)) return nan(fmt, [a, b]);
  if (a.kind === INF || b.kind === INF) {
    if (a.kind === INF && b.kind === INF && a.sign !== b.sign) return nan(fmt, [], true);
    return { bits: inf(fmt, a.kind === INF ? a.sign : b.sign), flags: 0 };
  }
  if (a.kind === ZERO && b.kind === ZERO)
    return { bits: zero(fmt, zeroSumSign(a.sign, b.sign, rm)), flags: 0 };
  return sumExact(fmt, a, b, rm);
}

export function mul(fmt: Format, abits: bigint, bbits: bigint, rm: number): Result {
  const a = unpack(fmt, abits);
  const b = unpack(fmt, bbits);
  if (isNan(a) || isNan(b)) return nan(fmt, [a, b]);
  const sign = a.sign ^ b.sign;
  if (a.kind === INF || b.kind === INF) {
    if (a.kind === ZERO || b.kind === ZERO) return nan(fmt, [], true);
    return { bits: inf(fmt, sign), flags: 0 };
  }
  if (a.kind === ZERO || b.kind === ZERO) return { bits: zero(fmt, sign), flags: 0 };
  return roundPack(fmt, sign, a.m * b.m, a.e + b.e, rm);
}

export function div(fmt: Format, abits: bigint, bbits: bigint, rm: number): Result {
  const a = unpack(fmt, abits);
  const b = unpack(fmt, bbits);
  if (isNan(a) || isNan(b)) return nan(fmt, [a, b]);
  const sign = a.sign ^ b.sign;
  if (a.kind === INF) {
    if (b.kind === INF) return nan(fmt, [], true);
    return { bits: inf(fmt, sign), flags: 0 };
  }
  if (b.kind === INF) return { bits: zero(fmt, sign), flags: 0 };
  if (b.kind === ZERO) {
    if (a.kind === ZERO) return nan(fmt, [], true);
    return { bits: inf(fmt, sign), flags: DZ };
  }
  if (a.kind === ZERO) return { bits: zero(fmt, sign), flags: 0 };
  // A quotient of at least p+3 bits, then a sticky bit for the remainder.
  const k = Math.max(0, fmt.p + 3 + bitLen(b.m) - bitLen(a.m));
  const num = a.m << big(k);
  const q = num / b.m;
  const sticky = q * b.m === num ? 0n : 1n;
  return roundPack(fmt, sign, (q << 1n) | sticky, a.e - b.e - k - 1, rm);
}

/** The integer square root of n >= 0 (floor). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << big(Math.ceil(bitLen(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(fmt: Format, abits: bigint, rm: number): Result {
  const a = unpack(fmt, abits);
  if (isNan(a)) return nan(fmt, [a]);
  if (a.kind === ZERO) return { bits: abits, flags: 0 };
  if (a.sign === 1) return nan(fmt, [], true);
  if (a.kind === INF) return { bits: abits, flags: 0 };
  let m = a.m;
  let e = a.e;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  // Scale so the root has at least p+3 bits, then a sticky bit.
  const k = Math.max(0, Math.ceil((2 * (fmt.p + 3) - bitLen(m)) / 2));
  const n = m << big(2 * k);
  const s = isqrt(n);
  const sticky = s * s === n ? 0n : 1n;
  return roundPack(fmt, 0, (s << 1n) | sticky, (e - 2 * k) / 2 - 1, rm);
}

/**
 * The fused multiply-add ±(a·b) ± c with one rounding: negProduct negates a·b (fnmsub, fnmadd),
 * negAddend negates c (fmsub, fnmadd). inf·0 raises NV even when c is a quiet NaN.
 */
export function fma(
  fmt: Format,
  abits: bigint,
  bbits: bigint,
  cbits: bigint,
  rm: number,
  negProduct: boolean,
  negAddend: boolean,
): Result {
  const a = unpack(fmt, abits);
  const b = unpack(fmt, bbits);
  const c = neg(unpack(fmt, cbits), negAddend);
  const infZero = (a.kind === INF && b.kind === ZERO) || (a.kind === ZERO && b.kind === INF);
  if (isNan(a) || isNan(b) || isNan(c)) return nan(fmt, [a, b, c], infZero);
  if (infZero) return nan(fmt, [], true);
  const ps = a.sign ^ b.sign ^ (negProduct ? 1 : 0);
  if (a.kind === INF || b.kind === INF) {
    if (c.kind === INF && c.sign !== ps) return nan(fmt, [], true);
    return { bits: inf(fmt, ps), flags: 0 };
  }
  if (c.kind === INF) return { bits: inf(fmt, c.sign), flags: 0 };
  if (a.kind === ZERO || b.kind === ZERO) {
    if (c.kind === ZERO) return { bits: zero(fmt, zeroSumSign(ps, c.sign, rm)), flags: 0 };
    return roundPack(fmt, c.sign, c.m, c.e, rm);
  }
  const prod: Unpacked = { kind: FINITE, sign: ps, m: a.m * b.m, e: a.e + b.e };
  return sumExact(fmt, prod, c, rm);
}

/** A signed (or unsigned) integer value converted to `fmt`. */
export function fromInt(fmt: Format, v: bigint, rm: number): Result {
  if (v === 0n) return { bits: 0n, flags: 0 };
  return v < 0n ? roundPack(fmt, 1, -v, 0, rm) : roundPack(fmt, 0, v, 0, rm);
}

/** Convert between formats (fcvt.s.d, fcvt.d.s). */
export function convert(from: Format, to: Format, bits: bigint, rm: number): Result {
  const a = unpack(from, bits);
  if (isNan(a)) return nan(to, [a]);
  if (a.kind === INF) return { bits: inf(to, a.sign), flags: 0 };
  if (a.kind === ZERO) return { bits: zero(to, a.sign), flags: 0 };
  return roundPack(to, a.sign, a.m, a.e, rm);
}
