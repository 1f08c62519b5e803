// File system calls, by their Linux riscv64 numbers: the descriptor table (dup, dup3, fcntl,
// close, close_range), reading and writing (read, write, readv, writev, pread64, pwrite64,
// preadv, pwritev, lseek), names (openat, mkdirat, unlinkat, symlinkat, linkat, renameat2,
// readlinkat, truncate, ftruncate, faccessat, faccessat2, chdir, fchdir, getcwd, umask),
// attributes (fstat, newfstatat, statx), getdents64, pipe2, ioctl, poll (ppoll, pselect6),
// fsync, fdatasync and msync. The work is in src/kernel/fs/; this file copies arguments in
// and results out (EFAULT at the first bad page, a partial count when some bytes went, as
// Linux's copy loops give) and sleeps on the fs's wait queues (../wait.ts) when a pipe is
// empty or full or poll has nothing ready.

import {
  EAGAIN,
  EBADF,
  EFAULT,
  EFBIG,
  EINVAL,
  EISDIR,
  ENAMETOOLONG,
  ENOENT,
  ENOMEM,
  ENOTDIR,
  ENOTTY,
  ENXIO,
  EPIPE,
  ERANGE,
  ERESTARTNOHAND,
  ERESTARTSYS,
  ESPIPE,
  IS_ERR_VALUE,
} from "../errno.js";
import type { ExecAt } from "../exec.js";
import { fput, get_file } from "../fs/file_table.js";
import { do_fsync, msync_vma } from "../fs/filemap.js";
import { d_path, LOOKUP_FOLLOW, path_lookupat } from "../fs/namei.js";
import {
  AT_EMPTY_PATH,
  AT_REMOVEDIR,
  AT_SYMLINK_FOLLOW,
  AT_SYMLINK_NOFOLLOW,
  chmod_common,
  do_chdir,
  do_faccessat,
  do_fchmodat,
  do_linkat,
  do_mkdirat,
  do_readlinkat,
  do_renameat2,
  do_rmdir,
  do_symlinkat,
  do_unlinkat,
  vfs_truncate,
} from "../fs/namei_ops.js";
import { do_filp_open } from "../fs/open.js";
import { pipe_inode_info } from "../fs/pipe.js";
import { iterate_dir } from "../fs/readdir.js";
import { stat_bytes, statx_bytes, statx_check } from "../fs/stat.js";
import {
  FCNTL,
  FD_CLOEXEC,
  FMODE_PATH,
  FMODE_READ,
  FMODE_WRITE,
  type file,
  O_APPEND,
  O_CLOEXEC,
  O_LARGEFILE,
  O_NONBLOCK,
  PATH_MAX,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  POLLRDNORM,
  POLLWRNORM,
  type path,
  S_ISDIR,
  S_ISREG,
} from "../fs/types.js";
import { PAGE_SIZE } from "../layout.js";
import { decode_raw, encode_raw } from "../lib/rawstr.js";
import { TASK_SIZE } from "../mm.js";
import { restore_saved_sigmask_unless, SI_USER, SIGPIPE, send_signal, set_user_sigmask } from "../signal.js";
import { BLOCK, type Continuation, wait_event, type wait_queue_head } from "../wait.js";
import { type Ctx, type Fmt, put, type SyscallTable, s32, s64 } from "./common.js";
import {
  accessAtFlags,
  accessMode,
  atFlags,
  closeRangeFlags,
  dirfd,
  fcntlArg,
  fcntlCmd,
  ioctlCmd,
  msyncFlags,
  octal,
  oflags,
  oflagsNoAcc,
  openMode,
  renameFlags,
  uint,
  whence,
} from "./fs_strace.js";
import { get_time } from "./time.js";

export const AT_FDCWD = -100;
/** The most one read or write moves (MAX_RW_COUNT = INT_MAX & PAGE_MASK). */
export const MAX_RW_COUNT = 0x7ffff000;
/** Bytes moved between a file and user memory at a time: host memory stays bounded. */
export const RW_CHUNK = 1 << 16;
/** The most iovecs a readv/writev takes (UIO_MAXIOV). */
const UIO_MAXIOV = 1024;
/** The largest file offset this kernel keeps exactly (a JavaScript safe integer). */
const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

// ---- the processes side: sleeping and SIGPIPE ----

/** Sleep on `queues` (wait_event): BLOCK, or a restart code if a signal is pending. */
function sleep_on(c: Ctx, queues: wait_queue_head[], deadline?: number, restart = -ERESTARTSYS): bigint {
  return wait_event(c.t, queues, deadline === undefined ? { restart } : { deadline, restart });
}

/** This call's continuation record (what it did before it slept), if it has one. */
function cont(c: Ctx): Continuation | null {
  const nr = Number(c.h.reg(17));
  return c.t.cont && c.t.cont.nr === nr ? c.t.cont : null;
}

function save_cont(c: Ctx, done: bigint, deadline = Number.POSITIVE_INFINITY, data?: unknown): void {
  c.t.cont = { nr: Number(c.h.reg(17)), deadline, done, data };
}

/** SIGPIPE to the writer's process (send_sig(SIGPIPE, current, 0): SI_USER from itself):
 *  ignored or caught, the write just fails with EPIPE; otherwise its default action ends the
 *  process on the way back to user mode. */
function send_sigpipe(c: Ctx): void {
  send_signal(c.s, c.t, { signo: SIGPIPE, code: SI_USER, pid: c.t.pid, uid: 0 }, true);
}

// ---- arguments ----

