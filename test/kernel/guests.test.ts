// The guest programs of guests/ (built with Debian's cross compilers, committed with the
// expected output recorded under qemu-riscv64) run under the kernel with the same stdout and
// exit status, both the no-libc (rv64imac) and the static glibc (rv64gc) builds.

import { describe, expect, it } from "vitest";
import { expected, loadCases, runCase } from "./guest-cases.js";

const cases = loadCases("cases.json");

describe("guest programs (no libc, rv64imac)", () => {
  for (const c of cases.filter((x) => !x.variants || x.variants.includes("nolibc"))) {
    it(`${c.id}: ${[c.program, ...c.args].join(" ")}`, () => {
      const r = runCase(c, "nolibc");
      expect(r.stdout).toBe(expected(c, "nolibc"));
      expect(r.t.exitCode).toBe(c.status);
    });
  }
});

describe("guest programs (static glibc, rv64gc)", () => {
  for (const c of cases.filter((x) => !x.variants || x.variants.includes("glibc"))) {
    it(`${c.id}: ${[c.program, ...c.args].join(" ")}`, () => {
      const r = runCase(c, "glibc");
      expect(r.stdout).toBe(expected(c, "glibc"));
      expect(r.t.exitCode).toBe(c.status);
    });
  }
});

// The process guests (fork, pipes, threads, a shell, copy-on-write, files) again on 4 harts: the
// same stdout and status as qemu recorded, with tasks spread over the harts' run queues. The two
// long cases (cow.4096, pthreads.16-5000: 10-25 s each) run on 1 hart only.
const PROCESS_GUESTS = [
  "cow",
  "files",
  "fork_wait",
  "forkbomb",
  "minish",
  "pi_mutex",
  "pipeline",
  "pthreads",
  "shootdown",
  "threadbomb",
];
const LONG_CASES = ["cow.4096", "pthreads.16-5000"];

describe("process guests on 4 harts", () => {
  const procs = cases.filter((c) => PROCESS_GUESTS.includes(c.program) && !LONG_CASES.includes(c.id));
  it("finds every one of them", () =>
    expect([...new Set(procs.map((c) => c.program))].sort()).toEqual(PROCESS_GUESTS));
  for (const c of procs)
    for (const v of ["nolibc", "glibc"] as const) {
      if (c.variants && !c.variants.includes(v)) continue;
      it(`${c.id} (${v}) prints what qemu recorded`, () => {
        const r = runCase(c, v, 4);
        expect(r.stdout).toBe(expected(c, v));
        expect(r.t.exitCode).toBe(c.status);
        if (c.program !== "files") expect(r.k.sched.ranOn & (r.k.sched.ranOn - 1)).not.toBe(0); // 2+ harts ran tasks
      });
    }
});
