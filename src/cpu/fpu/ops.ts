// The F and D instructions as functions of the hart's registers, called by the interpreter
// (fpu/semantics.ts) when an instruction leaves its inline fast path: other rounding modes,
// special operands (NaN, infinities, zeros where the sign rules matter), results near
// overflow or underflow, and the instructions too rare to inline. Each function is complete on
// its own: it takes a fast route with JS doubles where that is provably exact (see the notes
// below) and otherwise computes exactly with soft.ts.
//
// Where doubles give the exact IEEE answer:
// - binary64 +, -, ×, ÷, √ in round-to-nearest-even are JS's own operations. Their inexact flag
//   comes from an error-free transformation: TwoSum for + and -, Dekker's TwoProduct (Veltkamp
//   splitting, no FMA needed) for ×, and the residual a - q·b (resp. a - s·s) computed with
//   TwoProduct for ÷ and √. The transformations are exact while nothing overflows and the error
//   term is not subnormal, which the guards TINY/HUGE ensure; outside them we go soft.
// - binary32 ×: the product of two 24-bit significands is exact in a double, so Math.fround
//   rounds once. binary32 +, -, ÷, √: the double result is rounded twice (to 53, then 24 bits),
//   which is innocuous because 53 >= 2·24 + 2 (Figueroa, "When is double rounding innocuous?",
//   1995); inexact comes from TwoSum (+, -) or from the exact double check r·b == a (÷), r·r == a
//   (√), r being the single result.
// - fused multiply-add: the exact product a·b = p + pe (TwoProduct), p + c = s + se (TwoSum), and
//   the exact total s + (se + pe) is rounded once with Boldo & Melquiond's round-to-odd
//   technique ("Emulation of FMA and correctly rounded sums: proved algorithms using rounding to
//   odd", IEEE TC 2008): t = RO(se + pe), result = RN(s + t). For binary32 the product is exact in
//   a double and RO(p + c) to 53 bits followed by fround is correct because 53 >= 24 + 2.
// - tininess is detected after rounding: an inexact result whose magnitude is at most the
//   smallest normal goes soft, which decides underflow exactly.
// - conversions to integers round with Math.trunc/floor/ceil and an exact fraction test in every
//   rounding mode; int64 → double is one JS rounding of hi·2^32 + lo (hi·2^32 is exact).

import type { Hart } from "../hart.js";
import * as soft from "./soft.js";
import { F32, F64, NV, NX, RDN, type Result, RNE, RTZ, RUP } from "./soft.js";

/** What the FP functions need of a hart (Hart implements it). */
export type FpHart = Pick<Hart, "x" | "f" | "fi" | "f32" | "frm" | "fpFlags" | "illegalHere">;

export const CANON_S = 0x7fc00000;
export const CANON_D_HI = 0x7ff80000;
const TINY = 2 ** -900;
const HUGE = 2 ** 990;
const MIN_S = 2 ** -126;
const SPLIT = 134217729; // 2^27 + 1
const TWO32 = 4294967296;

const scratchF = new Float64Array(1);
const scratchI = new Int32Array(scratchF.buffer);

/** The error of p = RN(a·b): a·b - p exactly (Dekker; needs |a|, |b| < 2^995, no underflow). */
export function prodErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** Round to odd: v = RN(x) with x - v = err; the double next to v toward x if v is even. */
export function roundToOdd(v: number, err: number): number {
  if (err === 0) return v;
  if (v === 0) return err > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  scratchF[0] = v;
  const lo = scratchI[0]!;
  if (lo & 1) return v;
  // Away from zero when err has v's sign, else toward zero: one unit in the magnitude.
  if (err > 0 === v > 0) scratchI[0] = lo + 1;
  else if (lo !== 0) scratchI[0] = lo - 1;
  else {
    scratchI[0] = -1;
    scratchI[1] = scratchI[1]! - 1;
  }
  return scratchF[0]!;
}

/** An invalid rounding mode (5, 6, or 7 from frm) makes the instruction illegal. */
function checkRm(h: FpHart, rm: number): void {
  if (rm > 4) h.illegalHere();
}

// ---- register access ----

