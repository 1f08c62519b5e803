// Host directories and files mounted into the guest (`--mount HOST:GUEST[:rw]`), after UML's
// fs/hostfs: every operation becomes a call of the HostFs interface (host.ts), which the CLI
// implements with node:fs. Inodes are cached by host (dev, ino) while something holds them
// (so two opens of one file share one page cache, and a mountpoint inside a mount stays the
// same object); dentries are made per walk. Regular files are read and written at an offset
// in bounded chunks, never whole; a page is cached only when a mapping faults it in, and a
// read or write goes through a cached page when there is one, so mappings and read/write
// agree. FIFOs and devices stream (no offset). A read-only mount refuses every change with
// EROFS at the VFS (namei.ts's callers); here the calls map one to one.

import { EINVAL, ENOENT, ERRNO, EXDEV } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { PAGE_SIZE } from "../layout.js";
import { for_each_page_piece, page_address, page_cache } from "./filemap.js";
import type { HostFs, HostResult, HostStat } from "./host.js";
import { isHostErr } from "./host.js";
import {
  type address_space,
  d_alloc,
  type dentry,
  type file_operations,
  inode,
  RENAME_EXCHANGE,
  RENAME_NOREPLACE,
  RENAME_WHITEOUT,
  S_IFMT,
  S_ISDIR,
  S_ISREG,
  type super_block,
} from "./types.js";

/** HOSTFS_SUPER_MAGIC (include/uapi/linux/magic.h). */
export const HOSTFS_SUPER_MAGIC = 0x00c0ffee;

/** -errno of a failed host call. */
export function hostErrno<T>(r: HostResult<T>): bigint | null {
  return isHostErr(r) ? -ERRNO[r.errno] : null;
}

/** The file operations hostfs inodes open with (fs/read_write.ts provides them). */
export interface hostfs_fops {
  regular: file_operations;
  stream: file_operations;
  dir: file_operations;
}

export class hostfs_sb_info implements super_block {
  readonly s_type = "hostfs";
  readonly s_magic = HOSTFS_SUPER_MAGIC;
  readonly s_blocksize = PAGE_SIZE;
  next_ino = 1;
  private readonly icache = new Map<string, hostfs_inode>();

  constructor(
    readonly k: Kernel,
    readonly host: HostFs,
    readonly s_dev: number,
    readonly writable: boolean,
    readonly now: () => bigint,
    readonly fops: hostfs_fops,
  ) {}

  /** The inode of host file `path` whose lstat is `st` (iget5_locked by dev and ino). */
  iget(path: string, st: HostStat): hostfs_inode {
    const key = `${st.dev}:${st.ino}`;
    let ino = this.icache.get(key);
    if (!ino) {
      ino = new hostfs_inode(this, path, st);
      this.icache.set(key, ino);
    } else {
      ino.hostPath = path;
      ino.refresh(st);
    }
    return ino;
  }

  /** Forget an inode nothing holds (its pages were written back and dropped). */
  forget(ino: hostfs_inode): void {
    const key = ino.key;
    if (this.icache.get(key) === ino) this.icache.delete(key);
  }

  /** The root dentry of a mount of host path `path`, or an errno. */
  root(path: string): dentry | bigint {
    const st = this.host.stat(path);
    if (isHostErr(st)) return -ERRNO[st.errno];
    return d_alloc(null, "/", this.iget(path, st));
  }
}

export class hostfs_inode extends inode {
  readonly mapping: hostfs_mapping | null;
  readonly key: string;
  /** The host file's handle for page-cache and regular-file I/O, opened when first needed. */
  private io: { fd: number; writable: boolean } | null = null;

  constructor(
    readonly sbi: hostfs_sb_info,
    public hostPath: string,
    st: HostStat,
  ) {
    super(sbi, st.ino, st.mode, st.mtimeNs);
    this.key = `${st.dev}:${st.ino}`;
    this.refresh(st);
    this.mapping = S_ISREG(st.mode) ? new hostfs_mapping(sbi.k, this) : null;
  }

