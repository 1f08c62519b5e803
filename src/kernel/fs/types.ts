// The VFS's objects, after include/linux/fs.h, dcache.h and mount.h: inodes (with their
// inode_operations as methods a file system overrides), dentries (a name in a directory),
// mounts, paths (mount + dentry), and struct file with its file_operations. Errors are negative
// errno bigints (-ENOENT), as the kernel's system calls return them; successes are numbers or
// objects, so `typeof r === "bigint"` tells a failure.

import { EINVAL, EISDIR, ENOTDIR, EPERM } from "../errno.js";

// File types and permission bits (include/uapi/linux/stat.h).
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISVTX = 0o1000;

export const S_ISREG = (m: number): boolean => (m & S_IFMT) === S_IFREG;
export const S_ISDIR = (m: number): boolean => (m & S_IFMT) === S_IFDIR;
export const S_ISLNK = (m: number): boolean => (m & S_IFMT) === S_IFLNK;
export const S_ISCHR = (m: number): boolean => (m & S_IFMT) === S_IFCHR;
export const S_ISFIFO = (m: number): boolean => (m & S_IFMT) === S_IFIFO;

// d_type values of getdents64 (include/linux/fs_types.h: the type bits shifted down by 12).
export const DT_UNKNOWN = 0;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_LNK = 10;
/** The d_type of a mode. */
export const dtype = (mode: number): number => (mode & S_IFMT) >>> 12;

/** Longest name of one component (NAME_MAX) and of a whole path with its NUL (PATH_MAX). */
export const NAME_MAX = 255;
export const PATH_MAX = 4096;

/** A file system instance (struct super_block): its type's name, device number and magic. */
export interface super_block {
  s_type: string;
  /** st_dev of its inodes (major << 8 | minor, the old encoding: minors here are small). */
  s_dev: number;
  s_magic: number;
  /** Linux's statfs f_bsize; the block size st_blksize reports. */
  s_blocksize: number;
  /** Next inode number this super block hands out (get_next_ino). */
  next_ino: number;
}

/** One directory entry as readdir produces it. */
export interface dir_entry {
  name: string;
  ino: number;
  type: number;
}

/** renameat2's flags. */
export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;

/** An attribute change (struct iattr): only the fields present change; a time of null is
 *  "now" (UTIME_NOW). Times are nanoseconds since the epoch, as the inode keeps them. */
export interface iattr {
  mode?: number;
  uid?: number;
  gid?: number;
  atime?: bigint | null;
  mtime?: bigint | null;
}

/** setattr_copy (fs/attr.c): write the changes of `ia` into `ino`, the permission bits only of
 *  a mode (the file type stays), and set its ctime to `now`, as every attribute change does. */
export function setattr_copy(ino: inode, ia: iattr, now: bigint): void {
  if (ia.uid !== undefined) ino.i_uid = ia.uid;
  if (ia.gid !== undefined) ino.i_gid = ia.gid;
  if (ia.mode !== undefined) ino.i_mode = (ino.i_mode & S_IFMT) | (ia.mode & 0o7777);
  if (ia.atime !== undefined) ino.i_atime = ia.atime ?? now;
  if (ia.mtime !== undefined) ino.i_mtime = ia.mtime ?? now;
  ino.i_ctime = now;
}

/** An inode: the object behind a name. A file system subclasses it and overrides the
 *  inode_operations it supports; the defaults fail as Linux fails when an operation is absent. */
export abstract class inode {
  i_nlink = 1;
  i_size = 0;
  i_uid = 0;
  i_gid = 0;
  /** Device number of a character device inode. */
  i_rdev = 0;
  i_atime: bigint;
  i_mtime: bigint;
  i_ctime: bigint;
  readonly i_btime: bigint;
  /** References that keep the inode alive besides its links: open files, working
   *  directories, mounts, mappings (iget / iput). */
  i_count = 0;

  constructor(
    readonly i_sb: super_block,
    readonly i_ino: number,
    public i_mode: number,
    now: bigint,
  ) {
    this.i_atime = now;
    this.i_mtime = now;
    this.i_ctime = now;
    this.i_btime = now;
  }

  /** 512-byte blocks the inode's data occupies (st_blocks). */
  blocks(): number {
    return 0;
  }

  // ---- inode_operations of a directory ----

  // `self` is this directory's dentry: the dentries returned are its children.

