// Sdtrig triggers (src/cpu/trigger.ts): the sequence of riscv-tests' isa/rv64mi/breakpoint.S
// (written here in our own assembly: execute, load and store triggers of type 2 in M-mode with
// tcontrol.MTE, a second trigger, a store that must not happen), then mcontrol6 with sizes,
// NAPOT ranges and U-mode triggers delegated to S (stval), the CSRs' WARL rules, and the
// debugger's side: triggers with dmode the guest cannot change, breakpoints and halts.

import { describe, expect, it } from "vitest";
import { CSR, TRIG_EXECUTE, TRIG_LOAD, TRIG_STORE } from "../../src/cpu/index.js";
import { asmGuest, ENTER_U, PASS, runAsm } from "../helpers/asm.js";

const T2 = "(2 << 60)";
const T6 = "(6 << 60)";
const M = 0x40;
const U = 0x08;
/** Set tcontrol.MTE: M-mode triggers with action 0 may fire. */
const MTE_ON = "li t0, 8\n    csrw tcontrol, t0";
const X = 4;
const W = 2;
const R = 1;

/** The breakpoint test's flow: test number in s2; the handler fails on odd test numbers or a
 *  cause other than 3, else skips the 4-byte instruction; pass or fail through the finisher. */
const BREAKPOINT_TEST = `
    .text
    .globl _start
_start:
    la t0, handler
    csrw mtvec, t0
    li s2, 2
    li a1, 8
    csrs tcontrol, a1            # MTE: M-mode triggers may fire
    csrw tselect, zero
    csrr a1, tselect
    bnez a1, fail
    la a2, 1f
    csrw tdata2, a2
    li a0, ${T2} | ${M} | ${X}
    csrw tdata1, a0
    csrr a1, tdata1
    bne a0, a1, fail
    .balign 4
1:  beqz zero, fail              # the handler skips it
    li s2, 3
    lw a0, 0(a2)                 # reading the breakpoint's address does not fire
    li s2, 4
    li a0, ${T2} | ${M} | ${R}
    csrw tdata1, a0
    csrr a1, tdata1
    bne a0, a1, fail
    la a2, data1
    csrw tdata2, a2
    lw a2, 0(a2)                 # skipped: a2 keeps data1's address
    beqz a2, fail
    li s2, 5
    sw zero, 0(a2)               # writes do not fire a load trigger
    li s2, 6
    li a0, ${T2} | ${M} | ${W}
    csrw tdata1, a0
    csrr a1, tdata1
    bne a0, a1, fail
    sw a2, 0(a2)                 # skipped: the store must not happen
    li s2, 7
    lw a2, 0(a2)
    bnez a2, fail
    li a0, 1
    csrw tselect, a0
    csrr a1, tselect
    bne a0, a1, fail
    li a0, ${T2} | ${M} | ${R}
    csrw tdata1, a0
    la a3, data2
    csrw tdata2, a3
    li s2, 8
    lw a3, 0(a3)                 # the second trigger fires
    beqz a3, fail
    li s2, 10
    la a2, data1
    sw a2, 0(a2)                 # the first one still does
    li s2, 11
    lw a2, 0(a2)
    bnez a2, fail
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
2:  j 2b
fail:
    li t0, 0x100000
    slli t1, s2, 16
    li t2, 0x3333
    or t1, t1, t2
    sw t1, 0(t0)
3:  j 3b
    .balign 4
handler:
    andi t0, s2, 1
    bnez t0, fail
    li t0, 3
    csrr t1, mcause
    bne t0, t1, fail
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
    .data
    .balign 8
data1: .word 0
data2: .word 0
`;

describe("the breakpoint test of riscv-tests (rv64mi-p-breakpoint's sequence)", () => {
  it("passes: execute, load and store triggers fire in M-mode, the store is not done", () => {
    const r = runAsm(BREAKPOINT_TEST);
    expect(r.result).toEqual({ exitCode: 0, reason: "test finisher: pass" });
    expect(r.read(r.sym("data1"), 4)).toBe(0n);
  });

  it("without tcontrol.MTE no M-mode trigger fires (the test fails at test 2)", () => {
    const r = runAsm(BREAKPOINT_TEST.replace("csrs tcontrol, a1", "nop"));
    expect(r.result.exitCode).toBe(2);
  });
});

