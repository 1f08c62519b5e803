// Time system calls: nanosleep, clock_gettime, gettimeofday, on the machine's deterministic clock.

import { EFAULT, EINVAL } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { put, type SyscallTable, s32, u64s } from "./common.js";

/** The deterministic clock: seconds since boot on the current hart, and a fixed epoch. */
export const EPOCH = 1_767_225_600n; // 2026-01-01T00:00:00Z
const NSEC_PER_SEC = 1_000_000_000n;
function nowNs(k: Kernel): bigint {
  return BigInt(Math.floor(k.seconds() * Number(NSEC_PER_SEC)));
}

/** CLOCK_REALTIME in nanoseconds (ktime_get_real_ns): file times are stamped with it. */
export function ktime_get_real_ns(k: Kernel): bigint {
  return nowNs(k) + EPOCH * NSEC_PER_SEC;
}

export const timeSyscalls: SyscallTable = {
  101: {
    name: "nanosleep",
    args: ["p", "p"],
    fn: (c) => {
      const req = c.t.uaccess.copy_from_user(c.a[0]!, 16);
      if (!req) return -EFAULT;
      const v = new DataView(req.buffer);
      const ns = v.getBigInt64(0, true) * NSEC_PER_SEC + v.getBigInt64(8, true);
      if (ns < 0n) return -EINVAL;
      c.k.charge(Number(ns)); // asleep: time passes on this hart
      return 0n;
    },
  },
  113: {
    name: "clock_gettime",
    args: ["d", "p"],
    fn: (c) => {
      const ns = nowNs(c.k) + (s32(c.a[0]!) === 0 ? EPOCH * NSEC_PER_SEC : 0n);
      return put(c, c.a[1]!, u64s(ns / NSEC_PER_SEC, ns % NSEC_PER_SEC));
    },
  },
  169: {
    name: "gettimeofday",
    args: ["p", "p"],
    fn: (c) => {
      const ns = nowNs(c.k) + EPOCH * NSEC_PER_SEC;
      return c.a[0] === 0n ? 0n : put(c, c.a[0]!, u64s(ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / 1000n));
    },
  },
};
