// The descriptor table of a process (struct files_struct, fs/file.c): descriptors to open
// files, the close-on-exec bits, the lowest free descriptor first, RLIMIT_NOFILE. The calls
// the processes side makes (the seam, kernel/fork.c, fs/exec.c, kernel/exit.c):
//   fork/clone: CLONE_FILES ? files.get_files() : files.dup_fd()
//   execve:     files = files.unshare_files(); files.do_close_on_exec()
//   exit:       files.put_files()   (the last user closes every descriptor)

import { BUG_ON } from "../bug.js";
import { EBADF, EMFILE } from "../errno.js";
import { fput, get_file } from "./file_table.js";
import type { file } from "./types.js";

/** RLIMIT_NOFILE's default soft and hard limits (Linux's INR_OPEN_CUR, INR_OPEN_MAX). */
export const INR_OPEN_CUR = 1024;
export const INR_OPEN_MAX = 4096;
/** The most descriptors a table can hold whatever the limit says (fs.nr_open). */
export const NR_OPEN = 1 << 20;

export class files_struct {
  /** Tasks sharing this table (CLONE_FILES). */
  count = 1;

  /** The table of the first process: `stdio` (its references taken) at 0, 1, 2. */
  static init(stdio: readonly file[] = []): files_struct {
    const t = new files_struct();
    for (const [i, f] of stdio.entries()) t.fd_install(i, f, false);
    return t;
  }

  /** Open descriptors (for /proc and the leak checks). */
  get nr_open(): number {
    return this.open_fds().length;
  }
  private readonly fd: (file | null)[] = [];
  private readonly cloexec: boolean[] = [];
  /** Where the search for a free descriptor starts (next_fd). */
  private next_fd = 0;
  /** RLIMIT_NOFILE's soft limit (descriptors at or above it cannot be allocated) and hard
   *  limit. Linux keeps rlimits in signal_struct; the table holds these two until the
   *  processes side has one. */
  rlim_nofile = INR_OPEN_CUR;
  rlim_nofile_max = INR_OPEN_MAX;

  /** The open file of `fd`, or null (fget without the reference: the caller holds the table). */
  fget(fd: number): file | null {
    if (!Number.isInteger(fd) || fd < 0 || fd >= this.fd.length) return null;
    return this.fd[fd] ?? null;
  }

  /** Is close-on-exec set on `fd`? */
  get_close_on_exec(fd: number): boolean {
    return this.cloexec[fd] === true;
  }

  set_close_on_exec(fd: number, on: boolean): void {
    this.cloexec[fd] = on;
  }

  /** The lowest free descriptor at or above `start` below the limit, or -EMFILE. */
  alloc_fd(start: number): number | bigint {
    let fd = Math.max(start, this.next_fd);
    while (fd < this.fd.length && this.fd[fd]) fd++;
    if (fd >= Math.min(this.rlim_nofile, NR_OPEN)) return -EMFILE;
    if (start <= this.next_fd) this.next_fd = fd;
    this.fd[fd] = null;
    return fd;
  }

  /** Put `f` (whose reference the table takes) at `fd`, which must be free. */
  fd_install(fd: number, f: file, cloexec: boolean): void {
    BUG_ON(this.fget(fd) !== null, "fs/file.c:fd_install", () => `fd_install: fd ${fd} is in use`);
    while (this.fd.length <= fd) this.fd.push(null);
    this.fd[fd] = f;
    this.cloexec[fd] = cloexec;
  }

  /** Install `f` at the lowest free descriptor: the descriptor, or -EMFILE (and `f` is put). */
  install_new(f: file, cloexec: boolean, start = 0): number | bigint {
    const fd = this.alloc_fd(start);
    if (typeof fd === "bigint") {
      fput(f);
      return fd;
    }
    this.fd_install(fd, f, cloexec);
    return fd;
  }

  /** Make `newfd` refer to `f` (dup2/dup3): a file already there is closed. */
  replace_fd(newfd: number, f: file, cloexec: boolean): void {
    const old = this.fget(newfd);
    if (old) this.remove(newfd);
    this.fd_install(newfd, get_file(f), cloexec);
    if (old) fput(old);
  }

  /** close(fd): 0 or -EBADF. */
  close_fd(fd: number): bigint {
    const f = this.fget(fd);
    if (!f) return -EBADF;
    this.remove(fd);
    fput(f);
    return 0n;
  }

  private remove(fd: number): void {
    this.fd[fd] = null;
    this.cloexec[fd] = false;
    if (fd < this.next_fd) this.next_fd = fd;
  }

  /** The descriptors in use, ascending, with their files (for /proc/PID/fd). */
  open_fds(): [number, file][] {
    const out: [number, file][] = [];
    for (const [i, f] of this.fd.entries()) if (f) out.push([i, f]);
    return out;
  }

  /** fork without CLONE_FILES: a copy holding its own references to the same open files. */
  dup_fd(): files_struct {
    const n = new files_struct();
    n.rlim_nofile = this.rlim_nofile;
    n.rlim_nofile_max = this.rlim_nofile_max;
    for (const [i, f] of this.open_fds()) n.fd_install(i, get_file(f), this.get_close_on_exec(i));
    return n;
  }

  /** clone with CLONE_FILES: one more task uses this table. */
  get_files(): files_struct {
    this.count++;
    return this;
  }

  /** A task stops using the table (exit_files); the last user closes every descriptor. */
  put_files(): void {
    BUG_ON(this.count <= 0, "fs/file.c:put_files_struct", "put_files_struct of a dead table");
    if (--this.count > 0) return;
    for (const [i, f] of this.open_fds()) {
      this.remove(i);
      fput(f);
    }
  }

  /** unshare_files() at execve: a private copy if another task shares the table. */
  unshare_files(): files_struct {
    if (this.count === 1) return this;
    this.count--;
    return this.dup_fd();
  }

  /** do_close_on_exec(): close every descriptor marked FD_CLOEXEC. */
  do_close_on_exec(): void {
    for (const [i, f] of this.open_fds()) {
      if (!this.get_close_on_exec(i)) continue;
      this.remove(i);
      fput(f);
    }
  }
}
