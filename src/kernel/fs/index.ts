// THE SEAM between processes and files (the VFS's public face). task_struct holds a
// files_struct (the fd table) and an fs_struct (cwd, umask, where paths are looked up); fork,
// exec and exit call the methods below, and execve finds its file with open_exec(). This first
// version was written by the processes side so that fork/exec/exit work before the VFS lands:
// the files side replaces the internals (keeping these names, methods and meanings); nothing
// outside src/kernel/fs/ and syscalls/fs.ts looks inside a file or a table.
//
//   fork/clone (kernel/fork.c copy_files, copy_fs):
//     CLONE_FILES ? files.get_files() : files.dup_fd()
//     CLONE_FS    ? fs.get_fs()       : fs.copy_fs()
//   execve (fs/exec.c): files = files.unshare_files(); files.do_close_on_exec()
//   exit (kernel/exit.c exit_files, exit_fs): files.put_files(); fs.put_fs()

import { EACCES, EISDIR } from "../errno.js";
import { type Mount, type OpenFile, openHost } from "../fs.js";

/** struct files_struct: the fd table, shared by the tasks of CLONE_FILES. */
export class files_struct {
  /** Tasks using this table (files_struct.count). */
  count = 1;
  /** The open files by descriptor; null = a free slot. */
  readonly fdt: (OpenFile | null)[];
  /** close_on_exec_fds. */
  readonly cloexec = new Set<number>();

  constructor(fdt: (OpenFile | null)[]) {
    this.fdt = fdt;
  }

  /** The table of a new process: stdin, stdout and stderr on the host's streams. */
  static init(): files_struct {
    return new files_struct([{ kind: "stdin" }, { kind: "stdout", fd: 1 }, { kind: "stdout", fd: 2 }]);
  }

  /** dup_fd(): a copy of the table for a child without CLONE_FILES (same open files). */
  dup_fd(): files_struct {
    const f = new files_struct([...this.fdt]);
    for (const fd of this.cloexec) f.cloexec.add(fd);
    return f;
  }

  /** CLONE_FILES: one more task uses this table. */
  get_files(): files_struct {
    this.count++;
    return this;
  }

  /** unshare_files() at exec: a private copy if another task shares the table. */
  unshare_files(): files_struct {
    if (this.count === 1) return this;
    this.count--;
    return this.dup_fd();
  }

  /** do_close_on_exec(): close every descriptor marked FD_CLOEXEC. */
  do_close_on_exec(): void {
    for (const fd of this.cloexec) this.fdt[fd] = null;
    this.cloexec.clear();
  }

  /** put_files_struct() at exit: the last user closes every descriptor. */
  put_files(): void {
    if (--this.count > 0) return;
    this.fdt.fill(null);
    this.cloexec.clear();
  }

  /** Open descriptors (for /proc and the leak checks). */
  get nr_open(): number {
    return this.fdt.filter((f) => f !== null).length;
  }
}

/** struct fs_struct: where paths are looked up (the root with its mounts, the cwd) and the
 *  umask; shared by the tasks of CLONE_FS. */
export class fs_struct {
  users = 1;
  cwd = "/";
  umask = 0o022;

  constructor(readonly mounts: readonly Mount[]) {}

  /** copy_fs_struct() for a child without CLONE_FS. */
  copy_fs(): fs_struct {
    const f = new fs_struct(this.mounts);
    f.cwd = this.cwd;
    f.umask = this.umask;
    return f;
  }

  /** CLONE_FS: one more user. */
  get_fs(): fs_struct {
    this.users++;
    return this;
  }

  /** exit_fs(): one user less. */
  put_fs(): void {
    this.users--;
  }
}

/** An executable found by open_exec(): its bytes and the path it was found at. */
export interface ExecFile {
  path: string;
  bytes: Uint8Array;
}

/** open_exec(): the file execve runs, or a negative errno (ENOENT, EACCES for a directory or a
 *  file without an execute bit, ...). */
export function open_exec(fs: fs_struct, path: string): ExecFile | bigint {
  const abs = path.startsWith("/") ? path : `${fs.cwd.replace(/\/$/, "")}/${path}`;
  const f = openHost(fs.mounts, abs, 0);
  if (f === -EISDIR) return -EACCES;
  if (typeof f === "bigint") return f;
  if (f.kind !== "file") return -EACCES;
  if ((f.mode & 0o111) === 0) return -EACCES;
  return { path, bytes: f.data };
}
