// Instruction words that are not instructions of mmlab (reserved, or of extensions it does not
// implement: Q, V, N, custom; F/D may be present, so none of theirs are here), with the reason; shared by the decoder tests and the illegal-instruction trap
// tests. Built by perturbing valid encodings from ./encode.ts.

import * as E from "./encode.js";
import { a0, a1, a2, ra, s0, sp, t0, zero } from "./encode.js";

export interface Bad {
  why: string;
  word: number;
}

/** 32-bit words the spec leaves reserved (or assigns to F/D/V/custom), all raising cause 2. */
export const ILLEGAL32: readonly Bad[] = [
  { why: "all ones (a >48-bit encoding prefix)", word: 0xffffffff },
  { why: "48-bit encoding prefix (bits 5:0 = 011111)", word: 0x0000001f },
  { why: "custom-0 opcode", word: 0x0000000b },
  { why: "LOAD-FP funct3 = 4 (flq, no Q)", word: E.iType(0x07, 4, 1, 2, 0) },
  { why: "STORE-FP funct3 = 4 (fsq, no Q)", word: E.sType(0x27, 4, 2, 1, 8) },
  { why: "OP-FP fmt = 3 (fadd.q, no Q)", word: E.rType(0x53, 0, 3, 1, 2, 3) },
  { why: "MADD fmt = 3 (fmadd.q, no Q)", word: 0x00000043 | (3 << 25) },
  { why: "OP-V (no V)", word: E.rType(0x57, 0, 0, 1, 2, 3) },
  { why: "jalr with funct3 = 1", word: (E.jalr(ra, 0, a0) | (1 << 12)) >>> 0 },
  { why: "branch funct3 = 2", word: E.bType(0x63, 2, a0, a1, 8) },
  { why: "branch funct3 = 3", word: E.bType(0x63, 3, a0, a1, 8) },
  { why: "load funct3 = 7 (ldu is RV128)", word: E.iType(0x03, 7, a0, a1, 0) },
  { why: "store funct3 = 4 (sq is RV128)", word: E.sType(0x23, 4, a0, a1, 0) },
  { why: "slli with funct6 = 010000", word: (E.slli(a0, a1, 3) | (1 << 30)) >>> 0 },
  { why: "srli with funct6 = 000001 bit set", word: (E.srli(a0, a1, 3) | (1 << 26)) >>> 0 },
  { why: "srai with funct6 = 011000", word: (E.srai(a0, a1, 3) | (1 << 29)) >>> 0 },
  { why: "slliw with shamt[5] set", word: (E.slliw(a0, a1, 3) | (1 << 25)) >>> 0 },
  { why: "srliw with shamt[5] set", word: (E.srliw(a0, a1, 3) | (1 << 25)) >>> 0 },
  { why: "sraiw with shamt[5] set", word: (E.sraiw(a0, a1, 3) | (1 << 25)) >>> 0 },
  { why: "addiw-space funct3 = 2", word: E.iType(0x1b, 2, a0, a1, 0) },
  { why: "OP funct7 = 0000010", word: E.rType(0x33, 0, 2, a0, a1, a2) },
  { why: "OP funct7 = 0100000 with funct3 = 1 (no 'sub-sll')", word: E.rType(0x33, 1, 0x20, a0, a1, a2) },
  { why: "OP funct7 = 0100000 with funct3 = 7", word: E.rType(0x33, 7, 0x20, a0, a1, a2) },
  { why: "OP-32 funct3 = 2 (no sltw)", word: E.rType(0x3b, 2, 0, a0, a1, a2) },
  { why: "OP-32 funct3 = 4 (no xorw)", word: E.rType(0x3b, 4, 0, a0, a1, a2) },
  { why: "OP-32 funct7 = 1 funct3 = 1 (no mulhw)", word: E.rType(0x3b, 1, 1, a0, a1, a2) },
  { why: "OP-32 funct7 = 1 funct3 = 3 (no mulhuw)", word: E.rType(0x3b, 3, 1, a0, a1, a2) },
  { why: "OP-32 funct7 = 0100000 funct3 = 1", word: E.rType(0x3b, 1, 0x20, a0, a1, a2) },
  { why: "SYSTEM funct3 = 4 (no csr op)", word: (E.csrrw(a0, 0x340, a1) & ~(7 << 12)) | (4 << 12) },
  { why: "uret (N extension, not implemented)", word: 0x00200073 },
  { why: "dret (debug mode only)", word: 0x7b200073 },
  { why: "ecall with rd != 0", word: (E.ecall() | (a0 << 7)) >>> 0 },
  { why: "ebreak with rs1 != 0", word: (E.ebreak() | (a0 << 15)) >>> 0 },
  { why: "mret with rs1 != 0", word: (E.mret() | (1 << 15)) >>> 0 },
  { why: "SYSTEM funct3 = 0, funct12 = 0x103", word: 0x10300073 },
  { why: "sfence.vma with rd != 0", word: (E.sfence_vma(a0, a1) | (1 << 7)) >>> 0 },
  { why: "AMO width funct3 = 1", word: E.rType(0x2f, 1, 0, a0, a1, a2) },
  { why: "AMO width funct3 = 4 (RV128 .q)", word: E.rType(0x2f, 4, 0, a0, a1, a2) },
  { why: "AMO funct5 = 00101 (unassigned)", word: E.rType(0x2f, 2, 0b00101 << 2, a0, a1, a2) },
  { why: "AMO funct5 = 11101 (unassigned)", word: E.rType(0x2f, 3, 0b11101 << 2, a0, a1, a2) },
  { why: "lr.w with rs2 != 0", word: E.amo("lr", "w", a0, a1, a2) },
  { why: "lr.d with rs2 != 0", word: E.amo("lr", "d", a0, t0, a2) },
  { why: "MISC-MEM funct3 = 2", word: E.iType(0x0f, 2, 0, 0, 0) },
].map((b) => ({ why: b.why, word: b.word >>> 0 }));

/** 16-bit words that are reserved in RV64C, all raising cause 2. */
export const ILLEGAL16: readonly Bad[] = [
  { why: "the all-zero halfword", word: 0x0000 },
  { why: "c.addi4spn with nzuimm = 0 (rd' = s1)", word: 0x0004 },
  { why: "c.addi4spn with nzuimm = 0 (rd' = a5)", word: 0x001c },
  { why: "Q0 funct3 = 100 (reserved)", word: 0x8000 | (1 << 2) },
  { why: "c.addiw with rd = 0", word: 0x2000 | (5 << 2) | 0b01 },
  { why: "c.lui with nzimm = 0 (rd = ra)", word: 0x6000 | (ra << 7) | 0b01 },
  { why: "c.lui with nzimm = 0 (rd = a0)", word: 0x6000 | (a0 << 7) | 0b01 },
  { why: "c.addi16sp with nzimm = 0", word: 0x6000 | (sp << 7) | 0b01 },
  { why: "c.subw-space funct2 = 10 (reserved)", word: 0x9c01 | (0b10 << 5) | ((s0 - 8) << 7) },
  { why: "c.subw-space funct2 = 11 (reserved)", word: 0x9c01 | (0b11 << 5) },
  { why: "c.lwsp with rd = 0", word: 0x4000 | (zero << 7) | (4 << 2) | 0b10 },
  { why: "c.ldsp with rd = 0", word: 0x6000 | (zero << 7) | (4 << 2) | 0b10 },
  { why: "c.jr with rs1 = 0", word: 0x8002 },
];
