// Opening files (fs/open.c, fs/namei.c's path_openat/do_open): the flags open(2) takes, the
// walk, O_CREAT (the umask applied), O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_PATH,
// O_TMPFILE on tmpfs, and the checks Linux makes in this order: EEXIST, ELOOP, ENOTDIR,
// EISDIR (a directory opened for writing), EROFS (a regular file or directory opened for
// writing on a read-only mount). Root passes every permission check (no DAC here).

import { EEXIST, EINVAL, EISDIR, ELOOP, ENOTDIR, EOPNOTSUPP, EROFS } from "../errno.js";
import { alloc_file, fput } from "./file_table.js";
import type { fs_struct } from "./fs_struct.js";
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW, path_lookupat, path_parentat } from "./namei.js";
import { shmem_dir, shmem_file } from "./shmem.js";
import {
  __O_TMPFILE,
  d_alloc,
  FMODE_PATH,
  FMODE_READ,
  FMODE_WRITE,
  type file,
  type file_operations,
  O_ACCMODE,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_RDONLY,
  O_TMPFILE,
  O_TRUNC,
  O_WRONLY,
  type path,
  S_IFREG,
  S_ISDIR,
  S_ISLNK,
  S_ISREG,
  VALID_OPEN_FLAGS,
} from "./types.js";

/** The flags an O_PATH open keeps (O_PATH_FLAGS). */
const O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
/** Permission bits a mode may carry (S_IALLUGO). */
export const S_IALLUGO = 0o7777;

/** What an O_PATH file does: nothing but name a place. */
const path_fops: file_operations = { seekable: false };

/** f_mode of an open with `flags`. */
function open_fmode(flags: number): number {
  if (flags & O_PATH) return FMODE_PATH;
  const acc = flags & O_ACCMODE;
  return (acc === O_RDONLY || acc === 2 ? FMODE_READ : 0) | (acc === O_WRONLY || acc === 2 ? FMODE_WRITE : 0);
}

/** Check open's flags (build_open_flags): unknown bits are ignored, as open(2) ignores them;
 *  O_TMPFILE needs write access; 0 or -EINVAL. */
export function build_open_flags(flags: number): number | bigint {
  flags &= VALID_OPEN_FLAGS;
  if (flags & __O_TMPFILE) {
    if ((flags & O_TMPFILE) !== O_TMPFILE) return -EINVAL;
    if (!(flags & O_WRONLY) && (flags & O_ACCMODE) !== 2) return -EINVAL;
  }
  if (flags & O_PATH) flags &= O_PATH_FLAGS;
  return flags;
}

/** Open `name` from `start` (null: the working directory) with `flags` and `mode`: the new
 *  open file, or an errno. */
export function do_filp_open(
  fs: fs_struct,
  start: path | null,
  name: string,
  flags: number,
  mode: number,
): file | bigint {
  const f = build_open_flags(flags);
  if (typeof f === "bigint") return f;
  flags = f;
  const from = start ?? fs.pwd;
  if (flags & __O_TMPFILE) return open_tmpfile(fs, from, name, flags, mode);
  let p: path | bigint;
  if (flags & O_CREAT) p = open_create(fs, from, name, flags, mode);
  else {
    const how = (flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW) | (flags & O_DIRECTORY ? LOOKUP_DIRECTORY : 0);
    p = path_lookupat(fs.nd, from, name, how);
  }
  if (typeof p === "bigint") return p;
  return do_open(p, flags);
}

/** The O_CREAT half of path_openat: the existing file (EEXIST with O_EXCL), or a new one. */
function open_create(fs: fs_struct, from: path, name: string, flags: number, mode: number): path | bigint {
  const parent = path_parentat(fs.nd, from, name);
  if (typeof parent === "bigint") return parent;
  if (parent.type !== "norm" || parent.trailing) return -EISDIR;
  const dir = parent.path;
  const found = dir.dentry.d_inode.lookup(dir.dentry, parent.last);
  if (typeof found === "bigint") return found;
  if (found) {
    if (flags & O_EXCL) return -EEXIST;
    const p = fs.nd.ns.follow_mount({ mnt: dir.mnt, dentry: found });
    if (S_ISLNK(p.dentry.d_inode.i_mode)) {
      if (flags & O_NOFOLLOW) return -ELOOP;
      return path_lookupat(fs.nd, dir, parent.last, LOOKUP_FOLLOW);
    }
    return p;
  }
  if (dir.mnt.mnt_readonly) return -EROFS;
  const d = dir.dentry.d_inode.create(dir.dentry, parent.last, S_IFREG | (mode & S_IALLUGO & ~fs.umask));
  if (typeof d === "bigint") return d;
  return { mnt: dir.mnt, dentry: d };
}

/** Open a found path (do_open / vfs_open). */
/** dentry_open(): open the file at path `p` (already looked up) with `flags`. */
export function do_open(p: path, flags: number): file | bigint {
  const ino = p.dentry.d_inode;
  if (flags & O_PATH) return alloc_file(p, flags, FMODE_PATH, path_fops);
  if (S_ISLNK(ino.i_mode)) return -ELOOP; // O_NOFOLLOW on a link
  if (flags & O_DIRECTORY && !S_ISDIR(ino.i_mode)) return -ENOTDIR;
  const fmode = open_fmode(flags);
  if (S_ISDIR(ino.i_mode) && (fmode & FMODE_WRITE || flags & O_CREAT)) return -EISDIR;
  const writes = fmode & FMODE_WRITE || flags & O_TRUNC;
  if (writes && p.mnt.mnt_readonly && (S_ISREG(ino.i_mode) || S_ISDIR(ino.i_mode))) return -EROFS;
  const fops = ino.open_fops(flags);
  if (typeof fops === "bigint") return fops;
  if (flags & O_TRUNC && S_ISREG(ino.i_mode) && ino.i_size > 0) {
    const r = ino.setsize(0);
    if (r < 0n) return r;
  }
  const f = alloc_file(p, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC), fmode, fops);
  const r = fops.open?.(f) ?? 0n;
  if (r < 0n) {
    fput(f);
    return r;
  }
  return f;
}

/** O_TMPFILE: an unnamed regular file in directory `name` (tmpfs only: EOPNOTSUPP on a host
 *  mount, as a file system without ->tmpfile gives). */
function open_tmpfile(fs: fs_struct, from: path, name: string, flags: number, mode: number): file | bigint {
  const dir = path_lookupat(fs.nd, from, name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY);
  if (typeof dir === "bigint") return dir;
  if (!(dir.dentry.d_inode instanceof shmem_dir)) return -EOPNOTSUPP;
  if (dir.mnt.mnt_readonly) return -EROFS;
  const sbi = dir.dentry.d_inode.sbi;
  const r = sbi.reserve_inode();
  if (r < 0n) return r;
  const ino = new shmem_file(sbi, mode & S_IALLUGO & ~fs.umask);
  ino.i_nlink = 0;
  const d = d_alloc(dir.dentry, `#${ino.i_ino}`, ino);
  d.d_unhashed = true;
  const fops = ino.open_fops();
  return alloc_file(
    { mnt: dir.mnt, dentry: d },
    flags & ~(O_CLOEXEC | __O_TMPFILE | O_DIRECTORY),
    open_fmode(flags),
    fops,
  );
}