describe("trigger exceptions", () => {
  it("an execute trigger: cause 3, mepc = mtval = the pc; tcontrol's MTE moves to MPTE and back", () => {
    const r = asmGuest(`
    ${MTE_ON}
    la t0, target
    csrw tdata2, t0
    li t0, ${T6} | ${M} | ${X}
    csrw tdata1, t0
    nop
target:
    addi a1, zero, 7
    csrr a2, tcontrol
    csrr a3, tdata1
    j pass`);
    expect(r.result.exitCode).toBe(0);
    const target = r.sym("target");
    expect(r.log.map((l) => [l.cause, l.epc, l.tval])).toEqual([[3n, target, target]]);
    expect(r.reg(11)).toBe(0n); // skipped by the handler
    expect(r.reg(12)).toBe(0x88n); // MTE = MPTE again after mret (MPTE stays)
    expect(r.reg(13) & (1n << 22n)).toBe(1n << 22n); // hit0
  });

  it("load and store triggers: mtval = the address accessed; a byte inside the range matches", () => {
    const r = asmGuest(`
    ${MTE_ON}
    la t0, scratch
    addi t0, t0, 3
    csrw tdata2, t0
    li t0, ${T6} | ${M} | ${R} | ${W}
    csrw tdata1, t0
    la t1, scratch
    ld a1, 0(t1)              # bytes 0..7 include byte 3
    lb a2, 4(t1)              # does not
    sw t1, 0(t1)              # bytes 0..3 include byte 3
    amoadd.w a3, t1, (t1)     # both a load and a store
    j pass`);
    expect(r.result.exitCode).toBe(0);
    const s = r.sym("scratch");
    expect(r.log.map((l) => [l.cause, l.tval])).toEqual([
      [3n, s],
      [3n, s],
      [3n, s],
    ]);
    expect(r.read(s)).toBe(0n); // neither the store nor the AMO happened
  });

  it("size: a 4-byte trigger ignores byte and doubleword accesses", () => {
    const r = asmGuest(`
    ${MTE_ON}
    la t1, scratch
    csrw tdata2, t1
    li t0, ${T6} | (3 << 16) | ${M} | ${R}
    csrw tdata1, t0
    lb a1, 0(t1)
    ld a1, 0(t1)
    lw a1, 0(t1)
    j pass`);
    expect(r.log.map((l) => l.cause)).toEqual([3n]);
    expect((r.csr(CSR.tdata1) >> 16n) & 7n).toBe(3n);
  });

  it("NAPOT: tdata2 = base + size/2 - 1 covers [base, base + size)", () => {
    const r = asmGuest(`
    ${MTE_ON}
    la t1, scratch
    addi t0, t1, 15            # 32 bytes from scratch (aligned to 8 only: use 64+)
    la t1, scratch
    addi t1, t1, 64
    andi t1, t1, -32
    addi t0, t1, 15
    csrw tdata2, t0
    li t0, ${T6} | (1 << 7) | ${M} | ${W}
    csrw tdata1, t0
    sb zero, -1(t1)
    sb zero, 0(t1)
    sb zero, 31(t1)
    sb zero, 32(t1)
    j pass`);
    expect(r.log).toHaveLength(2);
    const t1 = r.reg(6);
    expect(r.log.map((l) => l.tval)).toEqual([t1, t1 + 31n]);
  });

  it("a U-mode trigger with breakpoints delegated traps to S: scause 3, stval = the address", () => {
    const r = asmGuest(`
    la t0, strap
    csrw stvec, t0
    li t0, 8
    csrw medeleg, t0
    la t1, scratch
    csrw tdata2, t1
    li t0, ${T6} | ${U} | ${R}
    csrw tdata1, t0
    ld a1, 0(t1)             # M-mode: the trigger is for U only
    ${ENTER_U}
    ld a1, 0(t1)
    ecall
    j pass`);
    expect(r.log.map((l) => [l.mode, l.cause, l.tval])).toEqual([
      [1, 3n, r.sym("scratch")],
      [3, 8n, 0n],
    ]);
  });
});

describe("the trigger CSRs", () => {
  it("tinfo lists types 2, 6 and 15 (version 1); tselect keeps its value past the 4 triggers", () => {
    const r = asmGuest(`
    csrr a1, tinfo
    li t0, 3
    csrw tselect, t0
    li t0, 4
    csrw tselect, t0
    csrr a2, tselect
    csrr a3, tdata1
    csrr a4, tdata3
    j pass`);
    expect(r.reg(11)).toBe((1n << 24n) | (1n << 2n) | (1n << 6n) | (1n << 15n));
    expect(r.reg(12)).toBe(3n);
    expect(r.reg(13) >> 60n).toBe(15n); // disabled at reset
    expect(r.reg(14)).toBe(0n);
  });

  it("WARL: an unknown type disables; dmode, action 1, chain, select and timing read 0", () => {
    const r = asmGuest(`
    li t0, (3 << 60) | ${M} | ${X}
    csrw tdata1, t0
    csrr a1, tdata1
    li t0, ${T6} | (1 << 59) | (1 << 21) | (1 << 12) | (1 << 11) | ${M} | ${X}
    csrw tdata1, t0
    csrr a2, tdata1
    li t0, ${T2} | (1 << 7) | (1 << 18) | ${M} | ${X}
    csrw tdata1, t0
    csrr a3, tdata1
    j pass`);
    expect(r.reg(11)).toBe(15n << 60n);
    expect(r.reg(12)).toBe((6n << 60n) | 0x44n);
    expect(r.reg(13)).toBe((2n << 60n) | 0x44n); // type 2 has maskmax 0: no NAPOT
  });
});

