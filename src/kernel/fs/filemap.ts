// The page cache and file mappings (mm/filemap.c, mm/shmem.c's page handling, mm/truncate.c).
// A regular file's pages sit in its address_space, one page frame from the buddy allocator
// each, holding a reference of their own (page_count 1 when nothing maps them); every PTE
// mapping a page holds one more. mm.ts faults a file VMA's pages in through the vm_file made
// here (vm_operations_struct.fault returns the page-cache page, referenced): a private mapping
// maps it read-only and copies it on a write (copy-on-write), a shared one maps the page
// itself. A page a shared mapping has faulted in counts as dirty; msync, the last unmap and
// the inode's release write dirty pages back (for tmpfs the pages are the file: nothing to
// write), and a page no mapping holds any more is clean after that.
//
// Deviation: there is no reverse map from a file to the PTEs mapping it, so a truncate drops
// the pages from the cache but does not unmap them: a process that still maps a truncated
// page keeps reading the old bytes instead of getting SIGBUS. A fault past the end of the
// file is SIGBUS, as filemap_fault gives it.

import { EACCES, EBADF, EINVAL, ENODEV, ENOMEM, EOPNOTSUPP } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { __va, PAGE_SIZE } from "../layout.js";
import {
  MAP_PRIVATE,
  MAP_SHARED,
  type mm_struct,
  PROT_WRITE,
  VM_SHARED,
  type vm_area_struct,
  type vm_file,
} from "../mm.js";
import { fput, get_file } from "./file_table.js";
import { d_path } from "./namei.js";
import {
  type address_space,
  FMODE_PATH,
  FMODE_READ,
  FMODE_WRITE,
  type file,
  type inode,
  O_APPEND,
  type path,
} from "./types.js";

/** The mapping type bits of mmap's flags, and MAP_SHARED_VALIDATE (include/uapi/linux/mman.h). */
const MAP_TYPE = 0x0f;
const MAP_SHARED_VALIDATE = 0x03;
/** LEGACY_MAP_MASK (include/linux/mman.h): the flags MAP_SHARED_VALIDATE accepts for a file
 *  without MAP_SYNC support: SHARED PRIVATE FIXED ANONYMOUS DENYWRITE EXECUTABLE UNINITIALIZED
 *  GROWSDOWN LOCKED NORESERVE POPULATE NONBLOCK STACK HUGETLB. Anything else (MAP_SYNC,
 *  MAP_FIXED_NOREPLACE, an unknown bit) is EOPNOTSUPP, as measured on Linux 6.18. */
const LEGACY_MAP_MASK =
  0x01 |
  0x02 |
  0x10 |
  0x20 |
  0x800 |
  0x1000 |
  0x400_0000 |
  0x100 |
  0x2000 |
  0x4000 |
  0x8000 |
  0x1_0000 |
  0x2_0000 |
  0x4_0000;

/** The kernel virtual address of page frame `pfn` in the direct map. */
export const page_address = (pfn: number): bigint => __va(pfn * PAGE_SIZE);

/** Walk [pos, pos+len) a page at a time: `fn(index, inPage, done, n)` gets the page index, the
 *  offset in that page, the bytes already walked and this piece's length; it returns the bytes
 *  it took (less than `n` stops the walk). Returns the bytes walked. */
export function for_each_page_piece(
  pos: number,
  len: number,
  fn: (index: number, inPage: number, done: number, n: number) => number,
): number {
  let done = 0;
  while (done < len) {
    const off = pos + done;
    const inPage = off % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - inPage, len - done);
    const took = fn(Math.floor(off / PAGE_SIZE), inPage, done, n);
    done += took;
    if (took < n) break;
  }
  return done;
}

/** A page cache: the pages of one inode by index, which pages are dirty, who maps them. A file
 *  system says how a page is filled (readpage) and written back (writepage). */
export abstract class page_cache implements address_space {
  protected readonly pages = new Map<number, number>();
  protected readonly dirty = new Set<number>();

