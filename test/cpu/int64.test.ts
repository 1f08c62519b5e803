// The interpreter's 64-bit arithmetic on (lo, hi) int32 pairs (src/cpu/int64.ts) and the W-form
// division helpers (src/cpu/int32.ts), against BigInt references on every pair of edge operands
// and on seeded random operands.

import { describe, expect, it } from "vitest";
import { div32, divu32, rem32, remu32 } from "../../src/cpu/int32.js";
import {
  div64,
  divu64,
  mul64,
  mulh64,
  mulhsu64,
  mulhu64,
  mulu32,
  r,
  rem64,
  remu64,
  splitBig,
  toBig,
} from "../../src/cpu/int64.js";
import { EDGE_VALUES, MASK64, operand, Rng, RR, s32, sext32, u64 } from "../helpers/ref.js";

type Fn64 = (al: number, ah: number, bl: number, bh: number) => number;

const lo = (v: bigint): number => Number(BigInt.asIntN(32, v));
const hi = (v: bigint): number => Number(BigInt.asIntN(32, v >> 32n));

/** Call a (lo, hi) helper on two 64-bit values; the result as an unsigned bigint. */
function call(fn: Fn64, a: bigint, b: bigint): bigint {
  const l = fn(lo(a), hi(a), lo(b), hi(b));
  const h = r.hi;
  // Both words must be int32 (the register file is an Int32Array: doubles would be a bug).
  if (l !== (l | 0) || h !== (h | 0)) throw new Error(`result words (${l}, ${h}) are not int32`);
  return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
}

const FNS64: [string, Fn64][] = [
  ["mul", mul64],
  ["mulh", mulh64],
  ["mulhsu", mulhsu64],
  ["mulhu", mulhu64],
  ["div", div64],
  ["divu", divu64],
  ["rem", rem64],
  ["remu", remu64],
];

const hex = (v: bigint): string => `0x${u64(v).toString(16)}`;

/** Compare fn against the reference on pairs; report the first few mismatches readably. */
function check(name: string, fn: Fn64, pairs: Iterable<[bigint, bigint]>): void {
  const bad: string[] = [];
  let n = 0;
  for (const [a, b] of pairs) {
    n++;
    const want = RR[name]!(a, b);
    const got = call(fn, a, b);
    if (got !== want && bad.length < 5)
      bad.push(`${name}(${hex(a)}, ${hex(b)}) = ${hex(got)}, want ${hex(want)}`);
  }
  expect(n).toBeGreaterThan(0);
  expect(bad).toEqual([]);
}

function* edgePairs(): Generator<[bigint, bigint]> {
  for (const a of EDGE_VALUES) for (const b of EDGE_VALUES) yield [a, b];
}

function* randomPairs(seed: number, count: number): Generator<[bigint, bigint]> {
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) yield [operand(rng), operand(rng)];
}

