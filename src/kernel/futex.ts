// Fast user-space mutexes, after kernel/futex/: FUTEX_WAIT / WAKE, WAIT_BITSET / WAKE_BITSET,
// REQUEUE / CMP_REQUEUE, WAKE_OP, with private keys (the address space and the address) and
// shared ones (a MAP_SHARED page's physical address, so that processes sharing the page meet;
// a private mapping keys by address space as Linux's get_futex_key does), timeouts in machine
// time, and what exit needs: CLONE_CHILD_CLEARTID's wake-up and the robust list walk (glibc's
// robust mutexes). PI futexes as glibc's PTHREAD_PRIO_INHERIT mutexes use them: LOCK_PI,
// TRYLOCK_PI and UNLOCK_PI with the owner's tid in the word, ownership handed to the first
// waiter at unlock (every task has the same priority here: nothing to inherit, the waiters
// queue in arrival order). FUTEX_WAIT_REQUEUE_PI / CMP_REQUEUE_PI are not supported (ENOSYS).

import {
  EAGAIN,
  EDEADLK,
  EFAULT,
  EINVAL,
  ENOSYS,
  EPERM,
  ERESTART_RESTARTBLOCK,
  ERESTARTNOINTR,
  ERESTARTSYS,
  ESRCH,
  ETIMEDOUT,
} from "./errno.js";
import { PAGE_SIZE } from "./layout.js";
import { VM_SHARED } from "./mm.js";
import type { task_struct } from "./process.js";
import { u32le } from "./process.js";
import { BLOCK, wait_event } from "./wait.js";

export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;
export const FUTEX_REQUEUE = 3;
export const FUTEX_CMP_REQUEUE = 4;
export const FUTEX_WAKE_OP = 5;
export const FUTEX_WAIT_BITSET = 9;
export const FUTEX_LOCK_PI = 6;
export const FUTEX_UNLOCK_PI = 7;
export const FUTEX_TRYLOCK_PI = 8;
export const FUTEX_WAKE_BITSET = 10;
export const FUTEX_PRIVATE_FLAG = 128;
export const FUTEX_CLOCK_REALTIME = 256;
const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;
/** The robust list's owner-died and waiters bits, and the tid mask (uapi/linux/futex.h). */
const FUTEX_OWNER_DIED = 0x40000000;
const FUTEX_WAITERS = 0x80000000;
const FUTEX_TID_MASK = 0x3fffffff;
/** ROBUST_LIST_LIMIT: the most entries the exit walk follows (a cycle must not hang it). */
const ROBUST_LIST_LIMIT = 2048;

/** One waiter (struct futex_q): its task, key and bitset; `woken` once a wake took it. */
interface futex_q {
  task: task_struct;
  key: string;
  bitset: number;
  woken: boolean;
  /** A PI waiter the unlocker made the owner (the word already holds its tid). */
  granted?: boolean;
}

/** A futex operation's arguments (the futex system call's registers). */
export interface FutexArgs {
  uaddr: bigint;
  op: number;
  val: number;
  /** The timeout pointer, or val2 (a count) for the requeue operations. */
  utime: bigint;
  uaddr2: bigint;
  val3: number;
}

/** The futex hash: waiters by key, in arrival order. */
export class Futexes {
  private readonly hash = new Map<string, futex_q[]>();
  private readonly byTask = new Map<task_struct, futex_q>();

  /** `find_task`: the thread with an id (a PI futex's owner), as the scheduler knows it. */
  constructor(private readonly find_task: (tid: number) => task_struct | undefined) {}

  /** CLONE_CHILD_CLEARTID at exit: one waiter on the zeroed tid word is woken (pthread_join). */
  wake_tid(t: task_struct, uaddr: bigint): void {
    const key = this.key(t, uaddr, false);
    if (typeof key === "string") this.wake(key, 1, FUTEX_BITSET_MATCH_ANY);
  }

