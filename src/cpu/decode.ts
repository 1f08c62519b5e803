// Instruction decoding: a 16- or 32-bit instruction word becomes a Decoded record, by switches on
// its fields (opcode, then funct3/funct7; RVC: quadrant, then funct3). Compressed words decode to
// their 32-bit expansion, so the executor has one semantic per operation. Runs once per word:
// results are cached by the decode cache (code.ts), never on the hot path; but every distinct
// word of a program is decoded once per process, so it is on the start-up path (issue 12), run by
// V8's bytecode interpreter: a ts-pattern match chain here cost about 50 us a word (a builder
// object and closures per case, much garbage), records built by object spreads (a partial record
// of fields per case, spread over the zero fields, spread again for an RVC name) about 6.5 us.
// Records are now made in one object literal of one shape from positional fields, the fields of a
// word taken into locals (no object per word but the record).

import { decodeFp16, decodeFp32 } from "./fpu/decode.js";
import { type Mnemonic, OP_ILLEGAL, OPS } from "./isa.js";

/** A decoded instruction. Registers are architectural numbers 0..31. */
export interface Decoded {
  op: number;
  name: Mnemonic | "illegal";
  /** For 16-bit encodings, the RVC mnemonic (e.g. "c.addi"); the rest describes the expansion. */
  cname?: string | undefined;
  len: 2 | 4;
  rd: number;
  rs1: number;
  rs2: number;
  /** The third source register of the fused multiply-adds (F/D R4-type); 0 otherwise. */
  rs3: number;
  /** Sign-extended immediate; U-type: the value with the low 12 bits zero; shifts: shamt; csr*i: zimm;
   *  F/D instructions with an rm field: the rounding mode. */
  imm: number;
  csr: number;
  aq: boolean;
  rl: boolean;
  pred: number;
  succ: number;
  /** The instruction bits (16 or 32). */
  bits: number;
}

/** The operand fields a decoder of an extension may give insn(); the others are zero. */
export type Operands = Partial<Pick<Decoded, "rd" | "rs1" | "rs2" | "rs3" | "imm">>;

/** A record of one shape for every instruction: the given fields, csr/aq/rl/pred/succ/rs3 zero
 *  (callers set those few afterwards). */
function make(
  name: Mnemonic | "illegal",
  cname: string | undefined,
  len: 2 | 4,
  bits: number,
  rd: number,
  rs1: number,
  rs2: number,
  imm: number,
): Decoded {
  const op = name === "illegal" ? OP_ILLEGAL : OPS[name];
  return {
    op,
    name,
    cname,
    len,
    rd,
    rs1,
    rs2,
    rs3: 0,
    imm,
    csr: 0,
    aq: false,
    rl: false,
    pred: 0,
    succ: 0,
    bits,
  };
}

/** The record of `name` with the fields of `f` (the others zero); `cname` names an RVC form. */
export function insn(name: Mnemonic, len: 2 | 4, bits: number, f: Operands, cname?: string): Decoded {
  const d = make(name, cname, len, bits, f.rd ?? 0, f.rs1 ?? 0, f.rs2 ?? 0, f.imm ?? 0);
  if (f.rs3 !== undefined) d.rs3 = f.rs3;
  return d;
}

/** The record for an encoding that is not an instruction we implement. */
export function illegal(bits: number, len: 2 | 4): Decoded {
  return make("illegal", undefined, len, bits, 0, 0, 0, 0);
}

/** Decode one instruction; `word` holds at least the low 16 bits (32 for a 32-bit instruction). */
export function decode(word: number): Decoded {
  if ((word & 3) !== 3) return decode16(word & 0xffff);
  if ((word & 0x1f) === 0x1f) return illegal(word >>> 0, 4); // 48-bit and longer encodings
  return decode32(word | 0);
}

// ---- 32-bit encodings ----

const immI = (w: number): number => w >> 20;
const immS = (w: number): number => ((w >> 25) << 5) | ((w >>> 7) & 0x1f);
const immB = (w: number): number =>
  ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
const immU = (w: number): number => w & 0xfffff000;
const immJ = (w: number): number =>
  ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);

