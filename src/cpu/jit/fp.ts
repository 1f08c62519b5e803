// F and D instructions emitted as WebAssembly in a translated region (region.ts), with the
// interpreter's exact results and flags (fpu/semantics.ts, fpu/ops.ts). The f registers live in
// the arena (Hart.f); the ones a region uses are loaded into f64 locals at its entry (their bits
// as they are: wasm's loads, stores, locals and reinterpretations keep NaN payloads) and the ones
// it writes are stored back at its exit. Around a call out the registers the instruction reads
// go to memory first and the one it writes comes back after.
//
// Every instruction has a fast path in wasm for the common case and otherwise calls the
// interpreter's semantics for that one instruction (`slow`, the exec import): a rounding mode
// other than round-to-nearest-even (static rm or frm), a NaN, infinity or subnormal operand, a
// result near overflow or underflow. The fast paths are the interpreter's own inline ones, on
// wasm's f64 operations (IEEE binary64 in round-to-nearest-even, as JS's numbers): TwoSum for
// the inexact flag of add and sub, Dekker's TwoProduct for mul, div, sqrt, and the fused
// multiply-adds with round-to-odd (see the notes at the top of fpu/ops.ts); binary32 goes
// through binary64 and one f32.demote_f64 (Math.fround). So the only flag a fast path raises
// is NX; NV, DZ, OF and UF always come from the interpreter.
//
// The CSR accesses floating-point code makes around its operations (glibc reads fflags, runs a
// quiet comparison and writes fflags back around each sqrt) run in wasm too: any access to
// fflags, and reads of frm and fcsr (writes of frm and fcsr are side exits, as other CSRs).
//
// State shared with the interpreter through the hart's jit words (translator.ts enter()):
//   JIT_FPST    i32, written before each entry: frm | (mstatus & FS). A region with FP ops
//               leaves at once (0 retired) when FS is Off: the interpreter then raises the
//               illegal instruction. frm (dynamic rounding) is read from here.
//   JIT_FFLAGS  i32, the hart's fflags (bits 0-4) while a region runs, and FP_DIRTY: enter()
//               puts fflags there, the region ORs flags in, fsflags writes it, and the exec
//               import's glue syncs it with the hart around each call out; after the run enter()
//               takes fflags back and sets mstatus.FS = Dirty if FP_DIRTY is set. FP_DIRTY is
//               set by what makes the interpreter set FS Dirty: an f register written, a flag
//               raised, fflags written (an instruction that writes no f register and raises no
//               flag leaves FS alone).

import { CSR, CSR_KIND, csrWrites } from "../csr.js";
import type { Mnemonic } from "../isa.js";
import type { FuncBuilder, Label } from "./func.js";
import type { ModuleBuilder } from "./module.js";
import { Op } from "./opcodes.js";
import { Block, F32, F64, I32, I64, type ValType } from "./types.js";

/** Offsets in a hart's jit words (after JIT_PC and JIT_VALUE of region.ts). */
export const JIT_FPST = 16;
export const JIT_FFLAGS = 20;
/** fflags.NX, the one flag the fast paths raise. */
const NX = 1;
/** The bit of JIT_FFLAGS that says FS becomes Dirty. */
export const FP_DIRTY = 32;
/** mstatus.FS. */
const FS = 0x6000;

const TINY = 2 ** -900;
const HUGE = 2 ** 990;
const MIN_S = 2 ** -126;
const SPLIT = 134217729; // 2^27 + 1
const CANON_S = 0x7fc00000;

/** What the emitter needs of a guest instruction (region.ts's Insn has it). */
export interface FpInsn {
  readonly name: Mnemonic;
  /** The decode slot's register word (s3 of the fused multiply-adds is in bits 21-27). */
  readonly a: number;
  /** Register numbers; an x destination that is x0 is 0 (dropped). */
  readonly d: number;
  readonly s1: number;
  readonly s2: number;
  /** The rm field (7: dynamic), or the load/store displacement. */
  readonly imm: number;
}

/** What the emitter needs of the region's emitter. */
export interface FpHost {
  /** The region's function, and its module (for the helper functions of the arithmetic). */
  readonly f: FuncBuilder;
  readonly module: ModuleBuilder;
  /** Byte offsets of f0 and of the hart's jit words; does the hart have D? */
  readonly fBase: number;
  readonly jit: number;
  readonly hasD: boolean;
  /** The host TLB for loads and stores (region.ts RegionLayout). */
  readonly rLo: number;
  readonly rHi: number;
  readonly rBase: number;
  readonly rSlot: number;
  readonly hitR: number;
  readonly wLo: number;
  readonly wHi: number;
  readonly wBase: number;
  readonly wSlot: number;
  readonly hitW: number;
  /** Push x register r as i64 / pop an i64 into it (dropped for x0). */
  getX(r: number): void;
  setX(r: number): void;
  /** The inline host-TLB lookup of s1 + imm (pushes the hit condition), the RAM address of
   *  the access, and the paged variant's accounting of a hit (region.ts). */
  lookup(s1: number, imm: number, width: number, tag: number): void;
  ramAddress(base: number): void;
  account(slotArr: number, hits: number, rel: number): void;
  /** Is the emission on a guest block's straight line (not inside a conditional arm)? */
  atTop(): boolean;
}

type Prec = "s" | "d";

/** How an instruction depends on the rounding mode: not at all, only on its being valid
 *  (a dynamic rm with frm 5-7 is illegal), or it must be round-to-nearest-even. */
type RmUse = "none" | "valid" | "rne";

const ARITH: Record<string, "add" | "sub" | "mul" | "div" | "sqrt" | "min" | "max"> = {
  fadd: "add",
  fsub: "sub",
  fmul: "mul",
  fdiv: "div",
  fsqrt: "sqrt",
  fmin: "min",
  fmax: "max",
};
/** fmadd/fmsub/fnmsub/fnmadd: [negate the product, negate the addend]. */
const FUSED: Record<string, readonly [boolean, boolean]> = {
  fmadd: [false, false],
  fmsub: [false, true],
  fnmsub: [true, false],
  fnmadd: [true, true],
};
const SGNJ: Record<string, 0 | 1 | 2> = { fsgnj: 0, fsgnjn: 1, fsgnjx: 2 };
const CMP: Record<string, number> = { feq: 0, flt: 1, fle: 2 };
const INT_KIND: Record<string, number> = { w: 0, wu: 1, l: 2, lu: 3 };
/** Bounds of w, wu, l, lu: t is in range when MIN <= t < END. */
const INT_MIN = [-(2 ** 31), 0, -(2 ** 63), 0];
const INT_END = [2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64];

