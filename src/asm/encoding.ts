// The one table of instruction encodings (RV64I, M, A, F, D, C, Zicsr, Zifencei and the privileged
// mret/sret/wfi/sfence.vma) and the encoder that turns an instruction record into bits. The text
// assembler and the builder both end here; nothing else knows an opcode or an immediate layout.

import { fregName, type Insn, isPrimeReg, regName, ZERO_FIELDS } from "./isa/index.js";

export type { Insn } from "./isa/index.js";

/** An Insn named `name` with the given fields and every other field zero. */
export function makeInsn(name: string, fields: Partial<Omit<Insn, "name">> = {}): Insn {
  return { ...ZERO_FIELDS, ...fields, name };
}

/** Operand syntax classes; `syntax.ts` maps each to its operand patterns. */
export type Form =
  | "R"
  | "I"
  | "SH6"
  | "SH5"
  | "L"
  | "S"
  | "B"
  | "U"
  | "J"
  | "JALR"
  | "CSR"
  | "CSRI"
  | "FENCE"
  | "NONE"
  | "LR"
  | "AMO"
  | "SFENCE"
  | "C.RR"
  | "C.RI"
  | "C.LI"
  | "C.MV"
  | "C.JR"
  | "C.L"
  | "C.S"
  | "C.LSP"
  | "C.SSP"
  | "C.4SPN"
  | "C.16SP"
  | "C.J"
  | "C.B"
  | "C.NONE"
  // F and D: "F*" register operands are f registers; forms with an rm field take a rounding mode.
  | "FL" // frd, offset(rs1)
  | "FS" // frs2, offset(rs1)
  | "FR" // frd, frs1, frs2[, rm]
  | "FRN" // frd, frs1, frs2
  | "FR4" // frd, frs1, frs2, frs3[, rm]
  | "F1" // frd, frs1[, rm]
  | "FCMP" // rd, frs1, frs2
  | "FX" // rd, frs1[, rm]
  | "FXN" // rd, frs1
  | "XF" // frd, rs1[, rm]
  | "XFN" // frd, rs1
  | "C.FL" // c.fld frd', offset(rs1')
  | "C.FS" // c.fsd frs2', offset(rs1')
  | "C.FLSP" // c.fldsp frd, offset(sp)
  | "C.FSSP"; // c.fsdsp frs2, offset(sp)

type RegField = "rd" | "rs1" | "rs2" | "rs3";

/** Immediate bits as placed in the word: [highest instruction bit, immediate bit numbers from there down]. */
type Segments = readonly (readonly [number, readonly number[]])[];

interface ImmLayout {
  readonly segs: Segments;
  readonly min: number;
  readonly max: number;
  /** The value must be a multiple of this. */
  readonly scale?: number;
  readonly nonzero?: boolean;
  /** c.lui: the value is a lui-style 20-bit field whose sign-extension must fit in 6 bits. */
  readonly lui?: boolean;
  /** Word used in messages: "immediate" or "offset". */
  readonly what?: string;
}

/** An unsigned offset, a multiple of `scale`, whose bits are all placed by `segs`: its range
 *  follows from them (c.lw's bits 6..2 make 0..124). */
function offsetImm(scale: number, ...segs: Segments): ImmLayout {
  const max = segs.flatMap(([, b]) => b).reduce((sum, b) => sum + 2 ** b, 0);
  return { segs, min: 0, max, scale, what: "offset" };
}

/** A signed pc-relative offset, a multiple of 2, whose top placed bit is the sign bit. */
function pcOffsetImm(what: string, ...segs: Segments): ImmLayout {
  const top = Math.max(...segs.flatMap(([, b]) => b));
  return { segs, min: -(2 ** top), max: 2 ** top - 2, scale: 2, what };
}

interface RegSlot {
  readonly field: RegField;
  /** Lowest instruction bit of the field. */
  readonly lo: number;
  /** 3-bit field naming x8..x15. */
  readonly prime?: boolean;
  readonly nonzero?: boolean;
  /** Must not be sp (c.lui). */
  readonly notSp?: boolean;
  /** Names an f register (for messages). */
  readonly freg?: boolean;
}

