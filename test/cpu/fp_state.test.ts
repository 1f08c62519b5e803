// The FP state of a hart (privileged spec, "Extension Context Status in mstatus"; unprivileged
// spec, "Floating-Point Control and Status Register"): misa F and D, mstatus.FS Off / Initial /
// Clean / Dirty with illegal instruction while Off, the SD bit (also in sstatus), exactly which
// instructions dirty the state, the fcsr / frm / fflags CSRs, and the reserved rounding modes.

import { describe, expect, it } from "vitest";
import { CAUSE, CSR, Hart, MNEMONICS, MSTATUS, run } from "../../src/cpu/index.js";
import { a0, a1, csrr, csrrw, csrw } from "../helpers/encode.js";
import * as F from "../helpers/fpenc.js";
import { FpStepper, NV, NX } from "../helpers/fpguest.js";
import { Stepper } from "../helpers/guest.js";

const FS_SHIFT = 13n;
const SD = 1n << 63n;
const fsOf = (h: Hart): number => (h.mstatus >>> 13) & 3;
const setFs = (h: Hart, fs: number): void => {
  h.csrWrite(CSR.mstatus, (BigInt(h.mstatus >>> 0) & ~(3n << FS_SHIFT)) | (BigInt(fs) << FS_SHIFT));
};

/** One encoding of every F and D instruction (f1..f4 sources, f10 / a0 destinations). */
const EVERY_FP: [string, number][] = (() => {
  const out: [string, number][] = [
    ["flw", F.flw(10, 0, a1)],
    ["fsw", F.fsw(10, 0, a1)],
    ["fld", F.fld(10, 0, a1)],
    ["fsd", F.fsd(10, 0, a1)],
    ["fcvt.s.d", F.fcvtFF("s", 10, 1)],
    ["fcvt.d.s", F.fcvtFF("d", 10, 1)],
    ["fmv.x.w", F.fmvToX("s", a0, 1)],
    ["fmv.w.x", F.fmvFromX("s", 10, a1)],
    ["fmv.x.d", F.fmvToX("d", a0, 1)],
    ["fmv.d.x", F.fmvFromX("d", 10, a1)],
  ];
  for (const p of ["s", "d"] as const) {
    for (const op of ["fmadd", "fmsub", "fnmsub", "fnmadd"] as const)
      out.push([`${op}.${p}`, F.fused(op, p, 10, 1, 2, 3)]);
    for (const op of ["fadd", "fsub", "fmul", "fdiv"] as const)
      out.push([`${op}.${p}`, F.arith(op, p, 10, 1, 2)]);
    out.push([`fsqrt.${p}`, F.fsqrt(p, 10, 1)]);
    for (const op of ["fsgnj", "fsgnjn", "fsgnjx"] as const)
      out.push([`${op}.${p}`, F.sgnj(op, p, 10, 1, 2)]);
    out.push([`fmin.${p}`, F.fmin(p, 10, 1, 2)], [`fmax.${p}`, F.fmax(p, 10, 1, 2)]);
    for (const op of ["feq", "flt", "fle"] as const) out.push([`${op}.${p}`, F.fcmp(op, p, a0, 1, 2)]);
    out.push([`fclass.${p}`, F.fclass(p, a0, 1)]);
    for (const k of ["w", "wu", "l", "lu"] as const) {
      out.push([`fcvt.${k}.${p}`, F.fcvtToInt(k, p, a0, 1)]);
      out.push([`fcvt.${p}.${k}`, F.fcvtFromInt(p, k, 10, a1)]);
    }
  }
  return out;
})();
const COMPRESSED: [string, number][] = [
  ["c.fld", F.c_fld(10, 8, 11)],
  ["c.fsd", F.c_fsd(10, 8, 11)],
  ["c.fldsp", F.c_fldsp(10, 16)],
  ["c.fsdsp", F.c_fsdsp(10, 16)],
];

