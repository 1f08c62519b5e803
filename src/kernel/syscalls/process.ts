// Process system calls: clone/clone3, exit/exit_group, wait4/waitid, thread and process ids,
// process groups and sessions, identities, resource limits and rseq.

import {
  ns_to_clock_t,
  RUSAGE_CHILDREN,
  RUSAGE_SELF,
  RUSAGE_THREAD,
  reap_cputime,
  rusage_bytes,
  rusage_of,
} from "../cputime.js";
import { E2BIG, EACCES, EBADF, ECHILD, EFAULT, EINVAL, EPERM, ESRCH } from "../errno.js";
import { ARG_MAX, copy_strings, do_execve } from "../exec.js";
import {
  do_exit,
  eligible_children,
  reapable,
  release_task,
  type WaitSelector,
  wait_status,
} from "../exit.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_DETACHED,
  CLONE_FILES,
  CLONE_FS,
  CLONE_IO,
  CLONE_NEWNS,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_PTRACE,
  CLONE_SETTLS,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_UNTRACED,
  CLONE_VFORK,
  CLONE_VM,
  CSIGNAL,
  kernel_clone,
  type kernel_clone_args,
  max_threads,
} from "../fork.js";
import { NR_OPEN } from "../fs/index.js";
import { type Scheduler, type task_struct, u32le } from "../process.js";
import {
  CLD_CONTINUED,
  CLD_EXITED,
  CLD_KILLED,
  CLD_STOPPED,
  SIGCHLD,
  SIGCONT,
  signame,
  valid_signal,
} from "../signal.js";
import { BLOCK, wait_event } from "../wait.js";
import { type Ctx, type Fmt, put, type SyscallTable, s32, u64s } from "./common.js";

import { execveat_lookup, getname } from "./fs.js";
import { flags, named } from "./fs_strace.js";
import { EPOCH } from "./time.js";

/** prlimit64's resource, by name (include/uapi/asm-generic/resource.h). */
const rlimitResource: Fmt = named(
  Object.fromEntries(
    [
      "CPU",
      "FSIZE",
      "DATA",
      "STACK",
      "CORE",
      "RSS",
      "NPROC",
      "NOFILE",
      "MEMLOCK",
      "AS",
      "LOCKS",
      "SIGPENDING",
      "MSGQUEUE",
      "NICE",
      "RTPRIO",
      "RTTIME",
    ].map((r, i) => [i, `RLIMIT_${r}`]),
  ),
);

/** End the calling thread group with `code` (and the fatal `signal`, if one killed it):
 *  exit_group(), which the fatal signals' default action also is. */
export function exit(c: Ctx, code: number, signal = 0): bigint {
  c.s.do_group_exit(c.t, code, signal);
  return 0n;
}

/** clone / clone3 / vfork: the child's tid in the parent. A vfork parent sleeps (in this same
 *  call, re-run when it wakes) until the child has exec'd or exited. */
function do_clone(c: Ctx, args: kernel_clone_args): bigint {
  const waiting = c.t.cont?.nr === 220 || c.t.cont?.nr === 435 ? (c.t.cont.data as task_struct) : null;
  const child = waiting ?? kernel_clone(c.s, c.t, c.h, args);
  if (typeof child === "bigint") return child;
  if (args.flags & CLONE_VFORK && child.vfork_done === c.t) {
    const r = wait_event(c.t, [], { kind: "uninterruptible" });
    if (r === BLOCK)
      c.t.cont = { nr: Number(c.h.reg(17)), deadline: Number.POSITIVE_INFINITY, done: 0n, data: child };
    return r;
  }
  return BigInt(child.pid);
}

/** struct clone_args of clone3 (include/uapi/linux/sched.h): the sizes user space may pass
 *  (CLONE_ARGS_SIZE_VER0..2) and what each field means. */
const CLONE_ARGS_SIZE_VER0 = 64;
const CLONE_ARGS_SIZE_MAX = 88;
/** The number of resource limits (include/uapi/asm-generic/resource.h RLIM_NLIMITS). */
const RLIM_NLIMITS = 16;

