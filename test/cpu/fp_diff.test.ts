// Differential test of every F and D computation against test/helpers/fpref.ts, an independent
// reference in exact rational arithmetic: thousands of seeded operands per instruction and
// precision (random bit patterns, values of moderate exponent, edge values — ±0, subnormals, the
// smallest and largest normals, ±inf, quiet and signalling NaNs with payloads, values around the
// integer-conversion boundaries and around halfway points — and operands derived from each other
// to provoke cancellation), in every rounding mode, static and dynamic. The result's bits, the
// NaN boxing of single results and fflags must match exactly.

import { describe, expect, it } from "vitest";
import * as F from "../helpers/fpenc.js";
import { FpStepper } from "../helpers/fpguest.js";
import * as R from "../helpers/fpref.js";
import { operand, Rng } from "../helpers/ref.js";

const N = 1500;
type P = F.Prec;
const FMT: Record<P, R.Fmt> = { s: R.S, d: R.D };
const CANON_BOX = 0xffffffff7fc00000n;

/** Edge operands of a format, as bit patterns. */
function edges(p: P): bigint[] {
  const f = FMT[p];
  const fb = BigInt(f.p - 1);
  const enc = (neg: boolean, e: number, frac: bigint): bigint =>
    ((neg ? 1n : 0n) << BigInt(f.bits - 1)) | (BigInt(e) << fb) | frac;
  const emax = (1 << (f.bits - f.p)) - 1;
  const bias = f.emax;
  const out: bigint[] = [];
  const fromNum = (v: number): bigint => {
    if (p === "d") {
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, v);
      return b.getBigUint64(0);
    }
    const b = new DataView(new ArrayBuffer(4));
    b.setFloat32(0, v);
    return BigInt(b.getUint32(0));
  };
  for (const neg of [false, true]) {
    out.push(enc(neg, 0, 0n)); // zero
    out.push(enc(neg, 0, 1n)); // smallest subnormal
    out.push(enc(neg, 0, (1n << fb) - 1n)); // largest subnormal
    out.push(enc(neg, 0, 1n << (fb - 1n))); // a middle subnormal
    out.push(enc(neg, 1, 0n)); // smallest normal
    out.push(enc(neg, 1, 1n));
    out.push(enc(neg, emax - 1, (1n << fb) - 1n)); // largest normal
    out.push(enc(neg, emax - 1, 0n));
    out.push(enc(neg, bias, 0n)); // 1
    out.push(enc(neg, bias, 1n)); // 1 + ulp
    out.push(enc(neg, bias - 1, (1n << fb) - 1n)); // 1 - ulp/2
    out.push(enc(neg, emax, 0n)); // inf
    out.push(enc(neg, emax, 1n << (fb - 1n))); // canonical-like qNaN
    out.push(enc(neg, emax, (1n << (fb - 1n)) | 0x55n)); // qNaN with payload
    out.push(enc(neg, emax, 1n)); // sNaN
    out.push(enc(neg, emax, (1n << (fb - 1n)) - 1n)); // sNaN, full payload
    for (const v of [
      0.5,
      1.5,
      2.5,
      3.5,
      0.49999997,
      0.5000001,
      2 ** 31,
      2 ** 32,
      2 ** 63,
      2 ** 64,
      2 ** 53,
      2 ** 24,
    ]) {
      for (const d of [-2, -1, 0, 1, 2]) {
        const b = fromNum(neg ? -v : v) + BigInt(d);
        out.push(b & ((1n << BigInt(f.bits)) - 1n));
      }
    }
    for (const v of [
      2 ** 31 - 0.5,
      2 ** 31 - 1,
      -(2 ** 31) - 0.5,
      -(2 ** 31) - 1,
      2 ** 32 - 0.5,
      2 ** 32 - 1,
    ]) {
      out.push(fromNum(neg ? -v : v));
    }
  }
  return out;
}

