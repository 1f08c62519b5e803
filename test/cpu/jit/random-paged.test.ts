// Randomized instruction streams (fast-check) under Sv48 in S-mode, run with and without
// translation: a loop whose body mixes integer ops, forward branches, loads and stores of every
// width near and across the boundaries of three data pages (the first two mapped, the third
// not: misaligned accesses cross pages, and accesses into the third fault), CSR accesses
// (sscratch written and read, the user counters, sstatus, satp; mstatus, which S may not read,
// raises an illegal instruction), sfence.vma and fence.i, in plain and compressed encodings. The
// S handler logs every trap (cause, tval, epc) and skips the instruction. Same registers,
// counters, modelled-TLB state, RAM and exit, and the regions really run.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PRIV_S } from "../../../src/cpu/index.js";
import { expectSameRuns } from "../../helpers/jitdiff.js";
import { DATA_VA, FINISH, runPagedGuest } from "../../helpers/paged.js";

const REGS = ["t0", "t1", "t2", "a0", "a1", "a2", "a3", "a4", "a5", "s2", "s4", "s5", "zero"];
const reg = fc.constantFrom(...REGS);
const dst = fc.constantFrom(...REGS.slice(0, -1));
/** Bases: s0 = the middle of page 0, a6 = the start of page 1, a7 = the start of page 2
 *  (unmapped): offsets near 0 from a6 and a7 make accesses that cross a page boundary. */
const BASES = ["s0", "a6", "a7"];
const LOADS = ["lb", "lh", "lw", "ld", "lbu", "lhu", "lwu"];
const STORES = ["sb", "sh", "sw", "sd"];
const BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];
const offset = fc.oneof(fc.integer({ min: -2048, max: 2047 }), fc.integer({ min: -9, max: 9 }));

/** One instruction as a function of its index (branches name a later label). */
type Gen = (i: number, n: number) => string;

const insn: fc.Arbitrary<Gen> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom("add", "sub", "xor", "or", "and", "sll", "srl", "sra", "mul", "addw", "sltu"),
        dst,
        reg,
        reg,
      )
      .map(
        ([o, d, a, b]) =>
          () =>
            `${o} ${d}, ${a}, ${b}`,
      ),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom("addi", "xori", "andi", "slti"), dst, reg, fc.integer({ min: -2048, max: 2047 }))
      .map(
        ([o, d, a, k]) =>
          () =>
            `${o} ${d}, ${a}, ${k}`,
      ),
  },
  {
    weight: 5,
    arbitrary: fc.tuple(fc.constantFrom(...LOADS), dst, fc.constantFrom(...BASES), offset).map(
      ([o, d, b, k]) =>
        () =>
          `${o} ${d}, ${k}(${b})`,
    ),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.constantFrom(...STORES), reg, fc.constantFrom(...BASES), offset).map(
      ([o, v, b, k]) =>
        () =>
          `${o} ${v}, ${k}(${b})`,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...BRANCHES), reg, reg, fc.integer({ min: 1, max: 6 })).map(
      ([o, a, b, k]) =>
        (i: number, n: number) =>
          `${o} ${a}, ${b}, L${Math.min(i + k, n)}`,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(dst, reg, fc.integer({ min: 0, max: 8 })).map(
      ([d, v, form]) =>
        () =>
          [
            `csrrw ${d}, sscratch, ${v}`,
            `csrrs ${d}, sscratch, ${v}`,
            `csrr ${d}, sscratch`,
            `csrr ${d}, instret`,
            `csrr ${d}, cycle`,
            `csrr ${d}, time`,
            `csrr ${d}, sstatus`,
            `csrr ${d}, satp`,
            `csrr ${d}, mstatus`, // illegal in S
          ][form]!,
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("sfence.vma", "sfence.vma a7", "sfence.vma zero, zero", "fence.i", "fence")
      .map((f) => () => f),
  },
);

/** Start values of the registers the body uses: any 64-bit pattern, or a small one. */
const starts = fc.array(
  fc.oneof(
    fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    fc.integer({ min: -9, max: 9 }).map(BigInt),
  ),
  { minLength: REGS.length - 1, maxLength: REGS.length - 1 },
);

function program(body: Gen[], init: bigint[], iters: number): string {
  const n = body.length;
  const lines = body.map((g, i) => `L${i}: ${g(i, n)}`);
  return `
    _start:
      la t0, handler
      csrw stvec, t0
      li s0, ${DATA_VA + 2048n}
      li a6, ${DATA_VA + 4096n}
      li a7, ${DATA_VA + 8192n}
${init.map((v, i) => `      li ${REGS[i]}, ${v}`).join("\n")}
      li s1, ${iters}
    1:
${lines.join("\n")}
    L${n}:
      addi s1, s1, -1
      bnez s1, 1b
      ${FINISH}
      .balign 4
    handler:
      csrr t6, scause
      add s7, s7, t6
      csrr t6, stval
      add s8, s8, t6
      csrr t6, sepc
      add s9, s9, t6
      addi s3, s3, 1
      csrr s11, sepc
      lhu t6, 0(s11)
      andi t6, t6, 3
      addi s11, s11, 2
      xori t6, t6, 3
      bnez t6, 2f
      addi s11, s11, 2
    2:
      csrw sepc, s11
      sret`;
}

describe("translator: random instruction streams under Sv48 with faults", () => {
  it("leave the same state with and without translation", () => {
    let faulted = 0;
    let translated = 0;
    let steps = 0;
    fc.assert(
      fc.property(
        fc.array(insn, { minLength: 5, maxLength: 40 }),
        starts,
        fc.boolean(),
        fc.constantFrom("skylake", "tiny"),
        (body, init, rvc, tlb) => {
          const source = (rvc ? "    .option rvc\n" : "") + program(body, init, 400);
          const { executed, jit } = expectSameRuns(
            (j) =>
              runPagedGuest({
                tlb,
                source,
                dataBytes: 8192,
                codePages: 2,
                host: true,
                priv: PRIV_S,
                jit: j,
                insns: 1_000_000,
                setup: (h) => {
                  h.medeleg = (1 << 2) | (1 << 5) | (1 << 7) | (1 << 13) | (1 << 15);
                  h.mcounteren = 7; // cycle, time, instret readable in S
                },
              }),
            (g) => g.res,
          );
          expect(jit.res.exitCode).toBe(0);
          expect(executed).toBeGreaterThan(0);
          if (jit.h.reg(19) > 0n) faulted++;
          translated += executed;
          steps += jit.h.steps;
        },
      ),
      { numRuns: 20, seed: 1212 },
    );
    expect(faulted).toBeGreaterThan(8); // most streams trapped
    expect(translated).toBeGreaterThan(0.1 * steps); // (regions leave at every trap)
  }, 240_000);
});
