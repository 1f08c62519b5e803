// CPU time and resource use (kernel/sched/cputime.c, kernel/sys.c getrusage, kernel/time/
// itimer.c and posix-cpu-timers.c, much reduced): each thread and each process count user and
// system time, page faults and context switches; a process keeps what its reaped children
// used; ITIMER_VIRTUAL and ITIMER_PROF, and POSIX timers on CLOCK_PROCESS_CPUTIME_ID /
// CLOCK_THREAD_CPUTIME_ID, expire on that CPU time.
//
// Time is in machine nanoseconds: the harts' clocks run at CLOCK_HZ = 1 GHz, so a cycle is a
// nanosecond. User time is the cycles a task ran in U-mode; system time is the cycles the
// cost model charged (COST in kernel.ts) while the kernel handled its traps. Linux samples CPU
// timers on the scheduler tick; here they are checked at the end of each run slice (at most
// a tick, TICK), which is the same granularity.
//
// Facts used (no code copied): struct rusage's layout (include/uapi/linux/resource.h: two
// timevals, then 14 longs, ru_maxrss in KiB); RUSAGE_SELF 0, RUSAGE_CHILDREN -1, RUSAGE_THREAD
// 1; struct tms in USER_HZ (100) ticks; SIGVTALRM 26, SIGPROF 27.

import type { Scheduler, task_struct } from "./process.js";
import { type kernel_siginfo, SI_KERNEL, send_signal } from "./signal.js";

export const SIGVTALRM = 26;
export const SIGPROF = 27;

/** What one thread, one process, or a process's reaped children used (the counters of
 *  task_struct / signal_struct that getrusage reads). Times in nanoseconds. */
export class task_cputime {
  /** CPU time in user and in kernel mode. */
  utime = 0;
  stime = 0;
  /** Page faults served without and with I/O (mmlab's are all minor). */
  min_flt = 0;
  maj_flt = 0;
  /** Context switches: voluntary (the task slept) and involuntary (preempted). */
  nvcsw = 0;
  nivcsw = 0;
  /** Peak resident set in pages (ru_maxrss, reported in KiB). */
  maxrss = 0;

  /** Add `o`'s counts to these (maxrss: the larger). */
  add(o: task_cputime): void {
    this.utime += o.utime;
    this.stime += o.stime;
    this.min_flt += o.min_flt;
    this.maj_flt += o.maj_flt;
    this.nvcsw += o.nvcsw;
    this.nivcsw += o.nivcsw;
    this.maxrss = Math.max(this.maxrss, o.maxrss);
  }
}

/** An interval timer on CPU time (ITIMER_VIRTUAL, ITIMER_PROF; struct cpu_itimer): time left
 *  (0: disarmed) and the reload interval, in nanoseconds. */
export interface cpu_itimer {
  left: number;
  incr: number;
}

/** A POSIX timer on a CPU-time clock: armed while `expires` > 0 (CPU ns of its clock). */
export interface cpu_timer {
  expires: number;
  /** The thread whose CPU time it counts (CLOCK_THREAD_CPUTIME_ID), or null: the process. */
  thread: task_struct | null;
  /** Called when it expires (posix_timer_fn's signal and reload). */
  fire(): void;
}

/** The process's CPU-time timers (the part of signal_struct the accounting checks). */
export class cpu_timers {
  readonly virt: cpu_itimer = { left: 0, incr: 0 };
  readonly prof: cpu_itimer = { left: 0, incr: 0 };
  readonly posix: cpu_timer[] = [];
}

/** CPU time of `t`'s thread (`thread`) or of its whole process, in nanoseconds. */
export function cputime_ns(t: task_struct, thread: boolean): number {
  const c = thread ? t.ru : t.sig.ru;
  return c.utime + c.stime;
}

/** account_user_time() / account_system_time(): `ns` of `kind` time for thread `t` and its
 *  process; the process's CPU timers run down and those that expire fire. */
