// How to hold 64-bit guest registers in JavaScript: four representations, each behind the same
// small decoded-program interpreter (a switch over op ids, register numbers and immediates from
// typed arrays, as the real interpreter has), on two workloads:
//   chain  an add / xor / shift chain (xorshift-like), pure register arithmetic;
//   mixed  addi, and, address generation (base + offset), a 64-bit load from RAM at 0x80000000,
//          an add, and a compare-and-branch (bltu): the shape of an array walk.
// Representations:
//   lo/hi Int32 pairs        Int32Array, register r = x[2r] (low), x[2r+1] (high): what mmlab uses
//   BigUint64Array           one bigint per register; stores wrap mod 2^64 for free
//   BigUint64Array + alias   the same buffer seen as Uint32Array too: bigint for add and shifts,
//                            32-bit words for logic, compares, address generation and loads
//   Array<bigint>            a plain array, BigInt.asUintN(64, ...) after every op that can overflow
// Every variant is checked to compute the same registers before it is timed.

import { makeSuite, type SuiteDef, type SuiteFactory } from "./harness.js";

const ADD = 0;
const XOR = 1;
const SLLI = 2;
const SRLI = 3;
const ADDI = 4;
const AND = 5;
const LD = 6;
const BLTU = 7;

/** A decoded program: one entry per instruction; BLTU's imm is the target index minus its own. */
interface Program {
  op: Int32Array;
  rd: Int32Array;
  rs1: Int32Array;
  rs2: Int32Array;
  imm: Int32Array;
  /** imm as bigint, for the bigint representations (decoded once, like everything else). */
  immBig: bigint[];
}

type Insn = [op: number, rd: number, rs1: number, rs2: number, imm: number];

function program(insns: Insn[]): Program {
  const col = (k: number): Int32Array => Int32Array.from(insns.map((i) => i[k]!));
  return {
    op: col(0),
    rd: col(1),
    rs1: col(2),
    rs2: col(3),
    imm: col(4),
    immBig: insns.map((i) => BigInt(i[4])),
  };
}

const ITER = 5000;
const RAM_BASE = 0x8000_0000;
const RAM_BYTES = 64 * 1024;

// chain: x5, x6 evolve; x8 counts to x9.
const CHAIN = program([
  [ADD, 5, 5, 6, 0],
  [XOR, 6, 6, 5, 0],
  [SLLI, 7, 5, 13, 13],
  [XOR, 5, 5, 7, 0],
  [SRLI, 7, 5, 7, 7],
  [XOR, 5, 5, 7, 0],
  [SLLI, 7, 6, 37, 37],
  [ADD, 6, 6, 7, 0],
  [ADDI, 8, 8, 0, 1],
  [BLTU, 0, 8, 9, -9],
]);
const CHAIN_INIT: [number, bigint][] = [
  [5, 0x0123456789abcdefn],
  [6, 0xfedcba9876543210n],
  [7, 0n],
  [8, 0n],
  [9, BigInt(ITER)],
];

// mixed: x10 walks a 64 KiB buffer at x9 = 0x80000000 (mask x12), x15 sums what it loads.
const MIXED = program([
  [ADDI, 10, 10, 0, 8],
  [AND, 11, 10, 12, 0],
  [ADD, 13, 9, 11, 0],
  [LD, 14, 13, 0, 0],
  [ADD, 15, 15, 14, 0],
  [ADDI, 16, 16, 0, 1],
  [BLTU, 0, 16, 17, -6],
]);
const MIXED_INIT: [number, bigint][] = [
  [9, BigInt(RAM_BASE)],
  [10, 0n],
  [12, BigInt(RAM_BYTES - 8)],
  [15, 0n],
  [16, 0n],
  [17, BigInt(ITER)],
];

/** RAM with deterministic pseudo-random contents (an xorshift32 stream). */
function makeRam(): ArrayBuffer {
  const buf = new ArrayBuffer(RAM_BYTES);
  const w = new Uint32Array(buf);
  let s = 0x9e3779b9;
  for (let i = 0; i < w.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    w[i] = s >>> 0;
  }
  return buf;
}

