// The F and D instructions one at a time, in the style of the official ISA tests (riscv-tests
// isa/rv64uf and rv64ud: fadd, fdiv, fmadd, fmin, fcmp, fclass, fcvt, fcvt_w, move, recoding):
// each case gives the operands, the expected result bits and the expected fflags. Then every
// rounding mode, static and dynamic, on results where the modes disagree, and every exception
// flag where the spec says it is raised (tininess after rounding, overflow per mode, DZ, NV).

// biome-ignore-all lint/suspicious/noApproximativeNumericConstant: the operands of riscv-tests (3.14159265, 2.71828182)
// biome-ignore-all lint/correctness/noPrecisionLoss: expected values written as riscv-tests writes them

import { describe, expect, it } from "vitest";
import { a0 } from "../helpers/encode.js";
import * as F from "../helpers/fpenc.js";
import { DZ, FpStepper, NV, NX, OF, UF } from "../helpers/fpguest.js";

const st = new FpStepper();

/** The binary32 / binary64 encoding of a JS number (rounded to nearest, as an assembler does). */
function s(v: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v);
  return b.getUint32(0);
}
function d(v: number): bigint {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getBigUint64(0);
}

const QNAN_S = 0x7fc00000;
const SNAN_S = 0x7f800001;
const QNAN_D = 0x7ff8000000000000n;
const SNAN_D = 0x7ff0000000000001n;
const MAX_D = 0x7fefffffffffffffn;
const BOXED = 0xffffffff00000000n;

type P = F.Prec;
/** An operand: a JS number (converted to the precision) or raw bits (bigint). */
type Opd = number | bigint;
/** An operand in a table shared by both precisions: a value, or a NaN named by kind (the
 *  signalling NaN, the canonical quiet NaN), whose bits depend on the precision. */
type TableOpd = Opd | "snan" | "canon";

function put(p: P, r: number, v: Opd): void {
  if (p === "d") st.setD(r, typeof v === "bigint" ? v : d(v));
  else st.setS(r, typeof v === "bigint" ? Number(v) : s(v));
}

/** The f result as bits (singles: the low word, which must be NaN-boxed). */
function out(p: P, r: number): bigint {
  if (p === "d") return st.getD(r);
  expect(st.boxed(r), "single result NaN-boxed").toBe(true);
  return BigInt(st.getS(r));
}
const bits = (p: P, v: Opd): bigint => (typeof v === "bigint" ? v : p === "d" ? d(v) : BigInt(s(v)));

/** Run an f-result instruction: returns [result bits, fflags]. */
function runF(p: P, word: number, ops: Opd[], frm = 0): [bigint, number] {
  ops.forEach((v, i) => {
    put(p, i + 1, v);
  });
  expect(st.exec(word, frm), "retired").toBe(1);
  return [out(p, 10), st.fflags];
}

/** Execute `word` with the registers as they are; the f result. */
function runOut(p: P, word: number): bigint {
  expect(st.exec(word), "retired").toBe(1);
  return out(p, 10);
}

/** Run an x-result instruction: returns [x register, fflags]. */
function runX(p: P, word: number, ops: Opd[], frm = 0): [bigint, number] {
  ops.forEach((v, i) => {
    put(p, i + 1, v);
  });
  expect(st.exec(word, frm), "retired").toBe(1);
  return [st.getX(a0), st.fflags];
}

const OP2: Record<string, (p: P, rm?: number) => number> = {
  fadd: (p, rm = 7) => F.arith("fadd", p, 10, 1, 2, rm),
  fsub: (p, rm = 7) => F.arith("fsub", p, 10, 1, 2, rm),
  fmul: (p, rm = 7) => F.arith("fmul", p, 10, 1, 2, rm),
  fdiv: (p, rm = 7) => F.arith("fdiv", p, 10, 1, 2, rm),
};

// Cases whose expected value differs between the precisions (rv64uf vs rv64ud).
const ARITH_BY_PREC: Record<P, [string, number, number, number, number][]> = {
  s: [
    ["fadd", NX, 3.14159265, 3.14159265, 0.00000001],
    ["fsub", NX, 3.14159265, 3.14159265, 0.00000001],
  ],
  d: [
    ["fadd", NX, 3.14159266, 3.14159265, 0.00000001],
    ["fsub", NX, 3.1415926400000001, 3.14159265, 0.00000001],
  ],
};

// TEST_FP_OP2_S/D(name, flags, result, a, b)
const ARITH_CASES: [string, number, number, number, number][] = [
  ["fadd", 0, 3.5, 2.5, 1.0],
  ["fadd", NX, -1234, -1235.1, 1.1],
  ["fsub", 0, 1.5, 2.5, 1.0],
  ["fsub", NX, -1234, -1235.1, -1.1],
  ["fmul", 0, 2.5, 2.5, 1.0],
  ["fmul", NX, 1358.61, -1235.1, -1.1],
  ["fmul", NX, 3.14159265e-8, 3.14159265, 0.00000001],
  ["fdiv", NX, 1.1557273520668288, 3.14159265, 2.71828182],
  ["fdiv", NX, -0.9991093838555584, -1234, 1235.1],
  ["fdiv", 0, 3.14159265, 3.14159265, 1.0],
];