/** Where the fields of one instruction go and what values they may take. */
interface Layout {
  readonly regs: readonly RegSlot[];
  readonly imm?: ImmLayout;
  /** rs1 is the same register as rd (c.addi, c.add, ...). */
  readonly tied?: boolean;
  /** Register fields the mnemonic implies (unlisted, unslotted fields must be 0). */
  readonly fixed?: Partial<Record<RegField, number>>;
  readonly csr?: boolean;
  readonly fence?: boolean;
  readonly aqrl?: boolean;
}

/** A compressed instruction's layout and the 32-bit instruction it expands to. */
interface CLayout extends Layout {
  readonly base: string;
}

const bits = (hi: number, lo: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => hi - i);
const reg = (field: RegField, lo: number, extra: Omit<RegSlot, "field" | "lo"> = {}): RegSlot => ({
  field,
  lo,
  ...extra,
});
const RD = reg("rd", 7);
const RS1 = reg("rs1", 15);
const RS2 = reg("rs2", 20);
const RS3 = reg("rs3", 27);
/** The rm field (bits 14:12) of F/D instructions: 0..4 static, 7 dynamic (5 and 6 are reserved,
 *  and the syntax has no name for them). */
const RM: ImmLayout = { segs: [[14, [2, 1, 0]]], min: 0, max: 7, what: "rounding mode" };

const IMM_I: ImmLayout = { segs: [[31, bits(11, 0)]], min: -2048, max: 2047 };
const IMM_S: ImmLayout = {
  segs: [
    [31, bits(11, 5)],
    [11, bits(4, 0)],
  ],
  min: -2048,
  max: 2047,
};
const IMM_B = pcOffsetImm("branch offset", [31, [12, ...bits(10, 5)]], [11, [...bits(4, 1), 11]]);
const IMM_J = pcOffsetImm("jump offset", [31, [20, ...bits(10, 1), 11, ...bits(19, 12)]]);

/** Layouts of the 32-bit forms, keyed by form. */
const LAYOUTS32: Partial<Record<Form, Layout>> = {
  R: { regs: [RD, RS1, RS2] },
  I: { regs: [RD, RS1], imm: IMM_I },
  L: { regs: [RD, RS1], imm: IMM_I },
  JALR: { regs: [RD, RS1], imm: IMM_I },
  SH6: { regs: [RD, RS1], imm: { segs: [[25, bits(5, 0)]], min: 0, max: 63, what: "shift amount" } },
  SH5: { regs: [RD, RS1], imm: { segs: [[24, bits(4, 0)]], min: 0, max: 31, what: "shift amount" } },
  S: { regs: [RS1, RS2], imm: IMM_S },
  B: { regs: [RS1, RS2], imm: IMM_B },
  U: { regs: [RD], imm: { segs: [[31, bits(19, 0)]], min: 0, max: 0xfffff } },
  J: { regs: [RD], imm: IMM_J },
  CSR: { regs: [RD, RS1], csr: true },
  CSRI: { regs: [RD], imm: { segs: [[19, bits(4, 0)]], min: 0, max: 31 }, csr: true },
  FENCE: { regs: [], fence: true },
  NONE: { regs: [] },
  LR: { regs: [RD, RS1], aqrl: true },
  AMO: { regs: [RD, RS1, RS2], aqrl: true },
  SFENCE: { regs: [RS1, RS2] },
  FL: { regs: [RD, RS1], imm: IMM_I },
  FS: { regs: [RS1, RS2], imm: IMM_S },
  FR: { regs: [RD, RS1, RS2], imm: RM },
  FRN: { regs: [RD, RS1, RS2] },
  FR4: { regs: [RD, RS1, RS2, RS3], imm: RM },
  F1: { regs: [RD, RS1], imm: RM },
  FCMP: { regs: [RD, RS1, RS2] },
  FX: { regs: [RD, RS1], imm: RM },
  FXN: { regs: [RD, RS1] },
  XF: { regs: [RD, RS1], imm: RM },
  XFN: { regs: [RD, RS1] },
};