/** getname(): the NUL-terminated name at `va`; EFAULT, or ENAMETOOLONG past PATH_MAX. */
export function getname(c: Ctx, va: bigint): string | bigint {
  const parts: Uint8Array[] = [];
  let len = 0;
  while (len < PATH_MAX) {
    const a = va + BigInt(len);
    const n = Math.min(PAGE_SIZE - Number(a % BigInt(PAGE_SIZE)), PATH_MAX - len);
    const b = c.t.uaccess.copy_from_user(a, n);
    if (!b) return -EFAULT;
    const z = b.indexOf(0);
    parts.push(z >= 0 ? b.subarray(0, z) : b);
    if (z >= 0) {
      const all = new Uint8Array(len + z);
      let off = 0;
      for (const p of parts) {
        all.set(p, off);
        off += p.length;
      }
      return decode_raw(all);
    }
    len += n;
  }
  return -ENAMETOOLONG;
}

export const fget = (c: Ctx, fd: bigint): file | null => c.t.files.fget(s32(fd));

/** Where a relative name starts (the dirfd): the working directory, or an open directory. */
function dirfd_start(c: Ctx, dfd: bigint, name: string): path | bigint {
  if (name.startsWith("/")) return c.t.fs.root;
  if (s32(dfd) === AT_FDCWD) return c.t.fs.pwd;
  const f = fget(c, dfd);
  if (!f) return -EBADF;
  if (name !== "" && !S_ISDIR(f.f_inode.i_mode)) return -ENOTDIR;
  return f.f_path;
}

/** execveat's lookup of `name` from `dfd` with `flags` (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW;
 *  others EINVAL): where it starts and the name the new program gets (bprm->filename:
 *  "/dev/fd/N" for the descriptor's own file, "/dev/fd/N/NAME" relative to a directory
 *  descriptor, else the name itself). */
export function execveat_lookup(
  c: Ctx,
  dfd: bigint,
  name: string,
  flags: number,
): { filename: string; at: ExecAt } | bigint {
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
  const fd = s32(dfd);
  const nofollow = (flags & AT_SYMLINK_NOFOLLOW) !== 0;
  if (name === "") {
    if (!(flags & AT_EMPTY_PATH)) return -ENOENT;
    const start = fd === AT_FDCWD ? c.t.fs.pwd : fget(c, dfd)?.f_path;
    if (!start) return -EBADF;
    const cloexec = fd !== AT_FDCWD && c.t.files.get_close_on_exec(fd);
    return {
      filename: fd === AT_FDCWD ? "." : `/dev/fd/${fd}`,
      at: { name, start, empty: true, nofollow, cloexec },
    };
  }
  const start = dirfd_start(c, dfd, name);
  if (typeof start === "bigint") return start;
  const relative = !name.startsWith("/") && fd !== AT_FDCWD;
  const cloexec = relative && c.t.files.get_close_on_exec(fd);
  return {
    filename: relative ? `/dev/fd/${fd}/${name}` : name,
    at: { name, start, empty: false, nofollow, cloexec },
  };
}

/** A name argument and where it starts from. */
function name_at(c: Ctx, dfd: bigint, va: bigint): { start: path; name: string } | bigint {
  const name = getname(c, va);
  if (typeof name === "bigint") return name;
  const start = dirfd_start(c, dfd, name);
  return typeof start === "bigint" ? start : { start, name };
}

/** A chmod mode as strace prints it: octal with a leading 0. */
const octalMode: Fmt = (v) => `0${(v & 0xffffn).toString(8)}`;

/** access_ok (arch/riscv uaccess.h): [va, va+size) lies below TASK_SIZE. */
export function access_ok(va: bigint, size: bigint): boolean {
  return size <= TASK_SIZE && va <= TASK_SIZE - size;
}

/** A file offset argument: a number, or -EINVAL when negative or beyond what is kept exactly. */
function offset(v: bigint): number | bigint {
  const o = s64(v);
  if (o < 0n || o > MAX_OFFSET) return -EINVAL;
  return Number(o);
}

// ---- read and write ----

/** Read up to `count` bytes of `f` into user memory at `buf`, at `pos` (null: at f_pos, which
 *  moves). A stream with nothing to read sleeps unless O_NONBLOCK; a bad buffer is checked
 *  before data is taken from a stream (nothing is lost), and a regular file's read stops at
 *  the first bad page with what it copied. */
function vfs_read(c: Ctx, f: file, buf: bigint, count: number, pos: number | null): bigint {
  if (!(f.f_mode & FMODE_READ)) return -EBADF;
  if (S_ISDIR(f.f_inode.i_mode)) return -EISDIR;
  if (!f.f_op.read) return -EINVAL;
  if (pos !== null && !f.f_op.seekable) return -ESPIPE;
  count = Math.min(count, MAX_RW_COUNT);
  if (count === 0) return 0n;
  let at = pos ?? f.f_pos;
  let done = 0;
  while (done < count) {
    const ok = c.t.uaccess.fault_in(buf + BigInt(done), Math.min(count - done, RW_CHUNK), "w");
    if (ok === 0) return done ? BigInt(done) : -EFAULT;
    const data = f.f_op.read(f, ok, at);
    if (typeof data === "bigint") {
      if (data === -EAGAIN && done === 0 && !(f.f_flags & O_NONBLOCK)) {
        const wq = f.f_op.wait?.(f) as wait_queue_head | undefined;
        if (wq) return sleep_on(c, [wq]);
      }
      return done ? BigInt(done) : data;
    }
    if (data.length && !c.t.uaccess.copy_to_user(buf + BigInt(done), data))
      return done ? BigInt(done) : -EFAULT;
    done += data.length;
    at += data.length;
    if (pos === null && f.f_op.seekable) f.f_pos = at;
    if (data.length < ok || !f.f_op.seekable) break;
  }
  return BigInt(done);
}

