// Signals (kernel/signal.c, arch/riscv/kernel/signal.c): the handlers a process installs
// (sighand_struct), the signals pending for a thread and for its whole process, the mask a
// thread blocks, and delivery on the way back to user mode: a default action (terminate,
// core, ignore, stop, continue), or a handler run on the user stack (or the sigaltstack) with
// a Linux riscv64 rt_sigframe, which returns through the vDSO's __vdso_rt_sigreturn trampoline
// into rt_sigreturn.
//
// Facts used (no code copied): the signal numbers, SA_* and SS_* bits of
// include/uapi/asm-generic/signal{,-defs}.h; the default actions of the table in
// include/linux/signal.h; the frame layout of arch/riscv/include/uapi/asm/{ucontext,sigcontext}.h
// and arch/riscv/kernel/signal.c (struct rt_sigframe { siginfo; ucontext }, the END context
// header, ra = the vDSO trampoline, a0/a1/a2 = signo, &info, &uc); the restart rules of
// arch_do_signal_or_restart(); si_code values of include/uapi/asm-generic/siginfo.h.
//
// Masks are 64-bit bigints (bit sig-1), as the kernel's sigset_t on riscv64. This is not the
// interpreter's hot loop: delivery runs only when a signal is pending.

import type { Hart } from "../cpu/index.js";
import { cpu_timers, task_cputime } from "./cputime.js";
import {
  EAGAIN,
  EINTR,
  EINVAL,
  ENOMEM,
  EPERM,
  ERESTART_RESTARTBLOCK,
  ERESTARTNOHAND,
  ERESTARTNOINTR,
  ERESTARTSYS,
} from "./errno.js";
import type { hrtimer } from "./hrtimer.js";
import type { k_itimer } from "./posix_timers.js";
import type { Scheduler, task_struct } from "./process.js";
import { wait_queue_head } from "./wait.js";

export const NSIG = 64;
/** Signal numbers (asm-generic/signal.h). */
export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGURG = 23;
export const SIGWINCH = 28;
export const SIGRTMIN = 32;

const NAMES = [
  "",
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

/** The signal's name as strace prints it (SIGSEGV, SIGRT_3). */
export function signame(sig: number): string {
  return NAMES[sig] ?? (sig >= SIGRTMIN && sig <= NSIG ? `SIGRT_${sig - SIGRTMIN}` : `signal ${sig}`);
}

/** sa_handler's special values. */
export const SIG_DFL = 0n;
export const SIG_IGN = 1n;

/** sa_flags bits (asm-generic/signal-defs.h); riscv64 defines no SA_RESTORER. */
export const SA_NOCLDSTOP = 0x1n;
export const SA_NOCLDWAIT = 0x2n;
export const SA_SIGINFO = 0x4n;
export const SA_EXPOSE_TAGBITS = 0x800n;
export const SA_ONSTACK = 0x0800_0000n;
export const SA_RESTART = 0x1000_0000n;
export const SA_NODEFER = 0x4000_0000n;
export const SA_RESETHAND = 0x8000_0000n;
/** UAPI_SA_FLAGS: the bits do_sigaction keeps; others are dropped silently (Linux 5.11+). */
export const UAPI_SA_FLAGS =
  SA_NOCLDSTOP |
  SA_NOCLDWAIT |
  SA_SIGINFO |
  SA_ONSTACK |
  SA_RESTART |
  SA_NODEFER |
  SA_RESETHAND |
  SA_EXPOSE_TAGBITS;

/** sigaltstack flags (asm-generic/signal-defs.h, uapi/linux/signal.h). */
export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const SS_AUTODISARM = 1 << 31;
/** MINSIGSTKSZ of asm-generic/signal.h (riscv64 uses it). */
export const MINSIGSTKSZ = 2048n;

/** si_code values (asm-generic/siginfo.h). */
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_TKILL = -6;
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const BUS_ADRALN = 1;
export const BUS_ADRERR = 2;
export const ILL_ILLOPC = 1;
export const TRAP_BRKPT = 1;
/** SIGCHLD's si_code values: how the child changed (CLD_EXITED ... CLD_CONTINUED). */
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

const ALL = (1n << 64n) - 1n;
/** sigmask(sig): the mask bit of `sig`. */
export const sigmask = (sig: number): bigint => 1n << BigInt(sig - 1);
/** SIGKILL and SIGSTOP can be neither caught, blocked nor ignored. */
const UNBLOCKABLE = sigmask(SIGKILL) | sigmask(SIGSTOP);
/** The signals a fault sends: dequeued before any other (SYNCHRONOUS_MASK). */
const SYNCHRONOUS =
  sigmask(SIGSEGV) |
  sigmask(SIGBUS) |
  sigmask(SIGILL) |
  sigmask(SIGTRAP) |
  sigmask(SIGFPE) |
  sigmask(11 + 20); // SIGSYS
const STOP_SIGNALS = sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU);
const IGNORED_BY_DEFAULT = sigmask(SIGCHLD) | sigmask(SIGCONT) | sigmask(SIGURG) | sigmask(SIGWINCH);
const COREDUMP =
  sigmask(SIGQUIT) |
  sigmask(SIGILL) |
  sigmask(SIGTRAP) |
  sigmask(SIGABRT) |
  sigmask(SIGBUS) |
  sigmask(SIGFPE) |
  sigmask(SIGSEGV) |
  sigmask(24) | // SIGXCPU
  sigmask(25) | // SIGXFSZ
  sigmask(31); // SIGSYS