// Compressed register slots: full 5-bit fields at 11:7 / 6:2, 3-bit fields at 9:7 / 4:2.
const CRD = reg("rd", 7, { nonzero: true });
const CRS2 = reg("rs2", 2, { nonzero: true });
const CRS1 = reg("rs1", 7, { nonzero: true });
const PRD_LO = reg("rd", 2, { prime: true });
const PRD_HI = reg("rd", 7, { prime: true });
const PRS1 = reg("rs1", 7, { prime: true });
const PRS2 = reg("rs2", 2, { prime: true });
const SEG6: Segments = [
  [12, [5]],
  [6, bits(4, 0)],
];
const IMM6: ImmLayout = { segs: SEG6, min: -32, max: 31 };
const SHAMT6: ImmLayout = { segs: SEG6, min: 1, max: 63, what: "shift amount" };
const UIMM_W = offsetImm(4, [12, [5, 4, 3]], [6, [2, 6]]);
const UIMM_D = offsetImm(8, [12, [5, 4, 3]], [6, [7, 6]]);
const CB_IMM = pcOffsetImm("branch offset", [12, [8, 4, 3]], [6, [7, 6, 2, 1, 5]]);
const SP = { rs1: 2 } as const;
const FPRD_LO = reg("rd", 2, { prime: true, freg: true });
const FPRS2 = reg("rs2", 2, { prime: true, freg: true });
const UIMM_DSP = offsetImm(8, [12, [5]], [6, [4, 3, 8, 7, 6]]);
const UIMM_DSSP = offsetImm(8, [12, [5, 4, 3, 8, 7, 6]]);
const cArith = (base: string): CLayout => ({ base, regs: [PRD_HI, PRS2], tied: true });

/** Operations that exist in two widths or precisions, by base name: the form, then the numbers
 *  their fixed bits are made of (see `suffixed`). */
type OpTable = Record<string, readonly [Form, ...number[]]>;
type Suffixed<T extends OpTable, S extends string> = {
  readonly [K in keyof T & string as `${K}.${S}`]: readonly [T[K][0], number];
};

/** The entries of `ops` named NAME.SUFFIX, their fixed bits made by `bits` from the numbers. */
function suffixed<T extends OpTable, S extends string>(
  ops: T,
  suffix: S,
  bits: (fields: readonly number[]) => number,
): Suffixed<T, S> {
  const out: Record<string, readonly [Form, number]> = {};
  for (const [name, [form, ...fields]] of Object.entries(ops))
    out[`${name}.${suffix}`] = [form, bits(fields)];
  return out as Suffixed<T, S>;
}

/** LR, SC and the AMOs by base name: form and funct5 (.w and .d differ in the width field). */
const AMO_OPS = {
  lr: ["LR", 0b00010],
  sc: ["AMO", 0b00011],
  amoswap: ["AMO", 0b00001],
  amoadd: ["AMO", 0b00000],
  amoxor: ["AMO", 0b00100],
  amoand: ["AMO", 0b01100],
  amoor: ["AMO", 0b01000],
  amomin: ["AMO", 0b10000],
  amomax: ["AMO", 0b10100],
  amominu: ["AMO", 0b11000],
  amomaxu: ["AMO", 0b11100],
} as const satisfies OpTable;

/** The A instructions of width 2 (.w) or 3 (.d). */
const amoInsns = <S extends "w" | "d">(suffix: S, width: 2 | 3): Suffixed<typeof AMO_OPS, S> =>
  suffixed(AMO_OPS, suffix, ([funct5]) => amo(funct5!, width));

/** The F/D instructions that exist for both precisions, by base name: form, major opcode, funct7
 *  without the fmt bits (funct5 << 2; 0 for the R4 fused ones), funct3 where it is not the rm
 *  field, rs2 where it selects the operation (.s and .d differ in fmt). */
const FP_OPS = {
  fmadd: ["FR4", 0x43, 0],
  fmsub: ["FR4", 0x47, 0],
  fnmsub: ["FR4", 0x4b, 0],
  fnmadd: ["FR4", 0x4f, 0],
  fadd: ["FR", 0x53, 0x00 << 2],
  fsub: ["FR", 0x53, 0x01 << 2],
  fmul: ["FR", 0x53, 0x02 << 2],
  fdiv: ["FR", 0x53, 0x03 << 2],
  fsqrt: ["F1", 0x53, 0x0b << 2],
  fsgnj: ["FRN", 0x53, 0x04 << 2, 0],
  fsgnjn: ["FRN", 0x53, 0x04 << 2, 1],
  fsgnjx: ["FRN", 0x53, 0x04 << 2, 2],
  fmin: ["FRN", 0x53, 0x05 << 2, 0],
  fmax: ["FRN", 0x53, 0x05 << 2, 1],
  feq: ["FCMP", 0x53, 0x14 << 2, 2],
  flt: ["FCMP", 0x53, 0x14 << 2, 1],
  fle: ["FCMP", 0x53, 0x14 << 2, 0],
  fclass: ["FXN", 0x53, 0x1c << 2, 1],
  "fcvt.w": ["FX", 0x53, 0x18 << 2, 0, 0],
  "fcvt.wu": ["FX", 0x53, 0x18 << 2, 0, 1],
  "fcvt.l": ["FX", 0x53, 0x18 << 2, 0, 2],
  "fcvt.lu": ["FX", 0x53, 0x18 << 2, 0, 3],
} as const satisfies OpTable;

