// Precise exceptions and interrupts in the middle of translated code (issue 12, part 2): a hot
// loop that now and then executes ecall, ebreak or an illegal instruction, makes a misaligned
// access that crosses into an unmapped page, or is interrupted by another hart's software
// interrupt or by a supervisor external interrupt (mip.SEIP, raised by M-mode's timer handler):
// the handlers see the same cause, epc, tval, instret and registers (one written by the region
// right before the trapping instruction among them) as under the interpreter, and the whole
// state, counters and RAM are the same.

import { describe, expect, it } from "vitest";
import { CLEAR_IRQ_M, PASS, runAsm } from "../../helpers/asm.js";
import { MTIME, MTIMECMP } from "../../helpers/guest.js";
import { expectSameRuns, sameDelegatedRuns, withJit } from "../../helpers/jitdiff.js";
import { DATA_VA, FINISH } from "../../helpers/paged.js";

/** The handler's log: it adds the cause, epc, tval and instret of each trap into s7..s10 and
 *  s4 (the loop's pass counter, written just before the trapping instruction) into s11, and
 *  counts traps in s3. `x` is m or s (S reads instret: mcounteren.IR must be set). */
function logTrap(x: "m" | "s"): string {
  return `
    csrr t6, ${x}cause
    add s7, s7, t6
    csrr t6, ${x}epc
    add s8, s8, t6
    csrr t6, ${x}tval
    add s9, s9, t6
    csrr t6, ${x === "m" ? "minstret" : "instret"}
    add s10, s10, t6
    add s11, s11, s4
    addi s3, s3, 1`;
}

describe("translator: precise exceptions mid-region", () => {
  it("ecall, ebreak and an illegal instruction: cause, epc, tval, instret and registers as interpreted", () => {
    // Of every 8 passes: one ecall, one ebreak, one write to a read-only CSR (illegal).
    const src = `
    .globl _start
_start:
    la t0, handler
    csrw mtvec, t0
    li s1, 3000
loop:
    addi s4, s4, 1
    andi t1, s1, 7
    li t2, 1
    bne t1, t2, 1f
    ecall
1:  li t2, 3
    bne t1, t2, 1f
    ebreak
1:  li t2, 5
    bne t1, t2, 1f
    csrw mvendorid, s4
1:  xor s5, s5, s4
    add s6, s6, s1
    addi s1, s1, -1
    bnez s1, loop
${PASS}
    .balign 4
handler:
${logTrap("m")}
    csrr t6, mepc
    addi t6, t6, 4
    csrw mepc, t6
    mret`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => r.result,
    );
    expect(jit.result.exitCode).toBe(0);
    expect(jit.reg(19)).toBe(3n * 375n); // s3: three traps per 8 passes
    expect(jit.reg(23)).toBe(375n * (11n + 3n + 2n)); // s7: the causes (ecall from M, breakpoint, illegal)
    expect(jit.reg(25)).not.toBe(0n); // s9: the illegal instruction's bits in mtval
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });

  it("a misaligned load and store that cross into an unmapped page: the page fault's epc, tval and registers", () => {
    // Every pass a misaligned ld within the mapped page (emulated, no trap); every 8th pass a
    // misaligned ld and sd that straddle the end of the one mapped data page.
    const source = `
    _start:
      la t0, handler
      csrw stvec, t0
      li s0, ${DATA_VA}
      li s1, 3000
    loop:
      addi s4, s4, 1
      ld t5, 1(s0)
      add s5, s5, t5
      andi t1, s1, 7
      li t2, 7
      bne t1, t2, 1f
      li t3, ${DATA_VA + 4093n}
      add s4, s4, s1
      ld t4, 0(t3)
      sd s4, 0(t3)
    1:
      sd s4, 9(s0)
      addi s1, s1, -1
      bnez s1, loop
      ${FINISH}
      .balign 4
    handler:
${logTrap("s")}
      csrr t6, sepc
      addi t6, t6, 4
      csrw sepc, t6
      sret`;
    const { executed, jit } = sameDelegatedRuns(source, (h) => {
      h.mcounteren = 4; // instret readable in S
    });
    expect(jit.res.exitCode).toBe(0);
    expect(jit.h.reg(19)).toBe(2n * 375n); // s3: two faults per 8 passes
    expect(jit.h.reg(23)).toBe(375n * (13n + 15n)); // s7: load and store page faults
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });
});

