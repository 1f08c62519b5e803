// Wait queues, and how a system call sleeps (include/linux/wait.h, kernel/sched/wait.c).
//
// THE BLOCKING RULE. The kernel is TypeScript that runs between the interpreter's chunks: a
// system call cannot stop in the middle of its code and resume there later. So a call that must
// wait for something does this:
//
//  1. It checks its condition. If it holds (data in the pipe, the child is a zombie), the call
//     completes as usual.
//  2. Otherwise it returns wait_event(t, queues, opts): the task is queued on every wait queue of
//     `queues` (and on the timer list when `opts.deadline` is given) and the result is BLOCK.
//     If a signal is already pending, the task is not queued and the result is `opts.restart`
//     (-ERESTARTSYS unless the call says otherwise), as Linux's wait_event_interruptible()
//     returns -ERESTARTSYS instead of sleeping.
//  3. The dispatcher (syscalls/index.ts) sees BLOCK: the task's state becomes
//     TASK_INTERRUPTIBLE (or TASK_UNINTERRUPTIBLE), its pc stays at the ecall, its registers keep
//     the call's number and arguments (a0 is not written), and it leaves the hart.
//  4. wake_up() on one of the queues, the deadline passing or a signal makes it runnable again
//     and takes it off every queue it was on. When it next runs, the kernel executes the same
//     system call again, from the top, with the same registers: the ecall re-executes, as a call
//     Linux restarts after -ERESTARTSYS does (the task resumes at its ecall, which traps again).
//
// A call that made progress before it slept, or that must not redo what it did (a pipe write
// that copied part of its buffer, a futex wait that was already woken, a sleep whose deadline
// must not move), keeps that in the task's continuation record `t.cont` (see Continuation):
// when the call re-executes it finds the record (its `nr` is the call's number) and goes on
// from there. The dispatcher drops the record when the call completes; a call that was
// interrupted by a signal drops it when a handler runs (the handler's own calls start afresh).
//
// Signals: sending a signal wakes an interruptible sleeper. The call re-executes, finds its
// condition still false, and wait_event() returns the restart code. Signal delivery
// (signal.ts) then does what arch/riscv/kernel/signal.c does with the result: -ERESTARTSYS
// becomes -EINTR when a handler without SA_RESTART runs, and restarts the call otherwise;
// -ERESTARTNOHAND and -ERESTART_RESTARTBLOCK become -EINTR when a handler runs and restart when
// none does; -ERESTARTNOINTR always restarts. A call that made progress returns that instead
// (a partial count), as Linux's pipe_write() returns `ret ?: -ERESTARTSYS`.

import { ERESTARTSYS } from "./errno.js";

/** What a system call returns to say "the task sleeps; run me again when woken" (never a real
 *  result: every result is a value below 2^64 or an errno in [-4095, -1]). */
export const BLOCK = -(1n << 62n);

/** The restart codes a sleeping call may return when a signal interrupts it. */
export type RestartCode = bigint;

/** How a sleeping task may be woken: by signals (TASK_INTERRUPTIBLE), by SIGKILL only
 *  (TASK_KILLABLE), or by neither (TASK_UNINTERRUPTIBLE). */
export type SleepKind = "interruptible" | "killable" | "uninterruptible";

/** A system call's state kept across its sleeps (see the header). */
export interface Continuation {
  /** The number of the call that saved it: another call never sees it. */
  nr: number;
  /** Absolute deadline in machine nanoseconds (Infinity: none). */
  deadline: number;
  /** Progress so far (bytes copied, ...), to return instead of an error when interrupted. */
  done: bigint;
  /** Anything else the call keeps (narrowed by the call that stored it). */
  data?: unknown;
}

/** The part of a task wait queues use (task_struct implements it). */
export interface Waiter {
  /** The queue entries this task is on while it sleeps. */
  readonly waits: wait_queue_entry[];
  /** Make the task runnable (try_to_wake_up); it leaves every queue it is on. False if it was
   *  not sleeping. */
  wake(): boolean;
  /** Is a signal pending that would interrupt a sleep of `kind`? */
  signal_pending(kind: SleepKind): boolean;
  /** Queue the task to sleep (state and optional deadline); called by wait_event(). */
  sleep(kind: SleepKind, deadline: number): void;
}

