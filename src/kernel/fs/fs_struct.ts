// A process's place in the namespace (struct fs_struct, fs/fs_struct.c): the mount table it
// sees, its root, its working directory and its umask. The calls the processes side makes:
//   fork/clone: CLONE_FS ? fs.get_fs() : fs.copy_fs()
//   exit:       fs.put_fs()

import { BUG_ON } from "../bug.js";
import { ihold, iput } from "./inode.js";
import { d_path, type nameidata } from "./namei.js";
import type { mnt_namespace } from "./namespace.js";
import type { path } from "./types.js";

export class fs_struct {
  /** Tasks sharing this fs_struct (CLONE_FS). */
  users = 1;
  umask = 0o022;

  constructor(
    readonly ns: mnt_namespace,
    private _root: path,
    private _pwd: path,
  ) {
    ihold(_root.dentry.d_inode);
    ihold(_pwd.dentry.d_inode);
  }

  get root(): path {
    return this._root;
  }

  get pwd(): path {
    return this._pwd;
  }

  /** The working directory's name (getcwd). */
  get cwd(): string {
    return d_path(this._root, this._pwd);
  }

  /** What a path walk from this process needs. */
  get nd(): nameidata {
    return { ns: this.ns, root: this._root };
  }

  /** chdir/fchdir: the new working directory (the caller checked it is a searchable dir). */
  set_pwd(p: path): void {
    ihold(p.dentry.d_inode);
    const old = this._pwd;
    this._pwd = p;
    iput(old.dentry.d_inode);
  }

  /** fork without CLONE_FS (copy_fs_struct). */
  copy_fs(): fs_struct {
    const n = new fs_struct(this.ns, this._root, this._pwd);
    n.umask = this.umask;
    return n;
  }

  /** clone with CLONE_FS: one more task uses it. */
  get_fs(): fs_struct {
    this.users++;
    return this;
  }

  /** A task stops using it (exit_fs): the last user drops root and cwd. */
  put_fs(): void {
    BUG_ON(this.users <= 0, "fs/fs_struct.c:free_fs_struct", "put of a freed fs_struct");
    if (--this.users > 0) return;
    iput(this._root.dentry.d_inode);
    iput(this._pwd.dentry.d_inode);
  }
}
