// Exceptions and privilege transitions (riscv-tests isa/rv64mi, rv64si): illegal encodings
// (cause 2, the bits in mtval), ecall by privilege, ebreak (mtval = pc), access faults, mret and
// sret state changes, the rules that make sret/mret/wfi/sfence.vma/satp illegal, exception
// delegation to S (medeleg), and trap vector modes for exceptions.

import { describe, expect, it } from "vitest";
import { CSR, MSTATUS, PRIV_M, PRIV_S, PRIV_U } from "../../src/cpu/index.js";
import { jitCold, TRAPPED } from "../../src/cpu/interp.js";
import { OP_ILLEGAL, OPS } from "../../src/cpu/isa.js";
import { ENTER_S, ENTER_U, ENTER_U_FROM_S, asmGuest as guest } from "../helpers/asm.js";
import * as E from "../helpers/encode.js";
import { a0, a1, zero } from "../helpers/encode.js";
import { ILLEGAL16, ILLEGAL32 } from "../helpers/encodings.js";
import { Stepper } from "../helpers/guest.js";

const MPP = (p: number): number => p << 11;
const SENTINEL = 0xdead_beefn;

/** Step one instruction on a fresh-ish hart in privilege `priv` with mstatus `status`; returns
 *  what it did (for a trap: mcause/mepc/mtval and the new privilege). */
function step(
  st: Stepper,
  word: number,
  priv: number,
  status = 0,
  setup?: (st: Stepper) => void,
): { trapped: boolean; cause: bigint; tval: bigint; epc: bigint; priv: number; pc: bigint; status: number } {
  const h = st.h;
  h.priv = priv;
  h.mstatus = status;
  h.mcause = SENTINEL;
  h.mtval = SENTINEL;
  h.mepc = SENTINEL;
  h.medeleg = 0;
  h.mtvec = 0x8000_0f00n;
  setup?.(st);
  st.exec(word);
  return {
    trapped: h.mcause !== SENTINEL,
    cause: h.mcause,
    tval: h.mtval,
    epc: h.mepc,
    priv: h.priv,
    pc: h.pcBig(),
    status: h.mstatus,
  };
}

