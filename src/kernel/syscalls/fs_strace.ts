// How strace prints the arguments of the file system calls: AT_FDCWD, open flags
// (O_RDONLY|O_CREAT|O_CLOEXEC), octal modes, lseek's whence, the *at flags, fcntl and ioctl
// commands, and the flags of pipe2, dup3, renameat2 and msync (strace's xlat tables).

import { __O_TMPFILE, FCNTL, FD_CLOEXEC, O_CREAT, OPEN_FLAG_NAMES } from "../fs/types.js";
import type { Fmt } from "./common.js";
import { s32, s64 } from "./common.js";

/** Flag names joined with "|", in table order; leftover bits in hex; 0 as `zero`. */
export function flags(v: number, table: readonly (readonly [number, string])[], zero = "0"): string {
  const out: string[] = [];
  let left = v >>> 0;
  for (const [bit, name] of table) {
    if (bit !== 0 && (left & bit) === bit) {
      out.push(name);
      left &= ~bit >>> 0;
    }
  }
  if (left) out.push(`0x${left.toString(16)}`);
  return out.length ? out.join("|") : zero;
}

/** An argument that is one of a list of named values (strace's xlat of an enum): its name, or
 *  its number when it has none. */
export function named(names: Readonly<Record<number, string>>): Fmt {
  return (v) => names[s32(v)] ?? s32(v).toString();
}

/** A directory descriptor: AT_FDCWD or its number. */
export const dirfd: Fmt = (v) => (s32(v) === -100 ? "AT_FDCWD" : s32(v).toString());

/** open(2) flags: the access mode, then the others. */
export function openFlags(v: number): string {
  const acc = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"][v & 3]!;
  const rest = flags(v & ~3, OPEN_FLAG_NAMES, "");
  return rest ? `${acc}|${rest}` : acc;
}

export const oflags: Fmt = (v) => openFlags(s32(v));
/** Flags that are O_* bits but no access mode (pipe2, dup3, F_SETFL). */
export const oflagsNoAcc: Fmt = (v) => flags(s32(v), OPEN_FLAG_NAMES);
/** A mode in octal, as strace prints it ("0644"; 0 is "000"). */
export const octal: Fmt = (v) => `0${(Number(v) & 0o7777).toString(8).padStart(2, "0")}`;
/** openat's mode: shown only with O_CREAT or O_TMPFILE (argument 2 holds the flags). */
export const openMode: Fmt = (v, c) => (s32(c.a[2]!) & (O_CREAT | __O_TMPFILE) ? octal(v, c) : null);

export const whence: Fmt = (v) =>
  ["SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE"][s32(v)] ?? s32(v).toString();

const AT_FLAGS = [
  [0x100, "AT_SYMLINK_NOFOLLOW"],
  [0x200, "AT_REMOVEDIR"],
  [0x400, "AT_SYMLINK_FOLLOW"],
  [0x800, "AT_NO_AUTOMOUNT"],
  [0x1000, "AT_EMPTY_PATH"],
  [0x2000, "AT_STATX_FORCE_SYNC"],
  [0x4000, "AT_STATX_DONT_SYNC"],
] as const;
export const atFlags: Fmt = (v) => flags(s32(v), AT_FLAGS);
/** faccessat's flags (AT_EACCESS shares AT_REMOVEDIR's bit). */
export const accessAtFlags: Fmt = (v) =>
  flags(s32(v), [[0x200, "AT_EACCESS"], ...AT_FLAGS.filter(([b]) => b !== 0x200)] as const);
export const accessMode: Fmt = (v) =>
  flags(
    s32(v),
    [
      [4, "R_OK"],
      [2, "W_OK"],
      [1, "X_OK"],
    ] as const,
    "F_OK",
  );

/** fcntl command names by number. */
const FCNTL_CMDS = new Map<number, string>(Object.entries(FCNTL).map(([name, cmd]) => [cmd, name]));
export const fcntlCmd: Fmt = (v) => FCNTL_CMDS.get(s32(v)) ?? s32(v).toString();
/** fcntl's third argument, as the command reads it (omitted for the GET commands). */
export const fcntlArg: Fmt = (v, c) => {
  const cmd = s32(c.a[1]!);
  if (cmd === FCNTL.F_GETFD || cmd === FCNTL.F_GETFL || cmd === FCNTL.F_GETPIPE_SZ) return null;
  if (cmd === FCNTL.F_SETFD) return flags(s32(v), [[FD_CLOEXEC, "FD_CLOEXEC"]] as const);
  if (cmd === FCNTL.F_SETFL) return openFlags(s32(v));
  return s64(v).toString();
};

const IOCTL_CMDS: Record<number, string> = { 21505: "TCGETS", 21523: "TIOCGWINSZ", 21531: "FIONREAD" };
export const ioctlCmd: Fmt = (v) => IOCTL_CMDS[s32(v) >>> 0] ?? `0x${(s32(v) >>> 0).toString(16)}`;

export const renameFlags: Fmt = (v) =>
  flags(s32(v), [
    [1, "RENAME_NOREPLACE"],
    [2, "RENAME_EXCHANGE"],
    [4, "RENAME_WHITEOUT"],
  ] as const);
export const msyncFlags: Fmt = (v) =>
  flags(s32(v), [
    [1, "MS_ASYNC"],
    [2, "MS_INVALIDATE"],
    [4, "MS_SYNC"],
  ] as const);
export const closeRangeFlags: Fmt = (v) =>
  flags(s32(v), [
    [2, "CLOSE_RANGE_UNSHARE"],
    [4, "CLOSE_RANGE_CLOEXEC"],
  ] as const);
/** An unsigned int descriptor bound (close_range's last: ~0U prints as such). */
export const uint: Fmt = (v) => {
  const u = Number(v & 0xffffffffn);
  return u === 0xffffffff ? "~0" : u.toString();
};