/** Write `count` bytes from user memory at `buf` to `f`, at `pos` (null: at f_pos; O_APPEND: at
 *  the end). A full pipe sleeps (keeping what it wrote in the continuation) unless O_NONBLOCK;
 *  no reader left is EPIPE and SIGPIPE. */
function vfs_write(c: Ctx, f: file, buf: bigint, count: number, pos: number | null): bigint {
  if (!(f.f_mode & FMODE_WRITE)) return -EBADF;
  if (!f.f_op.write) return -EINVAL;
  if (pos !== null && !f.f_op.seekable) return -ESPIPE;
  count = Math.min(count, MAX_RW_COUNT);
  // generic_write_check_limits: nothing starts at or past the largest offset kept (EFBIG), and
  // a write running past it is cut there.
  if (f.f_op.seekable && S_ISREG(f.f_inode.i_mode)) {
    const start = f.f_flags & O_APPEND ? f.f_inode.i_size : (pos ?? f.f_pos);
    if (count > 0 && start >= Number(MAX_OFFSET)) return -EFBIG;
    count = Math.min(count, Number(MAX_OFFSET) - start);
  }
  const saved = cont(c);
  let done = saved ? Number(saved.done) : 0;
  if (count === 0) return 0n;
  while (done < count) {
    const want = Math.min(count - done, RW_CHUNK);
    const ok = c.t.uaccess.fault_in(buf + BigInt(done), want, "r");
    if (ok === 0) return done ? BigInt(done) : -EFAULT;
    const data = c.t.uaccess.copy_from_user(buf + BigInt(done), ok)!;
    const append = f.f_flags & O_APPEND && S_ISREG(f.f_inode.i_mode);
    const at = append ? f.f_inode.i_size : (pos ?? f.f_pos) + (pos === null ? 0 : done);
    const r = f.f_op.write(f, data, at);
    if (typeof r === "bigint") {
      if (r === -EPIPE) send_sigpipe(c);
      if (r === -EAGAIN && !(f.f_flags & O_NONBLOCK)) {
        const wq = f.f_op.wait?.(f) as wait_queue_head | undefined;
        if (wq) {
          const s = sleep_on(c, [wq]);
          if (s === BLOCK) save_cont(c, BigInt(done));
          return s === BLOCK || !done ? s : BigInt(done);
        }
      }
      return done ? BigInt(done) : r;
    }
    done += r;
    if (pos === null && f.f_op.seekable) f.f_pos = at + r;
    if (r < data.length && f.f_op.seekable) break; // no room (ENOSPC after this)
    if (ok < want) return BigInt(done); // the buffer ran into a bad page
  }
  return BigInt(done);
}

/** read/write/pread64/pwrite64 of descriptor `fd`. */
function rw(c: Ctx, write: boolean, fd: bigint, buf: bigint, count: bigint, pos: bigint | null): bigint {
  const f = fget(c, fd);
  if (!f || f.f_mode & FMODE_PATH) return -EBADF;
  if (!(f.f_mode & (write ? FMODE_WRITE : FMODE_READ))) return -EBADF;
  // vfs_read/vfs_write: the whole buffer must lie in user space (access_ok) before anything is
  // moved, so read(fd, buf, 1<<62) is EFAULT with the file offset untouched.
  if (!access_ok(buf, count)) return -EFAULT;
  if (s64(count) < 0n) return -EINVAL;
  let at: number | null = null;
  if (pos !== null) {
    const p = offset(pos);
    if (typeof p === "bigint") return f.f_op.seekable ? p : -ESPIPE;
    at = p;
  }
  const n = Number(count > BigInt(MAX_RW_COUNT) ? BigInt(MAX_RW_COUNT) : count);
  return write ? vfs_write(c, f, buf, n, at) : vfs_read(c, f, buf, n, at);
}

/** readv/writev/preadv/pwritev: each iovec in turn, stopping at a short transfer. */
function rwv(c: Ctx, write: boolean, fd: bigint, iov: bigint, cnt: bigint, pos: bigint | null): bigint {
  const f = fget(c, fd);
  if (!f || f.f_mode & FMODE_PATH) return -EBADF;
  const n = s64(cnt);
  if (n < 0n || n > BigInt(UIO_MAXIOV)) return -EINVAL;
  const vecs: [bigint, bigint][] = [];
  let total = 0n;
  for (let i = 0n; i < n; i++) {
    const base = c.t.uaccess.get_u64(iov + i * 16n);
    const len = c.t.uaccess.get_u64(iov + i * 16n + 8n);
    if (base === null || len === null) return -EFAULT;
    if (s64(len) < 0n) return -EINVAL;
    if (!access_ok(base, len)) return -EFAULT; // __import_iovec
    total += len;
    if (total > 0x7fffffffffffffffn) return -EINVAL;
    vecs.push([base, len]);
  }
  let done = 0n;
  for (const [base, len] of vecs) {
    if (len === 0n) continue;
    const r = rw(c, write, fd, base, len, pos === null ? null : pos + done);
    if (r === BLOCK) return done ? done : r;
    if (IS_ERR_VALUE(r)) return done ? done : r;
    done += r;
    if (r < len) break;
  }
  return done;
}

// ---- stat ----

/** newfstatat / statx's lookup: the path `name` from `dfd` (AT_EMPTY_PATH: the dfd itself). */
export function stat_path(c: Ctx, dfd: bigint, va: bigint, flags: number): path | bigint {
  const name = getname(c, va);
  if (typeof name === "bigint") return name;
  if (name === "" && flags & AT_EMPTY_PATH) {
    if (s32(dfd) === AT_FDCWD) return c.t.fs.pwd;
    return fget(c, dfd)?.f_path ?? -EBADF;
  }
  const start = dirfd_start(c, dfd, name);
  if (typeof start === "bigint") return start;
  return path_lookupat(c.t.fs.nd, start, name, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW);
}