describe.each(["s", "d"] as const)("rv64u%s-style arithmetic", (p) => {
  for (const [op, flags, want, a, b] of [...ARITH_CASES, ...ARITH_BY_PREC[p]]) {
    it(`${op}.${p} ${a}, ${b} = ${want} (fflags ${flags})`, () => {
      expect(runF(p, OP2[op]!(p), [a, b])).toEqual([bits(p, want), flags]);
    });
  }

  it(`fsub.${p} inf - inf and fmul.${p} 0 × inf give the canonical NaN with NV`, () => {
    expect(runF(p, OP2.fsub!(p), [Infinity, Infinity])).toEqual([
      bits(p, p === "d" ? QNAN_D : BigInt(QNAN_S)),
      NV,
    ]);
    expect(runF(p, OP2.fmul!(p), [0, -Infinity])).toEqual([bits(p, p === "d" ? QNAN_D : BigInt(QNAN_S)), NV]);
  });

  it(`fsqrt.${p}`, () => {
    const sq = (v: Opd): [bigint, number] => runF(p, F.fsqrt(p, 10, 1), [v]);
    expect(sq(3.14159265)).toEqual([bits(p, p === "d" ? 1.7724538498928541 : 1.7724539), NX]);
    expect(sq(10000)).toEqual([bits(p, 100), 0]);
    expect(sq(-1.0)).toEqual([bits(p, p === "d" ? QNAN_D : BigInt(QNAN_S)), NV]);
    expect(sq(171.0)).toEqual([bits(p, p === "d" ? 13.076696830622021 : 13.076696), NX]);
    expect(sq(-0)).toEqual([bits(p, -0), 0]);
    expect(sq(Infinity)).toEqual([bits(p, Infinity), 0]);
    expect(sq(-Infinity)[1]).toBe(NV);
  });

  // TEST_FP_OP3_S/D(name, flags, result, a, b, c)
  const FMA_CASES: [F.FusedOp, number, number, number, number, number][] = [
    ["fmadd", 0, 3.5, 1.0, 2.5, 1.0],
    ["fmadd", NX, p === "d" ? 1236.1999999999999 : 1236.2, -1.0, -1235.1, 1.1],
    ["fmadd", 0, -12.0, 2.0, -5.0, -2.0],
    ["fnmadd", 0, -3.5, 1.0, 2.5, 1.0],
    ["fnmadd", NX, p === "d" ? -1236.1999999999999 : -1236.2, -1.0, -1235.1, 1.1],
    ["fnmadd", 0, 12.0, 2.0, -5.0, -2.0],
    ["fmsub", 0, 1.5, 1.0, 2.5, 1.0],
    ["fmsub", NX, 1234, -1.0, -1235.1, 1.1],
    ["fmsub", 0, -8.0, 2.0, -5.0, -2.0],
    ["fnmsub", 0, -1.5, 1.0, 2.5, 1.0],
    ["fnmsub", NX, -1234, -1.0, -1235.1, 1.1],
    ["fnmsub", 0, 8.0, 2.0, -5.0, -2.0],
  ];
  for (const [op, flags, want, a, b, c] of FMA_CASES) {
    it(`${op}.${p} ${a}·${b}, ${c} = ${want}`, () => {
      expect(runF(p, F.fused(op, p, 10, 1, 2, 3), [a, b, c])).toEqual([bits(p, want), flags]);
    });
  }

  it(`fmadd.${p}: inf × 0 + qNaN raises NV (RISC-V), and a single rounding`, () => {
    const nan = p === "d" ? QNAN_D : BigInt(QNAN_S);
    expect(runF(p, F.fused("fmadd", p, 10, 1, 2, 3), [Infinity, 0, nan])).toEqual([nan, NV]);
    expect(runF(p, F.fused("fmadd", p, 10, 1, 2, 3), [1, 2, nan])).toEqual([nan, 0]);
    // (1 + ulp)² - 1 = 2ulp + ulp² exactly: a tie at 2ulp's precision, fused → 2ulp (even), NX.
    const ulp = p === "d" ? 2 ** -52 : 2 ** -23;
    expect(runF(p, F.fused("fmadd", p, 10, 1, 2, 3), [1 + ulp, 1 + ulp, -1])).toEqual([bits(p, 2 * ulp), NX]);
    expect(runF(p, F.fused("fmadd", p, 10, 1, 2, 3, F.RM.rmm), [1 + ulp, 1 + ulp, -1])).toEqual([
      bits(p, 2 * ulp * (1 + ulp)),
      NX,
    ]);
    // x·y - x·y rounded: the exact residual, which an unfused multiply-add would lose.
    // x² = 1 + 6ulp + 9ulp² rounds to 1 + 6ulp; fmsub(x, x, 1 + 6ulp) = 9ulp², exactly.
    const x = 1 + 3 * ulp;
    expect(runF(p, F.fused("fmsub", p, 10, 1, 2, 3), [x, x, 1 + 6 * ulp])).toEqual([
      bits(p, 9 * ulp * ulp),
      0,
    ]);
  });

  // TEST_FP_OP2 fmin/fmax
  const MINMAX: [string, number, TableOpd, TableOpd, TableOpd][] = [
    ["fmin", 0, 1.0, 2.5, 1.0],
    ["fmin", 0, -1235.1, -1235.1, 1.1],
    ["fmin", 0, -1235.1, 1.1, -1235.1],
    ["fmin", 0, -1235.1, NaN, -1235.1],
    ["fmin", 0, 0.00000001, 3.14159265, 0.00000001],
    ["fmin", 0, -2.0, -1.0, -2.0],
    ["fmax", 0, 2.5, 2.5, 1.0],
    ["fmax", 0, 1.1, -1235.1, 1.1],
    ["fmax", 0, 1.1, 1.1, -1235.1],
    ["fmax", 0, -1235.1, NaN, -1235.1],
    ["fmax", 0, 3.14159265, 3.14159265, 0.00000001],
    ["fmax", 0, -1.0, -1.0, -2.0],
    ["fmax", NV, 1.0, "snan", 1.0],
    ["fmax", 0, "canon", NaN, NaN],
    ["fmin", 0, -0.0, -0.0, 0.0],
    ["fmin", 0, -0.0, 0.0, -0.0],
    ["fmax", 0, 0.0, -0.0, 0.0],
    ["fmax", 0, 0.0, 0.0, -0.0],
  ];
  const special = (v: TableOpd): Opd => {
    if (v === "snan") return p === "d" ? SNAN_D : BigInt(SNAN_S);
    if (v === "canon") return p === "d" ? QNAN_D : BigInt(QNAN_S);
    return v;
  };
  for (const [op, flags, want, a, b] of MINMAX) {
    it(`${op}.${p} ${String(a)}, ${String(b)} = ${String(want)}`, () => {
      const word = op === "fmin" ? F.fmin(p, 10, 1, 2) : F.fmax(p, 10, 1, 2);
      expect(runF(p, word, [special(a), special(b)])).toEqual([bits(p, special(want)), flags]);
    });
  }

  it(`fmin.${p}/fmax.${p}: sNaN with a number gives the number and NV; two NaNs the canonical NaN`, () => {
    const sn = p === "d" ? SNAN_D : BigInt(SNAN_S);
    const canon = p === "d" ? QNAN_D : BigInt(QNAN_S);
    expect(runF(p, F.fmin(p, 10, 1, 2), [3, sn])).toEqual([bits(p, 3), NV]);
    expect(runF(p, F.fmin(p, 10, 1, 2), [sn, sn])).toEqual([canon, NV]);
    expect(runF(p, F.fmax(p, 10, 1, 2), [p === "d" ? 0x7ff8000000000123n : 0x7fc00123n, 2])).toEqual([
      bits(p, 2),
      0,
    ]);
  });

  // TEST_FP_CMP_OP_S/D(name, flags, result, a, b)
  const CMP: [F.CmpOp, number, number, TableOpd, TableOpd][] = [
    ["feq", 0, 1, -1.36, -1.36],
    ["fle", 0, 1, -1.36, -1.36],
    ["flt", 0, 0, -1.36, -1.36],
    ["feq", 0, 0, -1.37, -1.36],
    ["fle", 0, 1, -1.37, -1.36],
    ["flt", 0, 1, -1.37, -1.36],
    ["feq", 0, 1, 0.0, -0.0],
    ["fle", 0, 1, -0.0, 0.0],
    ["flt", 0, 0, -0.0, 0.0],
    ["flt", 0, 1, -Infinity, -1e30],
    // Only sNaN raises NV for feq; any NaN does for flt and fle.
    ["feq", 0, 0, NaN, 0],
    ["feq", 0, 0, NaN, NaN],
    ["feq", NV, 0, "snan", 0],
    ["flt", NV, 0, NaN, 0],
    ["flt", NV, 0, NaN, NaN],
    ["flt", NV, 0, "snan", 0],
    ["fle", NV, 0, NaN, 0],
    ["fle", NV, 0, NaN, NaN],
    ["fle", NV, 0, "snan", 0],
  ];
  for (const [op, flags, want, a, b] of CMP) {
    it(`${op}.${p} ${String(a)}, ${String(b)} = ${want}`, () => {
      expect(runX(p, F.fcmp(op, p, a0, 1, 2), [special(a), special(b)])).toEqual([BigInt(want), flags]);
    });
  }

  // TEST_FCLASS_S/D
  it(`fclass.${p}`, () => {
    const cases: [Opd, number][] =
      p === "d"
        ? [
            [0xfff0000000000000n, 1 << 0],
            [0xbff0000000000000n, 1 << 1],
            [0x800fffffffffffffn, 1 << 2],
            [0x8000000000000000n, 1 << 3],
            [0x0000000000000000n, 1 << 4],
            [0x000fffffffffffffn, 1 << 5],
            [0x3ff0000000000000n, 1 << 6],
            [0x7ff0000000000000n, 1 << 7],
            [0x7ff0000000000001n, 1 << 8],
            [0x7ff8000000000000n, 1 << 9],
          ]
        : [
            [0xff800000n, 1 << 0],
            [0xbf800000n, 1 << 1],
            [0x807fffffn, 1 << 2],
            [0x80000000n, 1 << 3],
            [0x00000000n, 1 << 4],
            [0x007fffffn, 1 << 5],
            [0x3f800000n, 1 << 6],
            [0x7f800000n, 1 << 7],
            [0x7f800001n, 1 << 8],
            [0x7fc00000n, 1 << 9],
          ];
    for (const [v, want] of cases) expect(runX(p, F.fclass(p, a0, 1), [v])).toEqual([BigInt(want), 0]);
  });
});

