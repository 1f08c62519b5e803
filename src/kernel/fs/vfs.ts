// The kernel's file-system state: the mount table with tmpfs at / (/tmp, /dev with its device
// nodes, /proc), host mounts (`--mount`), the pseudo mount pipes and the standard streams hang
// on, and the terminal. One Vfs per kernel (k.vfs), made at boot.

import { EINVAL, EISDIR, errnoName } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { TaskIo } from "../process.js";
import { ktime_get_real_ns } from "../syscalls/time.js";
import { anon_inode, anon_path, pseudo_mount, pseudo_sb } from "./anon_inodes.js";
import {
  chrdev_open,
  DEV_CONSOLE,
  DEV_FULL,
  DEV_NULL,
  DEV_RANDOM,
  DEV_TTY,
  DEV_URANDOM,
  DEV_ZERO,
  tty_fops,
} from "./char_dev.js";
import { alloc_file, fput } from "./file_table.js";
import { fs_struct } from "./fs_struct.js";
import type { HostFs, Mount } from "./host.js";
import { hostfs_sb_info } from "./hostfs.js";
import {
  hostfs_dir_operations,
  hostfs_file_operations,
  hostfs_stream_operations,
  shmem_dir_operations,
  shmem_file_operations,
} from "./libfs.js";
import { LOOKUP_FOLLOW, path_lookupat } from "./namei.js";
import { mnt_namespace } from "./namespace.js";
import { do_filp_open } from "./open.js";
import { pipe_inode_info, pipefifo_fops } from "./pipe.js";
import { proc_sb_info, type proc_source } from "./proc/root.js";
import { shmem_dir, shmem_file, shmem_sb_info } from "./shmem.js";
import {
  d_alloc,
  type dentry,
  FMODE_READ,
  FMODE_WRITE,
  type file,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  type path,
  S_IFCHR,
  S_IFIFO,
  S_IFREG,
  S_ISDIR,
  type vfsmount,
} from "./types.js";

/** PIPEFS_MAGIC and the anonymous device numbers of the pseudo file systems (0:N). */
const PIPEFS_MAGIC = 0x50495045;
const DEVPTS_SUPER_MAGIC = 0x1cd1;

/** A --mount that cannot be made: the message names the mount. */
export class MountError extends Error {}

export class Vfs {
  readonly ns: mnt_namespace;
  readonly tmpfs: shmem_sb_info;
  readonly proc: proc_sb_info;
  /** The mount pipes and the standard streams hang on (not in the namespace). */
  readonly pipe_mnt: vfsmount;
  private readonly pipefs = pseudo_sb("pipefs", 0x0c, PIPEFS_MAGIC);
  private readonly devpts = pseudo_sb("devpts", 0x0d, DEVPTS_SUPER_MAGIC);
  /** The terminal /dev/tty opens (the first program's standard streams). */
  console: TaskIo | null = null;
  private nextDev = 0x20;

  constructor(
    readonly k: Kernel,
    procs: proc_source,
  ) {
    const now = (): bigint => ktime_get_real_ns(k);
    this.tmpfs = new shmem_sb_info(
      k,
      0x01,
      now,
      () => shmem_file_operations(now),
      shmem_dir_operations,
      (rdev) =>
        chrdev_open(
          rdev,
          (n) => k.sched.random(n),
          () => this.console,
        ),
    );
    const root = this.tmpfs.make_root(0o755);
    this.ns = new mnt_namespace(root, "rootfs");
    this.pipe_mnt = pseudo_mount(this.pipefs, now());
    this.populate(root);
    this.proc = new proc_sb_info(k, this, procs, 0x05, now);
    this.ns.do_mount(this.lookup("/proc"), this.proc.make_root(), false, "proc");
  }

  /** Realtime in nanoseconds (file times). */
  now(): bigint {
    return ktime_get_real_ns(this.k);
  }