  /** futex_exit_release(): the thread's robust futexes are released and it leaves any queue. */
  exit(t: task_struct): void {
    this.exit_robust_list(t);
    const q = this.byTask.get(t);
    if (q) this.unqueue(q);
  }

  /** Waiters queued now (for tests and leak checks). */
  get waiters(): number {
    return this.byTask.size;
  }

  /** get_futex_key(): "m<mm id>:<addr>" for a private futex or a private mapping, "p<phys>"
   *  for a shared mapping's page; EFAULT when the address is not mapped, EINVAL misaligned. */
  key(t: task_struct, uaddr: bigint, priv: boolean): string | bigint {
    if (uaddr % 4n !== 0n) return -EINVAL;
    const v = t.mm.find_vma(uaddr);
    if (!v) return -EFAULT;
    if (priv || !(v.vm_flags & VM_SHARED)) return `m${t.mm.id}:${uaddr}`;
    if (t.uaccess.copy_from_user(uaddr, 4) === null) return -EFAULT; // fault the page in
    const leaf = t.mm.pgd.lookup(uaddr);
    if (!leaf) return -EFAULT;
    const pfn = (leaf.lo >>> 10) | ((leaf.hi & 0x3fffff) << 22);
    const size = BigInt(PAGE_SIZE) << BigInt(9 * leaf.level);
    return `p${pfn * PAGE_SIZE + Number(uaddr % size)}`;
  }

  private queue(q: futex_q): void {
    const list = this.hash.get(q.key) ?? [];
    list.push(q);
    this.hash.set(q.key, list);
    this.byTask.set(q.task, q);
  }

  private unqueue(q: futex_q): void {
    const list = this.hash.get(q.key);
    if (list) {
      const i = list.indexOf(q);
      if (i >= 0) list.splice(i, 1);
      if (!list.length) this.hash.delete(q.key);
    }
    if (this.byTask.get(q.task) === q) this.byTask.delete(q.task);
  }

  /** futex_wake(): wake up to `nr` waiters of `key` whose bitset meets `bitset`. */
  wake(key: string, nr: number, bitset: number): number {
    const list = this.hash.get(key);
    if (!list) return 0;
    let n = 0;
    for (const q of [...list]) {
      if (n >= nr) break;
      if ((q.bitset & bitset) === 0) continue;
      this.unqueue(q);
      q.woken = true;
      q.task.wake();
      n++;
    }
    return n;
  }

  /** futex_requeue(): wake `nrWake` waiters of `key`, move up to `nrRequeue` more to `key2`;
   *  the number woken plus moved. */
  private requeue(key: string, key2: string, nrWake: number, nrRequeue: number): number {
    let n = this.wake(key, nrWake, FUTEX_BITSET_MATCH_ANY);
    const list = this.hash.get(key) ?? [];
    for (const q of [...list]) {
      if (nrRequeue-- <= 0) break;
      this.unqueue(q);
      q.key = key2;
      this.queue(q);
      n++;
    }
    return n;
  }

