// The F and D emitter (src/cpu/jit/fp.ts) alone: each instruction emitted into a function of
// its own on a memory holding the f registers, run on edge operands (zeros, subnormals, the
// smallest normals, the guards' limits, near-overflow values, infinities, quiet and signalling
// NaNs, singles not NaN-boxed, integers at their types' limits) in every rounding mode, static
// and dynamic. Whenever the wasm takes its fast path, its result bits and flags must be those
// of the interpreter's semantics (fpu/ops.ts, run on a hart of its own); the other cases call out
// (the interpreter then does the instruction), and they must include every non-RNE mode.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fpu from "../../../src/cpu/fpu/ops.js";
import type { Mnemonic } from "../../../src/cpu/isa.js";
import {
  FP_DIRTY,
  FpEmitter,
  type FpInsn,
  fpCsr,
  fpNative,
  fpXRegs,
  JIT_FFLAGS,
  JIT_FPST,
} from "../../../src/cpu/jit/fp.js";
import { I32, I64, ModuleBuilder, Op } from "../../../src/cpu/jit/index.js";
import { instantiate } from "./instance.js";

const F_BASE = 0; // f registers, 8 bytes each
const X_BASE = 512; // x registers
const JIT = 1024; // jit words

/** The registers the instructions use: fd f1, fs1 f2, fs2 f3, fs3 f4; x source x5, x dest x6. */
const FD = 1;
const FS = [2, 3, 4] as const;
const XS = 5;
const XD = 6;

class RefHart {
  x = new Int32Array(64);
  f = new Float64Array(32);
  fi = new Int32Array(this.f.buffer);
  f32 = new Float32Array(this.f.buffer);
  frm = 0;
  fflags = 0;
  /** Did the instruction raise a flag (FS then becomes Dirty)? */
  raised = false;
  fpFlags(fl: number): void {
    this.fflags |= fl;
    this.raised = true;
  }
  illegalHere(): never {
    throw new Error("illegal instruction");
  }
}
type Ref = (h: RefHart, rm: number) => void;

const d = 2 * FD;
const [s1, s2, s3] = FS.map((r) => 2 * r) as [number, number, number];
const xd = 2 * XD;
const xs = 2 * XS;

function cmpRef(p: "s" | "d", op: number): Ref {
  return (h) => {
    const a = p === "d" ? h.f[s1 >> 1]! : h.fi[s1 + 1] === -1 ? h.f32[s1]! : Number.NaN;
    const b = p === "d" ? h.f[s2 >> 1]! : h.fi[s2 + 1] === -1 ? h.f32[s2]! : Number.NaN;
    let v = 0;
    if (!Number.isNaN(a) && !Number.isNaN(b)) v = (op === 0 ? a === b : op === 1 ? a < b : a <= b) ? 1 : 0;
    else if (p === "d") fpu.cmpNaND(h, s1, s2, op !== 0);
    else fpu.cmpNaNS(h, s1, s2, op !== 0);
    h.x[xd] = v;
    h.x[xd + 1] = 0;
  };
}

function sgnjRef(p: "s" | "d", kind: number): Ref {
  const mix = (a: number, b: number): number =>
    kind === 0
      ? (a & 0x7fffffff) | (b & -2147483648)
      : kind === 1
        ? (a & 0x7fffffff) | (~b & -2147483648)
        : a ^ (b & -2147483648);
  return (h) => {
    if (p === "d") {
      h.fi[d] = h.fi[s1]!;
      h.fi[d + 1] = mix(h.fi[s1 + 1]!, h.fi[s2 + 1]!);
    } else {
      h.fi[d] = mix(fpu.sBits(h, s1), fpu.sBits(h, s2));
      h.fi[d + 1] = -1;
    }
  };
}

