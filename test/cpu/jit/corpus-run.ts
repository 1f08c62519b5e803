// Running a guest case of the corpus with and without translation and comparing what a user
// sees (corpus.test.ts, corpus-tlb.test.ts): output, exit status, the `--stats=json` report
// (wall time, MIPS and the translator's own figures aside) and the harts' architectural state.

import { expect } from "vitest";
import type { Machine } from "../../../src/cpu/index.js";
import { attachJit } from "../../../src/cpu/jit/index.js";
import { kernelStats, StatsCollector, type StatsReport } from "../../../src/session/index.js";
import { machineState } from "../../helpers/jitdiff.js";
import { type Case, type CaseMachine, runCase } from "../../kernel/guest-cases.js";

/** The heat threshold of these runs: low, so that a short program's loops get regions. */
export const JIT_TEST_HOT = 8;

/** The report without wall time, MIPS and the translator's figures (present only with it). */
export function stableReport(r: StatsReport): unknown {
  const { wallSeconds: _w, mips: _m, jit: _j, harts, ...rest } = r;
  return { ...rest, harts: harts.map(({ wallSeconds: _hw, mips: _hm, ...h }) => h) };
}

/** Everything a run shows a user, wall time aside, and the instructions run translated. */
function outcome(c: Case, v: "nolibc" | "glibc", harts: number, how: CaseMachine, jit: boolean) {
  let stats: StatsCollector | null = null;
  const setup = (m: Machine): void => {
    how.setup?.(m);
    stats = new StatsCollector(m); // as --stats does: trap counts by cause, clocks
    if (jit) attachJit(m, { hot: JIT_TEST_HOT });
  };
  const r = runCase(c, v, harts, "", { ...how, setup });
  const m = r.k.machine;
  const collected = stats as StatsCollector | null;
  if (collected === null) throw new Error("test: the case's machine was not set up");
  const report = collected.report({ exitCode: r.t.exitCode ?? -1, reason: "" });
  return {
    seen: {
      stdout: r.stdout,
      stderr: r.stderr,
      status: r.t.exitCode,
      report: stableReport(report),
      kernel: kernelStats(r.k),
      state: machineState(m),
    },
    executed: m.jit ? m.jit.stats().executed : 0,
  };
}

/** Expect the same outcome with and without translation; returns the instructions translated. */
export function same(c: Case, v: "nolibc" | "glibc", harts = 1, tlb?: string): number {
  const base = tlb ? { tlb } : {};
  const plain = outcome(c, v, harts, base, false);
  const jit = outcome(c, v, harts, base, true);
  expect(jit.seen).toEqual(plain.seen);
  return jit.executed;
}