/** The bits of the single in pair index s (the canonical NaN if it is not NaN-boxed). */
export const sBits = (h: FpHart, s: number): number => (h.fi[s + 1] === -1 ? h.fi[s]! : CANON_S);
/** The single in pair index s as a number (NaN payloads are not kept; use sBits for those). */
const sVal = (h: FpHart, s: number): number => (h.fi[s + 1] === -1 ? h.f32[s]! : Number.NaN);
const sBig = (h: FpHart, s: number): bigint => BigInt(sBits(h, s) >>> 0);
const dBig = (h: FpHart, s: number): bigint => (BigInt(h.fi[s + 1]! >>> 0) << 32n) | BigInt(h.fi[s]! >>> 0);

function setS(h: FpHart, d: number, v: number, flags: number): void {
  h.f32[d] = v;
  h.fi[d + 1] = -1;
  if (flags) h.fpFlags(flags);
}

function setD(h: FpHart, d: number, v: number, flags: number): void {
  h.f[d >> 1] = v;
  if (flags) h.fpFlags(flags);
}

function setCanonS(h: FpHart, d: number, flags: number): void {
  h.fi[d] = CANON_S;
  h.fi[d + 1] = -1;
  if (flags) h.fpFlags(flags);
}

function setCanonD(h: FpHart, d: number, flags: number): void {
  h.fi[d] = 0;
  h.fi[d + 1] = CANON_D_HI;
  if (flags) h.fpFlags(flags);
}

function putS(h: FpHart, d: number, r: Result): void {
  h.fi[d] = Number(r.bits) | 0;
  h.fi[d + 1] = -1;
  if (r.flags) h.fpFlags(r.flags);
}

function putD(h: FpHart, d: number, r: Result): void {
  h.fi[d] = Number(r.bits & 0xffffffffn) | 0;
  h.fi[d + 1] = Number(r.bits >> 32n) | 0;
  if (r.flags) h.fpFlags(r.flags);
}

export const isSNaNS = (b: number): boolean => (b & 0x7fc00000) === 0x7f800000 && (b & 0x3fffff) !== 0;
export const isSNaND = (hi: number, lo: number): boolean =>
  (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) !== 0 || lo !== 0);
const sNaNAtS = (h: FpHart, s: number): boolean => isSNaNS(sBits(h, s));
const sNaNAtD = (h: FpHart, s: number): boolean => isSNaND(h.fi[s + 1]!, h.fi[s]!);

// ---- arithmetic ----

export function addD(h: FpHart, d: number, s1: number, s2: number, rm: number, negB: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = h.f[s1 >> 1]!;
    const b = negB ? -h.f[s2 >> 1]! : h.f[s2 >> 1]!;
    const v = a + b;
    const bb = v - a;
    const er = a - (v - bb) + (b - bb);
    if (v - v === 0 && er - er === 0) {
      setD(h, d, v, er !== 0 ? NX : 0);
      return;
    }
  }
  putD(h, d, soft.add(F64, dBig(h, s1), dBig(h, s2), rm, negB !== 0));
}

export function addS(h: FpHart, d: number, s1: number, s2: number, rm: number, negB: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = sVal(h, s1);
    const b = negB ? -sVal(h, s2) : sVal(h, s2);
    const v = a + b;
    const r = Math.fround(v);
    if (r - r === 0) {
      const bb = v - a;
      const er = a - (v - bb) + (b - bb);
      const nx = er !== 0 || r !== v;
      if (!nx || Math.abs(r) > MIN_S) {
        setS(h, d, r, nx ? NX : 0);
        return;
      }
    }
  }
  putS(h, d, soft.add(F32, sBig(h, s1), sBig(h, s2), rm, negB !== 0));
}

export function mulD(h: FpHart, d: number, s1: number, s2: number, rm: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = h.f[s1 >> 1]!;
    const b = h.f[s2 >> 1]!;
    const v = a * b;
    const av = Math.abs(v);
    if (av >= TINY && av < HUGE && Math.abs(a) < HUGE && Math.abs(b) < HUGE) {
      setD(h, d, v, prodErr(a, b, v) !== 0 ? NX : 0);
      return;
    }
    if (v === 0 && (a === 0 || b === 0)) {
      setD(h, d, v, 0);
      return;
    }
  }
  putD(h, d, soft.mul(F64, dBig(h, s1), dBig(h, s2), rm));
}

