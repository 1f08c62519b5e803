// Time system calls: nanosleep, clock_gettime, clock_getres, gettimeofday, on the machine's
// deterministic clock.

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

/** The clock ids clock_gettime and clock_getres know (include/uapi/linux/time.h): REALTIME 0
 *  to BOOTTIME 7, and TAI 11. 8 and 9 (the alarm clocks) need an RTC this machine lacks and 10
 *  (SGI_CYCLE) is gone, so Linux says EINVAL for them; so it does for every negative id here,
 *  which Linux reads as another process's CPU clock (posix-cpu-timers) that no guest holds. */
export function clockid_valid(id: number): boolean {
  return (id >= 0 && id <= 7) || id === 11;
}

/** Clocks whose time is CLOCK_REALTIME's (REALTIME, REALTIME_COARSE, TAI: no leap seconds
 *  here): the epoch is added; the others count from boot. */
const REALTIME_CLOCKS = new Set([0, 5, 11]);

/** The resolution clock_getres reports: 1 ns for the high-resolution clocks, a tick (4 ms:
 *  process.ts's HZ is 250, not imported here, which would make a cycle) for the coarse ones (5
 *  and 6), as Linux reports them. */
function clock_res_ns(id: number): bigint {
  return id === 5 || id === 6 ? 4_000_000n : 1n;
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
      const id = s32(c.a[0]!);
      if (!clockid_valid(id)) return -EINVAL;
      const ns = nowNs(c.k) + (REALTIME_CLOCKS.has(id) ? EPOCH * NSEC_PER_SEC : 0n);
      return put(c, c.a[1]!, u64s(ns / NSEC_PER_SEC, ns % NSEC_PER_SEC));
    },
  },
  114: {
    name: "clock_getres",
    args: ["d", "p"],
    fn: (c) => {
      const id = s32(c.a[0]!);
      if (!clockid_valid(id)) return -EINVAL;
      return c.a[1] === 0n ? 0n : put(c, c.a[1]!, u64s(0n, clock_res_ns(id)));
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