/** Conversions from an integer, by its name and the rs2 that selects it; the precision comes
 *  first in their names (fcvt.s.w, fcvt.d.lu). */
const FP_FROM_INT = { w: 0, wu: 1, l: 2, lu: 3 } as const;
type FpFromInt<P extends string> = {
  readonly [K in keyof typeof FP_FROM_INT as `fcvt.${P}.${K}`]: readonly ["XF", number];
};

/** The F/D instructions of precision `p`: fmt 0 (.s) or 1 (.d). */
const fpInsns = <P extends "s" | "d">(p: P, fmt: 0 | 1): Suffixed<typeof FP_OPS, P> =>
  suffixed(FP_OPS, p, ([opcode, funct7, funct3 = 0, rs2 = 0]) => fop(opcode!, funct7! | fmt, funct3, rs2));

/** fcvt.P.{w,wu,l,lu} for precision `p`: fmt 0 (.s) or 1 (.d). */
function fpFromInt<P extends "s" | "d">(p: P, fmt: 0 | 1): FpFromInt<P> {
  const out: Record<string, readonly ["XF", number]> = {};
  for (const [int, rs2] of Object.entries(FP_FROM_INT)) {
    out[`fcvt.${p}.${int}`] = ["XF", fop(0x53, (0x1a << 2) | fmt, 0, rs2)];
  }
  return out as FpFromInt<P>;
}

/** Instructions of form `form` that share a major opcode and funct7, by name: the funct3 of each. */
function ops<F extends Form, const T extends Record<string, number>>(
  form: F,
  opcode: number,
  funct7: number,
  funct3s: T,
): { readonly [K in keyof T]: readonly [F, number] } {
  const out: Record<string, readonly [F, number]> = {};
  for (const [name, funct3] of Object.entries(funct3s)) out[name] = [form, op(opcode, funct3, funct7)];
  return out as { readonly [K in keyof T]: readonly [F, number] };
}

/**
 * Every instruction: mnemonic → [form, fixed bits, compressed layout]. Compressed entries of the
 * same 32-bit base are listed in the order automatic compression tries them.
 */
