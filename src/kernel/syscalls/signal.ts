// Signal system calls (kernel/signal.c): rt_sigaction, rt_sigprocmask, rt_sigpending,
// rt_sigsuspend, rt_sigtimedwait, sigaltstack, rt_sigreturn, kill, tkill, tgkill,
// rt_sigqueueinfo, rt_tgsigqueueinfo. Their argument checks and
// the order of them follow Linux's: sigsetsize first (EINVAL), then the user copy (EFAULT),
// then the values (EINVAL).

import { EAGAIN, EFAULT, EINTR, EINVAL, EPERM, ERESTARTNOHAND, ESRCH } from "../errno.js";
import type { task_struct } from "../process.js";
import {
  dequeue_signal,
  do_sigaction,
  do_sigaltstack,
  type k_sigaction,
  type kernel_siginfo,
  SI_TKILL,
  SI_USER,
  SIGKILL,
  SIGSTOP,
  send_signal,
  set_current_blocked,
  set_user_sigmask,
  siginfo_bytes,
  sigmask,
  signal_pending,
  signame,
  sys_rt_sigreturn,
  valid_signal,
} from "../signal.js";
import { BLOCK, wait_event } from "../wait.js";
import { type Ctx, put, type SyscallTable, s32, u64s } from "./common.js";
import { named } from "./fs_strace.js";
import { get_time } from "./time.js";

/** The kernel's sigset_t on riscv64: 8 bytes. */
const SIGSET_SIZE = 8n;
const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;
const SIG_SETMASK = 2;

/** A signal number as strace shows it (SIGALRM, or the number). */
const sigArg = (v: bigint): string => {
  const n = s32(v);
  return n >= 1 && n <= 64 ? signame(n) : n.toString();
};

/** The sigset at `va`, or null (EFAULT). */
function get_sigset(c: Ctx, va: bigint): bigint | null {
  return c.t.uaccess.get_u64(va);
}

/** rt_sigaction(sig, act, oact, sigsetsize): struct sigaction on riscv64 is { sa_handler,
 *  sa_flags, sa_mask } (24 bytes, no sa_restorer). */
function rt_sigaction(c: Ctx): bigint {
  const [sigArgV, actVa, oactVa, size] = c.a as [bigint, bigint, bigint, bigint];
  if (size !== SIGSET_SIZE) return -EINVAL;
  let act: k_sigaction | null = null;
  if (actVa !== 0n) {
    const b = c.t.uaccess.copy_from_user(actVa, 24);
    if (!b) return -EFAULT;
    const v = new DataView(b.buffer, b.byteOffset, 24);
    act = {
      handler: v.getBigUint64(0, true),
      flags: v.getBigUint64(8, true),
      mask: v.getBigUint64(16, true),
    };
  }
  const old = do_sigaction(c.t, s32(sigArgV), act);
  if (typeof old === "bigint") return old;
  if (oactVa !== 0n) return put(c, oactVa, u64s(old.handler, old.flags, old.mask));
  return 0n;
}

/** rt_sigprocmask(how, set, oset, sigsetsize). */
function rt_sigprocmask(c: Ctx): bigint {
  const [how, setVa, osetVa, size] = c.a as [bigint, bigint, bigint, bigint];
  if (size !== SIGSET_SIZE) return -EINVAL;
  const t = c.t;
  const old = t.signals.blocked;
  if (setVa !== 0n) {
    const m = get_sigset(c, setVa);
    if (m === null) return -EFAULT;
    const h = s32(how);
    if (h === SIG_BLOCK) set_current_blocked(t, old | m);
    else if (h === SIG_UNBLOCK) set_current_blocked(t, old & ~m);
    else if (h === SIG_SETMASK) set_current_blocked(t, m);
    else return -EINVAL;
  }
  return osetVa !== 0n ? put(c, osetVa, u64s(old)) : 0n;
}

/** rt_sigpending(set, sigsetsize): the blocked signals pending for the thread or process. */
function rt_sigpending(c: Ctx): bigint {
  const size = c.a[1]!;
  if (size > SIGSET_SIZE) return -EINVAL;
  const t = c.t;
  const p = (t.signals.pending.signal | t.sig.shared_pending.signal) & t.signals.blocked;
  return put(c, c.a[0]!, u64s(p).subarray(0, Number(size)));
}

/** rt_sigsuspend(mask, sigsetsize): wait with `mask` until a signal is delivered; the old mask
 *  comes back after the handler (TIF_RESTORE_SIGMASK). -EINTR, always (-ERESTARTNOHAND). */
function rt_sigsuspend(c: Ctx): bigint {
  if (c.a[1] !== SIGSET_SIZE) return -EINVAL;
  const m = get_sigset(c, c.a[0]!);
  if (m === null) return -EFAULT;
  set_user_sigmask(c.t, m); // a re-run after a wake-up finds the mask in place
  return wait_event(c.t, [], { restart: -ERESTARTNOHAND });
}