export function mulS(h: FpHart, d: number, s1: number, s2: number, rm: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const v = sVal(h, s1) * sVal(h, s2); // exact
    const r = Math.fround(v);
    if (r - r === 0 && (r === v || Math.abs(r) > MIN_S)) {
      setS(h, d, r, r !== v ? NX : 0);
      return;
    }
  }
  putS(h, d, soft.mul(F32, sBig(h, s1), sBig(h, s2), rm));
}

export function divD(h: FpHart, d: number, s1: number, s2: number, rm: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = h.f[s1 >> 1]!;
    const b = h.f[s2 >> 1]!;
    const q = a / b;
    const aq = Math.abs(q);
    const ab = Math.abs(b);
    if (aq >= TINY && aq < HUGE && ab >= TINY && ab < HUGE && Math.abs(a) >= TINY) {
      const p = q * b;
      setD(h, d, q, p !== a || prodErr(q, b, p) !== 0 ? NX : 0);
      return;
    }
    if (a === 0 && !Number.isNaN(b) && b !== 0) {
      setD(h, d, q, 0);
      return;
    }
  }
  putD(h, d, soft.div(F64, dBig(h, s1), dBig(h, s2), rm));
}

export function divS(h: FpHart, d: number, s1: number, s2: number, rm: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = sVal(h, s1);
    const b = sVal(h, s2);
    const r = Math.fround(a / b);
    if (r - r === 0 && b - b === 0 && b !== 0) {
      const nx = r * b !== a; // r·b is exact in a double
      if (!nx || Math.abs(r) > MIN_S) {
        setS(h, d, r, nx ? NX : 0);
        return;
      }
    }
  }
  putS(h, d, soft.div(F32, sBig(h, s1), sBig(h, s2), rm));
}

export function sqrtD(h: FpHart, d: number, s1: number, rm: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = h.f[s1 >> 1]!;
    if (a >= TINY && a < Number.POSITIVE_INFINITY) {
      const s = Math.sqrt(a);
      const p = s * s;
      setD(h, d, s, p !== a || prodErr(s, s, p) !== 0 ? NX : 0);
      return;
    }
    if (a === 0) {
      setD(h, d, a, 0);
      return;
    }
  }
  putD(h, d, soft.sqrt(F64, dBig(h, s1), rm));
}

export function sqrtS(h: FpHart, d: number, s1: number, rm: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = sVal(h, s1);
    if (a > 0 && a < Number.POSITIVE_INFINITY) {
      const r = Math.fround(Math.sqrt(a));
      setS(h, d, r, r * r !== a ? NX : 0);
      return;
    }
    if (a === 0) {
      setS(h, d, a, 0);
      return;
    }
  }
  putS(h, d, soft.sqrt(F32, sBig(h, s1), rm));
}

/** A fused multiply-add into f[d]: (negP ? -(a·b) : a·b) + (negC ? -c : c), one rounding, a/b/c
 *  from f[s1], f[s2], f[s3]; the R4-type instructions fmadd/fmsub/fnmsub/fnmadd. */
type FusedMulAdd = (
  h: FpHart,
  d: number,
  s1: number,
  s2: number,
  s3: number,
  rm: number,
  negP: number,
  negC: number,
) => void;

/** The fused multiply-adds of .d. */
export const fmaD: FusedMulAdd = (h, d, s1, s2, s3, rm, negP, negC) => {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = negP ? -h.f[s1 >> 1]! : h.f[s1 >> 1]!;
    const b = h.f[s2 >> 1]!;
    const c = negC ? -h.f[s3 >> 1]! : h.f[s3 >> 1]!;
    const v = fmaFastD(a, b, c);
    if (!Number.isNaN(v)) {
      setD(h, d, v, fmaNx);
      return;
    }
  }
  putD(h, d, soft.fma(F64, dBig(h, s1), dBig(h, s2), dBig(h, s3), rm, negP !== 0, negC !== 0));
};

/** Set by fmaFastD: NX when its result is inexact. */
let fmaNx = 0;

