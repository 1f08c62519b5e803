// Futexes (futex.ts): WAIT sleeps only while the word holds the value, WAKE / WAKE_BITSET wake
// by key and bitset, CMP_REQUEUE moves waiters between words, timeouts end a wait with
// ETIMEDOUT, and the argument checks give Linux's errors. The waiters here are threads
// (CLONE_VM | CLONE_THREAD) of one process, driven by calling the futex code as their system
// calls would.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { EAGAIN, EFAULT, EINVAL, ENOSYS, ETIMEDOUT } from "../../src/kernel/errno.js";
import {
  CLONE_FILES,
  CLONE_FS,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_VM,
  kernel_clone,
} from "../../src/kernel/fork.js";
import {
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMP_REQUEUE,
  FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  type FutexArgs,
} from "../../src/kernel/futex.js";
import type { task_struct } from "../../src/kernel/index.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/kernel/mm.js";
import { BLOCK } from "../../src/kernel/wait.js";
import { boot } from "./helpers.js";

const IDLE = assemble("_start: j _start", { base: 0x10000n }).toElf();
const THREAD = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;

function threads(n: number) {
  const k = boot("", { mem: 64 << 20 });
  const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
  const leader = k.sched.spawn({ elf: IDLE, path: "/t", argv: ["t"], envp: [], io });
  const h = k.hart();
  k.sched.switch_mm(h, leader);
  const ts: task_struct[] = [leader];
  for (let i = 1; i < n; i++) {
    const t = kernel_clone(k.sched, leader, h, {
      flags: THREAD,
      exit_signal: 0,
      stack: 0n,
      tls: 0n,
      parent_tid: 0n,
      child_tid: 0n,
    });
    if (typeof t === "bigint") throw new Error(`clone: ${t}`);
    ts.push(t);
  }
  const word = leader.mm.do_mmap(0n, 8192n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const futex = (t: task_struct, a: Partial<FutexArgs>): bigint =>
    k.sched.futexes.do_futex(
      t,
      { uaddr: word, op: FUTEX_WAIT, val: 0, utime: 0n, uaddr2: 0n, val3: 0, ...a },
      k.sched.now(),
      0,
    );
  return { k, ts, word, futex };
}

describe("futex", () => {
  it("WAIT sleeps while the word holds the value; WAKE wakes it and the re-run call returns 0", () => {
    const { k, ts, futex } = threads(2);
    const [a, b] = ts as [task_struct, task_struct];
    expect(futex(a, { op: FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val: 1 })).toBe(-EAGAIN); // the word is 0
    expect(futex(a, { op: FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val: 0 })).toBe(BLOCK);
    expect(k.sched.futexes.waiters).toBe(1);
    expect(futex(b, { op: FUTEX_WAKE | FUTEX_PRIVATE_FLAG, val: 5 })).toBe(1n);
    expect(a.state).toBe("running");
    expect(futex(a, { op: FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val: 0 })).toBe(0n);
    expect(k.sched.futexes.waiters).toBe(0);
  });

  it("WAKE_BITSET wakes only waiters whose bitset it meets", () => {
    const { ts, futex } = threads(3);
    const [a, b, c] = ts as [task_struct, task_struct, task_struct];
    expect(futex(a, { op: FUTEX_WAIT_BITSET, val3: 0b01 })).toBe(BLOCK);
    expect(futex(b, { op: FUTEX_WAIT_BITSET, val3: 0b10 })).toBe(BLOCK);
    expect(futex(c, { op: FUTEX_WAKE_BITSET, val: 10, val3: 0b10 })).toBe(1n);
    expect([a.state, b.state]).toEqual(["interruptible", "running"]);
  });

  it("CMP_REQUEUE wakes some, moves the rest to the second word, and checks the first word", () => {
    const { k, ts, word, futex } = threads(4);
    const [a, b, c, d] = ts as [task_struct, task_struct, task_struct, task_struct];
    for (const t of [a, b, c]) expect(futex(t, { op: FUTEX_WAIT })).toBe(BLOCK);
    const rq = { op: FUTEX_CMP_REQUEUE, val: 1, utime: 5n, uaddr2: word + 4n };
    expect(futex(d, { ...rq, val3: 7 })).toBe(-EAGAIN); // *uaddr is 0, not 7
    expect(futex(d, { ...rq, val3: 0 })).toBe(3n); // one woken, two moved
    expect([a.state, b.state, c.state]).toEqual(["running", "interruptible", "interruptible"]);
    expect(futex(d, { op: FUTEX_WAKE, val: 10 })).toBe(0n); // nobody left on the first word
    expect(futex(d, { op: FUTEX_WAKE, val: 10, uaddr: word + 4n })).toBe(2n);
    expect(k.sched.futexes.waiters).toBe(0);
  });

  it("a timeout ends the wait with ETIMEDOUT once machine time passes it", () => {
    const { k, ts, futex } = threads(1);
    const [a] = ts as [task_struct];
    const ts1us = a.mm.do_mmap(0n, 4096n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    a.uaccess.put_u64(ts1us + 8n, 1000n); // { 0 s, 1000 ns }
    expect(futex(a, { utime: ts1us })).toBe(BLOCK);
    k.machine.clocks[0] = (k.machine.clocks[0] ?? 0) + 2000;
    expect(futex(a, { utime: ts1us })).toBe(-ETIMEDOUT);
    expect(k.sched.futexes.waiters).toBe(0);
  });

  it("checks its arguments as Linux does", () => {
    const { ts, word, futex } = threads(1);
    const [a] = ts as [task_struct];
    expect(futex(a, { uaddr: word + 2n })).toBe(-EINVAL); // misaligned
    expect(futex(a, { uaddr: 0x1000n })).toBe(-EFAULT); // unmapped
    expect(futex(a, { op: FUTEX_WAIT_BITSET, val3: 0 })).toBe(-EINVAL);
    expect(futex(a, { op: FUTEX_WAKE | FUTEX_CLOCK_REALTIME })).toBe(-ENOSYS);
    expect(futex(a, { op: 11 })).toBe(-ENOSYS); // FUTEX_WAIT_REQUEUE_PI: not supported
    expect(futex(a, { op: FUTEX_CMP_REQUEUE, utime: BigInt.asUintN(64, -1n) })).toBe(-EINVAL);
  });
});