/** The instruction's parts: base name, precision, integer kind of a conversion. */
interface Parsed {
  base: string;
  prec: Prec;
  /** fcvt to an integer (toInt) or from one (fromInt): the kind 0..3. */
  toInt: number;
  fromInt: number;
}

function parse(name: Mnemonic): Parsed | null {
  if (name === "flw" || name === "fsw") return { base: name.slice(0, 2), prec: "s", toInt: -1, fromInt: -1 };
  if (name === "fld" || name === "fsd") return { base: name.slice(0, 2), prec: "d", toInt: -1, fromInt: -1 };
  const m = /^(f[a-z]+)\.([a-z]+)(?:\.([a-z]+))?$/.exec(name);
  if (!m) return null;
  const [, base, p1, p2] = m as unknown as [string, string, string, string | undefined];
  if (base === "fmv") {
    // fmv.x.w, fmv.w.x, fmv.x.d, fmv.d.x
    const prec: Prec = p1 === "d" || p2 === "d" ? "d" : "s";
    return { base: p1 === "x" ? "fmv.x" : "fmv.f", prec, toInt: -1, fromInt: -1 };
  }
  if (base === "fcvt") {
    if (p2 === undefined) return null;
    if (p1 in INT_KIND) return { base, prec: p2 as Prec, toInt: INT_KIND[p1]!, fromInt: -1 };
    if (p2 in INT_KIND) return { base, prec: p1 as Prec, toInt: -1, fromInt: INT_KIND[p2]! };
    return { base: `fcvt.${p1}.${p2}`, prec: "d", toInt: -1, fromInt: -1 }; // fcvt.s.d, fcvt.d.s
  }
  if (p2 !== undefined || (p1 !== "s" && p1 !== "d")) return null;
  return { base, prec: p1, toInt: -1, fromInt: -1 };
}

/** The CSR instructions, by mnemonic: their csrOp kind (CSR_KIND). */
const CSR_OPS: Partial<Record<Mnemonic, number>> = CSR_KIND;

/** Is this a CSR access the emitter takes: any to fflags, a read of frm or fcsr? */
export function fpCsr(name: Mnemonic, imm: number, s1: number): boolean {
  const kind = CSR_OPS[name];
  if (kind === undefined) return false;
  const csr = imm & 0xfff;
  return csr === CSR.fflags || ((csr === CSR.frm || csr === CSR.fcsr) && !csrWrites(kind, imm, s1));
}

/** Does the emitter take `name` (with a fast path in wasm)? fclass is left to the interpreter;
 *  a CSR instruction only when fpCsr says so. */
export function fpNative(name: Mnemonic, hasD: boolean): boolean {
  if (name in CSR_OPS) return true;
  const p = parse(name);
  if (!p || p.base === "fclass") return false;
  if (!hasD && (p.prec === "d" || p.base === "fcvt.s.d" || p.base === "fcvt.d.s")) return false;
  return true;
}

/** Which fields of a native FP instruction name x registers: rs1 read, rd written. */
export function fpXRegs(name: Mnemonic): { readsX: boolean; writesX: boolean } {
  const kind = CSR_OPS[name];
  if (kind !== undefined) return { readsX: kind < 4, writesX: true };
  const p = parse(name);
  if (!p) throw new Error(`translator: ${name} is not an F or D instruction`);
  const readsX = ["fl", "fs", "fmv.f"].includes(p.base) || p.fromInt >= 0;
  const writesX = p.base === "fmv.x" || p.base in CMP || p.base === "fclass" || p.toInt >= 0;
  return { readsX, writesX };
}

/** Which fields of an F or D instruction name f registers: rd written, and the sources. */
function fFields(p: Parsed): { writesF: boolean; srcs: ("s1" | "s2" | "s3")[] } {
  const b = p.base;
  if (b === "fl" || b === "fmv.f" || p.fromInt >= 0) return { writesF: true, srcs: [] };
  if (b === "fs") return { writesF: false, srcs: ["s2"] };
  if (b === "fmv.x" || b === "fclass" || p.toInt >= 0) return { writesF: false, srcs: ["s1"] };
  if (b in CMP) return { writesF: false, srcs: ["s1", "s2"] };
  if (b in FUSED) return { writesF: true, srcs: ["s1", "s2", "s3"] };
  if (b === "fsqrt" || b.startsWith("fcvt.")) return { writesF: true, srcs: ["s1"] };
  return { writesF: true, srcs: ["s1", "s2"] };
}

/** Is `ins` the emitter's: an F or D instruction, or a CSR access fpCsr takes? */
export function fpOwns(ins: FpInsn): boolean {
  return parse(ins.name) !== null || fpCsr(ins.name, ins.imm, ins.s1);
}

/** The f register numbers an instruction's fields name: rd and rs3 (in the slot word). */
const fReg = (ins: FpInsn, field: "d" | "s1" | "s2" | "s3"): number =>
  field === "s3" ? (ins.a >>> 22) & 63 : ins[field];

/** The emission of the F and D instructions of one region. */
export class FpEmitter {
  /** The function being emitted: the region's, or for a while one of the helpers. */
  private f: FuncBuilder;
  /** The temporaries of the region's function (temps is those of the function being emitted). */
  private readonly regionTemps = new Map<string, number>();
  /** The helper functions made so far (their function indices), by kind. */
  private readonly helpers = new Map<string, number>();
  /** The fp state word read at entry (JIT_FPST). */
  private readonly st: number;
  /** Set (1) once the region wrote an f register: leave() then makes FS Dirty. */
  private readonly dirty: number;
  private temps = this.regionTemps;
  /** f register -> its f64 local (0: the region does not use it), and those the region writes. */
  private readonly fr: number[] = [];
  /** f registers whose local holds their value on every path at this point of the block (as
   *  region.ts caches x registers: the registers live in memory between blocks). */
  private readonly cached: boolean[] = [];

  /** The emitter of a region whose F, D and FP CSR instructions are `insns` (fpOwns). */
  constructor(
    private readonly h: FpHost,
    insns: readonly FpInsn[],
  ) {
    this.f = h.f;
    this.st = this.f.local(I32, "fpst");
    this.dirty = this.f.local(I32, "fdirty");
    for (const ins of insns) {
      const p = parse(ins.name);
      if (!p) continue;
      const { writesF, srcs } = fFields(p);
      const regs = srcs.map((k) => fReg(ins, k));
      if (writesF) regs.push(ins.d);
      for (const r of regs) this.fr[r] ??= this.f.local(F64, `f${r}`);
    }
  }