export const INSNS = {
  lui: ["U", 0x37],
  auipc: ["U", 0x17],
  jal: ["J", 0x6f],
  jalr: ["JALR", 0x67],
  ...ops("B", 0x63, 0, { beq: 0, bne: 1, blt: 4, bge: 5, bltu: 6, bgeu: 7 }),
  ...ops("L", 0x03, 0, { lb: 0, lh: 1, lw: 2, ld: 3, lbu: 4, lhu: 5, lwu: 6 }),
  ...ops("S", 0x23, 0, { sb: 0, sh: 1, sw: 2, sd: 3 }),
  ...ops("I", 0x13, 0, { addi: 0, slti: 2, sltiu: 3, xori: 4, ori: 6, andi: 7 }),
  ...ops("SH6", 0x13, 0, { slli: 1, srli: 5 }),
  ...ops("SH6", 0x13, 0x20, { srai: 5 }),
  ...ops("R", 0x33, 0, { add: 0, sll: 1, slt: 2, sltu: 3, xor: 4, srl: 5, or: 6, and: 7 }),
  ...ops("R", 0x33, 0x20, { sub: 0, sra: 5 }),
  ...ops("I", 0x1b, 0, { addiw: 0 }),
  ...ops("SH5", 0x1b, 0, { slliw: 1, srliw: 5 }),
  ...ops("SH5", 0x1b, 0x20, { sraiw: 5 }),
  ...ops("R", 0x3b, 0, { addw: 0, sllw: 1, srlw: 5 }),
  ...ops("R", 0x3b, 0x20, { subw: 0, sraw: 5 }),
  fence: ["FENCE", op(0x0f, 0)],
  "fence.i": ["NONE", op(0x0f, 1)],
  ecall: ["NONE", 0x00000073],
  ebreak: ["NONE", 0x00100073],
  ...ops("CSR", 0x73, 0, { csrrw: 1, csrrs: 2, csrrc: 3 }),
  ...ops("CSRI", 0x73, 0, { csrrwi: 5, csrrsi: 6, csrrci: 7 }),
  ...ops("R", 0x33, 1, { mul: 0, mulh: 1, mulhsu: 2, mulhu: 3, div: 4, divu: 5, rem: 6, remu: 7 }),
  ...ops("R", 0x3b, 1, { mulw: 0, divw: 4, divuw: 5, remw: 6, remuw: 7 }),
  ...amoInsns("w", 2),
  ...amoInsns("d", 3),
  mret: ["NONE", 0x30200073],
  sret: ["NONE", 0x10200073],
  wfi: ["NONE", 0x10500073],
  "sfence.vma": ["SFENCE", 0x12000073],
  // F and D
  flw: ["FL", op(0x07, 2)],
  fsw: ["FS", op(0x27, 2)],
  fld: ["FL", op(0x07, 3)],
  fsd: ["FS", op(0x27, 3)],
  ...fpInsns("s", 0),
  ...fpFromInt("s", 0),
  "fmv.x.w": ["FXN", fop(0x53, 0x1c << 2, 0)],
  "fmv.w.x": ["XFN", fop(0x53, 0x1e << 2, 0)],
  ...fpInsns("d", 1),
  ...fpFromInt("d", 1),
  "fcvt.s.d": ["F1", fop(0x53, 0x08 << 2, 0, 1)],
  "fcvt.d.s": ["F1", fop(0x53, (0x08 << 2) | 1, 0, 0)],
  "fmv.x.d": ["FXN", fop(0x53, (0x1c << 2) | 1, 0)],
  "fmv.d.x": ["XFN", fop(0x53, (0x1e << 2) | 1, 0)],
  // RV64C, quadrant 0
  "c.addi4spn": [
    "C.4SPN",
    0x0000,
    {
      base: "addi",
      regs: [PRD_LO],
      fixed: SP,
      imm: { segs: [[12, [5, 4, 9, 8, 7, 6, 2, 3]]], min: 4, max: 1020, scale: 4, nonzero: true },
    },
  ],
  "c.lw": ["C.L", 0x4000, { base: "lw", regs: [PRD_LO, PRS1], imm: UIMM_W }],
  "c.ld": ["C.L", 0x6000, { base: "ld", regs: [PRD_LO, PRS1], imm: UIMM_D }],
  "c.sw": ["C.S", 0xc000, { base: "sw", regs: [PRS2, PRS1], imm: UIMM_W }],
  "c.sd": ["C.S", 0xe000, { base: "sd", regs: [PRS2, PRS1], imm: UIMM_D }],
  "c.fld": ["C.FL", 0x2000, { base: "fld", regs: [FPRD_LO, PRS1], imm: UIMM_D }],
  "c.fsd": ["C.FS", 0xa000, { base: "fsd", regs: [FPRS2, PRS1], imm: UIMM_D }],
  // quadrant 1
  "c.nop": ["C.NONE", 0x0001, { base: "addi", regs: [] }],
  "c.addi": ["C.RI", 0x0001, { base: "addi", regs: [CRD], tied: true, imm: { ...IMM6, nonzero: true } }],
  "c.addiw": ["C.RI", 0x2001, { base: "addiw", regs: [CRD], tied: true, imm: IMM6 }],
  "c.li": ["C.LI", 0x4001, { base: "addi", regs: [CRD], imm: IMM6 }],
  "c.addi16sp": [
    "C.16SP",
    0x6101,
    {
      base: "addi",
      regs: [],
      fixed: { rd: 2, rs1: 2 },
      imm: {
        segs: [
          [12, [9]],
          [6, [4, 6, 8, 7, 5]],
        ],
        min: -512,
        max: 496,
        scale: 16,
        nonzero: true,
      },
    },
  ],
  "c.lui": [
    "C.LI",
    0x6001,
    { base: "lui", regs: [{ ...CRD, notSp: true }], imm: { segs: SEG6, min: 1, max: 0xfffff, lui: true } },
  ],
  "c.srli": ["C.RI", 0x8001, { base: "srli", regs: [PRD_HI], tied: true, imm: SHAMT6 }],
  "c.srai": ["C.RI", 0x8401, { base: "srai", regs: [PRD_HI], tied: true, imm: SHAMT6 }],
  "c.andi": ["C.RI", 0x8801, { base: "andi", regs: [PRD_HI], tied: true, imm: IMM6 }],
  "c.sub": ["C.RR", 0x8c01, cArith("sub")],
  "c.xor": ["C.RR", 0x8c21, cArith("xor")],
  "c.or": ["C.RR", 0x8c41, cArith("or")],
  "c.and": ["C.RR", 0x8c61, cArith("and")],
  "c.subw": ["C.RR", 0x9c01, cArith("subw")],
  "c.addw": ["C.RR", 0x9c21, cArith("addw")],
  "c.j": [
    "C.J",
    0xa001,
    {
      base: "jal",
      regs: [],
      imm: pcOffsetImm("jump offset", [12, [11, 4, 9, 8, 10, 6, 7, 3, 2, 1, 5]]),
    },
  ],
  "c.beqz": ["C.B", 0xc001, { base: "beq", regs: [PRS1], imm: CB_IMM }],
  "c.bnez": ["C.B", 0xe001, { base: "bne", regs: [PRS1], imm: CB_IMM }],
  // quadrant 2
  "c.slli": ["C.RI", 0x0002, { base: "slli", regs: [CRD], tied: true, imm: SHAMT6 }],
  "c.lwsp": [
    "C.LSP",
    0x4002,
    {
      base: "lw",
      regs: [CRD],
      fixed: SP,
      imm: offsetImm(4, [12, [5]], [6, [4, 3, 2, 7, 6]]),
    },
  ],
  "c.ldsp": [
    "C.LSP",
    0x6002,
    {
      base: "ld",
      regs: [CRD],
      fixed: SP,
      imm: UIMM_DSP,
    },
  ],
  "c.jr": ["C.JR", 0x8002, { base: "jalr", regs: [CRS1] }],
  "c.mv": ["C.MV", 0x8002, { base: "add", regs: [CRD, CRS2] }],
  "c.ebreak": ["C.NONE", 0x9002, { base: "ebreak", regs: [] }],
  "c.jalr": ["C.JR", 0x9002, { base: "jalr", regs: [CRS1], fixed: { rd: 1 } }],
  "c.add": ["C.RR", 0x9002, { base: "add", regs: [CRD, CRS2], tied: true }],
  "c.swsp": [
    "C.SSP",
    0xc002,
    {
      base: "sw",
      regs: [reg("rs2", 2)],
      fixed: SP,
      imm: offsetImm(4, [12, [5, 4, 3, 2, 7, 6]]),
    },
  ],
  "c.sdsp": [
    "C.SSP",
    0xe002,
    {
      base: "sd",
      regs: [reg("rs2", 2)],
      fixed: SP,
      imm: UIMM_DSSP,
    },
  ],
  "c.fldsp": [
    "C.FLSP",
    0x2002,
    { base: "fld", regs: [reg("rd", 7, { freg: true })], fixed: SP, imm: UIMM_DSP },
  ],
  "c.fsdsp": [
    "C.FSSP",
    0xa002,
    { base: "fsd", regs: [reg("rs2", 2, { freg: true })], fixed: SP, imm: UIMM_DSSP },
  ],
} as const satisfies Record<string, readonly [Form, number] | readonly [Form, number, CLayout]>;