  /** The dentry named `name` in this directory, null if there is none. */
  lookup(_self: dentry, _name: string): dentry | null | bigint {
    return -ENOTDIR;
  }
  create(_self: dentry, _name: string, _mode: number): dentry | bigint {
    return S_ISDIR(this.i_mode) ? -EPERM : -ENOTDIR;
  }
  mkdir(_self: dentry, _name: string, _mode: number): dentry | bigint {
    return S_ISDIR(this.i_mode) ? -EPERM : -ENOTDIR;
  }
  symlink(_self: dentry, _name: string, _target: string): dentry | bigint {
    return S_ISDIR(this.i_mode) ? -EPERM : -ENOTDIR;
  }
  link(_name: string, _target: inode): bigint {
    return S_ISDIR(this.i_mode) ? -EPERM : -ENOTDIR;
  }
  unlink(_name: string): bigint {
    return S_ISDIR(this.i_mode) ? -EPERM : -ENOTDIR;
  }
  rmdir(_name: string): bigint {
    return S_ISDIR(this.i_mode) ? -EPERM : -ENOTDIR;
  }
  /** Move `oldName` of this directory to `newName` of `newDir` (same super block). */
  rename(_oldName: string, _newDir: inode, _newName: string, _flags: number): bigint {
    return S_ISDIR(this.i_mode) ? -EPERM : -ENOTDIR;
  }

  // ---- inode_operations of a symbolic link and of a file ----

  /** The target of a symbolic link: a path to walk, or (a /proc magic link) the place itself. */
  get_link(): string | { jump: path } | bigint {
    return -EINVAL;
  }
  /** What readlink(2) returns: the link's text (a /proc magic link: its object's name). */
  readlink(): string | bigint {
    const t = this.get_link();
    return typeof t === "object" ? -EINVAL : t;
  }

  /** Truncate or extend the file to `size` bytes (setattr with ATTR_SIZE). */
  setsize(_size: number): bigint {
    return S_ISDIR(this.i_mode) ? -EISDIR : -EINVAL;
  }
  /** Change the attributes in `ia` (i_op->setattr, reached through notify_change). A file
   *  system that keeps no attributes of its own refuses with EPERM, as procfs's proc_setattr
   *  does; hostfs too (its modes, owners and times are the host's). */
  setattr(_ia: iattr): bigint {
    return -EPERM;
  }
  /** The file_operations an open of this inode gets, or an errno (open() of a device that is
   *  not there, ...). */
  abstract open_fops(flags: number): file_operations | bigint;

  /** The page cache of a regular file that can be mapped; null for the others (ENODEV). */
  get i_mapping(): address_space | null {
    return null;
  }

  /** The last reference is gone (drop_inode): a file system that caches inodes forgets this
   *  one; by default the inode lives on while it has links. */
  drop(): void {
    if (this.i_nlink === 0) this.evict();
  }

  /** Called when the last reference and the last link are gone (evict_inode). */
  evict(): void {}
}

/** The page cache of one inode (struct address_space): page index -> page frame. */
export interface address_space {
  readonly host: inode;
  /** The page at `index`, read in (or zero-filled) if it is not cached yet: a pfn, or an errno
   *  (-ENOMEM, -EIO). The page cache keeps its own reference. */
  find_or_create(index: number): number | bigint;
  /** The page at `index` if it is cached, or -1. */
  find(index: number): number;
  /** A page of a shared mapping was written: it must reach the backing store (msync). */
  set_dirty(index: number): void;
  /** Write the dirty pages of [from, to) back to the backing store (a no-op for tmpfs, whose
   *  pages are the store). 0 or an errno. */
  writeback(from: number, to: number): bigint;
  /** Drop clean cached pages of [from, to) that no mapping uses (MS_INVALIDATE). */
  invalidate(from: number, to: number): void;
}

/** A name in a directory (struct dentry): tmpfs keeps them as its directories' contents;
 *  other file systems make them during a walk. */
export interface dentry {
  d_name: string;
  /** The directory holding the name; the root dentry of a file system is its own parent. */
  d_parent: dentry;
  d_inode: inode;
  /** Removed from its directory (unlinked or replaced): /proc shows " (deleted)". */
  d_unhashed: boolean;
  /** The name of a dentry outside the namespace (a pipe, a terminal): dentry_operations'
   *  d_dname, "pipe:[1234]". */
  d_dname?: () => string;
}

/** A mounted file system (struct vfsmount + struct mount). */
export interface vfsmount {
  readonly mnt_id: number;
  readonly mnt_root: dentry;
  /** Where it is mounted: the parent mount and the dentry covered; null for the root. */
  readonly mnt_parent: vfsmount | null;
  readonly mnt_mountpoint: dentry | null;
  /** MNT_READONLY: writes through this mount fail with EROFS. */
  readonly mnt_readonly: boolean;
  /** Host path of a host mount (for /proc/self/mountinfo and messages). */
  readonly mnt_source: string;
}

/** A place in the namespace (struct path). */
export interface path {
  mnt: vfsmount;
  dentry: dentry;
}

/** fcntl(2) commands (include/uapi/asm-generic/fcntl.h; the F_LINUX_SPECIFIC_BASE ones from
 *  include/uapi/linux/fcntl.h). */
export const FCNTL = {
  F_DUPFD: 0,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  F_GETLK: 5,
  F_SETLK: 6,
  F_SETLKW: 7,
  F_DUPFD_CLOEXEC: 1030,
  F_SETPIPE_SZ: 1031,
  F_GETPIPE_SZ: 1032,
} as const;
/** The one descriptor flag F_GETFD/F_SETFD know. */
export const FD_CLOEXEC = 1;

