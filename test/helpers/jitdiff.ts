// Differential runs for the translator's tests: the same guest with and without translation to
// WebAssembly (src/cpu/jit), and the architectural state, output, exit and modelled-TLB
// counters that must come out identical.

import { expect } from "vitest";
import { type Hart, type Machine, type Paging, PRIV_S } from "../../src/cpu/index.js";
import { attachJit } from "../../src/cpu/jit/index.js";
import { type PagedGuest, runPagedGuest } from "./paged.js";

/** Everything a run must leave the same with translation on: per hart the registers (x0-x31,
 *  f0-f31, fflags and frm, the LR reservation),
 *  pc, privilege, counters and trap CSRs, the modelled TLB's counters, entries and stamps. */
export function machineState(m: Machine): unknown {
  return m.harts.map((h) => {
    const tlb = (h.translator as Paging).tlb;
    return {
      x: Array.from(h.x.subarray(0, 64)),
      f: Array.from(h.fi),
      fcsr: [h.fflags, h.frm],
      resv: h.resv,
      pc: h.pcBig(),
      priv: h.priv,
      steps: h.steps,
      traps: h.traps,
      csr: [h.mepc, h.mcause, h.mtval, h.sepc, h.scause, h.stval, h.mstatus, h.satp],
      levels: tlb.levelCounters(),
      arrays: tlb.arrayCounters(),
      entries: tlb.entries(),
      stamp: Array.from(tlb.stamp),
      flushes: { ...tlb.flushes },
      walks: Object.fromEntries(Object.entries(tlb.walks).map(([k, v]) => [k, [...v]])),
    };
  });
}

/** A hash of RAM (FNV-1a over 32-bit words): compares memories without holding copies. */
export function ramHash(m: Machine): number {
  const w = m.mem.i32;
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (v !== 0) h = Math.imul(h ^ v ^ i, 0x01000193);
  }
  return h >>> 0;
}

/** Set up translation on `m` (a setup hook for the guest runners), keeping every region (the
 *  tests check that translated code runs). */
export function withJit(m: Machine): void {
  attachJit(m, { keepAll: true, hot: 64 });
}

/** Run `make` twice, plain and with translation (`make(true)` attaches it), and expect the same
 *  state, RAM and result; returns the translated run's machine and its share of translated
 *  instructions. */
export function expectSameRuns<R extends { m: Machine }>(
  make: (jit: boolean) => R,
  extra: (r: R) => unknown = () => null,
): { plain: R; jit: R; executed: number } {
  const plain = make(false);
  const jit = make(true);
  expect(machineState(jit.m)).toEqual(machineState(plain.m));
  expect(ramHash(jit.m)).toBe(ramHash(plain.m));
  expect(extra(jit)).toEqual(extra(plain));
  return { plain, jit, executed: jit.m.jit?.stats().executed ?? 0 };
}

/** `source` run in S-mode on the skylake TLB (4 KiB of data, host TLB on), load and store page
 *  faults delegated to S and `setup` applied, without and with translation (expectSameRuns,
 *  the exit results compared too). */
export function sameDelegatedRuns(
  source: string,
  setup: (h: Hart) => void,
): { plain: PagedGuest; jit: PagedGuest; executed: number } {
  return expectSameRuns(
    (j) =>
      runPagedGuest({
        tlb: "skylake",
        source,
        dataBytes: 4096,
        host: true,
        priv: PRIV_S,
        jit: j,
        setup: (h) => {
          h.medeleg = (1 << 13) | (1 << 15); // load and store page faults to S
          setup(h);
        },
      }),
    (g) => g.res,
  );
}
