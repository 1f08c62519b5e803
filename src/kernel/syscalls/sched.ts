// Scheduler system calls: sched_setaffinity and sched_getaffinity (kernel/sched/syscalls.c),
// with their checks in Linux's order.

import { EFAULT, EINVAL, ESRCH } from "../errno.js";
import { CPUS_ALL, type task_struct } from "../process.js";
import { type Ctx, type SyscallTable, s32 } from "./common.js";

/** cpumask_size(): the bytes of a CPU mask the kernel copies (riscv64's NR_CPUS is 64 here, as
 *  mmlab has at most 64 harts: one unsigned long). */
const CPUMASK_SIZE = 8;

/** The thread with id `pid` (0: the caller), alive, or null. */
function find_thread(c: Ctx, pid: number): task_struct | null {
  if (pid === 0) return c.t;
  const t = c.s.find_task(pid);
  return t?.running ? t : null;
}

/** The online harts as a mask. */
function online_mask(c: Ctx): bigint {
  return CPUS_ALL >> BigInt(64 - c.k.machine.harts.length);
}

/** sched_setaffinity(pid, len, mask): get_user_cpu_mask (a shorter mask is zero-extended, a
 *  longer one read up to cpumask_size(); EFAULT), then the thread (ESRCH), then the mask cut to
 *  the online harts (EINVAL when none is left). */
function sched_setaffinity(c: Ctx): bigint {
  const len = Number(BigInt.asUintN(32, c.a[1]!));
  const b = c.t.uaccess.copy_from_user(c.a[2]!, Math.min(len, CPUMASK_SIZE));
  if (!b) return -EFAULT;
  const t = find_thread(c, s32(c.a[0]!));
  if (!t) return -ESRCH;
  let mask = 0n;
  for (let i = b.length - 1; i >= 0; i--) mask = (mask << 8n) | BigInt(b[i]!);
  mask &= online_mask(c);
  if (mask === 0n) return -EINVAL;
  c.s.set_cpus_allowed(t, mask);
  return 0n;
}

/** sched_getaffinity(pid, len, mask): EINVAL when `len` holds fewer bits than harts or is not
 *  a multiple of sizeof(long), then ESRCH, then the mask (EFAULT); returns the bytes written,
 *  min(len, cpumask_size()). */
function sched_getaffinity(c: Ctx): bigint {
  const len = Number(BigInt.asUintN(32, c.a[1]!));
  if (len * 8 < c.k.machine.harts.length || len % 8 !== 0) return -EINVAL;
  const t = find_thread(c, s32(c.a[0]!));
  if (!t) return -ESRCH;
  const n = Math.min(len, CPUMASK_SIZE);
  const mask = t.cpus_mask & online_mask(c);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((mask >> BigInt(8 * i)) & 0xffn);
  return c.t.uaccess.copy_to_user(c.a[2]!, out) ? BigInt(n) : -EFAULT;
}

export const schedSyscalls: SyscallTable = {
  122: { name: "sched_setaffinity", args: ["d", "u", "p"], fn: sched_setaffinity },
  123: { name: "sched_getaffinity", args: ["d", "u", "p"], fn: sched_getaffinity },
};
