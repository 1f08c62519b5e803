// The mount table (fs/namespace.c): mounts stacked on dentries of other mounts. The root mount
// is tmpfs; host directories (and files) are mounted on it with `--mount`. A walk that reaches
// a mountpoint continues in the mounted file system (follow_mount); ".." at a mount's root
// climbs back to the mountpoint (follow_dotdot, in namei.ts).

import { ihold } from "./inode.js";
import type { dentry, inode, path, vfsmount } from "./types.js";

export class mnt_namespace {
  private nextId = 1;
  readonly root: vfsmount;
  /** Mounts by the inode they cover (several file systems may be stacked on one). */
  private readonly mounted = new Map<inode, vfsmount[]>();
  readonly mounts: vfsmount[] = [];

  constructor(rootDentry: dentry, source: string) {
    this.root = this.make(rootDentry, null, null, false, source);
  }

  private make(
    root: dentry,
    parent: vfsmount | null,
    mountpoint: dentry | null,
    readonly: boolean,
    source: string,
  ): vfsmount {
    const m: vfsmount = {
      mnt_id: this.nextId++,
      mnt_root: root,
      mnt_parent: parent,
      mnt_mountpoint: mountpoint,
      mnt_readonly: readonly,
      mnt_source: source,
    };
    ihold(root.d_inode); // the mount holds its root
    this.mounts.push(m);
    return m;
  }

  /** Mount the file system whose root is `root` on `at` (the mountpoint is held for good). */
  do_mount(at: path, root: dentry, readonly: boolean, source: string): vfsmount {
    const m = this.make(root, at.mnt, at.dentry, readonly, source);
    ihold(at.dentry.d_inode);
    const list = this.mounted.get(at.dentry.d_inode) ?? [];
    list.push(m);
    this.mounted.set(at.dentry.d_inode, list);
    return m;
  }

  /** The mount stacked last on `p`, or null (lookup_mnt). */
  lookup_mnt(p: path): vfsmount | null {
    const list = this.mounted.get(p.dentry.d_inode);
    if (!list) return null;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.mnt_parent === p.mnt) return list[i]!;
    return null;
  }

  /** Is an inode a mountpoint (rename and rmdir of it fail with EBUSY)? */
  is_mountpoint(ino: inode): boolean {
    return this.mounted.has(ino);
  }

  /** Go down the mounts stacked on `p` (follow_mount). */
  follow_mount(p: path): path {
    for (;;) {
      const m = this.lookup_mnt(p);
      if (!m) return p;
      p = { mnt: m, dentry: m.mnt_root };
    }
  }
}
