// tmpfs (mm/shmem.c, fs/libfs.c): the in-kernel file system mounted at /. Its directories are
// their dentries (a name -> dentry map, each entry with a stable offset for readdir, as
// libfs's simple_offset does), its regular files keep their data in page-cache pages from the
// buddy allocator (counted as Shmem and Cached in /proc/meminfo, returned when the last link
// and the last reference are gone), and it is bounded as Linux's tmpfs is: at most half of RAM
// in pages (size=50%) and as many inodes as half the RAM's pages (nr_inodes), then ENOSPC.

import { EEXIST, EINVAL, EISDIR, ELOOP, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, EPERM } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { PAGE_SIZE } from "../layout.js";
import { encode_raw } from "../lib/rawstr.js";
import { page_cache } from "./filemap.js";
import { iput_final } from "./inode.js";
import {
  type address_space,
  d_alloc,
  type dentry,
  type dir_entry,
  dtype,
  type file_operations,
  type iattr,
  inode,
  RENAME_EXCHANGE,
  RENAME_NOREPLACE,
  RENAME_WHITEOUT,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_ISDIR,
  setattr_copy,
  type super_block,
} from "./types.js";

/** TMPFS_MAGIC (include/uapi/linux/magic.h). */
export const TMPFS_MAGIC = 0x01021994;
/** What tmpfs counts as a directory entry's size in a directory's st_size (BOGO_DIRENT_SIZE). */
const BOGO_DIRENT_SIZE = 20;

/** Opens a device node: the file operations of character device `rdev`, or an errno. */
export type chrdev_open = (rdev: number, flags: number) => file_operations | bigint;

/** A tmpfs instance with its limits. */
export class shmem_sb_info implements super_block {
  readonly s_type = "tmpfs";
  readonly s_magic = TMPFS_MAGIC;
  readonly s_blocksize = PAGE_SIZE;
  next_ino = 1;
  /** Pages in use by files, and the limit (size=). */
  used_blocks = 0;
  readonly max_blocks: number;
  /** Inodes in use, and the limit (nr_inodes=). */
  used_inodes = 0;
  readonly max_inodes: number;

  constructor(
    readonly k: Kernel,
    readonly s_dev: number,
    readonly now: () => bigint,
    readonly regular_fops: (f: shmem_file) => file_operations,
    readonly dir_fops: file_operations,
    readonly chrdev: chrdev_open,
  ) {
    this.max_blocks = Math.floor(k.pages.nrPages / 2);
    this.max_inodes = Math.floor(k.pages.nrPages / 2);
  }

  /** The root directory (its own parent), mode 1777 as /tmp and / of a tmpfs root. */
  make_root(mode = 0o755): dentry {
    const root = new shmem_dir(this, mode);
    this.used_inodes++;
    const d: shmem_dentry = Object.assign(d_alloc(null, "/", root), { d_offset: 0 });
    root.dentry = d;
    return d;
  }

  /** Count a new inode against nr_inodes: 0 or -ENOSPC. */
  reserve_inode(): bigint {
    if (this.used_inodes >= this.max_inodes) return -ENOSPC;
    this.used_inodes++;
    return 0n;
  }
}

/** A tmpfs dentry: a directory's entry, with its readdir offset. */
export interface shmem_dentry extends dentry {
  d_offset: number;
}

abstract class shmem_inode extends inode {
  constructor(
    readonly sbi: shmem_sb_info,
    mode: number,
  ) {
    super(sbi, sbi.next_ino++, mode, sbi.now());
  }

  /** A change of the inode's metadata or contents: ctime (and mtime) now. */
  touch(mtime: boolean): void {
    const t = this.sbi.now();
    this.i_ctime = t;
    if (mtime) this.i_mtime = t;
  }

  /** tmpfs keeps every attribute in the inode (shmem_setattr without a size change). */
  override setattr(ia: iattr): bigint {
    setattr_copy(this, ia, this.sbi.now());
    return 0n;
  }

  override evict(): void {
    this.sbi.used_inodes--;
  }
}

export class shmem_dir extends shmem_inode {
  readonly entries = new Map<string, shmem_dentry>();
  private next_offset = 2;
  /** The directory's own dentry (a directory has exactly one name). */
  dentry!: dentry;

  constructor(sbi: shmem_sb_info, perm: number) {
    super(sbi, S_IFDIR | (perm & 0o7777));
    this.i_nlink = 2;
  }

  override open_fops(): file_operations {
    return this.sbi.dir_fops;
  }

  override lookup(_self: dentry, name: string): dentry | null {
    return this.entries.get(name) ?? null;
  }

