// A small, independent RV64IMAC encoder for the CPU tests, written from the instruction formats
// of the RISC-V unprivileged spec (chapters "RV32I", "RV64I", "M", "A", "Zicsr", "C") — not from
// src/cpu, so that decoding and executing its output checks the emulator against the spec.
// Every encoder range-checks its operands and returns the instruction as an unsigned number
// (32-bit words have low bits 0b11; 16-bit RVC halfwords are < 0x10000 with low bits != 0b11).

// ---- registers (ABI names) ----
export const zero = 0;
export const ra = 1;
export const sp = 2;
export const gp = 3;
export const tp = 4;
export const t0 = 5;
export const t1 = 6;
export const t2 = 7;
export const s0 = 8;
export const s1 = 9;
export const a0 = 10;
export const a1 = 11;
export const a2 = 12;
export const a3 = 13;
export const a4 = 14;
export const a5 = 15;
export const a6 = 16;
export const a7 = 17;
export const s2 = 18;
export const s3 = 19;
export const s4 = 20;
export const s5 = 21;
export const s6 = 22;
export const s7 = 23;
export const s8 = 24;
export const s9 = 25;
export const s10 = 26;
export const s11 = 27;
export const t3 = 28;
export const t4 = 29;
export const t5 = 30;
export const t6 = 31;

function reg(r: number): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`encode: bad register ${r}`);
  return r;
}

/** A signed immediate that must fit `bits` bits (and be a multiple of `align`). */
function simm(v: number, bits: number, align = 1): number {
  const lim = 2 ** (bits - 1);
  if (!Number.isInteger(v) || v < -lim || v >= lim || v % align !== 0) {
    throw new RangeError(`encode: immediate ${v} does not fit ${bits} signed bits (align ${align})`);
  }
  return v;
}

/** An unsigned immediate below 2^bits (and a multiple of `align`). */
function uimm(v: number, bits: number, align = 1): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits || v % align !== 0) {
    throw new RangeError(`encode: immediate ${v} does not fit ${bits} unsigned bits (align ${align})`);
  }
  return v;
}

/** Bits hi..lo of v. */
const bits = (v: number, hi: number, lo: number): number => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);

/** An immediate's bits where the spec's format tables place them: each [hi, lo, at] puts
 *  v[hi:lo] at instruction bits at + (hi - lo) .. at. */
const scatter = (v: number, segs: readonly (readonly [number, number, number])[]): number =>
  segs.reduce((w, [hi, lo, at]) => w | (bits(v, hi, lo) << at), 0);

// ---- 32-bit formats ----

