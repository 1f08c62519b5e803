// Register stores deferred to a block's exits (region.ts set(), flushDirty()) and registers kept
// in locals across a self-looping block's back edge (block(), backEdge()): every trap, interrupt
// and call out in the middle of such a block sees the interpreter's exact registers. Each
// handler folds the registers the block wrote before the trapping instruction into registers
// of its own, so the state compared at the end holds what the handler saw.

import { describe, expect, it } from "vitest";
import { PASS, runAsm, TIMER_ON, timerHandler } from "../../helpers/asm.js";
import { expectSameRuns, sameDelegatedRuns, withJit } from "../../helpers/jitdiff.js";
import { DATA_VA, FINISH } from "../../helpers/paged.js";

/** The S handler: skips the faulting instruction, folds s2, s4, t1, t3 and stval into s5 and
 *  s6, counts in s7. */
const S_HANDLER = `
      .balign 4
    handler:
      csrr t6, sepc
      addi t6, t6, 4
      csrw sepc, t6
      add s5, s5, s2
      xor s5, s5, s4
      add s6, s6, t1
      xor s6, s6, t3
      csrr t6, stval
      add s6, s6, t6
      addi s7, s7, 1
      sret`;

/** An S-mode loop of 3,000 passes whose body is `body`, which loads from t3: DATA_VA, or an
 *  unmapped page when s1 & 7 == 7 (no branch: the body can be one block looping on itself). */
const faultLoop = (body: string): string => `
    _start:
      la t0, handler
      csrw stvec, t0
      li s0, ${DATA_VA}
      li s1, 3000
      li t5, 0x7000000000
      sub t5, t5, s0
    loop:
      addi s4, s4, 1
      add s2, s2, s4
      andi t1, s1, 7
      addi t1, t1, -7
      seqz t1, t1
      neg t1, t1
      and t1, t1, t5
      add t3, s0, t1
${body}
      addi s1, s1, -1
      bnez s1, loop
${FINISH}
${S_HANDLER}`;

describe("translator: deferred register stores", () => {
  it("a page fault in the middle of a self-looping block: the handler sees the registers written before it", () => {
    const { executed, jit } = sameDelegatedRuns(
      faultLoop(`
      ld t4, 0(t3)
      add s2, s2, t4
      sd s2, 8(t3)
      addi s4, s4, 2`),
      () => {},
    );
    expect(jit.h.reg(23)).toBe(2n * 375n); // s7: the ld and the sd of every 8th pass
    expect(jit.h.reg(21)).not.toBe(0n);
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });

  it("a page fault in a block that does not loop on itself: the registers it wrote before", () => {
    const { executed, jit } = sameDelegatedRuns(
      faultLoop(`
      beqz t1, 1f
      addi s4, s4, 5
    1:
      add s2, s2, s1
      ld t4, 0(t3)
      add s4, s4, t4
      sd s4, 8(t3)`),
      () => {},
    );
    expect(jit.h.reg(23)).toBe(2n * 375n);
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });

  it("timer interrupts at a self-looping block's head: the registers it carries in locals", () => {
    const src = `
    .globl _start
_start:
${TIMER_ON}
    li s0, 200000
1:  addi s0, s0, -1
    add s1, s1, s0
    xor s2, s2, s1
    slli s8, s2, 3
    bnez s0, 1b
${PASS}
${timerHandler("s6", "s4", { fold: "add s3, s3, s1\nxor s3, s3, s2\nadd s5, s5, s8" })}`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, { quantum: 997, ...(j ? { setup: withJit } : {}) }),
      (r) => [r.result, r.reg(19), r.reg(20), r.reg(21), r.reg(22)],
    );
    expect(jit.reg(20)).toBeGreaterThan(50n); // s4: interrupts taken
    expect(executed).toBeGreaterThan(0.05 * jit.h.steps);
  });

  it("a called op in a self-looping block reads the register written before it, and its result is read after it", () => {
    // amoadd.d reads a1 (written just before, deferred) in memory and writes a2 in memory, which
    // the next instruction and the next pass read
    const src = `
    .globl _start
_start:
    la s1, buf
    li s0, 20000
1:  addi a1, a1, 3
    amoadd.d a2, a1, (s1)
    add a3, a3, a2
    xor a4, a4, a3
    addi s0, s0, -1
    bnez s0, 1b
${PASS}
    .data
    .balign 8
buf: .zero 64
`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => [r.result],
    );
    expect(jit.reg(13)).not.toBe(0n);
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });

  it("a block that jumps to itself (jal, no way out but interrupts) keeps its registers in locals and stores them at each interrupt", () => {
    // \`1: addi; xor; j 1b\`: the back edge is on the block's straight line, so nothing after it
    // runs; the handler sees a0 and a1 as the pass before the interrupt left them, and leaves
    // the loop for good after 15 interrupts
    const src = `
    .globl _start
_start:
${TIMER_ON}
1:  addi a0, a0, 1
    xor a1, a1, a0
    j 1b
done:
${PASS}
${timerHandler("s6", "s4", {
  fold: "add s3, s3, a0\nxor s3, s3, a1",
  after: "li t5, 15\nblt s4, t5, 2f\nla t6, done\ncsrw mepc, t6\n2:",
  ticks: 997,
})}`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, { quantum: 997, ...(j ? { setup: withJit } : {}) }),
      (r) => [r.result, r.reg(10), r.reg(11), r.reg(19), r.reg(20), r.reg(22)],
    );
    expect(jit.reg(20)).toBe(15n); // s4: interrupts taken, then the finisher
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });
});
