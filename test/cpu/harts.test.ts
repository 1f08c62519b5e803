// Several harts (--harts N): a0 = hartid at reset and mhartid, separate register files, AMOs and
// LR/SC on shared memory (counters come out exact under fine interleaving), reservations
// broken by another hart's store or AMO, inter-processor software interrupts through msip,
// per-hart mtimecmp, and code patched by one hart executed by another.

import { describe, expect, it } from "vitest";
import { CSR, Machine } from "../../src/cpu/index.js";
import { CLEAR_IRQ_M, asmGuest as guest, lrScAdd } from "../helpers/asm.js";
import { a0, a1, a2, a3, s1, s2 } from "../helpers/encode.js";

/** Hart 0 runs `main` and then passes; the other harts run `other` and then park. */
const split = (main: string, other: string): string => `
    bnez a0, other
${main}
    j pass
other:
${other}
park:
    j park`;

/** Spin until the dword at `label` + off is non-zero (t0, t1 clobbered). */
const waitNonZero = (label: string, off = 0): string => `
    la t0, ${label}
1:  ld t1, ${off}(t0)
    beqz t1, 1b`;

/** Every hart counts itself in at `done`; hart 0 then waits for all `n` and runs `after`, then
 *  passes (the other harts park). t0-t2 clobbered. */
const joinAll = (n: number, after = ""): string => `
    la t0, done
    li t1, 1
    amoadd.d zero, t1, (t0)
    ${split(
      `
    la t0, done
    li t2, ${n}
951: ld t1, 0(t0)
    bne t1, t2, 951b${after}`,
      "",
    )}`;

/** Store 1 into the dword at `label` + off (t0, t1 clobbered). */
const setFlag = (label: string, off = 0): string => `
    la t0, ${label}
    li t1, 1
    sd t1, ${off}(t0)`;

/** The `flag` dword the two-hart interrupt tests signal through. */
const FLAG_DATA = `
    .data
    .balign 8
flag: .dword 0`;

describe("hart identity and registers", () => {
  it("every hart starts at the entry with a0 = mhartid, a1 = 0, and its own registers", () => {
    const N = 4;
    const r = guest(
      `
    # s2 = 100 * (hartid + 1); ids[2*hart] = a0, ids[2*hart+1] = mhartid + 1; s1 = a1
    addi s2, a0, 1
    li t0, 100
    mul s2, s2, t0
    csrr t1, mhartid
    addi t1, t1, 1
    mv s1, a1
    la t2, ids
    slli t0, a0, 4
    add t2, t2, t0
    sd a0, 0(t2)
    sd t1, 8(t2)
    ${joinAll(N)}
    .data
    .balign 8
ids: .zero ${16 * N}
done: .dword 0`,
      { harts: N },
    );
    expect(r.result.exitCode).toBe(0);
    for (let h = 0; h < N; h++) {
      expect(r.read(r.sym("ids") + BigInt(16 * h))).toBe(BigInt(h));
      expect(r.read(r.sym("ids") + BigInt(16 * h + 8))).toBe(BigInt(h + 1));
      expect(r.reg(s2, h)).toBe(BigInt(100 * (h + 1)));
      expect(r.reg(s1, h)).toBe(0n);
      expect(r.csr(CSR.mhartid, h)).toBe(BigInt(h));
    }
  });

  it("the hart count is checked: 1..64", () => {
    expect(() => new Machine({ harts: 0, mem: 1 << 16 })).toThrow(RangeError);
    expect(() => new Machine({ harts: 65, mem: 1 << 16 })).toThrow(RangeError);
    expect(new Machine({ harts: 64, mem: 1 << 16 }).harts.length).toBe(64);
  });
});