  /** At the region's start, inside its exit block: the fp state; leave (nothing retired) if FS
   *  is Off. */
  enter(exit: Label): void {
    const f = this.f;
    f.i32Const(0)
      .load(Op.i32_load, this.h.jit + JIT_FPST)
      .localTee(this.st);
    f.i32Const(FS).op(Op.i32_and).op(Op.i32_eqz).brIf(exit);
  }

  /** At a guest block's start: no f register is in its local yet. */
  newBlock(): void {
    this.cached.fill(false);
  }

  /** At the region's exit: FS Dirty if an f register was written. */
  leave(): void {
    const f = this.f;
    f.localGet(this.dirty).if();
    this.orFlags(FP_DIRTY);
    f.end();
  }

  /** Emit `ins` (1-based index rel + n in the region's run), one fpOwns says is ours (false for
   *  others); `slow(after)` emits its call out to the interpreter, with `after` emitted right
   *  after the call (before any exit). */
  emit(ins: FpInsn, rel: number, slow: (after: () => void) => void): boolean {
    if (ins.name in CSR_OPS) {
      this.csr(ins);
      return true;
    }
    const parsed = parse(ins.name);
    if (!parsed) return false;
    const out = (): void => this.callOut(ins, parsed, slow);
    for (const k of fFields(parsed).srcs) this.cache(fReg(ins, k)); // read in the arms below
    if (!fpNative(ins.name, this.h.hasD) || !this.fast(ins, rel, parsed, out)) out();
    return true;
  }

  /** The call out for `ins`: the f registers are in memory (setD writes through), and the one
   *  it writes is read from memory again after it (its local no longer caches it). */
  private callOut(ins: FpInsn, p: Parsed, slow: (after: () => void) => void): void {
    const { writesF } = fFields(p);
    slow(() => {
      if (writesF) this.cached[ins.d] = false;
    });
  }

  /** Emit the fast path of a native instruction with `slow` as its way out; false if it has
   *  none in this rounding mode (the caller then calls out). */
  private fast(ins: FpInsn, rel: number, p: Parsed, slow: () => void): boolean {
    const b = p.base;
    if (b === "fl" || b === "fs") {
      this.loadStore(ins, rel, p.prec, b === "fs", slow);
      return true;
    }
    if (b === "fmv.x" || b === "fmv.f") {
      this.move(ins, p.prec, b === "fmv.x");
      return true;
    }
    if (b in SGNJ) {
      this.sgnj(ins, p.prec, SGNJ[b]!);
      return true;
    }
    const rmUse: RmUse =
      b in CMP || b === "fmin" || b === "fmax"
        ? "none"
        : b === "fcvt.d.s" || (p.fromInt >= 0 && p.fromInt < 2 && p.prec === "d")
          ? "valid"
          : "rne";
    if (p.toInt >= 0) {
      const mode = ins.imm === 7 ? 0 : ins.imm;
      if (mode > 3) return false; // RMM: the interpreter
      this.guarded(ins.imm === 7 ? "rne" : "none", slow, (sl) => this.toInt(ins, p.prec, p.toInt, mode, sl));
      return true;
    }
    if (rmUse === "rne" && ins.imm !== 0 && ins.imm !== 7) return false; // a static rounding mode
    this.guarded(ins.imm === 7 ? rmUse : "none", slow, (sl) => this.compute(ins, p, sl));
    return true;
  }

  private compute(ins: FpInsn, p: Parsed, sl: Label): void {
    const b = p.base;
    if (p.fromInt >= 0) this.fromInt(ins, p.prec, p.fromInt, sl);
    else if (b in CMP) this.compare(ins, p.prec, CMP[b]!, sl);
    else if (b in FUSED) {
      const [nP, nC] = FUSED[b]!;
      if (p.prec === "d") this.fmaD(ins, nP, nC, sl);
      else this.fmaS(ins, nP, nC, sl);
    } else if (b === "fcvt.s.d") this.cvtSD(ins, sl);
    else if (b === "fcvt.d.s") this.cvtDS(ins, sl);
    else {
      const op = ARITH[b];
      if (op === undefined) throw new Error(`translator: no FP emission for ${ins.name}`);
      if (op === "min" || op === "max") this.minMax(ins, p.prec, op === "min", sl);
      else if (p.prec === "d") this.arithD(ins, op, sl);
      else this.arithS(ins, op, sl);
    }
  }

  // ---- helpers ----

  private tmp(name: string, t: ValType = F64): number {
    let i = this.temps.get(name);
    if (i === undefined) {
      i = this.f.local(t, `fp_${name}`);
      this.temps.set(name, i);
    }
    return i;
  }

  private off(r: number): number {
    return this.h.fBase + 8 * r;
  }

  /** Push f register r as a double: from its local if it caches it, else from memory (and
   *  into the local when on the block's straight line). */
  private getD(r: number): void {
    const f = this.f;
    if (this.cached[r]) {
      f.localGet(this.fr[r]!);
      return;
    }
    f.i32Const(0).load(Op.f64_load, this.off(r));
    if (this.h.atTop()) {
      f.localTee(this.fr[r]!);
      this.cached[r] = true;
    }
  }

  /** Load f register r into its local if on the block's straight line and not there yet. */
  private cache(r: number): void {
    if (this.cached[r] || !this.h.atTop()) return;
    this.f.i32Const(0).load(Op.f64_load, this.off(r)).localSet(this.fr[r]!);
    this.cached[r] = true;
  }

  /** Push f register r's 64 bits. */
  private getBits(r: number): void {
    this.getD(r);
    this.f.op(Op.i64_reinterpret_f64);
  }

  /** Pop a double into f register r: into memory and its local. */
  private setD(r: number): void {
    const f = this.f;
    const l = this.fr[r]!;
    f.localSet(l).i32Const(0).localGet(l).store(Op.f64_store, this.off(r));
    this.cached[r] = this.h.atTop();
  }

  /** Pop 64 bits into f register r. */
  private setBits(r: number): void {
    this.f.op(Op.f64_reinterpret_i64);
    this.setD(r);
  }

  /** Pop a single's 32 bits into f register r, NaN-boxed. */
  private setSBits(r: number): void {
    this.f.op(Op.i64_extend_i32_u).i64Const(0, -1).op(Op.i64_or);
    this.setBits(r);
  }

  /** Push the single in f register r, unboxed (the canonical NaN if it is not NaN-boxed). */
  private getS(r: number): void {
    this.bitsS(r);
    this.f.op(Op.f32_reinterpret_i32);
  }

  /** Push the single's bits in f register r, unboxed. */
  private bitsS(r: number): void {
    const f = this.f;
    this.getBits(r);
    f.op(Op.i32_wrap_i64).i32Const(CANON_S);
    this.getBits(r);
    f.i64Const(32, 0).op(Op.i64_shr_u).op(Op.i32_wrap_i64).i32Const(-1).op(Op.i32_eq); // boxed
    f.select();
  }