/** Is `sig` a signal number (1..64)? */
export const valid_signal = (sig: number): boolean => sig >= 1 && sig <= NSIG;

/** The default action of `sig` (the table in include/linux/signal.h). */
export function sig_default(sig: number): "term" | "core" | "ign" | "stop" | "cont" {
  const m = sigmask(sig);
  if (sig === SIGCONT) return "cont";
  if (m & STOP_SIGNALS) return "stop";
  if (m & IGNORED_BY_DEFAULT) return "ign";
  if (m & COREDUMP) return "core";
  return "term";
}

/** struct k_sigaction: a handler, its flags and the mask added while it runs. */
export interface k_sigaction {
  handler: bigint;
  flags: bigint;
  mask: bigint;
}

/** struct sighand_struct: the actions of a process's 64 signals (shared by CLONE_SIGHAND). */
export class sighand_struct {
  readonly action: k_sigaction[] = Array.from({ length: NSIG + 1 }, () => ({
    handler: SIG_DFL,
    flags: 0n,
    mask: 0n,
  }));

  /** A copy for a new process (fork without CLONE_SIGHAND). */
  copy(): sighand_struct {
    const s = new sighand_struct();
    for (let i = 1; i <= NSIG; i++) s.action[i] = { ...this.action[i]! };
    return s;
  }

  /** flush_signal_handlers() at execve: caught signals go back to SIG_DFL, ignored stay. */
  flush_handlers(): void {
    for (let i = 1; i <= NSIG; i++) {
      const a = this.action[i]!;
      if (a.handler !== SIG_IGN) a.handler = SIG_DFL;
      a.flags = 0n;
      a.mask = 0n;
    }
  }
}

/** A queued signal's siginfo fields (kernel_siginfo, the members this kernel fills in). */
export interface kernel_siginfo {
  signo: number;
  code: number;
  errno?: number;
  /** Sender (kill, tgkill, SIGCHLD's child). */
  pid?: number;
  uid?: number;
  /** The faulting address (SIGSEGV, SIGBUS, SIGILL, SIGTRAP). */
  addr?: bigint;
  /** SIGCHLD: the child's status and times. */
  status?: number;
  /** sigqueue's sigval (si_value, at offset 24). */
  value?: bigint;
  /** A POSIX timer's id and overrun count (SI_TIMER: si_tid at 16, si_overrun at 20). */
  timerid?: number;
  overrun?: number;
}

/** Most real-time signals queued per task (RLIMIT_SIGPENDING, kept small: host memory). */
export const SIGQUEUE_MAX = 1024;

/** struct sigpending: the pending set and the queued siginfos. */
export class sigpending {
  signal = 0n;
  readonly list: kernel_siginfo[] = [];

  /** Queue `info` (a standard signal already pending is not queued twice). False if the
   *  queue is full (the signal is then lost: EAGAIN for the sender of a real-time one). */
  add(info: kernel_siginfo): boolean {
    const m = sigmask(info.signo);
    if (info.signo < SIGRTMIN && this.signal & m) return true;
    if (this.list.length >= SIGQUEUE_MAX) return false;
    this.list.push(info);
    this.signal |= m;
    return true;
  }

  /** Take the first queued instance of `sig`. */
  take(sig: number): kernel_siginfo {
    const i = this.list.findIndex((x) => x.signo === sig);
    const info = i >= 0 ? this.list.splice(i, 1)[0]! : { signo: sig, code: SI_KERNEL };
    if (!this.list.some((x) => x.signo === sig)) this.signal &= ~sigmask(sig);
    return info;
  }

  /** Drop every pending instance of the signals in `mask`. */
  flush(mask: bigint): void {
    for (let i = this.list.length - 1; i >= 0; i--)
      if (mask & sigmask(this.list[i]!.signo)) this.list.splice(i, 1);
    this.signal &= ~mask;
  }
}

/** What a task's signal_struct holds for ITIMER_REAL (the process's real-time timer). */
export interface itimer_real {
  timer: hrtimer | null;
  /** Reload interval in nanoseconds (0: one-shot). */
  incr: number;
}

/** struct signal_struct: what the threads of one process share: the process-wide pending
 *  set, the threads, ITIMER_REAL, group stop. */