/** RN(a·b + c) for operands in the safe range, or NaN when the caller must go soft. */
export function fmaFastD(a: number, b: number, c: number): number {
  const p = a * b;
  const ap = Math.abs(p);
  const ac = Math.abs(c);
  if (
    !(
      ap >= TINY &&
      ap < HUGE &&
      Math.abs(a) < HUGE &&
      Math.abs(b) < HUGE &&
      ac < HUGE &&
      (ac >= TINY || c === 0)
    )
  ) {
    return Number.NaN;
  }
  const pe = prodErr(a, b, p);
  const s = p + c;
  let bb = s - p;
  const se = p - (s - bb) + (c - bb);
  let t = se + pe;
  bb = t - se;
  const te = se - (t - bb) + (pe - bb);
  if (te !== 0) t = roundToOdd(t, te);
  const v = s + t;
  if (!(Math.abs(v) >= TINY)) return Number.NaN;
  bb = v - s;
  const ve = s - (v - bb) + (t - bb);
  fmaNx = te !== 0 || ve !== 0 ? NX : 0;
  return v;
}

/** The fused multiply-adds of .s. */
export const fmaS: FusedMulAdd = (h, d, s1, s2, s3, rm, negP, negC) => {
  checkRm(h, rm);
  if (rm === RNE) {
    const a = sVal(h, s1);
    const b = sVal(h, s2);
    const c = negC ? -sVal(h, s3) : sVal(h, s3);
    const p = negP ? -(a * b) : a * b; // exact
    const s = p + c;
    if (s - s === 0) {
      const bb = s - p;
      const er = p - (s - bb) + (c - bb);
      const o = roundToOdd(s, er);
      const r = Math.fround(o);
      const nx = er !== 0 || r !== o;
      if (r - r === 0 && (!nx || Math.abs(r) > MIN_S)) {
        setS(h, d, r, nx ? NX : 0);
        return;
      }
    }
  }
  putS(h, d, soft.fma(F32, sBig(h, s1), sBig(h, s2), sBig(h, s3), rm, negP !== 0, negC !== 0));
};

// ---- conversions ----

/** v rounded to an integral value in mode rm (exact: v - trunc(v) is always representable). */
export function roundIntegral(v: number, rm: number): number {
  const t = Math.trunc(v);
  if (t === v) return v;
  const a = Math.abs(v - t);
  const away = v < 0 ? t - 1 : t + 1;
  switch (rm) {
    case RNE:
      return a > 0.5 || (a === 0.5 && t % 2 !== 0) ? away : t;
    case RTZ:
      return t;
    case RDN:
      return Math.floor(v);
    case RUP:
      return Math.ceil(v);
    default:
      return a >= 0.5 ? away : t;
  }
}

const INT_MIN = [-2147483648, 0, -(2 ** 63), 0];
/** The saturated results of w, wu, l, lu as (low, high) words of x: [too small, too large]. W
 *  results are sign-extended (fcvt.wu's 0xffffffff too). */
const SATURATED: readonly (readonly [readonly [number, number], readonly [number, number]])[] = [
  [
    [-2147483648, -1],
    [0x7fffffff, 0],
  ],
  [
    [0, 0],
    [-1, -1],
  ],
  [
    [0, -2147483648],
    [-1, 0x7fffffff],
  ],
  [
    [0, 0],
    [-1, -1],
  ],
];
/** Exclusive upper bounds of w, wu, l, lu. */
const INT_END = [2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64];

/**
 * fcvt.{w,wu,l,lu}.{s,d} of the value v (kind 0..3) in mode rm into x pair d, with the spec's
 * saturation: NaN and too-large values give the maximum, too-small ones the minimum, both with NV
 * and without NX.
 */
export function toInt(h: FpHart, d: number, v: number, kind: number, rm: number): void {
  checkRm(h, rm);
  const x = h.x;
  const t = roundIntegral(v, rm);
  if (t >= INT_MIN[kind]! && t < INT_END[kind]!) {
    if (kind < 2) {
      const w = t | 0;
      x[d] = w;
      x[d + 1] = w >> 31;
    } else {
      const hi = Math.floor(t / TWO32);
      x[d] = (t - hi * TWO32) | 0;
      x[d + 1] = hi | 0;
    }
    if (t !== v) h.fpFlags(NX);
    return;
  }
  // Out of range: saturate (NaN counts as too large), NV and no NX.
  const [lo, hi] = SATURATED[kind]![t < 0 ? 0 : 1]!;
  x[d] = lo;
  x[d + 1] = hi;
  h.fpFlags(NV);
}

