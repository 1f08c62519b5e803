// A process to make system calls from a test: a booted kernel with one task (a program that
// spins), its address space on hart 0, and `call(nr, ...args)` entering the kernel's syscall
// dispatcher exactly as an ecall does (a7 = number, a0..a5 = arguments, a0 = the result).
// Strings and buffers are placed in a scratch mapping of the task; every call is traced as
// --strace prints it.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assemble } from "../../../src/asm/index.js";
import type { Hart } from "../../../src/cpu/index.js";
import type { HostFs, Kernel, TaskIo, task_struct } from "../../../src/kernel/index.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../../src/kernel/mm.js";
import { syscall } from "../../../src/kernel/syscalls/index.js";
import { BLOCK } from "../../../src/kernel/wait.js";
import { nodeHostFs } from "../../../src/session/hostfs.js";
import { boot, spawnAsm } from "../helpers.js";

/** System call numbers (riscv64, include/uapi/asm-generic/unistd.h). */
export const NR = {
  getcwd: 17,
  dup: 23,
  dup3: 24,
  fcntl: 25,
  ioctl: 29,
  mkdirat: 34,
  unlinkat: 35,
  symlinkat: 36,
  linkat: 37,
  truncate: 45,
  ftruncate: 46,
  faccessat: 48,
  chdir: 49,
  fchdir: 50,
  fchmod: 52,
  fchmodat: 53,
  openat: 56,
  close: 57,
  pipe2: 59,
  getdents64: 61,
  lseek: 62,
  read: 63,
  write: 64,
  readv: 65,
  writev: 66,
  pread64: 67,
  pwrite64: 68,
  preadv: 69,
  pwritev: 70,
  pselect6: 72,
  ppoll: 73,
  readlinkat: 78,
  newfstatat: 79,
  fstat: 80,
  fsync: 82,
  umask: 166,
  munmap: 215,
  mmap: 222,
  mprotect: 226,
  msync: 227,
  renameat2: 276,
  statx: 291,
  close_range: 436,
  faccessat2: 439,
} as const;

// The uapi numbers the tests pass, restated from Linux's headers (include/uapi/asm-generic/fcntl.h,
// include/uapi/linux/fcntl.h, include/uapi/linux/fs.h) rather than imported from the kernel, so a
// wrong value in the kernel's own definitions fails a test.
/** open(2) flags. */
export const O = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  CREAT: 0o100,
  EXCL: 0o200,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  LARGEFILE: 0o100000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
  TMPFILE: 0o20200000,
};
/** The *at() calls' directory and flags. */
export const AT = {
  FDCWD: -100,
  SYMLINK_NOFOLLOW: 0x100,
  REMOVEDIR: 0x200,
  SYMLINK_FOLLOW: 0x400,
  EMPTY_PATH: 0x1000,
};
/** fcntl(2) commands. */
export const F = { DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, DUPFD_CLOEXEC: 1030, GETPIPE_SZ: 1032 };
/** renameat2(2) flags. */
export const RENAME = { NOREPLACE: 1, EXCHANGE: 2 };

/** mmap(2) protections and flags, msync(2) flags. */
export const PROT = { READ: 1, WRITE: 2 };
export const MAP = { SHARED: 1, PRIVATE: 2 };
export const MS = { ASYNC: 1, INVALIDATE: 2, SYNC: 4 };
/** poll(2) events (include/uapi/asm-generic/poll.h). */
export const POLL = { IN: 1, OUT: 4, ERR: 8, HUP: 0x10, NVAL: 0x20 };
/** Terminal and FIONREAD ioctls (include/uapi/asm-generic/ioctls.h). */
export const IOCTL = { TCGETS: 0x5401, TIOCGWINSZ: 0x5413, FIONREAD: 0x541b };

/** Guest assembly: openat(AT_FDCWD, name, `flags`, 0644), the descriptor kept in s0. */
export const asmOpen = (flags: string): string => `
        li a0, -100
        la a1, name
        li a2, ${flags}
        li a3, 0644
        li a7, 56          # openat
        ecall
        mv s0, a0`;