describe("fcvt (rv64uf/ud fcvt, fcvt_w)", () => {
  const M64 = (1n << 64n) - 1n;
  const u = (v: bigint): bigint => v & M64;

  it("fcvt.s/d.{w,wu,l,lu}: integers to FP", () => {
    const conv = (p: P, k: F.IntKind, v: bigint, rm = 7): [bigint, number] => {
      st.setX(11, v);
      expect(st.exec(F.fcvtFromInt(p, k, 10, 11, rm))).toBe(1);
      return [out(p, 10), st.fflags];
    };
    expect(conv("s", "w", 2n)).toEqual([BigInt(s(2)), 0]);
    expect(conv("s", "w", u(-2n))).toEqual([BigInt(s(-2)), 0]);
    expect(conv("s", "wu", 2n)).toEqual([BigInt(s(2)), 0]);
    expect(conv("s", "wu", u(-2n))).toEqual([BigInt(s(4294967294)), NX]);
    expect(conv("s", "l", 2n)).toEqual([BigInt(s(2)), 0]);
    expect(conv("s", "l", u(-2n))).toEqual([BigInt(s(-2)), 0]);
    expect(conv("s", "lu", u(-2n))).toEqual([BigInt(s(1.8446744e19)), NX]);
    expect(conv("d", "w", u(-2n))).toEqual([d(-2), 0]);
    expect(conv("d", "wu", u(-2n))).toEqual([d(4294967294), 0]);
    expect(conv("d", "l", u(-2n))).toEqual([d(-2), 0]);
    expect(conv("d", "lu", u(-2n))).toEqual([d(18446744073709551614), NX]);
    expect(conv("d", "l", (1n << 53n) + 1n)).toEqual([d(2 ** 53), NX]);
    expect(conv("d", "l", 1n << 63n)).toEqual([d(-(2 ** 63)), 0]);
    // W forms use only the low 32 bits of rs1.
    expect(conv("d", "w", 0x1_0000_0005n)).toEqual([d(5), 0]);
  });

  it("fcvt.s.d / fcvt.d.s: rounding and NaN canonicalisation (recoding)", () => {
    st.setD(1, d(-1.5));
    st.exec(F.fcvtFF("s", 10, 1));
    expect([out("s", 10), st.fflags]).toEqual([BigInt(s(-1.5)), 0]);
    st.setS(1, s(-1.5));
    st.exec(F.fcvtFF("d", 10, 1));
    expect([st.getD(10), st.fflags]).toEqual([d(-1.5), 0]);
    st.setD(1, d(0.1));
    st.exec(F.fcvtFF("s", 10, 1));
    expect([out("s", 10), st.fflags]).toEqual([BigInt(s(0.1)), NX]);
    // NaNs: a payload does not survive a conversion; a signalling NaN raises NV.
    st.setS(1, 0x7fc01234);
    st.exec(F.fcvtFF("d", 10, 1));
    expect([st.getD(10), st.fflags]).toEqual([QNAN_D, 0]);
    st.setS(1, SNAN_S);
    st.exec(F.fcvtFF("d", 10, 1));
    expect([st.getD(10), st.fflags]).toEqual([QNAN_D, NV]);
    st.setD(1, 0xfff0000000001234n);
    st.exec(F.fcvtFF("s", 10, 1));
    expect([out("s", 10), st.fflags]).toEqual([BigInt(QNAN_S), NV]);
    // Overflow to single.
    st.setD(1, d(1e300));
    st.exec(F.fcvtFF("s", 10, 1));
    expect([out("s", 10), st.fflags]).toEqual([BigInt(s(Infinity)), OF | NX]);
    // An unboxed single is the canonical NaN: fcvt.d.s gives the canonical double NaN, quietly.
    st.setD(1, 0x0000000040000000n);
    st.exec(F.fcvtFF("d", 10, 1));
    expect([st.getD(10), st.fflags]).toEqual([QNAN_D, 0]);
  });

  // TEST_FP_INT_OP_S/D(name, flags, result, value, rtz). Values near ±1 convert alike to w and l,
  // and alike to wu and lu (a negative value below -1 is invalid for those: 0 and NV).
  type IntRow = [number, bigint, number];
  const NEAR_ONE_SIGNED: IntRow[] = [
    [NX, -1n, -1.1],
    [0, -1n, -1.0],
    [NX, 0n, -0.9],
    [NX, 0n, 0.9],
    [0, 1n, 1.0],
    [NX, 1n, 1.1],
  ];
  const NEAR_ONE_UNSIGNED: IntRow[] = [
    [NV, 0n, -3.0],
    [NV, 0n, -1.0],
    [NX, 0n, -0.9],
    [NX, 0n, 0.9],
    [0, 1n, 1.0],
    [NX, 1n, 1.1],
  ];
  const rows = (k: F.IntKind, list: IntRow[]): [F.IntKind, number, bigint, number][] =>
    list.map(([flags, want, v]) => [k, flags, want, v]);
  const W: [F.IntKind, number, bigint, number][] = [
    ...rows("w", NEAR_ONE_SIGNED),
    ["w", NV, -(1n << 31n), -3e9],
    ["w", NV, (1n << 31n) - 1n, 3e9],
    ...rows("wu", NEAR_ONE_UNSIGNED),
    ["wu", NV, 0n, -3e9],
    ["wu", 0, 3000000000n, 3e9],
    ...rows("l", NEAR_ONE_SIGNED),
    ["l", 0, -3000000000n, -3e9],
    ["l", 0, 3000000000n, 3e9],
    ["l", NV, -(1n << 63n), -3e19],
    ["l", NV, (1n << 63n) - 1n, 3e19],
    ...rows("lu", NEAR_ONE_UNSIGNED),
    ["lu", NV, 0n, -3e9],
    ["lu", 0, 3000000000n, 3e9],
    ["lu", NV, 0n, -3e19],
  ];
  describe.each(["s", "d"] as const)("fcvt.*.%s with rtz", (p) => {
    for (const [k, flags, want, v] of W) {
      it(`fcvt.${k}.${p} ${v} = ${want}`, () => {
        const reg = k === "w" || k === "wu" ? BigInt.asIntN(32, want) : want;
        expect(runX(p, F.fcvtToInt(k, p, a0, 1, F.RM.rtz), [v])).toEqual([u(reg), flags]);
      });
    }
    it(`fcvt.*.${p}: NaN saturates to the maximum, ±inf to the limits, all with NV`, () => {
      const nan = p === "d" ? QNAN_D : BigInt(QNAN_S);
      const snan = p === "d" ? SNAN_D : BigInt(SNAN_S);
      const neg = p === "d" ? 0xfff8000000000000n : 0xffc00000n; // a NaN with the sign bit set
      for (const x of [nan, snan, neg]) {
        expect(runX(p, F.fcvtToInt("w", p, a0, 1, F.RM.rtz), [x])).toEqual([0x7fffffffn, NV]);
        expect(runX(p, F.fcvtToInt("wu", p, a0, 1, F.RM.rtz), [x])).toEqual([M64, NV]);
        expect(runX(p, F.fcvtToInt("l", p, a0, 1, F.RM.rtz), [x])).toEqual([(1n << 63n) - 1n, NV]);
        expect(runX(p, F.fcvtToInt("lu", p, a0, 1, F.RM.rtz), [x])).toEqual([M64, NV]);
      }
      expect(runX(p, F.fcvtToInt("w", p, a0, 1), [Infinity])).toEqual([0x7fffffffn, NV]);
      expect(runX(p, F.fcvtToInt("w", p, a0, 1), [-Infinity])).toEqual([u(-(1n << 31n)), NV]);
      expect(runX(p, F.fcvtToInt("wu", p, a0, 1), [-Infinity])).toEqual([0n, NV]);
      expect(runX(p, F.fcvtToInt("l", p, a0, 1), [-Infinity])).toEqual([1n << 63n, NV]);
      expect(runX(p, F.fcvtToInt("lu", p, a0, 1), [Infinity])).toEqual([M64, NV]);
    });
  });

  it("fcvt.w.d just inside and outside the int32 range", () => {
    const w = (v: number, rm: number): [bigint, number] => runX("d", F.fcvtToInt("w", "d", a0, 1, rm), [v]);
    expect(w(2147483647.4, F.RM.rne)).toEqual([0x7fffffffn, NX]);
    expect(w(2147483647.5, F.RM.rne)).toEqual([0x7fffffffn, NV]); // rounds to 2^31: out of range
    expect(w(2147483647.5, F.RM.rtz)).toEqual([0x7fffffffn, NX]);
    expect(w(-2147483648.5, F.RM.rne)).toEqual([u(-(1n << 31n)), NX]); // tie to even: -2^31
    expect(w(-2147483648.5, F.RM.rdn)).toEqual([u(-(1n << 31n)), NV]);
    expect(w(-2147483648.9, F.RM.rtz)).toEqual([u(-(1n << 31n)), NX]);
    const wu = (v: number, rm: number): [bigint, number] => runX("d", F.fcvtToInt("wu", "d", a0, 1, rm), [v]);
    expect(wu(-0.5, F.RM.rne)).toEqual([0n, NX]); // rounds to -0: in range
    expect(wu(-0.5, F.RM.rmm)).toEqual([0n, NV]); // rounds to -1
    expect(wu(4294967295.5, F.RM.rtz)).toEqual([M64, NX]); // sign-extended 0xffffffff
  });
});