/** sigaltstack(ss, old_ss): stack_t is { ss_sp, ss_flags (int, padded), ss_size }. */
function sigaltstack(c: Ctx): bigint {
  const [ssVa, oldVa] = c.a as [bigint, bigint];
  let ss = null;
  if (ssVa !== 0n) {
    const b = c.t.uaccess.copy_from_user(ssVa, 24);
    if (!b) return -EFAULT;
    const v = new DataView(b.buffer, b.byteOffset, 24);
    ss = { ss_sp: v.getBigUint64(0, true), ss_flags: v.getInt32(8, true), ss_size: v.getBigUint64(16, true) };
  }
  const sp = BigInt.asUintN(64, c.h.reg(2));
  const { old, err } = do_sigaltstack(c.t, ss, sp);
  if (err !== 0n || oldVa === 0n) return err;
  const out = u64s(old.ss_sp, 0n, old.ss_size);
  new DataView(out.buffer).setInt32(8, old.ss_flags, true);
  return put(c, oldVa, out);
}

/** The live thread-group leaders (processes) and the threads, by id. */
function find_task(c: Ctx, pid: number): task_struct | undefined {
  return c.s.tasks.find((t) => t.pid === pid && t.running);
}

/** kill's siginfo: SI_USER from the caller. */
function user_info(c: Ctx, sig: number, code = SI_USER): kernel_siginfo {
  return { signo: sig, code, pid: c.t.tgid, uid: 0 }; // si_pid: the sender's process id
}

/** group_send_sig_info(): check the signal (EINVAL) and send it to `t`'s process; signal 0
 *  only checks that it exists. */
function group_send(c: Ctx, t: task_struct, sig: number): bigint {
  if (!valid_signal(sig) && sig !== 0) return -EINVAL;
  if (sig === 0) return 0n;
  return send_signal(c.s, t, user_info(c, sig), true);
}

/** kill(pid, sig): pid > 0 a process; 0 the caller's process group; -1 every process but
 *  init and the caller; < -1 the process group -pid. */
function kill(c: Ctx): bigint {
  const pid = s32(c.a[0]!);
  const sig = s32(c.a[1]!);
  if (pid === -2147483648) return -ESRCH;
  if (pid > 0) {
    const t = find_task(c, pid);
    return t ? group_send(c, t, sig) : -ESRCH;
  }
  // One signal per process: a live thread of each (its leader may have exited alone).
  const procs = c.s.tasks.filter((t) => t.running && t === t.sig.thread_head[0]);
  const targets =
    pid === -1
      ? procs.filter((t) => t.tgid > 1 && t.sig !== c.t.sig)
      : procs.filter((t) => task_pgrp(t) === (pid === 0 ? task_pgrp(c.t) : -pid));
  if (!targets.length) return -ESRCH;
  let ret = 0n;
  for (const t of targets) {
    const r = group_send(c, t, sig);
    if (r !== 0n) ret = r;
  }
  return ret;
}

/** The process group of `t` (setpgid, setsid: its signal_struct's pgrp). */
function task_pgrp(t: task_struct): number {
  return t.sig.pgrp;
}

/** do_send_specific(): a thread-directed signal (tkill, tgkill), SI_TKILL. */
function send_specific(c: Ctx, tgid: number, pid: number, sig: number): bigint {
  const t = find_task(c, pid);
  if (!t || (tgid > 0 && t.sig.thread_head[0]?.pid !== tgid && t.pid !== tgid)) return -ESRCH;
  if (!valid_signal(sig) && sig !== 0) return -EINVAL;
  if (sig === 0) return 0n;
  return send_signal(c.s, t, user_info(c, sig, SI_TKILL), false);
}

/** A user siginfo (rt_sigqueueinfo): its code, pid, uid and sigval, for signal `sig`. EPERM
 *  when it claims to come from kill or the kernel (si_code >= 0, or SI_TKILL) and the target
 *  is not the caller (a process may fake what it sends itself). */
function user_siginfo(c: Ctx, va: bigint, sig: number, self: boolean): kernel_siginfo | bigint {
  const b = c.t.uaccess.copy_from_user(va, 128);
  if (!b) return -EFAULT;
  const v = new DataView(b.buffer, b.byteOffset, 128);
  const code = v.getInt32(8, true);
  if ((code >= 0 || code === SI_TKILL) && !self) return -EPERM;
  return {
    signo: sig,
    code,
    pid: v.getInt32(16, true),
    uid: v.getUint32(20, true),
    value: v.getBigUint64(24, true),
  };
}

