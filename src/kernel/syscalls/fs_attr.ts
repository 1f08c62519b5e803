// Attribute changes (fs/open.c, fs/utimes.c): chown and utimensat, each ending in
// notify_change (fs/attr.c), with their checks in Linux's order (chmod is in fs.ts).

import { EBADF, EFAULT, EINVAL } from "../errno.js";
import { AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, notify_change } from "../fs/namei_ops.js";
import { type iattr, type path, S_ISDIR } from "../fs/types.js";
import { type Ctx, type SyscallTable, s32 } from "./common.js";
import { AT_FDCWD, fget, stat_path } from "./fs.js";
import { atFlags, dirfd } from "./fs_strace.js";

/** The set-id bits chown clears. */
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_IXGRP = 0o010;
/** utimensat's special tv_nsec values (include/uapi/linux/stat.h). */
const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;

/** chown_common: new owner and group (-1 keeps one); a file that is not a directory loses its
 *  set-user-ID bit and, when group-executable, its set-group-ID bit, as Linux does for root. */
function chown_common(p: path | bigint, user: bigint, group: bigint): bigint {
  if (typeof p === "bigint") return p;
  const ia: iattr = {};
  const uid = s32(user);
  const gid = s32(group);
  if (uid !== -1) ia.uid = uid >>> 0;
  if (gid !== -1) ia.gid = gid >>> 0;
  const mode = p.dentry.d_inode.i_mode;
  if (!S_ISDIR(mode)) {
    let kept = mode & ~S_ISUID;
    if ((mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP)) kept &= ~S_ISGID;
    if (kept !== mode) ia.mode = kept;
  }
  return notify_change(p, ia);
}

/** A descriptor's path, or EBADF. */
function fd_path(c: Ctx, fd: bigint): path | bigint {
  return fget(c, fd)?.f_path ?? -EBADF;
}

/** nsec_valid (fs/utimes.c): a tv_nsec is a count of nanoseconds or one of the UTIME_ values. */
function nsec_valid(nsec: bigint): boolean {
  return nsec === BigInt(UTIME_OMIT) || nsec === BigInt(UTIME_NOW) || (nsec >= 0n && nsec < 1_000_000_000n);
}

/** One utimensat time as an iattr field: undefined (UTIME_OMIT), null (UTIME_NOW) or the time. */
function utime_field(sec: bigint, nsec: bigint): bigint | null | undefined {
  if (nsec === BigInt(UTIME_OMIT)) return undefined;
  if (nsec === BigInt(UTIME_NOW)) return null;
  return sec * 1_000_000_000n + nsec;
}

/** vfs_utimes: both times now (`times` null), or each as given, after checking their tv_nsec. */
function vfs_utimes(p: path | bigint, times: bigint[] | null): bigint {
  if (typeof p === "bigint") return p;
  if (!times) return notify_change(p, { atime: null, mtime: null });
  if (!nsec_valid(times[1]!) || !nsec_valid(times[3]!)) return -EINVAL;
  const ia: iattr = {};
  const atime = utime_field(times[0]!, times[1]!);
  const mtime = utime_field(times[2]!, times[3]!);
  if (atime !== undefined) ia.atime = atime;
  if (mtime !== undefined) ia.mtime = mtime;
  return notify_change(p, ia);
}

/** utimensat(dfd, name, times, flags): the two timespecs (EFAULT), nothing at all when both are
 *  UTIME_OMIT, a NULL name for the descriptor itself (no flags allowed), else the path. */
function utimensat(c: Ctx): bigint {
  const [dfd, name, utimes, flagsArg] = c.a as [bigint, bigint, bigint, bigint];
  const flags = s32(flagsArg);
  let times: bigint[] | null = null;
  if (utimes !== 0n) {
    const b = c.t.uaccess.copy_from_user(utimes, 32);
    if (!b) return -EFAULT;
    const v = new DataView(b.buffer, b.byteOffset, 32);
    times = [0, 8, 16, 24].map((o) => v.getBigInt64(o, true));
    if (times[1] === BigInt(UTIME_OMIT) && times[3] === BigInt(UTIME_OMIT)) return 0n;
  }
  if (name === 0n && s32(dfd) !== AT_FDCWD) return flags ? -EINVAL : vfs_utimes(fd_path(c, dfd), times);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  return vfs_utimes(stat_path(c, dfd, name, flags), times);
}

/** fchownat(dfd, name, user, group, flags): flags beyond AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH
 *  are EINVAL before the lookup. */
function fchownat(c: Ctx): bigint {
  const flags = s32(c.a[4]!);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  return chown_common(stat_path(c, c.a[0]!, c.a[1]!, flags), c.a[2]!, c.a[3]!);
}

const ownerArgs = ["d", "d"] as const;

export const fsAttrSyscalls: SyscallTable = {
  54: { name: "fchownat", args: [dirfd, "s", ...ownerArgs, atFlags], fn: fchownat },
  55: {
    name: "fchown",
    args: ["d", ...ownerArgs],
    fn: (c) => chown_common(fd_path(c, c.a[0]!), c.a[1]!, c.a[2]!),
  },
  88: { name: "utimensat", args: [dirfd, "s", "p", atFlags], fn: utimensat },
};
