// A bare-metal guest through runBare: the console bytes, the exit status from the test finisher,
// the --stats report, --satp narrowing the modes satp takes, and ProgramErrors naming the program.

import { beforeAll, describe, expect, it } from "vitest";
import { loadTlbConfig, SV39, SV48 } from "../../src/mmu/index.js";
import {
  assembleElf,
  loadAssembler,
  type MachineSpec,
  ProgramError,
  runBare,
} from "../../src/session/index.js";
import { satpProbe } from "../helpers/programs.js";

beforeAll(loadAssembler);

const spec = (over: Partial<MachineSpec> = {}): MachineSpec => ({
  harts: 1,
  mem: 1 << 20,
  tlb: loadTlbConfig("tiny"),
  satp: null,
  maxInsns: Number.POSITIVE_INFINITY,
  ...over,
});

function run(src: string, over: Partial<MachineSpec> = {}) {
  let text = "";
  const r = runBare(assembleElf(src, "probe.s"), "probe.s", spec(over), {
    console: (b) => {
      text += String.fromCharCode(b);
    },
  });
  return { ...r, text };
}

describe("runBare", () => {
  it("runs to the test finisher: its status, the console, the counters", () => {
    const r = run(satpProbe(0));
    expect([r.result.exitCode, r.text]).toEqual([0, "Y\n"]);
    expect(r.report.instret).toBe(r.report.harts[0]!.instret);
    expect(r.report.instret).toBeGreaterThan(5);
    expect(run(satpProbe(3)).result.exitCode).toBe(3);
  });

  it("--satp leaves only its mode to satp", () => {
    expect(run(satpProbe(0), { satp: SV39 }).text).toBe("Y\n");
    expect(run(satpProbe(0), { satp: SV48 }).text).toBe("N\n");
  });

  it("stops at the instruction budget", () => {
    const r = run("_start: j _start\n", { maxInsns: 500 });
    expect(r.result.exitCode).toBe(124);
    expect(r.report.instret).toBe(500);
  });

  it("a program that cannot run here is a ProgramError naming it", () => {
    expect(() => run(satpProbe(0), { mem: 64 * 1024 })).not.toThrow();
    const far = assembleElf(".space 0x100000\n_start: j _start\n", "far.s");
    expect(() => runBare(far, "far.s", spec({ mem: 64 * 1024 }), { console: () => {} })).toThrow(
      ProgramError,
    );
    expect(() => runBare(far, "far.s", spec({ mem: 64 * 1024 }), { console: () => {} })).toThrow(
      /far.s: entry point 0x80100000 is outside RAM \[0x80000000, 0x80010000\) \(--mem 64K\)/,
    );
  });
});