export class signal_struct {
  readonly shared_pending = new sigpending();
  readonly thread_head: task_struct[] = [];
  readonly real_timer: itimer_real = { timer: null, incr: 0 };
  /** SIGNAL_STOP_STOPPED: the group is stopped (a stop signal's default action). */
  stopped = false;
  /** group_exit_code while stopped: the stop signal, until a wait reports it (then 0). */
  group_exit_code = 0;
  /** SIGNAL_STOP_CONTINUED: SIGCONT continued the stopped group; WCONTINUED reports it once. */
  stop_continued = false;
  /** SIGNAL_CLD_CONTINUED: the parent is still to be told (by the first thread to run). */
  cld_continued = false;
  /** The group is exiting (a fatal signal or exit_group). */
  group_exit = false;
  // The processes half (kernel/exit.c, kernel/sys.c): the group's life and relations.
  /** Threads that have not exited yet (signal->live). */
  live = 1;
  /** The processes this group forked (children of its leader), in fork order. */
  readonly children: task_struct[] = [];
  /** wait4/waitid sleepers of this group: a child's exit wakes them (wait_chldexit). */
  readonly wait_chldexit = new wait_queue_head("wait_chldexit");
  /** Process group and session ids (setpgid, setsid). */
  pgrp = 0;
  session = 0;
  /** What the group's threads used, and what its reaped children used (getrusage). */
  readonly ru = new task_cputime();
  readonly cru = new task_cputime();
  /** ITIMER_VIRTUAL, ITIMER_PROF and POSIX timers on the CPU-time clocks. */
  readonly cpu_timers = new cpu_timers();
  /** Resource limits set with prlimit64 (signal->rlim), by resource: [soft, hard]; a hole is
   *  the boot default (RLIMIT_NOFILE lives with the descriptor table). Copied by fork. */
  rlim: ([bigint, bigint] | undefined)[] = [];
  /** timer_create's timers, by id (posix_timers.ts). */
  readonly posix_timers = new Map<number, k_itimer>();
  /** The id the next timer_create tries first (ids count up from 0 per process). */
  next_timer_id = 0;
}

/** Per-thread signal state (the signal members of task_struct). */
export class task_signals {
  blocked = 0n;
  readonly pending = new sigpending();
  /** rt_sigsuspend's (and ppoll's) mask to put back after delivery (TIF_RESTORE_SIGMASK). */
  saved_sigmask = 0n;
  restore_sigmask = false;
  sas_ss_sp = 0n;
  sas_ss_size = 0n;
  sas_ss_flags = SS_DISABLE;
}

// ---- sending ----

/** Is `sig` ignored by `t` (so sending it does nothing)? A blocked signal is queued even if
 *  ignored, as its handler may change before it is unblocked, and so is any signal but
 *  SIGKILL when a debugger traces the task: it wants to know of it (sig_ignored()). */
function sig_ignored(s: Scheduler, t: task_struct, sig: number): boolean {
  if (t.signals.blocked & sigmask(sig)) return false;
  if (s.ptrace && !t.ptrace_detached && sig !== SIGKILL) return false;
  const h = t.sighand.action[sig]!.handler;
  return h === SIG_IGN || (h === SIG_DFL && sig_default(sig) === "ign");
}

/** Would `t` take `sig` now (not blocked, not exiting)? */
function wants_signal(t: task_struct, sig: number): boolean {
  return t.running && (sig === SIGKILL || !(t.signals.blocked & sigmask(sig)));
}

/** Send `info` to the thread `t` (group = false) or to its whole process (group = true):
 *  __send_signal_locked(). A stop signal drops a pending SIGCONT and SIGCONT drops pending
 *  stops and continues the group (prepare_signal); an ignored signal is dropped; the chosen
 *  thread is woken. 0, or -EAGAIN when a real-time signal's queue is full. */
export function send_signal(s: Scheduler, t: task_struct, info: kernel_siginfo, group: boolean): bigint {
  const sig = info.signo;
  if (!t.running) return 0n;
  const sg = t.sig;
  if (sigmask(sig) & STOP_SIGNALS) {
    for (const th of sg.thread_head) th.signals.pending.flush(sigmask(SIGCONT));
    sg.shared_pending.flush(sigmask(SIGCONT));
  } else if (sig === SIGCONT) {
    for (const th of sg.thread_head) th.signals.pending.flush(STOP_SIGNALS);
    sg.shared_pending.flush(STOP_SIGNALS);
    if (sg.stopped) {
      // prepare_signal(): SIGNAL_STOP_CONTINUED for wait, SIGNAL_CLD_CONTINUED for the parent.
      sg.stopped = false;
      sg.group_exit_code = 0;
      sg.stop_continued = true;
      sg.cld_continued = true;
      for (const th of sg.thread_head) s.wake_up_state(th, "stopped");
    }
  }
  if (sig_ignored(s, t, sig)) return 0n;
  const q = group ? sg.shared_pending : t.signals.pending;
  if (!q.add(info)) return -EAGAIN; // the queue is full (SIGQUEUE_MAX)
  complete_signal(s, t, sig, group);
  return 0n;
}