describe("move and sign injection (rv64uf/ud move)", () => {
  it("fsgnj/fsgnjn/fsgnjx.s take the sign bits only; results are NaN-boxed", () => {
    const cases: [F.SgnjOp, number, number, number][] = [
      ["fsgnj", 0x12345678, 0x00000000, 0x12345678],
      ["fsgnj", 0x12345678, 0x80000000, 0x92345678],
      ["fsgnj", 0x92345678, 0x00000000, 0x12345678],
      ["fsgnjn", 0x12345678, 0x00000000, 0x92345678],
      ["fsgnjn", 0x92345678, 0x80000000, 0x12345678],
      ["fsgnjx", 0x12345678, 0x80000000, 0x92345678],
      ["fsgnjx", 0x92345678, 0x80000000, 0x12345678],
      ["fsgnj", SNAN_S, 0x80000000, 0xff800001], // a NaN's payload is kept: no canonicalisation
    ];
    for (const [op, a, b, want] of cases) {
      st.setS(1, a);
      st.setS(2, b);
      st.exec(F.sgnj(op, "s", 10, 1, 2));
      expect([st.getD(10), st.fflags]).toEqual([BOXED | BigInt(want >>> 0), 0]);
    }
    // An unboxed input is the canonical NaN.
    st.setD(1, 0x000000003f800000n);
    st.setS(2, 0x80000000);
    st.exec(F.sgnj("fsgnj", "s", 10, 1, 2));
    expect(st.getD(10)).toBe(BOXED | 0xffc00000n);
  });

  it("fsgnj/fsgnjn/fsgnjx.d keep every other bit, NaN payloads included", () => {
    const cases: [F.SgnjOp, bigint, bigint, bigint][] = [
      ["fsgnj", 0x123456789abcdef0n, 0x8000000000000000n, 0x923456789abcdef0n],
      ["fsgnjn", 0x923456789abcdef0n, 0x8000000000000000n, 0x123456789abcdef0n],
      ["fsgnjx", 0x923456789abcdef0n, 0x8000000000000000n, 0x123456789abcdef0n],
      ["fsgnj", SNAN_D, 0x8000000000000000n, 0xfff0000000000001n],
    ];
    for (const [op, a, b, want] of cases) {
      st.setD(1, a);
      st.setD(2, b);
      st.exec(F.sgnj(op, "d", 10, 1, 2));
      expect([st.getD(10), st.fflags]).toEqual([want, 0]);
    }
  });

  it("fmv.x.w sign-extends the raw low word; fmv.w.x boxes; fmv.x.d/fmv.d.x move 64 bits", () => {
    st.setS(1, 0x80000001);
    st.exec(F.fmvToX("s", a0, 1));
    expect(st.getX(a0)).toBe(0xffffffff80000001n);
    st.setD(1, 0x12345678_7f800001n); // not boxed: fmv.x.w still moves the low word
    st.exec(F.fmvToX("s", a0, 1));
    expect(st.getX(a0)).toBe(0x7f800001n);
    st.setX(11, 0x1234567f_ff800001n);
    st.exec(F.fmvFromX("s", 10, 11));
    expect(st.getD(10)).toBe(BOXED | 0xff800001n);
    st.setX(11, 0x7ff0000000000001n);
    st.exec(F.fmvFromX("d", 10, 11));
    expect(st.getD(10)).toBe(0x7ff0000000000001n);
    st.exec(F.fmvToX("d", a0, 10));
    expect([st.getX(a0), st.fflags]).toEqual([0x7ff0000000000001n, 0]);
  });
});