export function rType(opcode: number, f3: number, f7: number, rd: number, rs1: number, rs2: number): number {
  return ((f7 << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (f3 << 12) | (reg(rd) << 7) | opcode) >>> 0;
}

export function iType(opcode: number, f3: number, rd: number, rs1: number, imm: number): number {
  simm(imm, 12);
  return (((imm & 0xfff) << 20) | (reg(rs1) << 15) | (f3 << 12) | (reg(rd) << 7) | opcode) >>> 0;
}

export function sType(opcode: number, f3: number, rs1: number, rs2: number, imm: number): number {
  simm(imm, 12);
  return (
    ((bits(imm, 11, 5) << 25) |
      (reg(rs2) << 20) |
      (reg(rs1) << 15) |
      (f3 << 12) |
      (bits(imm, 4, 0) << 7) |
      opcode) >>>
    0
  );
}

export function bType(opcode: number, f3: number, rs1: number, rs2: number, off: number): number {
  simm(off, 13, 2);
  return (
    ((bits(off, 12, 12) << 31) |
      (bits(off, 10, 5) << 25) |
      (reg(rs2) << 20) |
      (reg(rs1) << 15) |
      (f3 << 12) |
      (bits(off, 4, 1) << 8) |
      (bits(off, 11, 11) << 7) |
      opcode) >>>
    0
  );
}

/** U-type with the 20-bit upper immediate (0..0xfffff). */
export function uType(opcode: number, rd: number, imm20: number): number {
  uimm(imm20, 20);
  return ((imm20 << 12) | (reg(rd) << 7) | opcode) >>> 0;
}

export function jType(opcode: number, rd: number, off: number): number {
  simm(off, 21, 2);
  return (
    ((bits(off, 20, 20) << 31) |
      (bits(off, 10, 1) << 21) |
      (bits(off, 11, 11) << 20) |
      (bits(off, 19, 12) << 12) |
      (reg(rd) << 7) |
      opcode) >>>
    0
  );
}

const OP = 0x33;
const OP_32 = 0x3b;
const OP_IMM = 0x13;
const OP_IMM_32 = 0x1b;
const LOAD = 0x03;
const STORE = 0x23;
const BRANCH = 0x63;
const SYSTEM = 0x73;
const AMO = 0x2f;

// ---- RV64I ----
export const lui = (rd: number, imm20: number): number => uType(0x37, rd, imm20);
export const auipc = (rd: number, imm20: number): number => uType(0x17, rd, imm20);
export const jal = (rd: number, off: number): number => jType(0x6f, rd, off);
export const jalr = (rd: number, off: number, rs1: number): number => iType(0x67, 0, rd, rs1, off);
export const beq = (rs1: number, rs2: number, off: number): number => bType(BRANCH, 0, rs1, rs2, off);
export const bne = (rs1: number, rs2: number, off: number): number => bType(BRANCH, 1, rs1, rs2, off);
export const blt = (rs1: number, rs2: number, off: number): number => bType(BRANCH, 4, rs1, rs2, off);
export const bge = (rs1: number, rs2: number, off: number): number => bType(BRANCH, 5, rs1, rs2, off);
export const bltu = (rs1: number, rs2: number, off: number): number => bType(BRANCH, 6, rs1, rs2, off);
export const bgeu = (rs1: number, rs2: number, off: number): number => bType(BRANCH, 7, rs1, rs2, off);
type Enc3 = (a: number, b: number, c: number) => number;
/** One encoder per funct3 0..7 of a major opcode, as a row of the spec's opcode tables. */
const byFunct3 = (enc: (f3: number) => Enc3): Enc3[] => Array.from({ length: 8 }, (_, f3) => enc(f3));
/** The R-type encoders (rd, rs1, rs2) of one opcode and funct7, by funct3. */
const rRow = (opcode: number, f7: number): Enc3[] =>
  byFunct3((f3) => (rd, rs1, rs2) => rType(opcode, f3, f7, rd, rs1, rs2));

/** Loads (rd, offset, rs1) and stores (rs2, offset, rs1) by funct3. */
export const [lb, lh, lw, ld, lbu, lhu, lwu] = byFunct3(
  (f3) => (rd, off, rs1) => iType(LOAD, f3, rd, rs1, off),
);
export const [sb, sh, sw, sd] = byFunct3((f3) => (rs2, off, rs1) => sType(STORE, f3, rs1, rs2, off));
/** OP-IMM (rd, rs1, imm) by funct3; 1 and 5 are the shifts below. */
export const [addi, , slti, sltiu, xori, , ori, andi] = byFunct3(
  (f3) => (rd, rs1, imm) => iType(OP_IMM, f3, rd, rs1, imm),
);
/** RV64 shift-immediate: funct6 in bits 31:26, shamt in 25:20. */
const shift64 = (f6: number, f3: number, rd: number, rs1: number, sh: number): number =>
  ((f6 << 26) | (uimm(sh, 6) << 20) | (reg(rs1) << 15) | (f3 << 12) | (reg(rd) << 7) | OP_IMM) >>> 0;
export const slli = (rd: number, rs1: number, sh: number): number => shift64(0, 1, rd, rs1, sh);
export const srli = (rd: number, rs1: number, sh: number): number => shift64(0, 5, rd, rs1, sh);
export const srai = (rd: number, rs1: number, sh: number): number => shift64(0x10, 5, rd, rs1, sh);
export const [add, sll, slt, sltu, xor, srl, or, and] = rRow(OP, 0);
export const [sub, , , , , sra] = rRow(OP, 0x20);
export const addiw = (rd: number, rs1: number, imm: number): number => iType(OP_IMM_32, 0, rd, rs1, imm);
const shift32 = (f7: number, f3: number, rd: number, rs1: number, sh: number): number =>
  rType(OP_IMM_32, f3, f7, rd, rs1, uimm(sh, 5));
export const slliw = (rd: number, rs1: number, sh: number): number => shift32(0, 1, rd, rs1, sh);
export const srliw = (rd: number, rs1: number, sh: number): number => shift32(0, 5, rd, rs1, sh);
export const sraiw = (rd: number, rs1: number, sh: number): number => shift32(0x20, 5, rd, rs1, sh);
export const [addw, sllw, , , , srlw] = rRow(OP_32, 0);
export const [subw, , , , , sraw] = rRow(OP_32, 0x20);
/** fence pred, succ (4-bit sets i|o|r|w = 8|4|2|1). */
export const fence = (pred = 0xf, succ = 0xf): number =>
  ((uimm(pred, 4) << 24) | (uimm(succ, 4) << 20) | 0x0f) >>> 0;
export const fence_i = (): number => 0x0000100f;
export const ecall = (): number => 0x00000073;
export const ebreak = (): number => 0x00100073;
export const mret = (): number => 0x30200073;
export const sret = (): number => 0x10200073;
export const wfi = (): number => 0x10500073;
export const sfence_vma = (rs1 = 0, rs2 = 0): number => rType(SYSTEM, 0, 0x09, 0, rs1, rs2);
export const nop = (): number => addi(0, 0, 0);

// ---- Zicsr ----
const csrType = (f3: number, rd: number, csr: number, src: number): number =>
  ((uimm(csr, 12) << 20) | (src << 15) | (f3 << 12) | (reg(rd) << 7) | SYSTEM) >>> 0;
export const csrrw = (rd: number, csr: number, rs1: number): number => csrType(1, rd, csr, reg(rs1));
export const csrrs = (rd: number, csr: number, rs1: number): number => csrType(2, rd, csr, reg(rs1));
export const csrrc = (rd: number, csr: number, rs1: number): number => csrType(3, rd, csr, reg(rs1));
export const csrrwi = (rd: number, csr: number, z: number): number => csrType(5, rd, csr, uimm(z, 5));
export const csrrsi = (rd: number, csr: number, z: number): number => csrType(6, rd, csr, uimm(z, 5));
export const csrrci = (rd: number, csr: number, z: number): number => csrType(7, rd, csr, uimm(z, 5));
export const csrr = (rd: number, csr: number): number => csrrs(rd, csr, 0);
export const csrw = (csr: number, rs1: number): number => csrrw(0, csr, rs1);
export const csrs = (csr: number, rs1: number): number => csrrs(0, csr, rs1);
export const csrc = (csr: number, rs1: number): number => csrrc(0, csr, rs1);
export const csrwi = (csr: number, z: number): number => csrrwi(0, csr, z);
export const csrsi = (csr: number, z: number): number => csrrsi(0, csr, z);
export const csrci = (csr: number, z: number): number => csrrci(0, csr, z);

// ---- M ----
export const [mul, mulh, mulhsu, mulhu, div, divu, rem, remu] = rRow(OP, 1);
export const [mulw, , , , divw, divuw, remw, remuw] = rRow(OP_32, 1);

// ---- A ----
/** funct5 of each AMO. */
export const AMO_FUNCT5 = {
  lr: 0b00010,
  sc: 0b00011,
  amoswap: 0b00001,
  amoadd: 0b00000,
  amoxor: 0b00100,
  amoand: 0b01100,
  amoor: 0b01000,
  amomin: 0b10000,
  amomax: 0b10100,
  amominu: 0b11000,
  amomaxu: 0b11100,
} as const;
export type AmoOp = keyof typeof AMO_FUNCT5;

/** An A-extension instruction: op, width 'w' or 'd', rd, rs2, rs1 (the address), aq, rl. */
export function amo(
  op: AmoOp,
  width: "w" | "d",
  rd: number,
  rs2: number,
  rs1: number,
  aq = false,
  rl = false,
): number {
  const f7 = (AMO_FUNCT5[op] << 2) | (aq ? 2 : 0) | (rl ? 1 : 0);
  return rType(AMO, width === "w" ? 2 : 3, f7, rd, rs1, rs2);
}
export const lr_w = (rd: number, rs1: number): number => amo("lr", "w", rd, 0, rs1);
export const lr_d = (rd: number, rs1: number): number => amo("lr", "d", rd, 0, rs1);
export const sc_w = (rd: number, rs2: number, rs1: number): number => amo("sc", "w", rd, rs2, rs1);
export const sc_d = (rd: number, rs2: number, rs1: number): number => amo("sc", "d", rd, rs2, rs1);

// ---- C (RV64C), from the "C" chapter's tables ----

/** A register of the compressed 3-bit class (x8..x15), as its 3-bit field. */
function creg(r: number): number {
  if (!Number.isInteger(r) || r < 8 || r > 15) throw new RangeError(`encode: x${r} is not in x8..x15`);
  return r - 8;
}

function nz(v: number, what: string): number {
  if (v === 0) throw new RangeError(`encode: ${what} must not be zero`);
  return v;
}

const half = (v: number): number => v & 0xffff;

// Quadrant 0
export function c_addi4spn(rd: number, nzuimm: number): number {
  uimm(nz(nzuimm, "c.addi4spn nzuimm"), 10, 4);
  return half(
    (0b000 << 13) |
      scatter(nzuimm, [
        [5, 4, 11],
        [9, 6, 7],
        [2, 2, 6],
        [3, 3, 5],
      ]) |
      (creg(rd) << 2) |
      0b00,
  );
}
/** CL/CS: rs1' and rd'/rs2' with the offset in [12:10] and [6:5] (uimm[5:3] and uimm[2|6] for
 *  words, uimm[5:3] and uimm[7:6] for doublewords). */
const cls = (
  f3: number,
  r2: number,
  off: number,
  rs1: number,
  lowSegs: readonly (readonly [number, number, number])[],
): number => half((f3 << 13) | scatter(off, [[5, 3, 10], ...lowSegs]) | (creg(rs1) << 7) | (creg(r2) << 2));
const W_LOW = [
  [2, 2, 6],
  [6, 6, 5],
] as const;
const D_LOW = [[7, 6, 5]] as const;
export const c_lw = (rd: number, off: number, rs1: number): number =>
  cls(0b010, rd, uimm(off, 7, 4), rs1, W_LOW);
export const c_ld = (rd: number, off: number, rs1: number): number =>
  cls(0b011, rd, uimm(off, 8, 8), rs1, D_LOW);
export const c_sw = (rs2: number, off: number, rs1: number): number =>
  cls(0b110, rs2, uimm(off, 7, 4), rs1, W_LOW);
export const c_sd = (rs2: number, off: number, rs1: number): number =>
  cls(0b111, rs2, uimm(off, 8, 8), rs1, D_LOW);

// Quadrant 1
const ci = (f3: number, rd: number, imm6: number, op: number): number =>
  half((f3 << 13) | (bits(imm6, 5, 5) << 12) | (reg(rd) << 7) | (bits(imm6, 4, 0) << 2) | op);
export const c_nop = (): number => 0x0001;
export const c_addi = (rd: number, imm: number): number => ci(0b000, rd, simm(imm, 6), 0b01);
export const c_addiw = (rd: number, imm: number): number =>
  ci(0b001, nz(rd, "c.addiw rd"), simm(imm, 6), 0b01);
export const c_li = (rd: number, imm: number): number => ci(0b010, rd, simm(imm, 6), 0b01);
export function c_addi16sp(nzimm: number): number {
  simm(nz(nzimm, "c.addi16sp nzimm"), 10, 16);
  const imm = scatter(nzimm, [
    [9, 9, 12],
    [4, 4, 6],
    [6, 6, 5],
    [8, 7, 3],
    [5, 5, 2],
  ]);
  return half((0b011 << 13) | imm | (2 << 7) | 0b01);
}
/** c.lui rd, imm6: rd = sext(imm6) << 12, imm6 in -32..31, not 0. */
export const c_lui = (rd: number, imm6: number): number =>
  ci(0b011, rd, simm(nz(imm6, "c.lui imm"), 6), 0b01);
/** CB with a 6-bit immediate: c.srli, c.srai (f2 00, 01; a shift amount) and c.andi (f2 10). */
const cbImm = (f2: number, rd: number, imm6: number): number =>
  half((0b100 << 13) | (bits(imm6, 5, 5) << 12) | (f2 << 10) | (creg(rd) << 7) | (bits(imm6, 4, 0) << 2) | 1);
export const c_srli = (rd: number, sh: number): number => cbImm(0b00, rd, uimm(sh, 6));
export const c_srai = (rd: number, sh: number): number => cbImm(0b01, rd, uimm(sh, 6));
export const c_andi = (rd: number, imm: number): number => cbImm(0b10, rd, simm(imm, 6));
const cab = (b12: number, f2: number, rd: number, rs2: number): number =>
  half((0b100 << 13) | (b12 << 12) | (0b11 << 10) | (creg(rd) << 7) | (f2 << 5) | (creg(rs2) << 2) | 1);
export const c_sub = (rd: number, rs2: number): number => cab(0, 0b00, rd, rs2);
export const c_xor = (rd: number, rs2: number): number => cab(0, 0b01, rd, rs2);
export const c_or = (rd: number, rs2: number): number => cab(0, 0b10, rd, rs2);
export const c_and = (rd: number, rs2: number): number => cab(0, 0b11, rd, rs2);
export const c_subw = (rd: number, rs2: number): number => cab(1, 0b00, rd, rs2);
export const c_addw = (rd: number, rs2: number): number => cab(1, 0b01, rd, rs2);
export function c_j(off: number): number {
  simm(off, 12, 2);
  const imm = scatter(off, [
    [11, 11, 12],
    [4, 4, 11],
    [9, 8, 9],
    [10, 10, 8],
    [6, 6, 7],
    [7, 7, 6],
    [3, 1, 3],
    [5, 5, 2],
  ]);
  return half((0b101 << 13) | imm | 0b01);
}
const cb = (f3: number, rs1: number, off: number): number => {
  simm(off, 9, 2);
  const imm = scatter(off, [
    [8, 8, 12],
    [4, 3, 10],
    [7, 6, 5],
    [2, 1, 3],
    [5, 5, 2],
  ]);
  return half((f3 << 13) | imm | (creg(rs1) << 7) | 0b01);
};
export const c_beqz = (rs1: number, off: number): number => cb(0b110, rs1, off);
export const c_bnez = (rs1: number, off: number): number => cb(0b111, rs1, off);

// Quadrant 2
export const c_slli = (rd: number, sh: number): number =>
  half((0b000 << 13) | (bits(uimm(sh, 6), 5, 5) << 12) | (reg(rd) << 7) | (bits(sh, 4, 0) << 2) | 0b10);
/** c.lwsp/c.ldsp: CI with rd != 0, offset[5] at 12 and the rest in [6:2]. */
const cLoadSp = (
  f3: number,
  rd: number,
  off: number,
  segs: readonly (readonly [number, number, number])[],
): number => half((f3 << 13) | scatter(off, [[5, 5, 12], ...segs]) | (reg(rd) << 7) | 0b10);
export function c_lwsp(rd: number, off: number): number {
  uimm(off, 8, 4);
  return cLoadSp(0b010, nz(rd, "c.lwsp rd"), off, [
    [4, 2, 4],
    [7, 6, 2],
  ]);
}
export function c_ldsp(rd: number, off: number): number {
  uimm(off, 9, 8);
  return cLoadSp(0b011, nz(rd, "c.ldsp rd"), off, [
    [4, 3, 5],
    [8, 6, 2],
  ]);
}
export const c_jr = (rs1: number): number => half((0b1000 << 12) | (reg(nz(rs1, "c.jr rs1")) << 7) | 0b10);
export const c_mv = (rd: number, rs2: number): number =>
  half((0b1000 << 12) | (reg(rd) << 7) | (reg(nz(rs2, "c.mv rs2")) << 2) | 0b10);
export const c_ebreak = (): number => 0x9002;
export const c_jalr = (rs1: number): number =>
  half((0b1001 << 12) | (reg(nz(rs1, "c.jalr rs1")) << 7) | 0b10);
export const c_add = (rd: number, rs2: number): number =>
  half((0b1001 << 12) | (reg(rd) << 7) | (reg(nz(rs2, "c.add rs2")) << 2) | 0b10);
/** c.swsp/c.sdsp: CSS, the offset in [12:7]. */
const cStoreSp = (
  f3: number,
  rs2: number,
  off: number,
  segs: readonly (readonly [number, number, number])[],
): number => half((f3 << 13) | scatter(off, segs) | (reg(rs2) << 2) | 0b10);
export const c_swsp = (rs2: number, off: number): number =>
  cStoreSp(0b110, rs2, uimm(off, 8, 4), [
    [5, 2, 9],
    [7, 6, 7],
  ]);
export const c_sdsp = (rs2: number, off: number): number =>
  cStoreSp(0b111, rs2, uimm(off, 9, 8), [
    [5, 3, 10],
    [8, 6, 7],
  ]);

/** The length in bytes of an encoded instruction. */
export const insnLength = (w: number): 2 | 4 => ((w & 3) === 3 ? 4 : 2);