  /** The futex system call for task `t`: the result, BLOCK, or a restart code. `now` and the
   *  timeouts are machine nanoseconds (CLOCK_MONOTONIC; `realtime` adds the epoch). */
  do_futex(t: task_struct, a: FutexArgs, now: number, realtimeOffset: number): bigint {
    const cmd = a.op & FUTEX_CMD_MASK;
    const priv = (a.op & FUTEX_PRIVATE_FLAG) !== 0;
    if (a.op & FUTEX_CLOCK_REALTIME && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT) return -ENOSYS;
    switch (cmd) {
      case FUTEX_WAIT:
      case FUTEX_WAIT_BITSET: {
        const bitset = cmd === FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : a.val3 >>> 0;
        if (bitset === 0) return -EINVAL;
        return this.futex_wait(t, a, priv, bitset, cmd === FUTEX_WAIT_BITSET, now, realtimeOffset);
      }
      case FUTEX_WAKE:
      case FUTEX_WAKE_BITSET: {
        const bitset = cmd === FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : a.val3 >>> 0;
        if (bitset === 0) return -EINVAL;
        const key = this.key(t, a.uaddr, priv);
        if (typeof key === "bigint") return key;
        return BigInt(this.wake(key, a.val, bitset));
      }
      case FUTEX_REQUEUE:
      case FUTEX_CMP_REQUEUE: {
        const nrRequeue = Number(BigInt.asIntN(32, a.utime));
        if (a.val < 0 || nrRequeue < 0) return -EINVAL;
        const key = this.key(t, a.uaddr, priv);
        if (typeof key === "bigint") return key;
        const key2 = this.key(t, a.uaddr2, priv);
        if (typeof key2 === "bigint") return key2;
        if (cmd === FUTEX_CMP_REQUEUE) {
          const cur = this.get_u32(t, a.uaddr);
          if (cur === null) return -EFAULT;
          if (cur !== a.val3 >>> 0) return -EAGAIN;
        }
        return BigInt(this.requeue(key, key2, a.val, nrRequeue));
      }
      case FUTEX_WAKE_OP:
        return this.wake_op(t, a, priv);
      case FUTEX_LOCK_PI:
      case FUTEX_TRYLOCK_PI:
        return this.futex_lock_pi(t, a, priv, cmd === FUTEX_TRYLOCK_PI, now, realtimeOffset);
      case FUTEX_UNLOCK_PI:
        return this.futex_unlock_pi(t, a, priv);
      default:
        return -ENOSYS; // the PI operations and FUTEX_WAIT_REQUEUE_PI: not supported
    }
  }

  /** futex_wait(): sleep while *uaddr == val, until a wake-up (0), the timeout (ETIMEDOUT)
   *  or a signal (the restart code); EAGAIN at once if the value differs. */
  private futex_wait(
    t: task_struct,
    a: FutexArgs,
    priv: boolean,
    bitset: number,
    absolute: boolean,
    now: number,
    realtimeOffset: number,
  ): bigint {
    const saved = t.cont?.nr === 98 ? t.cont : null;
    const q = (saved?.data as futex_q | null | undefined) ?? null;
    if (q) {
      if (q.woken) return 0n;
      if (now >= saved!.deadline) {
        this.unqueue(q);
        return -ETIMEDOUT;
      }
      if (t.signal_pending("interruptible")) return this.interrupted(t, q, saved!.deadline);
      return wait_event(t, [], deadlineOpt(saved!.deadline)); // a spurious wake-up: sleep on
    }
    let deadline = saved ? saved.deadline : Number.POSITIVE_INFINITY;
    if (!saved && a.utime !== 0n) {
      const ns = this.get_timespec(t, a.utime);
      if (typeof ns === "bigint") return ns;
      deadline = absolute ? ns - (a.op & FUTEX_CLOCK_REALTIME ? realtimeOffset : 0) : now + ns;
    }
    const key = this.key(t, a.uaddr, priv);
    if (typeof key === "bigint") return key;
    const cur = this.get_u32(t, a.uaddr);
    if (cur === null) return -EFAULT;
    if (cur !== a.val >>> 0) return -EAGAIN;
    if (now >= deadline) return -ETIMEDOUT;
    if (t.signal_pending("interruptible"))
      return Number.isFinite(deadline) ? -ERESTART_RESTARTBLOCK : -ERESTARTSYS;
    const nq: futex_q = { task: t, key, bitset, woken: false };
    this.queue(nq);
    const r = wait_event(t, [], deadlineOpt(deadline));
    if (r === BLOCK) t.cont = { nr: 98, deadline, done: 0n, data: nq };
    else this.unqueue(nq);
    return r;
  }