  /** / of a fresh boot: /tmp (1777), /dev with its nodes and links, /proc. */
  private populate(root: dentry): void {
    const mk = (d: dentry, name: string, mode: number): dentry => {
      const r = d.d_inode.mkdir(d, name, mode);
      if (typeof r === "bigint") throw new Error(`vfs: cannot make /${name}`);
      return r;
    };
    mk(root, "tmp", 0o1777);
    mk(root, "proc", 0o555);
    const dev = mk(root, "dev", 0o755);
    const devDir = dev.d_inode as shmem_dir;
    const nodes: [string, number, number][] = [
      ["null", DEV_NULL, 0o666],
      ["zero", DEV_ZERO, 0o666],
      ["full", DEV_FULL, 0o666],
      ["random", DEV_RANDOM, 0o666],
      ["urandom", DEV_URANDOM, 0o666],
      ["tty", DEV_TTY, 0o666],
      ["console", DEV_CONSOLE, 0o600],
    ];
    for (const [name, rdev, perm] of nodes) devDir.mknod(name, S_IFCHR | perm, rdev);
    for (const [name, target] of [
      ["fd", "/proc/self/fd"],
      ["stdin", "/proc/self/fd/0"],
      ["stdout", "/proc/self/fd/1"],
      ["stderr", "/proc/self/fd/2"],
    ] as const)
      devDir.symlink(dev, name, target);
  }

  /** The path of an absolute name, from the namespace's root (following links). */
  lookup(name: string): path {
    const root = { mnt: this.ns.root, dentry: this.ns.root.mnt_root };
    const p = path_lookupat({ ns: this.ns, root }, root, name, LOOKUP_FOLLOW);
    if (typeof p === "bigint") throw new Error(`vfs: ${name}: errno ${-p}`);
    return p;
  }

  /** Up to `max` bytes of file `name` (absolute), read as the kernel reads a file for itself
   *  (kernel_read_file): for the console's `cat`. A stream (/dev/zero) stops at `max`; an
   *  errno for a name that cannot be opened or read. */
  read_file(name: string, max = 1 << 20): Uint8Array | bigint {
    const fs = this.init_fs();
    try {
      const f = do_filp_open(fs, null, name, O_RDONLY, 0);
      if (typeof f === "bigint") return f;
      try {
        if (S_ISDIR(f.f_inode.i_mode)) return -EISDIR;
        const read = f.f_op.read;
        if (!read) return -EINVAL;
        const parts: Uint8Array[] = [];
        let done = 0;
        while (done < max) {
          const chunk = read(f, Math.min(1 << 16, max - done), done);
          if (typeof chunk === "bigint") return done ? concat(parts, done) : chunk;
          if (chunk.length === 0) break;
          parts.push(chunk.slice());
          done += chunk.length;
        }
        return concat(parts, done);
      } finally {
        fput(f);
      }
    } finally {
      fs.put_fs();
    }
  }

  /** The fs_struct of the first process: root and working directory at /. */
  init_fs(): fs_struct {
    const root = { mnt: this.ns.root, dentry: this.ns.root.mnt_root };
    return new fs_struct(this.ns, root, root);
  }

  /** The three standard streams of a program on the terminal `io` (the first one becomes the
   *  console /dev/tty opens). Each is a character device when the host stream is a terminal,
   *  a FIFO otherwise (as a shell's pipe or redirection gives it). */
  stdio(io: TaskIo): file[] {
    this.console ??= io;
    const make = (n: 0 | 1 | 2): file => {
      const mode = (io.isatty(n) ? S_IFCHR : S_IFIFO) | 0o620;
      const ino = new anon_inode(this.devpts, mode, this.now(), tty_fops(io, n, n === 0 ? 1 : n));
      const name = io.isatty(n) ? () => "/dev/pts/0" : () => `pipe:[${ino.i_ino}]`;
      const p = anon_path(this.pipe_mnt, ino, name);
      return alloc_file(
        p,
        n === 0 ? O_RDONLY : O_WRONLY,
        n === 0 ? FMODE_READ : FMODE_WRITE,
        ino.open_fops(),
      );
    };
    return [make(0), make(1), make(2)];
  }

