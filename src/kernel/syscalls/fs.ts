// File system calls: the standard streams and read-only host mounts (fs.ts), by their Linux
// riscv64 numbers: ioctl, openat, close, lseek, read, write, writev, readlinkat, newfstatat, fstat.

import { posix } from "node:path";
import { EBADF, EFAULT, EINVAL, ENOENT, ENOTTY, ESPIPE } from "../errno.js";
import { openHost, S_IFCHR, S_IFIFO } from "../fs.js";
import { PAGE_SIZE } from "../layout.js";
import { type Ctx, enc, put, type SyscallTable, s32, s64 } from "./common.js";

const AT_FDCWD = -100n;

function readFd(c: Ctx, fd: number, buf: bigint, len: number): bigint {
  const f = c.t.files[fd];
  if (!f) return -EBADF;
  if (f.kind === "stdout") return -EBADF;
  let data: Uint8Array;
  if (f.kind === "stdin") data = c.t.opts.io.stdin(len);
  else {
    data = f.data.subarray(f.pos, f.pos + len);
    f.pos += data.length;
  }
  if (!c.t.uaccess.copy_to_user(buf, data)) return -EFAULT;
  return BigInt(data.length);
}

function writeFd(c: Ctx, fd: number, buf: bigint, len: number): bigint {
  const f = c.t.files[fd];
  if (!f) return -EBADF;
  if (f.kind !== "stdout") return -EBADF;
  const data = c.t.uaccess.copy_from_user(buf, len);
  if (!data) return -EFAULT;
  c.t.opts.io.write(f.fd, data);
  return BigInt(len);
}

/** struct stat (asm-generic, 128 bytes). */
function statBytes(mode: number, size: number, mtime: number): Uint8Array {
  const b = new Uint8Array(128);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, 1n, true); // st_dev
  v.setBigUint64(8, 1n, true); // st_ino
  v.setUint32(16, mode, true);
  v.setUint32(20, 1, true); // st_nlink
  v.setBigInt64(48, BigInt(size), true);
  v.setInt32(56, PAGE_SIZE, true); // st_blksize
  v.setBigInt64(64, BigInt(Math.ceil(size / 512)), true);
  for (const off of [72, 88, 104]) v.setBigInt64(off, BigInt(mtime), true);
  return b;
}

function fstatFd(c: Ctx, fd: number, out: bigint): bigint {
  const f = c.t.files[fd];
  if (!f) return -EBADF;
  const st =
    f.kind === "file"
      ? statBytes(f.mode, f.data.length, f.mtimeSec)
      : statBytes((c.t.opts.io.isatty(f.kind === "stdin" ? 0 : f.fd) ? S_IFCHR : S_IFIFO) | 0o620, 0, 0);
  return c.t.uaccess.copy_to_user(out, st) ? 0n : -EFAULT;
}

export const fsSyscalls: SyscallTable = {
  29: {
    name: "ioctl",
    args: ["d", "x", "p"],
    fn: (c) => {
      const TCGETS = 0x5401n;
      const fd = s32(c.a[0]!);
      if (!c.t.files[fd]) return -EBADF;
      if (c.a[1] === TCGETS) return c.t.opts.io.isatty(fd) ? put(c, c.a[2]!, new Uint8Array(60)) : -ENOTTY;
      return -ENOTTY;
    },
  },
  56: {
    name: "openat",
    args: ["d", "s", "x", "x"],
    fn: (c) => {
      const path = c.t.uaccess.strncpy_from_user(c.a[1]!);
      if (path === null) return -EFAULT;
      if (s64(c.a[0]!) !== AT_FDCWD && !path.startsWith("/")) return -EBADF;
      const f = openHost(c.t.opts.mounts ?? [], path, s32(c.a[2]!));
      if (typeof f === "bigint") return f;
      let fd = c.t.files.indexOf(null);
      if (fd < 0) fd = c.t.files.push(null) - 1;
      c.t.files[fd] = f;
      return BigInt(fd);
    },
  },
  57: {
    name: "close",
    args: ["d"],
    fn: (c) => {
      const fd = s32(c.a[0]!);
      if (!c.t.files[fd]) return -EBADF;
      c.t.files[fd] = null;
      return 0n;
    },
  },
  62: {
    name: "lseek",
    args: ["d", "d", "d"],
    fn: (c) => {
      const f = c.t.files[s32(c.a[0]!)];
      if (!f) return -EBADF;
      if (f.kind !== "file") return -ESPIPE;
      const off = Number(s64(c.a[1]!));
      const whence = s32(c.a[2]!);
      const pos = whence === 0 ? off : whence === 1 ? f.pos + off : whence === 2 ? f.data.length + off : -1;
      if (pos < 0 || whence > 2) return -EINVAL;
      f.pos = pos;
      return BigInt(pos);
    },
  },
  63: { name: "read", args: ["d", "p", "u"], fn: (c) => readFd(c, s32(c.a[0]!), c.a[1]!, Number(c.a[2]!)) },
  64: {
    name: "write",
    args: ["d", "b2", "u"],
    fn: (c) => writeFd(c, s32(c.a[0]!), c.a[1]!, Number(c.a[2]!)),
  },
  66: {
    name: "writev",
    args: ["d", "p", "d"],
    fn: (c) => {
      let total = 0n;
      for (let i = 0n; i < c.a[2]!; i++) {
        const base = c.t.uaccess.get_u64(c.a[1]! + i * 16n);
        const len = c.t.uaccess.get_u64(c.a[1]! + i * 16n + 8n);
        if (base === null || len === null) return -EFAULT;
        const r = writeFd(c, s32(c.a[0]!), base, Number(len));
        if (r < 0n) return r;
        total += r;
      }
      return total;
    },
  },
  78: {
    name: "readlinkat",
    args: ["d", "s", "p", "u"],
    fn: (c) => {
      const path = c.t.uaccess.strncpy_from_user(c.a[1]!);
      if (path === null) return -EFAULT;
      if (path !== "/proc/self/exe") return -ENOENT;
      // The link is absolute: the executable's path resolved from the task's cwd, "/".
      const b = enc.encode(posix.resolve("/", c.t.opts.path)).subarray(0, Number(c.a[3]!));
      return c.t.uaccess.copy_to_user(c.a[2]!, b) ? BigInt(b.length) : -EFAULT;
    },
  },
  79: {
    name: "newfstatat",
    args: ["d", "s", "p", "x"],
    fn: (c) => {
      const path = c.t.uaccess.strncpy_from_user(c.a[1]!);
      if (path === null) return -EFAULT;
      const AT_EMPTY_PATH = 0x1000n;
      if (path === "" && c.a[3]! & AT_EMPTY_PATH) return fstatFd(c, s32(c.a[0]!), c.a[2]!);
      const f = openHost(c.t.opts.mounts ?? [], path, 0);
      if (typeof f === "bigint") return f;
      if (f.kind !== "file") return -ENOENT;
      return put(c, c.a[2]!, statBytes(f.mode, f.data.length, f.mtimeSec));
    },
  },
  80: { name: "fstat", args: ["d", "p"], fn: (c) => fstatFd(c, s32(c.a[0]!), c.a[1]!) },
};