describe("misa and reset state", () => {
  it("misa reports F and D (IMAFDCSU), MXL = 64", () => {
    const st = new Stepper();
    const misa = st.h.csrRead(CSR.misa)!;
    expect(misa >> 62n).toBe(2n);
    const letters = [...Array(26).keys()]
      .filter((i) => (misa >> BigInt(i)) & 1n)
      .map((i) => String.fromCharCode(65 + i));
    expect(letters.join("")).toBe("ACDFIMSU");
  });

  it("the encodings list covers every F and D mnemonic", () => {
    const names = new Set(EVERY_FP.map(([n]) => n));
    expect(MNEMONICS.filter((m) => m.startsWith("f") && !m.startsWith("fence") && !names.has(m))).toEqual([]);
  });

  it("harts reset with FS = Off (as Spike and QEMU do for a bare machine) and SD = 0", () => {
    const st = new Stepper();
    expect(fsOf(st.h)).toBe(0);
    expect(st.h.csrRead(CSR.mstatus)! & SD).toBe(0n);
    expect([st.h.frm, st.h.fflags]).toEqual([0, 0]);
  });
});

describe("FS = Off: every F/D instruction and the fcsr CSRs are illegal", () => {
  const st = new Stepper();
  const words: [string, number][] = [
    ...EVERY_FP,
    ...COMPRESSED,
    ["csrr fflags", csrr(a0, CSR.fflags)],
    ["csrr frm", csrr(a0, CSR.frm)],
    ["csrr fcsr", csrr(a0, CSR.fcsr)],
    ["csrw fcsr", csrw(CSR.fcsr, a1)],
    ["csrrw frm", csrrw(a0, CSR.frm, a1)],
  ];
  for (const [name, word] of words) {
    it(`${name} (0x${word.toString(16)}): cause 2, tval = the instruction, nothing written`, () => {
      setFs(st.h, 0);
      st.h.mtvec = 0x8000_0000n + 0x10000n;
      st.h.fi.fill(0x11);
      st.h.setReg(a0, 0x77n);
      st.h.setReg(a1, 0x8000_1000n);
      st.h.fflags = 0;
      expect(st.exec(word)).toBe(0);
      expect(st.h.mcause).toBe(BigInt(CAUSE.ILLEGAL));
      expect(st.h.mtval).toBe(BigInt(word));
      expect([...st.h.fi].filter((v) => v !== 0x11)).toEqual([]);
      expect(st.h.reg(a0)).toBe(0x77n);
      expect(fsOf(st.h)).toBe(0);
    });
  }

  it("with FS Initial, Clean or Dirty they execute", () => {
    for (const fs of [1, 2, 3]) {
      setFs(st.h, fs);
      st.h.setReg(a1, 0x8000_1000n);
      st.h.setReg(2, 0x8000_1000n); // sp, for c.fldsp / c.fsdsp
      for (const [name, word] of [...EVERY_FP, ...COMPRESSED])
        expect(st.exec(word), `${name}, FS = ${fs}`).toBe(1);
    }
  });
});

describe("harts without F or D", () => {
  const hartWith = (exts: string): { h: Hart; st: Stepper } => {
    const st = new Stepper();
    const h = new Hart(1, st.m, exts);
    return { h, st };
  };
  const exec = (st: Stepper, h: Hart, word: number): number => {
    h.setPc(st.addr(word));
    return run(h, 1);
  };

  it("without F: misa has neither, FS is read-only zero, every FP instruction is illegal", () => {
    const { h, st } = hartWith("IMACSU");
    h.csrWrite(CSR.mstatus, BigInt(MSTATUS.FS));
    expect(fsOf(h)).toBe(0);
    expect((h.misa >> 5n) & 1n).toBe(0n);
    for (const [name, word] of [...EVERY_FP, ...COMPRESSED]) {
      expect(exec(st, h, word), name).toBe(0);
      expect(h.mcause).toBe(2n);
    }
  });

  it("F without D: single-precision instructions run, double-precision ones are illegal", () => {
    const { h, st } = hartWith("IMAFCSU");
    h.csrWrite(CSR.mstatus, BigInt(MSTATUS.FS));
    expect(fsOf(h)).toBe(3);
    h.setReg(a1, 0x8000_1000n);
    h.setReg(2, 0x8000_1000n);
    for (const [name, word] of [...EVERY_FP, ...COMPRESSED]) {
      const isD = /\.d\b|^fld|^fsd|^c\.f|fcvt\.s\.d/.test(name);
      expect(exec(st, h, word), name).toBe(isD ? 0 : 1);
    }
  });
});