function clone3_args(c: Ctx, va: bigint, size: bigint): kernel_clone_args | bigint {
  if (size < BigInt(CLONE_ARGS_SIZE_VER0)) return -EINVAL;
  if (size > 4096n) return -E2BIG;
  const n = Number(size);
  const b = c.t.uaccess.copy_from_user(va, n);
  if (!b) return -EFAULT;
  // copy_struct_from_user: bytes past what this kernel knows must be zero (E2BIG).
  for (let i = CLONE_ARGS_SIZE_MAX; i < n; i++) if (b[i] !== 0) return -E2BIG;
  const v = new DataView(b.buffer);
  const q = (i: number): bigint => (i * 8 + 8 <= n ? v.getBigUint64(i * 8, true) : 0n);
  const [
    flags,
    pidfd,
    child_tid,
    parent_tid,
    exit_signal,
    stack,
    stack_size,
    tls,
    set_tid,
    set_tid_size,
    cgroup,
  ] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(q) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  void pidfd;
  // clone3 takes the exit signal in its own field: the CSIGNAL bits must be clear.
  if (flags & BigInt(CSIGNAL) || flags >> 32n) return -EINVAL;
  if (exit_signal > 64n) return -EINVAL;
  if ((stack === 0n) !== (stack_size === 0n)) return -EINVAL;
  if (set_tid !== 0n || set_tid_size !== 0n || cgroup !== 0n) return -EINVAL; // not supported: no pid namespaces, no cgroup v2 clone
  return {
    flags: Number(flags),
    exit_signal: Number(exit_signal),
    stack: stack === 0n ? 0n : stack + stack_size, // clone3 passes the lowest address and the size
    tls,
    parent_tid,
    child_tid,
  };
}

// wait4 / waitid options (include/uapi/linux/wait.h).
const WNOHANG = 1;
const WUNTRACED = 2;
const WSTOPPED = 2;
const WEXITED = 4;
const WCONTINUED = 8;
const WNOWAIT = 0x01000000;
const __WNOTHREAD = 0x20000000;
const __WALL = 0x40000000;
const __WCLONE = 0x80000000 | 0;

/** What a wait reports of a child: its end (a zombie reaped), a group stop, or a SIGCONT. */
type WaitEvent = "exit" | "stop" | "cont";

/** The event child `c` has for a waiter with `options` (wait_consider_task's order: a zombie
 *  with WEXITED, then a stop not yet reported with WUNTRACED/WSTOPPED, then a continue not
 *  yet reported with WCONTINUED), or null. */
function wait_event_of(c: task_struct, options: number): WaitEvent | null {
  if (reapable(c)) return options & WEXITED ? "exit" : null;
  if (c.exit_state !== "") return null;
  if (options & WSTOPPED && c.sig.stopped && c.sig.group_exit_code !== 0) return "stop";
  if (options & WCONTINUED && c.sig.stop_continued) return "cont";
  return null;
}

/** do_wait(): the first child `sel` names that has an event for `options` is reported with
 *  `report` and, unless WNOWAIT, consumed (a zombie reaped, a stop or continue reported
 *  once); 0 with WNOHANG when none has one; ECHILD when there is no such child; otherwise
 *  sleep on the group's wait queue until a child exits, stops or continues. */
function do_wait(
  c: Ctx,
  sel: WaitSelector,
  options: number,
  report: (child: task_struct, ev: WaitEvent) => bigint,
): bigint {
  const kids = eligible_children(c.t, sel);
  if (!kids.length) return -ECHILD;
  for (const z of kids) {
    const ev = wait_event_of(z, options);
    if (!ev) continue;
    const r = report(z, ev);
    if (!(options & WNOWAIT)) {
      if (ev === "exit") {
        reap_cputime(c.t, z);
        release_task(c.s, z);
      } else if (ev === "stop") z.sig.group_exit_code = 0;
      else z.sig.stop_continued = false;
    }
    return r < 0n ? r : BigInt(z.tgid);
  }
  if (options & WNOHANG) return 0n;
  return wait_event(c.t, [c.t.sig.wait_chldexit]);
}

