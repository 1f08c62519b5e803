// The calls that change names (the second half of fs/namei.c, fs/open.c's truncate and access,
// fs/stat.c's readlink): mkdir, unlink, rmdir, rename (RENAME_NOREPLACE, RENAME_EXCHANGE),
// symlink, link, readlink, truncate, access, chdir, with Linux's checks in Linux's order. Each
// returns 0 (or its value) or a negative errno.

import {
  EACCES,
  EBUSY,
  EEXIST,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  EROFS,
  EXDEV,
} from "../errno.js";
import type { fs_struct } from "./fs_struct.js";
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW, path_lookupat, path_parentat } from "./namei.js";
import {
  type dentry,
  type iattr,
  type inode,
  type path,
  RENAME_EXCHANGE,
  RENAME_NOREPLACE,
  RENAME_WHITEOUT,
  S_ISDIR,
  S_ISLNK,
  S_ISREG,
} from "./types.js";

/** The mode bits mkdir keeps (S_IRWXUGO | S_ISVTX). */
const MKDIR_MODE = 0o1777;
// faccessat's modes and flags.
export const F_OK = 0;
export const X_OK = 1;
export const W_OK = 2;
export const R_OK = 4;
export const AT_EACCESS = 0x200;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_EMPTY_PATH = 0x1000;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_REMOVEDIR = 0x200;

/** The existing child `last` of `dir`, following mounts, or null / an errno. */
function lookup_child(fs: fs_struct, dir: path, last: string): path | null | bigint {
  const d = dir.dentry.d_inode.lookup(dir.dentry, last);
  if (d === null || typeof d === "bigint") return d;
  return fs.nd.ns.follow_mount({ mnt: dir.mnt, dentry: d });
}

/** The new name `name` for mkdir and symlink (filename_create): its parent is found, the name
 *  must not exist and the mount must be writable; then `make` creates it in the directory. */
function create_at(
  fs: fs_struct,
  start: path,
  name: string,
  make: (dir: dentry, last: string) => dentry | bigint,
): bigint {
  const p = path_parentat(fs.nd, start, name);
  if (typeof p === "bigint") return p;
  if (p.type !== "norm") return -EEXIST;
  const old = lookup_child(fs, p.path, p.last);
  if (typeof old === "bigint") return old;
  if (old) return -EEXIST;
  if (p.path.mnt.mnt_readonly) return -EROFS;
  const d = make(p.path.dentry, p.last);
  return typeof d === "bigint" ? d : 0n;
}

export function do_mkdirat(fs: fs_struct, start: path, name: string, mode: number): bigint {
  return create_at(fs, start, name, (dir, last) =>
    dir.d_inode.mkdir(dir, last, mode & MKDIR_MODE & ~fs.umask),
  );
}

export function do_unlinkat(fs: fs_struct, start: path, name: string): bigint {
  const p = path_parentat(fs.nd, start, name);
  if (typeof p === "bigint") return p;
  if (p.type !== "norm") return -EISDIR;
  const victim = lookup_child(fs, p.path, p.last);
  if (typeof victim === "bigint") return victim;
  if (!victim) return -ENOENT;
  const ino = victim.dentry.d_inode;
  if (S_ISDIR(ino.i_mode)) return -EISDIR;
  if (p.trailing) return -ENOTDIR;
  if (p.path.mnt.mnt_readonly) return -EROFS;
  if (victim.mnt !== p.path.mnt || fs.nd.ns.is_mountpoint(ino)) return -EBUSY;
  return p.path.dentry.d_inode.unlink(p.last);
}

export function do_rmdir(fs: fs_struct, start: path, name: string): bigint {
  const p = path_parentat(fs.nd, start, name);
  if (typeof p === "bigint") return p;
  if (p.type === "dotdot") return -ENOTEMPTY;
  if (p.type === "dot") return -EINVAL;
  if (p.type === "root") return -EBUSY;
  const victim = lookup_child(fs, p.path, p.last);
  if (typeof victim === "bigint") return victim;
  if (!victim) return -ENOENT;
  if (!S_ISDIR(victim.dentry.d_inode.i_mode)) return -ENOTDIR;
  if (p.path.mnt.mnt_readonly) return -EROFS;
  if (victim.mnt !== p.path.mnt || fs.nd.ns.is_mountpoint(victim.dentry.d_inode)) return -EBUSY;
  return p.path.dentry.d_inode.rmdir(p.last);
}

/** Is `a` the same inode as `b` (hostfs makes fresh dentries, so compare inodes)? */
const same = (a: inode, b: inode): boolean => a === b || (a.i_sb === b.i_sb && a.i_ino === b.i_ino);

/** Is `anc` `d` or one of its ancestors (on one mount)? */
function is_ancestor(anc: dentry, d: dentry): boolean {
  for (let cur = d, guard = 0; guard < 1 << 16; guard++) {
    if (same(cur.d_inode, anc.d_inode)) return true;
    if (cur.d_parent === cur) return false;
    cur = cur.d_parent;
  }
  return false;
}