/** complete_signal(): wake a thread that will take `sig` (the target itself for a thread
 *  signal; for a process signal the target if it wants it, else the first thread that does).
 *  A fatal signal with the default action kills the whole group at once, as Linux's
 *  SIGNAL_GROUP_EXIT shortcut does. */
function complete_signal(s: Scheduler, t: task_struct, sig: number, group: boolean): void {
  let target: task_struct | undefined = wants_signal(t, sig) ? t : undefined;
  if (!target && group) target = t.sig.thread_head.find((th) => wants_signal(th, sig));
  if (!target) return;
  if (sig === SIGKILL) {
    // SIGKILL cannot be caught or stopped: the group runs again (a stopped one too) and
    // leaves whatever it sleeps in, to die on its way back to user mode.
    t.sig.stopped = false;
    for (const th of [...t.sig.thread_head]) s.wake_up_state(th, th.state === "stopped" ? "stopped" : "any");
  }
  signal_wake_up(s, target, sig === SIGKILL);
}

/** signal_wake_up(): an interruptible sleeper wakes (a killable one too for SIGKILL). */
function signal_wake_up(s: Scheduler, t: task_struct, fatal: boolean): void {
  s.wake_up_state(t, fatal ? "killable" : "interruptible");
}

/** force_sig_info(): a synchronous signal from a fault. If it is blocked or ignored, its
 *  handler is reset to SIG_DFL and it is unblocked, so it cannot be lost (the process dies
 *  of it, as Linux does). */
export function force_sig_info(s: Scheduler, t: task_struct, info: kernel_siginfo): void {
  const a = t.sighand.action[info.signo]!;
  const blocked = (t.signals.blocked & sigmask(info.signo)) !== 0n;
  if (blocked || a.handler === SIG_IGN) {
    a.handler = SIG_DFL;
    if (blocked) t.signals.blocked &= ~sigmask(info.signo);
  }
  send_signal(s, t, info, false);
}

/** force_sig_fault(): `sig` with si_code `code` and si_addr `addr`. */
export function force_sig_fault(s: Scheduler, t: task_struct, sig: number, code: number, addr: bigint): void {
  force_sig_info(s, t, { signo: sig, code, addr });
}

/** Is the handler of `sig` SIG_DFL or SIG_IGN (unhandled_signal(): the fault report line
 *  is printed only then)? */
export function unhandled_signal(t: task_struct, sig: number): boolean {
  const h = t.sighand.action[sig]!.handler;
  return h === SIG_DFL || h === SIG_IGN || (t.signals.blocked & sigmask(sig)) !== 0n;
}

/** The signals pending for `t` that it does not block (thread's and process's). */
export function unblocked_pending(t: task_struct): bigint {
  return (t.signals.pending.signal | t.sig.shared_pending.signal) & ~t.signals.blocked & ALL;
}

/** signal_pending() (interruptible sleep) / fatal_signal_pending() (killable sleep). */
export function signal_pending(
  t: task_struct,
  kind: "interruptible" | "killable" | "uninterruptible",
): boolean {
  if (kind === "uninterruptible") return false;
  const p = t.signals.pending.signal | t.sig.shared_pending.signal;
  if (p & sigmask(SIGKILL)) return true;
  return kind === "interruptible" && (p & ~t.signals.blocked) !== 0n;
}

// ---- the system-call side: masks and the alternate stack ----

/** set_current_blocked(): the new mask, never blocking SIGKILL or SIGSTOP. */
export function set_current_blocked(t: task_struct, mask: bigint): void {
  t.signals.blocked = mask & ~UNBLOCKABLE & ALL;
}

/** set_user_sigmask(): a call's temporary mask (ppoll, pselect6), installed on its first run
 *  (a run after a wake-up finds it in place: TIF_RESTORE_SIGMASK is set). */
export function set_user_sigmask(t: task_struct, mask: bigint): void {
  const g = t.signals;
  if (g.restore_sigmask) return;
  g.saved_sigmask = g.blocked;
  set_current_blocked(t, mask);
  g.restore_sigmask = true;
}

/** restore_saved_sigmask_unless(): the call is over; put the old mask back now, unless a
 *  signal interrupted it (delivery then restores it after the handler's frame took it). */
export function restore_saved_sigmask_unless(t: task_struct, interrupted: boolean): void {
  const g = t.signals;
  if (interrupted || !g.restore_sigmask) return;
  g.restore_sigmask = false;
  set_current_blocked(t, g.saved_sigmask);
}

/** do_sigaction(): install `act` (if given) for `sig`, returning the old action. EINVAL for a
 *  bad number or for changing SIGKILL/SIGSTOP. Setting a handler that ignores the signal
 *  drops it where pending. */