describe("rounding modes, static and dynamic", () => {
  const RMS = [F.RM.rne, F.RM.rtz, F.RM.rdn, F.RM.rup, F.RM.rmm];
  /** Run once per mode with a static rm and once with rm = dyn and frm = the mode. */
  function both(p: P, word: (rm: number) => number, ops: Opd[]): bigint[] {
    return RMS.map((rm) => {
      const st1 = runF(p, word(rm), ops);
      const dyn = runF(p, word(7), ops, rm);
      expect(dyn, `rm ${rm} static vs dynamic`).toEqual(st1);
      return st1[0];
    });
  }
  const ulpD = 2 ** -52;
  const ulpS = 2 ** -23;

  it("fadd.d: above, at and below halfway, both signs", () => {
    const add = (rm: number): number => OP2.fadd!("d", rm);
    // 1 + 0.75 ulp
    expect(both("d", add, [1, 0.75 * ulpD])).toEqual([1 + ulpD, 1, 1, 1 + ulpD, 1 + ulpD].map(d));
    expect(both("d", add, [-1, -0.75 * ulpD])).toEqual([-1 - ulpD, -1, -1 - ulpD, -1, -1 - ulpD].map(d));
    // 1 + 0.5 ulp (a tie, 1 even) and 1 + 1.5 ulp (a tie, 1 + ulp odd)
    expect(both("d", add, [1, 0.5 * ulpD])).toEqual([1, 1, 1, 1 + ulpD, 1 + ulpD].map(d));
    expect(both("d", add, [1 + ulpD, 0.5 * ulpD])).toEqual(
      [1 + 2 * ulpD, 1 + ulpD, 1 + ulpD, 1 + 2 * ulpD, 1 + 2 * ulpD].map(d),
    );
    // an exact zero sum is +0, except in rdn
    expect(both("d", add, [1.5, -1.5])).toEqual([0, 0, -0, 0, 0].map(d));
  });

  it("fadd.s / fsub.s", () => {
    const add = (rm: number): number => OP2.fadd!("s", rm);
    const S = (v: number): bigint => BigInt(s(v));
    expect(both("s", add, [1, 0.75 * ulpS])).toEqual([1 + ulpS, 1, 1, 1 + ulpS, 1 + ulpS].map(S));
    expect(both("s", add, [-1, 0.5 * -ulpS])).toEqual([-1, -1, -1 - ulpS, -1, -1 - ulpS].map(S));
    const sub = (rm: number): number => OP2.fsub!("s", rm);
    expect(both("s", sub, [2, 2])).toEqual([0, 0, -0, 0, 0].map(S));
  });

  it("fmul, fdiv, fsqrt", () => {
    const mul = (rm: number): number => OP2.fmul!("d", rm);
    // (1 + ulp)² = 1 + 2ulp + ulp²
    expect(both("d", mul, [1 + ulpD, 1 + ulpD])).toEqual(
      [1 + 2 * ulpD, 1 + 2 * ulpD, 1 + 2 * ulpD, 1 + 3 * ulpD, 1 + 2 * ulpD].map(d),
    );
    const div = (rm: number): number => OP2.fdiv!("d", rm);
    // Results by mode, rne rtz rdn rup rmm: a third rounds down to nearest, so only the mode
    // toward the sign's infinity (rup for +, rdn for -) takes the next value.
    const third = 0x3fd5555555555555n;
    expect(both("d", div, [1, 3])).toEqual([third, third, third, third + 1n, third]);
    const twoThirds = 0xbfe5555555555555n;
    expect(both("d", div, [-2, 3])).toEqual([twoThirds, twoThirds, twoThirds + 1n, twoThirds, twoThirds]);
    const divS = (rm: number): number => OP2.fdiv!("s", rm);
    const thirdS = 0x3eaaaaaan; // in single precision a third rounds up to nearest
    expect(both("s", divS, [1, 3])).toEqual([thirdS + 1n, thirdS, thirdS, thirdS + 1n, thirdS + 1n]);
    const sq = (rm: number): number => F.fsqrt("d", 10, 1, rm);
    const root2 = 0x3ff6a09e667f3bccn; // √2 truncated; it rounds up to nearest
    expect(both("d", sq, [2])).toEqual([root2 + 1n, root2, root2, root2 + 1n, root2 + 1n]);
    const sqS = (rm: number): number => F.fsqrt("s", 10, 1, rm);
    expect(both("s", sqS, [2])).toEqual([0x3fb504f3n, 0x3fb504f3n, 0x3fb504f3n, 0x3fb504f4n, 0x3fb504f3n]);
  });

  it("fmadd.d: a tie of the exact sum, in every mode", () => {
    const fma = (rm: number): number => F.fused("fmadd", "d", 10, 1, 2, 3, rm);
    const two = 2 * ulpD;
    const up = two * (1 + ulpD);
    expect(both("d", fma, [1 + ulpD, 1 + ulpD, -1])).toEqual([two, two, two, up, up].map(d));
  });

  it("conversions", () => {
    const w = (rm: number): number => F.fcvtToInt("w", "d", a0, 1, rm);
    for (const [v, want] of [
      [2.5, [2n, 2n, 2n, 3n, 3n]],
      [-2.5, [-2n, -2n, -3n, -2n, -3n]],
      [1.5, [2n, 1n, 1n, 2n, 2n]],
      [-0.2, [0n, 0n, -1n, 0n, 0n]],
    ] as const) {
      const got = RMS.map((rm) => runX("d", w(rm), [v])[0]);
      expect(got).toEqual(want.map((x) => x & ((1n << 64n) - 1n)));
      const dyn = RMS.map((rm) => runX("d", w(7), [v], rm)[0]);
      expect(dyn).toEqual(got);
    }
    const sd = (rm: number): number => F.fcvtFF("s", 10, 1, rm);
    const S = (v: number): bigint => BigInt(s(v));
    st.setD(1, d(1 + 2 ** -24 + 2 ** -30));
    expect(RMS.map((rm) => runOut("s", sd(rm)))).toEqual([1 + ulpS, 1, 1, 1 + ulpS, 1 + ulpS].map(S));
    const sw = (rm: number): number => F.fcvtFromInt("s", "w", 10, 11, rm);
    st.setX(11, 16777217n); // 2^24 + 1: a tie
    expect(RMS.map((rm) => runOut("s", sw(rm)))).toEqual(
      [16777216, 16777216, 16777216, 16777218, 16777218].map(S),
    );
    const dl = (rm: number): number => F.fcvtFromInt("d", "l", 10, 11, rm);
    st.setX(11, -((1n << 53n) + 1n));
    expect(RMS.map((rm) => runOut("d", dl(rm)))).toEqual(
      [-(2 ** 53), -(2 ** 53), -(2 ** 53) - 2, -(2 ** 53), -(2 ** 53) - 2].map(d),
    );
  });
});

