// CSR rules (riscv-tests isa/rv64mi csr, rv64si csr): privilege of each CSR, read-only CSRs
// (writes illegal, reads with rs1 = x0 or zimm = 0 fine), CSRs that do not exist, the counter
// enables mcounteren/scounteren, minstret/mcycle write semantics, and the WARL behaviour of
// mstatus/sstatus, mie/sie, mip/sip, mideleg/medeleg, misa, xepc, xtvec and satp.

import { describe, expect, it } from "vitest";
import { CSR, MSTATUS, PRIV_M, PRIV_S, PRIV_U } from "../../src/cpu/index.js";
import { makeSatp } from "../../src/mmu/index.js";
import { asmGuest as guest } from "../helpers/asm.js";
import * as E from "../helpers/encode.js";
import { a0, a1, a2, a3, a4, a5, t0, zero } from "../helpers/encode.js";
import { Stepper } from "../helpers/guest.js";
import { MASK64 } from "../helpers/ref.js";

const st = new Stepper();
const SENTINEL = 0xdead_beefn;

const MTVEC = 0x8000_0f00n;

/** Execute a CSR instruction in privilege `priv`; returns the trap cause (undefined if it did
 *  not trap: the pc did not go to mtvec) and a1 (the read value, for instructions that write it). */
function csrStep(
  word: number,
  priv: number,
  setup?: () => void,
): { cause: bigint | undefined; tval: bigint; rd: bigint } {
  const h = st.h;
  h.priv = priv;
  h.mtvec = MTVEC;
  h.setReg(a1, SENTINEL);
  setup?.();
  st.exec(word);
  const cause = h.pcBig() === MTVEC ? h.mcause : undefined;
  const out = { cause, tval: h.mtval, rd: h.reg(a1) };
  h.priv = PRIV_M;
  return out;
}

/** Read CSR `n` from M-mode through csrrs a1, n, x0. */
function read(n: number): bigint {
  const r = csrStep(E.csrr(a1, n), PRIV_M);
  if (r.cause !== undefined) throw new Error(`reading csr 0x${n.toString(16)} trapped with ${r.cause}`);
  return r.rd;
}

/** Write CSR `n` from M-mode through csrrw x0, n, a0. */
function write(n: number, v: bigint): void {
  const r = csrStep(E.csrw(n, a0), PRIV_M, () => st.h.setReg(a0, v));
  if (r.cause !== undefined) throw new Error(`writing csr 0x${n.toString(16)} trapped with ${r.cause}`);
}

function resetCsrs(): void {
  const h = st.h;
  h.mstatus = 0;
  h.mie = 0;
  h.mipSw = 0;
  h.mideleg = 0;
  h.medeleg = 0;
  h.mcounteren = 0;
  h.scounteren = 0;
}

describe("CSR privilege", () => {
  const mCsrs = [
    CSR.mstatus,
    CSR.misa,
    CSR.medeleg,
    CSR.mideleg,
    CSR.mie,
    CSR.mtvec,
    CSR.mcounteren,
    CSR.menvcfg,
    CSR.mscratch,
    CSR.mepc,
    CSR.mcause,
    CSR.mtval,
    CSR.mip,
    CSR.pmpcfg0,
    CSR.pmpaddr0,
    CSR.mcycle,
    CSR.minstret,
    CSR.mhartid,
    CSR.mvendorid,
  ];
  const sCsrs = [
    CSR.sstatus,
    CSR.sie,
    CSR.stvec,
    CSR.scounteren,
    CSR.senvcfg,
    CSR.sscratch,
    CSR.sepc,
    CSR.scause,
    CSR.stval,
    CSR.sip,
    CSR.satp,
  ];

  it("S-mode reading or writing an M CSR is an illegal instruction (mtval = the instruction)", () => {
    resetCsrs();
    for (const n of mCsrs) {
      const w = E.csrr(a1, n);
      const r = csrStep(w, PRIV_S);
      expect([n, r.cause, r.tval]).toEqual([n, 2n, BigInt(w)]);
      expect(r.rd).toBe(SENTINEL); // rd not written
      expect(csrStep(E.csrw(n, zero), PRIV_S).cause).toBe(2n);
    }
  });

  it("U-mode accessing an S or M CSR is illegal; S-mode may access the S CSRs", () => {
    resetCsrs();
    for (const n of [...sCsrs, ...mCsrs]) expect([n, csrStep(E.csrr(a1, n), PRIV_U).cause]).toEqual([n, 2n]);
    for (const n of sCsrs) expect([n, csrStep(E.csrr(a1, n), PRIV_S).cause]).toEqual([n, undefined]);
  });

  it("CSRs that do not exist are illegal even in M (mcontext, debug mode, hypervisor, pmpcfg1 on RV64, seed)", () => {
    for (const n of [0x7a8, 0x7b0, 0x600, 0x680, 0x3a1, 0x3af, 0x5c0, 0x8ff, 0xfff, 0x015]) {
      expect([n, csrStep(E.csrr(a1, n), PRIV_M).cause]).toEqual([n, 2n]);
    }
  });
});