const BRANCHES: (Mnemonic | null)[] = ["beq", "bne", null, null, "blt", "bge", "bltu", "bgeu"];
const LOADS: (Mnemonic | null)[] = ["lb", "lh", "lw", "ld", "lbu", "lhu", "lwu", null];
const STORES: (Mnemonic | null)[] = ["sb", "sh", "sw", "sd", null, null, null, null];
const OPIMM: (Mnemonic | null)[] = ["addi", null, "slti", "sltiu", "xori", null, "ori", "andi"];
const OPS_RR: (Mnemonic | null)[] = ["add", "sll", "slt", "sltu", "xor", "srl", "or", "and"];
const OP_SUB_SRA: (Mnemonic | null)[] = ["sub", null, null, null, null, "sra", null, null];
const OPS_W: (Mnemonic | null)[] = ["addw", "sllw", null, null, null, "srlw", null, null];
const OP_SUBW_SRAW: (Mnemonic | null)[] = ["subw", null, null, null, null, "sraw", null, null];
const OPS_M: Mnemonic[] = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"];
const OPS_MW: (Mnemonic | null)[] = ["mulw", null, null, null, "divw", "divuw", "remw", "remuw"];
const CSRS: (Mnemonic | null)[] = [null, "csrrw", "csrrs", "csrrc", null, "csrrwi", "csrrsi", "csrrci"];
const AMO_OPS: Record<number, string> = {
  2: "lr",
  3: "sc",
  1: "amoswap",
  0: "amoadd",
  4: "amoxor",
  12: "amoand",
  8: "amoor",
  16: "amomin",
  20: "amomax",
  24: "amominu",
  28: "amomaxu",
};

/** A 32-bit record of `name` (from a table: null = illegal) with operand fields. */
function op32(
  name: Mnemonic | null | undefined,
  b: number,
  rd: number,
  rs1: number,
  rs2: number,
  imm: number,
): Decoded {
  return name ? make(name, undefined, 4, b, rd, rs1, rs2, imm) : illegal(b, 4);
}

function decode32(w: number): Decoded {
  const b = w >>> 0;
  const funct3 = (w >>> 12) & 7;
  const rd = (w >>> 7) & 31;
  const rs1 = (w >>> 15) & 31;
  const rs2 = (w >>> 20) & 31;
  switch (w & 0x7f) {
    case 0x37:
      return op32("lui", b, rd, 0, 0, immU(w));
    case 0x17:
      return op32("auipc", b, rd, 0, 0, immU(w));
    case 0x6f:
      return op32("jal", b, rd, 0, 0, immJ(w));
    case 0x67:
      return op32(funct3 === 0 ? "jalr" : null, b, rd, rs1, 0, immI(w));
    case 0x63:
      return op32(BRANCHES[funct3], b, 0, rs1, rs2, immB(w));
    case 0x03:
      return op32(LOADS[funct3], b, rd, rs1, 0, immI(w));
    case 0x23:
      return op32(STORES[funct3], b, 0, rs1, rs2, immS(w));
    case 0x13:
      if (funct3 === 1) return shiftImm(w, "slli", null, 6);
      if (funct3 === 5) return shiftImm(w, "srli", "srai", 6);
      return op32(OPIMM[funct3], b, rd, rs1, 0, immI(w));
    case 0x1b:
      if (funct3 === 0) return op32("addiw", b, rd, rs1, 0, immI(w));
      if (funct3 === 1) return shiftImm(w, "slliw", null, 5);
      if (funct3 === 5) return shiftImm(w, "srliw", "sraiw", 5);
      return illegal(b, 4);
    case 0x33:
      return decodeOp(w, OPS_RR, OP_SUB_SRA, OPS_M);
    case 0x3b:
      return decodeOp(w, OPS_W, OP_SUBW_SRAW, OPS_MW);
    case 0x0f:
      if (funct3 === 0) return decodeFence(w);
      return op32(funct3 === 1 ? "fence.i" : null, b, rd, rs1, 0, immI(w));
    case 0x73:
      return funct3 === 0 ? decodeSystem(w) : decodeCsr(w);
    case 0x2f:
      return funct3 === 2 || funct3 === 3 ? decodeAmo(w) : illegal(b, 4);
    case 0x07:
    case 0x27:
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f:
    case 0x53:
      return decodeFp32(w);
    default:
      return illegal(b, 4);
  }
}