export function toIntD(h: FpHart, d: number, s1: number, kind: number, rm: number): void {
  toInt(h, d, h.f[s1 >> 1]!, kind, rm);
}

export function toIntS(h: FpHart, d: number, s1: number, kind: number, rm: number): void {
  toInt(h, d, sVal(h, s1), kind, rm);
}

/** The integer in x pair s1 as a BigInt, for kind 0..3 (w, wu, l, lu). */
function intBig(h: FpHart, s1: number, kind: number): bigint {
  const lo = h.x[s1]!;
  const hi = h.x[s1 + 1]!;
  if (kind === 0) return BigInt(lo);
  if (kind === 1) return BigInt(lo >>> 0);
  const u = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return kind === 2 ? BigInt.asIntN(64, u) : u;
}

/** fcvt.d.{w,wu,l,lu}. */
export function fromIntD(h: FpHart, d: number, s1: number, kind: number, rm: number): void {
  checkRm(h, rm);
  const lo = h.x[s1]!;
  if (kind < 2) {
    setD(h, d, kind === 0 ? lo : lo >>> 0, 0);
    return;
  }
  if (rm === RNE) {
    const hv = (kind === 2 ? h.x[s1 + 1]! : h.x[s1 + 1]! >>> 0) * TWO32;
    const lv = lo >>> 0;
    const v = hv + lv;
    const bb = v - hv;
    setD(h, d, v, hv - (v - bb) + (lv - bb) !== 0 ? NX : 0);
    return;
  }
  putD(h, d, soft.fromInt(F64, intBig(h, s1, kind), rm));
}

/** fcvt.s.{w,wu,l,lu}. */
export function fromIntS(h: FpHart, d: number, s1: number, kind: number, rm: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const lo = h.x[s1]!;
    let o: number;
    let er = 0;
    if (kind < 2) o = kind === 0 ? lo : lo >>> 0;
    else {
      const hv = (kind === 2 ? h.x[s1 + 1]! : h.x[s1 + 1]! >>> 0) * TWO32;
      const lv = lo >>> 0;
      const v = hv + lv;
      const bb = v - hv;
      er = hv - (v - bb) + (lv - bb);
      o = roundToOdd(v, er);
    }
    const r = Math.fround(o);
    setS(h, d, r, er !== 0 || r !== o ? NX : 0);
    return;
  }
  putS(h, d, soft.fromInt(F32, intBig(h, s1, kind), rm));
}

/** fcvt.s.d. */
export function cvtSD(h: FpHart, d: number, s1: number, rm: number): void {
  checkRm(h, rm);
  if (rm === RNE) {
    const v = h.f[s1 >> 1]!;
    const r = Math.fround(v);
    if (v - v === 0 && r - r === 0 && (r === v || Math.abs(r) > MIN_S)) {
      setS(h, d, r, r !== v ? NX : 0);
      return;
    }
  }
  putS(h, d, soft.convert(F64, F32, dBig(h, s1), rm));
}

/** fcvt.d.s: exact; NaNs become the canonical NaN (NV for a signalling one). */
export function cvtDS(h: FpHart, d: number, s1: number, rm: number): void {
  checkRm(h, rm);
  const v = sVal(h, s1);
  if (!Number.isNaN(v)) {
    setD(h, d, v, 0);
    return;
  }
  setCanonD(h, d, sNaNAtS(h, s1) ? NV : 0);
}

// ---- comparisons, classification, min/max ----

/** The flags of feq (signalling = false) or flt/fle (true) when an operand is NaN. */
export function cmpNaND(h: FpHart, s1: number, s2: number, signalling: boolean): void {
  if (signalling || sNaNAtD(h, s1) || sNaNAtD(h, s2)) h.fpFlags(NV);
}

export function cmpNaNS(h: FpHart, s1: number, s2: number, signalling: boolean): void {
  if (signalling || sNaNAtS(h, s1) || sNaNAtS(h, s2)) h.fpFlags(NV);
}

