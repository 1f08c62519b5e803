// procfs (fs/proc/root.c, base.c, generic.c): /proc as the kernel shows it, made on demand.
// A directory lists what exists when it is read (the processes, a process's files, its open
// descriptors); a file's text is rendered when it is opened (seq_file's single_open) and read
// from that snapshot at any offset; /proc/PID/pagemap is read at an offset directly; links
// (/proc/self, /proc/PID/exe, cwd, fd/N) are read with readlink and followed as Linux's "magic
// links" are, to the object itself. The task and mm state comes through proc_source, the one
// place that knows task_struct.

import { EINVAL, EIO, ENOENT } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import type { mm_struct } from "../../mm.js";
import type { files_struct } from "../fdtable.js";
import type { fs_struct } from "../fs_struct.js";
import { d_path } from "../namei.js";
import {
  d_alloc,
  type dentry,
  type dir_entry,
  dtype,
  type file,
  type file_operations,
  inode,
  type path,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  type super_block,
} from "../types.js";
import type { Vfs } from "../vfs.js";
import { proc_pid_entries } from "./base.js";
import { proc_root_files } from "./meminfo.js";
import { proc_sys_entries } from "./sysctl.js";

/** PROC_SUPER_MAGIC (include/uapi/linux/magic.h). */
export const PROC_SUPER_MAGIC = 0x9fa0;

/** What /proc shows of a task (a thread group's leader for /proc/PID). */
export interface proc_task {
  pid: number;
  tgid: number;
  ppid: number;
  comm: string;
  /** "R (running)", "S (sleeping)", "Z (zombie)", ... */
  state: string;
  mm: mm_struct | null;
  files: files_struct | null;
  fs: fs_struct | null;
  threads: number;
  /** The executable's absolute name (/proc/PID/exe). */
  exe: string;
  /** argv, each followed by NUL (/proc/PID/cmdline). */
  cmdline: Uint8Array;
  voluntary_ctxt_switches: number;
  nonvoluntary_ctxt_switches: number;
  /** Signal sets for SigPnd, ShdPnd, SigBlk, SigIgn, SigCgt (bit n-1 = signal n). */
  sigmasks?: { pending: bigint; shared: bigint; blocked: bigint; ignored: bigint; caught: bigint };
}

/** The processes, and the one making the current system call (/proc/self). */
export interface proc_source {
  tasks(): proc_task[];
  current(): proc_task | null;
}

/** One entry of a /proc directory: its name and how to make its inode. */
export interface proc_entry {
  name: string;
  make: (sb: proc_sb_info) => proc_inode;
}

export class proc_sb_info implements super_block {
  readonly s_type = "proc";
  readonly s_magic = PROC_SUPER_MAGIC;
  readonly s_blocksize = 1024;
  next_ino = 1;

  constructor(
    readonly k: Kernel,
    readonly vfs: Vfs,
    readonly procs: proc_source,
    readonly s_dev: number,
    readonly now: () => bigint,
  ) {}

  make_root(): dentry {
    return d_alloc(
      null,
      "/",
      proc_dir(this, 0o555, () => this.rootEntries()),
    );
  }

  private rootEntries(): proc_entry[] {
    const out: proc_entry[] = [
      ...proc_root_files(this.k),
      { name: "self", make: (sb) => proc_link(sb, () => this.self()) },
      { name: "mounts", make: (sb) => proc_link(sb, () => "self/mounts") },
      { name: "sys", make: (sb) => proc_dir(sb, 0o555, () => proc_sys_entries(this.k)) },
    ];
    for (const t of this.procs.tasks()) {
      if (t.pid !== t.tgid) continue;
      out.push({
        name: String(t.pid),
        make: (sb) => proc_dir(sb, 0o555, () => proc_pid_entries(this, t.pid)),
      });
    }
    return out;
  }

  /** /proc/self: the current process's directory (ENOENT for the kernel itself). */
  private self(): string | bigint {
    const t = this.procs.current();
    return t ? String(t.tgid) : -ENOENT;
  }

  /** The task of thread group `pid`, if it still exists. */
  task(pid: number): proc_task | null {
    return this.procs.tasks().find((t) => t.pid === pid) ?? null;
  }
}