describe("FS transitions and SD", () => {
  it("an instruction that writes an f register makes FS Dirty; SD follows in mstatus and sstatus", () => {
    const st = new FpStepper();
    expect(fsOf(st.h)).toBe(1);
    expect(st.h.csrRead(CSR.mstatus)! & SD).toBe(0n);
    st.setD(1, 0x3ff0000000000000n);
    st.exec(F.arith("fadd", "d", 10, 1, 1));
    expect(fsOf(st.h)).toBe(3);
    expect(st.h.csrRead(CSR.mstatus)! & SD).toBe(SD);
    expect(st.h.csrRead(CSR.sstatus)! & SD).toBe(SD);
    expect((st.h.csrRead(CSR.sstatus)! >> FS_SHIFT) & 3n).toBe(3n);
    // Software sets Clean after saving the state (e.g. through sstatus): SD clears.
    st.h.csrWrite(CSR.sstatus, (st.h.csrRead(CSR.sstatus)! & ~(3n << FS_SHIFT)) | (2n << FS_SHIFT));
    expect(fsOf(st.h)).toBe(2);
    expect(st.h.csrRead(CSR.mstatus)! & SD).toBe(0n);
  });

  const clean = (): FpStepper => {
    const st = new FpStepper();
    setFs(st.h, 2);
    st.setD(1, 0x3ff0000000000000n);
    st.setD(2, 0x4000000000000000n);
    st.setX(a1, 0x8000_1000n);
    return st;
  };

  it("instructions that write no f register and raise no flag leave FS Clean", () => {
    const keep: [string, number][] = [
      ["fsd", F.fsd(1, 0, a1)],
      ["fsw", F.fsw(1, 0, a1)],
      ["c.fsd", F.c_fsd(9, 8, 11)],
      ["fmv.x.d", F.fmvToX("d", a0, 1)],
      ["fmv.x.w", F.fmvToX("s", a0, 1)],
      ["feq.d", F.fcmp("feq", "d", a0, 1, 2)],
      ["flt.d", F.fcmp("flt", "d", a0, 1, 2)],
      ["fclass.d", F.fclass("d", a0, 1)],
      ["fcvt.w.d (exact)", F.fcvtToInt("w", "d", a0, 1)],
      ["csrr fcsr", csrr(a0, CSR.fcsr)],
    ];
    for (const [name, word] of keep) {
      const st = clean();
      expect(st.exec(word), name).toBe(1);
      expect(fsOf(st.h), name).toBe(2);
    }
  });

  it("flags raised by a compare or a conversion, fcsr writes and every f-register write make it Dirty", () => {
    const dirty: [string, number, (st: FpStepper) => void][] = [
      ["feq.d with sNaN", F.fcmp("feq", "d", a0, 1, 2), (st) => st.setD(2, 0x7ff0000000000001n)],
      ["flt.d with qNaN", F.fcmp("flt", "d", a0, 1, 2), (st) => st.setD(2, 0x7ff8000000000000n)],
      ["fcvt.w.d inexact", F.fcvtToInt("w", "d", a0, 1), (st) => st.setD(1, 0x3ff8000000000000n)],
      ["csrw fflags", csrw(CSR.fflags, 0), () => {}],
      ["csrw frm", csrw(CSR.frm, 0), () => {}],
      ["fld", F.fld(3, 0, a1), () => {}],
      ["c.fld", F.c_fld(10, 8, 11), () => {}],
      ["flw", F.flw(3, 0, a1), () => {}],
      ["fmv.d.x", F.fmvFromX("d", 3, a1), () => {}],
      ["fsgnj.d", F.sgnj("fsgnj", "d", 3, 1, 2), () => {}],
      ["fmin.d", F.fmin("d", 3, 1, 2), () => {}],
      ["fcvt.d.w", F.fcvtFromInt("d", "w", 3, a1), () => {}],
    ];
    for (const [name, word, prep] of dirty) {
      const st = clean();
      prep(st);
      expect(st.exec(word), name).toBe(1);
      expect(fsOf(st.h), name).toBe(3);
    }
  });

  it("an FP load that faults and an instruction with an invalid rounding mode leave FS alone", () => {
    const st = clean();
    st.h.mtvec = 0x8000_0000n + 0x10000n;
    st.setX(a1, 0x1000n); // no memory there
    expect(st.exec(F.fld(3, 0, a1))).toBe(0);
    expect(st.h.mcause).toBe(BigInt(CAUSE.LOAD_ACCESS));
    expect(fsOf(st.h)).toBe(2);
    expect(st.exec(F.arith("fadd", "d", 3, 1, 2), 5)).toBe(0);
    expect(st.h.mcause).toBe(BigInt(CAUSE.ILLEGAL));
    expect(fsOf(st.h)).toBe(2);
  });
});

