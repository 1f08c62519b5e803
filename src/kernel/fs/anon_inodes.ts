// Inodes outside the namespace (fs/anon_inodes.c, fs/pipe.c's pipefs, the terminal's devpts
// node): a pipe's two ends and the standard streams hang on one of these, with a dentry named
// by d_dname ("pipe:[4123]", "/dev/pts/0") for /proc/PID/fd and fstat.

import {
  d_alloc,
  type dentry,
  type file_operations,
  inode,
  type path,
  S_IFDIR,
  type super_block,
  type vfsmount,
} from "./types.js";

/** A pseudo file system's super block (pipefs, anon_inodefs, devpts). */
export function pseudo_sb(s_type: string, s_dev: number, s_magic: number): super_block {
  return { s_type, s_dev, s_magic, s_blocksize: 4096, next_ino: 1 };
}

export class anon_inode extends inode {
  constructor(
    sb: super_block,
    mode: number,
    now: bigint,
    private readonly fops: file_operations,
  ) {
    super(sb, sb.next_ino++, mode, now);
  }

  override open_fops(): file_operations {
    return this.fops;
  }
}

/** The mount of a pseudo file system (pipefs): not in the namespace, a root directory only. */
export function pseudo_mount(sb: super_block, now: bigint): vfsmount {
  const root = d_alloc(null, "/", new anon_inode(sb, S_IFDIR | 0o700, now, { seekable: false }));
  return {
    mnt_id: 0,
    mnt_root: root,
    mnt_parent: null,
    mnt_mountpoint: null,
    mnt_readonly: false,
    mnt_source: sb.s_type,
  };
}

/** A path to `ino` outside the namespace, named by `dname`. */
export function anon_path(mnt: vfsmount, ino: inode, dname: () => string): path {
  const d: dentry = d_alloc(null, "", ino);
  d.d_dname = dname;
  return { mnt, dentry: d };
}