// open(2) flags, riscv64 (include/uapi/asm-generic/fcntl.h).
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_ASYNC = 0o20000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const __O_SYNC = 0o4000000;
export const O_PATH = 0o10000000;
export const __O_TMPFILE = 0o20000000;
/** O_SYNC and O_TMPFILE as user space passes them (each with the bit it implies). */
export const O_SYNC = __O_SYNC | O_DSYNC;
export const O_TMPFILE = __O_TMPFILE | O_DIRECTORY;
/** The open(2) flags beside the access mode, named as strace prints them, in its order (its
 *  xlat/open_mode_flags); multi-bit flags first, so O_SYNC is named before O_DSYNC. */
export const OPEN_FLAG_NAMES: readonly (readonly [number, string])[] = [
  [O_CREAT, "O_CREAT"],
  [O_EXCL, "O_EXCL"],
  [O_NOCTTY, "O_NOCTTY"],
  [O_TRUNC, "O_TRUNC"],
  [O_APPEND, "O_APPEND"],
  [O_NONBLOCK, "O_NONBLOCK"],
  [O_SYNC, "O_SYNC"],
  [O_DSYNC, "O_DSYNC"],
  [O_ASYNC, "O_ASYNC"],
  [O_DIRECT, "O_DIRECT"],
  [O_LARGEFILE, "O_LARGEFILE"],
  [O_TMPFILE, "O_TMPFILE"],
  [O_DIRECTORY, "O_DIRECTORY"],
  [O_NOFOLLOW, "O_NOFOLLOW"],
  [O_NOATIME, "O_NOATIME"],
  [O_CLOEXEC, "O_CLOEXEC"],
  [O_PATH, "O_PATH"],
];
/** Every flag open() knows (VALID_OPEN_FLAGS, include/linux/fcntl.h): the access mode bits and
 *  every named flag. */
export const VALID_OPEN_FLAGS = OPEN_FLAG_NAMES.reduce((all, [bit]) => all | bit, O_ACCMODE);

// f_mode bits (include/linux/fs.h).
export const FMODE_READ = 1;
export const FMODE_WRITE = 2;
export const FMODE_PATH = 0x4000;

/** poll(2) events (include/uapi/asm-generic/poll.h). */
export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDNORM = 0x40;
export const POLLWRNORM = 0x100;

/** What a file does (struct file_operations); an absent operation fails as Linux fails. */
export interface file_operations {
  /** Up to `len` bytes at `pos` (streams ignore pos); empty at end of file. A stream with
   *  nothing to read yet returns -EAGAIN, and the caller sleeps on `wait` unless the file is
   *  O_NONBLOCK. */
  read?(f: file, len: number, pos: number): Uint8Array | bigint;
  /** Write `data` at `pos`; the bytes taken, or an errno (-EAGAIN: a full stream). */
  write?(f: file, data: Uint8Array, pos: number): number | bigint;
  /** Can f_pos move (lseek, pread)? Streams cannot: ESPIPE. */
  readonly seekable: boolean;
  /** The events that are ready now (POLLIN, POLLOUT, POLLHUP, ...). */
  poll?(f: file): number;
  /** The wait queue a reader/writer/poller sleeps on for this file, when it can block. */
  wait?(f: file): unknown;
  /** A directory's entries from cookie `pos` (0 = the start): `emit` takes each with the
   *  cookie of the one after it and returns false when the caller's buffer is full. */
  iterate?(f: file, pos: number, emit: (e: dir_entry, next: number) => boolean): bigint;
  ioctl?(f: file, cmd: number, arg: bigint, put: (bytes: Uint8Array) => boolean): bigint;
  /** The file is being opened (its private data set up): 0 or an errno. */
  open?(f: file): bigint;
  /** The last reference is gone (close of the last descriptor). */
  release?(f: file): void;
}

/** An open file (struct file): shared by dup'ed descriptors and across fork. */
export class file {
  f_pos = 0;
  /** References: descriptors in every files_struct, and transient holders. */
  f_count = 1;
  /** Private to the file's operations (a pipe, a directory stream, ...). */
  private_data: unknown = null;

  constructor(
    readonly f_path: path,
    public f_flags: number,
    readonly f_mode: number,
    readonly f_op: file_operations,
  ) {}

  get f_inode(): inode {
    return this.f_path.dentry.d_inode;
  }
}

/** A fresh dentry for `ino` named `name` in `parent` (the root is its own parent when
 *  `parent` is null). */
export function d_alloc(parent: dentry | null, name: string, ino: inode): dentry {
  const d = { d_name: name, d_inode: ino, d_unhashed: false } as dentry;
  d.d_parent = parent ?? d;
  return d;
}

/** Is `d` the root of its file system? */
export const IS_ROOT = (d: dentry): boolean => d.d_parent === d;
