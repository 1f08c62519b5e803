// Translated code and address-space changes: a loop calls a function whose page the test remaps
// (between chunks, as a kernel would) to a page holding other code. A region is reached only
// through the translated fetch, so after sfence.vma (all, by address, by ASID) or a switch of
// satp to another root the new code runs, and without a fence the modelled TLB's stale entry
// keeps running the old code — with and without translation alike, counters included.

import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/asm/index.js";
import { CSR, Machine, PRIV_S, run } from "../../../src/cpu/index.js";
import { attachJit } from "../../../src/cpu/jit/index.js";
import {
  clearLeaf,
  makeSatp,
  mapLeaf,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_W,
  PTE_X,
  RAM_BASE,
  SATP_SV48,
  SV48,
} from "../../../src/mmu/index.js";
import { machineState, ramHash } from "../../helpers/jitdiff.js";

const CODE_VA = 0x10000n;
const FUNC_VA = 0x40000n;
const CODE_PA = RAM_BASE + 0x10_0000;
const FUNC_PA = [RAM_BASE + 0x20_0000, RAM_BASE + 0x20_1000];

type Change = "sfence-all" | "sfence-va" | "sfence-asid" | "satp" | "none";

function remapRun(jit: boolean, change: Change): { m: Machine; s2: bigint; steps: number } {
  const m = new Machine({ mem: 64 << 20, tlb: "skylake" });
  if (jit) attachJit(m, { keepAll: true, hot: 64 });
  const h = m.harts[0]!;
  m.mem.load(
    CODE_PA,
    assemble(
      `_start:
    li s0, 100000
1:  jal ra, ${FUNC_VA}
    addi s0, s0, -1
    bnez s0, 1b
2:  j 2b`,
      { base: CODE_VA },
    ).toFlat(),
  );
  FUNC_PA.forEach((pa, i) => {
    m.mem.load(pa, assemble(`addi s2, s2, ${i + 1}\n add s3, s3, s2\n ret`, { base: FUNC_VA }).toFlat());
  });
  let next = (RAM_BASE + (64 << 20)) / 4096;
  const alloc = (): number => --next;
  const flags = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
  const table = (funcPa: number): number => {
    const root = alloc();
    mapLeaf(m.mem, SV48, root, Number(CODE_VA >> 12n), CODE_PA / 4096, 0, flags, alloc);
    mapLeaf(m.mem, SV48, root, Number(FUNC_VA >> 12n), funcPa / 4096, 0, flags, alloc);
    return root;
  };
  const root = table(FUNC_PA[0]!);
  h.csrWrite(CSR.satp, makeSatp(SATP_SV48, 1, root));
  h.priv = PRIV_S;
  h.setPc(CODE_VA);
  const chunks = (n: number): void => {
    for (let i = 0; i < n; i++) run(h, 1000);
  };
  chunks(60);
  if (change === "satp") {
    h.csrWrite(CSR.satp, makeSatp(SATP_SV48, 2, table(FUNC_PA[1]!)));
  } else {
    // remap the function's page in place (same root, same ASID)
    clearLeaf(m.mem, SV48, root, Number(FUNC_VA >> 12n), 0);
    mapLeaf(m.mem, SV48, root, Number(FUNC_VA >> 12n), FUNC_PA[1]! / 4096, 0, flags, alloc);
    if (change === "sfence-all") h.sfenceLocal(undefined, undefined);
    if (change === "sfence-va") h.sfenceLocal(FUNC_VA, undefined);
    if (change === "sfence-asid") h.sfenceLocal(undefined, 1);
  }
  chunks(60);
  return { m, s2: h.reg(18), steps: h.steps };
}

describe("translator: address-space changes", () => {
  for (const change of ["sfence-all", "sfence-va", "sfence-asid", "satp", "none"] as const) {
    it(`remapped code page, then ${change}: ${change === "none" ? "the stale entry keeps the old code" : "the new code runs"}`, () => {
      const plain = remapRun(false, change);
      const jit = remapRun(true, change);
      expect(machineState(jit.m)).toEqual(machineState(plain.m));
      expect(ramHash(jit.m)).toBe(ramHash(plain.m));
      expect(jit.m.jit!.stats().executed).toBeGreaterThan(jit.steps / 10);
      // calls before the change add 1 to s2 each; after it 2 each, unless the stale entry stays
      const calls = jit.steps / 6; // jal, addi, bnez and the function's addi, add, ret
      if (change === "none") expect(Number(jit.s2)).toBeCloseTo(calls, -1);
      else expect(jit.s2).toBeGreaterThan(BigInt(Math.floor(calls * 1.4)));
    });
  }
});
