// Process system calls: exit, thread ids, identities, resource limits and rseq.

import { EINVAL, ENOSYS } from "../errno.js";
import { type Ctx, put, type SyscallTable, s32, u64s } from "./common.js";

/** End the calling task with `code` (and the fatal `signal`, if one killed it). */
export function exit(c: Ctx, code: number, signal = 0): bigint {
  c.s.exitTask(c.t, code, signal);
  return 0n;
}

export const processSyscalls: SyscallTable = {
  93: { name: "exit", args: ["d"], fn: (c) => exit(c, s32(c.a[0]!) & 0xff), noreturn: true },
  94: { name: "exit_group", args: ["d"], fn: (c) => exit(c, s32(c.a[0]!) & 0xff), noreturn: true },
  96: {
    name: "set_tid_address",
    args: ["p"],
    fn: (c) => {
      c.t.tidAddress = c.a[0]!;
      return BigInt(c.t.pid);
    },
  },
  98: { name: "futex", args: ["p", "d", "d", "p"], fn: () => -ENOSYS },
  99: { name: "set_robust_list", args: ["p", "u"], fn: () => 0n },
  124: { name: "sched_yield", args: [], fn: () => 0n },
  172: { name: "getpid", args: [], fn: (c) => BigInt(c.t.pid) },
  173: { name: "getppid", args: [], fn: () => 0n },
  174: { name: "getuid", args: [], fn: () => 0n },
  175: { name: "geteuid", args: [], fn: () => 0n },
  176: { name: "getgid", args: [], fn: () => 0n },
  177: { name: "getegid", args: [], fn: () => 0n },
  178: { name: "gettid", args: [], fn: (c) => BigInt(c.t.pid) },
  261: {
    name: "prlimit64",
    args: ["d", "d", "p", "p"],
    fn: (c) => {
      const INF = (1n << 64n) - 1n;
      const lim: Record<number, [bigint, bigint]> = { 3: [8n << 20n, INF], 7: [1024n, 4096n] };
      const [cur, max] = lim[s32(c.a[1]!)] ?? [INF, INF];
      return c.a[3] === 0n ? 0n : put(c, c.a[3]!, u64s(cur, max));
    },
  },
  293: {
    name: "rseq",
    args: ["p", "u", "x", "x"],
    fn: (c) => {
      if (c.a[0] === 0n) return -EINVAL;
      return put(c, c.a[0]!, new Uint8Array(8)); // cpu_id_start = cpu_id = 0
    },
  },
};