  /** FUTEX_LOCK_PI / TRYLOCK_PI: take the futex when its word holds no owner (the tid, with
   *  OWNER_DIED kept and WAITERS if others wait); EDEADLK when the caller owns it, ESRCH when
   *  the owner's tid names no thread; else (trylock: EAGAIN) set FUTEX_WAITERS and sleep until
   *  the owner's UNLOCK_PI hands the futex over, or the absolute CLOCK_REALTIME timeout
   *  (ETIMEDOUT). A signal's handler runs and the call restarts (ERESTARTNOINTR). */
  private futex_lock_pi(
    t: task_struct,
    a: FutexArgs,
    priv: boolean,
    trylock: boolean,
    now: number,
    realtimeOffset: number,
  ): bigint {
    const saved = t.cont?.nr === 98 ? t.cont : null;
    const q = (saved?.data as futex_q | null | undefined) ?? null;
    if (q?.granted) return 0n;
    let deadline = saved ? saved.deadline : Number.POSITIVE_INFINITY;
    if (!saved && a.utime !== 0n && !trylock) {
      const ns = this.get_timespec(t, a.utime);
      if (typeof ns === "bigint") return ns;
      deadline = ns - realtimeOffset;
    }
    if (q) this.unqueue(q);
    const key = this.key(t, a.uaddr, priv);
    if (typeof key === "bigint") return key;
    const uval = this.get_u32(t, a.uaddr);
    if (uval === null) return -EFAULT;
    const owner = uval & FUTEX_TID_MASK;
    if (owner === t.pid) return -EDEADLK;
    const others = (this.hash.get(key)?.length ?? 0) > 0;
    if (owner === 0) {
      const nv = (t.pid | (uval & FUTEX_OWNER_DIED) | (others ? FUTEX_WAITERS : 0)) >>> 0;
      return t.uaccess.copy_to_user(a.uaddr, u32le(nv)) ? 0n : -EFAULT;
    }
    if (!this.find_task(owner)?.running) return -ESRCH;
    if (trylock) return -EAGAIN;
    if (now >= deadline) return -ETIMEDOUT;
    if (t.signal_pending("interruptible")) return -ERESTARTNOINTR;
    if (!(uval & FUTEX_WAITERS) && !t.uaccess.copy_to_user(a.uaddr, u32le((uval | FUTEX_WAITERS) >>> 0)))
      return -EFAULT;
    const nq: futex_q = { task: t, key, bitset: FUTEX_BITSET_MATCH_ANY, woken: false };
    this.queue(nq);
    const r = wait_event(t, [], deadlineOpt(deadline));
    if (r === BLOCK) t.cont = { nr: 98, deadline, done: 0n, data: nq };
    else this.unqueue(nq);
    return r;
  }

  /** FUTEX_UNLOCK_PI: EPERM unless the caller owns the futex; the first waiter becomes the
   *  owner (its tid with FUTEX_WAITERS, as wake_futex_pi writes it) and wakes; with none the
   *  word becomes 0. */
  private futex_unlock_pi(t: task_struct, a: FutexArgs, priv: boolean): bigint {
    const key = this.key(t, a.uaddr, priv);
    if (typeof key === "bigint") return key;
    const uval = this.get_u32(t, a.uaddr);
    if (uval === null) return -EFAULT;
    if ((uval & FUTEX_TID_MASK) !== t.pid) return -EPERM;
    const next = this.hash.get(key)?.[0];
    const nv = next ? (next.task.pid | FUTEX_WAITERS) >>> 0 : 0;
    if (!t.uaccess.copy_to_user(a.uaddr, u32le(nv))) return -EFAULT;
    if (next) {
      this.unqueue(next);
      next.woken = true;
      next.granted = true;
      next.task.wake();
    }
    return 0n;
  }

  /** A signal ended the wait: leave the queue; the call restarts with its deadline kept
   *  (-ERESTART_RESTARTBLOCK, as futex_wait_restart does) or afresh (-ERESTARTSYS). */
  private interrupted(t: task_struct, q: futex_q, deadline: number): bigint {
    this.unqueue(q);
    t.cont = { nr: 98, deadline, done: 0n, data: null };
    return Number.isFinite(deadline) ? -ERESTART_RESTARTBLOCK : -ERESTARTSYS;
  }