  /** f register r = the double in local v (inside an arm: only into memory). */
  private putD(r: number, v: number): void {
    const f = this.f;
    if (this.h.atTop()) {
      f.localGet(v);
      this.setD(r);
      return;
    }
    f.i32Const(0).localGet(v).store(Op.f64_store, this.off(r));
    this.cached[r] = false;
  }

  /** f register r = the single the double in local v rounds to (exactly, on the fast paths),
   *  NaN-boxed. */
  private putS(r: number, v: number): void {
    this.f.localGet(v).op(Op.f32_demote_f64).op(Op.i32_reinterpret_f32);
    this.setSBits(r);
  }

  /** f register r = the single q (a double local holding a single's value) with NX = local nx,
   *  if q is finite and exact or above the smallest normal (else tininess decides UF: slow). */
  private putSingle(r: number, q: number, nx: number, sl: Label): void {
    const f = this.f;
    this.finite(q);
    f.localGet(nx).op(Op.i32_eqz);
    f.localGet(q).op(Op.f64_abs).f64Const(MIN_S).op(Op.f64_gt);
    f.op(Op.i32_or).op(Op.i32_and).op(Op.i32_eqz).brIf(sl);
    this.putS(r, q);
    this.accrue(true, () => f.localGet(nx));
  }

  /** JIT_FFLAGS |= FP_DIRTY if `dirty`, and NX | FP_DIRTY if `nx` pushes 1 (an i32 0/1). */
  private accrue(dirty: boolean, nx?: () => void): void {
    const f = this.f;
    if (dirty) f.i32Const(1).localSet(this.dirty);
    if (!nx) return;
    nx();
    f.if();
    this.orFlags(NX | FP_DIRTY);
    f.end();
  }

  /** JIT_FFLAGS |= bits. */
  private orFlags(bits: number): void {
    const at = this.h.jit + JIT_FFLAGS;
    this.f.i32Const(0).i32Const(0).load(Op.i32_load, at).i32Const(bits).op(Op.i32_or).store(Op.i32_store, at);
  }

  /** Push whether NX is already set in fflags (then only the other flags need care). */
  private nxKnown(): void {
    this.f
      .i32Const(0)
      .load(Op.i32_load, this.h.jit + JIT_FFLAGS)
      .i32Const(NX)
      .op(Op.i32_and);
  }

  /** Push |local v| < c (false for NaN). */
  private absLt(v: number, c: number): void {
    this.f.localGet(v).op(Op.f64_abs).f64Const(c).op(Op.f64_lt);
  }

  /** Push |local v| >= c (false for NaN). */
  private absGe(v: number, c: number): void {
    this.f.localGet(v).op(Op.f64_abs).f64Const(c).op(Op.f64_ge);
  }

  /** Push the conjunction of |local| >= c / |local| < c over `tests` (false for a NaN). */
  private magnitudes(tests: readonly (readonly [number, ">=" | "<", number])[]): void {
    tests.forEach(([v, rel, c], k) => {
      if (rel === ">=") this.absGe(v, c);
      else this.absLt(v, c);
      if (k > 0) this.f.op(Op.i32_and);
    });
  }

  /** Push (local v is finite) as v - v == 0. */
  private finite(v: number): void {
    this.f.localGet(v).localGet(v).op(Op.f64_sub).f64Const(0).op(Op.f64_eq);
  }

  /** Push local v != 0 (an i32 0/1; true for NaN). */
  private nonZero(v: number): void {
    this.f.localGet(v).f64Const(0).op(Op.f64_ne);
  }

  /** Push the TwoSum error of v = RN(a + b): a - (v - (v - a)) + (b - (v - a)). */
  private sumErr(a: number, b: number, v: number): void {
    const f = this.f;
    const bb = this.tmp("bb");
    f.localGet(v).localGet(a).op(Op.f64_sub).localSet(bb);
    f.localGet(a).localGet(v).localGet(bb).op(Op.f64_sub).op(Op.f64_sub);
    f.localGet(b).localGet(bb).op(Op.f64_sub).op(Op.f64_add);
  }

  /** Push Dekker's error of p = RN(a·b): a·b - p exactly (locals a, b, p). */
  private prodErr(a: number, b: number, p: number): void {
    const f = this.f;
    const t = this.tmp("t");
    const [ah, al, bh, bl] = [this.tmp("ah"), this.tmp("al"), this.tmp("bh"), this.tmp("bl")];
    const split = (x: number, hi: number, lo: number): void => {
      f.f64Const(SPLIT).localGet(x).op(Op.f64_mul).localTee(t);
      f.localGet(t).localGet(x).op(Op.f64_sub).op(Op.f64_sub).localTee(hi);
      f.localGet(x).localGet(hi).op(Op.f64_sub).localSet(lo);
      f.drop();
    };
    split(a, ah, al);
    split(b, bh, bl);
    f.localGet(ah).localGet(bh).op(Op.f64_mul).localGet(p).op(Op.f64_sub);
    f.localGet(ah).localGet(bl).op(Op.f64_mul).op(Op.f64_add);
    f.localGet(al).localGet(bh).op(Op.f64_mul).op(Op.f64_add);
    f.localGet(al).localGet(bl).op(Op.f64_mul).op(Op.f64_add);
  }

  /** Local v = round-to-odd of v with error err (local, non-zero): fpu/ops.ts roundToOdd. */
  private roundToOdd(v: number, err: number): void {
    const f = this.f;
    const bits = this.tmp("bits", I64);
    f.localGet(v).f64Const(0).op(Op.f64_eq);
    f.if();
    f.f64Const(Number.MIN_VALUE).f64Const(-Number.MIN_VALUE);
    f.localGet(err).f64Const(0).op(Op.f64_gt).select().localSet(v);
    f.else();
    f.localGet(v).op(Op.i64_reinterpret_f64).localTee(bits).i64Const(1, 0).op(Op.i64_and).op(Op.i64_eqz);
    f.if();
    // one unit away from zero when err has v's sign, else toward zero
    f.localGet(bits).i64Const(1, 0).i64Const(-1, -1);
    f.localGet(err).f64Const(0).op(Op.f64_gt).localGet(v).f64Const(0).op(Op.f64_gt).op(Op.i32_eq);
    f.select().op(Op.i64_add).op(Op.f64_reinterpret_i64).localSet(v);
    f.end();
    f.end();
  }

