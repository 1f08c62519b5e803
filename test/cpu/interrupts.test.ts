// Interrupts (riscv-tests rv64mi/rv64si interrupt tests, in spirit): the CLINT timer (mtimecmp,
// mtime) and software (msip) interrupts, mip/mie masking, the priority order MEI > MSI > MTI >
// SEI > SSI > STI, M-level interrupts taken in S/U whatever MIE says, delegated interrupts never
// taken in M, S-level enables, wfi wake-up, vectored mtvec/stvec (interrupts at base + 4*cause,
// exceptions at base), and the exact instruction boundary an interrupt is taken at.

import { describe, expect, it } from "vitest";
import { CLEAR_IRQ_M, CLEAR_IRQ_S, ENTER_S, ENTER_U, asmGuest as guest, TO_M } from "../helpers/asm.js";
import { a0, a1, a2, a3, s2, s3, s4, s5 } from "../helpers/encode.js";

const irqs = { irqM: CLEAR_IRQ_M, irqS: CLEAR_IRQ_S };

/** mtimecmp = mtime + ticks (t0, t1 clobbered). */
const timerIn = (ticks: number): string => `
    li t0, 0x0200bff8
    ld t1, 0(t0)
    addi t1, t1, ${ticks}
    li t0, 0x02004000
    sd t1, 0(t0)`;

/** With the timer interrupt enabled (MTIE), run `body`, which must raise it just before the
 *  instruction at `after` (which sets a0 = 1): exactly that one timer interrupt is taken, with
 *  mepc = `after`, and the handler returns there. */
function expectTimerTrapAtAfter(body: string): void {
  const r = guest(
    `
    li t0, 1 << 7
    csrw mie, t0
${body}
after:
    li a0, 1`,
    irqs,
  );
  expect(r.log.map((x) => [x.cause, x.interrupt, x.epc])).toEqual([[7n, true, r.sym("after")]]);
  expect(r.reg(a0)).toBe(1n);
}

describe("CLINT timer interrupt", () => {
  it("fires when mtime reaches mtimecmp: mcause = interrupt | 7, taken from a spin loop", () => {
    const r = guest(
      `
    li t0, 1 << 7          # MTIE
    csrw mie, t0
    ${timerIn(20)}
    csrsi mstatus, 8       # MIE
    la s2, __log
spin:                      # until the handler has logged a record (moved gp)
    addi a0, a0, 1
    beq gp, s2, spin
spin_end:`,
      irqs,
    );
    expect(r.result.exitCode).toBe(0);
    expect(r.log.map((x) => [x.cause, x.interrupt])).toEqual([[7n, true]]);
    const l = r.log[0]!;
    expect(l.epc).toBeGreaterThanOrEqual(r.sym("spin"));
    expect(l.epc).toBeLessThanOrEqual(r.sym("spin_end"));
    // Taken from M with MIE = 1: MPIE = 1, MIE = 0, MPP = M.
    expect([(l.status >> 7n) & 1n, (l.status >> 3n) & 1n, (l.status >> 11n) & 3n]).toEqual([1n, 0n, 3n]);
    expect(r.reg(a0)).toBeGreaterThan(0n);
  });

  it("mip.MTIP follows mtime >= mtimecmp, whatever mie and MIE say; mtime can be written", () => {
    const r = guest(`
    li t0, 0x02004000
    sd zero, 0(t0)         # mtimecmp = 0: pending
    csrr a0, mip
    li t1, -1
    sd t1, 0(t0)           # mtimecmp = max: not pending
    csrr a1, mip
    li t0, 0x0200bff8
    li t1, 1000000
    sd t1, 0(t0)           # mtime = 1000000
    ld a2, 0(t0)
    li t0, 0x02004000
    li t1, 999999
    sd t1, 0(t0)
    csrr a3, mip
    li t1, -1
    sd t1, 0(t0)`);
    expect(r.log).toEqual([]);
    expect((r.reg(a0) >> 7n) & 1n).toBe(1n);
    expect((r.reg(a1) >> 7n) & 1n).toBe(0n);
    expect(r.reg(a2)).toBeGreaterThanOrEqual(1_000_000n);
    expect(r.reg(a2)).toBeLessThan(1_000_100n);
    expect((r.reg(a3) >> 7n) & 1n).toBe(1n);
  });

  it("mtimecmp and mtime can be accessed as 32-bit halves (the RV32 sequence)", () => {
    const r = guest(`
    li t0, 0x02004000
    li t1, -1
    sw t1, 0(t0)           # low half: all ones, high half still all ones
    li t1, 0x12345678
    sw t1, 4(t0)           # high half
    ld a0, 0(t0)
    lwu a1, 4(t0)
    li t1, -1
    sd t1, 0(t0)
    li t0, 0x0200bff8
    li t1, 7
    sw t1, 4(t0)           # mtime high half = 7
    lwu a2, 4(t0)
    ld a3, 0(t0)`);
    expect(r.reg(a0)).toBe(0x1234_5678_ffff_ffffn);
    expect(r.reg(a1)).toBe(0x1234_5678n);
    expect(r.reg(a2)).toBe(7n);
    expect(r.reg(a3) >> 32n).toBe(7n);
  });

  it("writing mtimecmp into the past interrupts right after the store", () => {
    expectTimerTrapAtAfter(`
    csrsi mstatus, 8
    li t0, 0x02004000
    sd zero, 0(t0)`);
  });
});