  /** FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg); wake `val` at uaddr, and `val2` at uaddr2
   *  if the old value passes the comparison (futex_atomic_op_inuser). */
  private wake_op(t: task_struct, a: FutexArgs, priv: boolean): bigint {
    const key = this.key(t, a.uaddr, priv);
    if (typeof key === "bigint") return key;
    const key2 = this.key(t, a.uaddr2, priv);
    if (typeof key2 === "bigint") return key2;
    const enc = a.val3 >>> 0;
    const op = (enc >>> 28) & 7;
    const shift = (enc >>> 28) & 8;
    const cmp = (enc >>> 24) & 15;
    let oparg = (enc << 8) >> 20; // sign-extended 12 bits
    const cmparg = (enc << 20) >> 20;
    if (shift) {
      if (oparg < 0 || oparg > 31) return -EINVAL;
      oparg = 1 << oparg;
    }
    const old = this.get_u32(t, a.uaddr2);
    if (old === null) return -EFAULT;
    const o = old | 0;
    const ops = [oparg, o + oparg, o | oparg, o & ~oparg, o ^ oparg];
    if (op >= ops.length) return -ENOSYS;
    if (!t.uaccess.copy_to_user(a.uaddr2, u32le(ops[op]!))) return -EFAULT;
    const cmps = [o === cmparg, o !== cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg];
    if (cmp >= cmps.length) return -ENOSYS;
    let n = this.wake(key, a.val, FUTEX_BITSET_MATCH_ANY);
    if (cmps[cmp]) n += this.wake(key2, Number(BigInt.asIntN(32, a.utime)), FUTEX_BITSET_MATCH_ANY);
    return BigInt(n);
  }

  /** A struct timespec from user memory, in nanoseconds: EFAULT, EINVAL out of range. */
  private get_timespec(t: task_struct, va: bigint): number | bigint {
    const ts = t.uaccess.copy_from_user(va, 16);
    if (!ts) return -EFAULT;
    const v = new DataView(ts.buffer);
    const sec = v.getBigInt64(0, true);
    const nsec = v.getBigInt64(8, true);
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -EINVAL;
    return Number(sec) * 1e9 + Number(nsec);
  }

  private get_u32(t: task_struct, va: bigint): number | null {
    const b = t.uaccess.copy_from_user(va, 4);
    return b ? new DataView(b.buffer).getUint32(0, true) : null;
  }

  /** exit_robust_list(): each futex on the dying thread's robust list (and the one it was
   *  taking, list_op_pending) that it owns gets FUTEX_OWNER_DIED and one waiter woken. The
   *  list: struct robust_list_head { next, futex_offset, list_op_pending }. */
  private exit_robust_list(t: task_struct): void {
    const head = t.robust_list;
    if (head === 0n) return;
    const ua = t.uaccess;
    const next0 = ua.get_u64(head);
    const off = ua.get_u64(head + 8n);
    const pending = ua.get_u64(head + 16n);
    if (next0 === null || off === null || pending === null) return;
    const offset = BigInt.asIntN(64, off);
    let entry = next0;
    for (let i = 0; entry !== head && entry !== 0n && i < ROBUST_LIST_LIMIT; i++) {
      const next = ua.get_u64(entry);
      if (entry !== pending) this.handle_futex_death(t, entry + offset);
      if (next === null) return;
      entry = next;
    }
    if (pending !== 0n) this.handle_futex_death(t, pending + offset);
  }

  /** handle_futex_death(): the word of a futex `t` held: owner-died set, a waiter woken. */
  private handle_futex_death(t: task_struct, uaddr: bigint): void {
    const v = this.get_u32(t, uaddr);
    if (v === null || (v & FUTEX_TID_MASK) !== t.pid) return;
    const nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if (!t.uaccess.copy_to_user(uaddr, u32le(nv))) return;
    if (v & FUTEX_WAITERS) {
      const key = this.key(t, uaddr, false);
      if (typeof key === "string") this.wake(key, 1, FUTEX_BITSET_MATCH_ANY);
    }
  }
}

function deadlineOpt(deadline: number): { deadline?: number } {
  return Number.isFinite(deadline) ? { deadline } : {};
}
