// The machine a command builds (src/session/machine.ts), here its translation deferred: with a
// loader given (setJitLoader, as the `mmlab` command gives its chunk loader), newMachine loads
// no translator; a hart's first chunk past the process's starter share loads it and turns
// translation on for the whole machine (Hart.jitPending), and a report asks for it too
// (machineJit). A program that ends within the starter share never loads it; a longer one runs
// as it does with translation on from the start (the same result, report and state).

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
  machineJit,
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
    // the report turned it on (the file's one load), with nothing translated
    expect(loads).toBe(1);
    expect(r.machine.harts.map((h) => h.jitPending)).toEqual([null, null]);
    expect(r.jit).toMatchObject({ regions: 0, executed: 0, share: 0 });
  });

  it("a longer program loads it at its first jit chunk and runs as with translation from the start", async () => {
    const elf = loadBareProgram("guests/bin/bench_bare.elf");
    setJitLoader(countingLoader);
    expect(starterInsnsLeft()).toBeGreaterThan(0);
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

  it("machineJit turns pending translation on once and gives the machine's state", () => {
    setJitLoader(countingLoader);
    const m = newMachine(spec(1000), () => {});
    expect(m.jit).toBeNull();
    const j = machineJit(m);
    expect(j).not.toBeNull();
    expect(j).toBe(m.jit);
    expect(machineJit(m)).toBe(j);
    expect(m.harts.every((h) => h.jit !== null && h.jitPending === null)).toBe(true);
  });

  it("without a loader newMachine turns translation on at once (loadJit first)", async () => {
    await loadJit();
    const m = newMachine(spec(1000), () => {});
    expect(m.jit).not.toBeNull();
    expect(m.harts.map((h) => h.jitPending)).toEqual([null, null]);
  });
});
