// Every plain instruction of the opcode table (src/cpu/jit/opcodes.ts), emitted by the function
// builder into one module, validated, and run on edge operands against a reference written here
// from the spec's numeric semantics (exec/numerics.rst): i64 with BigInt, i32 with int32
// arithmetic, floats with JS doubles and Math.fround. Then fast-check properties for the integer
// arithmetic and shifts, and the i64/f32/f64 constants.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ModuleBuilder, OP_NAME, Op, type OpId, type PlainOpName } from "../../../src/cpu/jit/index.js";
import { K, OP_KIND, OP_NPOP, OP_POP, OP_PUSH } from "../../../src/cpu/jit/opcodes.js";
import { F32, I32, I64, type ValType } from "../../../src/cpu/jit/types.js";
import { type Exports, instantiate, type WasmValue } from "./instance.js";

const TRAP = "trap";
/** A reference result: the value, TRAP, or undefined where the spec leaves it open (a NaN's sign). */
type Ref = (...a: WasmValue[]) => WasmValue | typeof TRAP | undefined;

const MIN32 = -0x8000_0000;
const MIN64 = -(1n << 63n);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const b = (c: boolean): number => (c ? 1 : 0);
const fr = Math.fround;

const i32 = (f: (a: number, b: number) => WasmValue | typeof TRAP): Ref => f as Ref;
const i64 = (f: (a: bigint, b: bigint) => WasmValue | typeof TRAP): Ref => f as Ref;
const fl = (f: (a: number, b: number) => WasmValue | typeof TRAP | undefined): Ref => f as Ref;

function popcnt(v: bigint): bigint {
  let n = 0n;
  for (let x = u64(v); x; x >>= 1n) n += x & 1n;
  return n;
}

function clz64(v: bigint): bigint {
  const u = u64(v);
  return u === 0n ? 64n : BigInt(64 - u.toString(2).length);
}

function ctz64(v: bigint): bigint {
  let u = u64(v);
  if (u === 0n) return 64n;
  let n = 0n;
  while ((u & 1n) === 0n) {
    u >>= 1n;
    n++;
  }
  return n;
}

function ctz32(a: number): number {
  return a === 0 ? 32 : 31 - Math.clz32(a & -a);
}

function rotl32(a: number, k: number): number {
  k &= 31;
  return k === 0 ? a : (a << k) | (a >>> (32 - k));
}

function rotl64(a: bigint, k: bigint): bigint {
  k &= 63n;
  const u = u64(a);
  return s64((u << k) | (u >> (64n - k)));
}

/** Round to nearest integer, ties to even, keeping the sign of zero (fnearest). */
function nearest(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 ? (x < 0 ? -0 : 0) : r;
}

function copysign(a: number, s: number): number | undefined {
  if (Number.isNaN(s)) return undefined;
  const neg = s < 0 || Object.is(s, -0);
  return neg ? -Math.abs(a) : Math.abs(a);
}