/** The interpreter's semantics of each instruction, on the registers above. */
const REFS: Partial<Record<Mnemonic, Ref>> = {};
for (const p of ["s", "d"] as const) {
  const P = p === "d";
  const R = REFS as Record<string, Ref>;
  R[`fadd.${p}`] = (h, rm) => (P ? fpu.addD : fpu.addS)(h, d, s1, s2, rm, 0);
  R[`fsub.${p}`] = (h, rm) => (P ? fpu.addD : fpu.addS)(h, d, s1, s2, rm, 1);
  R[`fmul.${p}`] = (h, rm) => (P ? fpu.mulD : fpu.mulS)(h, d, s1, s2, rm);
  R[`fdiv.${p}`] = (h, rm) => (P ? fpu.divD : fpu.divS)(h, d, s1, s2, rm);
  R[`fsqrt.${p}`] = (h, rm) => (P ? fpu.sqrtD : fpu.sqrtS)(h, d, s1, rm);
  R[`fmin.${p}`] = (h) => (P ? fpu.minMaxD : fpu.minMaxS)(h, d, s1, s2, 0);
  R[`fmax.${p}`] = (h) => (P ? fpu.minMaxD : fpu.minMaxS)(h, d, s1, s2, 1);
  const fused = P ? fpu.fmaD : fpu.fmaS;
  R[`fmadd.${p}`] = (h, rm) => fused(h, d, s1, s2, s3, rm, 0, 0);
  R[`fmsub.${p}`] = (h, rm) => fused(h, d, s1, s2, s3, rm, 0, 1);
  R[`fnmsub.${p}`] = (h, rm) => fused(h, d, s1, s2, s3, rm, 1, 0);
  R[`fnmadd.${p}`] = (h, rm) => fused(h, d, s1, s2, s3, rm, 1, 1);
  ["feq", "flt", "fle"].forEach((c, op) => {
    R[`${c}.${p}`] = cmpRef(p, op);
  });
  ["fsgnj", "fsgnjn", "fsgnjx"].forEach((c, kind) => {
    R[`${c}.${p}`] = sgnjRef(p, kind);
  });
  ["w", "wu", "l", "lu"].forEach((k, kind) => {
    R[`fcvt.${k}.${p}`] = (h, rm) => (P ? fpu.toIntD : fpu.toIntS)(h, xd, s1, kind, rm);
    R[`fcvt.${p}.${k}`] = (h, rm) => (P ? fpu.fromIntD : fpu.fromIntS)(h, d, xs, kind, rm);
  });
}
REFS["fcvt.s.d"] = (h, rm) => fpu.cvtSD(h, d, s1, rm);
REFS["fcvt.d.s"] = (h, rm) => fpu.cvtDS(h, d, s1, rm);
REFS["fmv.x.d"] = (h) => {
  h.x[xd] = h.fi[s1]!;
  h.x[xd + 1] = h.fi[s1 + 1]!;
};
REFS["fmv.x.w"] = (h) => {
  h.x[xd] = h.fi[s1]!;
  h.x[xd + 1] = h.fi[s1]! >> 31;
};
REFS["fmv.d.x"] = (h) => {
  h.fi[d] = h.x[xs]!;
  h.fi[d + 1] = h.x[xs + 1]!;
};
REFS["fmv.w.x"] = (h) => {
  h.fi[d] = h.x[xs]!;
  h.fi[d + 1] = -1;
};

// ---- operands, as (lo, hi) words ----

const buf = new Float64Array(1);
const words = new Int32Array(buf.buffer);
const f32buf = new Float32Array(buf.buffer);
const dbl = (v: number): [number, number] => {
  buf[0] = v;
  return [words[0]!, words[1]!];
};
const sgl = (v: number): [number, number] => {
  f32buf[0] = v;
  return [words[0]!, -1];
};