/** Every real (non-pseudo) mnemonic. AMO/LR/SC also take .aq/.rl/.aqrl suffixes (see syntax.ts). */
export type RealMnemonic = keyof typeof INSNS;

/** Fixed bits of a 32-bit instruction: opcode, funct3, funct7. */
function op(opcode: number, funct3: number, funct7 = 0): number {
  return (opcode | (funct3 << 12) | (funct7 << 25)) >>> 0;
}

/** Fixed bits of an F/D instruction: major opcode, funct7 (fmt in its low bits; for R4-type just
 *  fmt), funct3 where it is not the rm field, and rs2 where it selects the operation. */
function fop(opcode: number, funct7: number, funct3 = 0, rs2 = 0): number {
  return (opcode | (funct3 << 12) | (rs2 << 20) | (funct7 << 25)) >>> 0;
}

/** Fixed bits of an A-extension instruction: funct5 and width (2 = .w, 3 = .d). */
function amo(funct5: number, width: number): number {
  return (0x2f | (width << 12) | (funct5 << 27)) >>> 0;
}

interface Spec {
  readonly name: string;
  readonly form: Form;
  readonly match: number;
  readonly len: 2 | 4;
  readonly layout: Layout;
  readonly base?: string;
}

const SPECS = new Map<string, Spec>();
for (const [name, entry] of Object.entries(INSNS) as [string, readonly [Form, number, CLayout?]][]) {
  const [form, match, clayout] = entry;
  const layout = clayout ?? LAYOUTS32[form];
  if (!layout) throw new Error(`encoding table: no layout for form ${form}`);
  SPECS.set(name, {
    name,
    form,
    match,
    len: clayout ? 2 : 4,
    layout,
    ...(clayout ? { base: clayout.base } : {}),
  });
}