describe("read-only CSRs", () => {
  const ro = [
    CSR.mvendorid,
    CSR.marchid,
    CSR.mimpid,
    CSR.mhartid,
    CSR.mconfigptr,
    CSR.cycle,
    CSR.time,
    CSR.instret,
  ];

  it("any write (csrrw, csrrwi even with 0, csrrs/csrrc with rs1 != x0 even if it holds 0) is illegal", () => {
    resetCsrs();
    for (const n of ro) {
      for (const w of [
        E.csrrw(a1, n, a0),
        E.csrrw(zero, n, zero),
        E.csrrwi(a1, n, 0),
        E.csrrs(a1, n, t0),
        E.csrrc(a1, n, t0),
        E.csrrsi(a1, n, 1),
        E.csrrci(a1, n, 31),
      ]) {
        const r = csrStep(w, PRIV_M, () => st.h.setReg(t0, 0n));
        expect([n, w, r.cause, r.tval]).toEqual([n, w, 2n, BigInt(w)]);
      }
    }
  });

  it("reads that do not write (csrrs/csrrc with x0, csrrsi/csrrci with 0) are fine", () => {
    for (const n of ro) {
      for (const w of [E.csrrs(a1, n, zero), E.csrrc(a1, n, zero), E.csrrsi(a1, n, 0), E.csrrci(a1, n, 0)]) {
        expect([n, csrStep(w, PRIV_M).cause]).toEqual([n, undefined]);
      }
    }
  });

  it("mhartid, mvendorid and misa read their values; misa ignores writes", () => {
    expect(read(CSR.mhartid)).toBe(0n);
    expect(read(CSR.mvendorid)).toBe(0n);
    const letters = (v: bigint): string =>
      [...Array(26).keys()]
        .filter((i) => (v >> BigInt(i)) & 1n)
        .map((i) => String.fromCharCode(65 + i))
        .join("");
    const misa = read(CSR.misa);
    expect(misa >> 62n).toBe(2n); // MXL = 64
    // RV64IMAC with S and U; F and D may be there too, nothing else.
    expect(letters(misa).replace(/[DF]/g, "")).toBe("ACIMSU");
    expect((misa >> 26n) & ((1n << 36n) - 1n)).toBe(0n); // bits 61:26 are zero
    write(CSR.misa, 0n);
    expect(read(CSR.misa)).toBe(misa);
  });
});