  /** Take the host's metadata (unless our own dirty pages make the size ours to say). */
  refresh(st: HostStat): void {
    this.i_mode = (this.i_mode & S_IFMT) | (st.mode & ~S_IFMT);
    this.i_nlink = st.nlink;
    this.i_rdev = st.rdev;
    this.i_atime = st.atimeNs;
    this.i_mtime = st.mtimeNs;
    this.i_ctime = st.ctimeNs;
    if (!this.mapping?.hasDirty()) this.i_size = st.size;
  }

  override get i_mapping(): address_space | null {
    return this.mapping;
  }

  override blocks(): number {
    return Math.ceil(this.i_size / 512);
  }

  private child(name: string): string {
    return this.hostPath === "/" ? `/${name}` : `${this.hostPath}/${name}`;
  }

  private dentryOf(self: dentry, name: string): dentry | null | bigint {
    const path = this.child(name);
    const st = this.sbi.host.lstat(path);
    if (isHostErr(st)) return st.errno === "ENOENT" ? null : -ERRNO[st.errno];
    return d_alloc(self, name, this.sbi.iget(path, st));
  }

  override lookup(self: dentry, name: string): dentry | null | bigint {
    return this.dentryOf(self, name);
  }

  private made(self: dentry, name: string, r: HostResult<unknown>): dentry | bigint {
    const e = hostErrno(r);
    if (e !== null) return e;
    this.i_mtime = this.sbi.now();
    const d = this.dentryOf(self, name);
    return d ?? -ENOENT;
  }

  override create(self: dentry, name: string, mode: number): dentry | bigint {
    const flags = { read: false, write: true, create: true, excl: true, trunc: false, mode: mode & 0o7777 };
    const fd = this.sbi.host.open(this.child(name), flags);
    if (!isHostErr(fd)) this.sbi.host.close(fd);
    return this.made(self, name, fd);
  }

  override mkdir(self: dentry, name: string, mode: number): dentry | bigint {
    return this.made(self, name, this.sbi.host.mkdir(this.child(name), mode & 0o7777));
  }

  override unlink(name: string): bigint {
    return hostErrno(this.sbi.host.unlink(this.child(name))) ?? 0n;
  }

  override rmdir(name: string): bigint {
    return hostErrno(this.sbi.host.rmdir(this.child(name))) ?? 0n;
  }

  override rename(oldName: string, newDir: inode, newName: string, flags: number): bigint {
    if (!(newDir instanceof hostfs_inode) || newDir.sbi !== this.sbi) return -EXDEV;
    if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL; // the host call has no such flag
    const to = newDir.child(newName);
    if (flags & RENAME_NOREPLACE && !isHostErr(this.sbi.host.lstat(to))) return -ERRNO.EEXIST;
    return hostErrno(this.sbi.host.rename(this.child(oldName), to)) ?? 0n;
  }

  override get_link(): string | bigint {
    const r = this.sbi.host.readlink(this.hostPath);
    return isHostErr(r) ? -ERRNO[r.errno] : r;
  }

  override setsize(size: number): bigint {
    const io = this.handle(true);
    if (typeof io === "bigint") return io;
    const e = hostErrno(this.sbi.host.ftruncate(io, size));
    if (e !== null) return e;
    if (size < this.i_size) this.mapping?.truncate(size);
    this.i_size = size;
    this.i_mtime = this.sbi.now();
    return 0n;
  }

  override open_fops(): file_operations {
    if (S_ISDIR(this.i_mode)) return this.sbi.fops.dir;
    if (S_ISREG(this.i_mode)) return this.sbi.fops.regular;
    return this.sbi.fops.stream; // FIFOs and devices: no offset
  }