describe("CLINT software interrupt", () => {
  it("msip = 1 raises MSI right after the store; the handler's msip = 0 clears it", () => {
    const r = guest(
      `
    li t0, 1 << 3          # MSIE
    csrw mie, t0
    csrsi mstatus, 8
    li t0, 0x02000000
    li t1, 1
    sw t1, 0(t0)
after:
    lw a0, 0(t0)
    csrr a1, mip`,
      irqs,
    );
    expect(r.log.map((x) => [x.cause, x.interrupt, x.epc])).toEqual([[3n, true, r.sym("after")]]);
    expect(r.reg(a0)).toBe(0n);
    expect((r.reg(a1) >> 3n) & 1n).toBe(0n);
  });

  it("msip holds bit 0 of what is written and drives mip.MSIP", () => {
    const r = guest(`
    li t0, 0x02000000
    li t1, 0xffffffff
    sw t1, 0(t0)
    lw a0, 0(t0)
    csrr a1, mip
    sw zero, 0(t0)
    lw a2, 0(t0)
    csrr a3, mip`);
    expect([r.reg(a0), (r.reg(a1) >> 3n) & 1n, r.reg(a2), (r.reg(a3) >> 3n) & 1n]).toEqual([1n, 1n, 0n, 0n]);
  });
});

describe("enables and masking", () => {
  it("a pending interrupt whose mie bit is clear is not taken", () => {
    const r = guest(
      `
    li t0, 0x222           # SEIP | STIP | SSIP
    csrs mip, t0
    li t0, 0x888           # MEIE | MTIE | MSIE only
    csrw mie, t0
    csrsi mstatus, 8
    nop
    nop
    csrr a0, mip
    li t0, 0x222
    csrc mip, t0`,
      irqs,
    );
    expect(r.log).toEqual([]);
    expect(r.reg(a0)).toBe(0x222n);
  });

  it("in M-mode, MIE = 0 masks every interrupt", () => {
    const r = guest(
      `
    li t0, 0xaaa
    csrw mie, t0
    li t0, 0x222
    csrs mip, t0
    li t0, 0x02004000
    sd zero, 0(t0)
    nop
    nop
    li t0, 0x222
    csrc mip, t0
    li t0, 0x02004000
    li t1, -1
    sd t1, 0(t0)`,
      irqs,
    );
    expect(r.log).toEqual([]);
  });

  it("priority: MSI > MTI > SEI > SSI > STI when all are pending at once", () => {
    const r = guest(
      `
    li t0, 0xaaa
    csrw mie, t0
    li t0, 0x222           # STIP, SSIP, SEIP
    csrs mip, t0
    li t0, 0x02004000      # MTIP
    sd zero, 0(t0)
    li t0, 0x02000000      # MSIP
    li t1, 1
    sw t1, 0(t0)
    csrsi mstatus, 8
    nop`,
      irqs,
    );
    expect(r.result.exitCode).toBe(0);
    expect(r.log.map((x) => [x.cause, x.interrupt])).toEqual([
      [3n, true],
      [7n, true],
      [9n, true],
      [1n, true],
      [5n, true],
    ]);
  });

  it("an interrupt enabled by csrs mstatus is taken before the next instruction", () => {
    const r = guest(
      `
    li t0, 2               # SSIP/SSIE
    csrw mie, t0
    csrs mip, t0
    nop
    csrsi mstatus, 8
next:
    li a0, 5`,
      irqs,
    );
    expect(r.log.map((x) => [x.cause, x.interrupt, x.epc])).toEqual([[1n, true, r.sym("next")]]);
  });
});

