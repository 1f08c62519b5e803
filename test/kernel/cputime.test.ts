// CPU time, resource use and timers (issue 13): ITIMER_VIRTUAL/ITIMER_PROF, timer_create and
// its family on the wall and CPU-time clocks, getrusage/times/wait4's rusage. guests/cputimer.c
// prints facts that hold on any machine; its default run is recorded under qemu-riscv64
// (guests.test.ts), `cputimer all` (si_timerid too, which qemu gets wrong) from the program
// built for the host and run on its Linux.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ns_to_clock_t, rusage_bytes, task_cputime } from "../../src/kernel/cputime.js";
import { type Case, loadCases, runCase } from "./guest-cases.js";

const cputimer = loadCases("cases.json").find((c) => c.id === "cputimer.default")!;
const all: Case = { ...cputimer, id: "cputimer.all", args: ["all"] };
const linux = readFileSync("guests/expected/cputimer.all.host-linux.out", "utf8");

describe("cputimer (itimers, POSIX timers, rusage)", () => {
  it("is a recorded case", () => expect(cputimer.status).toBe(0));
  for (const [v, harts] of [
    ["nolibc", 1],
    ["glibc", 1],
    ["glibc", 4],
  ] as const)
    it(`${v} 'all' on ${harts} hart(s) prints what the host's Linux printed`, () => {
      const r = runCase(all, v, harts);
      expect(r.stdout).toBe(linux);
      expect(r.t.exitCode).toBe(0);
    });
});

describe("struct rusage", () => {
  it("lays out the times as timevals and the counts as longs, ru_maxrss in KiB", () => {
    const r = new task_cputime();
    r.utime = 1_500_000_000; // 1.5 s
    r.stime = 2_000; // 2 µs
    r.maxrss = 3; // pages
    r.min_flt = 7;
    r.maj_flt = 1;
    r.nvcsw = 5;
    r.nivcsw = 6;
    const v = new DataView(rusage_bytes(r).buffer);
    expect([0, 8, 16, 24].map((o) => v.getBigInt64(o, true))).toEqual([1n, 500_000n, 0n, 2n]);
    expect(v.getBigInt64(32, true)).toBe(12n);
    expect([64, 72].map((o) => v.getBigInt64(o, true))).toEqual([7n, 1n]);
    expect([128, 136].map((o) => v.getBigInt64(o, true))).toEqual([5n, 6n]);
  });

  it("adds children's counts and keeps the larger maxrss", () => {
    const a = new task_cputime();
    const b = new task_cputime();
    a.utime = 10;
    a.maxrss = 9;
    b.utime = 5;
    b.maxrss = 4;
    b.nvcsw = 2;
    a.add(b);
    expect([a.utime, a.maxrss, a.nvcsw]).toEqual([15, 9, 2]);
    expect(ns_to_clock_t(25_000_000)).toBe(2); // USER_HZ 100
  });
});