/** True if `name` is a real (non-pseudo) mnemonic without ordering suffix. */
export function isRealMnemonic(name: string): name is RealMnemonic {
  return SPECS.has(name);
}

/** The syntax form of real mnemonic `name`. */
export function formOf(name: RealMnemonic): Form {
  return INSNS[name][0];
}

/** Byte length of real mnemonic `name`: 2 for c.*, 4 otherwise. */
export function lengthOf(name: string): 2 | 4 {
  return SPECS.get(name)?.len ?? 4;
}

/** Register fields that mnemonic `name` implies (c.jalr: rd = ra; c.lwsp: rs1 = sp; ...). */
export function fixedFields(name: string): Partial<Record<RegField, number>> {
  return SPECS.get(name)?.layout.fixed ?? {};
}

/** The 32-bit mnemonic a compressed mnemonic expands to; undefined for 32-bit mnemonics. */
export function expansionOf(name: string): string | undefined {
  return SPECS.get(name)?.base;
}

/** Compressed mnemonics whose expansion is `base`, in the order automatic compression tries them. */
export function compressedFormsOf(base: string): readonly string[] {
  return COMPRESSED_BY_BASE.get(base) ?? [];
}

const COMPRESSED_BY_BASE = new Map<string, string[]>();
for (const spec of SPECS.values()) {
  if (!spec.base) continue;
  const list = COMPRESSED_BY_BASE.get(spec.base) ?? [];
  list.push(spec.name);
  COMPRESSED_BY_BASE.set(spec.base, list);
}

/** The field whose value an EncodeError is about. */
export type InsnField = RegField | "imm" | "csr" | "pred" | "succ";

/** An instruction record that cannot be encoded; `field` says which value is wrong. */
export class EncodeError extends Error {
  constructor(
    readonly field: InsnField,
    message: string,
  ) {
    super(message);
    this.name = "EncodeError";
  }
}

/** The encoded instruction: its bits (an unsigned 16- or 32-bit number) and byte length. */
export interface Encoded {
  readonly bits: number;
  readonly len: 2 | 4;
}

/** Encodes `insn`; throws EncodeError if a field is out of range or not allowed for the mnemonic. */
export function encode(insn: Insn): Encoded {
  const r = tryEncode(insn);
  if ("field" in r) throw new EncodeError(r.field, r.message);
  return r;
}

/** True if `insn` encodes without error. */
export function canEncode(insn: Insn): boolean {
  return !("field" in tryEncode(insn));
}

/** What is wrong with an instruction record (a plain object: cheap to make while trying forms). */
interface Problem {
  readonly field: InsnField;
  readonly message: string;
}

/** Encodes `insn`, or says what is wrong with it. */
function tryEncode(insn: Insn): Encoded | Problem {
  const spec = SPECS.get(insn.name);
  if (!spec) return { field: "imm", message: `unknown instruction '${insn.name}'` };
  const { layout } = spec;
  let word = spec.match;
  for (const slot of layout.regs) {
    const n = insn[slot.field];
    const p = regProblem(spec, slot, n);
    if (p) return p;
    word |= (slot.prime ? n - 8 : n) << slot.lo;
  }
  const p = impliedProblem(spec, insn) ?? otherProblem(spec, insn);
  if (p) return p;
  if (layout.imm) {
    const v = immValue(spec, layout.imm, insn.imm);
    if (typeof v !== "number") return v;
    word |= scatter(v, layout.imm.segs);
  }
  if (layout.csr) word |= insn.csr << 20;
  if (layout.fence) word |= (insn.pred << 24) | (insn.succ << 20);
  if (layout.aqrl) word |= (Number(insn.aq) << 26) | (Number(insn.rl) << 25);
  return { bits: spec.len === 2 ? word & 0xffff : word >>> 0, len: spec.len };
}

