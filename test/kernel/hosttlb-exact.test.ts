// The host TLB under the kernel changes no counter, entry or replacement decision of the
// modelled TLB: a program that loads and stores across more pages than the model holds, with
// system calls that read its memory from the kernel in between, gives the same model state with
// the host TLB on and off. (The kernel translates between chunks; its accesses must be stamped
// with the hart's own count, the one a host-TLB hit would write.)

import { describe, expect, it } from "vitest";
import type { Paging } from "../../src/cpu/index.js";
import { boot, spawnAsm } from "./helpers.js";

/** `rounds` times: a load and a store to each of `pages` pages of .bss, then write(1, buf, 1). */
function program(pages: number, rounds: number): string {
  return `
    _start:
      li s1, ${rounds}
    round:
      la s0, buf
      li s2, ${pages}
    page:
      ld t0, 0(s0)
      addi t0, t0, 1
      sd t0, 0(s0)
      li t1, 4096
      add s0, s0, t1
      addi s2, s2, -1
      bnez s2, page
      li a0, 1
      la a1, buf
      li a2, 1
      li a7, 64
      ecall
      addi s1, s1, -1
      bnez s1, round
      li a0, 0
      li a7, 93
      ecall
    .bss
    .balign 4096
    buf: .zero ${pages * 4096}`;
}

function run(tlb: string, host: boolean) {
  const k = boot("kasan=off", { tlb });
  const h = k.machine.harts[0]!;
  h.hostTlbEnabled = host;
  const { t } = spawnAsm(k, program(7, 60));
  k.sched.run(50_000_000);
  const model = (h.translator as Paging).tlb;
  return {
    exit: t.exitCode,
    levels: model.levelCounters(),
    arrays: model.arrayCounters(),
    entries: model.entries(),
  };
}

describe("the host TLB under the kernel", () => {
  for (const tlb of ["tiny", "skylake", "champsim"]) {
    it(`changes nothing in the ${tlb} model`, () => {
      const on = run(tlb, true);
      const off = run(tlb, false);
      expect(on.exit).toBe(0);
      expect(on.levels.l1d.w.accesses).toBeGreaterThanOrEqual(7 * 60);
      expect(on).toEqual(off);
    });
  }
});