  constructor(
    protected readonly k: Kernel,
    readonly host: inode,
  ) {}

  /** Fill the new (zeroed) page at `index` from the backing store: 0 or an errno. */
  protected abstract readpage(index: number, pfn: number): bigint;
  /** Write the page at `index` to the backing store: 0 or an errno. */
  protected abstract writepage(index: number, pfn: number): bigint;
  /** May one more page be added (a tmpfs size limit)? 0 or an errno (-ENOSPC). */
  protected reserve(): bigint {
    return 0n;
  }
  /** A page left the cache (undo reserve). */
  protected unreserve(): void {}
  /** Is this the page cache of a shmem (tmpfs) file (its pages count as Shmem)? */
  protected readonly shmem: boolean = false;

  get nrpages(): number {
    return this.pages.size;
  }

  find(index: number): number {
    return this.pages.get(index) ?? -1;
  }

  /** A reference to a cached page for a mapping (get_page). */
  k_get_page(pfn: number): void {
    this.k.pages.get_page(pfn);
  }

  find_or_create(index: number): number | bigint {
    const have = this.pages.get(index);
    if (have !== undefined) return have;
    const r = this.reserve();
    if (r < 0n) return r;
    const k = this.k;
    const pfn = k.pages.alloc_pages(0);
    if (pfn < 0) {
      this.unreserve();
      return -ENOMEM;
    }
    k.kmem.memset(page_address(pfn), 0, PAGE_SIZE, "clear_page");
    const err = this.readpage(index, pfn);
    if (err < 0n) {
      k.pages.__free_pages(pfn, 0);
      this.unreserve();
      return err;
    }
    this.pages.set(index, pfn);
    k.vmstat.inc("nr_file_pages");
    if (this.shmem) k.vmstat.inc("nr_shmem");
    return pfn;
  }

  set_dirty(index: number): void {
    if (this.dirty.has(index) || !this.pages.has(index)) return;
    this.dirty.add(index);
    this.k.vmstat.inc("nr_dirty");
  }

  private clear_dirty(index: number): void {
    if (this.dirty.delete(index)) this.k.vmstat.dec("nr_dirty");
  }

  /** Write the dirty pages of [from, to) back; a page still mapped stays dirty (a store
   *  through its writable PTE would not be seen: there is no page_mkclean here). */
  writeback(from: number, to: number): bigint {
    for (const index of [...this.dirty].sort((a, b) => a - b)) {
      if (index < from || index >= to) continue;
      const pfn = this.pages.get(index)!;
      if (this.k.pages.page_count(pfn) === 1) this.clear_dirty(index);
      const err = this.writepage(index, pfn);
      if (err < 0n) return err;
    }
    return 0n;
  }

  invalidate(from: number, to: number): void {
    for (const [index, pfn] of [...this.pages]) {
      if (index < from || index >= to || this.dirty.has(index)) continue;
      if (this.k.pages.page_count(pfn) === 1) this.remove(index);
    }
  }

  /** Read up to `len` bytes at `pos` from the cached pages (pages not cached read as zeros:
   *  holes), stopping at i_size. */
  read_cached(pos: number, len: number): Uint8Array {
    const end = Math.min(this.host.i_size, pos + len);
    if (end <= pos) return new Uint8Array(0);
    const out = new Uint8Array(end - pos);
    for_each_page_piece(pos, out.length, (index, inPage, done, n) => {
      const pfn = this.pages.get(index);
      if (pfn !== undefined) out.set(this.read_page(pfn, inPage, n), done);
      return n;
    });
    return out;
  }

  /** `n` bytes of cached page `pfn` from `inPage`. */
  read_page(pfn: number, inPage: number, n: number): Uint8Array {
    return this.k.kmem.read(page_address(pfn) + BigInt(inPage), n, "filemap_read");
  }