const D_EDGES: [number, number][] = [
  ...[0, -0, 1, -1, 1.5, 3, -7.25, 0.1, 1 / 3, 2 ** 52 + 0.5, 1e300, -1e-300].map(dbl),
  ...[Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** -1022, -(2 ** -1022), 2 ** -1022 - Number.MIN_VALUE].map(dbl),
  ...[2 ** -900, 2 ** -899 * 1.5, 2 ** 990, -(2 ** 989) * 1.75, Number.MAX_VALUE, -Number.MAX_VALUE].map(dbl),
  ...[
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    2 ** 31 - 0.5,
    -(2 ** 31) - 0.5,
    2 ** 63,
    2 ** 64,
  ].map(dbl),
  ...[4294967295.5, -0.5, 0.5, 2.5, -2.5, 2 ** 62 * 3].map(dbl),
  [0, 0x7ff80000], // the canonical NaN
  [1, 0x7ff00000], // signalling
  [5, -524288], // quiet, negative, with payload
];
const S_EDGES: [number, number][] = [
  ...[0, -0, 1, -1, 1.5, 3, -7.25, 0.1, 1 / 3, 2 ** 23 + 0.5, 3e38, -1e-38].map(sgl),
  ...[2 ** -149, -(2 ** -149), 2 ** -126, -(2 ** -126), 2 ** -126 - 2 ** -149, 2 ** 127 * 1.5].map(sgl),
  ...[Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 31, 2 ** 24 + 2, -0.5, 2.5, 4294967040].map(
    sgl,
  ),
  [0x7fc00000, -1], // canonical NaN
  [0x7f800001, -1], // signalling
  [0x3f800000, 0], // 1.0, not NaN-boxed: the canonical NaN
  [0x3f800000, -2], // nearly boxed
];
const X_EDGES: [number, number][] = [
  [0, 0],
  [1, 0],
  [-1, -1],
  [-2147483648, -1],
  [0x7fffffff, 0],
  [-1, 0],
  [0, -2147483648],
  [-1, 0x7fffffff],
  [0x12345679, 0x00200000], // 2^53 + odd: inexact in a double
  [0x01000001, 0], // 2^24 + 1: inexact in a single
  [-3, 0x7fffffff],
  [5, 0],
];

// ---- the emitted function ----

interface Emitted {
  /** Runs the instruction: 1 if it called out. */
  run: () => number;
}

function emitOne(ins: FpInsn, mem: WebAssembly.Memory): Emitted {
  const m = new ModuleBuilder();
  m.importMemory({ module: "env", name: "mem" }, { min: 1, max: 1 });
  const f = m.func("one", [], [I32]);
  const slow = f.local(I32, "slow");
  const t = f.local(I64, "t");
  const no = (): never => {
    throw new Error("no loads or stores here");
  };
  let top = -1; // the depth of the emitted instruction's straight line (region.ts topDepth)
  const fp = new FpEmitter(
    {
      f,
      module: m,
      fBase: F_BASE,
      jit: JIT,
      hasD: true,
      rLo: 0,
      rHi: 0,
      rBase: 0,
      rSlot: 0,
      hitR: 0,
      wLo: 0,
      wHi: 0,
      wBase: 0,
      wSlot: 0,
      hitW: 0,
      getX: (r) => void f.i32Const(0).load(Op.i64_load, X_BASE + 8 * r),
      setX: (r) =>
        void f
          .localSet(t)
          .i32Const(0)
          .localGet(t)
          .store(Op.i64_store, X_BASE + 8 * r),
      lookup: no,
      ramAddress: no,
      account: no,
      atTop: () => f.blockDepth === top,
    },
    [ins],
  );
  const exit = f.block();
  top = f.blockDepth;
  fp.enter(exit);
  fp.newBlock();
  const ours = fp.emit(ins, 0, (after) => {
    f.i32Const(1).localSet(slow);
    after();
  });
  if (!ours) throw new Error(`fp.ts does not take ${ins.name}`);
  f.end();
  fp.leave();
  f.localGet(slow);
  m.export("run", "func", f.index);
  const run = instantiate(m, { env: { mem } }).run as () => number;
  return { run };
}

const fMem = new WebAssembly.Memory({ initial: 1, maximum: 1 });
const mi = new Int32Array(fMem.buffer);

/** Operand lists for an instruction: f sources (each an edge list) and the x source. */
function operands(name: string): { fs: [number, number][][]; x: boolean } {
  const [base, p1, p2] = name.split(".") as [string, string, string | undefined];
  const prec = (c: string): [number, number][] => (c === "d" ? D_EDGES : S_EDGES);
  if (base === "fmv") return p1 === "x" ? { fs: [prec(p2!)], x: false } : { fs: [], x: true };
  if (base === "fcvt") {
    if (["w", "wu", "l", "lu"].includes(p1)) return { fs: [prec(p2!)], x: false };
    if (["w", "wu", "l", "lu"].includes(p2!)) return { fs: [], x: true };
    return { fs: [prec(p2!)], x: false };
  }
  const n = base === "fsqrt" ? 1 : /^fn?m(add|sub)$/.test(base) ? 3 : 2;
  const e = prec(p1);
  // the fused ones on a third of the edges (every triple of all of them is slow to run)
  return { fs: Array.from({ length: n }, () => (n === 3 ? e.filter((_, i) => i % 3 === 0) : e)), x: false };
}