/** OP and OP-32 (register-register): funct7 0 picks from `plain` by funct3, 0x20 from `alt`,
 *  1 from `muldiv`. */
function decodeOp(
  w: number,
  plain: (Mnemonic | null)[],
  alt: (Mnemonic | null)[],
  muldiv: (Mnemonic | null)[],
): Decoded {
  const funct7 = w >>> 25;
  const table = funct7 === 0 ? plain : funct7 === 0x20 ? alt : funct7 === 1 ? muldiv : null;
  const name = table ? table[(w >>> 12) & 7] : null;
  return op32(name, w >>> 0, (w >>> 7) & 31, (w >>> 15) & 31, (w >>> 20) & 31, 0);
}

function shiftImm(w: number, logical: Mnemonic, arith: Mnemonic | null, bits: 5 | 6): Decoded {
  const top = bits === 6 ? w >>> 26 : w >>> 25; // funct6 or funct7
  const arithTop = bits === 6 ? 0x10 : 0x20;
  const shamt = (w >>> 20) & ((1 << bits) - 1);
  const name = top === 0 ? logical : top === arithTop ? arith : null;
  return op32(name, w >>> 0, (w >>> 7) & 31, (w >>> 15) & 31, 0, shamt);
}

function decodeFence(w: number): Decoded {
  // fm (bits 31:28) is 0 (normal) or 8 (fence.tso with rw,rw); other fm values are reserved and,
  // per the spec, must be executed as an ordinary fence. rd and rs1 are reserved for future use.
  const d = make("fence", undefined, 4, w >>> 0, 0, 0, 0, 0);
  d.pred = (w >>> 24) & 0xf;
  d.succ = (w >>> 20) & 0xf;
  return d;
}

/** Zicsr: csrrw/s/c and their immediate forms (imm: the zimm, in rs1's place). */
function decodeCsr(w: number): Decoded {
  const funct3 = (w >>> 12) & 7;
  const rs1 = (w >>> 15) & 31;
  const name = CSRS[funct3];
  if (!name) return illegal(w >>> 0, 4);
  const d = make(name, undefined, 4, w >>> 0, (w >>> 7) & 31, rs1, 0, funct3 >= 5 ? rs1 : 0);
  d.csr = w >>> 20;
  return d;
}

/** The SYSTEM instructions with funct3 0, rd 0 and rs1 0, by funct12. */
const SYSTEM: Record<number, Mnemonic> = { 0: "ecall", 1: "ebreak", 770: "mret", 258: "sret", 261: "wfi" };

function decodeSystem(w: number): Decoded {
  const b = w >>> 0;
  const rd = (w >>> 7) & 31;
  const rs1 = (w >>> 15) & 31;
  if (w >>> 25 === 0x09 && rd === 0) return op32("sfence.vma", b, 0, rs1, (w >>> 20) & 31, 0);
  if (rd !== 0 || rs1 !== 0) return illegal(b, 4);
  return op32(SYSTEM[w >>> 20], b, 0, 0, 0, 0);
}

function decodeAmo(w: number): Decoded {
  const base = AMO_OPS[w >>> 27];
  const rs2 = (w >>> 20) & 31;
  if (base === undefined) return illegal(w >>> 0, 4);
  if (base === "lr" && rs2 !== 0) return illegal(w >>> 0, 4);
  const name = `${base}.${((w >>> 12) & 7) === 2 ? "w" : "d"}` as Mnemonic;
  const d = make(name, undefined, 4, w >>> 0, (w >>> 7) & 31, (w >>> 15) & 31, rs2, 0);
  d.aq = ((w >>> 26) & 1) === 1;
  d.rl = ((w >>> 25) & 1) === 1;
  return d;
}

// ---- 16-bit (RVC) encodings, RV64 ----