// ---- poll ----

/** The events always reported, asked for or not. */
const POLL_ALWAYS = POLLERR | POLLHUP | POLLNVAL;

interface pollfd {
  fd: number;
  events: number;
}

/** One pass over `fds`: the revents of each (POLLNVAL for a bad descriptor). */
function poll_scan(c: Ctx, fds: pollfd[]): number[] {
  return fds.map(({ fd, events }) => {
    if (fd < 0) return 0;
    const f = c.t.files.fget(fd);
    if (!f) return POLLNVAL;
    const mask = f.f_op.poll ? f.f_op.poll(f) : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
    return mask & (events | POLL_ALWAYS);
  });
}

/** The wait queues of the files in `fds` (poll_wait). */
function poll_queues(c: Ctx, fds: pollfd[]): wait_queue_head[] {
  const qs: wait_queue_head[] = [];
  for (const { fd } of fds) {
    const f = fd >= 0 ? c.t.files.fget(fd) : null;
    const q = f?.f_op.wait?.(f) as wait_queue_head | undefined;
    if (q && !qs.includes(q)) qs.push(q);
    if (f && f.private_data instanceof pipe_inode_info) {
      for (const pq of [f.private_data.rd_wait, f.private_data.wr_wait]) if (!qs.includes(pq)) qs.push(pq);
    }
  }
  return qs;
}

/** Nanoseconds since boot on this hart (the clock poll's timeouts run on). */
const now_ns = (c: Ctx): number => Math.floor(c.k.seconds() * 1e9);

/** A struct timespec at `va` as nanoseconds; -EFAULT / -EINVAL (tv_nsec outside 0..999999999,
 *  tv_sec negative). */
const get_timespec = (c: Ctx, va: bigint): number | bigint => get_time(c, va);

/** Run a ppoll/pselect6 body with the caller's temporary mask at `sigmaskVa` (if any):
 *  set_user_sigmask() on its first run (EINVAL unless `size` is 8, EFAULT), then, once the
 *  call is over, the old mask back unless a signal interrupted it (the handler's frame then
 *  carries the old mask: restore_saved_sigmask_unless). */
function with_user_sigmask(c: Ctx, sigmaskVa: bigint, size: bigint, body: () => bigint): bigint {
  if (sigmaskVa !== 0n) {
    if (size !== 8n) return -EINVAL;
    const m = c.t.uaccess.get_u64(sigmaskVa);
    if (m === null) return -EFAULT;
    set_user_sigmask(c.t, m);
  }
  const r = body();
  if (r !== BLOCK) restore_saved_sigmask_unless(c.t, r === -ERESTARTNOHAND);
  return r;
}

/** Sleep until something in `fds` is ready or `deadline` (machine ns; Infinity: none) passes:
 *  BLOCK, or null when the deadline has passed. The deadline is kept across sleeps. A signal
 *  ends it with -ERESTARTNOHAND (EINTR under a handler, SA_RESTART or not, as Linux's ppoll and
 *  pselect6 give). */
function poll_sleep(c: Ctx, fds: pollfd[], deadline: number): bigint | null {
  if (deadline <= now_ns(c)) return null;
  const s = sleep_on(
    c,
    poll_queues(c, fds),
    Number.isFinite(deadline) ? deadline : undefined,
    -ERESTARTNOHAND,
  );
  if (s === BLOCK) save_cont(c, 0n, deadline);
  return s;
}

/** The deadline of a poll: the one kept across sleeps, or now + `timeoutNs` (null: none). */
function poll_deadline(c: Ctx, timeoutNs: number | null): number {
  const saved = cont(c);
  if (saved) return saved.deadline;
  return timeoutNs === null ? Number.POSITIVE_INFINITY : now_ns(c) + timeoutNs;
}

function do_poll(c: Ctx, ufds: bigint, nfds: bigint, timeoutNs: number | null): bigint {
  if (nfds > BigInt(c.t.files.rlim_nofile)) return -EINVAL;
  const n = Number(nfds);
  const raw = n ? c.t.uaccess.copy_from_user(ufds, n * 8) : new Uint8Array(0);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  const fds: pollfd[] = [];
  for (let i = 0; i < n; i++)
    fds.push({ fd: v.getInt32(i * 8, true), events: v.getInt16(i * 8 + 4, true) & 0xffff });
  const deadline = poll_deadline(c, timeoutNs);
  const revents = poll_scan(c, fds);
  const ready = revents.filter((r) => r !== 0).length;
  if (ready === 0) {
    const s = poll_sleep(c, fds, deadline);
    if (s !== null) return s;
  }
  for (let i = 0; i < n; i++) v.setInt16(i * 8 + 6, revents[i]!, true);
  return put(c, ufds, raw) || BigInt(ready);
}

const POLLIN_SET = POLLRDNORM | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