describe("fcsr, frm, fflags", () => {
  it("fcsr = frm << 5 | fflags; the fields are views of one register; upper bits are read-only zero", () => {
    const st = new FpStepper();
    st.setX(a1, 0xfffn);
    expect(st.st.exec(csrrw(a0, CSR.fcsr, a1))).toBe(1);
    expect(st.getX(a0)).toBe(0n);
    expect(st.h.csrRead(CSR.fcsr)).toBe(0xffn);
    expect(st.h.csrRead(CSR.frm)).toBe(7n);
    expect(st.h.csrRead(CSR.fflags)).toBe(0x1fn);
    st.setX(a1, 0x2n);
    st.st.exec(csrrw(a0, CSR.frm, a1)); // fsrm: swaps frm only
    expect(st.getX(a0)).toBe(7n);
    expect(st.h.csrRead(CSR.fcsr)).toBe((2n << 5n) | 0x1fn);
    st.setX(a1, 0x21n);
    st.st.exec(csrrw(a0, CSR.fflags, a1)); // fsflags: swaps fflags only
    expect(st.getX(a0)).toBe(0x1fn);
    expect(st.h.csrRead(CSR.fcsr)).toBe((2n << 5n) | 0x1n);
  });

  it("the dynamic rounding mode applies to rm = 7 instructions; frm 5, 6 and 7 make them illegal", () => {
    const st = new FpStepper();
    st.h.mtvec = 0x8000_0000n + 0x10000n;
    st.setD(1, 0x3ff0000000000000n);
    st.setD(2, 0x3ca8000000000000n); // 0.75 ulp of 1
    const add = F.arith("fadd", "d", 10, 1, 2);
    expect(st.exec(add, 0)).toBe(1);
    expect(st.getD(10)).toBe(0x3ff0000000000001n);
    expect(st.exec(add, 1)).toBe(1);
    expect(st.getD(10)).toBe(0x3ff0000000000000n);
    for (const frm of [5, 6, 7]) {
      st.setD(10, 0n);
      for (const word of [
        add,
        F.fused("fmadd", "d", 10, 1, 2, 1),
        F.fsqrt("s", 10, 1),
        F.fcvtToInt("w", "d", a0, 1),
        F.fcvtFromInt("d", "w", 10, a1),
        F.fcvtFF("d", 10, 1),
        F.fcvtFF("s", 10, 1),
      ]) {
        expect(st.exec(word, frm), `frm ${frm}`).toBe(0);
        expect(st.h.mcause).toBe(2n);
        expect(st.h.mtval).toBe(BigInt(word));
      }
      expect(st.getD(10)).toBe(0n);
      // Instructions without a rounding mode do not care.
      expect(st.exec(F.sgnj("fsgnj", "d", 10, 1, 2), frm)).toBe(1);
      expect(st.exec(F.fmin("d", 10, 1, 2), frm)).toBe(1);
      expect(st.exec(F.fcmp("feq", "d", a0, 1, 2), frm)).toBe(1);
    }
  });

  it("the reserved static rounding modes 5 and 6 are illegal instructions", () => {
    const st = new FpStepper();
    st.h.mtvec = 0x8000_0000n + 0x10000n;
    for (const rm of [5, 6]) {
      for (const word of [
        F.arith("fadd", "s", 10, 1, 2, rm),
        F.fused("fnmadd", "d", 10, 1, 2, 3, rm),
        F.fcvtToInt("lu", "s", a0, 1, rm),
        F.fcvtFromInt("d", "w", 10, a1, rm),
      ]) {
        expect(st.exec(word)).toBe(0);
        expect([st.h.mcause, st.h.mtval]).toEqual([2n, BigInt(word)]);
      }
    }
  });

  it("an instruction's flags are ORed into fflags; csrr fflags reads them", () => {
    const st = new FpStepper();
    st.setD(1, 0x7ff0000000000001n);
    st.setD(2, 0x3ff8000000000000n);
    st.h.fflags = 0;
    st.st.exec(F.fcmp("feq", "d", a0, 1, 2));
    st.st.exec(F.fcvtToInt("w", "d", a0, 2));
    st.st.exec(csrr(a0, CSR.fflags));
    expect(st.getX(a0)).toBe(BigInt(NV | NX));
  });
});