/** An operand generator with memory of the previous operand (for related pairs). */
class Operands {
  private prev = 0n;
  private readonly edge: bigint[];
  private readonly width: bigint;
  constructor(
    private readonly rng: Rng,
    private readonly p: P,
  ) {
    this.edge = edges(p);
    this.width = BigInt(FMT[p].bits);
  }
  next(): bigint {
    const f = FMT[this.p];
    const rng = this.rng;
    const mask = (1n << this.width) - 1n;
    let v: bigint;
    switch (rng.int(8)) {
      case 0:
      case 1:
        v = rng.pick(this.edge);
        break;
      case 2:
        v = rng.u64() & mask;
        break;
      case 3: {
        // near the previous operand: ±a few ulps, maybe negated (cancellation)
        const d = BigInt(rng.int(9) - 4);
        v = (this.prev + d) & mask;
        if (rng.int(2)) v ^= 1n << (this.width - 1n);
        break;
      }
      case 4: {
        // tiny results: exponents near the subnormal range
        const e = BigInt(1 + rng.int(f.p + 2));
        v =
          (BigInt(rng.int(2)) << (this.width - 1n)) |
          (e << BigInt(f.p - 1)) |
          (rng.u64() & ((1n << BigInt(f.p - 1)) - 1n));
        break;
      }
      default: {
        // moderate exponents around 1, few significant bits sometimes
        const bias = BigInt(f.emax);
        const e = bias + BigInt(rng.int(81) - 40);
        let frac = rng.u64() & ((1n << BigInt(f.p - 1)) - 1n);
        if (rng.int(3) === 0) frac &= ~((1n << BigInt(rng.int(f.p - 1))) - 1n);
        v = (BigInt(rng.int(2)) << (this.width - 1n)) | (e << BigInt(f.p - 1)) | frac;
      }
    }
    this.prev = v;
    return v;
  }
}

const toBits = (p: P, v: number): bigint => {
  const dv = new DataView(new ArrayBuffer(8));
  if (p === "d") {
    dv.setFloat64(0, v);
    return dv.getBigUint64(0);
  }
  dv.setFloat32(0, v);
  return BigInt(dv.getUint32(0));
};
const toNum = (p: P, b: bigint): number => {
  const dv = new DataView(new ArrayBuffer(8));
  if (p === "d") {
    dv.setBigUint64(0, b);
    return dv.getFloat64(0);
  }
  dv.setUint32(0, Number(b));
  return dv.getFloat32(0);
};
const signBit = (p: P): bigint => 1n << BigInt(FMT[p].bits - 1);

/** Operands a, b whose product (resp. quotient a/b) lies within a few units in the last place
 *  of the smallest normal: the window where tininess before and after rounding differ. */
function nearMinNormal(rng: Rng, p: P, quotient: boolean): [bigint, bigint] {
  const f = FMT[p];
  const half = Math.floor(f.emin / 2);
  const a = toBits(p, (1 + rng.u32() / 2 ** 32) * 2 ** half);
  const target = 2 ** f.emin;
  const an = toNum(p, a);
  let b = toBits(p, quotient ? an / target : target / an);
  b += BigInt(rng.int(9) - 4);
  const s = rng.int(4);
  return [a ^ (s & 1 ? signBit(p) : 0n), b ^ (s & 2 ? signBit(p) : 0n)];
}

/** Fused operands with a·b = u·(1 - k²·2^(2-2p)), u half an ulp of c: c + a·b is within far
 *  less than a double's precision of a midpoint, where rounding twice goes wrong. */
function nearMidpoint(rng: Rng, p: P): [bigint, bigint, bigint] {
  const f = FMT[p];
  const e = rng.int(40) - 20;
  const frac = rng.u64() & ((1n << BigInt(f.p - 1)) - 1n); // odd or even last bit
  const c = (BigInt(e + f.emax) << BigInt(f.p - 1)) | frac | (rng.int(2) ? signBit(p) : 0n);
  const u = 2 ** (e - f.p); // half an ulp of c
  const k = 1 + rng.int(50);
  const eps = 2 ** (1 - f.p);
  const a = toBits(p, u * (1 + k * eps)) ^ (rng.int(2) ? signBit(p) : 0n);
  const b = toBits(p, 1 - k * eps);
  return [a, b, c];
}

