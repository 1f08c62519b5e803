// 64-bit integer arithmetic on (lo, hi) pairs of signed 32-bit numbers, the register
// representation of the interpreter. Functions return the low word and leave the high word in
// `r.hi`, so nothing is allocated; BigInt appears only on the rare wide-division path.

/** The high word of the last result (module-level, so calls allocate nothing). */
export const r = { hi: 0 };

const TWO32 = 4294967296;

/** Unsigned 32×32 → 64 multiply: returns the low word, high word in r.hi. */
export function mulu32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const mid = a1 * b0 + a0 * b1 + (p00 >>> 16); // < 2^34, exact
  r.hi = (a1 * b1 + Math.floor(mid / 65536)) | 0;
  return ((mid & 0xffff) << 16) | (p00 & 0xffff);
}

/** The low 64 bits of a 64×64 multiply (same for signed and unsigned). */
export function mul64(al: number, ah: number, bl: number, bh: number): number {
  const lo = mulu32(al, bl);
  r.hi = (r.hi + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
  return lo;
}

/** The high 64 bits of the unsigned 128-bit product: returns bits 64..95, bits 96..127 in r.hi. */
export function mulhu64(al: number, ah: number, bl: number, bh: number): number {
  mulu32(al, bl); // only its high word matters: the low word is below bit 64
  const p0h = r.hi >>> 0;
  const p1l = mulu32(al, bh) >>> 0;
  const p1h = r.hi >>> 0;
  const p2l = mulu32(ah, bl) >>> 0;
  const p2h = r.hi >>> 0;
  const p3l = mulu32(ah, bh) >>> 0;
  const p3h = r.hi >>> 0;
  const t1 = p0h + p1l + p2l; // word 1 with carries, < 3·2^32
  const c1 = Math.floor(t1 / TWO32);
  const t2 = p1h + p2h + p3l + c1;
  const c2 = Math.floor(t2 / TWO32);
  r.hi = (p3h + c2) | 0;
  return t2 | 0;
}

/** Subtract (bl, bh) from (al, ah) modulo 2^64. */
function sub64(al: number, ah: number, bl: number, bh: number): number {
  const lo = (al - bl) | 0;
  r.hi = (ah - bh - (al >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
  return lo;
}

/** High 64 bits of signed a × unsigned b: the unsigned product's, less b when a < 0. */
export function mulhsu64(al: number, ah: number, bl: number, bh: number): number {
  const lo = mulhu64(al, ah, bl, bh);
  return ah < 0 ? sub64(lo, r.hi, bl, bh) : lo;
}

/** High 64 bits of signed × signed: signed a × unsigned b's, less a when b < 0. */
export function mulh64(al: number, ah: number, bl: number, bh: number): number {
  const lo = mulhsu64(al, ah, bl, bh);
  return bh < 0 ? sub64(lo, r.hi, al, ah) : lo;
}

// Division: exact with doubles when both operands are below 2^51 in magnitude (the rounding of
// a/b cannot then reach an integer boundary); a wide dividend over a divisor below 2^32 in
// magnitude (a 64-bit hash or PRNG state modulo a table size: compiled code does that in loops)
// by long division in 16-bit steps (divSmall); otherwise exact with BigInt.
const SAFE = 2 ** 51;

/** The remainder of the last divSmall. */
let smallRem = 0;

/** Unsigned (ah:al) / b for 0 < b < 2^32: the quotient's low word (high word in r.hi), the
 *  remainder in smallRem. Each step divides a number below 2^48 by b, so (quotient + 1) × b
 *  stays below 2^52 and floor(x / b) in doubles is exact, as is x - q × b. */
function divSmall(al: number, ah: number, b: number): number {
  const h = ah >>> 0;
  const q2 = Math.floor(h / b);
  let x = (h - q2 * b) * 65536 + (al >>> 16);
  const q1 = Math.floor(x / b);
  x = (x - q1 * b) * 65536 + (al & 0xffff);
  const q0 = Math.floor(x / b);
  smallRem = x - q0 * b;
  r.hi = q2 | 0;
  return (q1 << 16) | q0;
}

/** Signed (ah:al) / b for 0 < |b| < 2^32, b not -1 with a = INT64_MIN: the quotient (or with
 *  wantRem the remainder, which has the dividend's sign) as low word, high word in r.hi. */
function divSmallSigned(al: number, ah: number, b: number, wantRem: boolean): number {
  const neg = ah < 0;
  const ml = neg ? -al | 0 : al; // |a| as unsigned words (INT64_MIN stays 2^63: right)
  const mh = neg ? (~ah + (al === 0 ? 1 : 0)) | 0 : ah;
  const ql = divSmall(ml, mh, Math.abs(b));
  if (wantRem) {
    r.hi = neg && smallRem !== 0 ? -1 : 0;
    return neg ? -smallRem | 0 : smallRem | 0;
  }
  if (neg === b < 0) return ql;
  const qh = r.hi;
  r.hi = (~qh + (ql === 0 ? 1 : 0)) | 0;
  return -ql | 0;
}

function toSigned(lo: number, hi: number): number {
  return hi * TWO32 + (lo >>> 0);
}

function toUnsigned(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}

function fromNumber(v: number): number {
  r.hi = Math.floor(v / TWO32) | 0;
  return v | 0;
}

function big(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

function fromBig(v: bigint): number {
  r.hi = Number(BigInt.asIntN(32, v >> 32n));
  return Number(BigInt.asIntN(32, v));
}

/** Signed 64-bit division with RISC-V's rules: x/0 = -1, INT64_MIN/-1 = INT64_MIN. */
export function div64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) {
    r.hi = -1;
    return -1;
  }
  const a = toSigned(al, ah);
  const b = toSigned(bl, bh);
  if (Math.abs(a) < SAFE && Math.abs(b) < SAFE) return fromNumber(Math.trunc(a / b));
  if (ah === -0x80000000 && al === 0 && bl === -1 && bh === -1) {
    r.hi = ah;
    return 0;
  }
  if (Math.abs(b) < TWO32) return divSmallSigned(al, ah, b, false);
  return fromBig(BigInt.asIntN(64, big(al, ah)) / BigInt.asIntN(64, big(bl, bh)));
}

/** Unsigned 64-bit division: x/0 = 2^64-1. */
export function divu64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) {
    r.hi = -1;
    return -1;
  }
  const a = toUnsigned(al, ah);
  const b = toUnsigned(bl, bh);
  if (a < SAFE && b < SAFE) return fromNumber(Math.floor(a / b));
  if (bh === 0) return divSmall(al, ah, b);
  return fromBig(BigInt.asUintN(64, big(al, ah)) / BigInt.asUintN(64, big(bl, bh)));
}