/** One waiter on one queue (struct wait_queue_entry). */
export interface wait_queue_entry {
  readonly task: Waiter;
  readonly head: wait_queue_head;
  /** WQ_FLAG_EXCLUSIVE: wake_up() wakes one exclusive waiter (after every non-exclusive one). */
  readonly exclusive: boolean;
  /** Poll events this waiter cares about: a wake_up with a key wakes it only if the key has one
   *  of them (pollwake's check); 0 = every wake_up. */
  readonly events: number;
}

/** struct wait_queue_head: the tasks waiting for one thing. */
export class wait_queue_head {
  private readonly entries: wait_queue_entry[] = [];

  constructor(
    readonly name = "wq",
    /** The host wakes this queue (input from outside the machine, as a terminal's keys): a
     *  task asleep on it is waiting, not stuck, when nothing in the machine can wake it. */
    readonly host = false,
  ) {}

  /** waitqueue_active(): does anyone wait here? */
  get active(): boolean {
    return this.entries.length > 0;
  }

  /** The number of waiters (for tests and /proc). */
  get length(): number {
    return this.entries.length;
  }

  /** add_wait_queue / add_wait_queue_exclusive: exclusive waiters go at the tail. */
  add(task: Waiter, exclusive = false, events = 0): wait_queue_entry {
    const e: wait_queue_entry = { task, head: this, exclusive, events };
    if (exclusive) this.entries.push(e);
    else {
      const i = this.entries.findIndex((x) => x.exclusive);
      if (i < 0) this.entries.push(e);
      else this.entries.splice(i, 0, e);
    }
    task.waits.push(e);
    return e;
  }

  /** remove_wait_queue. */
  remove(e: wait_queue_entry): void {
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
    const j = e.task.waits.indexOf(e);
    if (j >= 0) e.task.waits.splice(j, 1);
  }

  /** __wake_up(): wake every non-exclusive waiter and up to `nrExclusive` exclusive ones whose
   *  events match `key` (0 = any). Returns the number of tasks woken. */
  wake_up(key = 0, nrExclusive = 1): number {
    let woken = 0;
    for (const e of [...this.entries]) {
      if (!this.entries.includes(e)) continue; // a wake-up above took it off already
      if (key !== 0 && e.events !== 0 && (key & e.events) === 0) continue;
      if (e.task.wake()) woken++;
      if (e.exclusive && --nrExclusive === 0) break;
    }
    return woken;
  }

  /** wake_up_all(): every waiter (whose events match `key`). */
  wake_up_all(key = 0): number {
    return this.wake_up(key, Number.POSITIVE_INFINITY);
  }
}

export interface WaitOptions {
  /** Absolute deadline in machine nanoseconds: the task is woken then (the call sees the time
   *  and returns its timeout result). Default: none. */
  deadline?: number;
  /** What to return when a signal is pending (default -ERESTARTSYS). */
  restart?: RestartCode;
  /** Default "interruptible". */
  kind?: SleepKind;
  /** Queue as an exclusive waiter (default false). */
  exclusive?: boolean;
  /** Poll events to wait for on every queue (default 0: any wake-up). */
  events?: number;
}

/** The sleeping half of wait_event_interruptible(): queue `t` on `queues` and return BLOCK, or
 *  return the restart code if a signal is pending (see the header). With no queue and no
 *  deadline, only a signal wakes the task (pause, sigsuspend). */
export function wait_event(t: Waiter, queues: readonly wait_queue_head[], opts: WaitOptions = {}): bigint {
  const kind = opts.kind ?? "interruptible";
  if (t.signal_pending(kind)) return opts.restart ?? -ERESTARTSYS;
  for (const q of queues) q.add(t, opts.exclusive ?? false, opts.events ?? 0);
  t.sleep(kind, opts.deadline ?? Number.POSITIVE_INFINITY);
  return BLOCK;
}

/** finish_wait() for every queue the task is on (try_to_wake_up calls it). */
export function leave_wait_queues(t: Waiter): void {
  while (t.waits.length) {
    const e = t.waits[t.waits.length - 1]!;
    e.head.remove(e);
  }
}