/** What is wrong with register `n` in `slot`, if anything. */
function regProblem(spec: Spec, slot: RegSlot, n: number): Problem | undefined {
  const { field } = slot;
  if (!Number.isInteger(n) || n < 0 || n > 31) return { field, message: `bad register number ${n}` };
  if (slot.prime && !isPrimeReg(n)) {
    const message = slot.freg
      ? `${spec.name} needs fs0, fs1 or fa0-fa5 (f8-f15) as ${field}, not '${fregName(n)}'`
      : `${spec.name} needs s0, s1 or a0-a5 (x8-x15) as ${field}, not '${regName(n)}'`;
    return { field, message };
  }
  if (slot.nonzero && n === 0) return { field, message: `${spec.name} cannot use 'zero' as ${field}` };
  if (slot.notSp && n === 2) return { field, message: `${spec.name} cannot use 'sp' as ${field}` };
  return undefined;
}

/** Checks that fields the encoding has no room for hold the values the mnemonic implies. */
function impliedProblem(spec: Spec, insn: Insn): Problem | undefined {
  const { layout } = spec;
  for (const field of ["rd", "rs1", "rs2", "rs3"] as const) {
    if (layout.regs.some((s) => s.field === field)) continue;
    if (field === "rs1" && layout.tied) {
      if (insn.rs1 === insn.rd) continue;
      return { field, message: `${spec.name} needs rs1 to be the same register as rd` };
    }
    const want = layout.fixed?.[field] ?? 0;
    if (insn[field] !== want) {
      return {
        field,
        message: `${spec.name} needs ${field} to be '${regName(want)}', not '${regName(insn[field])}'`,
      };
    }
  }
  if (!layout.imm && insn.imm !== 0) return { field: "imm", message: `${spec.name} takes no immediate` };
  return undefined;
}

/** Checks the csr number and fence sets of instructions that have them. */
function otherProblem(spec: Spec, insn: Insn): Problem | undefined {
  const { layout } = spec;
  if (layout.csr && !inRange(insn.csr, 0, 0xfff)) {
    return { field: "csr", message: `csr number ${insn.csr} out of range for ${spec.name} (0..4095)` };
  }
  if (layout.fence && !inRange(insn.pred, 0, 15))
    return { field: "pred", message: `bad fence set ${insn.pred}` };
  if (layout.fence && !inRange(insn.succ, 0, 15))
    return { field: "succ", message: `bad fence set ${insn.succ}` };
  return undefined;
}

function inRange(v: number, min: number, max: number): boolean {
  return Number.isInteger(v) && v >= min && v <= max;
}

/** The immediate to scatter, after checking range, alignment and the nonzero rule. */
function immValue(spec: Spec, imm: ImmLayout, v: number): number | Problem {
  const what = imm.what ?? "immediate";
  if (imm.lui) return luiValue(spec, v);
  if (!inRange(v, imm.min, imm.max)) {
    return { field: "imm", message: `${what} ${v} out of range for ${spec.name} (${imm.min}..${imm.max})` };
  }
  if (imm.scale && v % imm.scale !== 0) {
    return { field: "imm", message: `${what} ${v} for ${spec.name} must be a multiple of ${imm.scale}` };
  }
  if (imm.nonzero && v === 0) return { field: "imm", message: `${what} for ${spec.name} must not be 0` };
  return v;
}

/** c.lui's immediate: a 20-bit lui field whose sign extension fits in 6 bits and is not 0. */
function luiValue(spec: Spec, v: number): number | Problem {
  if (inRange(v, 1, 31)) return v;
  if (inRange(v, 0xfffe0, 0xfffff)) return v - 0x100000;
  return {
    field: "imm",
    message: `immediate ${v} out of range for ${spec.name} (1..31 or 0xfffe0..0xfffff)`,
  };
}

/** Places the bits of `v` as `segs` says. */
function scatter(v: number, segs: Segments): number {
  let word = 0;
  for (const [hi, immBits] of segs) {
    for (let i = 0; i < immBits.length; i++) word |= ((v >> immBits[i]!) & 1) << (hi - i);
  }
  return word;
}