function fault(): never {
  throw new Error("regrepr: load outside RAM");
}

// ---- lo/hi Int32 pairs (the interpreter's representation) ----

function runLoHi(p: Program, x: Int32Array, ram: Int32Array): number {
  const op = p.op;
  const rd = p.rd;
  const rs1 = p.rs1;
  const rs2 = p.rs2;
  const imm = p.imm;
  const len = op.length;
  const limit = ram.length * 4 - 8;
  let pc = 0;
  let n = 0;
  while (pc < len) {
    const d = rd[pc]! * 2;
    const a = rs1[pc]! * 2;
    const b = rs2[pc]! * 2;
    const im = imm[pc]!;
    n++;
    switch (op[pc]) {
      case ADD: {
        const lo = (x[a]! + x[b]!) | 0;
        x[d + 1] = (x[a + 1]! + x[b + 1]! + (lo >>> 0 < x[a]! >>> 0 ? 1 : 0)) | 0;
        x[d] = lo;
        break;
      }
      case XOR:
        x[d + 1] = x[a + 1]! ^ x[b + 1]!;
        x[d] = x[a]! ^ x[b]!;
        break;
      case AND:
        x[d + 1] = x[a + 1]! & x[b + 1]!;
        x[d] = x[a]! & x[b]!;
        break;
      case SLLI: {
        const al = x[a]!;
        const ah = x[a + 1]!;
        if (im === 0) {
          x[d + 1] = ah;
          x[d] = al;
        } else if (im < 32) {
          x[d + 1] = (ah << im) | (al >>> (32 - im));
          x[d] = al << im;
        } else {
          x[d + 1] = al << (im - 32);
          x[d] = 0;
        }
        break;
      }
      case SRLI: {
        const al = x[a]!;
        const ah = x[a + 1]!;
        if (im === 0) {
          x[d] = al;
          x[d + 1] = ah;
        } else if (im < 32) {
          x[d] = (al >>> im) | (ah << (32 - im));
          x[d + 1] = ah >>> im;
        } else {
          x[d] = ah >>> (im - 32);
          x[d + 1] = 0;
        }
        break;
      }
      case ADDI: {
        const lo = (x[a]! + im) | 0;
        x[d + 1] = (x[a + 1]! + (im >> 31) + (lo >>> 0 < x[a]! >>> 0 ? 1 : 0)) | 0;
        x[d] = lo;
        break;
      }
      case LD: {
        const lo = (x[a]! + im) | 0;
        const hi = (x[a + 1]! + (im >> 31) + (lo >>> 0 < x[a]! >>> 0 ? 1 : 0)) | 0;
        const off = (lo >>> 0) - RAM_BASE;
        if (hi !== 0 || off < 0 || off > limit || (off & 7) !== 0) fault();
        x[d + 1] = ram[(off >>> 2) + 1]!;
        x[d] = ram[off >>> 2]!;
        break;
      }
      case BLTU: {
        const ah = x[a + 1]! >>> 0;
        const bh = x[b + 1]! >>> 0;
        if (ah < bh || (ah === bh && x[a]! >>> 0 < x[b]! >>> 0)) {
          pc += im;
          continue;
        }
        break;
      }
    }
    pc++;
  }
  return n;
}

// ---- BigUint64Array ----

