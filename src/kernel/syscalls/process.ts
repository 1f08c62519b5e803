// Process system calls: exit, thread ids, identities, resource limits and rseq.

import { EFAULT, EINVAL, ENOSYS, EPERM } from "../errno.js";
import { NR_OPEN } from "../fs/index.js";
import { type Ctx, put, type SyscallTable, s32, u64s } from "./common.js";

/** End the calling task with `code` (and the fatal `signal`, if one killed it). */
export function exit(c: Ctx, code: number, signal = 0): bigint {
  c.s.exitTask(c.t, code, signal);
  return 0n;
}

/** A new RLIMIT_NOFILE from user memory (kernel/sys.c do_prlimit): [soft, hard], or EFAULT,
 *  EINVAL (soft above hard), EPERM (above fs.nr_open: root may raise the hard limit up to it). */
function nofile_limit(c: Ctx, va: bigint): [number, number] | bigint {
  const b = c.t.uaccess.copy_from_user(va, 16);
  if (!b) return -EFAULT;
  const v = new DataView(b.buffer);
  const cur = v.getBigUint64(0, true);
  const max = v.getBigUint64(8, true);
  if (cur > max) return -EINVAL;
  if (max > BigInt(NR_OPEN)) return -EPERM;
  return [Number(cur), Number(max)];
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
      const files = c.t.files;
      const lim: Record<number, [bigint, bigint]> = {
        3: [8n << 20n, INF],
        7: [BigInt(files.rlim_nofile), BigInt(files.rlim_nofile_max)],
      };
      const resource = s32(c.a[1]!);
      const [cur, max] = lim[resource] ?? [INF, INF];
      if (resource === 7 && c.a[2] !== 0n) {
        const want = nofile_limit(c, c.a[2]!);
        if (typeof want === "bigint") return want;
        if (c.a[3] !== 0n && put(c, c.a[3]!, u64s(cur, max)) < 0n) return -EFAULT;
        [files.rlim_nofile, files.rlim_nofile_max] = want;
        return 0n;
      }
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