  /** Store `data` at `pos` in the cached pages, creating them: the bytes stored (short if a
   *  page could not be had), or an errno if none could. Grows i_size. */
  write_cached(pos: number, data: Uint8Array): number | bigint {
    let err: bigint | null = null;
    const done = for_each_page_piece(pos, data.length, (index, inPage, done, n) => {
      const pfn = this.find_or_create(index);
      if (typeof pfn === "bigint") {
        err = pfn;
        return 0;
      }
      this.write_page(pfn, inPage, data.subarray(done, done + n));
      if (pos + done + n > this.host.i_size) this.host.i_size = pos + done + n;
      return n;
    });
    return done === 0 && err !== null ? err : done;
  }

  private write_page(pfn: number, inPage: number, bytes: Uint8Array): void {
    this.k.kmem.write(page_address(pfn) + BigInt(inPage), bytes, "filemap_write");
  }

  /** Update the bytes of cached pages in [pos, pos+data.length) (a write that went straight to
   *  the backing store must be seen through the mappings). */
  update_cached(pos: number, data: Uint8Array): void {
    for_each_page_piece(pos, data.length, (index, inPage, done, n) => {
      const pfn = this.pages.get(index);
      if (pfn !== undefined) this.write_page(pfn, inPage, data.subarray(done, done + n));
      return n;
    });
  }

  /** Shrink to `size` bytes (truncate_inode_pages_range): drop the pages past it, zero the
   *  tail of the last partial page. */
  truncate(size: number): void {
    const first = Math.ceil(size / PAGE_SIZE);
    for (const index of [...this.pages.keys()]) if (index >= first) this.remove(index);
    const tail = size % PAGE_SIZE;
    const last = this.pages.get(Math.floor(size / PAGE_SIZE));
    if (tail && last !== undefined)
      this.k.kmem.memset(page_address(last) + BigInt(tail), 0, PAGE_SIZE - tail, "truncate_partial_page");
  }

  /** Drop every page (the inode is evicted); dirty pages are written back first. */
  release_all(): void {
    this.writeback(0, Number.MAX_SAFE_INTEGER);
    for (const index of [...this.pages.keys()]) this.remove(index);
  }

  private remove(index: number): void {
    const pfn = this.pages.get(index)!;
    this.clear_dirty(index);
    this.pages.delete(index);
    const k = this.k;
    k.vmstat.dec("nr_file_pages");
    if (this.shmem) k.vmstat.dec("nr_shmem");
    this.unreserve();
    k.pages.put_page(pfn);
  }
}

/** mmap of open file `f` (the file half of do_mmap): the checks Linux makes of the file and
 *  the flags, then the mapping (mm.do_mmap) holding a reference to `f`. The address, or an
 *  errno: EINVAL (an offset not page-aligned, no mapping type), EBADF (no file), ENODEV (a
 *  file without mmap: a pipe, a directory, a terminal), EACCES (a file not open for reading,
 *  or a shared writable mapping of a file not open for writing, or open O_APPEND). */
export function do_mmap_file(
  mm: mm_struct,
  f: file | null,
  mapping: { addr: bigint; len: bigint; prot: number; flags: number; off: bigint },
  root: () => path,
): bigint {
  const { addr, len, prot, flags, off } = mapping;
  if (off % BigInt(PAGE_SIZE) !== 0n) return -EINVAL;
  if (!f) return -EBADF;
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -EINVAL;
  if (type === MAP_SHARED_VALIDATE && flags & ~LEGACY_MAP_MASK) return -EOPNOTSUPP;
  if (!f.f_inode.i_mapping || f.f_mode & FMODE_PATH) return f.f_mode & FMODE_PATH ? -EBADF : -ENODEV;
  const shared = type !== MAP_PRIVATE;
  if (!(f.f_mode & FMODE_READ)) return -EACCES;
  if (shared && prot & PROT_WRITE && (!(f.f_mode & FMODE_WRITE) || f.f_flags & O_APPEND)) return -EACCES;
  if (len === 0n) return -EINVAL;
  const vf = file_vm_file(f, shared, root);
  const r = mm.do_mmap(addr, len, prot, flags, vf, Number(off / BigInt(PAGE_SIZE)), { shared });
  if (r < 0n && r >= -4095n) vf.ops.close?.(); // no mapping was made: its reference goes
  return r;
}

