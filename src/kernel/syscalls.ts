// System calls by their Linux riscv64 numbers (include/uapi/asm-generic/unistd.h). Each entry
// names the call, describes its arguments for --strace (strace's output format), and does the
// work; user pointers go through copy_to_user / copy_from_user (EFAULT, never trusted).

import { posix } from "node:path";
import type { Hart } from "../cpu/index.js";
import {
  EBADF,
  EFAULT,
  EINVAL,
  ENODEV,
  ENOENT,
  ENOSYS,
  ENOTTY,
  ESPIPE,
  errnoName,
  IS_ERR_VALUE,
  strerror,
} from "./errno.js";
import { openHost, S_IFCHR, S_IFIFO } from "./fs.js";
import { COST, type Kernel } from "./kernel.js";
import { PAGE_SIZE } from "./layout.js";
import { MAP_ANONYMOUS } from "./mm.js";
import type { Scheduler, task_struct } from "./process.js";

/** Argument formats for strace: d int, u unsigned, x hex, p pointer, s C string, b:N buffer of
 *  length arg N (printed from user memory), - not shown. */
type Fmt = "d" | "u" | "x" | "p" | "s" | `b${number}` | "-";

interface Ctx {
  k: Kernel;
  s: Scheduler;
  t: task_struct;
  h: Hart;
  a: bigint[];
}

interface Syscall {
  name: string;
  args: Fmt[];
  fn: (c: Ctx) => bigint;
  /** Show the result in hex (addresses). */
  hexResult?: boolean;
  /** Does not return (exit): traced with "= ?" before it takes effect. */
  noreturn?: boolean;
}

const AT_FDCWD = -100n;
const enc = new TextEncoder();
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** The deterministic clock: seconds since boot on the current hart, and a fixed epoch. */
const EPOCH = 1_767_225_600n; // 2026-01-01T00:00:00Z
const NSEC_PER_SEC = 1_000_000_000n;
function nowNs(k: Kernel): bigint {
  return BigInt(Math.floor(k.seconds() * Number(NSEC_PER_SEC)));
}

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

function exit(c: Ctx, code: number, signal = 0): bigint {
  c.s.exitTask(c.t, code, signal);
  return 0n;
}

function put(c: Ctx, va: bigint, bytes: Uint8Array): bigint {
  return c.t.uaccess.copy_to_user(va, bytes) ? 0n : -EFAULT;
}

function u64s(...vals: bigint[]): Uint8Array {
  const b = new Uint8Array(vals.length * 8);
  const v = new DataView(b.buffer);
  for (const [i, x] of vals.entries()) v.setBigUint64(i * 8, BigInt.asUintN(64, x), true);
  return b;
}