export function do_sigaction(t: task_struct, sig: number, act: k_sigaction | null): k_sigaction | bigint {
  if (!valid_signal(sig) || (act && sigmask(sig) & UNBLOCKABLE)) return -EINVAL;
  const old = { ...t.sighand.action[sig]! };
  if (act) {
    t.sighand.action[sig] = {
      handler: act.handler,
      flags: act.flags & UAPI_SA_FLAGS,
      mask: act.mask & ~UNBLOCKABLE,
    };
    if (act.handler === SIG_IGN || (act.handler === SIG_DFL && sig_default(sig) === "ign")) {
      t.sig.shared_pending.flush(sigmask(sig));
      for (const th of t.sig.thread_head) th.signals.pending.flush(sigmask(sig));
    }
  }
  return old;
}

/** stack_t as the syscalls see it. */
export interface stack_t {
  ss_sp: bigint;
  ss_flags: number;
  ss_size: bigint;
}

/** on_sig_stack(): is `sp` on the alternate stack (never, with SS_AUTODISARM)? */
function on_sig_stack(t: task_struct, sp: bigint): boolean {
  const g = t.signals;
  if (g.sas_ss_flags & SS_AUTODISARM) return false;
  return sp > g.sas_ss_sp && sp - g.sas_ss_sp <= g.sas_ss_size;
}

/** sas_ss_flags(): SS_DISABLE, SS_ONSTACK or 0 for a task at `sp`. */
function sas_ss_flags(t: task_struct, sp: bigint): number {
  if (t.signals.sas_ss_size === 0n) return SS_DISABLE;
  return on_sig_stack(t, sp) ? SS_ONSTACK : 0;
}

/** do_sigaltstack(): report the old stack, set the new one. EPERM while on it, EINVAL for a
 *  bad mode, ENOMEM below MINSIGSTKSZ. */
export function do_sigaltstack(
  t: task_struct,
  ss: stack_t | null,
  sp: bigint,
): { old: stack_t; err: bigint } {
  const g = t.signals;
  const old: stack_t = {
    ss_sp: g.sas_ss_sp,
    ss_size: g.sas_ss_size,
    ss_flags: sas_ss_flags(t, sp) | (g.sas_ss_flags & SS_AUTODISARM),
  };
  if (!ss) return { old, err: 0n };
  if (on_sig_stack(t, sp)) return { old, err: -EPERM };
  const mode = ss.ss_flags & ~SS_AUTODISARM;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return { old, err: -EINVAL };
  let { ss_sp, ss_size } = ss;
  if (mode === SS_DISABLE) {
    ss_size = 0n;
    ss_sp = 0n;
  } else if (ss_size < MINSIGSTKSZ) return { old, err: -ENOMEM };
  g.sas_ss_sp = ss_sp;
  g.sas_ss_size = ss_size;
  g.sas_ss_flags = ss.ss_flags;
  return { old, err: 0n };
}

// ---- the rt_sigframe ----

/** Sizes and offsets of struct rt_sigframe on riscv64: siginfo (128 bytes), then struct
 *  ucontext: uc_flags, uc_link, uc_stack (24 bytes), uc_sigmask (8) and its padding to 128
 *  bytes, then uc_mcontext (16-aligned, at 176): sc_regs (pc, x1..x31) and the FP union of
 *  528 bytes (__riscv_d_ext_state: f[32] and fcsr; its q-variant's reserved words, where the
 *  kernel puts a zero word and the END context header {magic 0, size 0}). */
const SI_SIZE = 128;
const UC = SI_SIZE;
const UC_STACK = UC + 16;
const UC_SIGMASK = UC + 40;
const UC_MCONTEXT = UC + 176;
const SC_FP = UC_MCONTEXT + 256;
const SC_FCSR = SC_FP + 256;
const SC_RESERVED = SC_FP + 516;
const SC_END_HDR = SC_FP + 520;
/** sizeof(struct rt_sigframe). */
export const RT_SIGFRAME_SIZE = SC_FP + 528;

/** The vDSO page's rt_sigreturn trampoline (arch/riscv/kernel/vdso/rt_sigreturn.S's two
 *  instructions): li a7, 139 (__NR_rt_sigreturn); ecall. */
export const VDSO_SIGRETURN_CODE = new Uint8Array(new Uint32Array([0x08b00893, 0x00000073]).buffer);
/** Offset of __vdso_rt_sigreturn in the vDSO page. */
export const VDSO_SIGRETURN_OFFSET = 0n;

/** copy_siginfo_to_user(): the 128-byte siginfo of `info`. */
export function siginfo_bytes(info: kernel_siginfo): Uint8Array {
  const b = new Uint8Array(SI_SIZE);
  const v = new DataView(b.buffer);
  v.setInt32(0, info.signo, true);
  v.setInt32(4, info.errno ?? 0, true);
  v.setInt32(8, info.code, true);
  if (info.addr !== undefined) v.setBigUint64(16, BigInt.asUintN(64, info.addr), true);
  else {
    v.setInt32(16, info.timerid ?? info.pid ?? 0, true);
    v.setUint32(20, info.overrun ?? info.uid ?? 0, true);
    if (info.status !== undefined) v.setInt32(24, info.status, true);
    else if (info.value !== undefined) v.setBigUint64(24, BigInt.asUintN(64, info.value), true);
  }
  return b;
}