  /** The shape of every guarded instruction: the rounding-mode check, the fast path (which
   *  branches to its label to give up), else the call out. */
  private guarded(rm: RmUse, slow: () => void, fast: (sl: Label) => void): void {
    const f = this.f;
    const done = f.block();
    const sl = f.block();
    if (rm !== "none") {
      f.localGet(this.st).i32Const(7).op(Op.i32_and);
      if (rm === "valid") f.i32Const(4).op(Op.i32_gt_u);
      f.brIf(sl);
    }
    fast(sl);
    f.br(done);
    f.end();
    slow();
    f.end();
  }

  // ---- loads, stores, moves, sign injection ----

  private loadStore(ins: FpInsn, rel: number, p: Prec, store: boolean, slow: () => void): void {
    const f = this.f;
    const h = this.h;
    const w = p === "d" ? 8 : 4;
    if (!store) {
      h.lookup(ins.s1, ins.imm, w, h.rLo);
      f.if(Block.void, "likely"); // a host-TLB hit: the miss arm is out of line (docs/jit.md "Code", branch hints)
      h.ramAddress(h.rBase);
      if (p === "d") {
        f.load(Op.f64_load, 0);
        this.setD(ins.d);
      } else {
        f.load(Op.i32_load, 0);
        this.setSBits(ins.d);
      }
      this.accrue(true);
      h.account(h.rSlot, h.hitR, rel);
      f.else();
      slow();
      f.end();
      return;
    }
    h.lookup(ins.s1, ins.imm, w, h.wLo);
    f.if(Block.void, "likely");
    h.ramAddress(h.wBase);
    if (p === "d") {
      this.getD(ins.s2);
      f.store(Op.f64_store, 0);
    } else {
      this.getBits(ins.s2);
      f.op(Op.i32_wrap_i64).store(Op.i32_store, 0);
    }
    h.account(h.wSlot, h.hitW, rel);
    f.else();
    slow();
    f.end();
  }

  /** fmv.x.w/fmv.x.d (toX) and fmv.w.x/fmv.d.x: the bits as they are (fmv.x.w sign-extends the
   *  low word, fmv.w.x NaN-boxes). */
  private move(ins: FpInsn, p: Prec, toX: boolean): void {
    const f = this.f;
    if (toX) {
      if (ins.d === 0) return;
      this.getBits(ins.s1);
      if (p === "s") f.op(Op.i32_wrap_i64).op(Op.i64_extend_i32_s);
      this.h.setX(ins.d);
      return;
    }
    this.h.getX(ins.s1);
    if (p === "d") this.setBits(ins.d);
    else {
      f.op(Op.i32_wrap_i64);
      this.setSBits(ins.d);
    }
    this.accrue(true);
  }

  /** fsgnj (kind 0), fsgnjn (1), fsgnjx (2): bit operations on the sign, no flags. */
  private sgnj(ins: FpInsn, p: Prec, kind: 0 | 1 | 2): void {
    const f = this.f;
    if (p === "d") {
      this.getBits(ins.s1);
      if (kind !== 2) f.i64Const(-1, 0x7fffffff).op(Op.i64_and);
      this.getBits(ins.s2);
      if (kind === 1) f.i64Const(-1, -1).op(Op.i64_xor);
      f.i64Const(0, -2147483648).op(Op.i64_and);
      f.op(kind === 2 ? Op.i64_xor : Op.i64_or);
      this.setBits(ins.d);
    } else {
      this.bitsS(ins.s1);
      if (kind !== 2) f.i32Const(0x7fffffff).op(Op.i32_and);
      this.bitsS(ins.s2);
      if (kind === 1) f.i32Const(-1).op(Op.i32_xor);
      f.i32Const(-2147483648).op(Op.i32_and);
      f.op(kind === 2 ? Op.i32_xor : Op.i32_or);
      this.setSBits(ins.d);
    }
    this.accrue(true);
  }

  /** A CSR access fpCsr takes: the old value into rd; fflags written as csrOp would (FS Dirty). */
  private csr(ins: FpInsn): void {
    const f = this.f;
    const kind = CSR_OPS[ins.name]!;
    const csr = ins.imm & 0xfff;
    if (!fpCsr(ins.name, ins.imm, ins.s1)) {
      throw new Error(`translator: ${ins.name} of CSR 0x${csr.toString(16)} is not one fp.ts takes`);
    }
    const at = this.h.jit + JIT_FFLAGS;
    const old = this.tmp("csr", I32);
    const fflags = (): void => {
      f.i32Const(0).load(Op.i32_load, at).i32Const(31).op(Op.i32_and);
    };
    if (csr === CSR.fflags) fflags();
    else {
      f.localGet(this.st).i32Const(7).op(Op.i32_and);
      if (csr === CSR.fcsr) {
        f.i32Const(5).op(Op.i32_shl);
        fflags();
        f.op(Op.i32_or);
      }
    }
    f.localSet(old);
    if (csrWrites(kind, ins.imm, ins.s1)) {
      f.i32Const(0);
      const src = (): void => {
        if (kind >= 4) f.i32Const(ins.imm >>> 12);
        else {
          this.h.getX(ins.s1);
          f.op(Op.i32_wrap_i64);
        }
      };
      if ((kind & 3) === 0) src();
      else if ((kind & 3) === 1) {
        f.localGet(old);
        src();
        f.op(Op.i32_or);
      } else {
        f.localGet(old);
        src();
        f.i32Const(-1).op(Op.i32_xor).op(Op.i32_and);
      }
      f.i32Const(31).op(Op.i32_and).i32Const(FP_DIRTY).op(Op.i32_or).store(Op.i32_store, at);
    }
    if (ins.d !== 0) {
      f.localGet(old).op(Op.i64_extend_i32_u);
      this.h.setX(ins.d);
    }
  }

  // ---- comparisons, min/max ----

  /** feq (0), flt (1), fle (2) into x rd; a NaN operand goes slow (its flags). */
  private compare(ins: FpInsn, p: Prec, op: number, sl: Label): void {
    const f = this.f;
    const t = p === "d" ? F64 : F32;
    const a = this.tmp(`c${p}a`, t);
    const b = this.tmp(`c${p}b`, t);
    const get = (r: number): void => (p === "d" ? this.getD(r) : this.getS(r));
    get(ins.s1);
    f.localTee(a)
      .localGet(a)
      .op(p === "d" ? Op.f64_eq : Op.f32_eq);
    get(ins.s2);
    f.localTee(b)
      .localGet(b)
      .op(p === "d" ? Op.f64_eq : Op.f32_eq);
    f.op(Op.i32_and).op(Op.i32_eqz).brIf(sl);
    if (ins.d === 0) return;
    const rel = p === "d" ? [Op.f64_eq, Op.f64_lt, Op.f64_le][op]! : [Op.f32_eq, Op.f32_lt, Op.f32_le][op]!;
    f.localGet(a).localGet(b).op(rel).op(Op.i64_extend_i32_u);
    this.h.setX(ins.d);
  }

