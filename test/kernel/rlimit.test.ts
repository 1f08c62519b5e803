// prlimit64 on another process (kernel/sys.c): its limits read and set, ESRCH for none, the
// errors in Linux's order; RLIMIT_NPROC kept but, for root (every guest), never refusing a fork.

import { describe, expect, it } from "vitest";
import { boot, spawnAsm } from "./helpers.js";

/** prlimit64(pid, resource, new, old) with new = sp (when `set`), old = sp + 16. */
const prlimit = (pid: number, resource: number, set: boolean): string =>
  `        li a0, ${pid}\n        li a1, ${resource}\n        ${set ? "mv a2, sp" : "li a2, 0"}\n        addi a3, sp, 16\n        li a7, 261\n        ecall`;
const store = (cur: number, max: number): string =>
  `        li t0, ${cur}\n        sd t0, 0(sp)\n        li t0, ${max}\n        sd t0, 8(sp)`;
const EXIT = "        li a0, 0\n        li a7, 94\n        ecall";

describe("prlimit64 of another process", () => {
  it("reads and sets the other process's limits; ESRCH for none; EINVAL before the change", () => {
    const k = boot("", { harts: 1 });
    const caller = spawnAsm(
      k,
      `_start:
        addi sp, sp, -64
${store(100, 200)}
${prlimit(2, 7, true)}
${prlimit(2, 7, false)}
        ld s1, 16(sp)
${store(5, 5)}
${prlimit(2, 6, true)}
${store(9, 3)}
${prlimit(2, 6, true)}
${prlimit(99999, 6, false)}
${prlimit(0, 7, false)}
        ld s2, 16(sp)
        li t0, 100
        bne s1, t0, _start
        beq s2, t0, _start
${EXIT}`,
    );
    const other = spawnAsm(k, "_start: j _start", "/other");
    expect(other.t.pid).toBe(2);
    k.sched.run(2_000_000);
    expect(caller.t.exitCode).toBe(0); // it read 100 back from pid 2, and its own limit is not 100
    expect(caller.trace.slice(0, 6)).toEqual([
      expect.stringMatching(/^prlimit64\(2, RLIMIT_NOFILE, 0x\w+, 0x\w+\) = 0$/),
      expect.stringMatching(/^prlimit64\(2, RLIMIT_NOFILE, NULL, 0x\w+\) = 0$/),
      expect.stringMatching(/^prlimit64\(2, RLIMIT_NPROC, 0x\w+, 0x\w+\) = 0$/),
      expect.stringMatching(/^prlimit64\(2, RLIMIT_NPROC, 0x\w+, 0x\w+\) = -1 EINVAL/),
      expect.stringMatching(/^prlimit64\(99999, RLIMIT_NPROC, NULL, 0x\w+\) = -1 ESRCH/),
      expect.stringMatching(/^prlimit64\(0, RLIMIT_NOFILE, NULL, 0x\w+\) = 0$/),
    ]);
    expect([other.t.files.rlim_nofile, other.t.files.rlim_nofile_max]).toEqual([100, 200]);
    expect(other.t.sig.rlim[6]).toEqual([5n, 5n]);
  });

  it("a bad new-limit pointer is EFAULT even for no such process (read first, as Linux does)", () => {
    const k = boot("", { harts: 1 });
    const p = spawnAsm(
      k,
      `_start:\n        li a0, 99999\n        li a1, 6\n        li a2, 8\n        li a3, 0\n        li a7, 261\n        ecall\n${EXIT}`,
    );
    k.sched.run(1_000_000);
    expect(p.trace[0]).toBe("prlimit64(99999, RLIMIT_NPROC, 0x8, NULL) = -1 EFAULT (Bad address)");
  });

  it("RLIMIT_NPROC of 1 does not stop root from forking (copy_process exempts INIT_USER); the child inherits it", () => {
    const k = boot("", { harts: 1 });
    // The child exits with its own RLIMIT_NPROC soft limit; the parent with the child's status.
    const p = spawnAsm(
      k,
      `_start:
        addi sp, sp, -64
${store(1, 1)}
${prlimit(0, 6, true)}
        li a0, 17
        li a1, 0
        li a7, 220
        ecall
        bnez a0, parent
${prlimit(0, 6, false)}
        ld a0, 16(sp)
        li a7, 94
        ecall
parent:
        li a0, -1
        addi a1, sp, 32
        li a2, 0
        li a3, 0
        li a7, 260
        ecall
        lw a0, 32(sp)
        srli a0, a0, 8
        li a7, 94
        ecall`,
    );
    k.sched.run(2_000_000);
    expect(p.trace.find((l) => l.startsWith("clone("))).toMatch(/= \d+$/);
    expect(p.t.exitCode).toBe(1);
  });
});
