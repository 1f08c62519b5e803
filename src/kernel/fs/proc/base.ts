// /proc/PID (fs/proc/base.c, array.c): status, maps, smaps, pagemap, statm, cmdline, comm,
// mounts, and the links exe, cwd, root and fd/N. A file of a process that has exited (or has
// no address space) reads as empty, as Linux's do for a zombie.

import { ENOENT } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import { d_path } from "../namei.js";
import type { path } from "../types.js";
import {
  proc_binary,
  proc_dir,
  type proc_entry,
  proc_file,
  proc_link,
  type proc_sb_info,
  type proc_task,
} from "./root.js";
import { pagemap_read, show_maps, show_smaps, task_mem, task_statm } from "./task_mmu.js";

/** The entries of /proc/PID. */
export function proc_pid_entries(sb: proc_sb_info, pid: number): proc_entry[] {
  const k = sb.k;
  const task = (): proc_task | null => sb.task(pid);
  const tmpfsDev = devName(sb.vfs.tmpfs.s_dev);
  const withMm = (render: (t: proc_task) => string) => (): string => {
    const t = task();
    return t?.mm ? render(t) : "";
  };
  const root = (): path => ({ mnt: sb.vfs.ns.root, dentry: sb.vfs.ns.root.mnt_root });
  return [
    {
      name: "status",
      make: (s) => proc_file(s, () => (task() ? proc_pid_status(k, task()!, tmpfsDev) : -ENOENT)),
    },
    {
      name: "maps",
      make: (s) =>
        proc_file(
          s,
          withMm((t) => show_maps(t.mm!)),
        ),
    },
    {
      name: "smaps",
      make: (s) =>
        proc_file(
          s,
          withMm((t) => show_smaps(k, t.mm!)),
        ),
    },
    {
      name: "statm",
      make: (s) =>
        proc_file(
          s,
          withMm((t) => task_statm(k, t.mm!, tmpfsDev)),
        ),
    },
    {
      name: "pagemap",
      make: (s) =>
        proc_binary(s, 0o400, (len, pos) => {
          const mm = task()?.mm;
          return mm ? pagemap_read(k, mm, len, pos) : new Uint8Array(0);
        }),
    },
    {
      name: "cmdline",
      make: (s) => proc_file(s, () => new TextDecoder("latin1").decode(task()?.cmdline ?? new Uint8Array(0))),
    },
    { name: "comm", make: (s) => proc_file(s, () => `${task()?.comm ?? ""}\n`, { perm: 0o644 }) },
    { name: "mounts", make: (s) => proc_file(s, () => show_mounts(sb)) },
    { name: "exe", make: (s) => proc_link(s, () => task()?.exe ?? -ENOENT) },
    {
      name: "cwd",
      make: (s) =>
        proc_link(s, () => {
          const fs = task()?.fs;
          return fs ? { jump: fs.pwd } : -ENOENT;
        }),
    },
    {
      name: "root",
      make: (s) =>
        proc_link(s, () => {
          const fs = task()?.fs;
          return fs ? { jump: fs.root } : -ENOENT;
        }),
    },
    {
      name: "fd",
      make: (s) =>
        proc_dir(s, 0o500, () =>
          (task()?.files?.open_fds() ?? []).map(([fd, f]) => ({
            name: String(fd),
            make: (sb2: proc_sb_info) => proc_fd_link(sb2, f.f_path, root),
          })),
        ),
    },
  ];
}

/** /proc/PID/fd/N: readlink gives the file's name; opening it opens the file itself. */
function proc_fd_link(sb: proc_sb_info, p: path, root: () => path) {
  const l = proc_link(sb, () => ({ jump: p }));
  l.readlink_name = () => d_path(root(), p);
  return l;
}

/** "MM:mm" of a device number (the old encoding: major << 8 | minor). */
export function devName(dev: number): string {
  const h = (n: number): string => n.toString(16).padStart(2, "0");
  return `${h(dev >>> 8)}:${h(dev & 0xff)}`;
}