  /** shmem_zero_setup(): the file behind a MAP_SHARED | MAP_ANONYMOUS mapping, an unlinked
   *  tmpfs file of `len` bytes named as Linux names it in /proc/PID/maps ("/dev/zero
   *  (deleted)"); its pages count against the tmpfs instance's size (Linux uses an internal
   *  one). The file, or an errno (ENOSPC when the instance has no inode left). */
  shmem_zero_setup(len: number): file | bigint {
    const r = this.tmpfs.reserve_inode();
    if (r < 0n) return r;
    const ino = new shmem_file(this.tmpfs, 0o600);
    ino.i_nlink = 0;
    ino.setsize(len);
    const dev = this.lookup("/dev");
    const d = d_alloc(dev.dentry, "zero", ino);
    d.d_unhashed = true;
    return alloc_file({ mnt: dev.mnt, dentry: d }, O_RDWR, FMODE_READ | FMODE_WRITE, ino.open_fops());
  }

  /** pipe2(): the read end and the write end of a new pipe. */
  create_pipe(flags: number): [file, file] {
    const info = new pipe_inode_info(this.k);
    const ino = new anon_inode(this.pipefs, S_IFIFO | 0o600, this.now(), pipefifo_fops);
    const p = anon_path(this.pipe_mnt, ino, () => `pipe:[${ino.i_ino}]`);
    const rd = alloc_file(p, O_RDONLY | (flags & O_NONBLOCK), FMODE_READ, pipefifo_fops);
    const wr = alloc_file(p, O_WRONLY | (flags & O_NONBLOCK), FMODE_WRITE, pipefifo_fops);
    rd.private_data = info;
    wr.private_data = info;
    info.readers = 1;
    info.writers = 1;
    return [rd, wr];
  }

  /** Mount host path `m.host` at `m.guest` (read-only unless `m.rw`); the mountpoint is made
   *  in tmpfs when missing (a directory, or an empty file for a mounted file). */
  mount_host(host: HostFs, m: Mount): void {
    const sb = new hostfs_sb_info(this.k, host, this.nextDev++, m.rw, () => this.now(), {
      regular: hostfs_file_operations,
      stream: hostfs_stream_operations(host),
      dir: hostfs_dir_operations(host),
    });
    const root = sb.root(m.host);
    if (typeof root === "bigint") throw new MountError(`--mount ${m.host}:${m.guest}: ${errname(root)}`);
    const at = this.mountpoint(m.guest, S_ISDIR(root.d_inode.i_mode));
    this.ns.do_mount(at, root, !m.rw, m.host);
  }

  /** The dentry `guest` names, made in tmpfs (with its parents) if it does not exist. */
  private mountpoint(guest: string, dir: boolean): path {
    const parts = guest.split("/").filter((c) => c !== "");
    let cur: path = { mnt: this.ns.root, dentry: this.ns.root.mnt_root };
    cur = this.ns.follow_mount(cur);
    for (const [i, c] of parts.entries()) {
      const last = i === parts.length - 1;
      let d = cur.dentry.d_inode.lookup(cur.dentry, c);
      if (d === null) {
        if (!(cur.dentry.d_inode instanceof shmem_dir))
          throw new MountError(`--mount: ${guest}: mount point does not exist (it is inside another mount)`);
        d =
          last && !dir
            ? cur.dentry.d_inode.create(cur.dentry, c, S_IFREG | 0o644)
            : cur.dentry.d_inode.mkdir(cur.dentry, c, 0o755);
      }
      if (typeof d === "bigint") throw new MountError(`--mount: ${guest}: ${errname(d)}`);
      cur = this.ns.follow_mount({ mnt: cur.mnt, dentry: d });
      if (!last && !S_ISDIR(cur.dentry.d_inode.i_mode))
        throw new MountError(`--mount: ${guest}: not a directory`);
    }
    if (S_ISDIR(cur.dentry.d_inode.i_mode) !== dir)
      throw new MountError(
        `--mount: ${guest}: ${dir ? "not a directory" : "is a directory"} (the host side is ${dir ? "a directory" : "a file"})`,
      );
    return cur;
  }
}

const errname = (e: bigint): string => errnoName(-e);

/** The first `n` bytes of `parts` joined. */
function concat(parts: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