  /** fmin/fmax of two ordered, different operands; equal ones (±0) and NaNs go slow. */
  private minMax(ins: FpInsn, p: Prec, min: boolean, sl: Label): void {
    const f = this.f;
    const t = p === "d" ? F64 : F32;
    const a = this.tmp(`m${p}a`, t);
    const b = this.tmp(`m${p}b`, t);
    const lt = this.tmp("lt", I32);
    const LT = p === "d" ? Op.f64_lt : Op.f32_lt;
    if (p === "d") this.getD(ins.s1);
    else this.getS(ins.s1);
    f.localSet(a);
    if (p === "d") this.getD(ins.s2);
    else this.getS(ins.s2);
    f.localSet(b);
    f.localGet(a).localGet(b).op(LT).localSet(lt);
    // neither a < b nor b < a: equal or unordered
    f.localGet(lt).localGet(b).localGet(a).op(LT).op(Op.i32_or).op(Op.i32_eqz).brIf(sl);
    if (min) f.localGet(a).localGet(b);
    else f.localGet(b).localGet(a);
    f.localGet(lt).select();
    if (p === "d") this.setD(ins.d);
    else {
      f.op(Op.i32_reinterpret_f32);
      this.setSBits(ins.d);
    }
    this.accrue(true);
  }

  // ---- arithmetic ----

  /** fadd/fsub/fmul/fdiv/fsqrt.d in round-to-nearest-even (fpu/ops.ts addD ... sqrtD). */
  private arithD(ins: FpInsn, op: "add" | "sub" | "mul" | "div" | "sqrt", sl: Label): void {
    this.getD(ins.s1);
    if (op !== "sqrt") {
      this.getD(ins.s2);
      if (op === "sub") this.f.op(Op.f64_neg);
    }
    const kind = op === "sub" ? "add" : op;
    this.callHelper(kind, op === "sqrt" ? 1 : 2, (a, b, _c, sl2) => this.arithCore(kind, a, b ?? a, sl2));
    this.helperResult(ins, sl);
  }

  /** Call the module's helper `kind` (made by `body` on its first use) on the `n` doubles on the
   *  stack: it returns the result and 1 to go slow (then the result is 0 and nothing changed),
   *  else 0, having raised NX (and FS Dirty) in JIT_FFLAGS if `body` found the result inexact.
   *  `body` pushes the result and its status, 0 exact, 1 inexact, or branches to its label to go
   *  slow. A helper keeps the region's function small (V8 compiles it faster) and its code in
   *  one copy. */
  private callHelper(
    kind: string,
    n: number,
    body: (a: number, b: number | undefined, c: number | undefined, sl: Label) => void,
  ): void {
    let idx = this.helpers.get(kind);
    if (idx === undefined) {
      const outer = this.f;
      const hf = this.h.module.func(
        `fp_${kind}`,
        Array.from({ length: n }, () => F64),
        [F64, I32],
      );
      this.f = hf;
      this.temps = new Map();
      const sl = hf.block();
      body(0, n > 1 ? 1 : undefined, n > 2 ? 2 : undefined, sl);
      const [st, v] = [hf.local(I32, "st"), hf.local(F64, "v")];
      hf.localSet(st).localSet(v);
      hf.localGet(st).if();
      this.orFlags(NX | FP_DIRTY);
      hf.end();
      hf.localGet(v).i32Const(0).return();
      hf.end();
      hf.f64Const(0).i32Const(1);
      this.f = outer;
      this.temps = this.regionTemps;
      idx = hf.index;
      this.helpers.set(kind, idx);
    }
    this.f.call(idx);
  }

  /** After callHelper: go slow if it says so, else f[rd] = the result (the helper raised NX). */
  private helperResult(ins: FpInsn, sl: Label): void {
    this.f.brIf(sl); // the result under the flag is dropped
    this.setD(ins.d);
    this.accrue(true);
  }

  private arithCore(op: "add" | "mul" | "div" | "sqrt", a: number, b: number, sl: Label): void {
    const f = this.f;
    const [v, e] = [this.tmp("v"), this.tmp("e")];
    const ops = { add: Op.f64_add, mul: Op.f64_mul, div: Op.f64_div } as const;
    f.localGet(a);
    if (op === "sqrt") f.op(Op.f64_sqrt);
    else f.localGet(b).op(ops[op]);
    f.localSet(v);
    f.f64Const(0).localSet(e);
    const ok = f.block(); // the cases without a new flag join the normal one here
    // NX already set: only a result that is not finite (for + and -) or not a finite normal
    // (×, ÷, √: overflow, underflow, invalid, divide by zero) raises another flag
    this.nxKnown();
    if (op === "add") this.finite(v);
    else
      this.magnitudes([
        [v, ">=", 2 ** -1022],
        [v, "<", Number.POSITIVE_INFINITY],
      ]);
    f.op(Op.i32_and).brIf(ok);
    const exact = f.block();
    if (op === "add") {
      this.sumErr(a, b, v);
      f.localSet(e);
      this.finite(v);
      this.finite(e);
      f.op(Op.i32_and).brIf(ok);
    } else if (op === "mul") {
      this.magnitudes([
        [v, ">=", TINY],
        [v, "<", HUGE],
        [a, "<", HUGE],
        [b, "<", HUGE],
      ]);
      f.if();
      this.prodErr(a, b, v);
      f.localSet(e);
      f.br(ok);
      f.end();
      // 0 · finite
      f.localGet(v).f64Const(0).op(Op.f64_eq);
      f.localGet(a).f64Const(0).op(Op.f64_eq).localGet(b).f64Const(0).op(Op.f64_eq).op(Op.i32_or);
      f.op(Op.i32_and).brIf(exact);
    } else if (op === "div") {
      this.magnitudes([
        [v, ">=", TINY],
        [v, "<", HUGE],
        [b, ">=", TINY],
        [b, "<", HUGE],
        [a, ">=", TINY],
      ]);
      f.if();
      this.residual(v, b, a, e);
      f.br(ok);
      f.end();
      // 0 / (non-zero, non-NaN)
      f.localGet(a).f64Const(0).op(Op.f64_eq);
      f.localGet(b).localGet(b).op(Op.f64_eq).op(Op.i32_and);
      f.localGet(b).f64Const(0).op(Op.f64_ne).op(Op.i32_and).brIf(exact);
    } else {
      f.localGet(a).f64Const(TINY).op(Op.f64_ge);
      f.localGet(a).f64Const(Number.POSITIVE_INFINITY).op(Op.f64_lt).op(Op.i32_and);
      f.if();
      this.residual(v, v, a, e);
      f.br(ok);
      f.end();
      // ±0 (√-0 = -0)
      f.localGet(a).f64Const(0).op(Op.f64_eq).brIf(exact);
    }
    f.br(sl);
    f.end(); // exact
    f.f64Const(0).localSet(e);
    f.end(); // ok
    f.localGet(v);
    this.nonZero(e);
  }

