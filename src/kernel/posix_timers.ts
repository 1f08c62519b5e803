// POSIX timers (kernel/time/posix-timers.c and posix-cpu-timers.c, much reduced):
// timer_create / timer_settime / timer_gettime / timer_getoverrun / timer_delete on
// CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME and CLOCK_TAI (hrtimers in machine time) and
// on CLOCK_PROCESS_CPUTIME_ID / CLOCK_THREAD_CPUTIME_ID (checked as CPU time is accounted,
// cputime.ts). A timer notifies by a signal to its process (SIGEV_SIGNAL), to one of its
// threads (SIGEV_THREAD_ID, what glibc's SIGEV_THREAD uses), or not at all (SIGEV_NONE). Its
// siginfo is queued once: expiries while it is still pending count as overruns (si_overrun,
// timer_getoverrun), as Linux's preallocated sigqueue does.
//
// Facts used (no code copied): struct sigevent's layout (sigev_value at 0, sigev_signo at 8,
// sigev_notify at 12, sigev_notify_thread_id at 16), SIGEV_SIGNAL 0, SIGEV_NONE 1,
// SIGEV_THREAD_ID 4, SI_TIMER -2, the default event (SIGALRM with the timer id as value), the
// argument checks of good_sigevent() and do_timer_create(), EOPNOTSUPP for clocks without
// timers (MONOTONIC_RAW and the COARSE ones).

import { type cpu_timer, cputime_ns } from "./cputime.js";
import { EAGAIN, EINVAL, EOPNOTSUPP } from "./errno.js";
import type { hrtimer } from "./hrtimer.js";
import type { Scheduler, task_struct } from "./process.js";
import { type kernel_siginfo, NSIG, SIGALRM, send_signal } from "./signal.js";

export const SIGEV_SIGNAL = 0;
export const SIGEV_NONE = 1;
export const SIGEV_THREAD_ID = 4;
export const SI_TIMER = -2;
/** Timers one process may hold (a bound on host memory; Linux's limit is RLIMIT_SIGPENDING). */
export const POSIX_TIMERS_MAX = 1024;

/** The clock a timer runs on. */
type TimerClock = "real" | "mono" | "process" | "thread";

/** struct k_itimer: one timer of a process. */
export interface k_itimer {
  readonly id: number;
  readonly clock: TimerClock;
  readonly notify: number;
  readonly signo: number;
  readonly value: bigint;
  /** SIGEV_THREAD_ID's thread, else null (the process). */
  readonly target: task_struct | null;
  /** CLOCK_THREAD_CPUTIME_ID: the thread whose CPU time it counts (the creator). */
  readonly counted: task_struct | null;
  /** The process's first thread when created (signals go to its group). */
  readonly owner: task_struct;
  /** Reload interval in nanoseconds (0: one-shot). */
  interval: number;
  hr: hrtimer | null;
  cpu: cpu_timer | null;
  /** Expiries while the signal was still pending, and the count the last delivery carried. */
  overrun: number;
  /** The siginfo this timer queued, while it may still be pending. */
  info: kernel_siginfo | null;
}

/** A sigevent as timer_create reads it. */
export interface sigevent {
  value: bigint;
  signo: number;
  notify: number;
  tid: number;
}

/** The sigevent at `b` (64 bytes from user memory). */
export function sigevent_from(b: Uint8Array): sigevent {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    value: v.getBigUint64(0, true),
    signo: v.getInt32(8, true),
    notify: v.getInt32(12, true),
    tid: v.getInt32(16, true),
  };
}

/** The clock of a timer for clock id `id`, or the error timer_create gives. */
function timer_clock(id: number): TimerClock | bigint {
  if (id === 0 || id === 11) return "real"; // REALTIME, TAI
  if (id === 1 || id === 7) return "mono"; // MONOTONIC, BOOTTIME
  if (id === 2) return "process";
  if (id === 3) return "thread";
  if (id === 4 || id === 5 || id === 6) return -EOPNOTSUPP; // no timers on these clocks
  return -EINVAL;
}

/** do_timer_create(): a new timer of `t`'s process on clock `clockid` notifying as `ev` (null:
 *  SIGALRM to the process with the id as value); its id, or an errno. */
export function timer_create(s: Scheduler, t: task_struct, clockid: number, ev: sigevent | null): bigint {
  const clock = timer_clock(clockid);
  if (typeof clock === "bigint") return clock;
  let target: task_struct | null = null;
  if (ev) {
    // good_sigevent(): THREAD_ID names a thread of this process; a signal must be valid.
    const kind = ev.notify & ~SIGEV_THREAD_ID;
    if (kind !== SIGEV_SIGNAL && kind !== SIGEV_NONE) return -EINVAL;
    if (ev.notify & SIGEV_THREAD_ID) {
      if (kind !== SIGEV_SIGNAL) return -EINVAL;
      target = s.find_task(ev.tid) ?? null;
      if (!target || target.sig !== t.sig || !target.running) return -EINVAL;
    }
    if (kind === SIGEV_SIGNAL && (ev.signo <= 0 || ev.signo > NSIG)) return -EINVAL;
  }
  const sg = t.sig;
  if (sg.posix_timers.size >= POSIX_TIMERS_MAX) return -EAGAIN;
  let id = sg.next_timer_id;
  while (sg.posix_timers.has(id)) id = (id + 1) & 0x7fffffff;
  sg.next_timer_id = (id + 1) & 0x7fffffff;
  const timer: k_itimer = {
    id,
    clock,
    notify: ev ? ev.notify : SIGEV_SIGNAL,
    signo: ev ? ev.signo : SIGALRM,
    value: ev ? ev.value : BigInt(id),
    target,
    counted: clock === "thread" ? t : null,
    owner: t,
    interval: 0,
    hr: null,
    cpu: null,
    overrun: 0,
    info: null,
  };
  sg.posix_timers.set(id, timer);
  return BigInt(id);
}

