// "Same program and flags → same output and the same counters, with or without translation"
// (issue 12): the same `mmlab run` command twice (each a process of its own, the command bundled
// as bin/mmlab.js's is) with translation gives the same stdout, status and `--stats=json`
// report, wall time and MIPS aside — the translator's own figures included but its time
// translating: which regions it translates, abandons, drops and chains into, and how many
// instructions run in them, follow architectural events only, never the host's speed. (Within
// one process they also depend on what ran before: a process's first instructions run on the
// starter interpreter, which counts no heat.) The real-program suite's first instructions at a
// low threshold (code translated, chained and judged) and a threaded program on two harts.

import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { mmlabCommand, ROOT, removeMmlabBundle } from "../helpers/process.js";

afterAll(removeMmlabBundle);

/** `mmlab ARGS` as a process of its own. */
async function mmlab(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const [node, ...pre] = await mmlabCommand();
  const r = spawnSync(node!, [...pre, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The --stats=json report of `stderr` without wall time, MIPS and translation time. */
function report(stderr: string): Record<string, unknown> {
  const stats = JSON.parse(stderr.trimEnd().split("\n").pop()!) as Record<string, unknown>;
  delete stats.wallSeconds;
  delete stats.mips;
  const jit = stats.jit as Record<string, unknown> | undefined;
  if (!jit) throw new Error("test: no jit object in the report (translation off?)");
  delete jit.translateMs;
  for (const h of stats.harts as Record<string, unknown>[]) {
    delete h.wallSeconds;
    delete h.mips;
  }
  return stats;
}

/** Run `mmlab run --stats=json ARGS` twice: the same status, output and report. */
async function twice(args: string[]): Promise<Record<string, unknown>> {
  const a = await mmlab("run", "--stats=json", ...args);
  const b = await mmlab("run", "--stats=json", ...args);
  expect(b.status).toBe(a.status);
  expect(b.stdout).toBe(a.stdout);
  expect(report(b.stderr)).toEqual(report(a.stderr));
  return report(a.stderr);
}

describe("mmlab run with translation: the same run twice", () => {
  for (const prog of ["bench_coremark", "bench_fp"]) {
    it(`${prog}.glibc, 2 M instructions at --jit-hot 8: the same counters and translator figures`, {
      timeout: 120_000,
    }, async () => {
      const r = await twice(["--jit-hot", "8", "--max-insns", "2M", `guests/bin/${prog}.glibc.elf`]);
      const jit = r.jit as { regions: number; executed: number };
      expect(jit.regions).toBeGreaterThan(0);
      expect(jit.executed).toBeGreaterThan(1_000_000);
    });
  }

  it("pthreads on 2 harts at --jit-hot 8", { timeout: 120_000 }, async () => {
    const r = await twice(["--harts", "2", "--jit-hot", "8", "guests/bin/pthreads.glibc.elf", "2", "300"]);
    expect((r.jit as { regions: number }).regions).toBeGreaterThan(0);
  });
});
