// Encoders of the F and D instructions (and the compressed FP loads and stores) for the FP tests,
// written from the instruction-listing tables of the unprivileged spec ("RV32F/RV64F/RV32D/RV64D
// Standard Extension" in "RV32/64G Instruction Set Listings", and the RVC opcode map) — not from
// src/cpu. Registers are numbers 0..31 (f registers and x registers alike); rm defaults to 7
// (dynamic).

import { iType, rType, sType } from "./encode.js";

export const RM = { rne: 0, rtz: 1, rdn: 2, rup: 3, rmm: 4, dyn: 7 } as const;
export type Prec = "s" | "d";
const FMT: Record<Prec, number> = { s: 0, d: 1 };

const LOAD_FP = 0x07;
const STORE_FP = 0x27;
const OP_FP = 0x53;

function r5(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 31) throw new RangeError(`fpenc: bad register ${v}`);
  return v;
}

export const flw = (rd: number, off: number, rs1: number): number => iType(LOAD_FP, 2, rd, rs1, off);
export const fld = (rd: number, off: number, rs1: number): number => iType(LOAD_FP, 3, rd, rs1, off);
export const fsw = (rs2: number, off: number, rs1: number): number => sType(STORE_FP, 2, rs1, rs2, off);
export const fsd = (rs2: number, off: number, rs1: number): number => sType(STORE_FP, 3, rs1, rs2, off);

/** The four fused multiply-add major opcodes. */
export const FUSED_OPCODE = { fmadd: 0x43, fmsub: 0x47, fnmsub: 0x4b, fnmadd: 0x4f } as const;
export type FusedOp = keyof typeof FUSED_OPCODE;

/** R4-type: rs3 | fmt | rs2 | rs1 | rm | rd | opcode. */
export function fused(
  op: FusedOp,
  p: Prec,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm = 7,
): number {
  return (
    ((r5(rs3) << 27) |
      (FMT[p] << 25) |
      (r5(rs2) << 20) |
      (r5(rs1) << 15) |
      (rm << 12) |
      (r5(rd) << 7) |
      FUSED_OPCODE[op]) >>>
    0
  );
}

/** funct5 of the OP-FP instructions (funct7 = funct5 << 2 | fmt). */
const F5 = {
  fadd: 0x00,
  fsub: 0x01,
  fmul: 0x02,
  fdiv: 0x03,
  fsgnj: 0x04,
  fminmax: 0x05,
  fcvtff: 0x08,
  fsqrt: 0x0b,
  fcmp: 0x14,
  fcvtif: 0x18, // fcvt.{w,wu,l,lu}.fmt
  fcvtfi: 0x1a, // fcvt.fmt.{w,wu,l,lu}
  fmvxf: 0x1c, // fmv.x.fmt, fclass
  fmvfx: 0x1e, // fmv.fmt.x
} as const;

const opfp = (f5: number, p: Prec, f3: number, rd: number, rs1: number, rs2: number): number =>
  rType(OP_FP, f3, (f5 << 2) | FMT[p], r5(rd), r5(rs1), r5(rs2));

export type ArithOp = "fadd" | "fsub" | "fmul" | "fdiv";
export const arith = (op: ArithOp, p: Prec, rd: number, rs1: number, rs2: number, rm = 7): number =>
  opfp(F5[op], p, rm, rd, rs1, rs2);
export const fsqrt = (p: Prec, rd: number, rs1: number, rm = 7): number => opfp(F5.fsqrt, p, rm, rd, rs1, 0);

export type SgnjOp = "fsgnj" | "fsgnjn" | "fsgnjx";
export const sgnj = (op: SgnjOp, p: Prec, rd: number, rs1: number, rs2: number): number =>
  opfp(F5.fsgnj, p, { fsgnj: 0, fsgnjn: 1, fsgnjx: 2 }[op], rd, rs1, rs2);
export const fmin = (p: Prec, rd: number, rs1: number, rs2: number): number =>
  opfp(F5.fminmax, p, 0, rd, rs1, rs2);
export const fmax = (p: Prec, rd: number, rs1: number, rs2: number): number =>
  opfp(F5.fminmax, p, 1, rd, rs1, rs2);

export type CmpOp = "feq" | "flt" | "fle";
export const fcmp = (op: CmpOp, p: Prec, rd: number, rs1: number, rs2: number): number =>
  opfp(F5.fcmp, p, { fle: 0, flt: 1, feq: 2 }[op], rd, rs1, rs2);

export type IntKind = "w" | "wu" | "l" | "lu";
const KIND: Record<IntKind, number> = { w: 0, wu: 1, l: 2, lu: 3 };
/** fcvt.{w,wu,l,lu}.{s,d} rd(x), rs1(f). */
export const fcvtToInt = (k: IntKind, p: Prec, rd: number, rs1: number, rm = 7): number =>
  opfp(F5.fcvtif, p, rm, rd, rs1, KIND[k]);
/** fcvt.{s,d}.{w,wu,l,lu} rd(f), rs1(x). */
export const fcvtFromInt = (p: Prec, k: IntKind, rd: number, rs1: number, rm = 7): number =>
  opfp(F5.fcvtfi, p, rm, rd, rs1, KIND[k]);
/** fcvt.s.d (to = "s") and fcvt.d.s (to = "d"). */
export const fcvtFF = (to: Prec, rd: number, rs1: number, rm = 7): number =>
  opfp(F5.fcvtff, to, rm, rd, rs1, to === "s" ? 1 : 0);

export const fclass = (p: Prec, rd: number, rs1: number): number => opfp(F5.fmvxf, p, 1, rd, rs1, 0);
/** fmv.x.w (p = "s") / fmv.x.d. */
export const fmvToX = (p: Prec, rd: number, rs1: number): number => opfp(F5.fmvxf, p, 0, rd, rs1, 0);
/** fmv.w.x (p = "s") / fmv.d.x. */
export const fmvFromX = (p: Prec, rd: number, rs1: number): number => opfp(F5.fmvfx, p, 0, rd, rs1, 0);

// ---- RV64C: c.fld, c.fsd (quadrant 0), c.fldsp, c.fsdsp (quadrant 2) ----

function prime(r: number): number {
  if (r < 8 || r > 15) throw new RangeError(`fpenc: register ${r} is not in 8..15`);
  return r - 8;
}
function uimm(v: number, max: number, scale: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max || v % scale) throw new RangeError(`fpenc: bad offset ${v}`);
  return v;
}
const bit = (v: number, hi: number, lo: number): number => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);

const cfd = (f3: number, r: number, off: number, rs1: number): number => {
  uimm(off, 248, 8);
  return (f3 << 13) | (bit(off, 5, 3) << 10) | (prime(rs1) << 7) | (bit(off, 7, 6) << 5) | (prime(r) << 2);
};
export const c_fld = (rd: number, off: number, rs1: number): number => cfd(0b001, rd, off, rs1);
export const c_fsd = (rs2: number, off: number, rs1: number): number => cfd(0b101, rs2, off, rs1);
export function c_fldsp(rd: number, off: number): number {
  uimm(off, 504, 8);
  return (
    (0b001 << 13) | (bit(off, 5, 5) << 12) | (r5(rd) << 7) | (bit(off, 4, 3) << 5) | (bit(off, 8, 6) << 2) | 2
  );
}
export function c_fsdsp(rs2: number, off: number): number {
  uimm(off, 504, 8);
  return (0b101 << 13) | (bit(off, 5, 3) << 10) | (bit(off, 8, 6) << 7) | (r5(rs2) << 2) | 2;
}
