// ISA-style tests of translated code: every RV64IM register-register op and every
// register-immediate op (a few immediates each) runs in a loop over a table of operand pairs
// (edge values of test/helpers/ref.ts, their pairs thinned, and seeded random ones), translated
// from its first back edge on (heat 1), storing each result; the results must be the reference's
// (ref.ts, BigInt arithmetic written from the spec, as the interpreter's own rv64i/rv64m tests
// use), and the whole run the interpreter's (registers, counters, RAM).

import { describe, expect, it } from "vitest";
import { attachJit } from "../../../src/cpu/jit/index.js";
import { PASS, runAsm } from "../../helpers/asm.js";
import { expectSameRuns } from "../../helpers/jitdiff.js";
import { EDGE_VALUES, operand, RI, Rng, RR, s64, u64 } from "../../helpers/ref.js";

/** Operand pairs: every 3rd edge value against every 5th, and 300 seeded random pairs. */
function pairs(seed: number): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  const as = EDGE_VALUES.filter((_, i) => i % 3 === 0);
  const bs = EDGE_VALUES.filter((_, i) => i % 5 === 0);
  for (const a of as) for (const b of bs) out.push([a, b]);
  const rng = new Rng(seed);
  for (let i = 0; i < 300; i++) out.push([operand(rng), operand(rng)]);
  return out;
}

/** A loop applying `insn` (reading a1, a2, writing a0) to each pair of the table, storing a0. */
function program(insn: string, table: [bigint, bigint][]): string {
  return `
    .globl _start
_start:
    la s0, pairs
    la s1, out
    li s2, ${table.length}
1:  ld a1, 0(s0)
    ld a2, 8(s0)
    ${insn}
    sd a0, 0(s1)
    addi s0, s0, 16
    addi s1, s1, 8
    addi s2, s2, -1
    bnez s2, 1b
${PASS}
    .data
    .balign 8
pairs:
${table.map(([a, b]) => `    .dword ${s64(a)}, ${s64(b)}`).join("\n")}
out: .zero ${8 * table.length}
`;
}

/** Run `insn` over `table` with and without translation; the results as the translated run
 *  stored them (the same run as the interpreter's, most of it translated). */
function results(insn: string, table: [bigint, bigint][]): bigint[] {
  const { executed, jit } = expectSameRuns(
    (j) =>
      runAsm(program(insn, table), {
        mem: 4 << 20,
        ...(j ? { setup: (m) => void attachJit(m, { hot: 1, keepAll: true }) } : {}),
      }),
    (r) => r.result,
  );
  expect(jit.result.exitCode).toBe(0);
  expect(executed).toBeGreaterThan(0.9 * jit.h.steps);
  const out = jit.sym("out");
  return table.map((_, i) => u64(jit.read(out + BigInt(8 * i))));
}

const hex = (v: bigint): string => `0x${u64(v).toString(16)}`;

/** The first few results that differ from `ref`, readable. */
function mismatches(
  name: string,
  table: [bigint, bigint][],
  got: bigint[],
  ref: (a: bigint, b: bigint) => bigint,
) {
  const bad: string[] = [];
  table.forEach(([a, b], i) => {
    const want = u64(ref(a, b));
    if (got[i] !== want && bad.length < 5)
      bad.push(`${name}(${hex(a)}, ${hex(b)}) = ${hex(got[i]!)}, want ${hex(want)}`);
  });
  return bad;
}

describe("translated code against the reference: register-register ops", () => {
  Object.entries(RR).forEach(([name, ref], k) => {
    it(name, () => {
      const table = pairs(100 + k);
      expect(mismatches(name, table, results(`${name} a0, a1, a2`, table), ref)).toEqual([]);
    });
  });
});

describe("translated code against the reference: register-immediate ops", () => {
  const SHIFTS = ["slli", "srli", "srai", "slliw", "srliw", "sraiw"];
  Object.entries(RI).forEach(([name, ref], k) => {
    const imms = SHIFTS.includes(name)
      ? name.endsWith("w")
        ? [0, 1, 31]
        : [0, 1, 31, 32, 63]
      : [0, 1, -1, 2047, -2048, 0x555];
    it(`${name} with ${imms.join(", ")}`, () => {
      const table = pairs(200 + k).slice(0, 200);
      for (const imm of imms) {
        const got = results(`${name} a0, a1, ${imm}`, table);
        expect(mismatches(`${name}[${imm}]`, table, got, (a) => ref(a, imm))).toEqual([]);
      }
    });
  });
});