export function account_cputime(s: Scheduler, t: task_struct, kind: "user" | "system", ns: number): void {
  if (ns <= 0) return;
  if (kind === "user") {
    t.ru.utime += ns;
    t.sig.ru.utime += ns;
  } else {
    t.ru.stime += ns;
    t.sig.ru.stime += ns;
  }
  const timers = t.sig.cpu_timers;
  if (kind === "user") run_itimer(s, t, timers.virt, ns, SIGVTALRM);
  run_itimer(s, t, timers.prof, ns, SIGPROF);
  if (timers.posix.length) {
    for (const ct of [...timers.posix])
      if (
        ct.expires > 0 &&
        (ct.thread === null || ct.thread === t) &&
        cputime_ns(t, ct.thread !== null) >= ct.expires
      )
        ct.fire();
  }
}

/** check_cpu_itimer(): run `it` down by `ns`; at 0, `sig` to the process (SI_KERNEL) and the
 *  timer reloads with its interval (the overshoot carried, as Linux does) or stops. */
function run_itimer(s: Scheduler, t: task_struct, it: cpu_itimer, ns: number, sig: number): void {
  if (it.left <= 0) return;
  it.left -= ns;
  if (it.left > 0) return;
  if (it.incr > 0) {
    it.left += it.incr;
    if (it.left <= 0) it.left = it.incr - (-it.left % it.incr); // expiries missed are skipped
  } else it.left = 0;
  const info: kernel_siginfo = { signo: sig, code: SI_KERNEL };
  send_signal(s, t, info, true);
}

/** RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD (RUSAGE_BOTH is internal: self + children). */
export const RUSAGE_SELF = 0;
export const RUSAGE_CHILDREN = -1;
export const RUSAGE_THREAD = 1;

/** The peak resident set of `t`'s process in pages: the larger of what its exited threads
 *  and old images recorded and its address space's high-water mark now. */
function self_maxrss(t: task_struct): number {
  return Math.max(t.sig.ru.maxrss, t.mm.hiwater_rss, t.mm.rss);
}

/** getrusage()'s counts for `who` (RUSAGE_SELF, _CHILDREN, _THREAD, or "both"). */
export function rusage_of(t: task_struct, who: number | "both"): task_cputime {
  const r = new task_cputime();
  if (who === RUSAGE_THREAD) {
    r.add(t.ru);
    r.maxrss = self_maxrss(t);
    return r;
  }
  if (who !== RUSAGE_CHILDREN) {
    r.add(t.sig.ru);
    r.maxrss = self_maxrss(t);
  }
  if (who !== RUSAGE_SELF) r.add(t.sig.cru);
  return r;
}

/** struct rusage (144 bytes) of `r`. */
export function rusage_bytes(r: task_cputime): Uint8Array {
  const b = new Uint8Array(144);
  const v = new DataView(b.buffer);
  const tv = (off: number, ns: number) => {
    const us = Math.floor(ns / 1000);
    v.setBigInt64(off, BigInt(Math.floor(us / 1e6)), true);
    v.setBigInt64(off + 8, BigInt(us % 1e6), true);
  };
  tv(0, r.utime);
  tv(16, r.stime);
  const longs = [r.maxrss * 4, 0, 0, 0, r.min_flt, r.maj_flt, 0, 0, 0, 0, 0, 0, r.nvcsw, r.nivcsw];
  for (const [i, x] of longs.entries()) v.setBigInt64(32 + i * 8, BigInt(x), true);
  return b;
}

/** USER_HZ: the unit of clock_t in times() and si_utime/si_stime. */
export const USER_HZ = 100;

/** Nanoseconds as clock_t ticks. */
export function ns_to_clock_t(ns: number): number {
  return Math.floor(ns / (1e9 / USER_HZ));
}

/** wait_task_zombie(): a reaped child's use (and its own reaped children's) goes to the
 *  parent's children counts. */
export function reap_cputime(parent: task_struct, child: task_struct): void {
  const c = new task_cputime();
  c.add(child.sig.ru);
  c.maxrss = Math.max(child.sig.ru.maxrss, child.sig.cru.maxrss);
  c.add(child.sig.cru);
  parent.sig.cru.add(c);
}
