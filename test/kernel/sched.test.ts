// sched_setaffinity / sched_getaffinity (kernel/sched/syscalls.c): the errors in Linux's order,
// and a pinned task really running on the hart it asked for, its threads inheriting the mask.

import { describe, expect, it } from "vitest";
import { boot, spawnAsm } from "./helpers.js";

/** A program making the calls of `body` (assembly; sp points at a 64-byte buffer), then
 *  exit_group(0). */
function affinityProgram(body: string): string {
  return `_start:
        addi sp, sp, -64
${body}
        li a0, 0
        li a7, 94
        ecall`;
}

/** sched_*affinity(pid, len, ptr) with ptr = sp, or a bad pointer when `ptr` is given. */
const call = (nr: number, pid: number, len: number, ptr?: string): string =>
  `        li a0, ${pid}\n        li a1, ${len}\n        ${ptr ? `li a2, ${ptr}` : "mv a2, sp"}\n        li a7, ${nr}\n        ecall`;
const setMask = (mask: number): string => `        li t0, ${mask}\n        sd t0, 0(sp)`;

describe("sched_getaffinity and sched_setaffinity", () => {
  it("get: EINVAL for a short or unaligned length, ESRCH, EFAULT; the bytes written (8) otherwise", () => {
    const k = boot("", { harts: 4 });
    const p = spawnAsm(
      k,
      affinityProgram(
        [call(123, 0, 0), call(123, 0, 12), call(123, 99999, 8), call(123, 0, 8, "8"), call(123, 0, 64)].join(
          "\n",
        ),
      ),
    );
    k.sched.run(10_000_000);
    expect(p.trace.slice(0, 5)).toEqual([
      expect.stringMatching(/^sched_getaffinity\(0, 0, 0x\w+\) = -1 EINVAL/),
      expect.stringMatching(/^sched_getaffinity\(0, 12, 0x\w+\) = -1 EINVAL/),
      expect.stringMatching(/^sched_getaffinity\(99999, 8, 0x\w+\) = -1 ESRCH/),
      "sched_getaffinity(0, 8, 0x8) = -1 EFAULT (Bad address)",
      expect.stringMatching(/^sched_getaffinity\(0, 64, 0x\w+\) = 8$/),
    ]);
  });

  it("set: EFAULT before ESRCH, EINVAL for a mask of no online hart; a pinned task moves there", () => {
    const k = boot("", { harts: 4 });
    const p = spawnAsm(
      k,
      affinityProgram(
        [
          call(122, 99999, 8, "8"),
          setMask(4),
          call(122, 99999, 8),
          setMask(0x100),
          call(122, 0, 8),
          setMask(4),
          call(122, 0, 8),
          "        sd zero, 0(sp)",
          call(123, 0, 8),
          "        ld s1, 0(sp)",
          "        li t0, 4",
          "        bne s1, t0, _start", // the mask read back must be hart 2's (else loop: a test failure)
        ].join("\n"),
      ),
    );
    k.sched.run(10_000_000);
    expect(p.trace.slice(0, 5)).toEqual([
      "sched_setaffinity(99999, 8, 0x8) = -1 EFAULT (Bad address)",
      expect.stringMatching(/^sched_setaffinity\(99999, 8, 0x\w+\) = -1 ESRCH/),
      expect.stringMatching(/^sched_setaffinity\(0, 8, 0x\w+\) = -1 EINVAL/),
      expect.stringMatching(/^sched_setaffinity\(0, 8, 0x\w+\) = 0$/),
      expect.stringMatching(/^sched_getaffinity\(0, 8, 0x\w+\) = 8$/),
    ]);
    expect(p.t.exitCode).toBe(0);
    expect(p.t.cpu).toBe(2);
    expect(k.sched.ranOn).toBe(0b101); // started on hart 0, moved to hart 2
  });

  it("a child inherits the mask and runs only where it may", () => {
    const k = boot("", { harts: 4 });
    // Pin to hart 3, fork (clone(SIGCHLD)), both exit.
    const p = spawnAsm(
      k,
      affinityProgram(
        [
          setMask(8),
          call(122, 0, 8),
          "        li a0, 17\n        li a1, 0\n        li a7, 220\n        ecall",
        ].join("\n"),
      ),
    );
    k.sched.run(10_000_000);
    expect(p.trace.some((l) => /^clone\(.*\) = \d+$/.test(l))).toBe(true);
    expect(k.sched.ranOn).toBe(0b1001);
  });
});
