// Creating tasks, after kernel/fork.c: kernel_clone() checks the clone flags as copy_process
// does, then makes the child: its own copy of the address space (copy-on-write, mm.dup_mmap)
// or the parent's (CLONE_VM), the descriptor table and fs_struct copied or shared
// (CLONE_FILES, CLONE_FS), the handlers copied or shared (CLONE_SIGHAND), a new thread group or
// the parent's (CLONE_THREAD), the parent's registers with a0 = 0 and the new stack and tp
// (CLONE_SETTLS) if given, and the tid words (CLONE_PARENT_SETTID, CLONE_CHILD_SETTID,
// CLONE_CHILD_CLEARTID). CLONE_VFORK parks the parent until the child execs or exits.

import type { Hart } from "../cpu/index.js";
import { EAGAIN, EINVAL, ENOMEM } from "./errno.js";
import { type Scheduler, task_struct, u32le } from "./process.js";

export const CLONE_VM = 0x100;
export const CLONE_FS = 0x200;
export const CLONE_FILES = 0x400;
export const CLONE_SIGHAND = 0x800;
export const CLONE_PIDFD = 0x1000;
export const CLONE_PTRACE = 0x2000;
export const CLONE_VFORK = 0x4000;
export const CLONE_PARENT = 0x8000;
export const CLONE_THREAD = 0x10000;
export const CLONE_NEWNS = 0x20000;
export const CLONE_SYSVSEM = 0x40000;
export const CLONE_SETTLS = 0x80000;
export const CLONE_PARENT_SETTID = 0x100000;
export const CLONE_CHILD_CLEARTID = 0x200000;
export const CLONE_DETACHED = 0x400000;
export const CLONE_UNTRACED = 0x800000;
export const CLONE_CHILD_SETTID = 0x1000000;
export const CLONE_IO = 0x80000000;
/** The exit signal in clone()'s low byte (CSIGNAL). */
export const CSIGNAL = 0xff;
/** The namespace flags (CLONE_NEWCGROUP .. CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWTIME): not
 *  supported by this kernel, which has one namespace of each kind. */
const CLONE_NEW_ANY = 0x7e000000 | CLONE_NEWNS | 0x80;
/** Flags this kernel accepts and ignores: ptrace, untraced, detached, io, sysvsem (no System V
 *  semaphores to undo). */
const CLONE_KNOWN =
  CLONE_VM |
  CLONE_FS |
  CLONE_FILES |
  CLONE_SIGHAND |
  CLONE_PTRACE |
  CLONE_VFORK |
  CLONE_PARENT |
  CLONE_THREAD |
  CLONE_SYSVSEM |
  CLONE_SETTLS |
  CLONE_PARENT_SETTID |
  CLONE_CHILD_CLEARTID |
  CLONE_DETACHED |
  CLONE_UNTRACED |
  CLONE_CHILD_SETTID |
  CLONE_IO;

/** struct kernel_clone_args: what clone() and clone3() ask for. */
export interface kernel_clone_args {
  flags: number;
  exit_signal: number;
  /** The child's stack pointer (0: the parent's). */
  stack: bigint;
  tls: bigint;
  parent_tid: bigint;
  child_tid: bigint;
}

/** max_threads (kernel/fork.c set_max_threads): RAM / (8 * THREAD_SIZE), THREAD_SIZE being
 *  16 KiB on riscv64, at least MIN_THREADS (20). fork fails with EAGAIN when that many tasks
 *  exist. (RLIMIT_NPROC, max_threads / 2 by default, does not apply: the guest runs as root,
 *  which copy_process exempts from it.) */
export function max_threads(s: Scheduler): number {
  return Math.max(Math.floor((s.k.pages.nrPages * 4096) / (8 * 16384)), 20);
}

/** kernel_clone(): the child's tid, or an errno. For CLONE_VFORK the caller sleeps afterwards
 *  until `child.vfork_done` is cleared. */