  /** Local e = a non-zero value iff q·b != a exactly (q = RN(a / b) or RN(√a) with b = q):
   *  p = RN(q·b), then p != a or TwoProduct's error of p. */
  private residual(q: number, b: number, a: number, e: number): void {
    const f = this.f;
    const p = this.tmp("p");
    f.localGet(q).localGet(b).op(Op.f64_mul).localSet(p);
    f.f64Const(1);
    this.prodErr(q, b, p);
    f.localGet(p).localGet(a).op(Op.f64_ne).select().localSet(e);
  }

  /** fadd/fsub/fmul/fdiv/fsqrt.s through doubles (fpu/semantics.ts, ops.ts addS ... sqrtS). */
  private arithS(ins: FpInsn, op: "add" | "sub" | "mul" | "div" | "sqrt", sl: Label): void {
    const f = this.f;
    const [a, b, v, q] = [this.tmp("a"), this.tmp("b"), this.tmp("v"), this.tmp("q")];
    const nx = this.tmp("nx", I32);
    this.getS(ins.s1);
    f.op(Op.f64_promote_f32).localSet(a);
    if (op !== "sqrt") {
      this.getS(ins.s2);
      f.op(Op.f64_promote_f32);
      if (op === "sub") f.op(Op.f64_neg);
      f.localSet(b);
    }
    const round = (): void => {
      f.localGet(v).op(Op.f32_demote_f64).op(Op.f64_promote_f32).localSet(q);
    };
    if (op === "add" || op === "sub" || op === "mul") {
      f.localGet(a)
        .localGet(b)
        .op(op === "mul" ? Op.f64_mul : Op.f64_add)
        .localSet(v);
      round();
      // nx: the double sum was inexact, or rounding it to single was
      if (op === "mul") f.i32Const(0);
      else {
        this.sumErr(a, b, v);
        f.f64Const(0).op(Op.f64_ne);
      }
      f.localGet(q).localGet(v).op(Op.f64_ne).op(Op.i32_or).localSet(nx);
      this.putSingle(ins.d, q, nx, sl);
      return;
    }
    if (op === "div") {
      f.localGet(a).localGet(b).op(Op.f64_div).localSet(v);
      round();
      this.finite(q);
      this.finite(b);
      f.op(Op.i32_and);
      f.localGet(b).f64Const(0).op(Op.f64_ne).op(Op.i32_and).op(Op.i32_eqz).brIf(sl);
      f.localGet(q).localGet(b).op(Op.f64_mul).localGet(a).op(Op.f64_ne).localTee(nx);
      f.op(Op.i32_eqz);
      f.localGet(q).op(Op.f64_abs).f64Const(MIN_S).op(Op.f64_gt);
      f.op(Op.i32_or).op(Op.i32_eqz).brIf(sl);
      this.putS(ins.d, q);
      this.accrue(true, () => f.localGet(nx));
      return;
    }
    // sqrt: a > 0 finite, or ±0 as it is
    const ok = f.block();
    f.localGet(a).f64Const(0).op(Op.f64_gt);
    f.localGet(a).f64Const(Number.POSITIVE_INFINITY).op(Op.f64_lt).op(Op.i32_and);
    f.if();
    f.localGet(a).op(Op.f64_sqrt).localSet(v);
    round();
    f.localGet(q).localGet(q).op(Op.f64_mul).localGet(a).op(Op.f64_ne).localSet(nx);
    f.br(ok);
    f.end();
    f.localGet(a).localSet(q);
    f.i32Const(0).localSet(nx);
    f.localGet(a).f64Const(0).op(Op.f64_eq).brIf(ok);
    f.br(sl);
    f.end();
    this.putS(ins.d, q);
    this.accrue(true, () => f.localGet(nx));
  }

  /** The fused multiply-adds of .d: fpu/ops.ts fmaFastD in wasm. */
  private fmaD(ins: FpInsn, negP: boolean, negC: boolean, sl: Label): void {
    const f = this.f;
    this.getD(ins.s1);
    if (negP) f.op(Op.f64_neg);
    this.getD(ins.s2);
    this.getD(fReg(ins, "s3"));
    if (negC) f.op(Op.f64_neg);
    this.callHelper("fma", 3, (a, b, c, sl2) => this.fmaCore(a, b!, c!, sl2));
    this.helperResult(ins, sl);
  }

