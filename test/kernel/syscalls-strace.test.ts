// --strace of the memory, resource, random, signal-mask and clock calls: prot and mmap flags,
// madvise advice, mremap flags, RLIMIT_*, GRND_*, SIG_* and CLOCK_* by name, as strace prints
// them (its xlat tables), with unknown values left as numbers.

import { describe, expect, it } from "vitest";
import { proc } from "./fs/harness.js";

/** riscv64 syscall numbers (asm-generic/unistd.h), restated independently of the kernel's. */
const NR = {
  rt_sigprocmask: 135,
  clock_gettime: 113,
  mremap: 216,
  mmap: 222,
  mprotect: 226,
  madvise: 233,
  prlimit64: 261,
  getrandom: 278,
} as const;

describe("strace of the memory, resource and clock calls", () => {
  it("names prot, mmap flags, advice, mremap flags, resources, getrandom flags, how and clocks", () => {
    const p = proc();
    p.call(NR.mmap, 0, 8192, 3, 0x22, -1, 0);
    const b = p.call(NR.mmap, 0, 4096, 0, 0x4022, -1, 0);
    p.call(NR.mmap, 0, 4096, 1, 0x3, 5, 0);
    const a = p.call(NR.mmap, 0, 8192, 3, 0x22, -1, 0);
    p.call(NR.mprotect, a, 4096, 1);
    p.call(NR.madvise, a, 4096, 4);
    p.call(NR.madvise, a, 4096, 999);
    p.call(NR.mremap, b, 4096, 16384, 1, 0);
    p.call(NR.prlimit64, 0, 3, 0, p.buf(16));
    p.call(NR.prlimit64, 0, 77, 0, p.buf(16));
    p.call(NR.getrandom, p.buf(8), 8, 1);
    p.call(NR.getrandom, p.buf(8), 8, 0);
    p.call(NR.rt_sigprocmask, 2, 0, p.buf(8), 8);
    p.call(NR.clock_gettime, 1, p.buf(16));
    p.call(NR.clock_gettime, 42, p.buf(16));
    const hex = "0x[0-9a-f]+";
    expect(p.trace.map((l) => l.replace(new RegExp(hex, "g"), "ADDR"))).toEqual([
      "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, ADDR) = ADDR",
      "mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, ADDR) = ADDR",
      "mmap(NULL, 4096, PROT_READ, MAP_SHARED_VALIDATE, 5, ADDR) = -1 EBADF (Bad file descriptor)",
      "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, ADDR) = ADDR",
      "mprotect(ADDR, 4096, PROT_READ) = 0",
      "madvise(ADDR, 4096, MADV_DONTNEED) = 0",
      "madvise(ADDR, 4096, 999) = -1 EINVAL (Invalid argument)",
      "mremap(ADDR, 4096, 16384, MREMAP_MAYMOVE, NULL) = ADDR",
      "prlimit64(0, RLIMIT_STACK, NULL, ADDR) = 0",
      "prlimit64(0, 77, NULL, ADDR) = -1 EINVAL (Invalid argument)",
      "getrandom(ADDR, 8, GRND_NONBLOCK) = 8",
      "getrandom(ADDR, 8, 0) = 8",
      "rt_sigprocmask(SIG_SETMASK, NULL, ADDR, 8) = 0",
      "clock_gettime(CLOCK_MONOTONIC, ADDR) = 0",
      "clock_gettime(42, ADDR) = -1 EINVAL (Invalid argument)",
    ]);
  });
});

describe("strace of clone3", () => {
  it("shows struct clone_args as strace does: flags, the pointers they use, exit_signal, stack, tls", () => {
    const p = proc();
    const args = new Uint8Array(88);
    const v = new DataView(args.buffer);
    // pthread_create's flags; stack NULL with a size: EINVAL, shown all the same.
    v.setBigUint64(0, 0x3d0f00n, true);
    v.setBigUint64(16, 0x1000n, true); // child_tid
    v.setBigUint64(24, 0x2000n, true); // parent_tid
    v.setBigUint64(48, 0x8000n, true); // stack_size
    v.setBigUint64(56, 0x3000n, true); // tls
    const a = p.bytes(args);
    expect(p.call(435, a, 88)).toBe(-22n);
    v.setBigUint64(0, 0n, true);
    v.setBigUint64(32, 17n, true); // exit_signal SIGCHLD: a fork
    v.setBigUint64(48, 0n, true);
    const b = p.bytes(args);
    p.call(435, b, 88);
    p.call(435, 8, 88);
    expect(p.trace).toEqual([
      "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x1000, parent_tid=0x2000, exit_signal=0, stack=NULL, stack_size=0x8000, tls=0x3000}, 88) = -1 EINVAL (Invalid argument)",
      expect.stringMatching(
        /^clone3\(\{flags=0, exit_signal=SIGCHLD, stack=NULL, stack_size=0x0\}, 88\) = \d+$/,
      ),
      "clone3(0x8, 88) = -1 EFAULT (Bad address)",
    ]);
  });
});