/** The single nearest to an integer (ties to even), without double rounding through a double. */
function bigToF32(v: bigint): number {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const len = a.toString(2).length;
  if (len <= 24) return Number(v);
  const shift = BigInt(len - 24);
  let m = a >> shift;
  const rem = a - (m << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
  const r = Number(m) * 2 ** Number(shift);
  return neg ? -r : r;
}

/** trunc to an integer in [lo, hi], TRAP (trapping form) or clamped (saturating form). */
function truncTo(x: number, lo: number, hi: number, sat: boolean): number | typeof TRAP {
  if (Number.isNaN(x)) return sat ? 0 : TRAP;
  const t = Math.trunc(x);
  if (t < lo) return sat ? lo : TRAP;
  if (t > hi) return sat ? hi : TRAP;
  return t === 0 ? 0 : t; // an integer zero, not -0
}

function truncTo64(x: number, signed: boolean, sat: boolean): bigint | typeof TRAP {
  if (Number.isNaN(x)) return sat ? 0n : TRAP;
  const t = Math.trunc(x);
  const lo = signed ? -(2 ** 63) : 0;
  const hi = signed ? 2 ** 63 : 2 ** 64; // exclusive
  if (t < lo) return sat ? (signed ? MIN64 : 0n) : TRAP;
  if (t >= hi) return sat ? (signed ? -MIN64 - 1n : -1n) : TRAP;
  return s64(BigInt(t));
}

const VIEW = new DataView(new ArrayBuffer(8));

function bits32(x: number): number | undefined {
  if (Number.isNaN(x)) return undefined;
  VIEW.setFloat32(0, x);
  return VIEW.getInt32(0);
}

function bits64(x: number): bigint | undefined {
  if (Number.isNaN(x)) return undefined;
  VIEW.setFloat64(0, x);
  return VIEW.getBigInt64(0);
}

function fromBits32(a: number): number {
  VIEW.setInt32(0, a);
  return VIEW.getFloat32(0);
}

function fromBits64(a: bigint): number {
  VIEW.setBigInt64(0, a);
  return VIEW.getFloat64(0);
}

/** The reference of every plain instruction, by name. */
const REF: Record<PlainOpName, Ref> = {
  nop: () => undefined,
  "i32.eqz": i32((a) => b(a === 0)),
  "i32.eq": i32((a, c) => b(a === c)),
  "i32.ne": i32((a, c) => b(a !== c)),
  "i32.lt_s": i32((a, c) => b(a < c)),
  "i32.lt_u": i32((a, c) => b(a >>> 0 < c >>> 0)),
  "i32.gt_s": i32((a, c) => b(a > c)),
  "i32.gt_u": i32((a, c) => b(a >>> 0 > c >>> 0)),
  "i32.le_s": i32((a, c) => b(a <= c)),
  "i32.le_u": i32((a, c) => b(a >>> 0 <= c >>> 0)),
  "i32.ge_s": i32((a, c) => b(a >= c)),
  "i32.ge_u": i32((a, c) => b(a >>> 0 >= c >>> 0)),
  "i64.eqz": i64((a) => b(a === 0n)),
  "i64.eq": i64((a, c) => b(a === c)),
  "i64.ne": i64((a, c) => b(a !== c)),
  "i64.lt_s": i64((a, c) => b(a < c)),
  "i64.lt_u": i64((a, c) => b(u64(a) < u64(c))),
  "i64.gt_s": i64((a, c) => b(a > c)),
  "i64.gt_u": i64((a, c) => b(u64(a) > u64(c))),
  "i64.le_s": i64((a, c) => b(a <= c)),
  "i64.le_u": i64((a, c) => b(u64(a) <= u64(c))),
  "i64.ge_s": i64((a, c) => b(a >= c)),
  "i64.ge_u": i64((a, c) => b(u64(a) >= u64(c))),
  "f32.eq": fl((a, c) => b(a === c)),
  "f32.ne": fl((a, c) => b(a !== c)),
  "f32.lt": fl((a, c) => b(a < c)),
  "f32.gt": fl((a, c) => b(a > c)),
  "f32.le": fl((a, c) => b(a <= c)),
  "f32.ge": fl((a, c) => b(a >= c)),
  "f64.eq": fl((a, c) => b(a === c)),
  "f64.ne": fl((a, c) => b(a !== c)),
  "f64.lt": fl((a, c) => b(a < c)),
  "f64.gt": fl((a, c) => b(a > c)),
  "f64.le": fl((a, c) => b(a <= c)),
  "f64.ge": fl((a, c) => b(a >= c)),
  "i32.clz": i32((a) => Math.clz32(a)),
  "i32.ctz": i32((a) => ctz32(a)),
  "i32.popcnt": i32((a) => Number(popcnt(BigInt(a >>> 0)))),
  "i32.add": i32((a, c) => (a + c) | 0),
  "i32.sub": i32((a, c) => (a - c) | 0),
  "i32.mul": i32((a, c) => Math.imul(a, c)),
  "i32.div_s": i32((a, c) => (c === 0 || (a === MIN32 && c === -1) ? TRAP : Math.trunc(a / c) | 0)),
  "i32.div_u": i32((a, c) => (c === 0 ? TRAP : Math.floor((a >>> 0) / (c >>> 0)) | 0)),
  "i32.rem_s": i32((a, c) => (c === 0 ? TRAP : (a % c) | 0)),
  "i32.rem_u": i32((a, c) => (c === 0 ? TRAP : ((a >>> 0) % (c >>> 0)) | 0)),
  "i32.and": i32((a, c) => a & c),
  "i32.or": i32((a, c) => a | c),
  "i32.xor": i32((a, c) => a ^ c),
  "i32.shl": i32((a, c) => a << (c & 31)),
  "i32.shr_s": i32((a, c) => a >> (c & 31)),
  "i32.shr_u": i32((a, c) => (a >>> (c & 31)) | 0),
  "i32.rotl": i32((a, c) => rotl32(a, c)),
  "i32.rotr": i32((a, c) => rotl32(a, 32 - (c & 31))),
  "i64.clz": i64((a) => clz64(a)),
  "i64.ctz": i64((a) => ctz64(a)),
  "i64.popcnt": i64((a) => popcnt(a)),
  "i64.add": i64((a, c) => s64(a + c)),
  "i64.sub": i64((a, c) => s64(a - c)),
  "i64.mul": i64((a, c) => s64(a * c)),
  "i64.div_s": i64((a, c) => (c === 0n || (a === MIN64 && c === -1n) ? TRAP : s64(a / c))),
  "i64.div_u": i64((a, c) => (c === 0n ? TRAP : s64(u64(a) / u64(c)))),
  "i64.rem_s": i64((a, c) => (c === 0n ? TRAP : s64(a % c))),
  "i64.rem_u": i64((a, c) => (c === 0n ? TRAP : s64(u64(a) % u64(c)))),
  "i64.and": i64((a, c) => a & c),
  "i64.or": i64((a, c) => a | c),
  "i64.xor": i64((a, c) => a ^ c),
  "i64.shl": i64((a, c) => s64(a << (c & 63n))),
  "i64.shr_s": i64((a, c) => a >> (c & 63n)),
  "i64.shr_u": i64((a, c) => s64(u64(a) >> (c & 63n))),
  "i64.rotl": i64((a, c) => rotl64(a, c)),
  "i64.rotr": i64((a, c) => rotl64(a, 64n - (c & 63n))),
  "f32.abs": fl((a) => Math.abs(a)),
  "f32.neg": fl((a) => -a),
  "f32.ceil": fl((a) => fr(Math.ceil(a))),
  "f32.floor": fl((a) => fr(Math.floor(a))),
  "f32.trunc": fl((a) => fr(Math.trunc(a))),
  "f32.nearest": fl((a) => fr(nearest(a))),
  "f32.sqrt": fl((a) => fr(Math.sqrt(a))),
  "f32.add": fl((a, c) => fr(a + c)),
  "f32.sub": fl((a, c) => fr(a - c)),
  "f32.mul": fl((a, c) => fr(a * c)),
  "f32.div": fl((a, c) => fr(a / c)),
  "f32.min": fl((a, c) => Math.min(a, c)),
  "f32.max": fl((a, c) => Math.max(a, c)),
  "f32.copysign": fl((a, c) => copysign(a, c)),
  "f64.abs": fl((a) => Math.abs(a)),
  "f64.neg": fl((a) => -a),
  "f64.ceil": fl((a) => Math.ceil(a)),
  "f64.floor": fl((a) => Math.floor(a)),
  "f64.trunc": fl((a) => Math.trunc(a)),
  "f64.nearest": fl((a) => nearest(a)),
  "f64.sqrt": fl((a) => Math.sqrt(a)),
  "f64.add": fl((a, c) => a + c),
  "f64.sub": fl((a, c) => a - c),
  "f64.mul": fl((a, c) => a * c),
  "f64.div": fl((a, c) => a / c),
  "f64.min": fl((a, c) => Math.min(a, c)),
  "f64.max": fl((a, c) => Math.max(a, c)),
  "f64.copysign": fl((a, c) => copysign(a, c)),
  "i32.wrap_i64": i64((a) => Number(BigInt.asIntN(32, a))),
  "i32.trunc_f32_s": fl((a) => truncTo(a, MIN32, 0x7fff_ffff, false)),
  "i32.trunc_f32_u": fl((a) => toI32(truncTo(a, 0, 0xffff_ffff, false))),
  "i32.trunc_f64_s": fl((a) => truncTo(a, MIN32, 0x7fff_ffff, false)),
  "i32.trunc_f64_u": fl((a) => toI32(truncTo(a, 0, 0xffff_ffff, false))),
  "i64.extend_i32_s": i32((a) => BigInt(a)),
  "i64.extend_i32_u": i32((a) => BigInt(a >>> 0)),
  "i64.trunc_f32_s": fl((a) => truncTo64(a, true, false)),
  "i64.trunc_f32_u": fl((a) => truncTo64(a, false, false)),
  "i64.trunc_f64_s": fl((a) => truncTo64(a, true, false)),
  "i64.trunc_f64_u": fl((a) => truncTo64(a, false, false)),
  "f32.convert_i32_s": i32((a) => fr(a)),
  "f32.convert_i32_u": i32((a) => fr(a >>> 0)),
  "f32.convert_i64_s": i64((a) => bigToF32(a)),
  "f32.convert_i64_u": i64((a) => bigToF32(u64(a))),
  "f32.demote_f64": fl((a) => fr(a)),
  "f64.convert_i32_s": i32((a) => a),
  "f64.convert_i32_u": i32((a) => a >>> 0),
  "f64.convert_i64_s": i64((a) => Number(a)),
  "f64.convert_i64_u": i64((a) => Number(u64(a))),
  "f64.promote_f32": fl((a) => a),
  "i32.reinterpret_f32": fl((a) => bits32(a)),
  "i64.reinterpret_f64": fl((a) => bits64(a)),
  "f32.reinterpret_i32": i32((a) => fromBits32(a)),
  "f64.reinterpret_i64": i64((a) => fromBits64(a)),
  "i32.extend8_s": i32((a) => (a << 24) >> 24),
  "i32.extend16_s": i32((a) => (a << 16) >> 16),
  "i64.extend8_s": i64((a) => BigInt.asIntN(8, a)),
  "i64.extend16_s": i64((a) => BigInt.asIntN(16, a)),
  "i64.extend32_s": i64((a) => BigInt.asIntN(32, a)),
  "i32.trunc_sat_f32_s": fl((a) => truncTo(a, MIN32, 0x7fff_ffff, true)),
  "i32.trunc_sat_f32_u": fl((a) => toI32(truncTo(a, 0, 0xffff_ffff, true))),
  "i32.trunc_sat_f64_s": fl((a) => truncTo(a, MIN32, 0x7fff_ffff, true)),
  "i32.trunc_sat_f64_u": fl((a) => toI32(truncTo(a, 0, 0xffff_ffff, true))),
  "i64.trunc_sat_f32_s": fl((a) => truncTo64(a, true, true)),
  "i64.trunc_sat_f32_u": fl((a) => truncTo64(a, false, true)),
  "i64.trunc_sat_f64_s": fl((a) => truncTo64(a, true, true)),
  "i64.trunc_sat_f64_u": fl((a) => truncTo64(a, false, true)),
};

function toI32(v: number | typeof TRAP): number | typeof TRAP {
  return v === TRAP ? v : v | 0;
}

// ---- operands ----

const I32_EDGES = [
  0,
  1,
  -1,
  2,
  7,
  -7,
  31,
  32,
  33,
  63,
  64,
  0x7f,
  0x80,
  0xff,
  0x7fff,
  0x8000,
  0xffff,
  0x7fff_ffff,
  MIN32,
  0x1234_5678,
  -0x1234_5678,
  0x5555_5555,
  -0x5555_5556,
];
const I64_EDGES = [
  0n,
  1n,
  -1n,
  2n,
  7n,
  -7n,
  31n,
  32n,
  63n,
  64n,
  65n,
  0x80n,
  0x7fff_ffffn,
  0x8000_0000n,
  0xffff_ffffn,
  1n << 32n,
  -(1n << 31n),
  -(1n << 32n),
  (1n << 63n) - 1n,
  MIN64,
  0x1234_5678_9abc_def0n,
  -0x1234_5678_9abc_def0n,
  0x5555_5555_5555_5555n,
];
const F64_EDGES = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.5,
  3.7,
  -3.7,
  0.1,
  1e10,
  -1e10,
  2 ** 31,
  2 ** 31 - 0.5,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 32 - 1,
  2 ** 53 + 2,
  2 ** 63,
  -(2 ** 63),
  2 ** 64,
  1e300,
  -1e300,
  5e-324,
  2.2250738585072014e-308,
  Number.MAX_VALUE,
  Infinity,
  -Infinity,
  NaN,
];
const F32_EDGES = [
  ...new Set(
    [...F64_EDGES, 1.401298464324817e-45, 3.4028234663852886e38, 2 ** 24 + 2, 16777217, 0.3].map((v) =>
      fr(v),
    ),
  ),
];