/** A /proc inode: a directory of entries, a rendered file, or a link. */
export class proc_inode extends inode {
  constructor(
    readonly sbi: proc_sb_info,
    mode: number,
    readonly fops: file_operations,
    readonly entries: (() => proc_entry[]) | null,
    readonly target: (() => string | { jump: path } | bigint) | null,
  ) {
    super(sbi, sbi.next_ino++, mode, sbi.now());
    if (entries) this.i_nlink = 2;
  }

  override open_fops(): file_operations {
    return this.fops;
  }

  override lookup(self: dentry, name: string): dentry | null | bigint {
    if (!this.entries) return super.lookup(self, name);
    const e = this.entries().find((x) => x.name === name);
    return e ? d_alloc(self, name, e.make(this.sbi)) : null;
  }

  /** What readlink shows of a magic link that jumps (/proc/PID/fd/N: the file's name). */
  readlink_name: (() => string) | null = null;

  override get_link(): string | { jump: path } | bigint {
    return this.target ? this.target() : -EINVAL;
  }

  override readlink(): string | bigint {
    if (this.readlink_name) return this.readlink_name();
    const t = this.get_link();
    if (typeof t === "object") return proc_path_name(this.sbi, t.jump);
    return t;
  }
}

const dir_fops: file_operations = {
  seekable: true,
  iterate(f, pos, emit) {
    const ino = f.f_inode as proc_inode;
    const all: dir_entry[] = [
      { name: ".", ino: ino.i_ino, type: dtype(S_IFDIR) },
      { name: "..", ino: f.f_path.dentry.d_parent.d_inode.i_ino, type: dtype(S_IFDIR) },
    ];
    for (const e of ino.entries!()) {
      const child = e.make(ino.sbi);
      all.push({ name: e.name, ino: child.i_ino, type: dtype(child.i_mode) });
    }
    for (let i = Math.max(pos, 0); i < all.length; i++) if (!emit(all[i]!, i + 1)) break;
    return 0n;
  },
};

/** A directory whose entries `entries` lists when it is read or looked up in. */
export function proc_dir(sb: proc_sb_info, perm: number, entries: () => proc_entry[]): proc_inode {
  return new proc_inode(sb, S_IFDIR | perm, dir_fops, entries, null);
}

/** A symbolic link (or a magic link that jumps to the object). */
export function proc_link(sb: proc_sb_info, target: () => string | { jump: path } | bigint): proc_inode {
  return new proc_inode(sb, S_IFLNK | 0o777, { seekable: false }, null, target);
}

/** A file whose text `show` renders at open (single_open); `write` takes what is written (a
 *  sysctl), returning the bytes taken or an errno. `perm` 0444 unless said. */
export function proc_file(
  sb: proc_sb_info,
  show: () => string | bigint,
  opts: { perm?: number; write?: (text: string) => bigint } = {},
): proc_inode {
  const snapshot = (f: file): Uint8Array => f.private_data as Uint8Array;
  const fops: file_operations = {
    seekable: true,
    open(f) {
      const text = show();
      if (typeof text === "bigint") return text;
      f.private_data = new TextEncoder().encode(text);
      return 0n;
    },
    read: (f, len, pos) => snapshot(f).subarray(pos, pos + len),
    // A file without a write method answers EIO (fs/proc/inode.c pde_write).
    write: (_f: file, data: Uint8Array) => {
      if (!opts.write) return -EIO;
      const r = opts.write(new TextDecoder().decode(data));
      return r < 0n ? r : data.length;
    },
  };
  return new proc_inode(sb, S_IFREG | (opts.perm ?? 0o444), fops, null, null);
}

/** A binary file read at an offset by `read` (pagemap). */
export function proc_binary(
  sb: proc_sb_info,
  perm: number,
  read: (len: number, pos: number) => Uint8Array | bigint,
): proc_inode {
  return new proc_inode(
    sb,
    S_IFREG | perm,
    { seekable: true, read: (_f, len, pos) => read(len, pos) },
    null,
    null,
  );
}

/** The name of a path for a /proc link, from the namespace's root. */
export function proc_path_name(sb: proc_sb_info, p: path): string {
  return d_path({ mnt: sb.vfs.ns.root, dentry: sb.vfs.ns.root.mnt_root }, p);
}