/** The selector of wait4's pid argument: > 0 that child, -1 any, 0 the caller's process group,
 *  < -1 process group -pid. */
function wait4_selector(c: Ctx, pid: number, options: number): WaitSelector {
  const wclone = (options & __WCLONE) !== 0;
  const wall = (options & __WALL) !== 0;
  if (pid > 0) return { kind: "pid", id: pid, wclone, wall };
  if (pid === -1) return { kind: "any", id: 0, wclone, wall };
  return { kind: "pgid", id: pid === 0 ? c.t.sig.pgrp : -pid, wclone, wall };
}

/** The siginfo waitid writes (the _sigchld member, at the offsets of the 64-bit layout). */
function waitid_info(child: task_struct | null, ev: WaitEvent = "exit"): Uint8Array {
  const b = new Uint8Array(128);
  if (!child) return b;
  const v = new DataView(b.buffer);
  const [code, status] =
    ev === "stop"
      ? [CLD_STOPPED, child.sig.group_exit_code]
      : ev === "cont"
        ? [CLD_CONTINUED, SIGCONT]
        : child.signal
          ? [CLD_KILLED, child.signal]
          : [CLD_EXITED, (child.exitCode ?? 0) & 0xff];
  v.setInt32(0, SIGCHLD, true); // si_signo
  v.setInt32(8, code, true); // si_code
  v.setInt32(16, child.tgid, true); // si_pid
  v.setInt32(20, 0, true); // si_uid
  v.setInt32(24, status, true); // si_status
  const ru = rusage_of(child, "both");
  v.setBigInt64(32, BigInt(ns_to_clock_t(ru.utime)), true); // si_utime, clock ticks
  v.setBigInt64(40, BigInt(ns_to_clock_t(ru.stime)), true); // si_stime
  return b;
}

/** execve's argv and envp from user memory, within ARG_MAX together (or an errno). */
function exec_strings(c: Ctx, argvVa: bigint, envpVa: bigint): [string[], string[]] | bigint {
  const budget = { left: ARG_MAX };
  const argv = copy_strings(c.t, argvVa, budget);
  if (typeof argv === "bigint") return argv;
  const envp = copy_strings(c.t, envpVa, budget);
  return typeof envp === "bigint" ? envp : [argv, envp];
}

