// Time system calls on the machine's deterministic clock: clock_gettime, clock_getres,
// gettimeofday; nanosleep and clock_nanosleep, which sleep in machine time (the scheduler runs other tasks
// meanwhile, or the harts idle to the deadline); setitimer/getitimer (ITIMER_REAL in machine
// time, ITIMER_VIRTUAL / ITIMER_PROF on CPU time; riscv64 has no alarm(): libc builds it on
// setitimer); the POSIX timers (timer_create ... timer_delete, posix_timers.ts).

import { type cpu_itimer, cputime_ns } from "../cputime.js";
import { EFAULT, EINVAL, EOPNOTSUPP, ERESTART_RESTARTBLOCK, ERESTARTNOHAND } from "../errno.js";
import type { Kernel } from "../kernel.js";
import {
  find_timer,
  type k_itimer,
  type sigevent,
  sigevent_from,
  timer_create,
  timer_delete,
  timer_get,
  timer_set,
} from "../posix_timers.js";
import type { Scheduler, task_struct } from "../process.js";
import { SI_KERNEL, SIGALRM, send_signal } from "../signal.js";
import { BLOCK, wait_event } from "../wait.js";
import { type Ctx, type Fmt, put, type SyscallTable, s32, u64s } from "./common.js";
import { named } from "./fs_strace.js";

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

/** A clock id as strace names it (include/uapi/linux/time.h). */
const clockId: Fmt = named({
  0: "CLOCK_REALTIME",
  1: "CLOCK_MONOTONIC",
  2: "CLOCK_PROCESS_CPUTIME_ID",
  3: "CLOCK_THREAD_CPUTIME_ID",
  4: "CLOCK_MONOTONIC_RAW",
  5: "CLOCK_REALTIME_COARSE",
  6: "CLOCK_MONOTONIC_COARSE",
  7: "CLOCK_BOOTTIME",
  8: "CLOCK_REALTIME_ALARM",
  9: "CLOCK_BOOTTIME_ALARM",
  11: "CLOCK_TAI",
});

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
/** The CPU-time clocks: the calling process's, and the calling thread's. */
const CLOCK_PROCESS_CPUTIME_ID = 2;
const CLOCK_THREAD_CPUTIME_ID = 3;

/** The resolution clock_getres reports: 1 ns for the high-resolution clocks, a tick (4 ms:
 *  process.ts's HZ is 250, not imported here, which would make a cycle) for the coarse ones (5
 *  and 6), as Linux reports them. */
function clock_res_ns(id: number): bigint {
  return id === 5 || id === 6 ? 4_000_000n : 1n;
}

/** A struct timespec (or, with `usec`, a timeval) at `va` in nanoseconds: -EFAULT, or -EINVAL
 *  when out of range (timespec64_valid / timeval_valid). */
export function get_time(c: Ctx, va: bigint, usec = false): number | bigint {
  const b = c.t.uaccess.copy_from_user(va, 16);
  if (!b) return -EFAULT;
  const v = new DataView(b.buffer, b.byteOffset, 16);
  const sec = v.getBigInt64(0, true);
  const frac = v.getBigInt64(8, true);
  if (sec < 0n || frac < 0n || frac >= (usec ? 1_000_000n : NSEC_PER_SEC)) return -EINVAL;
  // Past ~285 years the machine never gets there: keep it a safe integer.
  const ns = sec * NSEC_PER_SEC + frac * (usec ? 1000n : 1n);
  return Number(ns > MAX_NS ? MAX_NS : ns);
}
const MAX_NS = BigInt(Number.MAX_SAFE_INTEGER);

/** `ns` as a timespec (or a timeval). */
function time_bytes(ns: number, usec = false): Uint8Array {
  const n = BigInt(Math.max(0, Math.floor(ns)));
  return u64s(n / NSEC_PER_SEC, usec ? (n % NSEC_PER_SEC) / 1000n : n % NSEC_PER_SEC);
}

const TIMER_ABSTIME = 1;

/** hrtimer_nanosleep(): sleep until `deadline` (machine ns since boot). The deadline is kept
 *  across wake-ups (the continuation); interrupted by a signal, the time left goes to `rem`
 *  (a relative sleep) and the call returns -ERESTART_RESTARTBLOCK, -EINTR once a handler
 *  runs (an absolute sleep: -ERESTARTNOHAND). */
function do_nanosleep(c: Ctx, first: () => number | bigint, rem: bigint, abs: boolean): bigint {
  const nr = Number(c.h.reg(17));
  let deadline: number;
  if (c.t.cont && c.t.cont.nr === nr) deadline = c.t.cont.deadline;
  else {
    const d = first();
    if (typeof d === "bigint") return d;
    deadline = d;
    c.t.cont = { nr, deadline, done: 0n };
  }
  const now = c.s.now();
  if (now >= deadline) return 0n;
  const r = wait_event(c.t, [], { deadline, restart: abs ? -ERESTARTNOHAND : -ERESTART_RESTARTBLOCK });
  if (r === BLOCK || abs || rem === 0n) return r;
  return put(c, rem, time_bytes(deadline - now)) || r;
}