/** The bytes of a handler's rt_sigframe: siginfo, then the ucontext of the interrupted
 *  user context (the hart in S-mode, its user pc in sepc) with `oldmask` to restore. */
function frame_bytes(t: task_struct, h: Hart, info: kernel_siginfo, oldmask: bigint): Uint8Array {
  const b = new Uint8Array(RT_SIGFRAME_SIZE);
  const v = new DataView(b.buffer);
  b.set(siginfo_bytes(info), 0);
  // uc_flags, uc_link: 0. uc_stack: __save_altstack() (then SS_AUTODISARM disarms it).
  const g = t.signals;
  v.setBigUint64(UC_STACK, g.sas_ss_sp, true);
  v.setInt32(UC_STACK + 8, g.sas_ss_flags, true);
  v.setBigUint64(UC_STACK + 16, g.sas_ss_size, true);
  v.setBigUint64(UC_SIGMASK, oldmask, true);
  v.setBigUint64(UC_MCONTEXT, h.sepc, true);
  for (let r = 1; r < 32; r++) v.setBigUint64(UC_MCONTEXT + r * 8, BigInt.asUintN(64, h.reg(r)), true);
  if (has_fpu(h)) {
    b.set(new Uint8Array(h.f.buffer, h.f.byteOffset, 256), SC_FP);
    v.setUint32(SC_FCSR, (h.frm << 5) | h.fflags, true);
  }
  // The reserved word and the END header are zero already.
  return b;
}

function has_fpu(h: Hart): boolean {
  return (h.misa & ((1n << 3n) | (1n << 5n))) !== 0n; // D or F
}

/** The stack pointer a handler's frame goes below (get_sigframe with sigsp()), or null when
 *  on the alternate stack already and the frame would overflow it. */
function get_sigframe(t: task_struct, ka: k_sigaction, sp: bigint): bigint | null {
  if (on_sig_stack(t, sp) && !on_sig_stack(t, sp - BigInt(RT_SIGFRAME_SIZE))) return null;
  let top = sp;
  if (ka.flags & SA_ONSTACK && sas_ss_flags(t, sp) === 0) top = t.signals.sas_ss_sp + t.signals.sas_ss_size;
  return (top - BigInt(RT_SIGFRAME_SIZE)) & ~0xfn;
}

/** setup_rt_frame(): write the frame and point the hart at the handler. False if the frame
 *  cannot be written (the caller forces SIGSEGV). */
function setup_rt_frame(
  t: task_struct,
  h: Hart,
  ka: k_sigaction,
  info: kernel_siginfo,
  oldmask: bigint,
): boolean {
  const sp = BigInt.asUintN(64, h.reg(2));
  const frame = get_sigframe(t, ka, sp);
  const vdso = vdso_base(t);
  if (frame === null || vdso === null) return false;
  if (!t.uaccess.copy_to_user(frame, frame_bytes(t, h, info, oldmask))) return false;
  if (t.signals.sas_ss_flags & SS_AUTODISARM) {
    t.signals.sas_ss_sp = 0n;
    t.signals.sas_ss_size = 0n;
    t.signals.sas_ss_flags = SS_DISABLE;
  }
  h.setReg(1, vdso + VDSO_SIGRETURN_OFFSET);
  h.setReg(2, frame);
  h.setReg(10, BigInt(info.signo));
  h.setReg(11, frame);
  h.setReg(12, frame + BigInt(UC));
  h.sepc = ka.handler;
  return true;
}

/** The address of the task's vDSO page (mm->context.vdso), or null if it has none. */
export function vdso_base(t: task_struct): bigint | null {
  const v = t.mm.vmas.find((x) => x.name === "[vdso]");
  return v ? v.vm_start : null;
}

/** rt_sigreturn: restore the mask, registers, FP state and alternate stack from the frame at
 *  sp; the result is the restored a0. A bad frame forces SIGSEGV. */
