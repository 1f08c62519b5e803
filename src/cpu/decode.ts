// Instruction decoding: a 16- or 32-bit instruction word becomes a Decoded record, by switches on
// its fields (opcode, then funct3/funct7; RVC: quadrant, then funct3). Compressed words decode to
// their 32-bit expansion, so the executor has one semantic per operation. Runs once per word:
// results are cached by the decode cache (code.ts), never on the hot path; but every distinct
// word of a program is decoded once per process, so it is on the start-up path (issue 12): a
// ts-pattern match chain here cost about 50 us a word (a builder object and closures per case,
// much garbage), 0.1 s of CPU for the glibc hello world's ~2,000 distinct words.

import { ZERO_FIELDS } from "../asm/isa/index.js";
import { decodeFp16, decodeFp32 } from "./fpu/decode.js";
import { type Mnemonic, OP_ILLEGAL, OPS } from "./isa.js";

/** A decoded instruction. Registers are architectural numbers 0..31. */
export interface Decoded {
  op: number;
  name: Mnemonic | "illegal";
  /** For 16-bit encodings, the RVC mnemonic (e.g. "c.addi"); the rest describes the expansion. */
  cname?: string;
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

/** A record with every field at its default, then `f`. */
function record(op: number, name: Decoded["name"], len: 2 | 4, bits: number, f: Partial<Decoded>): Decoded {
  return { op, name, len, ...ZERO_FIELDS, bits, ...f };
}

export function insn(name: Mnemonic, len: 2 | 4, bits: number, f: Partial<Decoded>): Decoded {
  return record(OPS[name], name, len, bits, f);
}

/** The record for an encoding that is not an instruction we implement. */
export function illegal(bits: number, len: 2 | 4): Decoded {
  return record(OP_ILLEGAL, "illegal", len, bits, {});
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

/** The fixed fields of a 32-bit instruction word (the base formats' common positions). */
function fields32(w: number) {
  return {
    opcode: w & 0x7f,
    funct3: (w >>> 12) & 7,
    funct7: w >>> 25,
    rd: (w >>> 7) & 31,
    rs1: (w >>> 15) & 31,
    rs2: (w >>> 20) & 31,
  };
}

type Fields32 = ReturnType<typeof fields32>;

function pick(table: (Mnemonic | null)[], i: number, w: number, f: Partial<Decoded>): Decoded {
  const name = table[i];
  return name ? insn(name, 4, w >>> 0, f) : illegal(w >>> 0, 4);
}

function decode32(w: number): Decoded {
  const f = fields32(w);
  const b = w >>> 0;
  switch (f.opcode) {
    case 0x37:
      return insn("lui", 4, b, { rd: f.rd, imm: immU(w) });
    case 0x17:
      return insn("auipc", 4, b, { rd: f.rd, imm: immU(w) });
    case 0x6f:
      return insn("jal", 4, b, { rd: f.rd, imm: immJ(w) });
    case 0x67:
      return f.funct3 === 0 ? insn("jalr", 4, b, { rd: f.rd, rs1: f.rs1, imm: immI(w) }) : illegal(b, 4);
    case 0x63:
      return pick(BRANCHES, f.funct3, w, { rs1: f.rs1, rs2: f.rs2, imm: immB(w) });
    case 0x03:
      return pick(LOADS, f.funct3, w, { rd: f.rd, rs1: f.rs1, imm: immI(w) });
    case 0x23:
      return pick(STORES, f.funct3, w, { rs1: f.rs1, rs2: f.rs2, imm: immS(w) });
    case 0x13:
      if (f.funct3 === 1) return shiftImm(w, f, "slli", null, 6);
      if (f.funct3 === 5) return shiftImm(w, f, "srli", "srai", 6);
      return pick(OPIMM, f.funct3, w, { rd: f.rd, rs1: f.rs1, imm: immI(w) });
    case 0x1b:
      if (f.funct3 === 0) return insn("addiw", 4, b, { rd: f.rd, rs1: f.rs1, imm: immI(w) });
      if (f.funct3 === 1) return shiftImm(w, f, "slliw", null, 5);
      if (f.funct3 === 5) return shiftImm(w, f, "srliw", "sraiw", 5);
      return illegal(b, 4);
    case 0x33:
      return decodeOp(w, f, OPS_RR, OP_SUB_SRA, OPS_M);
    case 0x3b:
      return decodeOp(w, f, OPS_W, OP_SUBW_SRAW, OPS_MW);
    case 0x0f:
      if (f.funct3 === 0) return decodeFence(w);
      if (f.funct3 === 1) return insn("fence.i", 4, b, { rd: f.rd, rs1: f.rs1, imm: immI(w) });
      return illegal(b, 4);
    case 0x73:
      if (f.funct3 === 0) return decodeSystem(w, f);
      return pick(CSRS, f.funct3, w, { rd: f.rd, rs1: f.rs1, csr: w >>> 20, imm: f.funct3 >= 5 ? f.rs1 : 0 });
    case 0x2f:
      return f.funct3 === 2 || f.funct3 === 3 ? decodeAmo(w, f) : illegal(b, 4);
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
  f: Fields32,
  plain: (Mnemonic | null)[],
  alt: (Mnemonic | null)[],
  muldiv: (Mnemonic | null)[],
): Decoded {
  const r = { rd: f.rd, rs1: f.rs1, rs2: f.rs2 };
  if (f.funct7 === 0) return pick(plain, f.funct3, w, r);
  if (f.funct7 === 0x20) return pick(alt, f.funct3, w, r);
  if (f.funct7 === 1) return pick(muldiv, f.funct3, w, r);
  return illegal(w >>> 0, 4);
}

function shiftImm(w: number, f: Fields32, logical: Mnemonic, arith: Mnemonic | null, bits: 5 | 6): Decoded {
  const top = bits === 6 ? w >>> 26 : w >>> 25; // funct6 or funct7
  const arithTop = bits === 6 ? 0x10 : 0x20;
  const shamt = (w >>> 20) & ((1 << bits) - 1);
  const fl = { rd: f.rd, rs1: f.rs1, imm: shamt };
  if (top === 0) return insn(logical, 4, w >>> 0, fl);
  if (arith && top === arithTop) return insn(arith, 4, w >>> 0, fl);
  return illegal(w >>> 0, 4);
}

function decodeFence(w: number): Decoded {
  // fm (bits 31:28) is 0 (normal) or 8 (fence.tso with rw,rw); other fm values are reserved and,
  // per the spec, must be executed as an ordinary fence. rd and rs1 are reserved for future use.
  return insn("fence", 4, w >>> 0, { pred: (w >>> 24) & 0xf, succ: (w >>> 20) & 0xf });
}

/** The SYSTEM instructions with funct3 0, rd 0 and rs1 0, by funct12. */
const SYSTEM: Record<number, Mnemonic> = { 0: "ecall", 1: "ebreak", 770: "mret", 258: "sret", 261: "wfi" };

function decodeSystem(w: number, f: Fields32): Decoded {
  const b = w >>> 0;
  if (f.funct7 === 0x09 && f.rd === 0) return insn("sfence.vma", 4, b, { rs1: f.rs1, rs2: f.rs2 });
  if (f.rd !== 0 || f.rs1 !== 0) return illegal(b, 4);
  const name = SYSTEM[w >>> 20];
  return name ? insn(name, 4, b, {}) : illegal(b, 4);
}

function decodeAmo(w: number, f: Fields32): Decoded {
  const base = AMO_OPS[f.funct7 >>> 2];
  if (base === undefined) return illegal(w >>> 0, 4);
  if (base === "lr" && f.rs2 !== 0) return illegal(w >>> 0, 4);
  const name = `${base}.${f.funct3 === 2 ? "w" : "d"}` as Mnemonic;
  return insn(name, 4, w >>> 0, {
    rd: f.rd,
    rs1: f.rs1,
    rs2: f.rs2,
    aq: ((w >>> 26) & 1) === 1,
    rl: ((w >>> 25) & 1) === 1,
  });
}

// ---- 16-bit (RVC) encodings, RV64 ----

interface Fields16 {
  quadrant: number;
  funct3: number;
  bit12: number;
  rdFull: number; // bits 11:7
  rs2Full: number; // bits 6:2
}

const creg = (v: number): number => 8 + (v & 7);
const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);

function c(cname: string, name: Mnemonic, h: number, f: Partial<Decoded>): Decoded {
  return { ...insn(name, 2, h, f), cname };
}

function decode16(h: number): Decoded {
  const f: Fields16 = {
    quadrant: h & 3,
    funct3: h >>> 13,
    bit12: (h >>> 12) & 1,
    rdFull: (h >>> 7) & 31,
    rs2Full: (h >>> 2) & 31,
  };
  if (h === 0) return illegal(0, 2); // the defined-illegal all-zero instruction
  if (f.quadrant === 0) return decodeQ0(h, f);
  if (f.quadrant === 1) return decodeQ1(h, f);
  if (f.quadrant === 2) return decodeQ2(h, f);
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

function decodeQ0(h: number, f: Fields16): Decoded {
  const rdp = creg(h >>> 2);
  const rs1p = creg(h >>> 7);
  switch (f.funct3) {
    case 0: {
      const nzuimm =
        (((h >>> 11) & 3) << 4) | (((h >>> 7) & 15) << 6) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 3);
      if (nzuimm === 0) return illegal(h, 2);
      return c("c.addi4spn", "addi", h, { rd: rdp, rs1: 2, imm: nzuimm });
    }
    case 2:
      return c("c.lw", "lw", h, { rd: rdp, rs1: rs1p, imm: uimmW(h) });
    case 3:
      return c("c.ld", "ld", h, { rd: rdp, rs1: rs1p, imm: uimmD(h) });
    case 6:
      return c("c.sw", "sw", h, { rs1: rs1p, rs2: rdp, imm: uimmW(h) });
    case 7:
      return c("c.sd", "sd", h, { rs1: rs1p, rs2: rdp, imm: uimmD(h) });
    case 1:
    case 5:
      return decodeFp16(h); // c.fld, c.fsd
    default:
      return illegal(h, 2); // 4 reserved
  }
}

function decodeQ1(h: number, f: Fields16): Decoded {
  const rd = f.rdFull;
  switch (f.funct3) {
    case 0:
      return rd === 0
        ? c("c.nop", "addi", h, { imm: imm6(h) })
        : c("c.addi", "addi", h, { rd, rs1: rd, imm: imm6(h) });
    case 1:
      return rd === 0 ? illegal(h, 2) : c("c.addiw", "addiw", h, { rd, rs1: rd, imm: imm6(h) });
    case 2:
      return c("c.li", "addi", h, { rd, rs1: 0, imm: imm6(h) });
    case 3:
      return decodeLuiAddi16sp(h, rd);
    case 4:
      return decodeQ1Arith(h);
    case 5:
      return c("c.j", "jal", h, { rd: 0, imm: immCJ(h) });
    case 6:
      return c("c.beqz", "beq", h, { rs1: creg(h >>> 7), rs2: 0, imm: immCB(h) });
    case 7:
      return c("c.bnez", "bne", h, { rs1: creg(h >>> 7), rs2: 0, imm: immCB(h) });
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
    return c("c.addi16sp", "addi", h, { rd: 2, rs1: 2, imm: nz });
  }
  const nz = imm6(h);
  if (nz === 0) return illegal(h, 2);
  return c("c.lui", "lui", h, { rd, imm: nz << 12 });
}

function decodeQ1Arith(h: number): Decoded {
  const rd = creg(h >>> 7);
  const rs2 = creg(h >>> 2);
  const shamt = (((h >>> 12) & 1) << 5) | ((h >>> 2) & 31);
  const sub = (h >>> 10) & 3;
  if (sub === 0) return c("c.srli", "srli", h, { rd, rs1: rd, imm: shamt });
  if (sub === 1) return c("c.srai", "srai", h, { rd, rs1: rd, imm: shamt });
  if (sub === 2) return c("c.andi", "andi", h, { rd, rs1: rd, imm: imm6(h) });
  const op = ((h >>> 12) & 1) * 4 + ((h >>> 5) & 3);
  const r = { rd, rs1: rd, rs2 };
  switch (op) {
    case 0:
      return c("c.sub", "sub", h, r);
    case 1:
      return c("c.xor", "xor", h, r);
    case 2:
      return c("c.or", "or", h, r);
    case 3:
      return c("c.and", "and", h, r);
    case 4:
      return c("c.subw", "subw", h, r);
    case 5:
      return c("c.addw", "addw", h, r);
    default:
      return illegal(h, 2);
  }
}

function decodeQ2(h: number, f: Fields16): Decoded {
  const rd = f.rdFull;
  const rs2 = f.rs2Full;
  switch (f.funct3) {
    case 0: {
      const shamt = (f.bit12 << 5) | rs2;
      return c("c.slli", "slli", h, { rd, rs1: rd, imm: shamt });
    }
    case 2: {
      if (rd === 0) return illegal(h, 2);
      const off = (f.bit12 << 5) | (((h >>> 4) & 7) << 2) | (((h >>> 2) & 3) << 6);
      return c("c.lwsp", "lw", h, { rd, rs1: 2, imm: off });
    }
    case 3: {
      if (rd === 0) return illegal(h, 2);
      const off = (f.bit12 << 5) | (((h >>> 5) & 3) << 3) | (((h >>> 2) & 7) << 6);
      return c("c.ldsp", "ld", h, { rd, rs1: 2, imm: off });
    }
    case 4:
      return decodeQ2Jump(h, f.bit12, rd, rs2);
    case 6: {
      const off = (((h >>> 9) & 15) << 2) | (((h >>> 7) & 3) << 6);
      return c("c.swsp", "sw", h, { rs1: 2, rs2, imm: off });
    }
    case 7: {
      const off = (((h >>> 10) & 7) << 3) | (((h >>> 7) & 7) << 6);
      return c("c.sdsp", "sd", h, { rs1: 2, rs2, imm: off });
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
    if (rs2 === 0) return rd === 0 ? illegal(h, 2) : c("c.jr", "jalr", h, { rd: 0, rs1: rd, imm: 0 });
    return c("c.mv", "add", h, { rd, rs1: 0, rs2 });
  }
  if (rs2 === 0) {
    if (rd === 0) return c("c.ebreak", "ebreak", h, {});
    return c("c.jalr", "jalr", h, { rd: 1, rs1: rd, imm: 0 });
  }
  return c("c.add", "add", h, { rd, rs1: rd, rs2 });
}
