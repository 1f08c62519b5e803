// Process exit and reaping, after kernel/exit.c: do_exit() releases what a thread holds (its
// mm reference, files, fs, the vfork parent, CLONE_CHILD_CLEARTID's word); the last thread of a
// group hands its children to PID 1 (forget_original_parent) and leaves the leader a zombie
// that its parent reaps with wait4/waitid (do_wait), or is reaped at once when nobody will
// (the parent ignores SIGCHLD, or there is no parent). A thread other than the leader is
// released as soon as it exits.

import type { Scheduler, task_struct } from "./process.js";
import { SIGCHLD, u32le } from "./process.js";
import { leave_wait_queues } from "./wait.js";

const SIGNAL_NAMES: Record<number, string> = {
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  11: "SIGSEGV",
  13: "SIGPIPE",
  15: "SIGTERM",
};
/** SIG_IGN as a handler value. */
const SIG_IGN = 1n;

/** Futex wake-ups at exit (CLONE_CHILD_CLEARTID's word): the futex code registers itself. */
export const exit_hooks: { futex_wake: ((t: task_struct, uaddr: bigint) => void) | null } = {
  futex_wake: null,
};

/** do_exit(): end thread `t` with `code` (the status a shell reports) or the fatal `signal`;
 *  an exit_group in progress gives the group's status instead. Must run with `t`'s address
 *  space on the current hart (it writes the clear-child-tid word). */
export function do_exit(s: Scheduler, t: task_struct, code: number, signal: number): void {
  if (!t.running) return;
  const g = t.sig.group_exit;
  if (g) {
    code = g.code;
    signal = g.signal;
  }
  const last = t.sig.live === 1;
  if (last) s.onExit?.(t);
  t.exitCode = code;
  t.signal = signal;
  if (last)
    t.opts.strace?.(
      signal
        ? `+++ killed by ${SIGNAL_NAMES[signal] ?? `signal ${signal}`} +++`
        : `+++ exited with ${code} +++`,
    );
  s.saveUser(s.k.hart(), t);
  s.dequeue(t);
  leave_wait_queues(t);
  t.cont = null;
  mm_release(t);
  s.mmput(t.mm);
  t.files.put_files();
  t.fs.put_fs();
  t.sig.live--;
  exit_notify(s, t);
}

/** exit_group(): every thread of `t`'s group dies with `code`/`signal` (zap_other_threads:
 *  the others are woken and exit when they next run), then `t` itself. */
export function do_group_exit(s: Scheduler, t: task_struct, code: number, signal: number): void {
  if (!t.sig.group_exit) {
    t.sig.group_exit = { code, signal };
    for (const o of t.sig.threads) {
      if (o === t || !o.running) continue;
      o.fatal = 9;
      if (o.state === "sleeping" && o.sleepKind !== "uninterruptible") o.wake();
    }
  }
  do_exit(s, t, code, signal);
}

/** mm_release() (exit and exec): the vfork parent goes on; CLONE_CHILD_CLEARTID's word is
 *  zeroed and its futex woken, when other tasks share the memory that holds it. Runs in `t`'s
 *  (old) address space. */
export function mm_release(t: task_struct): void {
  const parent = t.vfork_done;
  if (parent) {
    t.vfork_done = null;
    parent.wake();
  }
  if (t.tidAddress !== 0n && t.mm.mm_users > 1) {
    if (t.uaccess.copy_to_user(t.tidAddress, u32le(0))) exit_hooks.futex_wake?.(t, t.tidAddress);
  }
  t.tidAddress = 0n;
}

/** exit_notify(): a dying group gives its children to PID 1 (or lets them be reaped on their
 *  own when PID 1 is gone); a thread other than the leader is released; the leader becomes a
 *  zombie, reported to its parent once the whole group is gone. */
function exit_notify(s: Scheduler, t: task_struct): void {
  if (t.sig.live === 0) forget_original_parent(s, t);
  const leader = t.group_leader;
  if (t !== leader) {
    t.state = "dead";
    release_task(s, t);
    if (t.sig.live === 0 && leader.state === "zombie") do_notify_parent(s, leader);
    return;
  }
  t.state = "zombie";
  if (t.sig.live === 0) do_notify_parent(s, t);
}

/** The reaper of a dying group's children: PID 1 unless it is the one dying (or gone). */
function find_new_reaper(s: Scheduler, t: task_struct): task_struct | null {
  const init = s.init;
  return init && init.sig !== t.sig && init.sig.live > 0 ? init : null;
}

function forget_original_parent(s: Scheduler, t: task_struct): void {
  const reaper = find_new_reaper(s, t);
  for (const c of t.sig.children.splice(0)) {
    c.real_parent = reaper;
    if (reaper) reaper.sig.children.push(c);
    if (c.state === "zombie" && c.sig.live === 0) {
      if (reaper) do_notify_parent(s, c);
      else release_task(s, c);
    }
  }
}

/** do_notify_parent(): tell the parent its child `leader`'s group is gone (its signal, sent by
 *  the signals half, and its wait queue); with no parent, or one that ignores SIGCHLD, the
 *  child is reaped at once. */
function do_notify_parent(s: Scheduler, leader: task_struct): void {
  const p = leader.real_parent;
  if (!p || p.sig.live === 0) {
    release_task(s, leader);
    return;
  }
  const autoreap = leader.exit_signal === SIGCHLD && p.sigactions.get(SIGCHLD) === SIG_IGN;
  if (leader.exit_signal > 0) s.notifyParent?.(p, leader);
  if (autoreap || leader.exit_signal < 0) release_task(s, leader);
  p.sig.wait_chldexit.wake_up_all();
}

/** release_task(): the task leaves the pid table and its parent's list; it is gone. */
export function release_task(s: Scheduler, t: task_struct): void {
  t.state = "dead";
  s.forget(t);
  const th = t.sig.threads;
  const i = th.indexOf(t);
  if (i >= 0) th.splice(i, 1);
  if (t === t.group_leader && t.real_parent) {
    const ch = t.real_parent.sig.children;
    const j = ch.indexOf(t);
    if (j >= 0) ch.splice(j, 1);
  }
}

/** The wait status of a reaped child (the W* macros' encoding): exit code in bits 8-15, or the
 *  fatal signal in bits 0-6 (no core dumps here: RLIMIT_CORE is 0). */
export function wait_status(t: task_struct): number {
  return t.signal ? t.signal & 0x7f : ((t.exitCode ?? 0) & 0xff) << 8;
}

/** wait4/waitid's choice of children: by pid, by process group, or any; __WCLONE / __WALL
 *  say whether children that signal something other than SIGCHLD count. */
export interface WaitSelector {
  kind: "pid" | "pgid" | "any";
  id: number;
  wclone: boolean;
  wall: boolean;
}

/** The children of `t`'s group that `sel` names (eligible_child). */
export function eligible_children(t: task_struct, sel: WaitSelector): task_struct[] {
  return t.sig.children.filter((c) => {
    if (sel.kind === "pid" && c.tgid !== sel.id) return false;
    if (sel.kind === "pgid" && c.sig.pgrp !== sel.id) return false;
    if (sel.wall) return true;
    return (c.exit_signal !== SIGCHLD) === sel.wclone;
  });
}

/** Is child `c`'s whole group gone, so that it can be reaped? */
export function reapable(c: task_struct): boolean {
  return c.state === "zombie" && c.sig.live === 0;
}