function runBig64(p: Program, x: BigUint64Array, ram: BigUint64Array): number {
  const op = p.op;
  const rd = p.rd;
  const rs1 = p.rs1;
  const rs2 = p.rs2;
  const imm = p.imm;
  const ib = p.immBig;
  const len = op.length;
  const base = BigInt(RAM_BASE);
  const end = base + BigInt(ram.length * 8);
  let pc = 0;
  let n = 0;
  while (pc < len) {
    const d = rd[pc]!;
    const a = rs1[pc]!;
    const b = rs2[pc]!;
    n++;
    switch (op[pc]) {
      case ADD:
        x[d] = x[a]! + x[b]!;
        break;
      case XOR:
        x[d] = x[a]! ^ x[b]!;
        break;
      case AND:
        x[d] = x[a]! & x[b]!;
        break;
      case SLLI:
        x[d] = x[a]! << ib[pc]!;
        break;
      case SRLI:
        x[d] = x[a]! >> ib[pc]!;
        break;
      case ADDI:
        x[d] = x[a]! + ib[pc]!;
        break;
      case LD: {
        const ea = BigInt.asUintN(64, x[a]! + ib[pc]!);
        if (ea < base || ea >= end || (ea & 7n) !== 0n) fault();
        x[d] = ram[Number(ea - base) / 8]!;
        break;
      }
      case BLTU:
        if (x[a]! < x[b]!) {
          pc += imm[pc]!;
          continue;
        }
        break;
    }
    pc++;
  }
  return n;
}

// ---- BigUint64Array with a Uint32Array alias ----

function runAlias(p: Program, x64: BigUint64Array, x: Uint32Array, ram: Uint32Array): number {
  const op = p.op;
  const rd = p.rd;
  const rs1 = p.rs1;
  const rs2 = p.rs2;
  const imm = p.imm;
  const ib = p.immBig;
  const len = op.length;
  const limit = ram.length * 4 - 8;
  let pc = 0;
  let n = 0;
  while (pc < len) {
    const r = rd[pc]!;
    const s = rs1[pc]!;
    const d = r * 2;
    const a = s * 2;
    const b = rs2[pc]! * 2;
    const im = imm[pc]!;
    n++;
    switch (op[pc]) {
      case ADD:
        x64[r] = x64[s]! + x64[rs2[pc]!]!;
        break;
      case XOR:
        x[d + 1] = x[a + 1]! ^ x[b + 1]!;
        x[d] = x[a]! ^ x[b]!;
        break;
      case AND:
        x[d + 1] = x[a + 1]! & x[b + 1]!;
        x[d] = x[a]! & x[b]!;
        break;
      case SLLI:
        x64[r] = x64[s]! << ib[pc]!;
        break;
      case SRLI:
        x64[r] = x64[s]! >> ib[pc]!;
        break;
      case ADDI:
        x64[r] = x64[s]! + ib[pc]!;
        break;
      case LD: {
        const al = x[a]!;
        const lo = (al + im) >>> 0;
        const hi = (x[a + 1]! + (im >> 31) + (lo < al ? 1 : 0)) >>> 0;
        const off = lo - RAM_BASE;
        if (hi !== 0 || off < 0 || off > limit || (off & 7) !== 0) fault();
        x[d + 1] = ram[(off >>> 2) + 1]!;
        x[d] = ram[off >>> 2]!;
        break;
      }
      case BLTU: {
        const ah = x[a + 1]!;
        const bh = x[b + 1]!;
        if (ah < bh || (ah === bh && x[a]! < x[b]!)) {
          pc += im;
          continue;
        }
        break;
      }
    }
    pc++;
  }
  return n;
}

// ---- Array<bigint> ----

function runBigArray(p: Program, x: bigint[], ram: BigUint64Array): number {
  const op = p.op;
  const rd = p.rd;
  const rs1 = p.rs1;
  const rs2 = p.rs2;
  const imm = p.imm;
  const ib = p.immBig;
  const len = op.length;
  const base = BigInt(RAM_BASE);
  const end = base + BigInt(ram.length * 8);
  let pc = 0;
  let n = 0;
  while (pc < len) {
    const d = rd[pc]!;
    const a = rs1[pc]!;
    const b = rs2[pc]!;
    n++;
    switch (op[pc]) {
      case ADD:
        x[d] = BigInt.asUintN(64, x[a]! + x[b]!);
        break;
      case XOR:
        x[d] = x[a]! ^ x[b]!;
        break;
      case AND:
        x[d] = x[a]! & x[b]!;
        break;
      case SLLI:
        x[d] = BigInt.asUintN(64, x[a]! << ib[pc]!);
        break;
      case SRLI:
        x[d] = x[a]! >> ib[pc]!;
        break;
      case ADDI:
        x[d] = BigInt.asUintN(64, x[a]! + ib[pc]!);
        break;
      case LD: {
        const ea = BigInt.asUintN(64, x[a]! + ib[pc]!);
        if (ea < base || ea >= end || (ea & 7n) !== 0n) fault();
        x[d] = ram[Number(ea - base) / 8]!;
        break;
      }
      case BLTU:
        if (x[a]! < x[b]!) {
          pc += imm[pc]!;
          continue;
        }
        break;
    }
    pc++;
  }
  return n;
}

