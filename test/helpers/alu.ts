// Differential checks of single integer instructions against ./ref.ts, through the interpreter
// (the Stepper runs one instruction with registers set from the test). Each check returns the
// first few mismatches as readable strings, so a failing test says what went wrong.

import type { Stepper } from "./guest.js";
import { EDGE_VALUES, operand, RI, Rng, RR, u64 } from "./ref.js";

const A = 10; // a0
const B = 11; // a1
const C = 12; // a2

const hex = (v: bigint): string => `0x${u64(v).toString(16)}`;

type RREnc = (rd: number, rs1: number, rs2: number) => number;
type RIEnc = (rd: number, rs1: number, imm: number) => number;

/** op rd, rs1, rs2 on every pair of edge values, `random` seeded pairs, every register aliasing
 *  (rd = rs1, rd = rs2, rs1 = rs2, all three), rd = x0 and rs1/rs2 = x0. */
export function checkRR(st: Stepper, name: string, enc: RREnc, seed: number, random = 3000): string[] {
  const ref = RR[name];
  if (!ref) throw new Error(`no reference for ${name}`);
  const bad: string[] = [];
  const note = (what: string, got: bigint, want: bigint): void => {
    if (got !== want && bad.length < 6) bad.push(`${what} = ${hex(got)}, want ${hex(want)}`);
  };
  const rng = new Rng(seed);
  const pairs: [bigint, bigint][] = [];
  for (const a of EDGE_VALUES) for (const b of EDGE_VALUES) pairs.push([a, b]);
  for (let i = 0; i < random; i++) pairs.push([operand(rng), operand(rng)]);

  const w = enc(A, B, C);
  for (const [a, b] of pairs) {
    st.exec(w, [
      [B, a],
      [C, b],
    ]);
    note(`${name}(${hex(a)}, ${hex(b)})`, st.h.reg(A), ref(a, b));
    // The sources are untouched.
    note(`${name}: rs1 after`, st.h.reg(B), a);
  }
  for (const [a, b] of pairs.slice(0, 400)) {
    st.exec(enc(A, A, B), [
      [A, a],
      [B, b],
    ]);
    note(`${name} rd=rs1 (${hex(a)}, ${hex(b)})`, st.h.reg(A), ref(a, b));
    st.exec(enc(A, B, A), [
      [B, a],
      [A, b],
    ]);
    note(`${name} rd=rs2 (${hex(a)}, ${hex(b)})`, st.h.reg(A), ref(a, b));
    st.exec(enc(A, B, B), [[B, a]]);
    note(`${name} rs1=rs2 (${hex(a)})`, st.h.reg(A), ref(a, a));
    st.exec(enc(A, A, A), [[A, b]]);
    note(`${name} rd=rs1=rs2 (${hex(b)})`, st.h.reg(A), ref(b, b));
    st.exec(enc(A, 0, B), [[B, b]]);
    note(`${name}(x0, ${hex(b)})`, st.h.reg(A), ref(0n, b));
    st.exec(enc(A, B, 0), [[B, a]]);
    note(`${name}(${hex(a)}, x0)`, st.h.reg(A), ref(a, 0n));
    st.exec(enc(0, B, C), [
      [B, a],
      [C, b],
    ]);
    note(`${name} rd=x0 leaves x0`, st.h.reg(0), 0n);
  }
  return bad;
}

/** op rd, rs1, imm over edge values × `imms`, seeded random operands, rd = rs1, rd = x0, rs1 = x0. */
export function checkRI(
  st: Stepper,
  name: string,
  enc: RIEnc,
  imms: readonly number[],
  seed: number,
  random = 3000,
): string[] {
  const ref = RI[name];
  if (!ref) throw new Error(`no reference for ${name}`);
  const bad: string[] = [];
  const note = (what: string, got: bigint, want: bigint): void => {
    if (got !== want && bad.length < 6) bad.push(`${what} = ${hex(got)}, want ${hex(want)}`);
  };
  const rng = new Rng(seed);
  const cases: [bigint, number][] = [];
  for (const a of EDGE_VALUES) for (const i of imms) cases.push([a, i]);
  for (let k = 0; k < random; k++) cases.push([operand(rng), imms[rng.int(imms.length)]!]);
  for (const [a, imm] of cases) {
    st.exec(enc(A, B, imm), [[B, a]]);
    note(`${name}(${hex(a)}, ${imm})`, st.h.reg(A), ref(a, imm));
    st.exec(enc(B, B, imm), [[B, a]]);
    note(`${name} rd=rs1 (${hex(a)}, ${imm})`, st.h.reg(B), ref(a, imm));
  }
  for (const imm of imms) {
    st.exec(enc(A, 0, imm), [[A, 0x1234n]]);
    note(`${name}(x0, ${imm})`, st.h.reg(A), ref(0n, imm));
    st.exec(enc(0, B, imm), [[B, 0x7fn]]);
    note(`${name} rd=x0 leaves x0`, st.h.reg(0), 0n);
  }
  return bad;
}

/** Every 12-bit immediate's interesting values: the extremes, ±1, 0, each single bit, and a
 *  seeded sample. */
export function imm12Values(seed: number, extra = 40): number[] {
  const vs = new Set<number>([0, 1, -1, 2047, -2048, 2046, -2047, 0x555, -0x556, 0x7f0]);
  for (let b = 0; b < 11; b++) {
    vs.add(1 << b);
    vs.add(-(1 << b));
  }
  const rng = new Rng(seed);
  for (let i = 0; i < extra; i++) vs.add(rng.int(4096) - 2048);
  return [...vs];
}

export const SHAMT64 = Array.from({ length: 64 }, (_, i) => i);
export const SHAMT32 = Array.from({ length: 32 }, (_, i) => i);