/** The clocks clock_nanosleep sleeps on. The others: EOPNOTSUPP for the clocks Linux has no
 *  nsleep for (MONOTONIC_RAW, the COARSE ones, THREAD_CPUTIME_ID: errno_probe's host record);
 *  EINVAL for unknown ids, the alarm clocks (no RTC: see clockid_valid) and, a limit of this
 *  kernel, PROCESS_CPUTIME_ID (Linux sleeps until the process has used that much CPU). */
function nsleep_clock(id: number): "real" | "mono" | bigint {
  if (id === 0 || id === 11) return "real"; // REALTIME, TAI
  if (id === 1 || id === 7) return "mono"; // MONOTONIC, BOOTTIME
  if (id === 3 || id === 4 || id === 5 || id === 6) return -EOPNOTSUPP;
  return -EINVAL;
}

/** ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF. */
const ITIMER_REAL = 0;
const ITIMER_VIRTUAL = 1;
const ITIMER_PROF = 2;

/** The process's ITIMER_REAL now: time left (ns; a running timer never reads 0: at least
 *  1 µs, as itimer_get_remtime does) and the interval. */
function get_itimer_real(c: Ctx): [number, number] {
  const it = c.t.sig.real_timer;
  const left = it.timer?.active ? Math.max(1000, it.timer.expires - c.s.now()) : 0;
  return [left, it.incr];
}

/** it_real_fn(): SIGALRM to the process (SI_KERNEL), and the timer again after its interval
 *  (hrtimer_forward: expiries missed meanwhile are skipped). */
function it_real_fn(s: Scheduler, t: task_struct): void {
  const it = t.sig.real_timer;
  const leader = t.sig.thread_head[0];
  if (!leader) return;
  send_signal(s, leader, { signo: SIGALRM, code: SI_KERNEL }, true);
  if (it.incr > 0 && it.timer) {
    const now = s.now();
    let next = it.timer.expires + it.incr;
    if (next <= now) next += Math.ceil((now - next + 1) / it.incr) * it.incr;
    s.timers.restart(it.timer, next);
  }
}

/** The process's ITIMER_VIRTUAL (1) or ITIMER_PROF (2) now: time left and interval (ns). */
function cpu_itimer_of(c: Ctx, which: number): cpu_itimer {
  const ct = c.t.sig.cpu_timers;
  return which === ITIMER_VIRTUAL ? ct.virt : ct.prof;
}

/** getitimer's [left, interval] of `which`, or EINVAL. */
function get_itimer(c: Ctx, which: number): [number, number] | bigint {
  if (which === ITIMER_REAL) return get_itimer_real(c);
  if (which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) return -EINVAL;
  const it = cpu_itimer_of(c, which);
  return [Math.max(0, it.left), it.incr];
}

/** An itimerval of [left, interval] (interval first, as struct itimerval has it). */
function itimerval_bytes([left, incr]: [number, number]): Uint8Array {
  return new Uint8Array([...time_bytes(incr, true), ...time_bytes(left, true)]);
}

/** setitimer(which, new, old): ITIMER_REAL in machine time; ITIMER_VIRTUAL on the process's
 *  user time and ITIMER_PROF on its user + system time (cputime.ts runs them down). */
function setitimer(c: Ctx): bigint {
  const [whichV, newVa, oldVa] = c.a as [bigint, bigint, bigint];
  let value = 0;
  let interval = 0;
  if (newVa !== 0n) {
    const i = get_time(c, newVa, true);
    if (typeof i === "bigint") return i;
    const v = get_time(c, newVa + 16n, true);
    if (typeof v === "bigint") return v;
    [interval, value] = [i, v];
  }
  const which = s32(whichV);
  const old = get_itimer(c, which);
  if (typeof old === "bigint") return old;
  if (which === ITIMER_REAL) {
    const it = c.t.sig.real_timer;
    if (it.timer) c.s.timers.cancel(it.timer);
    it.incr = value ? interval : 0;
    if (value) {
      const { s, t } = c;
      const expires = s.now() + value;
      if (it.timer) s.timers.restart(it.timer, expires);
      else it.timer = s.timers.start(expires, () => it_real_fn(s, t));
    }
  } else {
    const it = cpu_itimer_of(c, which);
    it.left = value;
    it.incr = value ? interval : 0;
  }
  return oldVa === 0n ? 0n : put(c, oldVa, itimerval_bytes(old));
}

/** A timer id argument (timer_t is an int): the caller's timer, or null. */
function timer_arg(c: Ctx, v: bigint): k_itimer | null {
  return find_timer(c.t, s32(v));
}

/** An itimerspec of [left, interval] (interval first). */
function itimerspec_bytes([left, incr]: [number, number]): Uint8Array {
  return new Uint8Array([...time_bytes(incr), ...time_bytes(left)]);
}