/** /proc/mounts (show_vfsmnt): device, mountpoint, type, options, 0 0. */
function show_mounts(sb: proc_sb_info): string {
  const root = { mnt: sb.vfs.ns.root, dentry: sb.vfs.ns.root.mnt_root };
  return sb.vfs.ns.mounts
    .map((m) => {
      const at =
        m.mnt_parent && m.mnt_mountpoint
          ? d_path(root, { mnt: m.mnt_parent, dentry: m.mnt_mountpoint })
          : "/";
      const type = m.mnt_root.d_inode.i_sb.s_type;
      return `${m.mnt_source} ${at} ${type} ${m.mnt_readonly ? "ro" : "rw"},relatime 0 0\n`;
    })
    .join("");
}

/** The largest thread count (max_threads, kernel/fork.c: a thread's 16 KiB stack may take at
 *  most 1/8 of RAM) and RLIMIT_SIGPENDING's default, half of it. */
function sigpending_limit(k: Kernel): number {
  const maxThreads = Math.max(20, Math.floor(k.pages.nrPages / (8 * 4)));
  return Math.floor(maxThreads / 2);
}

/** /proc/PID/status (proc_pid_status). */
export function proc_pid_status(k: Kernel, t: proc_task, tmpfsDev: string): string {
  const harts = k.machine.harts.length;
  const fdSize = Math.max(
    64,
    2 ** Math.ceil(Math.log2(Math.max(1, ...(t.files?.open_fds().map(([fd]) => fd + 1) ?? [1])))),
  );
  const sig = (name: string, v: bigint): string => `${name}:\t${v.toString(16).padStart(16, "0")}\n`;
  const masks = t.sigmasks ?? { pending: 0n, shared: 0n, blocked: 0n, ignored: 0n, caught: 0n };
  const CAP_FULL = 0x1ffffffffffn; // CAP_LAST_CAP 40: root has every capability
  return (
    `Name:\t${t.comm}\n` +
    `Umask:\t${(t.fs?.umask ?? 0o022).toString(8).padStart(4, "0")}\n` +
    `State:\t${t.state}\n` +
    `Tgid:\t${t.tgid}\nNgid:\t0\nPid:\t${t.pid}\nPPid:\t${t.ppid}\nTracerPid:\t0\n` +
    "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n" +
    `FDSize:\t${fdSize}\n` +
    "Groups:\t \n" +
    `NStgid:\t${t.tgid}\nNSpid:\t${t.pid}\nNSpgid:\t${t.tgid}\nNSsid:\t${t.tgid}\n` +
    "Kthread:\t0\n" +
    (t.mm ? task_mem(k, t.mm, tmpfsDev) : "") +
    `CoreDumping:\t0\nTHP_enabled:\t${k.sched.thp === "never" ? 0 : 1}\n` +
    `Threads:\t${t.threads}\n` +
    `SigQ:\t0/${sigpending_limit(k)}\n` +
    sig("SigPnd", masks.pending) +
    sig("ShdPnd", masks.shared) +
    sig("SigBlk", masks.blocked) +
    sig("SigIgn", masks.ignored) +
    sig("SigCgt", masks.caught) +
    sig("CapInh", 0n) +
    sig("CapPrm", CAP_FULL) +
    sig("CapEff", CAP_FULL) +
    sig("CapBnd", CAP_FULL) +
    sig("CapAmb", 0n) +
    "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n" +
    "Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunknown\n" +
    `Cpus_allowed:\t${((1n << BigInt(harts)) - 1n).toString(16)}\n` +
    `Cpus_allowed_list:\t${harts > 1 ? `0-${harts - 1}` : "0"}\n` +
    "Mems_allowed:\t1\nMems_allowed_list:\t0\n" +
    `voluntary_ctxt_switches:\t${t.voluntary_ctxt_switches}\n` +
    `nonvoluntary_ctxt_switches:\t${t.nonvoluntary_ctxt_switches}\n`
  );
}
