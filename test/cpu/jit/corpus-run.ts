// Running a guest case of the corpus with and without translation and comparing what a user
// sees (corpus.test.ts, corpus-tlb.test.ts).

import { expect } from "vitest";
import type { Machine } from "../../../src/cpu/index.js";
import { attachJit } from "../../../src/cpu/jit/index.js";
import { kernelStats, tlbReport } from "../../../src/session/index.js";
import { type Case, type CaseMachine, runCase } from "../../kernel/guest-cases.js";

/** The heat threshold of these runs: low, so that a short program's loops get regions. */
const JIT_TEST_HOT = 8;

/** Everything a run shows a user, wall time aside, and the instructions run translated. */
function outcome(c: Case, v: "nolibc" | "glibc", harts: number, how: CaseMachine) {
  const r = runCase(c, v, harts, "", how);
  const m = r.k.machine;
  return {
    seen: {
      stdout: r.stdout,
      stderr: r.stderr,
      status: r.t.exitCode,
      instret: m.harts.map((h) => h.instret),
      traps: m.harts.map((h) => h.traps),
      tlb: tlbReport(m),
      kernel: kernelStats(r.k),
    },
    executed: m.jit ? m.jit.stats().executed : 0,
  };
}

/** The machine hook that turns translation on at the test threshold. */
const withTestJit = (m: Machine): void => void attachJit(m, { hot: JIT_TEST_HOT });

/** Expect the same outcome with and without translation; returns the instructions translated. */
export function same(c: Case, v: "nolibc" | "glibc", harts = 1, tlb?: string): number {
  const base = tlb ? { tlb } : {};
  const plain = outcome(c, v, harts, base);
  const jit = outcome(c, v, harts, { ...base, setup: withTestJit });
  expect(jit.seen).toEqual(plain.seen);
  return jit.executed;
}
