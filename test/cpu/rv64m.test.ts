// RV64M through the interpreter (riscv-tests isa/rv64um): every instruction against a BigInt
// reference on edge and random operands, and the spec's table of division corner cases:
// division by zero, INT_MIN / -1 overflow, remainder signs, and the W-forms' use of the low words.

import { describe, expect, it } from "vitest";
import { checkRR } from "../helpers/alu.js";
import * as E from "../helpers/encode.js";
import { a0, a1, a2 } from "../helpers/encode.js";
import { Stepper } from "../helpers/guest.js";
import { MASK64, u64 } from "../helpers/ref.js";

const st = new Stepper();
const INT64_MIN = 1n << 63n;

function run(w: number, a: bigint, b: bigint): bigint {
  st.exec(w, [
    [a1, u64(a)],
    [a2, u64(b)],
  ]);
  return st.h.reg(a0);
}

describe("RV64M against the reference", () => {
  const ops: [string, (rd: number, rs1: number, rs2: number) => number][] = [
    ["mul", E.mul],
    ["mulh", E.mulh],
    ["mulhsu", E.mulhsu],
    ["mulhu", E.mulhu],
    ["div", E.div],
    ["divu", E.divu],
    ["rem", E.rem],
    ["remu", E.remu],
    ["mulw", E.mulw],
    ["divw", E.divw],
    ["divuw", E.divuw],
    ["remw", E.remw],
    ["remuw", E.remuw],
  ];
  ops.forEach(([name, enc], i) => {
    it(`${name} matches the reference (edges, random, aliasing, x0)`, () => {
      expect(checkRR(st, name, enc, 4000 + i)).toEqual([]);
    });
  });
});

describe("RV64M corner cases (spec table 'Semantics for division by zero and division overflow')", () => {
  it("division by zero: quotient all ones, remainder the dividend", () => {
    expect(run(E.div(a0, a1, a2), -7n, 0n)).toBe(MASK64);
    expect(run(E.divu(a0, a1, a2), 7n, 0n)).toBe(MASK64);
    expect(run(E.rem(a0, a1, a2), -7n, 0n)).toBe(u64(-7n));
    expect(run(E.remu(a0, a1, a2), 7n, 0n)).toBe(7n);
    // W-forms: the 32-bit results are sign-extended.
    expect(run(E.divw(a0, a1, a2), 7n, 0x1_0000_0000n)).toBe(MASK64); // low word of rs2 is 0
    expect(run(E.divuw(a0, a1, a2), 7n, 0n)).toBe(MASK64);
    expect(run(E.remw(a0, a1, a2), 0x1_8000_0000n, 0n)).toBe(0xffff_ffff_8000_0000n);
    expect(run(E.remuw(a0, a1, a2), 0xffff_ffff_8000_0001n, 0n)).toBe(0xffff_ffff_8000_0001n);
    expect(run(E.remuw(a0, a1, a2), 0x0000_0001_7fff_ffffn, 0n)).toBe(0x7fff_ffffn);
  });

  it("signed overflow: INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0", () => {
    expect(run(E.div(a0, a1, a2), INT64_MIN, -1n)).toBe(INT64_MIN);
    expect(run(E.rem(a0, a1, a2), INT64_MIN, -1n)).toBe(0n);
    expect(run(E.divw(a0, a1, a2), 0x8000_0000n, -1n)).toBe(0xffff_ffff_8000_0000n);
    expect(run(E.remw(a0, a1, a2), 0x8000_0000n, -1n)).toBe(0n);
    // Unsigned forms treat the same bits as large numbers.
    expect(run(E.divu(a0, a1, a2), INT64_MIN, -1n)).toBe(0n);
    expect(run(E.divuw(a0, a1, a2), 0x8000_0000n, -1n)).toBe(0n);
  });

  it("remainders take the sign of the dividend (riscv-tests rem/remw vectors)", () => {
    expect(run(E.div(a0, a1, a2), 20n, 6n)).toBe(3n);
    expect(run(E.div(a0, a1, a2), -20n, 6n)).toBe(u64(-3n));
    expect(run(E.div(a0, a1, a2), 20n, -6n)).toBe(u64(-3n));
    expect(run(E.div(a0, a1, a2), -20n, -6n)).toBe(3n);
    expect(run(E.rem(a0, a1, a2), 20n, 6n)).toBe(2n);
    expect(run(E.rem(a0, a1, a2), -20n, 6n)).toBe(u64(-2n));
    expect(run(E.rem(a0, a1, a2), 20n, -6n)).toBe(2n);
    expect(run(E.rem(a0, a1, a2), -20n, -6n)).toBe(u64(-2n));
    expect(run(E.remw(a0, a1, a2), -20n, 6n)).toBe(u64(-2n));
    expect(run(E.remw(a0, a1, a2), 20n, -6n)).toBe(2n);
    expect(run(E.divu(a0, a1, a2), -20n, 6n)).toBe(0x2aaa_aaaa_aaaa_aaa7n);
    expect(run(E.remu(a0, a1, a2), -20n, 6n)).toBe(2n);
    expect(run(E.divuw(a0, a1, a2), -20n, 6n)).toBe(0x2aaa_aaa7n);
    expect(run(E.remuw(a0, a1, a2), -20n, 6n)).toBe(2n);
  });

  it("W-forms read only the low 32 bits of their operands", () => {
    expect(run(E.mulw(a0, a1, a2), 0xdead_beef_0000_0003n, 0x1234_5678_0000_0005n)).toBe(15n);
    expect(run(E.mulw(a0, a1, a2), 0x7fff_ffffn, 2n)).toBe(u64(-2n));
    expect(run(E.mulw(a0, a1, a2), 0x1_0000n, 0x1_0000n)).toBe(0n);
    expect(run(E.divw(a0, a1, a2), 0xffff_ffff_0000_0010n, 0x0000_0001_ffff_fffen)).toBe(u64(-8n));
    expect(run(E.divuw(a0, a1, a2), 0xffff_ffff_ffff_fff0n, 2n)).toBe(0x7fff_fff8n);
    expect(run(E.divuw(a0, a1, a2), 0xffff_ffff_ffff_fff0n, 1n)).toBe(0xffff_ffff_ffff_fff0n);
  });

  it("mulh/mulhsu/mulhu: the high half of the 128-bit product", () => {
    expect(run(E.mulh(a0, a1, a2), -1n, -1n)).toBe(0n);
    expect(run(E.mulhsu(a0, a1, a2), -1n, -1n)).toBe(MASK64);
    expect(run(E.mulhu(a0, a1, a2), -1n, -1n)).toBe(MASK64 - 1n);
    expect(run(E.mulh(a0, a1, a2), INT64_MIN, INT64_MIN)).toBe(1n << 62n);
    expect(run(E.mulhsu(a0, a1, a2), INT64_MIN, INT64_MIN)).toBe(u64(-(1n << 62n)));
    expect(run(E.mulhu(a0, a1, a2), INT64_MIN, INT64_MIN)).toBe(1n << 62n);
    expect(run(E.mul(a0, a1, a2), 0x0000_0001_0000_0001n, 0x0000_0001_0000_0001n)).toBe(
      0x0000_0002_0000_0001n,
    );
    // mulhu + mul reconstruct the full product.
    const x = 0xfedc_ba98_7654_3210n;
    const y = 0x0123_4567_89ab_cdefn;
    const hi = run(E.mulhu(a0, a1, a2), x, y);
    const lo = run(E.mul(a0, a1, a2), x, y);
    expect((hi << 64n) | lo).toBe(x * y);
  });
});