  /** The inode's host handle for regular-file I/O (`write`: it must allow writes). A writable
   *  mount opens read-write, or read-only for a host file we may not write. */
  handle(write: boolean): number | bigint {
    if (this.io && (this.io.writable || !write)) return this.io.fd;
    if (write && !this.sbi.writable) return -ERRNO.EROFS;
    const flags = { read: true, write: this.sbi.writable, create: false, excl: false, trunc: false, mode: 0 };
    let fd = this.sbi.host.open(this.hostPath, flags);
    if (isHostErr(fd) && flags.write && !write) {
      flags.write = false;
      fd = this.sbi.host.open(this.hostPath, flags);
    }
    if (isHostErr(fd)) return -ERRNO[fd.errno];
    if (this.io) this.sbi.host.close(this.io.fd);
    this.io = { fd, writable: flags.write };
    return fd;
  }

  /** Nothing holds the inode: write its pages back, drop them, close the host handle. */
  override drop(): void {
    this.mapping?.release_all();
    if (this.io) this.sbi.host.close(this.io.fd);
    this.io = null;
    this.sbi.forget(this);
  }

  /** Read up to `len` bytes at `pos` (cached pages first, the host for the rest). */
  read_at(pos: number, len: number): Uint8Array | bigint {
    const end = Math.min(pos + len, this.i_size);
    if (end <= pos) return new Uint8Array(0);
    const out = new Uint8Array(end - pos);
    let err: bigint | null = null;
    const done = for_each_page_piece(pos, out.length, (index, inPage, done, n) => {
      const pfn = this.mapping?.find(index) ?? -1;
      if (pfn >= 0) {
        out.set(this.mapping!.read_page(pfn, inPage, n), done);
        return n;
      }
      const fd = this.handle(false);
      const got =
        typeof fd === "bigint" ? fd : this.sbi.host.read(fd, out.subarray(done, done + n), pos + done);
      if (typeof got === "number") return got; // short: the host file is shorter than we knew
      err = typeof got === "bigint" ? got : -ERRNO[got.errno];
      return 0;
    });
    return done === 0 && err !== null ? err : out.subarray(0, done);
  }

  /** Write `data` at `pos` to the host file, and into any cached page it covers. */
  write_at(pos: number, data: Uint8Array): number | bigint {
    const fd = this.handle(true);
    if (typeof fd === "bigint") return fd;
    const n = this.sbi.host.write(fd, data, pos);
    if (isHostErr(n)) return -ERRNO[n.errno];
    this.mapping?.update_cached(pos, data.subarray(0, n));
    if (pos + n > this.i_size) this.i_size = pos + n;
    this.i_mtime = this.sbi.now();
    return n;
  }
}

/** The page cache of a host file: pages read in at a fault, written back by msync, the last
 *  unmap of a shared mapping, or when nothing holds the inode any more. */
export class hostfs_mapping extends page_cache {
  constructor(
    k: Kernel,
    private readonly ino: hostfs_inode,
  ) {
    super(k, ino);
  }

  hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  protected readpage(index: number, pfn: number): bigint {
    const fd = this.ino.handle(false);
    if (typeof fd === "bigint") return fd;
    const buf = new Uint8Array(PAGE_SIZE);
    const n = this.ino.sbi.host.read(fd, buf, index * PAGE_SIZE);
    if (isHostErr(n)) return -ERRNO[n.errno];
    if (n > 0) this.k.kmem.write(page_address(pfn), buf.subarray(0, n), "hostfs_readpage");
    return 0n;
  }

  protected writepage(index: number, pfn: number): bigint {
    const len = Math.min(PAGE_SIZE, this.ino.i_size - index * PAGE_SIZE);
    if (len <= 0) return 0n;
    const fd = this.ino.handle(true);
    if (typeof fd === "bigint") return fd;
    const data = this.k.kmem.read(page_address(pfn), len, "hostfs_writepage");
    return hostErrno(this.ino.sbi.host.write(fd, data, index * PAGE_SIZE)) ?? 0n;
  }
}