const TABLE: Record<number, Syscall> = {
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
  93: { name: "exit", args: ["d"], fn: (c) => exit(c, s32(c.a[0]!) & 0xff), noreturn: true },
  94: { name: "exit_group", args: ["d"], fn: (c) => exit(c, s32(c.a[0]!) & 0xff), noreturn: true },
  96: {
    name: "set_tid_address",
    args: ["p"],
    fn: (c) => {
      c.t.tidAddress = c.a[0]!;
      return BigInt(c.t.pid);
    },
  },
  98: { name: "futex", args: ["p", "d", "d", "p"], fn: () => -ENOSYS },
  99: { name: "set_robust_list", args: ["p", "u"], fn: () => 0n },
  101: {
    name: "nanosleep",
    args: ["p", "p"],
    fn: (c) => {
      const req = c.t.uaccess.copy_from_user(c.a[0]!, 16);
      if (!req) return -EFAULT;
      const v = new DataView(req.buffer);
      const ns = v.getBigInt64(0, true) * NSEC_PER_SEC + v.getBigInt64(8, true);
      if (ns < 0n) return -EINVAL;
      c.k.charge(Number(ns)); // asleep: time passes on this hart
      return 0n;
    },
  },
  113: {
    name: "clock_gettime",
    args: ["d", "p"],
    fn: (c) => {
      const ns = nowNs(c.k) + (s32(c.a[0]!) === 0 ? EPOCH * NSEC_PER_SEC : 0n);
      return put(c, c.a[1]!, u64s(ns / NSEC_PER_SEC, ns % NSEC_PER_SEC));
    },
  },
  124: { name: "sched_yield", args: [], fn: () => 0n },
  131: {
    name: "tgkill",
    args: ["d", "d", "d"],
    fn: (c) => exit(c, 128 + s32(c.a[2]!), s32(c.a[2]!)),
    noreturn: true,
  },
  134: {
    name: "rt_sigaction",
    args: ["d", "p", "p", "u"],
    fn: (c) => {
      const sig = s32(c.a[0]!);
      if (sig < 1 || sig > 64 || sig === 9 || sig === 19) return -EINVAL;
      if (c.a[2] !== 0n && put(c, c.a[2]!, u64s(c.t.sigactions.get(sig) ?? 0n, 0n, 0n, 0n)) !== 0n)
        return -EFAULT;
      if (c.a[1] !== 0n) {
        const h = c.t.uaccess.get_u64(c.a[1]!);
        if (h === null) return -EFAULT;
        c.t.sigactions.set(sig, h);
      }
      return 0n;
    },
  },
  135: {
    name: "rt_sigprocmask",
    args: ["d", "p", "p", "u"],
    fn: (c) => (c.a[2] !== 0n ? put(c, c.a[2]!, new Uint8Array(8)) : 0n),
  },
  160: {
    name: "uname",
    args: ["p"],
    fn: (c) => {
      const b = new Uint8Array(65 * 6);
      for (const [i, s] of ["Linux", "mmlab", "6.19.0-mmlab", "#1 SMP", "riscv64", "(none)"].entries()) {
        b.set(enc.encode(s), i * 65);
      }
      return put(c, c.a[0]!, b);
    },
  },
  169: {
    name: "gettimeofday",
    args: ["p", "p"],
    fn: (c) => {
      const ns = nowNs(c.k) + EPOCH * NSEC_PER_SEC;
      return c.a[0] === 0n ? 0n : put(c, c.a[0]!, u64s(ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / 1000n));
    },
  },
  172: { name: "getpid", args: [], fn: (c) => BigInt(c.t.pid) },
  173: { name: "getppid", args: [], fn: () => 0n },
  174: { name: "getuid", args: [], fn: () => 0n },
  175: { name: "geteuid", args: [], fn: () => 0n },
  176: { name: "getgid", args: [], fn: () => 0n },
  177: { name: "getegid", args: [], fn: () => 0n },
  178: { name: "gettid", args: [], fn: (c) => BigInt(c.t.pid) },
  179: {
    name: "sysinfo",
    args: ["p"],
    fn: (c) => {
      const b = new Uint8Array(112);
      const v = new DataView(b.buffer);
      v.setBigInt64(0, BigInt(Math.floor(c.k.seconds())), true);
      v.setBigUint64(32, BigInt(c.k.pages.nrPages * PAGE_SIZE), true); // totalram
      v.setBigUint64(40, BigInt(c.k.pages.nr_free_pages() * PAGE_SIZE), true); // freeram
      v.setUint16(80, c.s.tasks.filter((x) => x.running).length, true); // procs
      v.setUint32(104, 1, true); // mem_unit
      return put(c, c.a[0]!, b);
    },
  },
  214: { name: "brk", args: ["p"], fn: (c) => c.t.mm.do_brk(c.a[0]!), hexResult: true },
  215: { name: "munmap", args: ["p", "u"], fn: (c) => c.t.mm.do_munmap(c.a[0]!, c.a[1]!) },
  216: {
    name: "mremap",
    args: ["p", "u", "u", "x", "p"],
    fn: (c) => c.t.mm.do_mremap(c.a[0]!, c.a[1]!, c.a[2]!, s32(c.a[3]!), c.a[4]!),
    hexResult: true,
  },
  222: {
    name: "mmap",
    args: ["p", "u", "x", "x", "d", "x"],
    fn: (c) => {
      const flags = s32(c.a[3]!);
      if (flags & MAP_ANONYMOUS) return c.t.mm.do_mmap(c.a[0]!, c.a[1]!, s32(c.a[2]!), flags);
      const f = c.t.files[s32(c.a[4]!)];
      if (!f) return -EBADF;
      if (f.kind !== "file") return -ENODEV;
      return c.t.mm.do_mmap(c.a[0]!, c.a[1]!, s32(c.a[2]!), flags, {
        data: f.data,
        offset: Number(c.a[5]!),
        path: f.path,
      });
    },
    hexResult: true,
  },
  226: {
    name: "mprotect",
    args: ["p", "u", "x"],
    fn: (c) => c.t.mm.do_mprotect(c.a[0]!, c.a[1]!, s32(c.a[2]!)),
  },
  233: {
    name: "madvise",
    args: ["p", "u", "d"],
    fn: (c) => c.t.mm.do_madvise(c.a[0]!, c.a[1]!, s32(c.a[2]!)),
  },
  261: {
    name: "prlimit64",
    args: ["d", "d", "p", "p"],
    fn: (c) => {
      const INF = (1n << 64n) - 1n;
      const lim: Record<number, [bigint, bigint]> = { 3: [8n << 20n, INF], 7: [1024n, 4096n] };
      const [cur, max] = lim[s32(c.a[1]!)] ?? [INF, INF];
      return c.a[3] === 0n ? 0n : put(c, c.a[3]!, u64s(cur, max));
    },
  },
  278: {
    name: "getrandom",
    args: ["p", "u", "x"],
    fn: (c) => {
      const n = Math.min(Number(c.a[1]!), 1 << 20);
      return c.t.uaccess.copy_to_user(c.a[0]!, c.s.random(n)) ? BigInt(n) : -EFAULT;
    },
  },
  293: {
    name: "rseq",
    args: ["p", "u", "x", "x"],
    fn: (c) => {
      if (c.a[0] === 0n) return -EINVAL;
      return put(c, c.a[0]!, new Uint8Array(8)); // cpu_id_start = cpu_id = 0
    },
  },
};