export function sys_rt_sigreturn(s: Scheduler, t: task_struct, h: Hart): bigint {
  t.in_sigreturn = true; // regs->cause = -1: no restart fix-up on the way out
  const frame = BigInt.asUintN(64, h.reg(2));
  const b = t.uaccess.copy_from_user(frame, RT_SIGFRAME_SIZE);
  const v = b ? new DataView(b.buffer, b.byteOffset, b.byteLength) : null;
  if (!b || !v || v.getUint32(SC_RESERVED, true) !== 0 || v.getUint32(SC_END_HDR, true) !== 0) {
    force_sig_info(s, t, { signo: SIGSEGV, code: SI_KERNEL });
    return 0n;
  }
  set_current_blocked(t, v.getBigUint64(UC_SIGMASK, true));
  h.sepc = v.getBigUint64(UC_MCONTEXT, true);
  for (let r = 1; r < 32; r++) h.setReg(r, v.getBigUint64(UC_MCONTEXT + r * 8, true));
  if (has_fpu(h)) {
    new Uint8Array(h.f.buffer, h.f.byteOffset, 256).set(b.subarray(SC_FP, SC_FP + 256));
    const fcsr = v.getUint32(SC_FCSR, true);
    h.fflags = fcsr & 0x1f;
    h.frm = (fcsr >> 5) & 7;
  }
  const ss: stack_t = {
    ss_sp: v.getBigUint64(UC_STACK, true),
    ss_flags: v.getInt32(UC_STACK + 8, true),
    ss_size: v.getBigUint64(UC_STACK + 16, true),
  };
  do_sigaltstack(t, ss, BigInt.asUintN(64, h.reg(2))); // restore_altstack(): errors squashed
  return h.reg(10);
}

// ---- delivery on the way back to user mode ----

/** dequeue_signal(): the next signal outside `mask` (default: the blocked set), synchronous
 *  ones first, then the lowest number, the thread's queue before the process's. */
export function dequeue_signal(t: task_struct, mask = t.signals.blocked): kernel_siginfo | null {
  const g = t.signals;
  // nothing pending, the common case at every return to user mode: compared, no BigInt made
  if (g.pending.signal === 0n && t.sig.shared_pending.signal === 0n) return null;
  for (const q of [g.pending, t.sig.shared_pending]) {
    const sync = q.signal & ~mask & SYNCHRONOUS;
    if (sync) return q.take(lowest(sync));
  }
  for (const q of [g.pending, t.sig.shared_pending]) {
    const m = q.signal & ~mask;
    if (m) return q.take(lowest(m));
  }
  return null;
}

function lowest(m: bigint): number {
  let sig = 1;
  while (!(m & 1n)) {
    m >>= 1n;
    sig++;
  }
  return sig;
}

/** The restart fix-up of a system call's result in a0 when a handler runs (`ka`) or none
 *  does (null), as arch_do_signal_or_restart() does. */
function syscall_restart(t: task_struct, h: Hart, ka: k_sigaction | null): void {
  const r = h.reg(10);
  const code = -BigInt.asIntN(64, r);
  if (ka) {
    if (code === ERESTART_RESTARTBLOCK || code === ERESTARTNOHAND) h.setReg(10, -EINTR);
    else if (code === ERESTARTSYS && !(ka.flags & SA_RESTART)) h.setReg(10, -EINTR);
    else if (code === ERESTARTSYS || code === ERESTARTNOINTR) restart(t, h);
    if (code >= ERESTARTSYS && code <= ERESTART_RESTARTBLOCK) t.cont = null; // the handler's calls start afresh
    return;
  }
  // No handler: restart (the call's continuation, if any, is kept: a sleep keeps its deadline;
  // Linux's restart_syscall does the same for -ERESTART_RESTARTBLOCK).
  if (
    code === ERESTARTNOHAND ||
    code === ERESTARTSYS ||
    code === ERESTARTNOINTR ||
    code === ERESTART_RESTARTBLOCK
  )
    restart(t, h);
}

/** Make the ecall run again: a0 as it was, sepc back at the ecall. */
function restart(t: task_struct, h: Hart): void {
  h.setReg(10, t.orig_a0);
  h.sepc -= 4n;
}

/** The way back to user mode (exit_to_user_mode_loop → arch_do_signal_or_restart) with the
 *  hart in S-mode and the user pc in sepc: fix up the result of the system call just made
 *  (`fromSyscall`) and take every deliverable signal: a default action, or a handler's frame
 *  — several handlers' frames stack up, the last one set up running first, as Linux's loop
 *  does while a signal is still pending and unblocked. */