  /** Add `ino` as `name` (d_instantiate): a fresh dentry at the end of the readdir order. */
  private add(name: string, ino: inode): shmem_dentry {
    const d: shmem_dentry = {
      d_name: name,
      d_parent: this.dentry,
      d_inode: ino,
      d_unhashed: false,
      d_offset: 0,
    };
    if (ino instanceof shmem_dir) ino.dentry = d;
    this.insert(d);
    return d;
  }

  private insert(d: shmem_dentry): void {
    d.d_offset = this.next_offset++;
    this.entries.set(d.d_name, d);
    this.i_size += BOGO_DIRENT_SIZE;
    this.touch(true);
  }

  private detach(name: string): shmem_dentry {
    const d = this.entries.get(name)!;
    this.entries.delete(name);
    this.i_size -= BOGO_DIRENT_SIZE;
    this.touch(true);
    return d;
  }

  private newInode<T extends inode>(make: () => T): T | bigint {
    const r = this.sbi.reserve_inode();
    return r < 0n ? r : make();
  }

  override create(_self: dentry, name: string, mode: number): dentry | bigint {
    if (this.i_nlink === 0) return -ENOENT; // IS_DEADDIR
    if (this.entries.has(name)) return -EEXIST;
    const ino = this.newInode(() => new shmem_file(this.sbi, mode));
    return typeof ino === "bigint" ? ino : this.add(name, ino);
  }

  /** mknod of a character device node (the /dev entries). */
  mknod(name: string, mode: number, rdev: number): dentry | bigint {
    if (this.i_nlink === 0) return -ENOENT; // IS_DEADDIR
    if (this.entries.has(name)) return -EEXIST;
    const ino = this.newInode(() => new shmem_special(this.sbi, mode, rdev));
    return typeof ino === "bigint" ? ino : this.add(name, ino);
  }

  override mkdir(_self: dentry, name: string, mode: number): dentry | bigint {
    if (this.i_nlink === 0) return -ENOENT; // IS_DEADDIR
    if (this.entries.has(name)) return -EEXIST;
    const ino = this.newInode(() => new shmem_dir(this.sbi, mode));
    if (typeof ino === "bigint") return ino;
    this.i_nlink++;
    return this.add(name, ino);
  }

  override symlink(_self: dentry, name: string, target: string): dentry | bigint {
    if (this.i_nlink === 0) return -ENOENT; // IS_DEADDIR
    if (this.entries.has(name)) return -EEXIST;
    const ino = this.newInode(() => new shmem_symlink(this.sbi, target));
    return typeof ino === "bigint" ? ino : this.add(name, ino);
  }

  override link(name: string, target: inode): bigint {
    if (this.i_nlink === 0) return -ENOENT; // IS_DEADDIR
    if (this.entries.has(name)) return -EEXIST;
    if (S_ISDIR(target.i_mode)) return -EPERM;
    target.i_nlink++;
    (target as shmem_inode).touch(false);
    this.add(name, target);
    return 0n;
  }

  override unlink(name: string): bigint {
    const d = this.entries.get(name);
    if (!d) return -ENOENT;
    if (S_ISDIR(d.d_inode.i_mode)) return -EISDIR;
    this.remove(name);
    return 0n;
  }

  override rmdir(name: string): bigint {
    const d = this.entries.get(name);
    if (!d) return -ENOENT;
    if (!S_ISDIR(d.d_inode.i_mode)) return -ENOTDIR;
    if ((d.d_inode as shmem_dir).entries.size) return -ENOTEMPTY;
    this.remove(name);
    this.i_nlink--;
    return 0n;
  }

  /** Remove `name` and its link (a directory loses both of its own). */
  private remove(name: string): void {
    const d = this.detach(name);
    d.d_unhashed = true;
    const ino = d.d_inode as shmem_inode;
    ino.i_nlink = S_ISDIR(ino.i_mode) ? 0 : ino.i_nlink - 1;
    ino.touch(false);
    iput_final(ino);
  }

  override rename(oldName: string, newDir: inode, newName: string, flags: number): bigint {
    if (flags & RENAME_WHITEOUT) return -EINVAL; // no whiteouts here (no overlayfs)
    const dst = newDir as shmem_dir;
    const src = this.entries.get(oldName);
    if (!src || dst.i_nlink === 0) return -ENOENT;
    const victim = dst.entries.get(newName);
    if (flags & RENAME_EXCHANGE) {
      if (!victim) return -ENOENT;
      return this.exchange(src, dst, victim);
    }
    if (victim === src) return 0n; // the same link: nothing happens
    if (victim) {
      if (flags & RENAME_NOREPLACE) return -EEXIST;
      const srcDir = S_ISDIR(src.d_inode.i_mode);
      const vDir = S_ISDIR(victim.d_inode.i_mode);
      if (srcDir && !vDir) return -ENOTDIR;
      if (!srcDir && vDir) return -EISDIR;
      if (vDir && (victim.d_inode as shmem_dir).entries.size) return -ENOTEMPTY;
      if (vDir) dst.rmdir(newName);
      else dst.unlink(newName);
    }
    this.move(src, dst, newName);
    return 0n;
  }

