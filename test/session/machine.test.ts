// The machine a command builds (src/session/machine.ts), here its translation deferred: with a
// loader given (setJitLoader, as the `mmlab` command gives its chunk loader), newMachine loads
// no translator; a hart's first chunk past the process's starter share loads it and turns
// translation on for the whole machine (Hart.jitPending) once the program has shown hot code
// (interp.ts's heat probe); a report of a machine still pending gives a translating machine's
// zeros (machineJitStats). A program that ends within the starter share never loads it, nor
// one whose code runs once; a longer one with hot
// code runs as it does with translation on from the start (the same result, report and state).
// The tests run in order: the starter share and the probe are the process's.

import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Machine } from "../../src/cpu/index.js";
import { STARTER_INSNS, starterInsnsLeft } from "../../src/cpu/interp.js";
import * as Jit from "../../src/cpu/jit/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import {
  assembleElf,
  loadAssembler,
  loadBareProgram,
  loadJit,
  type MachineSpec,
  machineJitStats,
  newMachine,
  prepareBare,
  setJitLoader,
} from "../../src/session/index.js";
import { stableReport } from "../cpu/jit/corpus-run.js";
import { machineState, ramHash } from "../helpers/jitdiff.js";
import { satpProbe } from "../helpers/programs.js";

beforeAll(loadAssembler);
afterEach(() => setJitLoader(null));

/** Loads of the translator through the loader given to setJitLoader (the session keeps the
 *  module once loaded: one load in this file). */
let loads = 0;
const countingLoader = (): typeof Jit => {
  loads++;
  return Jit;
};

const spec = (maxInsns: number): MachineSpec => ({
  harts: 2,
  mem: 16 << 20,
  tlb: loadTlbConfig("skylake"),
  satp: null,
  maxInsns,
  jit: { dump: null, required: false, hot: 64 },
});

/** Run a bare program on a machine of spec(maxInsns): the translator's loads during the run
 *  (before the report), whether the machine translated by its end and which harts were still
 *  pending; what the run showed (result, console, report, state, RAM) and the jit report. */
function runProgram(elf: ReturnType<typeof assembleElf>, maxInsns: number) {
  const out: number[] = [];
  const { machine, stats } = prepareBare(elf, "guest", spec(maxInsns), { console: (b) => void out.push(b) });
  const before = loads;
  const result = stats.run(maxInsns);
  const during = loads - before;
  const pending = machine.harts.map((h) => h.jitPending !== null);
  const translating = machine.jit !== null;
  const report = stats.report(result);
  return {
    during,
    pending,
    translating,
    machine,
    seen: {
      result,
      out: Buffer.from(out).toString("latin1"),
      report: stableReport(report),
      state: machineState(machine),
      ram: ramHash(machine),
    },
    jit: report.jit,
  };
}

describe("translation deferred until a hart needs it (setJitLoader)", () => {
  it("newMachine loads no translator and marks every hart pending", () => {
    setJitLoader(countingLoader);
    const m: Machine = newMachine(spec(1000), () => {});
    expect([loads, m.jit]).toEqual([0, null]);
    expect(m.harts.map((h) => h.jitPending !== null)).toEqual([true, true]);
  });

  it("a program within the starter share never loads it; its report is a translating machine's", () => {
    expect(starterInsnsLeft()).toBe(STARTER_INSNS); // nothing ran yet in this file
    setJitLoader(countingLoader);
    const r = runProgram(assembleElf(satpProbe(0), "probe.s"), Number.POSITIVE_INFINITY);
    expect(r.seen.out).toBe("Y\n");
    expect(r.machine.harts.reduce((n, h) => n + h.steps, 0)).toBeLessThan(STARTER_INSNS);
    expect([r.during, r.translating, r.pending]).toEqual([0, false, [true, true]]);
    // nor did the report, whose figures are those of a machine translating from the start
    expect(loads).toBe(0);
    expect(r.machine.harts.map((h) => h.jitPending !== null)).toEqual([true, true]);
    const m = newMachine({ ...spec(1000), jit: undefined }, () => {});
    expect(r.jit).toEqual({ ...Jit.attachJit(m).stats(), share: 0 });
  });

  it("a program whose code runs once past the starter share never loads it (the plain variant runs it)", () => {
    setJitLoader(countingLoader);
    const loops = Array.from(
      { length: 64 },
      (_, k) =>
        `\n    li s1, 40\nonce${k}:\n    addi a0, a0, ${k + 1}\n    addi s1, s1, -1\n    bnez s1, once${k}`,
    );
    const src = `\n    .text\n    .globl _start\n_start:${loops.join("")}\n    li t0, 0x100000\n    li t1, 0x5555\n    sw t1, 0(t0)\n9:  j 9b\n`;
    const r = runProgram(assembleElf(src, "once.s"), Number.POSITIVE_INFINITY);
    expect(r.seen.result.exitCode).toBe(0);
    expect(r.machine.harts[0]!.steps).toBeGreaterThan(STARTER_INSNS);
    expect(starterInsnsLeft()).toBe(0);
    expect([r.during, r.translating, r.pending]).toEqual([0, false, [true, true]]);
  });

  it("a longer program with hot code loads it and runs as with translation from the start", async () => {
    // (the share is used up: the plain variant's samples find the hot code, interp.ts)
    const elf = loadBareProgram("guests/bin/bench_bare.elf");
    setJitLoader(countingLoader);
    const deferred = runProgram(elf, 400_000);
    expect([deferred.translating, deferred.pending]).toEqual([true, [false, false]]);
    expect(deferred.jit?.executed).toBeGreaterThan(0);
    setJitLoader(null);
    await loadJit();
    const eager = runProgram(elf, 400_000);
    expect([eager.translating, eager.pending]).toEqual([true, [false, false]]);
    // (the translator's own figures differ: the deferred run began in the starter variant,
    // whose share the eager one, later in the process, no longer has)
    expect(deferred.seen).toEqual(eager.seen);
  });

  it("machineJitStats: a pending machine's zeros without loading, the translator's own once on", () => {
    setJitLoader(countingLoader);
    const m = newMachine(spec(1000), () => {});
    const before = loads;
    expect(machineJitStats(m)).toMatchObject({ regions: 0, insns: 0, executed: 0, translateMs: 0 });
    expect([loads - before, m.jit]).toEqual([0, null]);
    m.harts[0]!.jitPending!.start();
    expect(m.harts.every((h) => h.jit !== null && h.jitPending === null)).toBe(true);
    expect(machineJitStats(m)).toEqual(m.jit!.stats());
    expect(machineJitStats(newMachine({ ...spec(1000), jit: undefined }, () => {}))).toBeNull();
  });

  it("without a loader newMachine turns translation on at once (loadJit first)", async () => {
    await loadJit();
    const m = newMachine(spec(1000), () => {});
    expect(m.jit).not.toBeNull();
    expect(m.harts.map((h) => h.jitPending)).toEqual([null, null]);
  });
});