/** Place operand `bits` of precision p in f register r; singles are sometimes left unboxed. */
function place(st: FpStepper, p: P, r: number, bits: bigint, rng: Rng): bigint {
  if (p === "d") {
    st.setD(r, bits);
    return bits;
  }
  if (rng.int(40) === 0) {
    // an improperly boxed single: the upper word is not all ones; it reads as the canonical NaN
    st.setD(r, (BigInt(rng.u32() & 0x7fffffff) << 32n) | bits);
    return 0x7fc00000n;
  }
  st.setS(r, Number(bits));
  return bits;
}

/** A rounding mode: static (0..4) or dynamic (7) with frm 0..4. */
function pickRm(rng: Rng): { field: number; frm: number; eff: number } {
  const eff = rng.int(5);
  return rng.int(3) === 0 ? { field: 7, frm: eff, eff } : { field: eff, frm: rng.int(5), eff };
}

function result(st: FpStepper, p: P, r: number): bigint {
  if (p === "d") return st.getD(r);
  return st.boxed(r) ? BigInt(st.getS(r)) : -1n; // -1n: not boxed (a failure)
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

interface Failure {
  what: string;
  got: string;
  want: string;
}

function check(fails: Failure[], what: string, got: [bigint, number], want: [bigint, number]): void {
  if (got[0] !== want[0] || got[1] !== want[1]) {
    if (fails.length < 10) {
      fails.push({ what, got: `${hex(got[0])} flags ${got[1]}`, want: `${hex(want[0])} flags ${want[1]}` });
    }
  }
}

const ARITH: [F.ArithOp, (f: R.Fmt, x: bigint, y: bigint, rm: number) => R.Out][] = [
  ["fadd", R.add],
  ["fsub", R.sub],
  ["fmul", R.mul],
  ["fdiv", R.div],
];

describe.each(["s", "d"] as const)("%s: differential against exact rational arithmetic", (p) => {
  const f = FMT[p];
  ARITH.forEach(([op, ref], k) => {
    it(`${op}.${p}`, () => {
      const rng = new Rng(0x1000 + k * 17 + (p === "d" ? 1 : 0));
      const gen = new Operands(rng, p);
      const st = new FpStepper();
      const fails: Failure[] = [];
      for (let i = 0; i < N; i++) {
        const { field, frm, eff } = pickRm(rng);
        let [x, y] = [gen.next(), gen.next()];
        if ((op === "fmul" || op === "fdiv") && rng.int(3) === 0)
          [x, y] = nearMinNormal(rng, p, op === "fdiv");
        const a = place(st, p, 1, x, rng);
        const b = place(st, p, 2, y, rng);
        expect(st.exec(F.arith(op, p, 3, 1, 2, field), frm)).toBe(1);
        const want = ref(f, a, b, eff);
        check(
          fails,
          `${op}.${p} ${hex(a)} ${hex(b)} rm ${eff}`,
          [result(st, p, 3), st.fflags],
          [want.bits, want.flags],
        );
      }
      expect(fails).toEqual([]);
    });
  });

  it(`fsqrt.${p}`, () => {
    const rng = new Rng(0x2000 + (p === "d" ? 1 : 0));
    const gen = new Operands(rng, p);
    const st = new FpStepper();
    const fails: Failure[] = [];
    for (let i = 0; i < N; i++) {
      const { field, frm, eff } = pickRm(rng);
      let a = gen.next();
      if (rng.int(4)) a &= ~(1n << BigInt(f.bits - 1)); // mostly non-negative
      a = place(st, p, 1, a, rng);
      st.exec(F.fsqrt(p, 3, 1, field), frm);
      const want = R.sqrt(f, a, eff);
      check(fails, `fsqrt.${p} ${hex(a)} rm ${eff}`, [result(st, p, 3), st.fflags], [want.bits, want.flags]);
    }
    expect(fails).toEqual([]);
  });

  const FUSED: [F.FusedOp, boolean, boolean][] = [
    ["fmadd", false, false],
    ["fmsub", false, true],
    ["fnmsub", true, false],
    ["fnmadd", true, true],
  ];
  FUSED.forEach(([op, negP, negC], k) => {
    it(`${op}.${p} (one rounding)`, () => {
      const rng = new Rng(0x3000 + k * 5 + (p === "d" ? 1 : 0));
      const gen = new Operands(rng, p);
      const st = new FpStepper();
      const fails: Failure[] = [];
      for (let i = 0; i < N; i++) {
        const { field, frm, eff } = pickRm(rng);
        let [x, y, c] = [gen.next(), gen.next(), gen.next()];
        const mode = rng.int(6);
        if (mode === 0) [x, y, c] = nearMidpoint(rng, p);
        if (mode === 1) {
          [x, y] = nearMinNormal(rng, p, false);
          c = rng.int(2) ? 0n : (gen.next() & 0xffn) | (rng.int(2) ? signBit(p) : 0n); // zero or tiny
        }
        const a = place(st, p, 1, x, rng);
        const b = place(st, p, 2, y, rng);
        if (mode === 2) {
          // an addend that nearly cancels the product
          const pr = R.mul(f, a, b, rng.int(5)).bits;
          c = (pr ^ (rng.int(2) ? 1n << BigInt(f.bits - 1) : 0n)) + BigInt(rng.int(5) - 2);
          c &= (1n << BigInt(f.bits)) - 1n;
        }
        c = place(st, p, 4, c, rng);
        st.exec(F.fused(op, p, 3, 1, 2, 4, field), frm);
        const want = R.fma(f, a, b, c, eff, negP, negC);
        check(
          fails,
          `${op}.${p} ${hex(a)} ${hex(b)} ${hex(c)} rm ${eff}`,
          [result(st, p, 3), st.fflags],
          [want.bits, want.flags],
        );
      }
      expect(fails).toEqual([]);
    });
  });

  (["w", "wu", "l", "lu"] as const).forEach((kind, k) => {
    it(`fcvt.${kind}.${p} (saturation, NV vs NX)`, () => {
      const rng = new Rng(0x4000 + k * 3 + (p === "d" ? 1 : 0));
      const gen = new Operands(rng, p);
      const st = new FpStepper();
      const fails: Failure[] = [];
      for (let i = 0; i < N; i++) {
        const { field, frm, eff } = pickRm(rng);
        const a = place(st, p, 1, gen.next(), rng);
        st.exec(F.fcvtToInt(kind, p, 10, 1, field), frm);
        const want = R.toInt(f, a, kind, eff);
        check(
          fails,
          `fcvt.${kind}.${p} ${hex(a)} rm ${eff}`,
          [st.getX(10), st.fflags],
          [want.value, want.flags],
        );
      }
      expect(fails).toEqual([]);
    });

    it(`fcvt.${p}.${kind}`, () => {
      const rng = new Rng(0x5000 + k * 3 + (p === "d" ? 1 : 0));
      const st = new FpStepper();
      const fails: Failure[] = [];
      for (let i = 0; i < N; i++) {
        const { field, frm, eff } = pickRm(rng);
        const raw = operand(rng);
        st.setX(11, raw);
        st.exec(F.fcvtFromInt(p, kind, 3, 11, field), frm);
        const v =
          kind === "w"
            ? BigInt.asIntN(32, raw)
            : kind === "wu"
              ? BigInt.asUintN(32, raw)
              : kind === "l"
                ? BigInt.asIntN(64, raw)
                : BigInt.asUintN(64, raw);
        const want = R.fromInt(f, v, eff);
        check(
          fails,
          `fcvt.${p}.${kind} ${v} rm ${eff}`,
          [result(st, p, 3), st.fflags],
          [want.bits, want.flags],
        );
      }
      expect(fails).toEqual([]);
    });
  });

  it(`fcvt.${p === "s" ? "s.d" : "d.s"}`, () => {
    const from: P = p === "s" ? "d" : "s";
    const rng = new Rng(0x6000 + (p === "d" ? 1 : 0));
    const gen = new Operands(rng, from);
    const st = new FpStepper();
    const fails: Failure[] = [];
    for (let i = 0; i < N; i++) {
      const { field, frm, eff } = pickRm(rng);
      let a = gen.next();
      if (from === "d" && rng.int(8) === 0) {
        // the underflow window just below 2^-126: tiny before rounding, maybe not after
        a =
          toBits("d", 2 ** -126 - 2 ** -150 + (rng.int(17) - 8) * 2 ** -154) ^
          (rng.int(2) ? signBit("d") : 0n);
      } else if (from === "d" && rng.int(2)) {
        // doubles near the single range's edges and halfway points
        const e = BigInt(
          1023 + rng.pick([-150, -149, -127, -126, -125, 0, 1, 126, 127, 128]) + rng.int(3) - 1,
        );
        a = (BigInt(rng.int(2)) << 63n) | (e << 52n) | (rng.u64() & ((1n << 52n) - 1n));
        if (rng.int(2)) a = (a & ~((1n << 29n) - 1n)) | (1n << 28n); // exactly halfway
      }
      a = place(st, from, 1, a, rng);
      st.exec(F.fcvtFF(p, 3, 1, field), frm);
      const want = R.cvt(FMT[from], f, a, eff);
      check(fails, `fcvt ${hex(a)} rm ${eff}`, [result(st, p, 3), st.fflags], [want.bits, want.flags]);
    }
    expect(fails).toEqual([]);
  });

  it(`fmin.${p}, fmax.${p}, feq/flt/fle.${p}, fclass.${p}`, () => {
    const rng = new Rng(0x7000 + (p === "d" ? 1 : 0));
    const gen = new Operands(rng, p);
    const st = new FpStepper();
    const fails: Failure[] = [];
    for (let i = 0; i < N; i++) {
      const x = gen.next();
      const y = rng.int(4) === 0 ? x : gen.next();
      const a = place(st, p, 1, x, rng);
      const b = place(st, p, 2, y, rng);
      for (const max of [false, true]) {
        st.exec(max ? F.fmax(p, 3, 1, 2) : F.fmin(p, 3, 1, 2));
        const want = R.minMax(f, a, b, max);
        check(
          fails,
          `f${max ? "max" : "min"}.${p} ${hex(a)} ${hex(b)}`,
          [result(st, p, 3), st.fflags],
          [want.bits, want.flags],
        );
      }
      for (const op of ["feq", "flt", "fle"] as const) {
        st.exec(F.fcmp(op, p, 10, 1, 2));
        const want = R.compare(f, a, b, op);
        check(fails, `${op}.${p} ${hex(a)} ${hex(b)}`, [st.getX(10), st.fflags], [want.value, want.flags]);
      }
      st.exec(F.fclass(p, 10, 1));
      check(fails, `fclass.${p} ${hex(a)}`, [st.getX(10), st.fflags], [R.fclass(f, a), 0]);
    }
    expect(fails).toEqual([]);
  });
});

describe("NaN boxing in the differential operands", () => {
  it("an improperly boxed single operand reads as the canonical NaN", () => {
    const st = new FpStepper();
    st.setD(1, 0x00000000_3f800000n); // 1.0f, not boxed
    st.setS(2, 0x3f800000);
    st.exec(F.arith("fadd", "s", 3, 1, 2));
    expect(st.getD(3)).toBe(CANON_BOX);
    expect(st.fflags).toBe(0);
  });
});