describe("exception flags", () => {
  it("OF: the overflow result depends on the mode and the sign", () => {
    const mul = (rm: number): number => OP2.fmul!("d", rm);
    const INF = d(Infinity);
    const NINF = d(-Infinity);
    const want = [
      [INF, MAX_D, MAX_D, INF, INF],
      [NINF, MAX_D | (1n << 63n), NINF, MAX_D | (1n << 63n), NINF],
    ];
    [1, -1].forEach((sign, i) => {
      [0, 1, 2, 3, 4].forEach((rm, j) => {
        expect(runF("d", mul(rm), [MAX_D, sign * 2])).toEqual([want[i]![j]!, OF | NX]);
      });
    });
    expect(runF("s", OP2.fadd!("s"), [3.4e38, 3.4e38])).toEqual([BigInt(s(Infinity)), OF | NX]);
  });

  it("UF: tininess is detected after rounding, and only an inexact tiny result underflows", () => {
    const mul = OP2.fmul!("d");
    const MIN = 2 ** -1022;
    // exactly representable subnormal: no flags
    expect(runF("d", mul, [MIN, 0.5])).toEqual([d(MIN / 2), 0]);
    // 2^-1022·(1 - 2^-53): tiny even after rounding (it needs only 53 bits); rounds to MIN
    expect(runF("d", mul, [MIN, 1 - 2 ** -53])).toEqual([d(MIN), UF | NX]);
    // 2^-1126·(1 + 2^-52)... a small inexact subnormal
    expect(runF("d", mul, [2 ** -600, 2 ** -500 * (1 + 2 ** -52)])).toEqual([d(2 ** -1100), UF | NX]);
    // single: 2^-126·(1 - 2^-25) is tiny before rounding but not after (it rounds to 2^-126
    // with an unbounded exponent): NX only. 2^-126·(1 - 2^-24) is tiny after rounding too.
    const cvt = (v: number, rm = 7): [bigint, number] => {
      st.setD(1, d(v));
      st.exec(F.fcvtFF("s", 10, 1, rm));
      return [out("s", 10), st.fflags];
    };
    expect(cvt(2 ** -126 * (1 - 2 ** -25))).toEqual([BigInt(s(2 ** -126)), NX]);
    expect(cvt(2 ** -126 * (1 - 2 ** -24))).toEqual([BigInt(s(2 ** -126)), UF | NX]);
    expect(cvt(2 ** -126 * (1 - 2 ** -25), F.RM.rtz)).toEqual([BigInt(0x007fffff), UF | NX]);
    expect(cvt(2 ** -150)).toEqual([0n, UF | NX]); // a tie with 0: rounds to +0
    expect(cvt(-(2 ** -150), F.RM.rdn)).toEqual([BigInt(0x80000001), UF | NX]);
  });

  it("DZ: finite nonzero / 0 only", () => {
    const div = OP2.fdiv!("d");
    expect(runF("d", div, [1, 0])).toEqual([d(Infinity), DZ]);
    expect(runF("d", div, [-1, 0])).toEqual([d(-Infinity), DZ]);
    expect(runF("d", div, [1, -0])).toEqual([d(-Infinity), DZ]);
    expect(runF("d", div, [0, 0])).toEqual([QNAN_D, NV]);
    expect(runF("d", div, [Infinity, 0])).toEqual([d(Infinity), 0]);
    expect(runF("s", OP2.fdiv!("s"), [2, 0])).toEqual([BigInt(s(Infinity)), DZ]);
  });

  it("NV: signalling NaN operands, invalid operations; quiet NaNs propagate silently as the canonical NaN", () => {
    expect(runF("d", OP2.fadd!("d"), [SNAN_D, 1])).toEqual([QNAN_D, NV]);
    expect(runF("d", OP2.fadd!("d"), [0x7ff8000000000abcn, 1])).toEqual([QNAN_D, 0]);
    expect(runF("s", OP2.fmul!("s"), [1, BigInt(SNAN_S)])).toEqual([BigInt(QNAN_S), NV]);
    expect(runF("s", OP2.fmul!("s"), [1, 0xffc00abcn])).toEqual([BigInt(QNAN_S), 0]);
    expect(runF("d", F.fused("fmadd", "d", 10, 1, 2, 3), [1, 1, SNAN_D])).toEqual([QNAN_D, NV]);
    expect(runF("d", F.fused("fmsub", "d", 10, 1, 2, 3), [Infinity, 1, Infinity])).toEqual([QNAN_D, NV]);
    expect(runF("d", F.fused("fmadd", "d", 10, 1, 2, 3), [Infinity, 1, Infinity])).toEqual([d(Infinity), 0]);
  });

  it("fflags accrue: the instructions OR into them", () => {
    st.h.fflags = 0;
    st.setD(1, d(1));
    st.setD(2, d(0));
    st.setD(3, d(3));
    st.st.exec(OP2.fdiv!("d"));
    expect(st.h.fflags).toBe(DZ);
    st.setD(2, d(3));
    st.st.exec(OP2.fdiv!("d"));
    expect(st.h.fflags).toBe(DZ | NX);
  });
});