describe("privilege and delegation", () => {
  for (const [mode, enter] of [
    ["S", ENTER_S],
    ["U", ENTER_U],
  ] as const) {
    it(`M-level interrupts are taken in ${mode}-mode even with MIE = 0`, () => {
      const r = guest(
        `
    li t0, 1 << 3
    csrw mie, t0
    li t0, 0x02000000      # msip = 1: pending, masked in M by MIE = 0
    li t1, 1
    sw t1, 0(t0)
    nop
    nop
    ${enter}
lower:
    li a0, 1`,
        irqs,
      );
      expect(r.log.map((x) => [x.mode, x.cause, x.interrupt, x.epc])).toEqual([
        [3, 3n, true, r.sym("lower")],
      ]);
      expect((r.log[0]!.status >> 11n) & 3n).toBe(mode === "S" ? 1n : 0n); // MPP = the interrupted mode
      expect(r.reg(a0)).toBe(1n);
    });
  }

  it("a non-delegated S-level interrupt pending in S-mode goes to M, whatever SIE and MIE say", () => {
    const r = guest(
      `
    li t0, 2
    csrw mie, t0
    csrs mip, t0
    ${ENTER_S}
s:
    nop`,
      irqs,
    );
    expect(r.log.map((x) => [x.mode, x.cause, x.interrupt, x.epc])).toEqual([[3, 1n, true, r.sym("s")]]);
  });

  it("a delegated interrupt is never taken in M; in S it waits for SIE; in U it is taken regardless", () => {
    const r = guest(
      `
    la t0, strap
    csrw stvec, t0
    li t0, 2               # SSI: delegated and enabled
    csrw mideleg, t0
    csrw mie, t0
    csrsi mstatus, 0xa     # MIE and SIE on, in M
    csrs mip, t0           # SSIP pending
    nop
    nop
    csrr s2, mip           # nothing was taken in M
    csrci mstatus, 2       # SIE = 0
    ${ENTER_S}
    nop                    # S with SIE = 0: still nothing
    nop
    csrsi sstatus, 2       # now it is taken
s_next:
    nop
    ${TO_M}
    li t0, 0x22            # SIE = SPIE = 0
    csrc mstatus, t0
    li t0, 2
    csrs mip, t0           # pending again, set from M
    ${ENTER_U}
u:
    nop`,
      irqs,
    );
    expect(r.result.exitCode).toBe(0);
    expect((r.reg(s2) >> 1n) & 1n).toBe(1n);
    const ints = r.log.filter((x) => x.interrupt);
    expect(ints.map((x) => [x.mode, x.cause, x.epc])).toEqual([
      [1, 1n, r.sym("s_next")],
      [1, 1n, r.sym("u")],
    ]);
    // SPP records S, then U; SPIE records SIE (1 in S, 0 in U).
    expect(ints.map((x) => [(x.status >> 8n) & 1n, (x.status >> 5n) & 1n])).toEqual([
      [1n, 1n],
      [0n, 0n],
    ]);
  });
});