/** Signed remainder, sign of the dividend: x%0 = x, INT64_MIN%-1 = 0. */
export function rem64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) {
    r.hi = ah;
    return al;
  }
  const a = toSigned(al, ah);
  const b = toSigned(bl, bh);
  if (Math.abs(a) < SAFE && Math.abs(b) < SAFE) return fromNumber(a % b);
  if (bl === -1 && bh === -1) {
    r.hi = 0;
    return 0;
  }
  if (Math.abs(b) < TWO32) return divSmallSigned(al, ah, b, true);
  return fromBig(BigInt.asIntN(64, big(al, ah)) % BigInt.asIntN(64, big(bl, bh)));
}

/** Unsigned remainder: x%0 = x. */
export function remu64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) {
    r.hi = ah;
    return al;
  }
  const a = toUnsigned(al, ah);
  const b = toUnsigned(bl, bh);
  if (a < SAFE && b < SAFE) return fromNumber(a % b);
  if (bh === 0) {
    divSmall(al, ah, b);
    r.hi = 0;
    return smallRem | 0;
  }
  return fromBig(BigInt.asUintN(64, big(al, ah)) % BigInt.asUintN(64, big(bl, bh)));
}

/** (lo, hi) as an unsigned bigint. */
export function toBig(lo: number, hi: number): bigint {
  // no fast path through a double: BigInt(double) is a runtime call in V8, slower than the
  // shifts (measured, Node 20.20)
  return BigInt.asUintN(64, big(lo, hi));
}

/** Values below this are exact as doubles. */
const SAFE_BIG = 1n << 53n;

/** Split a bigint (taken modulo 2^64) into r.hi and the returned low word. */
export function splitBig(v: bigint): number {
  // 0 to 2^53 (compared, not masked: no BigInt made): through the exact double
  if (v >= 0n && v < SAFE_BIG) return fromNumber(Number(v));
  return fromBig(BigInt.asUintN(64, v));
}