function edges(t: number): WasmValue[] {
  return t === I32 ? I32_EDGES : t === I64 ? I64_EDGES : t === F32 ? F32_EDGES : F64_EDGES;
}

/** Whether `got` is the reference's `want` (a NaN matches any NaN; -0 differs from 0). */
function same(got: WasmValue | undefined, want: WasmValue): boolean {
  if (typeof want === "number" && Number.isNaN(want)) return typeof got === "number" && Number.isNaN(got);
  return Object.is(got, want);
}

/** Run op `name` (exported as fn) on args; a mismatch message, or "" when it agrees. */
function check(fn: Exports[string], name: PlainOpName, args: WasmValue[]): string {
  const want = REF[name](...args);
  if (want === undefined) return "";
  let got: WasmValue | undefined | typeof TRAP;
  try {
    got = fn(...args);
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    got = TRAP;
  }
  if (want === TRAP || got === TRAP ? got === want : same(got, want)) return "";
  return `${name}(${args.join(", ")}) = ${String(got)}, want ${String(want)}`;
}

const PLAIN = OP_NAME.map((n, i) => [n, i] as const).filter(
  ([, i]) => OP_KIND[i] === K.none && OP_NPOP[i]! > 0,
);
const exportName = (n: string): string => n.replace(".", "_");

