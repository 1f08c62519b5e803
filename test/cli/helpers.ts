// Small guest ELF files for the CLI tests, built with writeElf (independent of the assembler).
// Running mmlab and temporary directories: ../helpers/cli.ts.

import { PF_R, PF_W, PF_X, writeElf } from "../../src/elf/index.js";

// ---- a few RV64I encodings (unprivileged spec, base formats) ----

const T0 = 5;
const T1 = 6;
const A0 = 10;

const iType = (op: number, rd: number, f3: number, rs1: number, imm: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const sType = (f3: number, rs1: number, rs2: number, imm: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23) >>> 0;
const lui = (rd: number, imm20: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0;
const addi = (rd: number, rs1: number, imm: number): number => iType(0x13, rd, 0, rs1, imm);
const sw = (rs1: number, rs2: number, imm: number): number => sType(2, rs1, rs2, imm);
/** jal x0, 0: a loop on itself. */
const HANG = 0x0000006f;
/** addi a0, a0, 1 */
const INC_A0 = addi(A0, A0, 1);
/** jal x0, -4 */
const BACK_ONE = 0xffdff06f;

/** Words ending the run through the test finisher with status `code` (0 = pass). */
function finish(code: number): number[] {
  const value = code === 0 ? 0x5555 : (code << 16) | 0x3333;
  const hi = (value + 0x800) >>> 12;
  const lo = value - (hi << 12);
  return [lui(T0, 0x100), lui(T1, hi), addi(T1, T1, lo), sw(T0, T1, 0), HANG];
}

function words(ws: number[]): Uint8Array {
  const b = new Uint8Array(ws.length * 4);
  const v = new DataView(b.buffer);
  for (const [i, w] of ws.entries()) v.setUint32(i * 4, w, true);
  return b;
}

const ENTRY = 0x8000_0000n;

/** An ELF whose code is `ws` at 0x80000000 (entry there), with a .data segment. */
export function elfOf(ws: number[], at = ENTRY): Uint8Array {
  return writeElf({
    entry: at,
    segments: [
      { vaddr: at, data: words(ws), flags: PF_R | PF_X },
      { vaddr: at + 0x1000n, data: new Uint8Array(16), memsz: 4096, flags: PF_R | PF_W },
    ],
    symbols: [{ name: "_start", value: at, global: true, kind: "func" }],
  });
}

/** A guest that passes (status 0). */
export const passElf = (): Uint8Array => elfOf(finish(0));
/** A guest that fails test `n`. */
export const failElf = (n: number): Uint8Array => elfOf(finish(n));
/** A guest that loops forever (a0 counts up). */
export const loopElf = (): Uint8Array => elfOf([INC_A0, BACK_ONE]);
/** A guest that faults at once with mtvec = 0: a trap loop. */
export const faultElf = (): Uint8Array => elfOf([0x00000000]);