/** pselect6: three fd_sets (readable, writable, exceptional) over poll's machinery. */
function do_pselect(c: Ctx, nfds: bigint, sets: bigint[], tsp: bigint): bigint {
  const n = s64(nfds);
  if (n < 0n || n > BigInt(c.t.files.rlim_nofile)) return -EINVAL;
  const bytes = Number((n + 63n) / 64n) * 8;
  const bits: (Uint8Array | null)[] = [];
  for (const va of sets) {
    if (va === 0n) bits.push(null);
    else {
      const b = bytes ? c.t.uaccess.copy_from_user(va, bytes) : new Uint8Array(0);
      if (!b) return -EFAULT;
      bits.push(b);
    }
  }
  const isSet = (b: Uint8Array | null, fd: number): boolean =>
    b !== null && (b[fd >> 3]! & (1 << (fd & 7))) !== 0;
  const fds: pollfd[] = [];
  const masks = [POLLIN_SET, POLLOUT_SET, POLLEX_SET];
  for (let fd = 0; fd < Number(n); fd++) {
    const events = masks.reduce((e, m, i) => e | (isSet(bits[i]!, fd) ? m : 0), 0);
    if (!events) continue;
    if (!c.t.files.fget(fd)) return -EBADF;
    fds.push({ fd, events });
  }
  let timeoutNs: number | null = null;
  if (tsp !== 0n) {
    const t = get_timespec(c, tsp);
    if (typeof t === "bigint") return t;
    timeoutNs = t;
  }
  const deadline = poll_deadline(c, timeoutNs);
  const revents = poll_scan(c, fds);
  let ready = 0;
  const out = bits.map((b) => (b ? new Uint8Array(b.length) : null));
  for (const [i, { fd }] of fds.entries()) {
    for (const [j, m] of masks.entries()) {
      if (isSet(bits[j]!, fd) && revents[i]! & m) {
        out[j]![fd >> 3]! |= 1 << (fd & 7);
        ready++;
      }
    }
  }
  if (ready === 0) {
    const s = poll_sleep(c, fds, deadline);
    if (s !== null) return s;
  }
  for (const [j, va] of sets.entries()) if (out[j] && put(c, va, out[j]!) < 0n) return -EFAULT;
  if (tsp !== 0n && Number.isFinite(deadline)) {
    const left = Math.max(0, deadline - now_ns(c));
    const ts = new Uint8Array(16);
    const tv = new DataView(ts.buffer);
    tv.setBigInt64(0, BigInt(Math.floor(left / 1e9)), true);
    tv.setBigInt64(8, BigInt(Math.floor(left % 1e9)), true);
    put(c, tsp, ts);
  }
  return BigInt(ready);
}

// ---- fcntl ----

const { F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC, F_GETPIPE_SZ } = FCNTL;
/** What F_SETFL may change (SETFL_MASK): O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME. */
const SETFL_MASK = O_APPEND | O_NONBLOCK | 0o20000 | 0o40000 | 0o1000000;

function do_fcntl(c: Ctx, fdArg: bigint, cmdArg: bigint, arg: bigint): bigint {
  const fd = s32(fdArg);
  const f = c.t.files.fget(fd);
  if (!f) return -EBADF;
  const cmd = s32(cmdArg);
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const min = s64(arg);
      if (min < 0n || min >= BigInt(c.t.files.rlim_nofile)) return -EINVAL;
      return BigInt(c.t.files.install_new(get_file(f), cmd === F_DUPFD_CLOEXEC, Number(min)));
    }
    case F_GETFD:
      return c.t.files.get_close_on_exec(fd) ? BigInt(FD_CLOEXEC) : 0n;
    case F_SETFD:
      c.t.files.set_close_on_exec(fd, (Number(arg & 0xffffffffn) & FD_CLOEXEC) !== 0);
      return 0n;
    case F_GETFL:
      return BigInt(f.f_flags | O_LARGEFILE);
    case F_SETFL: {
      if (f.f_mode & FMODE_PATH) return -EBADF;
      const v = Number(arg & 0xffffffffn);
      f.f_flags = (f.f_flags & ~SETFL_MASK) | (v & SETFL_MASK);
      return 0n;
    }
    case F_GETPIPE_SZ:
      return f.private_data instanceof pipe_inode_info ? BigInt(16 * PAGE_SIZE) : -EBADF;
  }
  return -EINVAL;
}

// ---- the table ----

/** The result of an install: a descriptor or -EMFILE. */
const fdResult = (r: number | bigint): bigint => BigInt(r);

function openat(c: Ctx): bigint {
  const at = name_at(c, c.a[0]!, c.a[1]!);
  if (typeof at === "bigint") return at;
  const flags = s32(c.a[2]!);
  const f = do_filp_open(c.t.fs, at.start, at.name, flags, s32(c.a[3]!));
  if (typeof f === "bigint") return f;
  return fdResult(c.t.files.install_new(f, (flags & O_CLOEXEC) !== 0));
}

/** getcwd (fs/d_path.c): ENOENT once the working directory has been removed (d_unlinked). */
function getcwd(c: Ctx): bigint {
  const size = c.a[1]!;
  if (c.t.fs.pwd.dentry.d_unhashed) return -ENOENT;
  const name = encode_raw(d_path(c.t.fs.root, c.t.fs.pwd));
  if (BigInt(name.length + 1) > size) return -ERANGE;
  const b = new Uint8Array(name.length + 1);
  b.set(name);
  return put(c, c.a[0]!, b) || BigInt(b.length);
}

function readlinkat(c: Ctx): bigint {
  const bufsiz = s32(c.a[3]!);
  if (bufsiz <= 0) return -EINVAL;
  const name = getname(c, c.a[1]!);
  if (typeof name === "bigint") return name;
  let target: string | bigint;
  if (name === "") {
    // readlinkat(fd, "") reads the link the descriptor itself names (an O_PATH on a link).
    const f = fget(c, c.a[0]!);
    if (!f) return s32(c.a[0]!) === AT_FDCWD ? -ENOENT : -EBADF;
    target = f.f_inode.readlink();
    if (target === -EINVAL) return -ENOENT;
  } else {
    const start = dirfd_start(c, c.a[0]!, name);
    if (typeof start === "bigint") return start;
    target = do_readlinkat(c.t.fs, start, name);
  }
  if (typeof target === "bigint") return target;
  const b = encode_raw(target).subarray(0, bufsiz);
  return put(c, c.a[2]!, b) || BigInt(b.length);
}