/** -errno values by name, as bigints. */
export const E = {
  EPERM: -1n,
  ENOENT: -2n,
  EINTR: -4n,
  EIO: -5n,
  ENXIO: -6n,
  EBADF: -9n,
  EAGAIN: -11n,
  ENOMEM: -12n,
  EACCES: -13n,
  EFAULT: -14n,
  EBUSY: -16n,
  EEXIST: -17n,
  EXDEV: -18n,
  ENODEV: -19n,
  ENOTDIR: -20n,
  EISDIR: -21n,
  EFBIG: -27n,
  EINVAL: -22n,
  EMFILE: -24n,
  ENOTTY: -25n,
  ENOSPC: -28n,
  ESPIPE: -29n,
  EROFS: -30n,
  EMLINK: -31n,
  EPIPE: -32n,
  ERANGE: -34n,
  ENAMETOOLONG: -36n,
  ENOTEMPTY: -39n,
  ELOOP: -40n,
  EOPNOTSUPP: -95n,
} as const;

const SPIN = "_start:\n  j _start\n";

export type Arg = bigint | number | string;

/** A task to make system calls from. */
export class Proc {
  readonly trace: string[] = [];
  private next: bigint;
  private readonly end: bigint;

  constructor(
    readonly k: Kernel,
    readonly t: task_struct,
    /** What the task wrote to the terminal: "1:text" or "2:text" per write. */
    readonly out: string[],
    scratch: number,
  ) {
    const SCRATCH = BigInt(scratch);
    const r = this.call(NR.mmap, 0, SCRATCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r < 0n) throw new Error(`harness: scratch mmap failed: ${r}`);
    this.next = r;
    this.end = r + SCRATCH;
    // Fault the whole scratch area in now, so that page counts taken by a test do not move
    // when the harness places a string or a buffer.
    this.write(r, new Uint8Array(Number(SCRATCH)));
    this.trace.length = 0;
  }

  get h(): Hart {
    return this.k.hart();
  }

  /** A zeroed scratch buffer of `n` bytes (8-aligned; its pages are already present). */
  buf(n: number): bigint {
    const va = this.next;
    this.next += BigInt((n + 7) & ~7) || 8n;
    if (this.next > this.end) throw new Error("harness: scratch space exhausted");
    this.write(va, new Uint8Array(n));
    return va;
  }

  /** `s` as a NUL-terminated string in scratch memory. */
  str(s: string): bigint {
    const b = new TextEncoder().encode(`${s}\0`);
    const va = this.buf(b.length);
    this.write(va, b);
    return va;
  }

  /** `bytes` in scratch memory. */
  bytes(bytes: Uint8Array | string): bigint {
    const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    const va = this.buf(b.length);
    this.write(va, b);
    return va;
  }

  write(va: bigint, b: Uint8Array): void {
    if (!this.t.uaccess.copy_to_user(va, b)) throw new Error(`harness: cannot write 0x${va.toString(16)}`);
  }

  read(va: bigint, n: number): Uint8Array {
    const b = this.t.uaccess.copy_from_user(va, n);
    if (!b) throw new Error(`harness: cannot read 0x${va.toString(16)}`);
    return b;
  }

  text(va: bigint, n: number): string {
    return new TextDecoder().decode(this.read(va, n));
  }

  u64(va: bigint, off = 0): bigint {
    return new DataView(this.read(va + BigInt(off), 8).buffer).getBigUint64(0, true);
  }

  i32(va: bigint, off = 0): number {
    return new DataView(this.read(va + BigInt(off), 4).buffer).getInt32(0, true);
  }

  /** System call `nr` with `args` (strings are copied in); the result as a signed value, or
   *  BLOCK when the task went to sleep in it (a0 is then left as it was). */
  call(nr: number, ...args: Arg[]): bigint {
    const h = this.h;
    const k = this.k;
    k.sched.switch_mm(h, this.t);
    const regs = args.map((a) => (typeof a === "string" ? this.str(a) : BigInt(a)));
    while (regs.length < 6) regs.push(0n);
    h.setReg(17, BigInt(nr));
    for (const [i, v] of regs.entries()) h.setReg(10 + i, BigInt.asUintN(64, v));
    const idle = k.current;
    k.current = { comm: this.t.comm, pid: this.t.pid };
    this.t.syscall_blocked = false; // a call made again runs as the woken task's re-execution
    try {
      syscall(k, k.sched, this.t, h);
    } finally {
      k.current = idle;
    }
    return this.t.syscall_blocked ? BLOCK : BigInt.asIntN(64, h.reg(10));
  }