const creg = (v: number): number => 8 + (v & 7);
const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);

/** The record of the RVC form `cname`, which expands to `name` with these fields. */
function c(
  cname: string,
  name: Mnemonic,
  h: number,
  rd: number,
  rs1: number,
  rs2: number,
  imm: number,
): Decoded {
  return make(name, cname, 2, h, rd, rs1, rs2, imm);
}

function decode16(h: number): Decoded {
  if (h === 0) return illegal(0, 2); // the defined-illegal all-zero instruction
  const quadrant = h & 3;
  if (quadrant === 0) return decodeQ0(h);
  if (quadrant === 1) return decodeQ1(h);
  if (quadrant === 2) return decodeQ2(h);
  return illegal(h, 2);
}

// Offsets of the RVC loads and stores, scaled by the access size.
const uimmW = (h: number): number =>
  (((h >>> 10) & 7) << 3) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 6);
const uimmD = (h: number): number => (((h >>> 10) & 7) << 3) | (((h >>> 5) & 3) << 6);
const imm6 = (h: number): number => sext((((h >>> 12) & 1) << 5) | ((h >>> 2) & 31), 6);
const immCJ = (h: number): number =>
  sext(
    (((h >>> 12) & 1) << 11) |
      (((h >>> 11) & 1) << 4) |
      (((h >>> 9) & 3) << 8) |
      (((h >>> 8) & 1) << 10) |
      (((h >>> 7) & 1) << 6) |
      (((h >>> 6) & 1) << 7) |
      (((h >>> 3) & 7) << 1) |
      (((h >>> 2) & 1) << 5),
    12,
  );
const immCB = (h: number): number =>
  sext(
    (((h >>> 12) & 1) << 8) |
      (((h >>> 10) & 3) << 3) |
      (((h >>> 5) & 3) << 6) |
      (((h >>> 3) & 3) << 1) |
      (((h >>> 2) & 1) << 5),
    9,
  );

function decodeQ0(h: number): Decoded {
  const rdp = creg(h >>> 2);
  const rs1p = creg(h >>> 7);
  switch (h >>> 13) {
    case 0: {
      const nzuimm =
        (((h >>> 11) & 3) << 4) | (((h >>> 7) & 15) << 6) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 3);
      if (nzuimm === 0) return illegal(h, 2);
      return c("c.addi4spn", "addi", h, rdp, 2, 0, nzuimm);
    }
    case 2:
      return c("c.lw", "lw", h, rdp, rs1p, 0, uimmW(h));
    case 3:
      return c("c.ld", "ld", h, rdp, rs1p, 0, uimmD(h));
    case 6:
      return c("c.sw", "sw", h, 0, rs1p, rdp, uimmW(h));
    case 7:
      return c("c.sd", "sd", h, 0, rs1p, rdp, uimmD(h));
    case 1:
    case 5:
      return decodeFp16(h); // c.fld, c.fsd
    default:
      return illegal(h, 2); // 4 reserved
  }
}

function decodeQ1(h: number): Decoded {
  const rd = (h >>> 7) & 31;
  switch (h >>> 13) {
    case 0:
      return rd === 0 ? c("c.nop", "addi", h, 0, 0, 0, imm6(h)) : c("c.addi", "addi", h, rd, rd, 0, imm6(h));
    case 1:
      return rd === 0 ? illegal(h, 2) : c("c.addiw", "addiw", h, rd, rd, 0, imm6(h));
    case 2:
      return c("c.li", "addi", h, rd, 0, 0, imm6(h));
    case 3:
      return decodeLuiAddi16sp(h, rd);
    case 4:
      return decodeQ1Arith(h);
    case 5:
      return c("c.j", "jal", h, 0, 0, 0, immCJ(h));
    case 6:
      return c("c.beqz", "beq", h, 0, creg(h >>> 7), 0, immCB(h));
    case 7:
      return c("c.bnez", "bne", h, 0, creg(h >>> 7), 0, immCB(h));
    default:
      return illegal(h, 2);
  }
}

