// The interpreter warm-up (src/cpu/warmup.ts): it must execute every op of the ISA and every
// branch both ways, in both variants, and leave every machine a user runs untouched.

import { describe, expect, it } from "vitest";
import {
  insnInfo,
  MNEMONICS,
  type Mnemonic,
  OPS,
  type Paging,
  tracingInterpreter,
  warmInterpreter,
} from "../../src/cpu/index.js";
import type { ColdFn, RunFn } from "../../src/cpu/interp.js";
import { warmVariant } from "../../src/cpu/warmup.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import * as E from "../helpers/encode.js";
import { a0 } from "../helpers/encode.js";
import { Stepper } from "../helpers/guest.js";

describe("the interpreter warm-up", () => {
  /** Per variant (bare, paged): the ops a warm-up executes and its branches' outcomes. */
  interface Seen {
    ops: Set<Mnemonic>;
    taken: Set<Mnemonic>;
    notTaken: Set<Mnemonic>;
  }
  const seen = { bare: newSeen(), paged: newSeen() };
  function newSeen(): Seen {
    return { ops: new Set(), taken: new Set(), notTaken: new Set() };
  }
  let branch: { name: Mnemonic; pc: number; into: Seen } | null = null;
  const interp = tracingInterpreter((h, pcLo, _pcHi, ramOff) => {
    const pc = pcLo >>> 0;
    if (branch) (pc === branch.pc + 8 ? branch.into.taken : branch.into.notTaken).add(branch.name);
    branch = null;
    const into = h.pagingActive() ? seen.paged : seen.bare;
    const dc = h.code.lookup(ramOff - (ramOff % 4096))!;
    const op = dc[(ramOff & 4094) * 2]!;
    const name = MNEMONICS[op - OPS.lui];
    if (name === undefined) return;
    into.ops.add(name);
    if (insnInfo(op).format === "B") branch = { name, pc, into };
  });
  const tlb = loadTlbConfig("skylake");

  it("leaves a machine the user runs as it was", () => {
    const st = new Stepper();
    st.exec(E.addi(a0, a0, 5), [[a0, 0x1234n]]);
    const h = st.h;
    const snapshot = (): unknown => [
      [...h.x],
      h.pcBig(),
      h.steps,
      h.traps,
      h.mstatus,
      (h.translator as Paging).tlb.levelCounters(),
      st.m.mem.u8.reduce((a, b) => (a * 31 + b) >>> 0, 0),
    ];
    const before = snapshot();
    warmInterpreter(interp, tlb);
    expect(snapshot()).toEqual(before);
  });

  for (const variant of ["bare", "paged"] as const) {
    it(`executes every op, and every branch taken and not taken (${variant})`, () => {
      warmInterpreter(interp, tlb); // once per interpreter: a second call does nothing
      const { ops, taken, notTaken } = seen[variant];
      expect(MNEMONICS.filter((m) => !ops.has(m))).toEqual([]);
      const branches = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];
      expect([...taken].sort()).toEqual([...branches].sort());
      expect([...notTaken].sort()).toEqual([...branches].sort());
    });
  }
});

describe("priming cold() before the passes", () => {
  it("calls one op of each cold() group 500 times directly, and runs no loop through run()", () => {
    let insns = 0;
    const real = tracingInterpreter(() => {
      insns++;
    }).bare as RunFn & { cold: ColdFn };
    let coldCalls = 0;
    const spy: ColdFn = (...args) => {
      coldCalls++;
      return real.cold(...args);
    };
    const fn = Object.assign((...args: Parameters<RunFn>) => real(...args), { cold: spy });
    warmVariant(fn, false, loadTlbConfig("skylake"));
    expect(coldCalls).toBe(4 * 500);
    // four passes of the program: no priming loop (6,000 instructions) through run(), whose
    // ticks made V8 optimize run() before the passes had given their feedback
    expect(insns).toBeGreaterThan(4 * 300);
    expect(insns).toBeLessThan(4 * 600);
  });
});
