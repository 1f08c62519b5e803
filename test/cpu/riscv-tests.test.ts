// The official riscv-tests ISA suites (riscv-software-src/riscv-tests with riscv-test-env) against
// mmlab: every test of a build the user points MMLAB_RISCV_TESTS at (riscv-tests' `isa/`
// directory after its own `make`, or any directory of its ELFs) runs in-process through runBare
// and must end with tohost = 1 (exit status 0), not a failed test number ((n << 1) | 1 gives
// status n), the instruction budget (124) or a stopped machine (3). `-p` tests run on bare
// physical memory, `-v` ones under riscv-test-env's vm.c (Sv39 or, built with -DSv48, Sv48).
// Pointed at riscv-tests' `benchmarks/` after its `make`, it runs the 13 scalar benchmarks
// (NAME.riscv), each checking its own result and printing through HTIF system calls; not the
// vec-* ones (they need V, which mmlab does not have) nor pmp (it needs PMP checks: mmlab keeps
// pmpcfg/pmpaddr but enforces nothing, and pmp ends with its test 2 failed).
//
// Each test runs twice more, interpreted and translated (every pc hot at once, so the whole test
// body runs as regions): the same result, `--stats=json` report, architectural state and RAM.
//
// The binaries are not in this repository: the terms under which this project may read the
// riscv-tests sources forbid committing their code, binaries built from it or a recipe that builds
// them. Without MMLAB_RISCV_TESTS the suite is reported skipped with that reason; the repository's
// own tests of the same situations are trigger.test.ts (rv64mi-p-breakpoint's sequence) and
// demand-paging.test.ts (what the -v environment does).

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Machine } from "../../src/cpu/index.js";
import { readElf } from "../../src/elf/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import { loadJit, type MachineSpec, runBare } from "../../src/session/index.js";
import { machineState, ramHash } from "../helpers/jitdiff.js";
import { stableReport } from "./jit/corpus-run.js";

const DIR = process.env.MMLAB_RISCV_TESTS ?? "";
const WHY = DIR
  ? `MMLAB_RISCV_TESTS=${DIR} is not a directory`
  : "the official riscv-tests binaries are not in the repository (their sources' terms here forbid " +
    "committing builds); set MMLAB_RISCV_TESTS to a riscv-tests isa/ build to run them";
const have = DIR !== "" && existsSync(DIR) && statSync(DIR).isDirectory();

/** An RV64 test binary as riscv-tests names it (`rv64ui-p-add`, `rv64si-p-icache-alias`; not the
 *  `.dump`s). */
const TEST_NAME = /^rv64[a-z]+-[pv]-[A-Za-z0-9_-]+$/;
/** The scalar programs of riscv-tests' benchmarks/ (its Makefile's base_bmarks less pmp). */
const BENCHMARK =
  /^(median|qsort|rsort|towers|vvadd|memcpy|multiply|mm|dhrystone|spmv|mt-vvadd|mt-matmul|mt-memcpy)\.riscv$/;

const spec: MachineSpec = {
  harts: 1,
  // vm.c (-v) keeps its page tables and the user's pages below 4 MiB of RAM.
  mem: 4 << 20,
  tlb: loadTlbConfig("tiny"),
  satp: null,
  // The longest of these retires well under a million instructions; a hang ends at the budget.
  maxInsns: 10_000_000,
};

/** Run one test ELF to its end: its exit status and the reason. */
function runTest(file: string): { exitCode: number; reason: string } {
  const name = file.split("/").pop()!;
  const elf = readElf(readFileSync(file), name);
  const { result } = runBare(elf, name, spec, { console: () => {} });
  return { exitCode: result.exitCode, reason: result.reason };
}

/** Instructions of the translated runs, and how many of them ran translated. */
const suite = { instret: 0, translated: 0 };

/** A test's whole run as a user sees it (wall time and the translator's own figures aside), on
 *  the same machine interpreted or with every pc translated at its first execution. */
function seenRun(file: string, jit: boolean): unknown {
  const name = file.split("/").pop()!;
  const elf = readElf(readFileSync(file), name);
  let machine: Machine | null = null;
  const { result, report } = runBare(
    elf,
    name,
    { ...spec, ...(jit ? { jit: { dump: null, required: true, hot: 1 } } : {}) },
    {
      console: () => {},
      onMachine: (m) => {
        machine = m;
        return undefined;
      },
    },
  );
  const m = machine as Machine | null;
  if (m === null) throw new Error("test: runBare gave no machine");
  if (jit) {
    suite.instret += report.harts.reduce((n, h) => n + h.instret, 0);
    suite.translated += report.jit?.executed ?? 0;
  }
  return { result, report: stableReport(report), state: machineState(m), ram: ramHash(m) };
}

const names = have ? readdirSync(DIR).filter((n) => TEST_NAME.test(n) || BENCHMARK.test(n)) : [];

describe.skipIf(!have)(`riscv-tests ISA suites (${have ? DIR : WHY})`, () => {
  it("the directory holds RV64 tests or benchmarks", () => {
    expect(names.length).toBeGreaterThan(0);
  });

  for (const name of names.sort()) {
    it(`${name} passes (tohost = 1)`, () => {
      expect(runTest(join(DIR, name))).toEqual({ exitCode: 0, reason: "tohost: pass" });
    });
  }
});

describe.skipIf(!have)(`riscv-tests translated: the interpreter's run (${have ? DIR : WHY})`, () => {
  beforeAll(loadJit);

  for (const name of names.sort()) {
    it(`${name}: the same run translated`, () => {
      const file = join(DIR, name);
      expect(seenRun(file, true)).toEqual(seenRun(file, false));
    });
  }

  // A few rv64mi tests end before any pc is entered twice; the rest run as regions.
  it("most of the suite's instructions ran translated", () => {
    expect(suite.translated).toBeGreaterThan(suite.instret / 2);
  });
});