export function do_renameat2(
  fs: fs_struct,
  oldStart: path,
  oldName: string,
  newStart: path,
  newName: string,
  flags: number,
): bigint {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
  if (flags & RENAME_NOREPLACE && flags & RENAME_EXCHANGE) return -EINVAL;
  if (flags & RENAME_WHITEOUT && flags & RENAME_EXCHANGE) return -EINVAL;
  const op = path_parentat(fs.nd, oldStart, oldName);
  if (typeof op === "bigint") return op;
  const np = path_parentat(fs.nd, newStart, newName);
  if (typeof np === "bigint") return np;
  if (op.path.mnt !== np.path.mnt) return -EXDEV;
  if (op.type !== "norm") return -EBUSY;
  if (np.type !== "norm") return flags & RENAME_NOREPLACE ? -EEXIST : -EBUSY;
  if (op.path.mnt.mnt_readonly) return -EROFS;
  const src = lookup_child(fs, op.path, op.last);
  if (typeof src === "bigint") return src;
  if (!src) return -ENOENT;
  const dst = lookup_child(fs, np.path, np.last);
  if (typeof dst === "bigint") return dst;
  const srcDir = S_ISDIR(src.dentry.d_inode.i_mode);
  if (!srcDir && (op.trailing || (np.trailing && !(flags & RENAME_EXCHANGE)))) return -ENOTDIR;
  if (flags & RENAME_EXCHANGE) {
    if (!dst) return -ENOENT;
    if (!S_ISDIR(dst.dentry.d_inode.i_mode) && np.trailing) return -ENOTDIR;
  } else if (dst && flags & RENAME_NOREPLACE) return -EEXIST;
  // The source may not be an ancestor of the target, nor the target of the source.
  if (is_ancestor(src.dentry, np.path.dentry)) return -EINVAL;
  if (dst && is_ancestor(dst.dentry, op.path.dentry)) return flags & RENAME_EXCHANGE ? -EINVAL : -ENOTEMPTY;
  const ns = fs.nd.ns;
  if (src.mnt !== op.path.mnt || ns.is_mountpoint(src.dentry.d_inode)) return -EBUSY;
  if (dst && (dst.mnt !== np.path.mnt || ns.is_mountpoint(dst.dentry.d_inode))) return -EBUSY;
  return op.path.dentry.d_inode.rename(op.last, np.path.dentry.d_inode, np.last, flags);
}

export function do_symlinkat(fs: fs_struct, target: string, start: path, name: string): bigint {
  if (target === "") return -ENOENT;
  return create_at(fs, start, name, (dir, last) => dir.d_inode.symlink(dir, last, target));
}

export function do_linkat(fs: fs_struct, old: path, newStart: path, newName: string): bigint {
  if (S_ISDIR(old.dentry.d_inode.i_mode)) return -EPERM;
  const p = path_parentat(fs.nd, newStart, newName);
  if (typeof p === "bigint") return p;
  if (p.type !== "norm") return -EEXIST;
  if (p.path.mnt !== old.mnt) return -EXDEV;
  const there = lookup_child(fs, p.path, p.last);
  if (typeof there === "bigint") return there;
  if (there) return -EEXIST;
  if (p.path.mnt.mnt_readonly) return -EROFS;
  return p.path.dentry.d_inode.link(p.last, old.dentry.d_inode);
}

/** readlink of `name` (not followed): its target, or EINVAL for what is not a link. */
export function do_readlinkat(fs: fs_struct, start: path, name: string): string | bigint {
  const p = path_lookupat(fs.nd, start, name, 0);
  if (typeof p === "bigint") return p;
  if (!S_ISLNK(p.dentry.d_inode.i_mode)) return -EINVAL;
  return p.dentry.d_inode.readlink();
}

/** truncate/ftruncate of path `p` to `length` (vfs_truncate / do_truncate). */
export function vfs_truncate(p: path, length: number): bigint {
  const ino = p.dentry.d_inode;
  if (length < 0) return -EINVAL;
  if (S_ISDIR(ino.i_mode)) return -EISDIR;
  if (!S_ISREG(ino.i_mode)) return -EINVAL;
  if (p.mnt.mnt_readonly) return -EROFS;
  return ino.setsize(length);
}

/** notify_change (fs/attr.c) behind mnt_want_write: a read-only mount refuses (EROFS), else the
 *  file system applies the change (i_op->setattr). Every attribute change ends here. */
export function notify_change(p: path, ia: iattr): bigint {
  if (p.mnt.mnt_readonly) return -EROFS;
  return p.dentry.d_inode.setattr(ia);
}

/** chmod_common(): the new permission bits of `p`'s inode, through notify_change. */
export function chmod_common(p: path, mode: number): bigint {
  return notify_change(p, { mode });
}

/** fchmodat(dirfd, name, mode): `name` looked up following symbolic links, then chmod_common. */
export function do_fchmodat(fs: fs_struct, start: path, name: string, mode: number): bigint {
  const p = path_lookupat(fs.nd, start, name, LOOKUP_FOLLOW);
  return typeof p === "bigint" ? p : chmod_common(p, mode);
}

/** faccessat2: root may read and write anything (EROFS for writing a file or directory on a
 *  read-only mount) and execute what has an execute bit (a directory: always). */
export function do_faccessat(fs: fs_struct, start: path, name: string, mode: number, flags: number): bigint {
  if (mode & ~(R_OK | W_OK | X_OK)) return -EINVAL;
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const p =
    name === "" && flags & AT_EMPTY_PATH
      ? start
      : path_lookupat(fs.nd, start, name, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW);
  if (typeof p === "bigint") return p;
  const ino = p.dentry.d_inode;
  if (mode & W_OK && p.mnt.mnt_readonly && (S_ISREG(ino.i_mode) || S_ISDIR(ino.i_mode))) return -EROFS;
  if (mode & X_OK && !S_ISDIR(ino.i_mode) && (ino.i_mode & 0o111) === 0) return -EACCES;
  return 0n;
}

/** chdir: the working directory becomes `name`. */
export function do_chdir(fs: fs_struct, start: path, name: string): bigint {
  const p = path_lookupat(fs.nd, start, name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY);
  if (typeof p === "bigint") return p;
  fs.set_pwd(p);
  return 0n;
}
