// The `li` expansion: any 64-bit constant as a short lui/addi(w)/slli chain, as GNU as builds it.

import { type Insn, makeInsn } from "./encoding.js";

const sext12 = (v: bigint): bigint => BigInt.asIntN(12, v);
const isSext32 = (v: bigint): boolean => v >= -(1n << 31n) && v < 1n << 31n;

/**
 * The instructions that load `value` (taken as 64-bit two's complement) into register `rd`:
 * `addi` for 12-bit values, `lui`+`addiw` for 32-bit ones, and for wider values the sequence for
 * the upper bits followed by `slli` and `addi`, recursively (GNU as's load_const).
 */
export function liSequence(rd: number, value: bigint): Insn[] {
  const v = BigInt.asIntN(64, value);
  if (v >= -2048n && v <= 2047n) return [makeInsn("addi", { rd, imm: Number(v) })];
  const out: Insn[] = [];
  loadConst(rd, v, out);
  return out;
}

/** Appends to `out` the instructions that put `v` (signed 64-bit) in `rd`. */
function loadConst(rd: number, v: bigint, out: Insn[]): void {
  const lower = sext12(v);
  const upper = BigInt.asIntN(64, v - lower);
  if (!isSext32(v)) {
    let shift = 12n;
    while (((upper >> shift) & 1n) === 0n) shift++;
    loadConst(rd, upper >> shift, out);
    out.push(makeInsn("slli", { rd, rs1: rd, imm: Number(shift) }));
    if (lower !== 0n) out.push(makeInsn("addi", { rd, rs1: rd, imm: Number(lower) }));
    return;
  }
  if (upper !== 0n) out.push(makeInsn("lui", { rd, imm: Number((upper >> 12n) & 0xfffffn) }));
  if (upper === 0n) out.push(makeInsn("addi", { rd, imm: Number(lower) }));
  else if (lower !== 0n) out.push(makeInsn("addiw", { rd, rs1: rd, imm: Number(lower) }));
}
