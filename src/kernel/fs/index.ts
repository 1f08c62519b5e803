// The VFS's public face (src/kernel/fs): what the rest of the kernel and the CLI use.
//
// THE SEAM with the processes side. A task_struct holds a files_struct (the fd table) and an
// fs_struct (mount table, root, cwd, umask); fork, exec and exit call:
//   fork/clone (kernel/fork.c copy_files, copy_fs):
//     CLONE_FILES ? files.get_files() : files.dup_fd()
//     CLONE_FS    ? fs.get_fs()       : fs.copy_fs()
//   execve (fs/exec.c): files = files.unshare_files(); files.do_close_on_exec()
//                       the file to run: open_exec(fs, path)
//   exit (kernel/exit.c exit_files, exit_fs): files.put_files(); fs.put_fs()
// The first process gets files_struct.init(k.vfs.stdio(io)) and k.vfs.init_fs(). Pipes call
// the processes side's wait queues (../wait.ts) and SIGPIPE.

import { EACCES, EISDIR, ENOEXEC } from "../errno.js";
import { fput } from "./file_table.js";
import type { fs_struct } from "./fs_struct.js";
import { do_filp_open, do_open } from "./open.js";
import { type file, O_NOFOLLOW, O_RDONLY, type path as path_t, S_ISDIR, S_ISREG } from "./types.js";

export { tty_input } from "./char_dev.js";
export { files_struct, INR_OPEN_CUR, INR_OPEN_MAX, NR_OPEN } from "./fdtable.js";
export { alloc_file, fput, get_file } from "./file_table.js";
export { fs_struct } from "./fs_struct.js";
export {
  type HostDirent,
  type HostErr,
  type HostFs,
  type HostOpenFlags,
  type HostResult,
  type HostStat,
  isHostErr,
  type Mount,
  parseMount,
} from "./host.js";
export { d_path } from "./namei.js";
export * as posix from "./path.js";
export type { proc_source, proc_task } from "./proc/root.js";
export type { dentry, file, inode, path, vfsmount } from "./types.js";
export { MountError, Vfs } from "./vfs.js";

/** An executable found by open_exec(): its bytes and the path it was found at. */
export interface ExecFile {
  path: string;
  bytes: Uint8Array;
}

/** The largest executable open_exec reads (a guest program, not a data set). */
export const MAX_EXEC_SIZE = 256 << 20;

/** open_exec(): the file execve runs, read whole, or a negative errno: ENOENT (and the walk's
 *  other errors), EACCES for a directory, a non-regular file or one without an execute bit
 *  (root needs one x bit, fs/namei.c generic_permission), ENOEXEC for one too big to be a
 *  program here. `at`: execveat's start (a directory, or with `empty` the file itself) and
 *  AT_SYMLINK_NOFOLLOW. */
export function open_exec(
  fs: fs_struct,
  path: string,
  at: { start: path_t; empty: boolean; nofollow: boolean } | null = null,
): ExecFile | bigint {
  const f = at?.empty
    ? do_open(at.start, O_RDONLY)
    : do_filp_open(fs, at?.start ?? null, path, at?.nofollow ? O_NOFOLLOW : 0, 0);
  return read_whole(f, path, true);
}

/** kernel_read_file(): a regular file read whole (a debugger's vFile reads, for one), or a
 *  negative errno as open_exec gives, without its execute-bit check. */
export function kernel_read_file(fs: fs_struct, path: string): ExecFile | bigint {
  return read_whole(do_filp_open(fs, null, path, 0, 0), path, false);
}

/** Read all of the file `f` opened (and close it): a regular file (with an x bit if `exec`)
 *  of at most MAX_EXEC_SIZE bytes. */
function read_whole(f: file | bigint, path: string, exec: boolean): ExecFile | bigint {
  if (typeof f === "bigint") return f === -EISDIR ? -EACCES : f;
  try {
    const ino = f.f_inode;
    if (S_ISDIR(ino.i_mode) || !S_ISREG(ino.i_mode) || (exec && (ino.i_mode & 0o111) === 0)) return -EACCES;
    if (ino.i_size > MAX_EXEC_SIZE) return -ENOEXEC;
    const bytes = new Uint8Array(ino.i_size);
    let done = 0;
    while (done < bytes.length) {
      const chunk = f.f_op.read?.(f, Math.min(1 << 16, bytes.length - done), done);
      if (chunk === undefined || typeof chunk === "bigint") return chunk ?? -EACCES;
      if (chunk.length === 0) break;
      bytes.set(chunk, done);
      done += chunk.length;
    }
    return { path, bytes: bytes.subarray(0, done) };
  } finally {
    fput(f);
  }
}
