// The official riscv-tests ISA suites (riscv-software-src/riscv-tests, -p variants: physical
// memory, one hart, the M-mode env reporting through HTIF tohost), built by
// guests/riscv-tests/build.sh and committed in guests/riscv-tests/bin/: every one runs in-process
// through runBare and must end with tohost = 1 (exit status 0), not a failed test number
// ((n << 1) | 1 gives status n), the instruction budget (124) or a stopped machine (3).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readElf } from "../../src/elf/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import { type MachineSpec, runBare } from "../../src/session/index.js";

const BIN = join(__dirname, "../../guests/riscv-tests/bin");

/** How many tests each suite's Makefrag lists (rv64XX_sc_tests) at the commit in guests/README.md. */
const SUITES: Record<string, number> = {
  rv64ui: 54,
  rv64um: 13,
  rv64ua: 19,
  rv64uc: 1,
  rv64uf: 11,
  rv64ud: 12,
  rv64mi: 17,
  rv64si: 7,
};

/**
 * Official tests mmlab fails today: the name, the failing test number (the status it ends with)
 * and why. Each must still fail with that number, so fixing one means removing it from here.
 */
const KNOWN_FAILURES: Record<string, { status: number; why: string }> = {};

const spec: MachineSpec = {
  harts: 1,
  mem: 4 << 20,
  tlb: loadTlbConfig("tiny"),
  satp: null,
  // The longest of these retires well under a million instructions; a hang ends at the budget.
  maxInsns: 10_000_000,
};

/** Run one committed test ELF to its end: its exit status and the reason. */
function runTest(name: string): { exitCode: number; reason: string } {
  const elf = readElf(readFileSync(join(BIN, name)), name);
  const { result } = runBare(elf, name, spec, { console: () => {} });
  return { exitCode: result.exitCode, reason: result.reason };
}

const names = readdirSync(BIN).sort();

describe("riscv-tests ISA suites (-p)", () => {
  it("the committed ELFs are every test of every suite", () => {
    const counts: Record<string, number> = {};
    for (const n of names) {
      const suite = n.split("-p-")[0]!;
      counts[suite] = (counts[suite] ?? 0) + 1;
    }
    expect(counts).toEqual(SUITES);
    for (const k of Object.keys(KNOWN_FAILURES)) expect(names).toContain(k);
  });

  for (const name of names) {
    const known = KNOWN_FAILURES[name];
    if (known) {
      it(`${name} still fails test ${known.status} (known: ${known.why})`, () => {
        const r = runTest(name);
        expect({ exitCode: r.exitCode, reason: r.reason }).toEqual({
          exitCode: known.status,
          reason: `tohost: test ${known.status} failed`,
        });
      });
    } else {
      it(`${name} passes (tohost = 1)`, () => {
        const r = runTest(name);
        expect({ exitCode: r.exitCode, reason: r.reason }).toEqual({ exitCode: 0, reason: "tohost: pass" });
      });
    }
  }
});
