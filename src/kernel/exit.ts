// Process exit and reaping, after kernel/exit.c: do_exit() releases what a thread holds (its
// sleep and timers, its mm reference, files, fs, the vfork parent, CLONE_CHILD_CLEARTID's
// word); the last thread of a group hands its children to PID 1 (forget_original_parent) and
// leaves the leader a zombie that its parent reaps with wait4/waitid (do_wait), or is reaped
// at once when nobody will (the parent ignores SIGCHLD or sets SA_NOCLDWAIT, or there is no
// parent). A thread other than the leader is released as soon as it exits.

import { exit_itimers } from "./posix_timers.js";
import type { Scheduler, task_struct } from "./process.js";
import { u32le } from "./process.js";
import { CLD_EXITED, CLD_KILLED, SA_NOCLDWAIT, SIG_IGN, SIGCHLD, send_signal, signame } from "./signal.js";
import { leave_wait_queues } from "./wait.js";

/** do_exit(): end thread `t` with `code` (the status a shell reports) or the fatal `signal`.
 *  Must run with `t`'s address space on the current hart (it writes the clear-child-tid
 *  word). */
export function do_exit(s: Scheduler, t: task_struct, code: number, signal: number): void {
  if (!t.running) return;
  const last = t.sig.live === 1;
  if (last) s.onExit?.(t);
  t.exitCode = code;
  t.signal = signal;
  if (last) t.opts.strace?.(signal ? `+++ killed by ${signame(signal)} +++` : `+++ exited with ${code} +++`);
  s.saveUser(s.k.hart(), t);
  leave_wait_queues(t);
  if (t.sleep_timer) s.timers.cancel(t.sleep_timer);
  t.sleep_timer = null;
  t.syscall_blocked = false;
  t.cont = null;
  const th = t.sig.thread_head;
  if (th.includes(t)) th.splice(th.indexOf(t), 1);
  if (!th.length) {
    if (t.sig.real_timer.timer) s.timers.cancel(t.sig.real_timer.timer); // exit_itimers
    exit_itimers(s, t);
  }
  s.dequeue(t);
  mm_release(s, t);
  setmax_mm_hiwater_rss(t);
  s.mmput(t.mm);
  t.files.put_files();
  t.fs.put_fs();
  t.sig.live--;
  exit_notify(s, t);
}

/** setmax_mm_hiwater_rss() (exit and exec): the process's peak resident set keeps what its
 *  address space reached, before the address space goes. */
export function setmax_mm_hiwater_rss(t: task_struct): void {
  t.sig.ru.maxrss = Math.max(t.sig.ru.maxrss, t.mm.hiwater_rss, t.mm.rss);
}

/** mm_release() (exit and exec): the robust futexes are released, the vfork parent goes on,
 *  CLONE_CHILD_CLEARTID's word is zeroed and its futex woken when other tasks share the memory
 *  that holds it. Runs in `t`'s (old) address space. */
export function mm_release(s: Scheduler, t: task_struct): void {
  s.futexes.exit(t);
  const parent = t.vfork_done;
  if (parent) {
    t.vfork_done = null;
    parent.wake();
  }
  if (t.tidAddress !== 0n && t.mm.mm_users > 1) {
    if (t.uaccess.copy_to_user(t.tidAddress, u32le(0))) s.futexes.wake_tid(t, t.tidAddress);
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
    release_task(s, t);
    if (t.sig.live === 0 && leader.exit_state === "zombie") do_notify_parent(s, leader);
    return;
  }
  t.exit_state = "zombie";
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
    if (reapable(c)) {
      if (reaper) do_notify_parent(s, c);
      else release_task(s, c);
    }
  }
}

/** do_notify_parent(): tell the parent its child `leader`'s group is gone (the exit signal,
 *  SIGCHLD with CLD_EXITED or CLD_KILLED, and its wait queue); with no parent, or one that
 *  ignores SIGCHLD or asked for SA_NOCLDWAIT, the child is reaped at once. */
function do_notify_parent(s: Scheduler, leader: task_struct): void {
  const p = leader.real_parent;
  if (!p || p.sig.live === 0) {
    release_task(s, leader);
    return;
  }
  const act = p.sighand.action[SIGCHLD]!;
  const autoreap =
    leader.exit_signal < 0 ||
    (leader.exit_signal === SIGCHLD && (act.handler === SIG_IGN || (act.flags & SA_NOCLDWAIT) !== 0n));
  if (leader.exit_signal > 0) {
    const status = leader.signal ? leader.signal : (leader.exitCode ?? 0) & 0xff;
    send_signal(
      s,
      p,
      {
        signo: leader.exit_signal,
        code: leader.signal ? CLD_KILLED : CLD_EXITED,
        pid: leader.tgid,
        uid: 0,
        status,
      },
      true,
    );
  }
  if (autoreap) release_task(s, leader);
  p.sig.wait_chldexit.wake_up_all();
}

/** release_task(): the task leaves the pid table and its parent's list; it is gone. */
export function release_task(s: Scheduler, t: task_struct): void {
  t.exit_state = "dead";
  s.forget(t);
  if (t === t.group_leader && t.real_parent) {
    const ch = t.real_parent.sig.children;
    const j = ch.indexOf(t);
    if (j >= 0) ch.splice(j, 1);
  }
}

/** The wait status of a child (the W* macros' encoding): for an exit, the exit code in bits
 *  8-15 or the fatal signal in bits 0-6 (no core dumps here: RLIMIT_CORE is 0); for a stop,
 *  the stop signal in bits 8-15 over 0x7f; for a continue, 0xffff. */
export function wait_status(t: task_struct, ev: "exit" | "stop" | "cont" = "exit"): number {
  if (ev === "stop") return (t.sig.group_exit_code << 8) | 0x7f;
  if (ev === "cont") return 0xffff;
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
  return c.exit_state === "zombie" && c.sig.live === 0;
}