/** rt_sigqueueinfo(tgid, sig, uinfo) / rt_tgsigqueueinfo(tgid, tid, sig, uinfo): a signal with
 *  the caller's siginfo, to a process or to one thread. */
function sigqueueinfo(c: Ctx, tgid: number, tid: number | null, sig: number, uinfo: bigint): bigint {
  if (tid !== null && (tgid <= 0 || tid <= 0)) return -EINVAL;
  const t = find_task(c, tid ?? tgid);
  const info = user_siginfo(c, uinfo, sig, t === c.t || (tid === null && t?.sig === c.t.sig));
  if (typeof info === "bigint") return info;
  if (!t || (tid !== null && t.sig.thread_head[0]?.pid !== tgid && t.pid !== tgid)) return -ESRCH;
  if (!valid_signal(sig) && sig !== 0) return -EINVAL;
  if (sig === 0) return 0n;
  return send_signal(c.s, t, info, tid === null);
}

/** rt_sigtimedwait(set, info, timeout, sigsetsize): take a pending signal of `set` without
 *  running its handler, waiting for one (the set unblocked meanwhile) until the timeout:
 *  its number (and its siginfo), -EAGAIN at the timeout, -EINTR when another signal comes. */
function rt_sigtimedwait(c: Ctx): bigint {
  const [setVa, infoVa, tsVa, size] = c.a as [bigint, bigint, bigint, bigint];
  if (size !== SIGSET_SIZE) return -EINVAL;
  const t = c.t;
  const these = get_sigset(c, setVa);
  if (these === null) return -EFAULT;
  const mask = these & ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
  const nr = Number(c.h.reg(17));
  const cont = t.cont?.nr === nr ? t.cont : null;
  let deadline = Number.POSITIVE_INFINITY;
  if (cont) {
    set_current_blocked(t, cont.done); // real_blocked: the mask before the wait
    deadline = cont.deadline;
  } else if (tsVa !== 0n) {
    const ns = get_time(c, tsVa);
    if (typeof ns === "bigint") return ns;
    deadline = c.s.now() + ns;
  }
  const info = dequeue_signal(t, ~mask);
  if (info)
    return infoVa !== 0n ? put(c, infoVa, siginfo_bytes(info)) || BigInt(info.signo) : BigInt(info.signo);
  if (c.s.now() >= deadline) return -EAGAIN;
  if (cont && signal_pending(t, "interruptible")) return -EINTR;
  const real = t.signals.blocked;
  set_current_blocked(t, real & ~mask);
  const r = wait_event(t, [], { deadline, restart: -EINTR });
  if (r !== BLOCK) {
    set_current_blocked(t, real);
    return r;
  }
  t.cont = { nr, deadline, done: real };
  return r;
}

export const signalSyscalls: SyscallTable = {
  129: { name: "kill", args: ["d", sigArg], fn: kill },
  130: {
    name: "tkill",
    args: ["d", sigArg],
    fn: (c) => (s32(c.a[0]!) <= 0 ? -EINVAL : send_specific(c, 0, s32(c.a[0]!), s32(c.a[1]!))),
  },
  131: {
    name: "tgkill",
    args: ["d", "d", sigArg],
    fn: (c) =>
      s32(c.a[0]!) <= 0 || s32(c.a[1]!) <= 0
        ? -EINVAL
        : send_specific(c, s32(c.a[0]!), s32(c.a[1]!), s32(c.a[2]!)),
  },
  132: { name: "sigaltstack", args: ["p", "p"], fn: sigaltstack },
  133: { name: "rt_sigsuspend", args: ["p", "u"], fn: rt_sigsuspend },
  134: { name: "rt_sigaction", args: [sigArg, "p", "p", "u"], fn: rt_sigaction },
  135: {
    name: "rt_sigprocmask",
    args: [named({ 0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK" }), "p", "p", "u"],
    fn: rt_sigprocmask,
  },
  136: { name: "rt_sigpending", args: ["p", "u"], fn: rt_sigpending },
  137: { name: "rt_sigtimedwait", args: ["p", "p", "p", "u"], fn: rt_sigtimedwait },
  138: {
    name: "rt_sigqueueinfo",
    args: ["d", sigArg, "p"],
    fn: (c) => sigqueueinfo(c, s32(c.a[0]!), null, s32(c.a[1]!), c.a[2]!),
  },
  139: { name: "rt_sigreturn", args: [], fn: (c) => sys_rt_sigreturn(c.s, c.t, c.h) },
  240: {
    name: "rt_tgsigqueueinfo",
    args: ["d", "d", sigArg, "p"],
    fn: (c) => sigqueueinfo(c, s32(c.a[0]!), s32(c.a[1]!), s32(c.a[2]!), c.a[3]!),
  },
};