describe("shared memory", () => {
  for (const quantum of [1, 3, 10_000]) {
    it(`4 harts × 500 amoadd.w and 4 × 500 lr/sc increments are exact (quantum ${quantum})`, () => {
      const N = 4;
      const K = 500;
      const r = guest(
        `
    la s0, ctr
    li s1, ${K}
    li t2, 1
1:  amoadd.w zero, t2, (s0)
    addi s1, s1, -1
    bnez s1, 1b
    li s1, ${K}
    addi a2, s0, 8
${lrScAdd({ label: 2, width: "d", addr: "a2", add: 1, count: "s1" })}
    ${joinAll(
      N,
      `
    la t0, ctr
    lw a0, 0(t0)
    ld a1, 8(t0)`,
    )}
    .data
    .balign 8
ctr: .dword 0, 0
done: .dword 0`,
        { harts: N, quantum },
      );
      expect(r.result.exitCode).toBe(0);
      expect(r.reg(a0)).toBe(BigInt(N * K));
      expect(r.reg(a1)).toBe(BigInt(N * K));
    });
  }

  /** Hart 0: lr on `cell`, tell hart 1, wait for it, sc. Hart 1: wait, `act`, tell hart 0. */
  const lrScRace = (width: "w" | "d", act: string): string => `
    ${split(
      `
    la s0, cell
    li s1, 7
    lr.${width} a1, (s0)
    ${setFlag("flags")}           # tell hart 1
    ${waitNonZero("flags", 8)}
    sc.${width} a2, s1, (s0)
    l${width} a3, 0(s0)`,
      `
    ${waitNonZero("flags")}
    la s0, cell
    ${act}
    ${setFlag("flags", 8)}`,
    )}
    .data
    .balign 4096           # the flags have a page of their own
flags: .dword 0, 0
    .balign 4096
cell: .zero 128`;

  it("another hart's store to the reserved doubleword makes sc fail", () => {
    const r = guest(lrScRace("d", "li t1, 42\n    sd t1, 0(s0)"), { harts: 2, quantum: 50 });
    expect(r.result.exitCode).toBe(0);
    expect([r.reg(a2), r.reg(a3)]).toEqual([1n, 42n]);
  });

  it("another hart's store elsewhere in the page leaves the reservation (sc succeeds)", () => {
    const r = guest(lrScRace("d", "li t1, 42\n    sd t1, 64(s0)"), { harts: 2, quantum: 50 });
    expect([r.reg(a2), r.reg(a3)]).toEqual([0n, 7n]);
  });

  it("another hart's AMO to the reserved address makes sc fail", () => {
    const r = guest(lrScRace("w", "li t1, 5\n    amoadd.w zero, t1, (s0)"), { harts: 2, quantum: 50 });
    expect([r.reg(a2), r.reg(a3)]).toEqual([1n, 5n]);
  });
});

describe("inter-hart interrupts and timers", () => {
  it("hart 0 writing msip[1] wakes hart 1 from wfi with a machine software interrupt", () => {
    const r = guest(
      `
    ${split(
      `
    li t0, 5000            # let hart 1 go to sleep
1:  addi t0, t0, -1
    bnez t0, 1b
    li t0, 0x02000004      # msip of hart 1
    li t1, 1
    sw t1, 0(t0)
    ${waitNonZero("flag")}`,
      `
    li t0, 1 << 3
    csrw mie, t0
    csrsi mstatus, 8
sleep:
    wfi
    ${setFlag("flag")}`,
    )}
    ${FLAG_DATA}`,
      { harts: 2, irqM: CLEAR_IRQ_M },
    );
    expect(r.result.exitCode).toBe(0);
    expect(r.logOf(1).map((x) => [x.cause, x.interrupt, x.epc])).toEqual([[3n, true, r.sym("sleep") + 4n]]);
    expect(r.log).toEqual([]);
    // Hart 1's handler cleared its msip; hart 0's was never set.
    expect([r.m.clint.msip[0], r.m.clint.msip[1]]).toEqual([0, 0]);
  });

  it("mtimecmp is per hart: hart 1's timer interrupts hart 1 only", () => {
    const r = guest(
      `
    li t0, 1 << 7          # both harts enable the timer interrupt
    csrw mie, t0
    csrsi mstatus, 8
    ${split(
      waitNonZero("flag"),
      `
    li t0, 0x0200bff8
    ld t1, 0(t0)
    addi t1, t1, 30
    li t0, 0x02004008      # mtimecmp of hart 1
    sd t1, 0(t0)
    wfi
    ${setFlag("flag")}`,
    )}
    ${FLAG_DATA}`,
      { harts: 2, irqM: CLEAR_IRQ_M },
    );
    expect(r.result.exitCode).toBe(0);
    expect(r.logOf(1).map((x) => [x.cause, x.interrupt])).toEqual([[7n, true]]);
    expect(r.log).toEqual([]);
  });
});

describe("code shared between harts", () => {
  it("an instruction patched by hart 1 is executed in its new form by hart 0", () => {
    const r = guest(
      split(
        `
    li s1, 2
slot:
    li a1, 1               # becomes li a1, 2
    bne a1, s1, slot`,
        `
    li t0, 3000
1:  addi t0, t0, -1
    bnez t0, 1b
    la t0, slot
    lw t1, new
    sw t1, 0(t0)
    .data
    .balign 4
new: li a1, 2
    .text`,
      ),
      { harts: 2, quantum: 100, maxInsns: 200_000 },
    );
    expect(r.result.exitCode).toBe(0);
    expect(r.reg(a1)).toBe(2n);
  });
});