describe("int64 helpers", () => {
  for (const [name, fn] of FNS64) {
    it(`${name}64 matches BigInt on every pair of edge operands`, () => {
      check(name, fn, edgePairs());
    });
    it(`${name}64 matches BigInt on 20000 seeded random operand pairs`, () => {
      check(name, fn, randomPairs(0x5eed + name.length * 7919 + name.charCodeAt(name.length - 1), 20_000));
    });
  }

  /** A dividend of any width over a divisor below 2^32 in magnitude, of either sign: the path
   *  that divides in 16-bit steps instead of with BigInt. */
  function* narrowDivisors(seed: number, count: number): Generator<[bigint, bigint]> {
    const rng = new Rng(seed);
    const divisors = [1n, 2n, 3n, 7n, 0xffffn, 0x10000n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn];
    for (const b of divisors) {
      for (const a of EDGE_VALUES) {
        yield [a, b];
        yield [a, u64(-b)];
      }
    }
    for (let i = 0; i < count; i++) {
      const a = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
      const b = BigInt(rng.u32() >>> rng.int(32)) || 1n;
      yield [a, rng.int(2) ? b : u64(-b)];
    }
  }

  for (const name of ["div", "divu", "rem", "remu"]) {
    it(`${name}64 of a wide dividend by a divisor below 2^32 matches BigInt`, () => {
      check(name, FNS64.find(([n]) => n === name)![1], narrowDivisors(0xd1f + name.length, 20_000));
    });
  }

  it("division by zero follows the spec table (quotient all ones, remainder the dividend)", () => {
    for (const a of [0n, 1n, 42n, MASK64, 1n << 63n, 0x1234_5678_9abc_def0n]) {
      expect(call(div64, a, 0n)).toBe(MASK64);
      expect(call(divu64, a, 0n)).toBe(MASK64);
      expect(call(rem64, a, 0n)).toBe(a);
      expect(call(remu64, a, 0n)).toBe(a);
    }
  });

  it("INT64_MIN / -1 overflows to INT64_MIN with remainder 0", () => {
    expect(call(div64, 1n << 63n, MASK64)).toBe(1n << 63n);
    expect(call(rem64, 1n << 63n, MASK64)).toBe(0n);
    // Unsigned, the same bit patterns divide normally.
    expect(call(divu64, 1n << 63n, MASK64)).toBe(0n);
    expect(call(remu64, 1n << 63n, MASK64)).toBe(1n << 63n);
  });

  it("remainders take the sign of the dividend", () => {
    const cases: [bigint, bigint, bigint, bigint][] = [
      // a, b, a / b, a % b (signed)
      [7n, 2n, 3n, 1n],
      [-7n, 2n, -3n, -1n],
      [7n, -2n, -3n, 1n],
      [-7n, -2n, 3n, -1n],
      [-(1n << 62n) - 3n, 1n << 40n, -(1n << 22n), -3n],
    ];
    for (const [a, b, q, m] of cases) {
      expect(call(div64, u64(a), u64(b))).toBe(u64(q));
      expect(call(rem64, u64(a), u64(b))).toBe(u64(m));
    }
  });

  it("mulh/mulhsu/mulhu of the extremes", () => {
    const MIN = 1n << 63n;
    const MAX = (1n << 63n) - 1n;
    // (-2^63)^2 = 2^126: high word 2^62.
    expect(call(mulh64, MIN, MIN)).toBe(1n << 62n);
    // -1 * -1 = 1: high 0; -1 (signed) * (2^64-1) (unsigned) = -(2^64-1): high word -1.
    expect(call(mulh64, MASK64, MASK64)).toBe(0n);
    expect(call(mulhsu64, MASK64, MASK64)).toBe(MASK64);
    expect(call(mulhu64, MASK64, MASK64)).toBe(MASK64 - 1n);
    expect(call(mulh64, MAX, MIN)).toBe(u64(-(1n << 62n)));
    expect(call(mulhu64, 1n << 32n, 1n << 32n)).toBe(1n);
  });

  it("mulu32 is the exact 64-bit product of two unsigned 32-bit words", () => {
    const rng = new Rng(99);
    const words = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x10000, 0x12345678];
    for (let i = 0; i < 5000; i++) {
      const a = i < 64 ? words[i % 8]! : rng.u32() | 0;
      const b = i < 64 ? words[Math.floor(i / 8)]! : rng.u32() | 0;
      const l = mulu32(a, b);
      const got = (BigInt(r.hi >>> 0) << 32n) | BigInt(l >>> 0);
      expect(got).toBe(BigInt(a >>> 0) * BigInt(b >>> 0));
    }
  });

  it("toBig and splitBig convert between (lo, hi) and unsigned bigints, modulo 2^64", () => {
    const rng = new Rng(7);
    for (let i = 0; i < 2000; i++) {
      const v = operand(rng);
      const l = splitBig(v);
      expect([l, r.hi]).toEqual([lo(v), hi(v)]);
      expect(toBig(lo(v), hi(v))).toBe(v);
    }
    expect(splitBig(-1n)).toBe(-1);
    expect(r.hi).toBe(-1);
    splitBig((1n << 64n) + 5n);
    expect(r.hi).toBe(0);
  });

  it("toBig and splitBig: exact on both sides of splitBig's fast path's edge (2^53)", () => {
    const edge = 1n << 53n;
    const values = [0n, 1n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 1n << 32n, edge - 1n, edge, edge + 1n];
    for (const v of [...values, (1n << 64n) - 1n]) {
      const l = splitBig(v);
      expect([l, r.hi]).toEqual([lo(v), hi(v)]);
      expect(toBig(lo(v), hi(v))).toBe(v);
    }
    expect(toBig(-1, 0x1f_ffff)).toBe(edge - 1n);
    expect(toBig(0, 0x20_0000)).toBe(edge);
    expect(toBig(0, -1)).toBe(0xffff_ffff_0000_0000n);
  });
});

describe("int32 (W-form) division helpers", () => {
  const FNS32: [string, (a: number, b: number) => number][] = [
    ["divw", div32],
    ["divuw", divu32],
    ["remw", rem32],
    ["remuw", remu32],
  ];
  const w = (v: bigint): number => Number(s32(v));
  for (const [name, fn] of FNS32) {
    it(`${name} matches BigInt on edge and random operands`, () => {
      const rng = new Rng(31 + name.length);
      const pairs: [bigint, bigint][] = [];
      for (const a of EDGE_VALUES) for (const b of EDGE_VALUES) pairs.push([a, b]);
      for (let i = 0; i < 20_000; i++) pairs.push([operand(rng), operand(rng)]);
      const bad: string[] = [];
      for (const [a, b] of pairs) {
        const got = fn(w(a), w(b));
        const want = RR[name]!(a, b);
        if (!(got === (got | 0) && sext32(BigInt(got)) === want) && bad.length < 5) {
          bad.push(`${name}(${hex(a)}, ${hex(b)}) = ${got}, want ${hex(want)}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it("divw/remw special cases: INT32_MIN / -1 and division by zero", () => {
    expect(div32(-0x80000000, -1)).toBe(-0x80000000);
    expect(rem32(-0x80000000, -1)).toBe(0);
    expect(div32(5, 0)).toBe(-1);
    expect(divu32(5, 0)).toBe(-1);
    expect(rem32(-5, 0)).toBe(-5);
    expect(remu32(-5, 0)).toBe(-5);
    expect(rem32(-7, 2)).toBe(-1);
    expect(rem32(7, -2)).toBe(1);
  });
});