describe("translator: interrupts at the interpreter's instruction", () => {
  it("software interrupts from another hart (msip) taken in a translated loop, 2 harts", () => {
    // Hart 1 writes hart 0's msip every 300 passes of its own loop; hart 0's handler clears it.
    const src = `
    .globl _start
_start:
    bnez a0, sender
    la t0, handler
    csrw mtvec, t0
    li t0, 8
    csrs mie, t0
    csrsi mstatus, 8
    li s1, 100000
loop:
    addi s4, s4, 1
    add s5, s5, s1
    xor s6, s6, s5
    addi s1, s1, -1
    bnez s1, loop
${PASS}
sender:
    li s2, 200
    li t3, 0x02000000
2:  li s1, 300
1:  addi s1, s1, -1
    add s5, s5, s1
    bnez s1, 1b
    li t0, 1
    sw t0, 0(t3)
    addi s2, s2, -1
    bnez s2, 2b
3:  j 3b
    .balign 4
handler:
${logTrap("m")}
    ${CLEAR_IRQ_M.replaceAll("\n", "\n    ")}
    mret`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, { harts: 2, quantum: 997, ...(j ? { setup: withJit } : {}) }),
      (r) => r.result,
    );
    expect(jit.result.exitCode).toBe(0);
    expect(jit.reg(19)).toBeGreaterThan(50n); // s3: interrupts taken by hart 0
    expect(executed).toBeGreaterThan(0.3 * jit.h.steps);
  });

  it("supervisor external interrupts (mip.SEIP set by M's timer handler) taken in S in a translated loop", () => {
    // M's timer handler raises SEIP (delegated) and re-arms the timer; the S handler logs the
    // interrupt and asks M (ecall) to clear SEIP.
    const src = `
    .globl _start
_start:
    la t0, mhandler
    csrw mtvec, t0
    la t0, shandler
    csrw stvec, t0
    csrsi mcounteren, 4     # instret readable in S
    li t0, 0x200
    csrs mideleg, t0        # SEI to S
    csrs mie, t0            # SEIE
    li t0, 0x80
    csrs mie, t0            # MTIE
    li t0, ${MTIMECMP}
    li t1, 29
    sd t1, 0(t0)
    li t0, 0x1000
    csrc mstatus, t0
    li t0, 0x800
    csrs mstatus, t0        # MPP = S
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrsi sstatus, 2        # SIE
    li s1, 100000
loop:
    addi s4, s4, 1
    add s5, s5, s1
    xor s6, s6, s5
    addi s1, s1, -1
    bnez s1, loop
    ecall                   # a7 = 1: finish from M
    .balign 4
shandler:
${logTrap("s")}
    li a7, 0
    ecall                   # clear SEIP
    sret
    .balign 4
mhandler:                   # (tp and a6 only: it may interrupt the S handler)
    csrr tp, mcause
    bltz tp, 2f
    bnez a7, 3f
    li tp, 0x200
    csrc mip, tp            # SEIP off
    csrr tp, mepc
    addi tp, tp, 4
    csrw mepc, tp
    li a7, 1
    mret
3:
${PASS}
2:  li tp, 0x200
    csrs mip, tp            # SEIP on
    li a6, ${MTIME}
    ld tp, 0(a6)
    addi tp, tp, 17
    li a6, ${MTIMECMP}
    sd tp, 0(a6)
    mret`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, { quantum: 997, ...(j ? { setup: withJit } : {}) }),
      (r) => r.result,
    );
    expect(jit.result.exitCode).toBe(0);
    expect(jit.reg(19)).toBeGreaterThan(50n); // s3: external interrupts taken in S
    const u = (v: bigint): bigint => BigInt.asUintN(64, v);
    expect(u(jit.reg(23))).toBe(u(jit.reg(19) * ((1n << 63n) | 9n))); // s7: every cause is SEI
    expect(executed).toBeGreaterThan(0.3 * jit.h.steps);
  });
});