/** One module with a function per plain instruction: its operands as parameters, its result. */
function allOps(): Exports {
  const m = new ModuleBuilder();
  for (const [n, id] of PLAIN) {
    const params: ValType[] = [];
    for (let k = 0; k < OP_NPOP[id]!; k++) params.push(OP_POP[id * 3 + k] as ValType);
    const f = m.func(exportName(n), params, [OP_PUSH[id] as ValType]);
    params.forEach((_, k) => {
      f.localGet(k);
    });
    f.op(id as OpId<PlainOpName>);
    m.export(exportName(n), "func", f.index);
  }
  return instantiate(m);
}

describe("every plain instruction against its reference", () => {
  const ex = allOps();

  it("the reference covers exactly the table's plain instructions", () => {
    const plain = OP_NAME.filter((_, i) => OP_KIND[i] === K.none);
    expect(Object.keys(REF).sort()).toEqual([...plain].sort());
  });

  it.each(PLAIN.map(([n, id]) => [n, id]))("%s", (n, id) => {
    const name = n as PlainOpName;
    const fn = ex[exportName(name)]!;
    const bad: string[] = [];
    const types = Array.from({ length: OP_NPOP[id]! }, (_, k) => OP_POP[id * 3 + k]!);
    if (types.length === 1) {
      for (const a of edges(types[0]!)) bad.push(check(fn, name, [a]));
    } else {
      for (const a of edges(types[0]!)) for (const c of edges(types[1]!)) bad.push(check(fn, name, [a, c]));
    }
    expect(bad.filter(Boolean).slice(0, 5)).toEqual([]);
  });

  it("nop does nothing", () => {
    const m = new ModuleBuilder();
    const f = m.func("f", [I32], [I32]);
    f.localGet(0).nop().op(Op.nop);
    m.export("f", "func", f.index);
    expect(instantiate(m).f!(42)).toBe(42);
  });
});