describe("wfi", () => {
  it("with MIE = 1, the timer wakes wfi and the trap's mepc is the instruction after it", () => {
    expectTimerTrapAtAfter(`
    ${timerIn(50)}
    csrsi mstatus, 8
    wfi`);
  });

  it("with MIE = 0, a pending enabled interrupt ends wfi without a trap, after the hart slept", () => {
    const r = guest(`
    li t0, 1 << 7
    csrw mie, t0
    li t0, 0x0200bff8
    ld s3, 0(t0)
    ${timerIn(50)}
    wfi
    csrr a0, mip
    li t0, 0x0200bff8
    ld s4, 0(t0)
    li t0, 0x02004000
    li t1, -1
    sd t1, 0(t0)`);
    expect(r.log).toEqual([]);
    expect((r.reg(a0) >> 7n) & 1n).toBe(1n);
    expect(r.reg(s4) - r.reg(s3)).toBeGreaterThanOrEqual(50n);
  });

  it("an MSI pending before wfi ends it at once; enabling MIE then takes the interrupt", () => {
    const r = guest(
      `
    li t0, 1 << 3
    csrw mie, t0
    li t0, 0x02000000
    li t1, 1
    sw t1, 0(t0)
    wfi
    csrsi mstatus, 8
after:
    nop`,
      irqs,
    );
    expect(r.result.exitCode).toBe(0);
    expect(r.log.map((x) => [x.cause, x.interrupt, x.epc])).toEqual([[3n, true, r.sym("after")]]);
  });

  it("wfi with no interrupt that could ever wake the hart ends the run (exit code 3)", () => {
    const r = guest(`
    csrw mie, zero
    wfi`);
    expect(r.result.exitCode).toBe(3);
    expect(r.result.reason).toMatch(/wfi/);
  });
});

describe("vectored trap vectors", () => {
  it("vectored mtvec: interrupts go to base + 4*cause, exceptions to base", () => {
    const r = guest(`
    la t0, vec
    ori t0, t0, 1
    csrw mtvec, t0
    li t0, (1 << 3) | (1 << 7)
    csrw mie, t0
    csrsi mstatus, 8
    ecall                  # → base
    li t0, 0x02000000      # MSI → base + 12
    li t1, 1
    sw t1, 0(t0)
    li t0, 0x02004000      # MTI → base + 28
    sd zero, 0(t0)
    nop
    j end

    .balign 256
vec:
    j exc                  # 0: exceptions
    nop                    # 1
    nop                    # 2
    j msi                  # 3
    nop                    # 4
    nop                    # 5
    nop                    # 6
    j mti                  # 7
exc:
    addi s2, s2, 1
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
msi:
    addi s3, s3, 1
    li t0, 0x02000000
    sw zero, 0(t0)
    mret
mti:
    addi s4, s4, 1
    li t0, 0x02004000
    li t1, -1
    sd t1, 0(t0)
    mret
end:`);
    expect(r.result.exitCode).toBe(0);
    expect([r.reg(s2), r.reg(s3), r.reg(s4)]).toEqual([1n, 1n, 1n]);
  });

  it("vectored stvec: a delegated SSI goes to base + 4, an exception delegated to S to base", () => {
    const r = guest(`
    la t0, svec
    ori t0, t0, 1
    csrw stvec, t0
    li t0, 2
    csrw mideleg, t0
    csrw mie, t0
    li t0, 1 << 2          # illegal instruction → S
    csrw medeleg, t0
    ${ENTER_S}
    csrsi sstatus, 2
    .word 0xffffffff       # → base
    li t0, 2
    csrs sip, t0           # → base + 4
    nop
    j end

    .balign 256
svec:
    j sexc
    j ssi
sexc:
    addi s2, s2, 1
    csrr t0, sepc
    addi t0, t0, 4
    csrw sepc, t0
    sret
ssi:
    addi s5, s5, 1
    li t0, 2
    csrc sip, t0
    sret
end:`);
    expect(r.result.exitCode).toBe(0);
    expect([r.reg(s2), r.reg(s5)]).toEqual([1n, 1n]);
  });
});