export function do_signal(s: Scheduler, t: task_struct, h: Hart, fromSyscall: boolean): void {
  let sys = fromSyscall && !t.in_sigreturn;
  t.in_sigreturn = false;
  let handled = false;
  if (t.sig.cld_continued && !t.sig.stopped) {
    // get_signal(): the first thread to run after SIGCONT tells the parent.
    t.sig.cld_continued = false;
    do_notify_parent_cldstop(s, t, CLD_CONTINUED);
  }
  for (;;) {
    if (!t.running || t.sig.stopped) return;
    let info: kernel_siginfo | null;
    const held = t.ptrace_sig;
    if (held) {
      // The debugger resumed the task: the signal it stopped with goes on, or is cancelled.
      t.ptrace_sig = null;
      sys = held.sys;
      if (!held.deliver) continue;
      info = held.info;
    } else {
      const next = dequeue_signal(t);
      if (!next) break;
      info = next;
      // ptrace_signal(): every signal but SIGKILL stops a debugged task first (a fault with
      // its pc still at the faulting instruction), and its debugger decides.
      if (info.signo !== SIGKILL && !t.ptrace_detached && s.ptrace?.(t, { kind: "signal", info })) {
        t.ptrace_sig = { info, deliver: true, sys };
        s.ptraceStop = t;
        return;
      }
    }
    const sig = info.signo;
    const ka = t.sighand.action[sig]!;
    if (ka.handler === SIG_IGN) continue;
    if (ka.handler !== SIG_DFL) {
      handle_signal(s, t, h, sig, ka, info, sys);
      sys = false;
      handled = true;
      continue;
    }
    const act = sig_default(sig);
    if (act === "ign" || act === "cont") continue;
    if (act === "stop") {
      // A terminal stop (not SIGSTOP) in an orphaned process group is discarded: nobody
      // would continue it (get_signal's is_current_pgrp_orphaned check).
      if (sig !== SIGSTOP && is_pgrp_orphaned(s, t.sig.pgrp)) continue;
      do_signal_stop(s, t, sig);
      break;
    }
    // term or core: the whole process dies of it (the exit statuses in use: 128 + sig).
    s.do_group_exit(t, 128 + sig, sig);
    return;
  }
  if (handled) return;
  if (sys) syscall_restart(t, h, null);
  if (t.signals.restore_sigmask) {
    t.signals.restore_sigmask = false;
    set_current_blocked(t, t.signals.saved_sigmask);
  }
}

/** handle_signal(): the restart fix-up, the frame, then the mask while the handler runs
 *  (signal_setup_done): its sa_mask, the signal itself unless SA_NODEFER; SA_RESETHAND
 *  resets it to SIG_DFL. */
function handle_signal(
  s: Scheduler,
  t: task_struct,
  h: Hart,
  sig: number,
  ka: k_sigaction,
  info: kernel_siginfo,
  sys: boolean,
): void {
  if (sys) syscall_restart(t, h, ka);
  const g = t.signals;
  const oldmask = g.restore_sigmask ? g.saved_sigmask : g.blocked;
  g.restore_sigmask = false;
  const handler = { ...ka };
  if (!setup_rt_frame(t, h, handler, info, oldmask)) {
    // force_sigsegv(): the frame could not be written; SIGSEGV with its default action.
    t.sighand.action[SIGSEGV] = { handler: SIG_DFL, flags: 0n, mask: 0n };
    force_sig_info(s, t, { signo: SIGSEGV, code: SI_KERNEL }); // do_signal's loop takes it next
    return;
  }
  set_current_blocked(t, g.blocked | handler.mask | (handler.flags & SA_NODEFER ? 0n : sigmask(sig)));
  if (handler.flags & SA_RESETHAND) t.sighand.action[sig] = { handler: SIG_DFL, flags: 0n, mask: 0n };
}

/** do_signal_stop(): every thread of the process stops until SIGCONT (or SIGKILL), and the
 *  parent is told (CLD_STOPPED with the stop signal, which wait reports once). */
function do_signal_stop(s: Scheduler, t: task_struct, sig: number): void {
  const sg = t.sig;
  sg.stopped = true;
  sg.group_exit_code = sig;
  sg.stop_continued = false;
  sg.cld_continued = false;
  for (const th of sg.thread_head) s.stop_task(th);
  do_notify_parent_cldstop(s, t, CLD_STOPPED);
}

/** do_notify_parent_cldstop(): SIGCHLD to the parent of `t`'s process with CLD_STOPPED (the
 *  stop signal) or CLD_CONTINUED (SIGCONT), unless the parent ignores SIGCHLD or set
 *  SA_NOCLDSTOP; its waiters are woken either way. */
export function do_notify_parent_cldstop(s: Scheduler, t: task_struct, why: number): void {
  const leader = t.group_leader;
  const p = leader.real_parent;
  if (!p || p.sig.live === 0) return;
  const act = p.sighand.action[SIGCHLD]!;
  if (act.handler !== SIG_IGN && !(act.flags & SA_NOCLDSTOP)) {
    const status = why === CLD_CONTINUED ? SIGCONT : t.sig.group_exit_code;
    send_signal(s, p, { signo: SIGCHLD, code: why, pid: leader.tgid, uid: 0, status }, true);
  }
  p.sig.wait_chldexit.wake_up_all();
}

/** will_become_orphaned_pgrp(): no live member of process group `pgrp` has a parent in
 *  another group of the same session (parents that are PID 1 do not count). */
export function is_pgrp_orphaned(s: Scheduler, pgrp: number): boolean {
  for (const p of s.tasks) {
    if (p !== p.group_leader || p.sig.live === 0 || p.sig.pgrp !== pgrp) continue;
    const parent = p.real_parent;
    if (!parent || parent === s.init || parent.sig.live === 0) continue;
    if (parent.sig.pgrp !== pgrp && parent.sig.session === p.sig.session) return false;
  }
  return true;
}

/** Attach a new thread group's signal state to its first task. */
export function init_task_signals(t: task_struct): void {
  t.sig.thread_head.push(t);
}