  private fmaCore(x1: number, x2: number, x3: number, sl: Label): void {
    const f = this.f;
    const m = this.tmp("m");
    const [me, sm, se, u, ue, v] = ["me", "sm", "se", "u", "ue", "v"].map((n) => this.tmp(n)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    f.localGet(x1).localGet(x2).op(Op.f64_mul).localSet(m);
    this.magnitudes([
      [m, ">=", TINY],
      [m, "<", HUGE],
      [x1, "<", HUGE],
      [x2, "<", HUGE],
      [x3, "<", HUGE],
    ]);
    this.absGe(x3, TINY);
    f.localGet(x3).f64Const(0).op(Op.f64_eq).op(Op.i32_or).op(Op.i32_and);
    f.op(Op.i32_eqz).brIf(sl);
    this.prodErr(x1, x2, m);
    f.localSet(me);
    f.localGet(m).localGet(x3).op(Op.f64_add).localSet(sm);
    this.sumErr(m, x3, sm);
    f.localSet(se);
    f.localGet(se).localGet(me).op(Op.f64_add).localSet(u);
    this.sumErr(se, me, u);
    f.localTee(ue).f64Const(0).op(Op.f64_ne);
    f.if();
    this.roundToOdd(u, ue);
    f.end();
    f.localGet(sm).localGet(u).op(Op.f64_add).localSet(v);
    this.absGe(v, TINY);
    f.op(Op.i32_eqz).brIf(sl);
    f.localGet(v);
    this.nonZero(ue);
    this.sumErr(sm, u, v);
    f.f64Const(0).op(Op.f64_ne).op(Op.i32_or);
  }

  /** The fused multiply-adds of .s: the product is exact in a double, the sum rounded to odd
   *  in double, then once to single (fpu/ops.ts fmaS). */
  private fmaS(ins: FpInsn, negP: boolean, negC: boolean, sl: Label): void {
    const f = this.f;
    const [x3, m, sm, er, q] = ["c", "m", "sm", "e", "q"].map((n) => this.tmp(n)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const nx = this.tmp("nx", I32);
    this.getS(ins.s1);
    f.op(Op.f64_promote_f32);
    this.getS(ins.s2);
    f.op(Op.f64_promote_f32).op(Op.f64_mul);
    if (negP) f.op(Op.f64_neg);
    f.localSet(m);
    this.getS(fReg(ins, "s3"));
    f.op(Op.f64_promote_f32);
    if (negC) f.op(Op.f64_neg);
    f.localSet(x3);
    f.localGet(m).localGet(x3).op(Op.f64_add).localSet(sm);
    this.finite(sm);
    f.op(Op.i32_eqz).brIf(sl);
    this.sumErr(m, x3, sm);
    f.localTee(er).f64Const(0).op(Op.f64_ne);
    f.if();
    this.roundToOdd(sm, er);
    f.end();
    f.localGet(sm).op(Op.f32_demote_f64).op(Op.f64_promote_f32).localSet(q);
    this.nonZero(er);
    f.localGet(q).localGet(sm).op(Op.f64_ne).op(Op.i32_or).localSet(nx);
    this.putSingle(ins.d, q, nx, sl);
  }

  // ---- conversions ----

  /** fcvt.{w,wu,l,lu}.{s,d} in mode 0-3 (RNE, RTZ, RDN, RUP) when the rounded value is in
   *  range; NaNs and out-of-range values (NV, saturation) go slow. */
  private toInt(ins: FpInsn, p: Prec, kind: number, mode: number, sl: Label): void {
    const f = this.f;
    const a = this.tmp("a");
    const t = this.tmp("t");
    if (p === "d") this.getD(ins.s1);
    else this.getS(ins.s1);
    if (p === "s") f.op(Op.f64_promote_f32);
    f.localTee(a);
    f.op([Op.f64_nearest, Op.f64_trunc, Op.f64_floor, Op.f64_ceil][mode]!).localSet(t);
    f.localGet(t).f64Const(INT_MIN[kind]!).op(Op.f64_ge);
    f.localGet(t).f64Const(INT_END[kind]!).op(Op.f64_lt).op(Op.i32_and).op(Op.i32_eqz).brIf(sl);
    if (ins.d !== 0) {
      f.localGet(t);
      if (kind === 0) f.op(Op.i32_trunc_sat_f64_s).op(Op.i64_extend_i32_s);
      else if (kind === 1) f.op(Op.i32_trunc_sat_f64_u).op(Op.i64_extend_i32_s);
      else f.op(kind === 2 ? Op.i64_trunc_sat_f64_s : Op.i64_trunc_sat_f64_u);
      this.h.setX(ins.d);
    }
    this.accrue(false, () => f.localGet(t).localGet(a).op(Op.f64_ne));
  }

  /** fcvt.{s,d}.{w,wu,l,lu}: wasm's conversion rounds to nearest even; it was exact when the
   *  result converts back to the same integer (and is below the type's end). */
  private fromInt(ins: FpInsn, p: Prec, kind: number, _sl: Label): void {
    const f = this.f;
    const xi = this.tmp("xi", I64);
    const v = this.tmp("v");
    if (p === "d" && kind < 2) {
      this.h.getX(ins.s1);
      f.op(Op.i32_wrap_i64)
        .op(kind === 0 ? Op.f64_convert_i32_s : Op.f64_convert_i32_u)
        .localSet(v);
      this.putD(ins.d, v);
      this.accrue(true);
      return;
    }
    const vs = this.tmp("vs", F32);
    this.h.getX(ins.s1);
    f.localTee(xi);
    if (p === "d") {
      f.op(kind === 2 ? Op.f64_convert_i64_s : Op.f64_convert_i64_u).localSet(v);
      this.putD(ins.d, v);
      // exact iff v < 2^63 (2^64) and it converts back to x
      this.accrue(true, () => {
        f.localGet(v).f64Const(INT_END[kind]!).op(Op.f64_lt);
        f.localGet(v).op(kind === 2 ? Op.i64_trunc_sat_f64_s : Op.i64_trunc_sat_f64_u);
        f.localGet(xi).op(Op.i64_eq).op(Op.i32_and).op(Op.i32_eqz);
      });
      return;
    }
    if (kind < 2) {
      f.op(Op.i32_wrap_i64)
        .op(kind === 0 ? Op.f32_convert_i32_s : Op.f32_convert_i32_u)
        .localSet(vs);
    } else {
      f.op(kind === 2 ? Op.f32_convert_i64_s : Op.f32_convert_i64_u).localSet(vs);
    }
    f.localGet(vs).op(Op.f64_promote_f32).localSet(v);
    this.putS(ins.d, v);
    this.accrue(true, () => {
      f.localGet(v).f64Const(INT_END[kind]!).op(Op.f64_lt);
      f.localGet(vs);
      if (kind < 2) {
        f.op(kind === 0 ? Op.i32_trunc_sat_f32_s : Op.i32_trunc_sat_f32_u);
        f.localGet(xi).op(Op.i32_wrap_i64).op(Op.i32_eq);
      } else {
        f.op(kind === 2 ? Op.i64_trunc_sat_f32_s : Op.i64_trunc_sat_f32_u);
        f.localGet(xi).op(Op.i64_eq);
      }
      f.op(Op.i32_and).op(Op.i32_eqz);
    });
  }

  /** fcvt.s.d: the double rounded once to single (fpu/ops.ts cvtSD). */
  private cvtSD(ins: FpInsn, sl: Label): void {
    const f = this.f;
    const [a, q] = [this.tmp("a"), this.tmp("q")];
    this.getD(ins.s1);
    f.localTee(a).op(Op.f32_demote_f64).op(Op.f64_promote_f32).localSet(q);
    this.finite(q);
    f.localGet(q).localGet(a).op(Op.f64_eq);
    f.localGet(q).op(Op.f64_abs).f64Const(MIN_S).op(Op.f64_gt);
    f.op(Op.i32_or).op(Op.i32_and).op(Op.i32_eqz).brIf(sl);
    this.putS(ins.d, q);
    this.accrue(true, () => f.localGet(q).localGet(a).op(Op.f64_ne));
  }

  /** fcvt.d.s: exact for anything but a NaN. */
  private cvtDS(ins: FpInsn, sl: Label): void {
    const f = this.f;
    const v = this.tmp("v");
    this.getS(ins.s1);
    f.op(Op.f64_promote_f32).localTee(v).localGet(v).op(Op.f64_ne).brIf(sl);
    this.putD(ins.d, v);
    this.accrue(true);
  }
}