/** feq/flt/fle.s (op 0/1/2) into x pair d. */
export function cmpS(h: FpHart, d: number, s1: number, s2: number, op: number): void {
  const a = sVal(h, s1);
  const b = sVal(h, s2);
  let v = 0;
  if (!Number.isNaN(a) && !Number.isNaN(b)) v = (op === 0 ? a === b : op === 1 ? a < b : a <= b) ? 1 : 0;
  else cmpNaNS(h, s1, s2, op !== 0);
  h.x[d] = v;
  h.x[d + 1] = 0;
}

function classify(
  sign: boolean,
  expAllOnes: boolean,
  expZero: boolean,
  fracZero: boolean,
  quiet: boolean,
): number {
  if (expAllOnes) {
    if (fracZero) return sign ? 1 << 0 : 1 << 7;
    return quiet ? 1 << 9 : 1 << 8;
  }
  if (expZero) {
    if (fracZero) return sign ? 1 << 3 : 1 << 4;
    return sign ? 1 << 2 : 1 << 5;
  }
  return sign ? 1 << 1 : 1 << 6;
}

export function classD(h: FpHart, d: number, s1: number): void {
  const hi = h.fi[s1 + 1]!;
  const lo = h.fi[s1]!;
  const e = (hi >>> 20) & 0x7ff;
  h.x[d] = classify(hi < 0, e === 0x7ff, e === 0, (hi & 0xfffff) === 0 && lo === 0, (hi & 0x80000) !== 0);
  h.x[d + 1] = 0;
}

export function classS(h: FpHart, d: number, s1: number): void {
  const b = sBits(h, s1);
  const e = (b >>> 23) & 0xff;
  h.x[d] = classify(b < 0, e === 0xff, e === 0, (b & 0x7fffff) === 0, (b & 0x400000) !== 0);
  h.x[d + 1] = 0;
}

/** IEEE 754-2019 minimumNumber/maximumNumber of two non-NaN values, with -0 < +0. */
function pick(a: number, b: number, max: number): number {
  if (a === b) {
    if (a !== 0) return a;
    const negA = Object.is(a, -0);
    const negB = Object.is(b, -0);
    return max ? (negA && negB ? -0 : 0) : negA || negB ? -0 : 0;
  }
  return max ? Math.max(a, b) : Math.min(a, b);
}

/** fmin.d (max = 0) / fmax.d (max = 1). */
export function minMaxD(h: FpHart, d: number, s1: number, s2: number, max: number): void {
  const a = h.f[s1 >> 1]!;
  const b = h.f[s2 >> 1]!;
  if (!Number.isNaN(a) && !Number.isNaN(b)) {
    setD(h, d, pick(a, b, max), 0);
    return;
  }
  const flags = sNaNAtD(h, s1) || sNaNAtD(h, s2) ? NV : 0;
  if (Number.isNaN(a) && Number.isNaN(b)) {
    setCanonD(h, d, flags);
    return;
  }
  setD(h, d, !Number.isNaN(a) ? a : b, flags);
}

export function minMaxS(h: FpHart, d: number, s1: number, s2: number, max: number): void {
  const a = sVal(h, s1);
  const b = sVal(h, s2);
  if (!Number.isNaN(a) && !Number.isNaN(b)) {
    setS(h, d, pick(a, b, max), 0);
    return;
  }
  const flags = sNaNAtS(h, s1) || sNaNAtS(h, s2) ? NV : 0;
  if (Number.isNaN(a) && Number.isNaN(b)) {
    setCanonS(h, d, flags);
    return;
  }
  setS(h, d, !Number.isNaN(a) ? a : b, flags);
}

/** The helpers the generated interpreter calls, as one object in its environment. */
export const FPU = {
  addD,
  addS,
  mulD,
  mulS,
  divD,
  divS,
  sqrtD,
  sqrtS,
  fmaD,
  fmaS,
  toIntD,
  toIntS,
  fromIntD,
  fromIntS,
  cvtSD,
  cvtDS,
  cmpNaND,
  cmpNaNS,
  cmpS,
  classD,
  classS,
  minMaxD,
  minMaxS,
  roundToOdd,
};
export type Fpu = typeof FPU;