function pipe2(c: Ctx): bigint {
  const flags = s32(c.a[1]!);
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | 0o40000)) return -EINVAL;
  const [rd, wr] = c.k.vfs.create_pipe(flags);
  const files = c.t.files;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const r = files.alloc_fd(0);
  if (typeof r === "bigint") {
    fput(rd);
    fput(wr);
    return r;
  }
  files.fd_install(r, rd, cloexec);
  const w = files.alloc_fd(0);
  if (typeof w === "bigint") {
    files.close_fd(r);
    fput(wr);
    return w;
  }
  files.fd_install(w, wr, cloexec);
  const fds = new Uint8Array(8);
  const v = new DataView(fds.buffer);
  v.setInt32(0, r, true);
  v.setInt32(4, w, true);
  if (!c.t.uaccess.copy_to_user(c.a[0]!, fds)) {
    files.close_fd(r);
    files.close_fd(w);
    return -EFAULT;
  }
  return 0n;
}

function getdents64(c: Ctx): bigint {
  const f = fget(c, c.a[0]!);
  if (!f || f.f_mode & FMODE_PATH) return -EBADF;
  const count = Number(c.a[2]! & 0xffffffffn);
  const before = f.f_pos;
  const r = iterate_dir(f, count);
  if (typeof r === "bigint") return r;
  if (r.length && !c.t.uaccess.copy_to_user(c.a[1]!, r)) {
    f.f_pos = before;
    return -EFAULT;
  }
  return BigInt(r.length);
}

function lseek(c: Ctx): bigint {
  const f = fget(c, c.a[0]!);
  if (!f || f.f_mode & FMODE_PATH) return -EBADF;
  if (!f.f_op.seekable) return -ESPIPE;
  const off = s64(c.a[1]!);
  const size = BigInt(f.f_inode.i_size);
  let pos: bigint;
  switch (s32(c.a[2]!)) {
    case 0:
      pos = off;
      break;
    case 1:
      pos = BigInt(f.f_pos) + off;
      break;
    case 2:
      pos = size + off;
      break;
    case 3: // SEEK_DATA: no holes are reported, data runs to the end
      if (off < 0n || off >= size) return -ENXIO;
      pos = off;
      break;
    case 4: // SEEK_HOLE: the end of the file is the only hole
      if (off < 0n || off >= size) return -ENXIO;
      pos = size;
      break;
    default:
      return -EINVAL;
  }
  if (pos < 0n || pos > MAX_OFFSET) return -EINVAL;
  f.f_pos = Number(pos);
  return pos;
}

function ioctl(c: Ctx): bigint {
  const f = fget(c, c.a[0]!);
  if (!f || f.f_mode & FMODE_PATH) return -EBADF;
  if (!f.f_op.ioctl) return -ENOTTY;
  return f.f_op.ioctl(f, s32(c.a[1]!) >>> 0, c.a[2]!, (b) => c.t.uaccess.copy_to_user(c.a[2]!, b));
}

function unlinkat(c: Ctx): bigint {
  const flags = s32(c.a[2]!);
  if (flags & ~AT_REMOVEDIR) return -EINVAL;
  const at = name_at(c, c.a[0]!, c.a[1]!);
  if (typeof at === "bigint") return at;
  return flags & AT_REMOVEDIR ? do_rmdir(c.t.fs, at.start, at.name) : do_unlinkat(c.t.fs, at.start, at.name);
}

function linkat(c: Ctx): bigint {
  const flags = s32(c.a[4]!);
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const name = getname(c, c.a[1]!);
  if (typeof name === "bigint") return name;
  let old: path | bigint;
  if (name === "" && flags & AT_EMPTY_PATH) old = fget(c, c.a[0]!)?.f_path ?? -EBADF;
  else {
    const start = dirfd_start(c, c.a[0]!, name);
    if (typeof start === "bigint") return start;
    old = path_lookupat(c.t.fs.nd, start, name, flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0);
  }
  if (typeof old === "bigint") return old;
  const to = name_at(c, c.a[2]!, c.a[3]!);
  if (typeof to === "bigint") return to;
  return do_linkat(c.t.fs, old, to.start, to.name);
}

function renameat2(c: Ctx): bigint {
  const from = name_at(c, c.a[0]!, c.a[1]!);
  if (typeof from === "bigint") return from;
  const to = name_at(c, c.a[2]!, c.a[3]!);
  if (typeof to === "bigint") return to;
  return do_renameat2(c.t.fs, from.start, from.name, to.start, to.name, s32(c.a[4]!));
}

function truncate(c: Ctx): bigint {
  const name = getname(c, c.a[0]!);
  if (typeof name === "bigint") return name;
  const len = s64(c.a[1]!);
  if (len < 0n) return -EINVAL;
  const p = path_lookupat(c.t.fs.nd, c.t.fs.pwd, name, LOOKUP_FOLLOW);
  if (typeof p === "bigint") return p;
  return len > MAX_OFFSET ? -EINVAL : vfs_truncate(p, Number(len));
}

function ftruncate(c: Ctx): bigint {
  const f = fget(c, c.a[0]!);
  if (!f || f.f_mode & FMODE_PATH) return -EBADF;
  const len = s64(c.a[1]!);
  if (len < 0n) return -EINVAL;
  if (!(f.f_mode & FMODE_WRITE) || S_ISDIR(f.f_inode.i_mode)) return -EINVAL;
  return len > MAX_OFFSET ? -EINVAL : vfs_truncate(f.f_path, Number(len));
}

