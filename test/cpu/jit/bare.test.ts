// Translation against the interpreter on the bare-metal programs, run as `mmlab run --bare` and
// `mmlab demo` run them (src/session's runBare: the machine, the counters, the console): the
// bare benchmark (guests/bin/bench_bare.elf), the paging guest (bare_paging.elf, on every TLB
// preset), the demo and examples/hello.s, on 1, 2 and 4 harts. The same console output, run
// result, `--stats=json` report (wall time, MIPS and the translator's own figures aside),
// architectural state (registers, pc, privilege, trap CSRs, the modelled TLB's counters,
// entries and stamps) and RAM, with and without translation. The threshold is low
// (JIT_TEST_HOT) so that short loops run translated code too.

import { beforeAll, describe, expect, it } from "vitest";
import type { Machine } from "../../../src/cpu/index.js";
import type { ElfFile } from "../../../src/elf/index.js";
import { loadTlbConfig, TLB_PRESETS } from "../../../src/mmu/index.js";
import {
  assembleElf,
  DEMO_SOURCE,
  loadAssembler,
  loadBareProgram,
  loadJit,
  runBare,
} from "../../../src/session/index.js";
import { machineState, ramHash } from "../../helpers/jitdiff.js";
import { JIT_TEST_HOT, stableReport } from "./corpus-run.js";

const MEM = 16 << 20;

/** A run's result, output, report (what varies run to run left out), state and RAM. */
function bareRun(elf: ElfFile, harts: number, tlb: string, maxInsns: number, jit: boolean) {
  const out: number[] = [];
  let machine: Machine | null = null;
  const { result, report } = runBare(
    elf,
    "guest",
    {
      harts,
      mem: MEM,
      tlb: loadTlbConfig(tlb),
      satp: null,
      maxInsns,
      ...(jit ? { jit: { dump: null, required: true, hot: JIT_TEST_HOT } } : {}),
    },
    {
      console: (b) => void out.push(b),
      onMachine: (m) => {
        machine = m;
        return undefined;
      },
    },
  );
  const m = machine as Machine | null;
  if (m === null) throw new Error("test: runBare gave no machine");
  return {
    seen: {
      result,
      out: Buffer.from(out).toString("latin1"),
      report: stableReport(report),
      state: machineState(m),
      ram: ramHash(m),
    },
    executed: report.jit?.executed ?? 0,
  };
}

/** Expect the same run with and without translation; returns the instructions translated. */
function same(elf: ElfFile, harts: number, tlb: string, maxInsns: number): number {
  const plain = bareRun(elf, harts, tlb, maxInsns, false);
  const jit = bareRun(elf, harts, tlb, maxInsns, true);
  expect(jit.seen).toEqual(plain.seen);
  return jit.executed;
}

describe("translation on the bare-metal programs: the same run as the interpreter's", () => {
  beforeAll(async () => {
    await loadJit();
    await loadAssembler();
  });

  for (const harts of [1, 2, 4]) {
    it(`bench_bare.elf, 2 M instructions, ${harts} hart(s): most of it translated`, () => {
      const n = same(loadBareProgram("guests/bin/bench_bare.elf"), harts, "skylake", 2_000_000);
      expect(n).toBeGreaterThan(1_000_000);
    });
    it(`the demo, 3 M instructions, ${harts} hart(s)`, () => {
      const n = same(assembleElf(DEMO_SOURCE, "demo.s"), harts, "skylake", 3_000_000);
      expect(n).toBeGreaterThan(1_000_000);
    });
    it(`examples/hello.s, ${harts} hart(s)`, () => {
      same(loadBareProgram("examples/hello.s"), harts, "skylake", 1_000_000);
    });
    // every TLB preset on 1 hart, the default one on more
    for (const tlb of harts === 1 ? Object.keys(TLB_PRESETS) : ["skylake"])
      it(`bare_paging.elf, ${tlb}, ${harts} hart(s)`, () => {
        same(loadBareProgram("guests/bin/bare_paging.elf"), harts, tlb, 1_000_000);
      });
  }
});