  /** Move dentry `d` of this directory to `dst` as `name` (d_move). */
  private move(d: shmem_dentry, dst: shmem_dir, name: string): void {
    this.detach(d.d_name);
    if (S_ISDIR(d.d_inode.i_mode) && dst !== this) {
      this.i_nlink--;
      dst.i_nlink++;
    }
    d.d_name = name;
    d.d_parent = dst.dentry;
    dst.insert(d);
    (d.d_inode as shmem_inode).touch(false);
  }

  private exchange(a: shmem_dentry, dst: shmem_dir, b: shmem_dentry): bigint {
    const aParent = a.d_parent;
    const bParent = b.d_parent;
    const aName = a.d_name;
    this.entries.set(aName, b);
    dst.entries.set(b.d_name, a);
    a.d_name = b.d_name;
    a.d_parent = bParent;
    b.d_name = aName;
    b.d_parent = aParent;
    if (dst !== this && S_ISDIR(a.d_inode.i_mode) !== S_ISDIR(b.d_inode.i_mode)) {
      const delta = S_ISDIR(a.d_inode.i_mode) ? 1 : -1;
      dst.i_nlink += delta;
      this.i_nlink -= delta;
    }
    this.touch(true);
    dst.touch(true);
    return 0n;
  }

  /** Entries from cookie `pos`: "." (0), ".." (1), then each name by its offset (libfs's
   *  offset_readdir: a name added during the listing comes after, none is seen twice). */
  readdir(pos: number, emit: (e: dir_entry, next: number) => boolean): void {
    if (pos <= 0 && !emit({ name: ".", ino: this.i_ino, type: dtype(S_IFDIR) }, 1)) return;
    if (pos <= 1 && !emit({ name: "..", ino: this.dentry.d_parent.d_inode.i_ino, type: dtype(S_IFDIR) }, 2))
      return;
    for (const d of this.entries.values()) {
      if (d.d_offset < pos) continue;
      const i = d.d_inode;
      if (!emit({ name: d.d_name, ino: i.i_ino, type: dtype(i.i_mode & S_IFMT) }, d.d_offset + 1)) return;
    }
  }
}

export class shmem_file extends shmem_inode {
  readonly mapping: shmem_mapping;

  constructor(sbi: shmem_sb_info, perm: number) {
    super(sbi, S_IFREG | (perm & 0o7777));
    this.mapping = new shmem_mapping(sbi, this);
  }

  override get i_mapping(): address_space {
    return this.mapping;
  }

  override blocks(): number {
    return this.mapping.nrpages * (PAGE_SIZE / 512);
  }

  override open_fops(): file_operations {
    return this.sbi.regular_fops(this);
  }

  override setsize(size: number): bigint {
    if (size < this.i_size) this.mapping.truncate(size);
    this.i_size = size;
    this.touch(true);
    return 0n;
  }

  override evict(): void {
    this.mapping.release_all();
    super.evict();
  }
}

/** The pages of a tmpfs file: they are its storage (a hole reads as zeros; nothing to write
 *  back), counted against the instance's size limit. */
export class shmem_mapping extends page_cache {
  protected override readonly shmem = true;

  constructor(
    private readonly sbi: shmem_sb_info,
    host: inode,
  ) {
    super(sbi.k, host);
  }

  protected readpage(): bigint {
    return 0n; // a new tmpfs page is a hole: zeros
  }

  protected writepage(): bigint {
    return 0n;
  }

  protected override reserve(): bigint {
    if (this.sbi.used_blocks >= this.sbi.max_blocks) return -ENOSPC;
    this.sbi.used_blocks++;
    return 0n;
  }

  protected override unreserve(): void {
    this.sbi.used_blocks--;
  }
}

export class shmem_symlink extends shmem_inode {
  constructor(
    sbi: shmem_sb_info,
    readonly target: string,
  ) {
    super(sbi, S_IFLNK | 0o777);
    this.i_size = encode_raw(target).length;
  }

  override get_link(): string {
    return this.target;
  }

  override open_fops(): bigint {
    return -ELOOP;
  }
}

/** A device node: opening it opens the character device it names. */
export class shmem_special extends shmem_inode {
  constructor(sbi: shmem_sb_info, mode: number, rdev: number) {
    super(sbi, mode);
    this.i_rdev = rdev;
  }

  override open_fops(flags: number): file_operations | bigint {
    return this.sbi.chrdev(this.i_rdev, flags);
  }
}