/** The timer's clock now, in nanoseconds (machine time, or CPU time). */
function clock_now(s: Scheduler, tm: k_itimer): number {
  if (tm.clock === "process") return cputime_ns(tm.owner, false);
  if (tm.clock === "thread") return cputime_ns(tm.counted!, true);
  return s.now();
}

/** posix_timer_event(): queue the timer's signal, or count an overrun while the last one is
 *  still pending. */
function timer_event(s: Scheduler, tm: k_itimer, missed: number): void {
  if (tm.notify === SIGEV_NONE) return;
  const dest = tm.target ?? tm.owner.sig.thread_head[0];
  if (!dest?.running) return;
  const queue = tm.target ? dest.signals.pending : dest.sig.shared_pending;
  if (tm.info && queue.list.includes(tm.info)) {
    tm.info.overrun = Math.min(0x7fffffff, (tm.info.overrun ?? 0) + 1 + missed);
    tm.overrun = tm.info.overrun;
    return;
  }
  tm.info = { signo: tm.signo, code: SI_TIMER, timerid: tm.id, overrun: missed, value: tm.value };
  tm.overrun = missed;
  send_signal(s, dest, tm.info, tm.target === null);
}

/** The timer expired at `expires` (on its clock, now `now`): its event, and the next expiry
 *  after `now` when it has an interval (the expiries skipped count as overruns), else 0. */
function expire(s: Scheduler, tm: k_itimer, expires: number, now: number): number {
  let next = 0;
  let missed = 0;
  if (tm.interval > 0) {
    next = expires + tm.interval;
    if (next <= now) {
      missed = Math.ceil((now - next + 1) / tm.interval);
      next += missed * tm.interval;
    }
  }
  timer_event(s, tm, missed);
  return next;
}

/** Disarm the timer. */
function disarm(s: Scheduler, tm: k_itimer): void {
  if (tm.hr) s.timers.cancel(tm.hr);
  tm.hr = null;
  if (tm.cpu) {
    tm.cpu.expires = 0;
    const list = tm.owner.sig.cpu_timers.posix;
    const i = list.indexOf(tm.cpu);
    if (i >= 0) list.splice(i, 1);
  }
  tm.cpu = null;
}

/** Arm the timer to expire at `expires` on its clock (absolute). */
function arm(s: Scheduler, tm: k_itimer, expires: number): void {
  if (tm.clock === "real" || tm.clock === "mono") {
    const fire = () => {
      const hr = tm.hr!;
      const next = expire(s, tm, hr.expires, s.now());
      if (next > 0 && tm.hr === hr) s.timers.restart(hr, next);
    };
    tm.hr = s.timers.start(expires, fire);
    return;
  }
  const ct: cpu_timer = {
    expires,
    thread: tm.counted,
    fire: () => {
      const next = expire(s, tm, ct.expires, clock_now(s, tm));
      if (next > 0) ct.expires = next;
      else disarm(s, tm);
    },
  };
  tm.cpu = ct;
  tm.owner.sig.cpu_timers.posix.push(ct);
}

/** The time left before the timer's next expiry (0: disarmed) and its interval. */
export function timer_get(s: Scheduler, tm: k_itimer): [number, number] {
  const expires = tm.hr?.active ? tm.hr.expires : tm.cpu ? tm.cpu.expires : 0;
  if (!expires) return [0, tm.interval];
  return [Math.max(1, expires - clock_now(s, tm)), tm.interval];
}

/** do_timer_settime(): `value` (ns; 0 disarms; absolute on the timer's clock with `abs`,
 *  where REALTIME counts from `epochNs`) and `interval`. Returns the old setting. */
export function timer_set(
  s: Scheduler,
  tm: k_itimer,
  abs: boolean,
  value: number,
  interval: number,
  epochNs: number,
): [number, number] {
  const old = timer_get(s, tm);
  disarm(s, tm);
  tm.interval = value ? interval : 0;
  tm.overrun = 0;
  if (value) {
    // A time already past fires at the next check (the timer queue, or the next accounting).
    const now = clock_now(s, tm);
    const expires = abs ? value - (tm.clock === "real" ? epochNs : 0) : now + value;
    arm(s, tm, Math.max(expires, now, 1));
  }
  return old;
}

/** timer_delete(): disarm and forget the timer; a signal it queued stays pending. */
export function timer_delete(s: Scheduler, t: task_struct, tm: k_itimer): void {
  disarm(s, tm);
  t.sig.posix_timers.delete(tm.id);
}

/** exit_itimers(): every POSIX timer of a process that exits or execs goes. */
export function exit_itimers(s: Scheduler, t: task_struct): void {
  for (const tm of [...t.sig.posix_timers.values()]) timer_delete(s, t, tm);
}

/** The caller's timer `id`, or null (EINVAL for the calls). */
export function find_timer(t: task_struct, id: number): k_itimer | null {
  return t.sig.posix_timers.get(id) ?? null;
}