describe("integer arithmetic and shifts (fast-check)", () => {
  const ex = allOps();
  const int64 = fc.bigInt({ min: MIN64, max: -MIN64 - 1n });
  const int32 = fc.integer({ min: MIN32, max: 0x7fff_ffff });
  const ops64: PlainOpName[] = [
    "i64.add",
    "i64.sub",
    "i64.mul",
    "i64.div_s",
    "i64.div_u",
    "i64.rem_s",
    "i64.rem_u",
    "i64.and",
    "i64.or",
    "i64.xor",
    "i64.shl",
    "i64.shr_s",
    "i64.shr_u",
    "i64.rotl",
    "i64.rotr",
    "i64.lt_u",
    "i64.ge_s",
  ];
  const ops32: PlainOpName[] = [
    "i32.add",
    "i32.sub",
    "i32.mul",
    "i32.div_s",
    "i32.div_u",
    "i32.rem_s",
    "i32.rem_u",
    "i32.shl",
    "i32.shr_s",
    "i32.shr_u",
    "i32.rotl",
    "i32.rotr",
  ];

  it.each(ops64)("%s", (name) => {
    const fn = ex[exportName(name)]!;
    fc.assert(fc.property(int64, int64, (a, c) => check(fn, name, [a, c]) === ""));
    // shift amounts: every count, including those >= 64 that wrap
    fc.assert(
      fc.property(int64, fc.integer({ min: 0, max: 200 }), (a, k) => check(fn, name, [a, BigInt(k)]) === ""),
    );
  });

  it.each(ops32)("%s", (name) => {
    const fn = ex[exportName(name)]!;
    fc.assert(fc.property(int32, int32, (a, c) => check(fn, name, [a, c]) === ""));
    fc.assert(fc.property(int32, fc.integer({ min: 0, max: 100 }), (a, k) => check(fn, name, [a, k]) === ""));
  });

  it.each(["i64.clz", "i64.ctz", "i64.popcnt", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s"] as const)(
    "%s",
    (name) => {
      const fn = ex[exportName(name)]!;
      fc.assert(fc.property(int64, (a) => check(fn, name, [a]) === ""));
    },
  );
});

describe("constants", () => {
  /** A module returning each value through its own function. */
  function consts<T>(
    values: readonly T[],
    type: ValType,
    emit: (f: ReturnType<ModuleBuilder["func"]>, v: T) => void,
  ) {
    const m = new ModuleBuilder();
    values.forEach((v, i) => {
      const f = m.func(`c${i}`, [], [type]);
      emit(f, v);
      m.export(`c${i}`, "func", f.index);
    });
    const ex = instantiate(m);
    return values.map((_, i) => ex[`c${i}`]!());
  }

  it("i64.const from (lo, hi) words and from bigint (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: MIN64, max: -MIN64 - 1n }), { minLength: 1, maxLength: 40 }),
        (vs) => {
          const words = consts(vs, I64, (f, v) => {
            f.i64Const(Number(BigInt.asIntN(32, v)), Number(BigInt.asUintN(32, v >> 32n)));
          });
          const big = consts(vs, I64, (f, v) => {
            f.i64ConstBig(u64(v));
          });
          expect(words).toEqual(vs);
          expect(big).toEqual(vs);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("i64.const edge values", () => {
    expect(consts(I64_EDGES, I64, (f, v) => f.i64ConstBig(v))).toEqual(I64_EDGES);
  });

  it("i32.const takes int32 and uint32", () => {
    const vs = [0, -1, 0xffff_ffff, MIN32, 0x7fff_ffff, 0x8000_0000, 64, -65];
    expect(consts(vs, I32, (f, v) => f.i32Const(v))).toEqual(vs.map((v) => v | 0));
  });

  it("f32.const and f64.const, by value and by bit pattern", () => {
    const f32s = F32_EDGES.filter((v) => !Number.isNaN(v));
    expect(consts(f32s, F32, (f, v) => f.f32Const(v))).toEqual(f32s);
    const f64s = F64_EDGES.filter((v) => !Number.isNaN(v));
    expect(consts(f64s, 0x7c, (f, v) => f.f64Const(v))).toEqual(f64s);
    // NaN with a payload: reinterpret keeps the bits
    const m = new ModuleBuilder();
    const g = m.func("g", [], [I32]);
    g.f32ConstBits(0x7fa0_0001).op(Op.i32_reinterpret_f32);
    const h = m.func("h", [], [I64]);
    h.f64ConstBits(0x0000_0001, 0xfff4_0000).op(Op.i64_reinterpret_f64);
    m.export("g", "func", g.index);
    m.export("h", "func", h.index);
    const ex = instantiate(m);
    expect(ex.g!()).toBe(0x7fa0_0001);
    expect(ex.h!()).toBe(BigInt.asIntN(64, 0xfff4_0000_0000_0001n));
  });
});