describe("counter enables (mcounteren, scounteren)", () => {
  const counters: [string, number, number][] = [
    ["cycle", CSR.cycle, 0],
    ["time", CSR.time, 1],
    ["instret", CSR.instret, 2],
    ["hpmcounter3", 0xc03, 3],
    ["hpmcounter31", 0xc1f, 31],
  ];
  for (const [name, n, bit] of counters) {
    it(`${name}: S needs mcounteren[${bit}], U needs mcounteren[${bit}] and scounteren[${bit}]; M always`, () => {
      for (const m of [0, 1]) {
        for (const s of [0, 1]) {
          const setup = (): void => {
            resetCsrs();
            // Every other bit set, so only the counter's own bit matters.
            st.h.mcounteren = m ? -1 : ~(1 << bit);
            st.h.scounteren = s ? -1 : ~(1 << bit);
          };
          const w = E.csrr(a1, n);
          expect([m, s, csrStep(w, PRIV_M, setup).cause]).toEqual([m, s, undefined]);
          expect([m, s, csrStep(w, PRIV_S, setup).cause]).toEqual([m, s, m ? undefined : 2n]);
          expect([m, s, csrStep(w, PRIV_U, setup).cause]).toEqual([m, s, m && s ? undefined : 2n]);
        }
      }
    });
  }

  it("the counter enables hold 32 bits", () => {
    write(CSR.mcounteren, MASK64);
    write(CSR.scounteren, 0x5n);
    expect(read(CSR.mcounteren)).toBe(0xffff_ffffn);
    expect(read(CSR.scounteren)).toBe(5n);
  });
});

describe("minstret and mcycle", () => {
  it("a value written to minstret is what the next instruction reads, then it counts on", () => {
    const r = guest(`
    li t0, 1000
    csrw minstret, t0
    csrr a0, minstret
    csrw minstret, t0
    nop
    nop
    nop
    csrr a1, minstret
    csrw minstret, t0
    csrr a2, instret       # the unprivileged alias
    csrrw a3, minstret, t0
    csrr a4, minstret`);
    expect(r.result.exitCode).toBe(0);
    expect(r.reg(a0)).toBe(1000n);
    expect(r.reg(a1)).toBe(1003n);
    expect(r.reg(a2)).toBe(1000n);
    // csrrw reads the count before itself: 1000 at the csrr a2, +1 for that csrr.
    expect(r.reg(a3)).toBe(1001n);
    expect(r.reg(a4)).toBe(1000n);
  });

  it("consecutive reads of minstret differ by the instructions between them, plus one", () => {
    const r = guest(`
    csrr a0, minstret
    csrr a1, minstret
    nop
    nop
    nop
    nop
    nop
    rdinstret a2`);
    expect(r.reg(a1) - r.reg(a0)).toBe(1n);
    expect(r.reg(a2) - r.reg(a1)).toBe(6n);
  });

  it("minstret and mcycle hold 64-bit values exactly (above 2^53) and wrap at 2^64", () => {
    // Stepped directly (no machine scheduling): write, then read with the next instruction.
    const rw = (n: number, v: bigint, between = 0): bigint => {
      write(n, v);
      for (let i = 0; i < between; i++) st.exec(E.nop());
      return read(n);
    };
    expect(rw(CSR.minstret, 0x0123_4567_89ab_cdefn)).toBe(0x0123_4567_89ab_cdefn);
    expect(rw(CSR.mcycle, 0x0123_4567_89ab_cdefn)).toBe(0x0123_4567_89ab_cdefn);
    expect(rw(CSR.minstret, MASK64 - 1n, 1)).toBe(MASK64);
    expect(rw(CSR.minstret, MASK64, 1)).toBe(0n);
    expect(rw(CSR.minstret, (1n << 53n) + 1n)).toBe((1n << 53n) + 1n);
    expect(rw(CSR.minstret, 0x1_0000_0000n, 3)).toBe(0x1_0000_0003n);
    write(CSR.minstret, 0n);
    write(CSR.mcycle, 0n);
  });

  it("a value written to mcycle is what the next instruction reads (one cycle per instruction)", () => {
    const r = guest(`
    li t0, 500
    csrw mcycle, t0
    csrr a0, mcycle
    nop
    rdcycle a1`);
    expect(r.reg(a0)).toBe(500n);
    expect(r.reg(a1)).toBe(502n);
  });
});