/** clone's flag names, as strace prints them (strace's xlat/clone_flags). */
const CLONE_FLAG_NAMES = [
  [CLONE_VM, "CLONE_VM"],
  [CLONE_FS, "CLONE_FS"],
  [CLONE_FILES, "CLONE_FILES"],
  [CLONE_SIGHAND, "CLONE_SIGHAND"],
  [CLONE_PIDFD, "CLONE_PIDFD"],
  [CLONE_PTRACE, "CLONE_PTRACE"],
  [CLONE_VFORK, "CLONE_VFORK"],
  [CLONE_PARENT, "CLONE_PARENT"],
  [CLONE_THREAD, "CLONE_THREAD"],
  [CLONE_NEWNS, "CLONE_NEWNS"],
  [CLONE_SYSVSEM, "CLONE_SYSVSEM"],
  [CLONE_SETTLS, "CLONE_SETTLS"],
  [CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"],
  [CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"],
  [CLONE_DETACHED, "CLONE_DETACHED"],
  [CLONE_UNTRACED, "CLONE_UNTRACED"],
  [CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"],
  [CLONE_IO, "CLONE_IO"],
] as const;

/** clone's first argument for strace: the flag names and the exit signal's (CSIGNAL), as
 *  `CLONE_VM|CLONE_VFORK|SIGCHLD`. */
export const clone_flags: Fmt = (v) => {
  const x = Number(v & 0xffffffffn);
  const names = flags(x & ~CSIGNAL, CLONE_FLAG_NAMES, "");
  const sig = x & CSIGNAL;
  const parts = [names, sig ? (valid_signal(sig) ? signame(sig) : `${sig}`) : ""].filter((p) => p !== "");
  return parts.length ? parts.join("|") : "0";
};

/** clone3's struct clone_args as strace prints it (its clone.c): flags by name, the pointers
 *  the flags use (pidfd, child_tid, parent_tid, tls), exit_signal by name, stack and its
 *  size, set_tid and cgroup when set; the address alone when it cannot be read. */
export const clone3Args: Fmt = (va, c) => {
  const size = Math.min(Number(c.a[1]! & 0xfffn), CLONE_ARGS_SIZE_MAX);
  const b = size >= CLONE_ARGS_SIZE_VER0 ? c.t.uaccess.copy_from_user(va, size) : null;
  if (!b) return va === 0n ? "NULL" : `0x${va.toString(16)}`;
  const v = new DataView(b.buffer);
  const q = (i: number): bigint => (i * 8 + 8 <= size ? v.getBigUint64(i * 8, true) : 0n);
  const addr = (x: bigint): string => (x === 0n ? "NULL" : `0x${x.toString(16)}`);
  const flags = q(0);
  const has = (f: number): boolean => (flags & BigInt(f)) !== 0n;
  const sig = Number(q(4));
  const out = [`flags=${clone_flags(flags & 0xffff_ffffn, c)}`];
  if (has(CLONE_PIDFD)) out.push(`pidfd=${addr(q(1))}`);
  if (has(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) out.push(`child_tid=${addr(q(2))}`);
  if (has(CLONE_PARENT_SETTID)) out.push(`parent_tid=${addr(q(3))}`);
  out.push(`exit_signal=${sig && valid_signal(sig) ? signame(sig) : sig}`);
  out.push(`stack=${addr(q(5))}`, `stack_size=0x${q(6).toString(16)}`);
  if (has(CLONE_SETTLS)) out.push(`tls=${addr(q(7))}`);
  if (q(8) !== 0n || q(9) !== 0n) out.push(`set_tid=${addr(q(8))}`, `set_tid_size=${q(9)}`);
  if (q(10) !== 0n) out.push(`cgroup=${q(10)}`);
  return `{${out.join(", ")}}`;
};

/** The thread group leader with id `pid` (a process), or null. */
function find_process(c: Ctx, pid: number): task_struct | null {
  const t = c.s.find_task(pid);
  return t && t === t.group_leader && t.exit_state !== "dead" ? t : null;
}

/** getpgid / getsid: process a0's (0: the caller's) group or session id, or ESRCH. */
function group_id(c: Ctx, which: "pgrp" | "session"): bigint {
  const pid = s32(c.a[0]!);
  const p = pid === 0 ? c.t.group_leader : find_process(c, pid);
  return p ? BigInt(p.sig[which]) : -ESRCH;
}

/** setpgid() (kernel/sys.c): move process `pid` (the caller or a child of it that has not
 *  exec'd, in the same session, not a session leader) into group `pgid` (itself, or a group
 *  of the same session). */
function setpgid(c: Ctx, pid: number, pgid: number): bigint {
  const me = c.t.group_leader;
  if (pid === 0) pid = me.tgid;
  if (pgid === 0) pgid = pid;
  if (pgid < 0) return -EINVAL;
  const p = find_process(c, pid);
  if (!p) return -ESRCH;
  if (p !== me) {
    if (p.real_parent !== me) return -ESRCH;
    if (p.sig.session !== me.sig.session) return -EPERM;
    if (p.did_exec) return -EACCES;
  }
  if (p.sig.session === p.tgid) return -EPERM;
  if (
    pgid !== p.tgid &&
    !c.s.tasks.some((o) => o.running && o.sig.pgrp === pgid && o.sig.session === me.sig.session)
  )
    return -EPERM;
  p.sig.pgrp = pgid;
  return 0n;
}

const RLIM_INFINITY = (1n << 64n) - 1n;
const RLIMIT_NOFILE = 7;

/** A limit at boot: INIT_RLIMITS (include/asm-generic/resource.h: an 8 MiB stack, no core
 *  files, 8 MiB of locked memory, 819200 bytes of message queues, nice and rtprio 0) with
 *  fork_init()'s RLIMIT_NPROC and RLIMIT_SIGPENDING, max_threads / 2. */
function rlimit_default(s: Scheduler, resource: number): [bigint, bigint] {
  const half = BigInt(Math.floor(max_threads(s) / 2));
  const fixed: Record<number, [bigint, bigint]> = {
    3: [8n << 20n, RLIM_INFINITY],
    4: [0n, RLIM_INFINITY],
    6: [half, half],
    8: [8n << 20n, 8n << 20n],
    11: [half, half],
    12: [819200n, 819200n],
    13: [0n, 0n],
    14: [0n, 0n],
  };
  return fixed[resource] ?? [RLIM_INFINITY, RLIM_INFINITY];
}

/** Process `t`'s limit of `resource`. */
function rlimit_of(s: Scheduler, t: task_struct, resource: number): [bigint, bigint] {
  if (resource === RLIMIT_NOFILE) return [BigInt(t.files.rlim_nofile), BigInt(t.files.rlim_nofile_max)];
  return t.sig.rlim[resource] ?? rlimit_default(s, resource);
}

/** prlimit64(pid, resource, new, old): the limits of process `pid` (0: the caller's; any of
 *  its threads' ids names it), read and set, in kernel/sys.c's order: the new limit read
 *  (EFAULT), the task (ESRCH), then do_prlimit: the resource (EINVAL from RLIM_NLIMITS on),
 *  soft above hard (EINVAL), RLIMIT_NOFILE above fs.nr_open (EPERM; root may raise any other
 *  hard limit); the limit set, then the old one written (EFAULT after the change). RLIMIT_NPROC
 *  is kept but, as Linux does for uid 0 (INIT_USER in copy_process), never refuses a fork:
 *  every guest runs as root. */
function prlimit64(c: Ctx): bigint {
  let want: [bigint, bigint] | null = null;
  if (c.a[2] !== 0n) {
    const b = c.t.uaccess.copy_from_user(c.a[2]!, 16);
    if (!b) return -EFAULT;
    const v = new DataView(b.buffer);
    want = [v.getBigUint64(0, true), v.getBigUint64(8, true)];
  }
  const pid = s32(c.a[0]!);
  const t = pid === 0 ? c.t : c.s.find_task(pid);
  if (!t?.running) return -ESRCH;
  const resource = Number(c.a[1]! & 0xffff_ffffn); // an unsigned int
  if (resource >= RLIM_NLIMITS) return -EINVAL;
  if (want && want[0] > want[1]) return -EINVAL;
  if (want && resource === RLIMIT_NOFILE && want[1] > BigInt(NR_OPEN)) return -EPERM;
  const old = rlimit_of(c.s, t, resource);
  if (want && resource === RLIMIT_NOFILE)
    [t.files.rlim_nofile, t.files.rlim_nofile_max] = [Number(want[0]), Number(want[1])];
  else if (want) t.sig.rlim[resource] = want;
  return c.a[3] !== 0n ? put(c, c.a[3]!, u64s(...old)) : 0n;
}

export const processSyscalls: SyscallTable = {
  93: {
    name: "exit",
    args: ["d"],
    fn: (c) => {
      do_exit(c.s, c.t, s32(c.a[0]!) & 0xff, 0); // this thread only
      return 0n;
    },
    noreturn: true,
  },
  94: { name: "exit_group", args: ["d"], fn: (c) => exit(c, s32(c.a[0]!) & 0xff), noreturn: true },
  95: {
    name: "waitid",
    args: ["d", "d", "p", "x", "p"],
    fn: (c) => {
      const [idtype, id, options] = [s32(c.a[0]!), s32(c.a[1]!), s32(c.a[3]!)];
      const known = WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL;
      if (options & ~known || !(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
      const wclone = (options & __WCLONE) !== 0;
      const wall = (options & __WALL) !== 0;
      let sel: WaitSelector;
      if (idtype === 0) sel = { kind: "any", id: 0, wclone, wall };
      else if (idtype === 1) {
        if (id <= 0) return -EINVAL;
        sel = { kind: "pid", id, wclone, wall };
      } else if (idtype === 2) {
        if (id < 0) return -EINVAL;
        sel = { kind: "pgid", id: id === 0 ? c.t.sig.pgrp : id, wclone, wall };
      } else if (idtype === 3)
        return -EBADF; // P_PIDFD: this kernel makes no pidfds
      else return -EINVAL;
      const infop = c.a[2]!;
      const r = do_wait(c, sel, options, (child, ev) => {
        if (infop !== 0n && put(c, infop, waitid_info(child, ev)) < 0n) return -EFAULT;
        if (c.a[4] !== 0n && put(c, c.a[4]!, rusage_bytes(rusage_of(child, "both"))) < 0n) return -EFAULT;
        return 0n;
      });
      if (r === 0n && infop !== 0n && put(c, infop, waitid_info(null)) < 0n) return -EFAULT;
      return r > 0n ? 0n : r;
    },
  },
  96: {
    name: "set_tid_address",
    args: ["p"],
    fn: (c) => {
      c.t.tidAddress = c.a[0]!;
      return BigInt(c.t.pid);
    },
  },
  98: {
    name: "futex",
    args: ["p", "d", "d", "p", "p", "x"],
    fn: (c) =>
      c.s.futexes.do_futex(
        c.t,
        {
          uaddr: c.a[0]!,
          op: s32(c.a[1]!),
          val: s32(c.a[2]!),
          utime: c.a[3]!,
          uaddr2: c.a[4]!,
          val3: s32(c.a[5]!),
        },
        c.s.now(),
        Number(EPOCH) * 1e9,
      ),
  },
  99: {
    name: "set_robust_list",
    args: ["p", "u"],
    fn: (c) => {
      if (c.a[1] !== 24n) return -EINVAL; // sizeof(struct robust_list_head)
      c.t.robust_list = c.a[0]!;
      c.t.robust_list_len = c.a[1]!;
      return 0n;
    },
  },
  124: { name: "sched_yield", args: [], fn: () => 0n },
  154: { name: "setpgid", args: ["d", "d"], fn: (c) => setpgid(c, s32(c.a[0]!), s32(c.a[1]!)) },
  155: { name: "getpgid", args: ["d"], fn: (c) => group_id(c, "pgrp") },
  156: { name: "getsid", args: ["d"], fn: (c) => group_id(c, "session") },
  157: {
    name: "setsid",
    args: [],
    fn: (c) => {
      const me = c.t.group_leader;
      // ksys_setsid: EPERM if a process group with the caller's id exists (it leads one).
      if (c.s.tasks.some((o) => o.running && o.sig.pgrp === me.tgid)) return -EPERM;
      me.sig.session = me.tgid;
      me.sig.pgrp = me.tgid;
      return BigInt(me.tgid);
    },
  },
  172: { name: "getpid", args: [], fn: (c) => BigInt(c.t.tgid) },
  173: { name: "getppid", args: [], fn: (c) => BigInt(c.t.group_leader.real_parent?.tgid ?? 0) },
  174: { name: "getuid", args: [], fn: () => 0n },
  175: { name: "geteuid", args: [], fn: () => 0n },
  176: { name: "getgid", args: [], fn: () => 0n },
  177: { name: "getegid", args: [], fn: () => 0n },
  178: { name: "gettid", args: [], fn: (c) => BigInt(c.t.pid) },
  220: {
    name: "clone",
    args: [clone_flags, "p", "p", "p", "p"],
    fn: (c) => {
      const flags = Number(c.a[0]! & 0xffffffffn);
      // riscv64's order (CONFIG_CLONE_BACKWARDS): flags, newsp, parent_tid, tls, child_tid.
      return do_clone(c, {
        flags: flags & ~CSIGNAL,
        exit_signal: flags & CSIGNAL,
        stack: c.a[1]!,
        parent_tid: c.a[2]!,
        tls: c.a[3]!,
        child_tid: c.a[4]!,
      });
    },
  },
  221: {
    name: "execve",
    args: ["s", "p", "p"],
    fn: (c) => {
      const name = getname(c, c.a[0]!);
      if (typeof name === "bigint") return name;
      const strs = exec_strings(c, c.a[1]!, c.a[2]!);
      return typeof strs === "bigint" ? strs : do_execve(c.s, c.t, c.h, name, strs[0], strs[1]);
    },
  },
  281: {
    name: "execveat",
    args: ["d", "s", "p", "p", "x"],
    fn: (c) => {
      const name = getname(c, c.a[1]!);
      if (typeof name === "bigint") return name;
      const strs = exec_strings(c, c.a[2]!, c.a[3]!);
      if (typeof strs === "bigint") return strs;
      const look = execveat_lookup(c, c.a[0]!, name, s32(c.a[4]!));
      if (typeof look === "bigint") return look;
      return do_execve(c.s, c.t, c.h, look.filename, strs[0], strs[1], look.at);
    },
  },
  260: {
    name: "wait4",
    args: ["d", "p", "x", "p"],
    fn: (c) => {
      const [pid, options] = [s32(c.a[0]!), s32(c.a[2]!)];
      if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) return -EINVAL;
      if (pid === -0x80000000) return -ESRCH; // -INT_MIN would overflow
      return do_wait(
        c,
        wait4_selector(c, pid, options) /* wait4 always reports exits */,
        options | WEXITED,
        (child, ev) => {
          if (c.a[1] !== 0n && c.t.uaccess.copy_to_user(c.a[1]!, u32le(wait_status(child, ev))) === false)
            return -EFAULT;
          if (c.a[3] !== 0n && put(c, c.a[3]!, rusage_bytes(rusage_of(child, "both"))) < 0n) return -EFAULT;
          return 0n;
        },
      );
    },
  },
  261: { name: "prlimit64", args: ["d", rlimitResource, "p", "p"], fn: prlimit64 },
  435: {
    name: "clone3",
    args: [clone3Args, "u"],
    fn: (c) => {
      const args = clone3_args(c, c.a[0]!, c.a[1]!);
      return typeof args === "bigint" ? args : do_clone(c, args);
    },
  },
  153: {
    name: "times",
    args: ["p"],
    fn: (c) => {
      // struct tms in USER_HZ ticks: the process's user and system time, its reaped children's.
      const me = rusage_of(c.t, RUSAGE_SELF);
      const kids = rusage_of(c.t, RUSAGE_CHILDREN);
      const ticks = [me.utime, me.stime, kids.utime, kids.stime].map((ns) => BigInt(ns_to_clock_t(ns)));
      if (c.a[0] !== 0n && put(c, c.a[0]!, u64s(...ticks)) < 0n) return -EFAULT;
      // The return value: clock ticks since boot (Linux's jiffies start 5 minutes before 0 so
      // that wrap bugs show early; here they start at boot).
      return BigInt(ns_to_clock_t(c.s.now()));
    },
  },
  165: {
    name: "getrusage",
    args: ["d", "p"],
    fn: (c) => {
      const who = s32(c.a[0]!);
      if (who !== RUSAGE_SELF && who !== RUSAGE_CHILDREN && who !== RUSAGE_THREAD) return -EINVAL;
      return put(c, c.a[1]!, rusage_bytes(rusage_of(c.t, who)));
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