/** Every combination of the operand lists. */
function* combos(lists: [number, number][][]): Generator<[number, number][]> {
  if (lists.length === 0) {
    yield [];
    return;
  }
  for (const v of lists[0]!) for (const rest of combos(lists.slice(1))) yield [v, ...rest];
}

interface Tally {
  fast: number;
  slow: number;
}

/** Run `name` with rm field `imm` (frm `frm`) on every operand combination; check each fast
 *  case against the interpreter's semantics. */
function check(name: Mnemonic, imm: number, frm: number, tally: Tally): void {
  const ref = REFS[name];
  if (!ref) throw new Error(`no reference for ${name}`);
  const { readsX, writesX } = fpXRegs(name);
  const ins: FpInsn = {
    name,
    a: (2 * FS[2]) << 21,
    d: writesX ? XD : FD,
    s1: readsX ? XS : FS[0],
    s2: FS[1],
    imm,
  };
  const { run } = emitOne(ins, fMem);
  const ops = operands(name);
  const lists = ops.x ? [X_EDGES] : ops.fs;
  for (const [vals, flags0] of [...combos(lists)].flatMap((v) => [[v, 0] as const, [v, 1] as const])) {
    // each operand list with fflags clear and with NX already set (the fast paths skip the
    // inexact test then)
    mi.fill(0, 0, 300);
    const h = new RefHart();
    h.frm = frm;
    h.fflags = flags0;
    vals.forEach(([lo, hi], k) => {
      const at = ops.x ? X_BASE / 4 + 2 * XS : (F_BASE + 8 * FS[k]!) / 4;
      mi[at] = lo;
      mi[at + 1] = hi;
      if (ops.x) [h.x[xs], h.x[xs + 1]] = [lo, hi];
      else [h.fi[2 * FS[k]!], h.fi[2 * FS[k]! + 1]] = [lo, hi];
    });
    mi[(JIT + JIT_FPST) / 4] = frm | 0x6000;
    mi[(JIT + JIT_FFLAGS) / 4] = flags0;
    if (run() !== 0) {
      tally.slow++;
      continue;
    }
    tally.fast++;
    const rm = imm === 7 ? frm : imm;
    const what = `${name} rm=${imm} frm=${frm} fflags=${flags0} operands ${JSON.stringify(vals)}`;
    expect(() => ref(h, rm), what).not.toThrow();
    const fl = mi[(JIT + JIT_FFLAGS) / 4]!;
    const got = writesX
      ? [mi[X_BASE / 4 + 2 * XD], mi[X_BASE / 4 + 2 * XD + 1]]
      : [mi[(F_BASE + 8 * FD) / 4], mi[(F_BASE + 8 * FD) / 4 + 1]];
    const want = writesX ? [h.x[xd], h.x[xd + 1]] : [h.fi[d], h.fi[d + 1]];
    expect([got, fl & 31], what).toEqual([want, h.fflags]);
    // an f register written or a flag raised: FS becomes Dirty
    expect((fl & FP_DIRTY) !== 0, what).toBe(!writesX || h.raised);
  }
}

const NAMES = Object.keys(REFS) as Mnemonic[];
const ROUNDING = ["fadd", "fsub", "fmul", "fdiv", "fsqrt", "fmadd", "fmsub", "fnmsub", "fnmadd"];

describe("jit fp: which instructions the emitter takes", () => {
  it("all of F and D but fclass; D only on a hart with D", () => {
    for (const n of NAMES) expect(fpNative(n, true), n).toBe(true);
    expect(fpNative("fclass.d", true)).toBe(false);
    expect(fpNative("fclass.s", true)).toBe(false);
    expect(fpNative("fadd.d", false)).toBe(false);
    expect(fpNative("fcvt.s.d", false)).toBe(false);
    expect(fpNative("fadd.s", false)).toBe(true);
    expect(fpNative("flw", false)).toBe(true);
    expect(fpNative("fld", false)).toBe(false);
    expect(fpNative("add", true)).toBe(false);
  });

  it("knows which fields name x registers", () => {
    expect(fpXRegs("fld")).toEqual({ readsX: true, writesX: false });
    expect(fpXRegs("fmv.x.d")).toEqual({ readsX: false, writesX: true });
    expect(fpXRegs("fmv.w.x")).toEqual({ readsX: true, writesX: false });
    expect(fpXRegs("fcvt.d.lu")).toEqual({ readsX: true, writesX: false });
    expect(fpXRegs("fcvt.wu.s")).toEqual({ readsX: false, writesX: true });
    expect(fpXRegs("flt.d")).toEqual({ readsX: false, writesX: true });
    expect(fpXRegs("fadd.d")).toEqual({ readsX: false, writesX: false });
    expect(() => fpXRegs("add")).toThrow(/not an F or D instruction/);
  });
});