function newfstatat(c: Ctx): bigint {
  const flags = s32(c.a[3]!);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800)) return -EINVAL;
  const p = stat_path(c, c.a[0]!, c.a[1]!, flags);
  if (typeof p === "bigint") return p;
  return put(c, c.a[2]!, stat_bytes(p.dentry.d_inode));
}

function statx(c: Ctx): bigint {
  const flags = s32(c.a[2]!);
  const err = statx_check(flags, s32(c.a[3]!));
  if (err < 0n) return err;
  const p = stat_path(c, c.a[0]!, c.a[1]!, flags);
  if (typeof p === "bigint") return p;
  return put(c, c.a[4]!, statx_bytes(p));
}

function close_range(c: Ctx): bigint {
  const first = Number(c.a[0]! & 0xffffffffn);
  const last = Number(c.a[1]! & 0xffffffffn);
  const flags = Number(c.a[2]! & 0xffffffffn);
  if (flags & ~(2 | 4) || first > last) return -EINVAL;
  const files = c.t.files;
  for (const [fd] of files.open_fds()) {
    if (fd < first || fd > last) continue;
    if (flags & 4) files.set_close_on_exec(fd, true);
    else files.close_fd(fd);
  }
  return 0n;
}

/** msync(): write back the shared file pages of [addr, addr+len). */
function msync(c: Ctx): bigint {
  const MS_ASYNC = 1;
  const MS_INVALIDATE = 2;
  const MS_SYNC = 4;
  const start = c.a[0]!;
  const flags = s32(c.a[2]!);
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -EINVAL;
  if (start % BigInt(PAGE_SIZE) !== 0n) return -EINVAL;
  if (flags & MS_ASYNC && flags & MS_SYNC) return -EINVAL;
  const len = (c.a[1]! + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1);
  const end = start + len;
  if (end < start || end > TASK_SIZE) return -ENOMEM;
  if (len === 0n) return 0n;
  let unmapped = false;
  let at = start;
  for (const v of c.t.mm.vmas.filter((x) => x.vm_end > start && x.vm_start < end)) {
    if (v.vm_start > at) unmapped = true;
    at = v.vm_end;
    // A shared file mapping's dirty pages in range go back to the file (MS_ASYNC too: nothing
    // here runs in the background); MS_INVALIDATE drops clean cached pages nobody maps.
    const r = msync_vma(v, start, end, flags);
    if (r < 0n) return r;
  }
  if (at < end) unmapped = true;
  return unmapped ? -ENOMEM : 0n;
}