  /** openat(AT.FDCWD, name, flags, mode): the descriptor (a number), or throws. */
  open(name: string, flags = O.RDONLY, mode = 0o644): number {
    const fd = this.call(NR.openat, AT.FDCWD, name, flags, mode);
    if (fd < 0n) throw new Error(`open ${name}: ${fd}`);
    return Number(fd);
  }

  /** write(fd, s): the count, or throws. */
  puts(fd: number, s: string | Uint8Array): number {
    const b = typeof s === "string" ? new TextEncoder().encode(s) : s;
    const r = this.call(NR.write, fd, this.bytes(b), b.length);
    if (r < 0n) throw new Error(`write ${fd}: ${r}`);
    return Number(r);
  }

  /** read(fd, n) as text. */
  gets(fd: number, n: number): string {
    const va = this.buf(n);
    const r = this.call(NR.read, fd, va, n);
    if (r < 0n) throw new Error(`read ${fd}: ${r}`);
    return this.text(va, Number(r));
  }

  /** pipe2(): [read end, write end]. */
  pipe(flags = 0): [number, number] {
    const fds = this.buf(8);
    const r = this.call(NR.pipe2, fds, flags);
    if (r !== 0n) throw new Error(`pipe2: ${r}`);
    return [this.i32(fds, 0), this.i32(fds, 4)];
  }

  /** The whole of file `name` as text (open, read until 0, close). */
  cat(name: string): string {
    const fd = this.open(name);
    let s = "";
    for (;;) {
      const part = this.gets(fd, 4096);
      if (part === "") break;
      s += part;
    }
    this.call(NR.close, fd);
    return s;
  }
}

export interface ProcOptions {
  mem?: number;
  harts?: number;
  /** Host directories to mount before the task starts. */
  mounts?: { host: string; guest: string; rw?: boolean; fs?: HostFs }[];
  isatty?: boolean;
  stdin?: string;
}

/** A kernel with one spinning task, ready for calls. */
export function proc(opts: ProcOptions = {}): Proc {
  const k = boot("transparent_hugepage=never", { mem: opts.mem ?? 64 << 20, harts: opts.harts ?? 1 });
  for (const m of opts.mounts ?? [])
    k.vfs.mount_host(m.fs ?? nodeHostFs(), { host: m.host, guest: m.guest, rw: m.rw ?? false });
  let input = new TextEncoder().encode(opts.stdin ?? "");
  const out: string[] = [];
  const io: TaskIo = {
    stdin: (max) => {
      const b = input.subarray(0, max);
      input = input.subarray(b.length);
      return b;
    },
    write: (fd, data) => {
      out.push(`${fd}:${new TextDecoder().decode(data)}`);
    },
    isatty: () => opts.isatty ?? false,
  };
  const elf = assemble(SPIN, { base: 0x10000n }).toElf();
  let p: Proc | null = null;
  const t = k.sched.spawn({
    elf,
    path: "/bin/spin",
    argv: ["spin"],
    envp: [],
    io,
    strace: (l) => p?.trace.push(l),
  });
  const mem = opts.mem ?? 64 << 20;
  p = new Proc(k, t, out, Math.min(4 << 20, mem / 8));
  return p;
}

/** A fresh host directory, removed by the returned function. */
export function hostDir(prefix = "mmlab-fs-"): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Assemble `src` (text at 0x10000), run it as /bin/NAME on `k` to its end (or 1M
 *  instructions), and return the task. */
export function runAsm(k: Kernel, name: string, src: string): task_struct {
  const { t } = spawnAsm(k, src, `/bin/${name}`);
  k.sched.run(1_000_000);
  return t;
}