/** Handle the ecall of task `t` on hart `h` (a7 = number, a0..a5 = arguments, a0 = result). */
export function syscall(k: Kernel, s: Scheduler, t: task_struct, h: Hart): void {
  const nr = Number(h.reg(17));
  const a = [10, 11, 12, 13, 14, 15].map((r) => h.reg(r));
  const sc = TABLE[nr];
  k.charge(COST.syscall);
  if (!sc) {
    if (!t.unknownSyscalls.has(nr)) {
      t.unknownSyscalls.add(nr);
      k.printk.info(`${t.comm}[${t.pid}]: unknown system call ${nr}: returning -ENOSYS`);
    }
    t.opts.strace?.(
      `syscall_${nr}(${a.map((x) => `0x${x.toString(16)}`).join(", ")}) = ${formatResult(-ENOSYS, false)}`,
    );
    h.setReg(10, -ENOSYS);
    return;
  }
  const c: Ctx = { k, s, t, h, a };
  const shownArgs = t.opts.strace ? formatArgs(c, sc) : "";
  if (sc.noreturn) t.opts.strace?.(`${sc.name}(${shownArgs}) = ?`);
  const r = sc.fn(c);
  if (t.running) h.setReg(10, r);
  if (t.opts.strace && !sc.noreturn)
    t.opts.strace(`${sc.name}(${shownArgs}) = ${formatResult(r, sc.hexResult === true)}`);
}

function formatResult(r: bigint, hex: boolean): string {
  if (IS_ERR_VALUE(r)) return `-1 ${errnoName(-r)} (${strerror(-r)})`;
  return hex ? `0x${BigInt.asUintN(64, r).toString(16)}` : r.toString();
}

function formatArgs(c: Ctx, sc: Syscall): string {
  return sc.args
    .map((f, i) => {
      const v = c.a[i]!;
      if (f === "d") return s64(v).toString();
      if (f === "u") return v.toString();
      if (f === "x") return `0x${v.toString(16)}`;
      if (f === "p") return v === 0n ? "NULL" : `0x${v.toString(16)}`;
      if (f === "s") {
        const s = c.t.uaccess.strncpy_from_user(v, 256);
        return s === null ? `0x${v.toString(16)}` : quote(enc.encode(s));
      }
      if (f.startsWith("b")) {
        const len = Number(c.a[Number(f.slice(1))]!);
        const b = c.t.uaccess.copy_from_user(v, Math.min(len, 32));
        return b === null ? `0x${v.toString(16)}` : quote(b) + (len > 32 ? "..." : "");
      }
      return "";
    })
    .join(", ");
}

/** strace's string quoting: C escapes, octal for other non-printables. */
function quote(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x0a) s += "\\n";
    else if (c === 0x09) s += "\\t";
    else if (c === 0x0d) s += "\\r";
    else if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += "\\\\";
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\${c.toString(8)}`;
  }
  return `${s}"`;
}

/** The system calls this kernel implements, by number (for documentation and tests). */
export function syscallNames(): Record<number, string> {
  return Object.fromEntries(Object.entries(TABLE).map(([n, s]) => [Number(n), s.name]));
}