describe("WARL registers", () => {
  it("mstatus: UXL = SXL = 64-bit, no V/custom state, MPP never holds the reserved value 2", () => {
    resetCsrs();
    write(CSR.mstatus, MASK64);
    const v = read(CSR.mstatus);
    expect((v >> 32n) & 3n).toBe(2n); // UXL
    expect((v >> 34n) & 3n).toBe(2n); // SXL
    expect((v >> 9n) & 3n).toBe(0n); // VS
    expect((v >> 15n) & 3n).toBe(0n); // XS
    for (const bit of [MSTATUS.SIE, MSTATUS.MIE, MSTATUS.SPIE, MSTATUS.MPIE, MSTATUS.SPP, MSTATUS.MPRV]) {
      expect(v & BigInt(bit)).toBe(BigInt(bit));
    }
    expect((v >> 11n) & 3n).toBe(3n);
    write(CSR.mstatus, BigInt(2 << 11));
    expect((read(CSR.mstatus) >> 11n) & 3n).not.toBe(2n);
    write(CSR.mstatus, BigInt(1 << 11));
    expect((read(CSR.mstatus) >> 11n) & 3n).toBe(1n);
  });

  it("sstatus is a view of mstatus: only the S fields are visible and writable", () => {
    resetCsrs();
    write(CSR.mstatus, BigInt(MSTATUS.MIE | MSTATUS.MPIE | (3 << 11) | MSTATUS.TVM));
    write(CSR.sstatus, MASK64);
    // FS (and SD, which summarises it) belong to F/D; leave them out of the comparison.
    const s = read(CSR.sstatus) & ~(BigInt(MSTATUS.FS) | (1n << 63n));
    const S_BITS = MSTATUS.SIE | MSTATUS.SPIE | MSTATUS.SPP | MSTATUS.SUM | MSTATUS.MXR;
    expect(s).toBe(BigInt(S_BITS) | (2n << 32n));
    const m = read(CSR.mstatus);
    // The M fields kept their values.
    expect(m & BigInt(MSTATUS.MIE | MSTATUS.MPIE | MSTATUS.MPP | MSTATUS.TVM)).toBe(
      BigInt(MSTATUS.MIE | MSTATUS.MPIE | (3 << 11) | MSTATUS.TVM),
    );
    write(CSR.sstatus, 0n);
    expect(read(CSR.mstatus) & BigInt(S_BITS)).toBe(0n);
    expect(read(CSR.mstatus) & BigInt(MSTATUS.MIE)).toBe(BigInt(MSTATUS.MIE));
  });

  it("mideleg delegates only SSI/STI/SEI; medeleg never ecall from M", () => {
    resetCsrs();
    write(CSR.mideleg, MASK64);
    expect(read(CSR.mideleg)).toBe(0x222n);
    write(CSR.medeleg, MASK64);
    const md = read(CSR.medeleg);
    expect((md >> 11n) & 1n).toBe(0n);
    for (const c of [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 15])
      expect([c, (md >> BigInt(c)) & 1n]).toEqual([c, 1n]);
  });

  it("mie holds the six standard interrupt enables; sie is mie masked by mideleg", () => {
    resetCsrs();
    write(CSR.mie, MASK64);
    expect(read(CSR.mie)).toBe(0xaaan);
    expect(read(CSR.sie)).toBe(0n); // nothing delegated: sie shows nothing
    write(CSR.sie, 0n);
    expect(read(CSR.mie)).toBe(0xaaan); // and writes to it change nothing
    write(CSR.mideleg, BigInt((1 << 1) | (1 << 5)));
    expect(read(CSR.sie)).toBe(0x22n);
    write(CSR.sie, 0n);
    expect(read(CSR.mie)).toBe(0xaaan & ~0x22n);
    write(CSR.sie, MASK64);
    expect(read(CSR.mie)).toBe(0xaaan);
  });

  it("mip: M-mode may write SSIP/STIP/SEIP only; sip shows mip & mideleg and lets S write SSIP only", () => {
    resetCsrs();
    write(CSR.mip, MASK64);
    expect(read(CSR.mip)).toBe(0x222n); // MSIP/MTIP/MEIP come from devices (idle here)
    expect(read(CSR.sip)).toBe(0n);
    write(CSR.mip, 0n);
    write(CSR.mideleg, 0x222n);
    write(CSR.sip, MASK64);
    expect(read(CSR.sip)).toBe(0x2n);
    expect(read(CSR.mip)).toBe(0x2n);
    write(CSR.mip, 0x20n); // STIP set by M: visible through sip (delegated) but not writable there
    write(CSR.sip, 0n);
    expect(read(CSR.sip)).toBe(0x20n);
    write(CSR.mideleg, 0n);
    write(CSR.sip, 0x2n); // not delegated: SSIP is not writable through sip
    expect(read(CSR.mip)).toBe(0x20n);
    write(CSR.mip, 0n);
  });

  it("mepc and sepc have bit 0 clear (IALIGN = 16): bit 1 is kept", () => {
    write(CSR.mepc, 0x8000_0003n);
    expect(read(CSR.mepc)).toBe(0x8000_0002n);
    write(CSR.sepc, MASK64);
    expect(read(CSR.sepc)).toBe(MASK64 - 1n);
  });

  it("scratch, cause and tval registers hold full 64-bit values", () => {
    for (const n of [CSR.mscratch, CSR.sscratch, CSR.mtval, CSR.stval, CSR.mcause, CSR.scause]) {
      write(n, 0x8123_4567_89ab_cdefn);
      expect([n, read(n)]).toEqual([n, 0x8123_4567_89ab_cdefn]);
      write(n, 0n);
    }
  });

  it("satp: a write with an unsupported (reserved) MODE has no effect", () => {
    write(CSR.satp, 0n);
    write(CSR.satp, makeSatp(1, 0, 0x1234)); // MODE 1 is reserved
    expect(read(CSR.satp)).toBe(0n);
    write(CSR.satp, makeSatp(7, 0, 5));
    expect(read(CSR.satp)).toBe(0n);
  });

  it("hpmcounters read zero; mcountinhibit reads zero", () => {
    expect(read(0xc03)).toBe(0n);
    expect(read(0xb03)).toBe(0n);
    expect(read(CSR.mcountinhibit)).toBe(0n);
  });

  it("pmpaddr holds 54 bits", () => {
    write(CSR.pmpaddr0 + 5, MASK64);
    expect(read(CSR.pmpaddr0 + 5)).toBe((1n << 54n) - 1n);
    write(CSR.pmpaddr0 + 5, 0n);
  });
});