describe("jit fp: fast paths against the interpreter's semantics", () => {
  for (const name of NAMES) {
    it(`${name}: every fast case exact, results and flags; other modes call out`, () => {
      const tally: Tally = { fast: 0, slow: 0 };
      check(name, 0, 0, tally); // static RNE
      check(name, 7, 0, tally); // dynamic, frm = RNE
      expect(tally.fast).toBeGreaterThan(0);
      const base = name.split(".")[0]!;
      const rounds = ROUNDING.includes(base) || (base === "fcvt" && name !== "fcvt.d.s");
      for (const mode of [1, 2, 3, 4]) {
        const other: Tally = { fast: 0, slow: 0 };
        check(name, 7, mode, other); // dynamic, frm another mode
        check(name, mode, 0, other); // static
        const toInt = /^fcvt\.(w|wu|l|lu)\./.test(name);
        const exactFromInt = /^fcvt\.d\.(w|wu)$/.test(name);
        if (rounds && !toInt && !exactFromInt) expect(other.fast, `${name} rm ${mode}`).toBe(0);
      }
      for (const bad of [5, 6, 7]) {
        const t: Tally = { fast: 0, slow: 0 };
        check(name, 7, bad, t); // an invalid frm: illegal, which the interpreter raises
        if (rounds || name === "fcvt.d.s") expect(t.fast, `${name} frm ${bad}`).toBe(0);
      }
    }, 60_000);
  }
});

describe("jit fp: the CSR accesses of FP code", () => {
  it("takes every access to fflags and reads of frm and fcsr; writes of frm and fcsr are not its", () => {
    expect(fpCsr("csrrs", 0x001, 0)).toBe(true); // frflags
    expect(fpCsr("csrrw", 0x001, 5)).toBe(true); // fsflags
    expect(fpCsr("csrrci", 0x001 | (3 << 12), 0)).toBe(true);
    expect(fpCsr("csrrs", 0x002, 0)).toBe(true); // frrm
    expect(fpCsr("csrrs", 0x003, 0)).toBe(true); // frcsr
    expect(fpCsr("csrrsi", 0x003, 0)).toBe(true); // zimm 0: no write
    expect(fpCsr("csrrw", 0x002, 5)).toBe(false); // fsrm
    expect(fpCsr("csrrwi", 0x002, 0)).toBe(false); // fsrmi (csrrwi always writes)
    expect(fpCsr("csrrs", 0x003, 5)).toBe(false);
    expect(fpCsr("csrrs", 0xb02, 0)).toBe(false); // minstret
    expect(fpCsr("add", 0x001, 0)).toBe(false);
  });

  // [mnemonic, csr | zimm << 12, rs1 (x register)]: what csrOp does, on fflags 0b10110, frm 3
  const CASES: [Mnemonic, number, number][] = [
    ["csrrs", 0x001, 0],
    ["csrrw", 0x001, XS],
    ["csrrs", 0x001, XS],
    ["csrrc", 0x001, XS],
    ["csrrwi", 0x001 | (9 << 12), 0],
    ["csrrsi", 0x001 | (9 << 12), 0],
    ["csrrci", 0x001 | (6 << 12), 0],
    ["csrrci", 0x001, 0],
    ["csrrs", 0x002, 0],
    ["csrrs", 0x003, 0],
    ["csrrc", 0x003, 0],
  ];
  for (const [name, imm, rs1] of CASES) {
    it(`${name} 0x${imm.toString(16)}, x${rs1}: rd, fflags and FS as csrOp leaves them`, () => {
      const { run } = emitOne({ name, a: 0, d: XD, s1: rs1, s2: 0, imm }, fMem);
      mi.fill(0, 0, 300);
      const flags = 0b10110;
      const frm = 3;
      const src = 0b01101 | 0xffff00;
      mi[X_BASE / 4 + 2 * XS] = src;
      mi[(JIT + JIT_FPST) / 4] = frm | 0x6000;
      mi[(JIT + JIT_FFLAGS) / 4] = flags;
      expect(run()).toBe(0);
      const csr = imm & 0xfff;
      const kind = ["csrrw", "csrrs", "csrrc", "", "csrrwi", "csrrsi", "csrrci"].indexOf(name);
      const old = csr === 1 ? flags : csr === 2 ? frm : (frm << 5) | flags;
      const v = kind >= 4 ? imm >>> 12 : rs1 === 0 ? 0 : src;
      const writes = (kind & 3) === 0 || (kind >= 4 ? imm >>> 12 !== 0 : rs1 !== 0);
      const next = (kind & 3) === 0 ? v : (kind & 3) === 1 ? old | v : old & ~v;
      expect(mi[X_BASE / 4 + 2 * XD]).toBe(old);
      expect(mi[X_BASE / 4 + 2 * XD + 1]).toBe(0);
      expect(mi[(JIT + JIT_FFLAGS) / 4]).toBe(writes ? (next & 31) | FP_DIRTY : flags);
    });
  }
});