/** timer_settime(id, flags, new, old). */
function timer_settime(c: Ctx): bigint {
  const tm = timer_arg(c, c.a[0]!);
  if (c.a[2] === 0n) return -EINVAL;
  const interval = get_time(c, c.a[2]!);
  if (typeof interval === "bigint") return interval;
  const value = get_time(c, c.a[2]! + 16n);
  if (typeof value === "bigint") return value;
  if (!tm) return -EINVAL;
  const abs = (s32(c.a[1]!) & TIMER_ABSTIME) !== 0;
  const old = timer_set(c.s, tm, abs, value, interval, Number(EPOCH * NSEC_PER_SEC));
  return c.a[3] === 0n ? 0n : put(c, c.a[3]!, itimerspec_bytes(old));
}

export const timeSyscalls: SyscallTable = {
  101: {
    name: "nanosleep",
    args: ["p", "p"],
    fn: (c) =>
      do_nanosleep(
        c,
        () => {
          const ns = get_time(c, c.a[0]!);
          return typeof ns === "bigint" ? ns : c.s.now() + ns;
        },
        c.a[1]!,
        false,
      ),
  },
  102: {
    name: "getitimer",
    args: ["d", "p"],
    fn: (c) => {
      const cur = get_itimer(c, s32(c.a[0]!));
      return typeof cur === "bigint" ? cur : put(c, c.a[1]!, itimerval_bytes(cur));
    },
  },
  103: { name: "setitimer", args: ["d", "p", "p"], fn: setitimer },
  115: {
    name: "clock_nanosleep",
    args: [clockId, "d", "p", "p"],
    fn: (c) => {
      const clock = nsleep_clock(s32(c.a[0]!));
      if (typeof clock === "bigint") return clock;
      const abs = (s32(c.a[1]!) & TIMER_ABSTIME) !== 0;
      return do_nanosleep(
        c,
        () => {
          const ns = get_time(c, c.a[2]!);
          if (typeof ns === "bigint") return ns;
          if (!abs) return c.s.now() + ns;
          return clock === "real" ? ns - Number(EPOCH * NSEC_PER_SEC) : ns;
        },
        abs ? 0n : c.a[3]!,
        abs,
      );
    },
  },
  113: {
    name: "clock_gettime",
    args: [clockId, "p"],
    fn: (c) => {
      const id = s32(c.a[0]!);
      if (!clockid_valid(id)) return -EINVAL;
      const ns =
        id === CLOCK_PROCESS_CPUTIME_ID || id === CLOCK_THREAD_CPUTIME_ID
          ? BigInt(cputime_ns(c.t, id === CLOCK_THREAD_CPUTIME_ID))
          : nowNs(c.k) + (REALTIME_CLOCKS.has(id) ? EPOCH * NSEC_PER_SEC : 0n);
      return put(c, c.a[1]!, u64s(ns / NSEC_PER_SEC, ns % NSEC_PER_SEC));
    },
  },
  114: {
    name: "clock_getres",
    args: [clockId, "p"],
    fn: (c) => {
      const id = s32(c.a[0]!);
      if (!clockid_valid(id)) return -EINVAL;
      return c.a[1] === 0n ? 0n : put(c, c.a[1]!, u64s(0n, clock_res_ns(id)));
    },
  },
  107: {
    name: "timer_create",
    args: [clockId, "p", "p"],
    fn: (c) => {
      let ev: sigevent | null = null;
      if (c.a[1] !== 0n) {
        const b = c.t.uaccess.copy_from_user(c.a[1]!, 64);
        if (!b) return -EFAULT;
        ev = sigevent_from(b);
      }
      // The id's word must be writable before the timer exists (Linux removes it again).
      if (!c.t.uaccess.copy_to_user(c.a[2]!, new Uint8Array(4))) return -EFAULT;
      const id = timer_create(c.s, c.t, s32(c.a[0]!), ev);
      if (id < 0n) return id;
      return put(c, c.a[2]!, new Uint8Array(new Int32Array([Number(id)]).buffer));
    },
  },
  108: {
    name: "timer_gettime",
    args: ["d", "p"],
    fn: (c) => {
      const tm = timer_arg(c, c.a[0]!);
      return tm ? put(c, c.a[1]!, itimerspec_bytes(timer_get(c.s, tm))) : -EINVAL;
    },
  },
  109: {
    name: "timer_getoverrun",
    args: ["d"],
    fn: (c) => {
      const tm = timer_arg(c, c.a[0]!);
      return tm ? BigInt(tm.overrun) : -EINVAL;
    },
  },
  110: { name: "timer_settime", args: ["d", "x", "p", "p"], fn: timer_settime },
  111: {
    name: "timer_delete",
    args: ["d"],
    fn: (c) => {
      const tm = timer_arg(c, c.a[0]!);
      if (!tm) return -EINVAL;
      timer_delete(c.s, c.t, tm);
      return 0n;
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