describe("CSR instruction semantics", () => {
  it("csrrw/csrrs/csrrc and the immediate forms read the old value and write/set/clear", () => {
    const r = guest(`
    li t0, 0xf0f0
    csrw mscratch, t0
    li t1, 0x0ff0
    csrrs a0, mscratch, t1     # 0xf0f0 → 0xfff0
    csrrc a1, mscratch, t1     # → 0xf000
    csrrw a2, mscratch, t1     # → 0x0ff0
    csrrsi a3, mscratch, 0x11  # → 0x0ff1
    csrrci a4, mscratch, 0x1f  # → 0x0fe0
    csrrwi a5, mscratch, 7     # → 7
    csrr t0, mscratch`);
    expect([r.reg(a0), r.reg(a1), r.reg(a2)]).toEqual([0xf0f0n, 0xfff0n, 0xf000n]);
    expect([r.reg(a3), r.reg(a4), r.reg(a5), r.reg(t0)]).toEqual([0x0ff0n, 0x0ff1n, 0x0fe0n, 7n]);
  });

  it("csrrw with rd = rs1 swaps; csrrw with rd = x0 still writes", () => {
    const r = guest(`
    li a0, 5
    csrrw zero, mscratch, a0
    li a0, 9
    csrrw a0, mscratch, a0
    csrr a1, mscratch`);
    expect([r.reg(a0), r.reg(a1)]).toEqual([5n, 9n]);
  });

  it("time (from M-mode) counts up with mtime", () => {
    const r = guest(`
    rdtime a0
    li t0, 2000
1:  addi t0, t0, -1
    bnez t0, 1b
    rdtime a1`);
    expect(r.reg(a1)).toBeGreaterThan(r.reg(a0));
  });
});