describe("illegal instructions", () => {
  it("every reserved 32-bit encoding raises cause 2 with the instruction bits in mtval", () => {
    const r = guest(ILLEGAL32.map((b) => `    .word ${b.word}   # ${b.why}`).join("\n"));
    expect(r.result.exitCode).toBe(0);
    expect(r.log.map((x) => [x.cause, `0x${x.tval.toString(16)}`])).toEqual(
      ILLEGAL32.map((b) => [2n, `0x${b.word.toString(16)}`]),
    );
    const start = r.log[0]!.epc;
    expect(r.log.map((x) => x.epc - start)).toEqual(ILLEGAL32.map((_, i) => BigInt(4 * i)));
  });

  it("every reserved 16-bit encoding raises cause 2 with the 16 bits in mtval", () => {
    const r = guest(`${ILLEGAL16.map((b) => `    .half ${b.word}   # ${b.why}`).join("\n")}
    ${ILLEGAL16.length % 2 ? "c.nop  # realign" : ""}`);
    expect(r.result.exitCode).toBe(0);
    expect(r.log.map((x) => [x.cause, x.tval])).toEqual(ILLEGAL16.map((b) => [2n, BigInt(b.word)]));
    const start = r.log[0]!.epc;
    expect(r.log.map((x) => x.epc - start)).toEqual(ILLEGAL16.map((_, i) => BigInt(2 * i)));
  });

  it("an illegal instruction does not retire and changes no register", () => {
    const st = new Stepper();
    st.h.setReg(a0, 5n);
    const before = st.h.instret;
    const t = step(st, 0xffffffff, PRIV_M);
    expect(t.trapped).toBe(true);
    expect(st.h.instret).toBe(before);
    expect(st.h.reg(a0)).toBe(5n);
    expect(t.pc).toBe(0x8000_0f00n);
  });
});

describe("ecall and ebreak", () => {
  it("ecall raises 11 from M, 9 from S, 8 from U; mepc = the ecall, mtval = 0, MPP = the old mode", () => {
    const r = guest(`
e_m: ecall
    ${ENTER_S}
e_s: ecall
    ${ENTER_U_FROM_S}
e_u: ecall`);
    expect(r.result.exitCode).toBe(0);
    expect(r.log.map((x) => [x.cause, x.epc, x.tval, (x.status >> 11n) & 3n])).toEqual([
      [11n, r.sym("e_m"), 0n, 3n],
      [9n, r.sym("e_s"), 0n, 1n],
      [8n, r.sym("e_u"), 0n, 0n],
    ]);
  });

  it("ebreak and c.ebreak raise 3 with mtval = pc", () => {
    const r = guest(`
b32: ebreak
b16: c.ebreak
    c.nop
    ${ENTER_U}
bu: ebreak`);
    expect(r.log.map((x) => [x.cause, x.epc, x.tval])).toEqual([
      [3n, r.sym("b32"), r.sym("b32")],
      [3n, r.sym("b16"), r.sym("b16")],
      [3n, r.sym("bu"), r.sym("bu")],
    ]);
  });

  it("ecall and ebreak do not retire", () => {
    const st = new Stepper();
    const before = st.h.instret;
    expect(step(st, E.ecall(), PRIV_M).cause).toBe(11n);
    expect(step(st, E.ebreak(), PRIV_M).cause).toBe(3n);
    expect(st.h.instret).toBe(before);
    step(st, E.nop(), PRIV_M);
    expect(st.h.instret).toBe(before + 1);
  });
});

describe("access faults", () => {
  it("loads and stores outside RAM and devices: causes 5 and 7 with the address in mtval", () => {
    const r = guest(`
    li a1, 0x40000000
    ld a0, 8(a1)
    sw a0, 16(a1)
    lbu a0, 0(zero)
    sb a0, 0(zero)
    li a1, 0xfffffff8      # above the end of a 16 MiB RAM
    ld a0, 0(a1)`);
    expect(r.log.map((x) => [x.cause, x.tval])).toEqual([
      [5n, 0x4000_0008n],
      [7n, 0x4000_0010n],
      [5n, 0n],
      [7n, 0n],
      [5n, 0xffff_fff8n],
    ]);
  });

  it("a misaligned load that faults reports an address inside the access", () => {
    const r = guest(`
    li a1, 0x40000001
    lw a0, 0(a1)
    sd a0, 2(a1)`);
    expect(r.log.map((x) => x.cause)).toEqual([5n, 7n]);
    const [l, s] = r.log;
    expect(l!.tval).toBeGreaterThanOrEqual(0x4000_0001n);
    expect(l!.tval).toBeLessThan(0x4000_0005n);
    expect(s!.tval).toBeGreaterThanOrEqual(0x4000_0003n);
    expect(s!.tval).toBeLessThan(0x4000_000bn);
  });

  it("fetching outside RAM raises instruction access fault (1): mepc = mtval = the target", () => {
    const r = guest(`
    la s11, back           # the handler resumes there
    li t0, 0x40000000
    jr t0
back:
    la s11, back2
    li t0, 0x02000000      # the CLINT: a device is not executable
    jr t0
back2:`);
    expect(r.result.exitCode).toBe(0);
    expect(r.log.map((x) => [x.cause, x.epc, x.tval])).toEqual([
      [1n, 0x4000_0000n, 0x4000_0000n],
      [1n, 0x0200_0000n, 0x0200_0000n],
    ]);
  });
});

describe("traps taken without unwinding run() (Hart.loadGuarded, storeGuarded, fetchGuarded, ecallEnter)", () => {
  it("a faulting load, store and an ecall in one chunk: each trap taken, none retired, faulted clear", () => {
    const st = new Stepper();
    const h = st.h;
    const before = h.instret;
    for (const [word, cause] of [
      [E.ld(a0, 8, a1), 5n],
      [E.sw(a0, 16, a1), 7n],
      [E.ecall(), 11n],
    ] as const) {
      const r = step(st, word, PRIV_M, 0, (s) => s.h.setReg(a1, 0x4000_0000n));
      expect([r.cause, r.epc, r.pc]).toEqual([cause, st.addr(word), 0x8000_0f00n]);
      expect(h.faulted).toBe(0);
    }
    expect(h.instret).toBe(before);
  });

  it("loadGuarded, storeGuarded and fetchGuarded enter the trap and report it in faulted instead of throwing", () => {
    const st = new Stepper();
    const h = st.h;
    h.priv = PRIV_M;
    h.mtvec = 0x8000_0f00n;
    h.setPc(0x8000_0100n);
    expect(h.loadGuarded(0x4000_0008, 0, 8, false)).toBe(0);
    expect([h.faulted, h.mcause, h.mtval, h.mepc]).toEqual([1, 5n, 0x4000_0008n, 0x8000_0100n]);
    h.faulted = 0;
    h.setPc(0x8000_0104n);
    h.storeGuarded(0x4000_0010, 0, 4, 1, 0);
    expect([h.faulted, h.mcause, h.mtval, h.mepc]).toEqual([1, 7n, 0x4000_0010n, 0x8000_0104n]);
    h.faulted = 0;
    h.setPc(0x4000_0000n);
    h.fetchGuarded(0x4000_0000, 0);
    expect([h.faulted, h.mcause, h.mtval, h.mepc]).toEqual([1, 1n, 0x4000_0000n, 0x4000_0000n]);
  });
});

describe("cold() takes the traps of its ops in its own frame (TRAPPED, no throw into run())", () => {
  it("a faulting lr.d and an illegal encoding: TRAPPED, the trap entered, nothing thrown", () => {
    const st = new Stepper();
    const h = st.h;
    const cold = jitCold(false);
    h.priv = PRIV_M;
    h.mtvec = 0x8000_0f00n;
    h.setReg(a1, 0x4000_0000n);
    h.setPc(0x8000_0100n);
    expect(cold(h, OPS["lr.d"], 2 * a0 + ((2 * a1) << 7), 0, 4, 0x8000_0100 | 0, 0, 1)).toBe(TRAPPED);
    expect([h.mcause, h.mtval, h.mepc, h.pcBig()]).toEqual([5n, 0x4000_0000n, 0x8000_0100n, 0x8000_0f00n]);
    h.priv = PRIV_M;
    h.setPc(0x8000_0104n);
    expect(cold(h, OP_ILLEGAL, 0, 0xffff_ffff | 0, 4, 0x8000_0104 | 0, 0, 1)).toBe(TRAPPED);
    expect([h.mcause, h.mtval, h.mepc]).toEqual([2n, 0xffff_ffffn, 0x8000_0104n]);
  });
});

describe("mret", () => {
  const st = new Stepper();
  for (const mpp of [PRIV_U, PRIV_S, PRIV_M]) {
    for (const mpie of [0, 1]) {
      for (const mprv of [0, 1]) {
        it(`MPP=${mpp} MPIE=${mpie} MPRV=${mprv}: priv = MPP, MIE = MPIE, MPIE = 1, MPP = U, MPRV cleared unless returning to M`, () => {
          const status = MPP(mpp) | (mpie ? MSTATUS.MPIE : 0) | (mprv ? MSTATUS.MPRV : 0) | MSTATUS.MIE;
          const t = step(st, E.mret(), PRIV_M, status, (s) => {
            s.h.mepc = 0x8000_4000n;
          });
          expect(t.trapped).toBe(false);
          expect(t.priv).toBe(mpp);
          expect(t.pc).toBe(0x8000_4000n);
          const want = (mpie ? MSTATUS.MIE : 0) | MSTATUS.MPIE | (mprv && mpp === PRIV_M ? MSTATUS.MPRV : 0);
          expect(t.status).toBe(want);
        });
      }
    }
  }

  it("mret in S or U is illegal (mtval = its bits)", () => {
    for (const priv of [PRIV_S, PRIV_U]) {
      const t = step(st, E.mret(), priv);
      expect([t.cause, t.tval, t.priv]).toEqual([2n, BigInt(E.mret()), PRIV_M]);
    }
  });
});

describe("sret", () => {
  const st = new Stepper();
  for (const from of [PRIV_S, PRIV_M]) {
    for (const spp of [0, 1]) {
      for (const spie of [0, 1]) {
        it(`from ${from === PRIV_M ? "M" : "S"}, SPP=${spp} SPIE=${spie}: priv = SPP, SIE = SPIE, SPIE = 1, SPP = U, MPRV = 0`, () => {
          const status =
            (spp ? MSTATUS.SPP : 0) | (spie ? MSTATUS.SPIE : 0) | MSTATUS.SIE | MSTATUS.MPRV | MPP(PRIV_M);
          const t = step(st, E.sret(), from, status, (s) => {
            s.h.sepc = 0x8000_5002n;
          });
          expect(t.trapped).toBe(false);
          expect(t.priv).toBe(spp ? PRIV_S : PRIV_U);
          expect(t.pc).toBe(0x8000_5002n);
          expect(t.status).toBe((spie ? MSTATUS.SIE : 0) | MSTATUS.SPIE | MPP(PRIV_M));
        });
      }
    }
  }

  it("sret is illegal in U, and in S when mstatus.TSR = 1; allowed in M with TSR", () => {
    let t = step(st, E.sret(), PRIV_U);
    expect([t.cause, t.tval]).toEqual([2n, BigInt(E.sret())]);
    t = step(st, E.sret(), PRIV_S, MSTATUS.TSR);
    expect([t.cause, t.tval, t.priv]).toEqual([2n, BigInt(E.sret()), PRIV_M]);
    t = step(st, E.sret(), PRIV_S, 0, (s) => {
      s.h.sepc = 0x8000_6000n;
    });
    expect([t.trapped, t.pc]).toEqual([false, 0x8000_6000n]);
    t = step(st, E.sret(), PRIV_M, MSTATUS.TSR | MSTATUS.SPP, (s) => {
      s.h.sepc = 0x8000_6000n;
    });
    expect([t.trapped, t.priv]).toEqual([false, PRIV_S]);
  });
});

describe("wfi, sfence.vma and satp under TW/TVM", () => {
  const st = new Stepper();
  it("wfi is illegal in U; in S only when TW = 1; never in M", () => {
    expect(step(st, E.wfi(), PRIV_U).cause).toBe(2n);
    expect(step(st, E.wfi(), PRIV_U).tval).toBe(BigInt(E.wfi()));
    expect(step(st, E.wfi(), PRIV_S, MSTATUS.TW).cause).toBe(2n);
    for (const [priv, status] of [
      [PRIV_S, 0],
      [PRIV_M, 0],
      [PRIV_M, MSTATUS.TW],
    ] as const) {
      const t = step(st, E.wfi(), priv, status, (s) => {
        s.h.mie = 0xaaa; // something enabled, so the machine could wake it
      });
      expect(t.trapped).toBe(false);
      st.h.waiting = false;
    }
  });

  it("sfence.vma is illegal in U and in S with TVM = 1; legal in S without TVM and in M with it", () => {
    const w = E.sfence_vma(a0, a1);
    expect([step(st, w, PRIV_U).cause, step(st, w, PRIV_U).tval]).toEqual([2n, BigInt(w)]);
    expect(step(st, w, PRIV_S, MSTATUS.TVM).cause).toBe(2n);
    expect(step(st, w, PRIV_S).trapped).toBe(false);
    expect(step(st, w, PRIV_M, MSTATUS.TVM).trapped).toBe(false);
  });

  it("satp is illegal in S with TVM = 1 (read or write), accessible in S without TVM and in M with it", () => {
    const rd = E.csrr(a0, CSR.satp);
    const wr = E.csrw(CSR.satp, zero);
    expect(step(st, rd, PRIV_S, MSTATUS.TVM).cause).toBe(2n);
    expect(step(st, rd, PRIV_S, MSTATUS.TVM).tval).toBe(BigInt(rd));
    expect(step(st, wr, PRIV_S, MSTATUS.TVM).cause).toBe(2n);
    expect(step(st, rd, PRIV_S).trapped).toBe(false);
    expect(step(st, wr, PRIV_M, MSTATUS.TVM).trapped).toBe(false);
    expect(step(st, rd, PRIV_U).cause).toBe(2n);
  });
});

describe("exception delegation (medeleg)", () => {
  it("delegated exceptions from U and S go to the S handler with scause/sepc/stval; M's stay in M", () => {
    const r = guest(`
    la t0, strap
    csrw stvec, t0
    li t0, (1 << 2) | (1 << 3) | (1 << 8)   # illegal, breakpoint, ecall from U; not ecall from S
    csrw medeleg, t0
m_ill: .word 0xffffffff    # M: never delegated
    ${ENTER_S}
s_ill: .word 0xffffffff    # S: delegated → S handler, SPP = S
s_ecall: ecall             # ecall from S is not delegated → M
    ${ENTER_U_FROM_S}
u_brk: ebreak              # U: delegated → S handler, SPP = U
u_ecall: ecall             # ecall from U: delegated → S
u_ld: ld a0, 0(zero)       # load access fault: not delegated → M`);
    expect(r.result.exitCode).toBe(0);
    const spp = (x: { status: bigint }): bigint => (x.status >> 8n) & 1n;
    expect(r.log.map((x) => [x.mode, x.cause, x.epc, x.tval])).toEqual([
      [3, 2n, r.sym("m_ill"), 0xffffffffn],
      [1, 2n, r.sym("s_ill"), 0xffffffffn],
      [3, 9n, r.sym("s_ecall"), 0n],
      [1, 3n, r.sym("u_brk"), r.sym("u_brk")],
      [1, 8n, r.sym("u_ecall"), 0n],
      [3, 5n, r.sym("u_ld"), 0n],
    ]);
    expect(r.log.filter((x) => x.mode === 1).map(spp)).toEqual([1n, 0n, 0n]);
  });

  it("a delegated trap sets sepc/scause/stval, SPIE = SIE, SIE = 0, SPP, and leaves the M CSRs alone", () => {
    const st = new Stepper();
    for (const [priv, sie] of [
      [PRIV_S, 1],
      [PRIV_S, 0],
      [PRIV_U, 1],
    ] as const) {
      const t = step(st, 0xffffffff, priv, sie ? MSTATUS.SIE | MSTATUS.MPIE : MSTATUS.SPIE, (s) => {
        s.h.medeleg = 1 << 2;
        s.h.stvec = 0x8000_0e00n;
        s.h.scause = 0n;
      });
      const h = st.h;
      expect([t.cause, t.epc, t.tval]).toEqual([SENTINEL, SENTINEL, SENTINEL]);
      expect([h.priv, h.scause, h.stval, h.sepc, t.pc]).toEqual([
        PRIV_S,
        2n,
        0xffffffffn,
        st.addr(0xffffffff),
        0x8000_0e00n,
      ]);
      expect(h.mstatus).toBe(
        (sie ? MSTATUS.SPIE : 0) | (priv === PRIV_S ? MSTATUS.SPP : 0) | (sie ? MSTATUS.MPIE : 0),
      );
    }
  });

  it("medeleg bit 11 (ecall from M) is read-only zero", () => {
    const r = guest(`
    li t0, -1
    csrw medeleg, t0
    csrr a0, medeleg
    ecall                  # still an M trap`);
    expect((r.reg(a0) >> 11n) & 1n).toBe(0n);
    expect(r.reg(a0) & 0x1ffn).toBe(0x1ffn); // the misaligned/fault/illegal/breakpoint/ecall-U,S bits stick
    expect(r.log.map((x) => [x.mode, x.cause])).toEqual([[3, 11n]]);
  });
});

describe("trap vectors for exceptions", () => {
  it("a vectored mtvec sends exceptions to the base address", () => {
    const r = guest(`
    la t0, vec
    addi t0, t0, 1         # vectored
    csrw mtvec, t0
    ecall
    addi a0, a0, 100
    j end
    .balign 64
vec:
    addi a1, a1, 1
    csrr s0, mepc
    addi s0, s0, 4
    csrw mepc, s0
    mret
end:`);
    expect(r.result.exitCode).toBe(0);
    expect(r.reg(a1)).toBe(1n);
    expect(r.reg(a0)).toBe(100n);
    expect(r.csr(CSR.mtvec)).toBe(r.sym("vec") + 1n);
  });

  it("mtvec and stvec hold a legal mode (0 or 1) whatever is written", () => {
    const r = guest(`
    la a2, mtrap
    addi t0, a2, 2         # mode 2: reserved
    csrw mtvec, t0
    csrr a0, mtvec
    addi t0, a2, 3         # mode 3: reserved
    csrw stvec, t0
    csrr a1, stvec
    csrw mtvec, a2`);
    expect(r.reg(a0) & 3n).toBeLessThan(2n);
    expect(r.reg(a1) & 3n).toBeLessThan(2n);
  });
});