/** The open file behind each vm_file made here (msync finds the page cache through it). */
const vm_files = new WeakMap<vm_file, file>();

/** The open file a VMA maps, if it is one of ours. */
export function vm_file_file(vf: vm_file | undefined): file | null {
  return vf ? (vm_files.get(vf) ?? null) : null;
}

/** msync of [start, end) within VMA `v`: a shared file mapping's dirty pages go back to the
 *  file (MS_SYNC, MS_ASYNC); MS_INVALIDATE drops the clean pages nobody maps. */
export function msync_vma(v: vm_area_struct, start: bigint, end: bigint, flags: number): bigint {
  const f = vm_file_file(v.vm_file);
  const m = f?.f_inode.i_mapping;
  if (!m) return 0n;
  const PAGE = BigInt(PAGE_SIZE);
  const first = (v.vm_pgoff ?? 0) + Number(((start > v.vm_start ? start : v.vm_start) - v.vm_start) / PAGE);
  const last =
    (v.vm_pgoff ?? 0) + Number(((end < v.vm_end ? end : v.vm_end) - v.vm_start + PAGE - 1n) / PAGE);
  if (v.vm_flags & VM_SHARED && flags & (MS_SYNC | MS_ASYNC)) {
    const r = m.writeback(first, last);
    if (r < 0n) return r;
  }
  if (flags & MS_INVALIDATE) m.invalidate(first, last);
  return 0n;
}

const MS_ASYNC = 1;
const MS_INVALIDATE = 2;
const MS_SYNC = 4;

/** fsync / fdatasync: the file's dirty pages go back (EBADF for no file, EINVAL for one that
 *  cannot be synced: a pipe, a terminal). */
export function do_fsync(f: file | null): bigint {
  if (!f) return -EBADF;
  const m = f.f_inode.i_mapping;
  if (!m) return f.f_op.seekable ? 0n : -EINVAL;
  return m.writeback(0, Number.MAX_SAFE_INTEGER);
}

/** The vm_file of a mapping of open file `f` (mmap's call_mmap): the VMA holds a reference to
 *  `f`; faults take the page-cache pages. `shared`: MAP_SHARED. */
export function file_vm_file(f: file, shared: boolean, root: () => path): vm_file {
  const m = f.f_inode.i_mapping as page_cache;
  const ino = f.f_inode;
  get_file(f);
  const vf: vm_file = {
    get path(): string {
      return d_path(root(), f.f_path);
    },
    dev: `${(ino.i_sb.s_dev >>> 8).toString(16).padStart(2, "0")}:${(ino.i_sb.s_dev & 0xff).toString(16).padStart(2, "0")}`,
    ino: ino.i_ino,
    ops: {
      fault(pgoff: number): number {
        if (pgoff * PAGE_SIZE >= ino.i_size) return -1;
        const pfn = m.find_or_create(pgoff);
        if (typeof pfn === "bigint") return pfn === -ENOMEM ? -2 : -1; // -EIO, -ENOSPC: SIGBUS
        m.k_get_page(pfn);
        if (shared) m.set_dirty(pgoff); // its PTE may be writable from now on
        return pfn;
      },
      page_mkwrite(pgoff: number): void {
        m.set_dirty(pgoff);
      },
      open(): void {
        get_file(f);
      },
      close(): void {
        if (shared) m.writeback(0, Number.MAX_SAFE_INTEGER); // the unmap writes dirty pages back
        fput(f);
      },
    },
  };
  vm_files.set(vf, f);
  return vf;
}