export const fsSyscalls: SyscallTable = {
  17: { name: "getcwd", args: ["p", "u"], fn: getcwd },
  23: {
    name: "dup",
    args: ["d"],
    fn: (c) => {
      const f = fget(c, c.a[0]!);
      return f ? fdResult(c.t.files.install_new(get_file(f), false)) : -EBADF;
    },
  },
  24: {
    name: "dup3",
    args: ["d", "d", oflagsNoAcc],
    fn: (c) => {
      const flags = s32(c.a[2]!);
      if (flags & ~O_CLOEXEC) return -EINVAL;
      const oldfd = s32(c.a[0]!);
      const newfd = Number(c.a[1]! & 0xffffffffn);
      if (oldfd === newfd) return -EINVAL;
      if (newfd >= c.t.files.rlim_nofile) return -EBADF;
      const f = c.t.files.fget(oldfd);
      if (!f) return -EBADF;
      c.t.files.replace_fd(newfd, f, (flags & O_CLOEXEC) !== 0);
      return BigInt(newfd);
    },
  },
  25: { name: "fcntl", args: ["d", fcntlCmd, fcntlArg], fn: (c) => do_fcntl(c, c.a[0]!, c.a[1]!, c.a[2]!) },
  29: { name: "ioctl", args: ["d", ioctlCmd, "p"], fn: ioctl },
  34: {
    name: "mkdirat",
    args: [dirfd, "s", octal],
    fn: (c) => {
      const at = name_at(c, c.a[0]!, c.a[1]!);
      return typeof at === "bigint" ? at : do_mkdirat(c.t.fs, at.start, at.name, s32(c.a[2]!));
    },
  },
  35: { name: "unlinkat", args: [dirfd, "s", atFlags], fn: unlinkat },
  36: {
    name: "symlinkat",
    args: ["s", dirfd, "s"],
    fn: (c) => {
      const target = getname(c, c.a[0]!);
      if (typeof target === "bigint") return target;
      const at = name_at(c, c.a[1]!, c.a[2]!);
      return typeof at === "bigint" ? at : do_symlinkat(c.t.fs, target, at.start, at.name);
    },
  },
  37: { name: "linkat", args: [dirfd, "s", dirfd, "s", atFlags], fn: linkat },
  45: { name: "truncate", args: ["s", "d"], fn: truncate },
  46: { name: "ftruncate", args: ["d", "d"], fn: ftruncate },
  48: {
    name: "faccessat",
    args: [dirfd, "s", accessMode],
    fn: (c) => {
      const at = name_at(c, c.a[0]!, c.a[1]!);
      return typeof at === "bigint" ? at : do_faccessat(c.t.fs, at.start, at.name, s32(c.a[2]!), 0);
    },
  },
  49: {
    name: "chdir",
    args: ["s"],
    fn: (c) => {
      const name = getname(c, c.a[0]!);
      return typeof name === "bigint" ? name : do_chdir(c.t.fs, c.t.fs.pwd, name);
    },
  },
  50: {
    name: "fchdir",
    args: ["d"],
    fn: (c) => {
      const f = fget(c, c.a[0]!);
      if (!f) return -EBADF;
      if (!S_ISDIR(f.f_inode.i_mode)) return -ENOTDIR;
      c.t.fs.set_pwd(f.f_path);
      return 0n;
    },
  },
  52: {
    name: "fchmod",
    args: ["d", octalMode],
    fn: (c) => {
      const f = fget(c, c.a[0]!);
      if (!f || f.f_mode & FMODE_PATH) return -EBADF;
      return chmod_common(f.f_path, s32(c.a[1]!));
    },
  },
  53: {
    name: "fchmodat",
    args: [dirfd, "s", octalMode],
    fn: (c) => {
      const at = name_at(c, c.a[0]!, c.a[1]!);
      return typeof at === "bigint" ? at : do_fchmodat(c.t.fs, at.start, at.name, s32(c.a[2]!));
    },
  },
  56: { name: "openat", args: [dirfd, "s", oflags, openMode], fn: openat },
  57: { name: "close", args: ["d"], fn: (c) => c.t.files.close_fd(s32(c.a[0]!)) },
  59: { name: "pipe2", args: ["p", oflagsNoAcc], fn: pipe2 },
  61: { name: "getdents64", args: ["d", "p", "u"], fn: getdents64 },
  62: { name: "lseek", args: ["d", "d", whence], fn: lseek },
  63: { name: "read", args: ["d", "p", "u"], fn: (c) => rw(c, false, c.a[0]!, c.a[1]!, c.a[2]!, null) },
  64: { name: "write", args: ["d", "b2", "u"], fn: (c) => rw(c, true, c.a[0]!, c.a[1]!, c.a[2]!, null) },
  65: { name: "readv", args: ["d", "p", "d"], fn: (c) => rwv(c, false, c.a[0]!, c.a[1]!, c.a[2]!, null) },
  66: { name: "writev", args: ["d", "p", "d"], fn: (c) => rwv(c, true, c.a[0]!, c.a[1]!, c.a[2]!, null) },
  67: {
    name: "pread64",
    args: ["d", "p", "u", "d"],
    fn: (c) => rw(c, false, c.a[0]!, c.a[1]!, c.a[2]!, c.a[3]!),
  },
  68: {
    name: "pwrite64",
    args: ["d", "b2", "u", "d"],
    fn: (c) => rw(c, true, c.a[0]!, c.a[1]!, c.a[2]!, c.a[3]!),
  },
  69: {
    name: "preadv",
    args: ["d", "p", "d", "d"],
    fn: (c) => rwv(c, false, c.a[0]!, c.a[1]!, c.a[2]!, c.a[3]!),
  },
  70: {
    name: "pwritev",
    args: ["d", "p", "d", "d"],
    fn: (c) => rwv(c, true, c.a[0]!, c.a[1]!, c.a[2]!, c.a[3]!),
  },
  72: {
    name: "pselect6",
    args: ["d", "p", "p", "p", "p", "p"],
    fn: (c) => {
      // The sixth argument points at { const sigset_t *ss; size_t ss_len } (or is NULL).
      let ss = 0n;
      let len = 0n;
      if (c.a[5] !== 0n) {
        const pack = c.t.uaccess.copy_from_user(c.a[5]!, 16);
        if (!pack) return -EFAULT;
        const v = new DataView(pack.buffer, pack.byteOffset, 16);
        [ss, len] = [v.getBigUint64(0, true), v.getBigUint64(8, true)];
      }
      return with_user_sigmask(c, ss, len, () =>
        do_pselect(c, c.a[0]!, [c.a[1]!, c.a[2]!, c.a[3]!], c.a[4]!),
      );
    },
  },
  73: {
    name: "ppoll",
    args: ["p", "u", "p", "p", "u"],
    fn: (c) => {
      let timeout: number | null = null;
      if (c.a[2] !== 0n) {
        const t = get_timespec(c, c.a[2]!);
        if (typeof t === "bigint") return t;
        timeout = t;
      }
      return with_user_sigmask(c, c.a[3]!, c.a[4]!, () => do_poll(c, c.a[0]!, c.a[1]!, timeout));
    },
  },
  78: { name: "readlinkat", args: [dirfd, "s", "p", "u"], fn: readlinkat },
  79: { name: "newfstatat", args: [dirfd, "s", "p", atFlags], fn: newfstatat },
  80: {
    name: "fstat",
    args: ["d", "p"],
    fn: (c) => {
      const f = fget(c, c.a[0]!);
      return f ? put(c, c.a[1]!, stat_bytes(f.f_inode)) : -EBADF;
    },
  },
  82: { name: "fsync", args: ["d"], fn: (c) => do_fsync(fget(c, c.a[0]!)) },
  83: { name: "fdatasync", args: ["d"], fn: (c) => do_fsync(fget(c, c.a[0]!)) },
  166: {
    name: "umask",
    args: [octal],
    fn: (c) => {
      const old = c.t.fs.umask;
      c.t.fs.umask = Number(c.a[0]! & 0o777n);
      return BigInt(old);
    },
  },
  227: { name: "msync", args: ["p", "u", msyncFlags], fn: msync },
  276: { name: "renameat2", args: [dirfd, "s", dirfd, "s", renameFlags], fn: renameat2 },
  291: { name: "statx", args: [dirfd, "s", atFlags, "x", "p"], fn: statx },
  436: { name: "close_range", args: [uint, uint, closeRangeFlags], fn: close_range },
  439: {
    name: "faccessat2",
    args: [dirfd, "s", accessMode, accessAtFlags],
    fn: (c) => {
      const at = name_at(c, c.a[0]!, c.a[1]!);
      return typeof at === "bigint"
        ? at
        : do_faccessat(c.t.fs, at.start, at.name, s32(c.a[2]!), s32(c.a[3]!));
    },
  },
};