describe("jit fp: fused multiply-adds where round-to-odd decides", () => {
  // a·b + c with a, b near powers of two (a few low bits set) and c near -a·b: the exact sum
  // needs all of the product's 106 bits, and its rounding often depends on the sticky bit that
  // round-to-odd keeps.
  const near = fc
    .tuple(fc.integer({ min: -40, max: 40 }), fc.integer({ min: 0, max: 0xfffff }), fc.boolean())
    .map(([e, low, neg]) => (neg ? -1 : 1) * 2 ** e * (1 + low * 2 ** -52));
  for (const name of ["fmadd.d", "fnmsub.d", "fmsub.d"] as Mnemonic[]) {
    it(`${name}: exact results and flags on near-cancelling operands`, () => {
      const { run } = emitOne({ name, a: (2 * FS[2]) << 21, d: FD, s1: FS[0], s2: FS[1], imm: 0 }, fMem);
      const ref = REFS[name]!;
      let fast = 0;
      fc.assert(
        fc.property(near, near, fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, 1), (x, y, k, flags0) => {
          const neg = name === "fnmsub.d" ? -1 : 1;
          const sub = name === "fmsub.d" ? -1 : 1;
          // k = 0 now and then: a·b + 1 with a·b = 2^-53 (1 + 2^-53 - 2^-105), whose sum
          // 1 + 2^-53 + ... rounds up only if round-to-odd keeps which side of the tie it is
          if (k === 0 && flags0 === 1) [x, y] = [(1 - 2 ** -53) * Math.sign(x), 2 ** -53 * (1 + 2 ** -52)];
          const c =
            k === 0 && flags0 === 1
              ? sub * Math.sign(x)
              : sub * (-neg * x * y + k * 2 ** (Math.floor(Math.log2(Math.abs(x * y))) - 60));
          const h = new RefHart();
          h.fflags = flags0;
          mi.fill(0, 0, 300);
          for (const [r, v] of [
            [FS[0], x],
            [FS[1], y],
            [FS[2], c],
          ] as const) {
            h.f[r] = v;
            mi[(F_BASE + 8 * r) / 4] = h.fi[2 * r]!;
            mi[(F_BASE + 8 * r) / 4 + 1] = h.fi[2 * r + 1]!;
          }
          mi[(JIT + JIT_FPST) / 4] = 0x6000;
          mi[(JIT + JIT_FFLAGS) / 4] = flags0;
          if (run() !== 0) return;
          fast++;
          ref(h, 0);
          expect([
            mi[(F_BASE + 8 * FD) / 4],
            mi[(F_BASE + 8 * FD) / 4 + 1],
            mi[(JIT + JIT_FFLAGS) / 4]! & 31,
          ]).toEqual([h.fi[d], h.fi[d + 1], h.fflags]);
        }),
        { numRuns: 3000, seed: 7 },
      );
      expect(fast).toBeGreaterThan(1000);
    });
  }
});