function decodeLuiAddi16sp(h: number, rd: number): Decoded {
  if (rd === 2) {
    const nz = sext(
      (((h >>> 12) & 1) << 9) |
        (((h >>> 6) & 1) << 4) |
        (((h >>> 5) & 1) << 6) |
        (((h >>> 3) & 3) << 7) |
        (((h >>> 2) & 1) << 5),
      10,
    );
    if (nz === 0) return illegal(h, 2);
    return c("c.addi16sp", "addi", h, 2, 2, 0, nz);
  }
  const nz = imm6(h);
  if (nz === 0) return illegal(h, 2);
  return c("c.lui", "lui", h, rd, 0, 0, nz << 12);
}

function decodeQ1Arith(h: number): Decoded {
  const rd = creg(h >>> 7);
  const rs2 = creg(h >>> 2);
  const shamt = (((h >>> 12) & 1) << 5) | ((h >>> 2) & 31);
  const sub = (h >>> 10) & 3;
  if (sub === 0) return c("c.srli", "srli", h, rd, rd, 0, shamt);
  if (sub === 1) return c("c.srai", "srai", h, rd, rd, 0, shamt);
  if (sub === 2) return c("c.andi", "andi", h, rd, rd, 0, imm6(h));
  const op = ((h >>> 12) & 1) * 4 + ((h >>> 5) & 3);
  switch (op) {
    case 0:
      return c("c.sub", "sub", h, rd, rd, rs2, 0);
    case 1:
      return c("c.xor", "xor", h, rd, rd, rs2, 0);
    case 2:
      return c("c.or", "or", h, rd, rd, rs2, 0);
    case 3:
      return c("c.and", "and", h, rd, rd, rs2, 0);
    case 4:
      return c("c.subw", "subw", h, rd, rd, rs2, 0);
    case 5:
      return c("c.addw", "addw", h, rd, rd, rs2, 0);
    default:
      return illegal(h, 2);
  }
}

function decodeQ2(h: number): Decoded {
  const rd = (h >>> 7) & 31;
  const rs2 = (h >>> 2) & 31;
  const bit12 = (h >>> 12) & 1;
  switch (h >>> 13) {
    case 0: {
      const shamt = (bit12 << 5) | rs2;
      return c("c.slli", "slli", h, rd, rd, 0, shamt);
    }
    case 2: {
      if (rd === 0) return illegal(h, 2);
      const off = (bit12 << 5) | (((h >>> 4) & 7) << 2) | (((h >>> 2) & 3) << 6);
      return c("c.lwsp", "lw", h, rd, 2, 0, off);
    }
    case 3: {
      if (rd === 0) return illegal(h, 2);
      const off = (bit12 << 5) | (((h >>> 5) & 3) << 3) | (((h >>> 2) & 7) << 6);
      return c("c.ldsp", "ld", h, rd, 2, 0, off);
    }
    case 4:
      return decodeQ2Jump(h, bit12, rd, rs2);
    case 6: {
      const off = (((h >>> 9) & 15) << 2) | (((h >>> 7) & 3) << 6);
      return c("c.swsp", "sw", h, 0, 2, rs2, off);
    }
    case 7: {
      const off = (((h >>> 10) & 7) << 3) | (((h >>> 7) & 7) << 6);
      return c("c.sdsp", "sd", h, 0, 2, rs2, off);
    }
    case 1:
    case 5:
      return decodeFp16(h); // c.fldsp, c.fsdsp
    default:
      return illegal(h, 2);
  }
}

function decodeQ2Jump(h: number, bit12: number, rd: number, rs2: number): Decoded {
  if (bit12 === 0) {
    if (rs2 === 0) return rd === 0 ? illegal(h, 2) : c("c.jr", "jalr", h, 0, rd, 0, 0);
    return c("c.mv", "add", h, rd, 0, rs2, 0);
  }
  if (rs2 === 0) {
    if (rd === 0) return c("c.ebreak", "ebreak", h, 0, 0, 0, 0);
    return c("c.jalr", "jalr", h, 1, rd, 0, 0);
  }
  return c("c.add", "add", h, rd, rd, rs2, 0);
}