/** One representation: set registers, run the program, read a register back (as unsigned). */
interface Repr {
  name: string;
  set(r: number, v: bigint): void;
  get(r: number): bigint;
  run(p: Program): number;
}

function representations(ramBuf: ArrayBuffer): Repr[] {
  const ramI32 = new Int32Array(ramBuf);
  const ramU32 = new Uint32Array(ramBuf);
  const ramU64 = new BigUint64Array(ramBuf);
  const pairs = new Int32Array(66);
  const big = new BigUint64Array(33);
  const alias = new BigUint64Array(33);
  const alias32 = new Uint32Array(alias.buffer);
  const arr: bigint[] = new Array<bigint>(33).fill(0n);
  return [
    {
      name: "int32 lo/hi pairs",
      set: (r, v) => {
        pairs[2 * r] = Number(v & 0xffffffffn) | 0;
        pairs[2 * r + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
      },
      get: (r) => (BigInt(pairs[2 * r + 1]! >>> 0) << 32n) | BigInt(pairs[2 * r]! >>> 0),
      run: (p) => runLoHi(p, pairs, ramI32),
    },
    {
      name: "BigUint64Array",
      set: (r, v) => {
        big[r] = v;
      },
      get: (r) => big[r]!,
      run: (p) => runBig64(p, big, ramU64),
    },
    {
      name: "BigUint64Array + Uint32Array alias",
      set: (r, v) => {
        alias[r] = v;
      },
      get: (r) => alias[r]!,
      run: (p) => runAlias(p, alias, alias32, ramU32),
    },
    {
      name: "Array<bigint>",
      set: (r, v) => {
        arr[r] = BigInt.asUintN(64, v);
      },
      get: (r) => arr[r]!,
      run: (p) => runBigArray(p, arr, ramU64),
    },
  ];
}

/** Run every representation once and check they agree on `check` registers. */
function verify(reprs: Repr[], p: Program, init: [number, bigint][], check: number[], what: string): void {
  const results = reprs.map((r) => {
    for (const [reg, v] of init) r.set(reg, v);
    r.run(p);
    return check.map((c) => r.get(c)).join(",");
  });
  if (results.some((v) => v !== results[0])) {
    throw new Error(`regrepr ${what}: the representations disagree: ${results.join(" | ")}`);
  }
}

export const suites: SuiteFactory = (opts) => {
  const reprs = representations(makeRam());
  const workloads: [string, string, Program, [number, bigint][], number[]][] = [
    ["chain", "add/xor/shift chain", CHAIN, CHAIN_INIT, [5, 6, 7, 8]],
    ["mixed", "addi + address generation + ld + bltu loop over 64 KiB", MIXED, MIXED_INIT, [10, 13, 14, 15]],
  ];
  return workloads.map(([id, what, p, init, check]) => {
    verify(reprs, p, init, check, id);
    const insns = p.op.length * ITER;
    const def: SuiteDef = {
      name: `regrepr/${id}`,
      title: `64-bit register representation: ${what}, ${insns.toLocaleString("en-US")} guest ops per run`,
      ratioTo: reprs[0]!.name,
      cases: reprs.map((r) => ({
        name: r.name,
        fn: () => {
          for (const [reg, v] of init) r.set(reg, v);
          if (r.run(p) !== insns) throw new Error(`regrepr ${id}: ${r.name} ran the wrong count`);
        },
        derived: { label: "Mops/s", perOp: insns, scale: 1e6 },
      })),
    };
    return makeSuite(def, opts);
  });
};