export function kernel_clone(
  s: Scheduler,
  parent: task_struct,
  h: Hart,
  args: kernel_clone_args,
): task_struct | bigint {
  const f = args.flags;
  if (f & CLONE_NEW_ANY) return -EINVAL;
  if (f & ~CLONE_KNOWN) return -EINVAL;
  // copy_process's checks, in its order.
  if (f & CLONE_THREAD && !(f & CLONE_SIGHAND)) return -EINVAL;
  if (f & CLONE_SIGHAND && !(f & CLONE_VM)) return -EINVAL;
  if (args.exit_signal < 0 || args.exit_signal > 64) return -EINVAL;
  if (s.tasks.length >= max_threads(s)) return -EAGAIN; // nr_threads counts zombies too
  const pid = s.alloc_pid();
  if (pid < 0) return -EAGAIN;

  let mm = parent.mm;
  if (f & CLONE_VM) mm.mm_users++;
  else {
    const child = s.mm_alloc();
    if (!mm.dup_mmap(child)) {
      s.mmput(child);
      return -ENOMEM;
    }
    mm = child;
  }
  const files = f & CLONE_FILES ? parent.files.get_files() : parent.files.dup_fd();
  const fs = f & CLONE_FS ? parent.fs.get_fs() : parent.fs.copy_fs();
  const thread = (f & CLONE_THREAD) !== 0;
  const strace = parent.opts.strace;
  const opts = { ...parent.opts, ...(strace ? { strace: prefixed(strace, pid) } : {}) };
  const t = new task_struct(pid, parent.comm, mm, opts, s.k, files, fs, thread ? parent : null);
  if (!thread) {
    t.sig.pgrp = parent.sig.pgrp;
    t.sig.session = parent.sig.session;
    t.sig.rlim = [...parent.sig.rlim];
  }
  // Signal state: the handlers shared or copied, the mask inherited, nothing pending; the
  // alternate stack kept unless the child shares the memory without vfork (copy_process).
  t.sighand = f & CLONE_SIGHAND ? parent.sighand : parent.sighand.copy();
  t.signals.blocked = parent.signals.blocked;
  if (!(f & CLONE_VM) || f & CLONE_VFORK) {
    t.signals.sas_ss_sp = parent.signals.sas_ss_sp;
    t.signals.sas_ss_size = parent.signals.sas_ss_size;
    t.signals.sas_ss_flags = parent.signals.sas_ss_flags;
  }
  // The registers: the parent's, returning 0 in the child; a new stack and tp if given.
  s.saveUser(h, parent);
  t.regs.set(parent.regs);
  t.fregs.set(parent.fregs);
  t.fflags = parent.fflags;
  t.frm = parent.frm;
  t.pc = h.sepc;
  setReg(t, 10, 0n);
  if (args.stack !== 0n) setReg(t, 2, args.stack);
  if (f & CLONE_SETTLS) setReg(t, 4, args.tls);
  if (thread) {
    t.real_parent = parent.real_parent;
    t.exit_signal = -1;
  } else {
    const p =
      f & CLONE_PARENT ? (parent.group_leader.real_parent ?? parent.group_leader) : parent.group_leader;
    t.real_parent = p;
    p.sig.children.push(t);
    t.exit_signal = args.exit_signal;
  }
  if (f & CLONE_CHILD_SETTID) t.set_child_tid = args.child_tid;
  if (f & CLONE_CHILD_CLEARTID) t.tidAddress = args.child_tid;
  if (f & CLONE_PARENT_SETTID) parent.uaccess.copy_to_user(args.parent_tid, u32le(pid));
  if (f & CLONE_VFORK) t.vfork_done = parent;
  t.ptrace_detached = parent.ptrace_detached;
  t.cpus_mask = parent.cpus_mask; // the child runs where its parent may (sched_fork)
  s.attach(t);
  // ptrace_event(PTRACE_EVENT_FORK/VFORK): a debugger that asked is told of the new process,
  // and the parent stops on its way back from the call.
  if (
    !thread &&
    !parent.ptrace_detached &&
    s.ptrace?.(parent, { kind: f & CLONE_VFORK ? "vfork" : "fork", child: t })
  )
    s.ptraceStop = parent;
  return t;
}

/** strace -f's "[pid N] " before the lines of a task other than the first. */
function prefixed(out: (line: string) => void, pid: number): (line: string) => void {
  const inner = (out as { inner?: (line: string) => void }).inner ?? out;
  const fn = (line: string): void => inner(`[pid ${pid}] ${line}`);
  (fn as { inner?: (line: string) => void }).inner = inner;
  return fn;
}

/** Set user register `r` of a task off the hart (regs holds x0..x31 as 32-bit halves). */
function setReg(t: task_struct, r: number, v: bigint): void {
  t.regs[2 * r] = Number(BigInt.asIntN(32, v));
  t.regs[2 * r + 1] = Number(BigInt.asIntN(32, v >> 32n));
}
