// The CSR table (src/cpu/csrfile.ts): every named CSR has one entry, names and numbers agree
// with csr.ts, the privilege and read-only bits come from the number, and no read-only CSR has
// a write rule (csrOp refuses such writes, so one would be dead code or a mistake); which writes
// end the interpreter's chunk.

import { describe, expect, it } from "vitest";
import { csrTable } from "../../src/cpu/csrfile.js";

const CSRS = csrTable();

import { CSR, csrNumber, run } from "../../src/cpu/index.js";
import * as E from "../helpers/encode.js";
import { zero } from "../helpers/encode.js";
import { Stepper } from "../helpers/guest.js";

const entries = CSRS.filter((e) => e !== undefined);

describe("the CSR table", () => {
  it("has an entry for every CSR csr.ts names, at its number", () => {
    for (const [name, num] of Object.entries(CSR)) expect([name, CSRS[num]?.name]).toEqual([name, name]);
  });

  it("names each entry as csrNumber reads it back", () => {
    for (const e of entries) expect([e.name, csrNumber(e.name)]).toEqual([e.name, e.num]);
  });

  it("takes privilege and read-only from the number; read-only CSRs have no write rule", () => {
    for (const e of entries) {
      expect([e.name, e.priv, e.readOnly]).toEqual([e.name, (e.num >> 8) & 3, e.num >> 10 === 3]);
      if (e.readOnly) expect([e.name, e.write]).toEqual([e.name, undefined]);
    }
  });

  it("holds the numbered families: hpmcounter3-31, mhpmcounter3-31, mhpmevent3-31, pmpcfg0-14 (even), pmpaddr0-63", () => {
    const names = entries.map((e) => e.name);
    for (const fam of ["hpmcounter", "mhpmcounter", "mhpmevent"]) {
      expect(names.filter((n) => new RegExp(`^${fam}\\d+$`).test(n))).toHaveLength(29);
    }
    expect(names.filter((n) => /^pmpcfg\d+$/.test(n))).toEqual(
      [0, 2, 4, 6, 8, 10, 12, 14].map((i) => `pmpcfg${i}`),
    );
    expect(names.filter((n) => /^pmpaddr\d+$/.test(n))).toHaveLength(64);
  });

  it("keeps every bit of the plain registers: 64-bit ones whole, 32-bit ones unsigned", () => {
    const h = new Stepper().h;
    for (const csr of [CSR.mscratch, CSR.sscratch, CSR.mcause, CSR.stval]) {
      h.csrWrite(csr, 0xfedc_ba98_7654_3210n);
      expect([csr, h.csrRead(csr)]).toEqual([csr, 0xfedc_ba98_7654_3210n]);
    }
    for (const csr of [CSR.mcounteren, CSR.scounteren]) {
      h.csrWrite(csr, 0xffff_ffff_ffff_ffffn);
      expect([csr, h.csrRead(csr)]).toEqual([csr, 0xffff_ffffn]);
    }
  });
});

describe("a CSR write and the interpreter's chunk", () => {
  /** Run csrrw x0, csr, x0 and a nop with a budget of 2 in M-mode: how many retired. */
  function retiredAfterWrite(csr: number): number {
    const st = new Stepper();
    const h = st.h;
    const at = 0x8000_1000;
    const words = [E.csrw(csr, zero), E.addi(zero, zero, 0)];
    words.forEach((w, i) => {
      st.m.mem.i32[(at - 0x8000_0000) / 4 + i] = w;
    });
    h.mstatus = 0x6000; // FS on, so fcsr is accessible
    h.setPc(BigInt(at));
    return run(h, 2);
  }

  it("goes on after writes that change nothing the loop holds (fcsr, scratch and trap registers)", () => {
    for (const csr of [CSR.fflags, CSR.frm, CSR.fcsr, CSR.mscratch, CSR.mepc, CSR.mtvec, CSR.medeleg]) {
      expect([csr, retiredAfterWrite(csr)]).toEqual([csr, 2]);
    }
  });

  it("ends after writes to interrupt, status and translation CSRs", () => {
    for (const csr of [CSR.mstatus, CSR.sstatus, CSR.mie, CSR.sie, CSR.mip, CSR.mideleg, CSR.satp]) {
      expect([csr, retiredAfterWrite(csr)]).toEqual([csr, 1]);
    }
    const ending = entries.filter((e) => e.endsChunk).map((e) => e.name);
    expect(ending.sort()).toEqual(
      // tdata1: arming an execute trigger changes the interpreter variant (trigger.ts)
      [
        "menvcfg",
        "mideleg",
        "mie",
        "mip",
        "mstatus",
        "satp",
        "senvcfg",
        "sie",
        "sip",
        "sstatus",
        "tdata1",
      ].sort(),
    );
  });
});
