// What every system call file shares: the call context, the table entry type with its strace
// argument formats, and the small helpers for arguments and user buffers.

import type { Hart } from "../../cpu/index.js";
import { EFAULT } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { Scheduler, task_struct } from "../process.js";

/** Argument formats for strace: d int, u unsigned, x hex, p pointer, s C string, b:N buffer of
 *  length arg N (printed from user memory), - not shown, or a function that prints the
 *  argument as strace does (flag names, AT_FDCWD, octal modes; null: strace omits it). */
export type Fmt = "d" | "u" | "x" | "p" | "s" | `b${number}` | "-" | ((v: bigint, c: Ctx) => string | null);

/** One system call in progress: the kernel, the task, its hart and the six argument registers. */
export interface Ctx {
  k: Kernel;
  s: Scheduler;
  t: task_struct;
  h: Hart;
  a: bigint[];
}

/** A system call: its name, how strace shows its arguments, and what it does. */
export interface Syscall {
  name: string;
  args: Fmt[];
  fn: (c: Ctx) => bigint;
  /** Show the result in hex (addresses). */
  hexResult?: boolean;
  /** Does not return (exit): traced with "= ?" before it takes effect. */
  noreturn?: boolean;
}

/** A table of system calls by their Linux riscv64 number. */
export type SyscallTable = Record<number, Syscall>;

export const enc = new TextEncoder();
/** An argument register as a signed 64-bit value. */
export const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
/** An argument register as a C int. */
export const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** copy_to_user of `bytes` to `va`: 0, or -EFAULT. */
export function put(c: Ctx, va: bigint, bytes: Uint8Array): bigint {
  return c.t.uaccess.copy_to_user(va, bytes) ? 0n : -EFAULT;
}

/** 64-bit little-endian words, as the structs of the riscv64 ABI lay them out. */
export function u64s(...vals: bigint[]): Uint8Array {
  const b = new Uint8Array(vals.length * 8);
  const v = new DataView(b.buffer);
  for (const [i, x] of vals.entries()) v.setBigUint64(i * 8, BigInt.asUintN(64, x), true);
  return b;
}
