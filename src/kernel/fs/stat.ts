// stat and statx (fs/stat.c): an inode's attributes in the riscv64 layouts, struct stat
// (asm-generic, 128 bytes) and struct statx (256 bytes), times in the machine's realtime.

import { EINVAL } from "../errno.js";
import { type inode, type path, S_IFMT } from "./types.js";

/** statx's mask bits (include/uapi/linux/stat.h). */
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;
export const STATX_MNT_ID = 0x1000;
export const STATX__RESERVED = 0x80000000;
/** The statx flags: AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH, AT_STATX_SYNC_TYPE. */
export const AT_STATX_SYNC_TYPE = 0x6000;
export const STATX_FLAGS = 0x100 | 0x800 | 0x1000 | AT_STATX_SYNC_TYPE;

const NS = 1_000_000_000n;
const major = (dev: number): number => dev >>> 8;
const minor = (dev: number): number => dev & 0xff;

/** struct stat of `ino` (cp_new_stat). */
export function stat_bytes(ino: inode): Uint8Array {
  const b = new Uint8Array(128);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(ino.i_sb.s_dev), true);
  v.setBigUint64(8, BigInt(ino.i_ino), true);
  v.setUint32(16, ino.i_mode, true);
  v.setUint32(20, ino.i_nlink, true);
  v.setUint32(24, ino.i_uid, true);
  v.setUint32(28, ino.i_gid, true);
  v.setBigUint64(32, BigInt(ino.i_rdev), true);
  v.setBigInt64(48, BigInt(ino.i_size), true);
  v.setInt32(56, ino.i_sb.s_blocksize, true);
  v.setBigInt64(64, BigInt(ino.blocks()), true);
  for (const [off, t] of [
    [72, ino.i_atime],
    [88, ino.i_mtime],
    [104, ino.i_ctime],
  ] as const) {
    v.setBigInt64(off, t / NS, true);
    v.setBigUint64(off + 8, t % NS, true);
  }
  return b;
}

/** struct statx of `p` (cp_statx): the basic stats, the birth time where the file system keeps
 *  one (tmpfs), and the mount id. */
export function statx_bytes(p: path): Uint8Array {
  const ino = p.dentry.d_inode;
  const btime = ino.i_sb.s_type === "tmpfs";
  const b = new Uint8Array(256);
  const v = new DataView(b.buffer);
  v.setUint32(0, STATX_BASIC_STATS | (btime ? STATX_BTIME : 0) | STATX_MNT_ID, true);
  v.setUint32(4, ino.i_sb.s_blocksize, true);
  v.setUint32(16, ino.i_nlink, true);
  v.setUint32(20, ino.i_uid, true);
  v.setUint32(24, ino.i_gid, true);
  v.setUint16(28, ino.i_mode & (S_IFMT | 0o7777), true);
  v.setBigUint64(32, BigInt(ino.i_ino), true);
  v.setBigUint64(40, BigInt(ino.i_size), true);
  v.setBigUint64(48, BigInt(ino.blocks()), true);
  const ts = (off: number, t: bigint): void => {
    v.setBigInt64(off, t / NS, true);
    v.setUint32(off + 8, Number(t % NS), true);
  };
  ts(64, ino.i_atime);
  if (btime) ts(80, ino.i_btime);
  ts(96, ino.i_ctime);
  ts(112, ino.i_mtime);
  v.setUint32(128, major(ino.i_rdev), true);
  v.setUint32(132, minor(ino.i_rdev), true);
  v.setUint32(136, major(ino.i_sb.s_dev), true);
  v.setUint32(140, minor(ino.i_sb.s_dev), true);
  v.setBigUint64(144, BigInt(p.mnt.mnt_id), true);
  return b;
}

/** statx's argument checks: 0 or -EINVAL. */
export function statx_check(flags: number, mask: number): bigint {
  if (flags & ~STATX_FLAGS) return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  if (mask & STATX__RESERVED) return -EINVAL;
  return 0n;
}
