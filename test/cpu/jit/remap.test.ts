// Translated code and address-space changes: a loop calls a function whose page the test remaps
// (between chunks, as a kernel would) to a page holding other code, or unmaps. A region is
// reached only through the translated fetch, so after sfence.vma (all, by address, by ASID, by
// address and ASID) or a switch of satp to another root the new code runs, and without a fence
// (or with one for another ASID) the modelled TLB's stale entry keeps running the old code; an
// unmapped page faults at the call (the M handler returns to the caller) — with and without
// translation alike, counters included. The calls and returns cross pages between regions, so
// the hub chains them in wasm through the host iTLB.

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
/** The M-mode handler of the fetch page faults an unmapped function page gives (satp does not
 *  apply in M): count in s4, go back to the caller (ra) in S. */
const HANDLER_PA = RAM_BASE + 0x30_0000;

type Change =
  | "sfence-all"
  | "sfence-va"
  | "sfence-asid"
  | "sfence-va-asid"
  | "sfence-va-other-asid"
  | "satp"
  | "unmap"
  | "none";
/** The changes after which the stale entry may still run the old code. */
const STALE: readonly Change[] = ["none", "sfence-va-other-asid"];

function remapRun(jit: boolean, change: Change): { m: Machine; s2: bigint; s4: bigint; steps: number } {
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
  m.mem.load(
    HANDLER_PA,
    assemble("addi s4, s4, 1\n csrw mepc, ra\n li t0, 0x800\n csrs mstatus, t0\n mret", {
      base: BigInt(HANDLER_PA),
    }).toFlat(),
  );
  h.csrWrite(CSR.mtvec, BigInt(HANDLER_PA));
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
  // n chunks' worth of instructions (a trap to M and the mret back end a chunk early)
  const chunks = (n: number): void => {
    const until = h.steps + n * 1000;
    while (h.steps < until) run(h, Math.min(1000, until - h.steps));
  };
  chunks(60);
  if (change === "satp") {
    h.csrWrite(CSR.satp, makeSatp(SATP_SV48, 2, table(FUNC_PA[1]!)));
  } else if (change !== "unmap") {
    // remap the function's page in place (same root, same ASID)
    clearLeaf(m.mem, SV48, root, Number(FUNC_VA >> 12n), 0);
    mapLeaf(m.mem, SV48, root, Number(FUNC_VA >> 12n), FUNC_PA[1]! / 4096, 0, flags, alloc);
    if (change === "sfence-all") h.sfenceLocal(undefined, undefined);
    if (change === "sfence-va") h.sfenceLocal(FUNC_VA, undefined);
    if (change === "sfence-asid") h.sfenceLocal(undefined, 1);
    if (change === "sfence-va-asid") h.sfenceLocal(FUNC_VA, 1);
    if (change === "sfence-va-other-asid") h.sfenceLocal(FUNC_VA, 2);
  } else {
    clearLeaf(m.mem, SV48, root, Number(FUNC_VA >> 12n), 0);
    h.sfenceLocal(FUNC_VA, undefined);
  }
  chunks(60);
  return { m, s2: h.reg(18), s4: h.reg(20), steps: h.steps };
}

describe("translator: address-space changes", () => {
  const changes: Change[] = [
    "sfence-all",
    "sfence-va",
    "sfence-asid",
    "sfence-va-asid",
    "sfence-va-other-asid",
    "satp",
    "unmap",
    "none",
  ];
  for (const change of changes) {
    const what = STALE.includes(change)
      ? "the stale entry keeps the old code"
      : change === "unmap"
        ? "every call faults at the function's pc"
        : "the new code runs";
    it(`remapped code page, then ${change}: ${what}`, () => {
      const plain = remapRun(false, change);
      const jit = remapRun(true, change);
      expect(machineState(jit.m)).toEqual(machineState(plain.m));
      expect(ramHash(jit.m)).toBe(ramHash(plain.m));
      expect(jit.m.jit!.stats().executed).toBeGreaterThan(jit.steps / 10);
      // the calls and returns between the two pages chain in wasm (the hub's crossing through
      // the host iTLB), before the change and, unless it unmaps, after it
      expect(jit.m.jit!.stats().chainedWasm).toBeGreaterThan(jit.steps / 20);
      if (change === "unmap") {
        // 60 chunks of 6-instruction calls before; after, 4 instructions a pass (jal, the
        // fault's handler returns to the caller: addi, bnez, and the handler's 5 in M)
        const before = Math.floor(60_000 / 6);
        expect(Number(jit.s2)).toBeGreaterThanOrEqual(before - 1);
        expect(Number(jit.s2)).toBeLessThanOrEqual(before + 1);
        expect(jit.s4).toBeGreaterThan(5000n);
        expect(jit.m.harts[0]!.mcause).toBe(12n); // instruction page fault
        expect(jit.m.harts[0]!.mtval).toBe(FUNC_VA);
        return;
      }
      expect(jit.s4).toBe(0n);
      // calls before the change add 1 to s2 each; after it 2 each, unless the stale entry stays
      const calls = jit.steps / 6; // jal, addi, bnez and the function's addi, add, ret
      if (STALE.includes(change)) expect(Number(jit.s2)).toBeCloseTo(calls, -1);
      else expect(jit.s2).toBeGreaterThan(BigInt(Math.floor(calls * 1.4)));
    });
  }
});