describe("the debugger's triggers and breakpoints", () => {
  it("a debugger trigger halts the hart before the store, which does not retire; the guest cannot change it", () => {
    let expected = 0n;
    let store = 0n;
    const r = runAsm(
      `
    .text
    .globl _start
_start:
    li t0, ${T6} | ${M} | ${R}
    csrw tdata1, t0           # ignored: trigger 0 is the debugger's
    csrr a1, tdata1
    la t1, slot
    li a2, 5
store:
    sd a2, 0(t1)${PASS}
    .data
    .balign 8
slot: .dword 0
`,
      {
        setup: (m, sym) => {
          expected = sym("slot");
          store = sym("store");
          expect(m.harts[0]!.triggers.setDebugTrigger(0, TRIG_STORE, expected, 8)).toBe(true);
        },
      },
    );
    const h = r.h;
    expect(r.result.exitCode).toBe(3); // Machine.run: halted with no debugger attached
    expect(h.triggers.halt).toEqual({ kind: "trigger", trigger: 0, addr: expected, access: "w" });
    expect(r.read(expected)).toBe(0n);
    expect(h.reg(11) >> 59n).toBe((6n << 1n) | 1n); // type 6 with dmode
    expect(h.pcBig()).toBe(store); // the sd did not retire
    const steps = h.steps;
    // The debugger resumes: it gives the trigger back and clears the halt.
    h.triggers.clearDebugTrigger(0);
    h.triggers.halt = null;
    expect(r.m.run(100)).toEqual({ exitCode: 0, reason: "test finisher: pass" });
    expect(r.read(expected)).toBe(5n);
    expect(h.steps).toBe(steps + 5); // sd, li t0 (lui), li t1 (lui, addi), sw
  });

  /** a1 = 1, then at `here` a1 = 2, then the finisher's pass. */
  const AT_HERE = `
    .text
    .globl _start
_start:
    li a1, 1
here:
    li a1, 2
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b
`;

  it("breakpoints halt at their pc in bare and paged runs, and cost nothing once removed", () => {
    const r = runAsm(AT_HERE, { setup: (m, sym) => m.harts[0]!.triggers.setBreakpoint(sym("here"), true) });
    const h = r.h;
    expect(h.triggers.halt).toEqual({ kind: "breakpoint", addr: r.sym("here") });
    expect(h.pcBig()).toBe(r.sym("here"));
    expect(h.reg(11)).toBe(1n);
    expect(h.triggers.exec).toBe(true);
    h.triggers.setBreakpoint(r.sym("here"), false);
    expect(h.triggers.exec).toBe(false);
    h.triggers.halt = null;
    expect(r.m.run(100).exitCode).toBe(0);
    expect(h.reg(11)).toBe(2n);
  });

  it("while the debugger is away (code it let go of) its breakpoints do not halt", () => {
    const r = runAsm(AT_HERE, {
      setup: (m, sym) => {
        m.harts[0]!.triggers.setBreakpoint(sym("here"), true);
        m.harts[0]!.triggers.debuggerAway = true;
      },
    });
    expect(r.h.triggers.halt).toBeNull();
    expect(r.h.reg(11)).toBe(2n);
  });

  it("freeTrigger skips triggers the guest armed and the debugger's own", () => {
    const r = asmGuest(`
    li t0, ${T6} | ${M} | ${X}
    csrw tdata1, t0
    j pass`);
    const t = r.h.triggers;
    expect(t.freeTrigger()).toBe(1);
    expect(t.setDebugTrigger(1, TRIG_EXECUTE, 0x8000_0000n, 1)).toBe(true);
    expect(t.freeTrigger()).toBe(2);
    expect(t.setDebugTrigger(2, TRIG_LOAD, 0x8000_0004n, 8)).toBe(false); // not aligned
    expect(t.isDebugTrigger(1)).toBe(true);
  });
});
