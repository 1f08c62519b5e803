// User address spaces, after mm/mmap.c, mm/memory.c, mm/mremap.c, mm/mprotect.c, mm/madvise.c
// and mm/huge_memory.c: an mm_struct per process with its own Sv48 page table (the kernel half
// shared) and ASID, sorted vm_area_structs, demand-zero faults (2 MiB leaves for transparent huge
// pages where allowed), mmap/munmap/mremap/mprotect/madvise/brk, and flush_tlb_range: every
// unmap flushes that ASID's entries on every hart.

import {
  makePte,
  PTE_A,
  PTE_D,
  PTE_FLAGS,
  PTE_R,
  PTE_RWX,
  PTE_U,
  PTE_V,
  PTE_W,
  PTE_X,
  pteLo,
  ptePpn,
  readPte,
  tableWords,
  writePte,
} from "../mmu/index.js";
import type { mm_context_t } from "./asid.js";
import { EACCES, EEXIST, EFAULT, EINVAL, ENOMEM, EOPNOTSUPP } from "./errno.js";
import { COST, type Kernel } from "./kernel.js";
import { __va, PAGE_SIZE, PMD_SIZE } from "./layout.js";
import { PG_anon } from "./page_alloc.js";
import { KernelPageTable } from "./pgtable.js";
import type { FlushReason } from "./tlbflush.js";

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const MAP_NORESERVE = 0x4000;
export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;
/** PROT_SEM is accepted and means nothing here; PROT_GROWSDOWN/UP extend the change to the
 *  start (end) of a stack VMA (include/uapi/asm-generic/mman-common.h). */
const PROT_SEM = 0x8;
const PROT_GROWSDOWN = 0x0100_0000;
const PROT_GROWSUP = 0x0200_0000;
export const MADV_DONTNEED = 4;
const MADV_REMOVE = 9;
export const MADV_HUGEPAGE = 14;
export const MADV_NOHUGEPAGE = 15;

// vm_flags
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_GROWSDOWN = 0x100;
/** A private writable mapping charged to the commit (Committed_AS, vm.overcommit_memory). */
export const VM_ACCOUNT = 0x100000;
export const VM_HUGEPAGE = 0x2000_0000;
export const VM_NOHUGEPAGE = 0x4000_0000;

/** User virtual addresses end here (riscv64 with Sv48: 128 TiB). */
export const TASK_SIZE = 1n << 47n;
/** mmap and the stack stay below 2^38, as riscv64 Linux's default mmap window does. */
export const STACK_TOP = 1n << 38n;
export const STACK_SIZE = 8n << 20n; // RLIMIT_STACK
const STACK_GAP = 128n << 20n;
const PAGE = BigInt(PAGE_SIZE);
const PMD = BigInt(PMD_SIZE);

export type ThpMode = "always" | "madvise" | "never";

/** A file's side of a mapping (struct vm_operations_struct, reduced): the files half supplies
 *  it for mmap of a file. */
export interface vm_operations_struct {
  /** filemap_fault(): the pfn of the file's page at page offset `pgoff`, with one reference
   *  taken for the mapping; -1 if the offset lies past the end of the file (SIGBUS); -2 if out
   *  of memory. */
  fault(pgoff: number): number;
  /** page_mkwrite(): a MAP_SHARED page is about to be written (the file becomes dirty). */
  page_mkwrite?(pgoff: number): void;
  /** vm_ops->open / ->close: a mapping of the file was created (by a split or fork) / removed
   *  (file references). */
  open?(): void;
  close?(): void;
}

/** The file a VMA maps (vma->vm_file). */
export interface vm_file {
  path: string;
  ops: vm_operations_struct;
  /** Device and inode numbers for /proc/PID/maps. */
  dev?: string;
  ino?: number;
}

export interface vm_area_struct {
  vm_start: bigint;
  vm_end: bigint;
  vm_flags: number;
  /** The file offset of vm_start, in pages (for a file mapping). */
  vm_pgoff?: number;
  vm_file?: vm_file;
  name?: string;
}

/** Why a fault could not be resolved: SIGSEGV with si_code MAPERR (no VMA) or ACCERR
 *  (permission), SIGBUS (past the end of a mapped file), or no memory (the OOM killer). */
export type FaultResult = "ok" | "maperr" | "accerr" | "oom" | "sigbus";

const ALIGN_UP = (v: bigint, a: bigint): bigint => (v + a - 1n) & ~(a - 1n);
const ALIGN_DOWN = (v: bigint, a: bigint): bigint => v & ~(a - 1n);

export class mm_struct {
  readonly pgd: KernelPageTable;
  readonly vmas: vm_area_struct[] = [];
  start_brk = 0n;
  brk = 0n;
  mmap_base = STACK_TOP - STACK_SIZE - STACK_GAP;
  /** Resident 4 KiB pages and pages in 2 MiB leaves (for smaps / rss). */
  rss = 0;
  /** The largest rss seen by a user fault (hiwater_rss: getrusage's ru_maxrss, VmHWM). */
  hiwater_rss = 0;
  anonHuge = 0;
  /** Tasks using this address space (threads share it): the last mmput tears it down. */
  mm_users = 1;
  /** Harts this address space has been switched to (mm_cpumask), one bit per hart. */
  mm_cpumask = 0;
  /** mm->context: the ASID allocator's version | ASID (asid.ts), 0 until first switched to. */
  readonly context: mm_context_t = { id: 0 };

  /** `id`: a serial number for the life of the kernel (futex keys; ASIDs get recycled). */
  constructor(
    private readonly k: Kernel,
    readonly id: number,
  ) {
    this.pgd = new KernelPageTable(k.machine.mem, k.pages, (pfn) => k.zeroPagePhys(pfn), k.pgd.root);
  }

  /** The ASID this address space runs with now (what satp and fences carry). */
  get asid(): number {
    return this.k.sched.asids.asidOf(this);
  }

  // ---- VMAs ----

  /** The VMA holding `addr`, or undefined (a loop, not a closure: every fault asks). */
  find_vma(addr: bigint): vm_area_struct | undefined {
    const vmas = this.vmas;
    for (let i = 0; i < vmas.length; i++) {
      const v = vmas[i]!;
      if (addr >= v.vm_start && addr < v.vm_end) return v;
    }
    return undefined;
  }

  private insert_vma(v: vm_area_struct): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i]!.vm_start < v.vm_start) i++;
    this.vmas.splice(i, 0, v);
  }

  /** Split VMAs so that `addr` is a boundary. */
  private split_at(addr: bigint): void {
    const v = this.find_vma(addr);
    if (!v || v.vm_start === addr) return;
    const tail: vm_area_struct = { ...v, vm_start: addr };
    if (v.vm_file) tail.vm_pgoff = (v.vm_pgoff ?? 0) + Number((addr - v.vm_start) / PAGE);
    v.vm_end = addr;
    this.insert_vma(tail);
    tail.vm_file?.ops.open?.();
  }

  /** A free range of `len` bytes below mmap_base (top-down), or -1n. */
  get_unmapped_area(len: bigint, hint: bigint): bigint {
    if (hint !== 0n && this.rangeFree(hint, hint + len) && hint + len <= TASK_SIZE) return hint;
    let end = this.mmap_base;
    const sorted = [...this.vmas].sort((a, b) => (a.vm_start > b.vm_start ? -1 : 1));
    for (const v of sorted) {
      if (v.vm_start >= end) continue; // wholly above the candidate
      if (v.vm_end <= end - len) break; // the gap [v.vm_end, end) fits
      end = v.vm_start;
    }
    const start = ALIGN_DOWN(end - len, PAGE);
    return start >= this.low_limit() ? start : -1n;
  }

  /** The lowest address the search hands out: vm.mmap_min_addr, and never the first 16 pages. */
  private low_limit(): bigint {
    const min = ALIGN_UP(BigInt(this.k.sysctl.vm.mmap_min_addr), PAGE);
    return min > PAGE * 16n ? min : PAGE * 16n;
  }

  /** Pages charged to the commit by every process's VM_ACCOUNT mappings (vm_committed_as). */
  static committed_pages(k: Kernel): number {
    let n = 0;
    const seen = new Set<mm_struct>(); // threads share one mm: count it once
    for (const t of k.sched?.tasks ?? []) {
      if (!t.running || seen.has(t.mm)) continue;
      seen.add(t.mm);
      for (const v of t.mm.vmas) if (v.vm_flags & VM_ACCOUNT) n += Number((v.vm_end - v.vm_start) / PAGE);
    }
    return n;
  }

  /** __vm_enough_memory (mm/util.c): may `pages` more be committed under vm.overcommit_memory?
   *  0 (guess): one request may not exceed RAM; 1 (always): yes; 2 (never): the commit stays
   *  within half of RAM (overcommit_ratio 50, no swap here). */
  private vm_enough_memory(pages: number): boolean {
    const total = this.k.pages.nrPages;
    switch (this.k.sysctl.vm.overcommit_memory) {
      case 1:
        return true;
      case 2:
        return mm_struct.committed_pages(this.k) + pages <= Math.floor(total / 2);
      default:
        return pages <= total;
    }
  }

  private rangeFree(s: bigint, e: bigint): boolean {
    return this.vmas.every((v) => v.vm_end <= s || v.vm_start >= e);
  }

  // ---- mmap family ----

  /** mmap(): returns the address or a negative errno. */
  do_mmap(
    addr: bigint,
    len: bigint,
    prot: number,
    flags: number,
    file?: vm_file,
    pgoff = 0,
    fileFlags = { shared: false },
  ): bigint {
    if (len <= 0n) return -EINVAL;
    len = ALIGN_UP(len, PAGE);
    if (addr % PAGE !== 0n && flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) return -EINVAL;
    // mm/mmap.c do_mmap: too many mappings (vm.max_map_count).
    if (this.vmas.length > this.k.sysctl.vm.max_map_count) return -ENOMEM;
    // A hint below vm.mmap_min_addr is raised to it (round_hint_to_min); MAP_FIXED is not
    // checked: the guest is root (CAP_SYS_RAWIO passes security_mmap_addr).
    if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && addr !== 0n && addr < this.low_limit())
      addr = this.low_limit();
    // accountable_mapping(): private and writable, charged unless MAP_NORESERVE (which mode 2
    // ignores).
    const account =
      !(fileFlags.shared || flags & MAP_SHARED) &&
      (prot & PROT_WRITE) !== 0 &&
      (!(flags & MAP_NORESERVE) || this.k.sysctl.vm.overcommit_memory === 2);
    if (account && !this.vm_enough_memory(Number(len / PAGE))) return -ENOMEM;
    let start: bigint;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (addr + len > TASK_SIZE || addr < PAGE) return -ENOMEM;
      if (flags & MAP_FIXED_NOREPLACE && !this.rangeFree(addr, addr + len)) return -EEXIST;
      this.do_munmap(addr, len);
      start = addr;
    } else {
      start = this.get_unmapped_area(len, ALIGN_DOWN(addr, PAGE));
      if (start < 0n) return -ENOMEM;
    }
    const v: vm_area_struct = {
      vm_start: start,
      vm_end: start + len,
      vm_flags: protToFlags(prot) | (account ? VM_ACCOUNT : 0),
    };
    if (file) {
      v.vm_file = file;
      v.vm_pgoff = pgoff;
      if (fileFlags.shared) v.vm_flags |= VM_SHARED;
    }
    this.insert_vma(v);
    return start;
  }

  /** munmap(): unmap [start, start+len), freeing pages, flushing the TLBs. 0 or -errno. */
  do_munmap(start: bigint, len: bigint): bigint {
    if (start % PAGE !== 0n || len <= 0n) return -EINVAL;
    if (start > TASK_SIZE || len > TASK_SIZE - start) return -EINVAL; // mm/mmap.c do_vmi_munmap
    const end = start + ALIGN_UP(len, PAGE);
    this.split_at(start);
    this.split_at(end);
    this.zap_range(start, end, "munmap");
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i]!;
      if (v.vm_start < start || v.vm_end > end) continue;
      this.vmas.splice(i, 1);
      v.vm_file?.ops.close?.();
    }
    return 0n;
  }

  /** Unmap and free the pages of [start, end) (splitting 2 MiB leaves it cuts), then flush for
   *  `reason` (null: the caller flushes the whole mm, as exit does once). */
  zap_range(start: bigint, end: bigint, reason: FlushReason | null): void {
    let va = start;
    let any = false;
    while (va < end) {
      const leaf = this.pgd.lookup(va);
      if (!leaf) {
        va = this.pgd.holeEnd(va); // past the whole empty table range, not page by page
        continue;
      }
      if (leaf.level === 1) {
        const base = ALIGN_DOWN(va, PMD);
        if (base >= start && base + PMD <= end) {
          writePte(this.k.machine.mem, leaf.pteAddr, 0, 0);
          this.k.charge(COST.pte);
          this.k.pages.__free_pages(ptePpn(leaf.lo, leaf.hi), 9);
          this.anonHuge -= 512;
          this.rss -= 512;
          any = true;
          va = base + PMD;
          continue;
        }
        this.split_huge_pmd(base);
        continue; // now 4 KiB PTEs: handled by the next iteration
      }
      if (leaf.level !== 0) throw new Error(`zap_range: a level-${leaf.level} leaf in user space`);
      // A leaf table: its entries up to `end` or the table's end, read once (zap_pte_range).
      const stop = ALIGN_DOWN(va, PMD) + PMD < end ? ALIGN_DOWN(va, PMD) + PMD : end;
      if (this.zap_pte_range(leaf.pteAddr, Number((stop - va) / PAGE))) any = true;
      va = stop;
    }
    if (any && reason) this.flush_tlb_range(start, end, reason);
  }

  /** zap_pte_range(): clear `n` PTEs of one leaf table from the one at physical address `pte`
   *  on, dropping each mapped page's reference (a page-cache page keeps the cache's); entries
   *  that map nothing are passed over. True if any page was mapped. */
  private zap_pte_range(pte: number, n: number): boolean {
    const k = this.k;
    const i32 = k.machine.mem.i32;
    const w = tableWords(k.machine.mem, Math.floor(pte / PAGE_SIZE)) + (pte % PAGE_SIZE) / 4;
    if ((pte % PAGE_SIZE) / 8 + n > 512) throw new Error("zap_pte_range: the range runs past its table");
    let any = false;
    for (let i = w; i < w + 2 * n; i += 2) {
      const lo = i32[i]!;
      if (!(lo & PTE_V) || !(lo & PTE_RWX)) continue;
      const hi = i32[i + 1]!;
      i32[i] = 0;
      i32[i + 1] = 0;
      k.charge(COST.pte);
      k.pages.put_page(ptePpn(lo, hi));
      this.rss--;
      any = true;
    }
    return any;
  }

  /** flush_tlb_range(): this ASID's entries for [start, end) on the harts of mm_cpumask. */
  flush_tlb_range(start: bigint, end: bigint, reason: FlushReason): void {
    this.k.flush.flush_tlb_mm_range(this.asid, start, end, this.mm_cpumask, reason);
  }

  /** Replace the 2 MiB leaf at `base` with a table of 512 PTEs onto the same pages. */
  split_huge_pmd(base: bigint): void {
    const leaf = this.pgd.lookup(base);
    if (leaf?.level !== 1) return;
    const mem = this.k.machine.mem;
    const pfn = ptePpn(leaf.lo, leaf.hi);
    const flags = leaf.lo & PTE_FLAGS;
    writePte(mem, leaf.pteAddr, 0, 0);
    this.k.pages.split_page(pfn, 9);
    // the new leaf table found (made) by one walk; its 512 entries written in one pass
    const pa = this.pgd.pteAt(base, 0);
    if (pa < 0) throw new Error("split_huge_pmd: out of memory for a page table");
    for (let i = 0; i < 512; i++) this.pgd.setLeaf(pa + 8 * i, pfn + i, flags);
    this.anonHuge -= 512;
    this.k.vmstat.inc("thp_split_pmd");
    this.flush_tlb_range(base, base + PMD, "thp_split"); // the 2 MiB entry must go: one fence in it drops it
  }

  /** brk(): move the program break; returns the new (or unchanged) break. */
  do_brk(newBrk: bigint): bigint {
    if (newBrk < this.start_brk) return this.brk;
    const oldEnd = ALIGN_UP(this.brk, PAGE);
    const newEnd = ALIGN_UP(newBrk, PAGE);
    if (newEnd < oldEnd) {
      this.do_munmap(newEnd, oldEnd - newEnd);
    } else if (newEnd > oldEnd) {
      if (!this.rangeFree(oldEnd, newEnd)) return this.brk;
      const heap = this.vmas.find((v) => v.name === "[heap]" && v.vm_end === oldEnd);
      if (heap) heap.vm_end = newEnd;
      else
        this.insert_vma({ vm_start: oldEnd, vm_end: newEnd, vm_flags: VM_READ | VM_WRITE, name: "[heap]" });
    }
    this.brk = newBrk;
    return newBrk;
  }

  /** mprotect(): change protections, splitting VMAs and 2 MiB leaves at the edges. The checks
   *  in do_mprotect_pkey's order (Linux 6.18, measured natively): both PROT_GROWS bits, then
   *  alignment, then length 0 (success, whatever prot is), then prot bits besides R/W/X/SEM. */
  do_mprotect(start: bigint, len: bigint, prot: number): bigint {
    const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    prot &= ~grows;
    if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
    if (start % PAGE !== 0n) return -EINVAL;
    if (len === 0n) return 0n;
    let end = start + ALIGN_UP(len, PAGE);
    if (end > 1n << 64n) return -ENOMEM;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return -EINVAL;
    if (grows) {
      // arch/riscv has no VM_GROWSUP; PROT_GROWSDOWN reaches down to the stack VMA's start.
      const v = this.find_vma(start);
      if (!v) return -ENOMEM;
      if (grows === PROT_GROWSUP || !(v.vm_flags & VM_GROWSDOWN)) return -EINVAL;
      start = v.vm_start;
      end = end > start ? end : start;
    }
    // mprotect_fixup() one VMA after another: a hole (or the end of the mappings) stops the
    // walk; what was changed before it stays changed, and the call returns ENOMEM. No VMA at
    // `start`: ENOMEM with nothing changed.
    let covered = start;
    for (let v = this.find_vma(covered); v && covered < end; v = this.find_vma(covered)) covered = v.vm_end;
    if (covered === start) return -ENOMEM;
    const hole = covered < end;
    end = hole ? covered : end;
    this.split_at(start);
    this.split_at(end);
    for (const edge of [start, end]) {
      const leaf = this.pgd.lookup(edge);
      if (leaf?.level === 1 && edge % PMD !== 0n) this.split_huge_pmd(ALIGN_DOWN(edge, PMD));
    }
    const newFlags = protToFlags(prot);
    for (const v of this.vmas) {
      if (v.vm_start >= start && v.vm_end <= end) v.vm_flags = (v.vm_flags & ~7) | newFlags;
    }
    for (let va = start; va < end; ) {
      const leaf = this.pgd.lookup(va);
      const step = leaf?.level === 1 ? PMD : PAGE;
      if (leaf) {
        // A file page gains W only through a write fault (a private copy, or a shared page made
        // dirty): a present read-only PTE of a file mapping stays read-only.
        // An anonymous page fork shares copy-on-write stays read-only too, until its write fault
        // copies it (can_change_pte_writable: only an exclusive page may become writable here).
        const keepRo =
          !(leaf.lo & PTE_W) &&
          (this.find_vma(va)?.vm_file !== undefined ||
            (leaf.level === 0 && this.k.pages.page_count(ptePpn(leaf.lo, leaf.hi)) > 1));
        const f = keepRo ? readOnly(newFlags) : newFlags;
        // pte_modify(): the page and A/D stay, R/W/X are the new ones (docs/reference/mutation-tests.md,
        // "mprotect keeps A and D"). V and U stay set, G stays clear, as Linux's new protection has them.
        const lo = (leaf.lo & ~PTE_RWX) | pteProt(f);
        writePte(this.k.machine.mem, leaf.pteAddr, lo, leaf.hi);
        this.k.charge(COST.pte);
      }
      va = ALIGN_DOWN(va, step) + step;
    }
    this.flush_tlb_range(start, end, "mprotect");
    return hole ? -ENOMEM : 0n;
  }

  /** madvise(): DONTNEED zaps, HUGEPAGE / NOHUGEPAGE set the THP advice. As mm/madvise.c:
   *  unknown advice EINVAL first, then alignment and a wrapping length, length 0 succeeds; the
   *  advice applies to the mapped parts and a hole in the range makes it ENOMEM at the end. */
  do_madvise(start: bigint, len: bigint, advice: number): bigint {
    if (!MADV_VALID.has(advice)) return -EINVAL;
    if (start % PAGE !== 0n) return -EINVAL;
    const end = start + ALIGN_UP(len, PAGE);
    if (end >= 1n << 64n) return -EINVAL; // mm/madvise.c: the aligned length wraps
    if (end === start) return 0n;
    const inRange = this.vmas.filter((v) => v.vm_end > start && v.vm_start < end);
    let covered = start;
    for (const v of inRange) {
      if (advice === MADV_REMOVE) {
        // madvise_remove: only a shared file mapping may punch holes; our files cannot.
        if (!v.vm_file) return -EINVAL;
        return v.vm_flags & VM_SHARED ? -EOPNOTSUPP : -EACCES;
      }
      if (v.vm_start > covered) break;
      covered = v.vm_end;
    }
    const hole = covered < end;
    if (advice === MADV_DONTNEED) this.zap_range(start, end, "madvise");
    if (advice === MADV_HUGEPAGE || advice === MADV_NOHUGEPAGE) {
      this.split_at(start);
      this.split_at(end);
      for (const v of this.vmas) {
        if (v.vm_start < start || v.vm_end > end) continue;
        v.vm_flags &= ~(VM_HUGEPAGE | VM_NOHUGEPAGE);
        v.vm_flags |= advice === MADV_HUGEPAGE ? VM_HUGEPAGE : VM_NOHUGEPAGE;
      }
    }
    // Other advice is a hint this kernel may ignore, as Linux may.
    return hole ? -ENOMEM : 0n;
  }

  /** mremap(): grow in place, shrink (freeing), or move with MREMAP_MAYMOVE / MREMAP_FIXED /
   *  MREMAP_DONTUNMAP (the source keeps its VMA and reads zero); old length 0 of a shared
   *  mapping maps the same pages again. The checks in mm/mremap.c's order. */
  do_mremap(old: bigint, oldLen: bigint, newLen: bigint, flags: number, newAddr: bigint): bigint {
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL;
    if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
    const dontunmap = (flags & MREMAP_DONTUNMAP) !== 0;
    if (dontunmap && (!(flags & MREMAP_MAYMOVE) || oldLen !== newLen)) return -EINVAL;
    if (old % PAGE !== 0n) return -EINVAL;
    oldLen = ALIGN_UP(oldLen, PAGE);
    newLen = ALIGN_UP(newLen, PAGE);
    if (newLen === 0n) return -EINVAL;
    const v = this.find_vma(old);
    if (!v) return -EFAULT;
    if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
      let dst: bigint;
      if (flags & MREMAP_FIXED) {
        // mremap_to: the new range aligned, in user space, and not overlapping the old one.
        if (newAddr % PAGE !== 0n) return -EINVAL;
        if (newLen > TASK_SIZE || newAddr > TASK_SIZE - newLen) return -EINVAL;
        if (old + oldLen > newAddr && newAddr + newLen > old) return -EINVAL;
        this.do_munmap(newAddr, newLen);
        dst = newAddr;
      } else dst = -1n;
      if (oldLen > newLen) {
        this.do_munmap(old + newLen, oldLen - newLen);
        oldLen = newLen;
      }
      const bad = this.resize_check(v, old, oldLen);
      if (bad) return bad;
      if (dst < 0n) dst = this.get_unmapped_area(newLen, 0n);
      if (dst < 0n) return -ENOMEM;
      return this.move_vma(old, oldLen, newLen, dst, dontunmap);
    }
    if (newLen <= oldLen) {
      if (newLen < oldLen) this.do_munmap(old + newLen, oldLen - newLen);
      return old;
    }
    const bad = this.resize_check(v, old, oldLen);
    if (bad) return bad;
    const inPlace = oldLen > 0n && old + oldLen === v.vm_end;
    if (inPlace && this.rangeFree(v.vm_end, old + newLen) && old + newLen <= TASK_SIZE) {
      v.vm_end = old + newLen; // grow in place
      return old;
    }
    if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
    const dst = this.get_unmapped_area(newLen, 0n);
    if (dst < 0n) return -ENOMEM;
    // Old length 0 (a shared mapping): a second mapping of the same pages, the first kept.
    return this.move_vma(old, oldLen, newLen, dst, oldLen === 0n);
  }

  /** vma_to_resize(): 0, or why [old, old+oldLen) of `v` cannot be resized or moved: EINVAL for
   *  length 0 of a private mapping, EFAULT for a range running past the VMA. */
  private resize_check(v: vm_area_struct, old: bigint, oldLen: bigint): bigint {
    if (oldLen === 0n && !(v.vm_flags & VM_SHARED)) return -EINVAL;
    return old + oldLen > v.vm_end ? -EFAULT : 0n;
  }

  /** Move the pages of [old, old+oldLen) to `dst` (their PTEs move; the data is not copied);
   *  with `keep` the old VMA stays (MREMAP_DONTUNMAP: it reads zero, or its file, again). */
  private move_vma(old: bigint, oldLen: bigint, newLen: bigint, dst: bigint, keep = false): bigint {
    this.split_at(old);
    this.split_at(old + oldLen);
    const moved = this.find_vma(old)!;
    const mem = this.k.machine.mem;
    for (let off = 0n; off < oldLen; off += PAGE) {
      let leaf = this.pgd.lookup(old + off);
      if (!leaf) continue;
      if (leaf.level === 1) {
        this.split_huge_pmd(ALIGN_DOWN(old + off, PMD));
        leaf = this.pgd.lookup(old + off)!;
      }
      const pa = this.pgd.pteAt(dst + off, 0);
      if (pa < 0) return -ENOMEM;
      writePte(mem, pa, leaf.lo, leaf.hi);
      writePte(mem, leaf.pteAddr, 0, 0);
    }
    this.flush_tlb_range(old, old + oldLen, "mremap");
    if (!keep) this.vmas.splice(this.vmas.indexOf(moved), 1);
    const nv: vm_area_struct = { ...moved, vm_start: dst, vm_end: dst + newLen };
    this.insert_vma(nv);
    nv.vm_file?.ops.open?.(); // copy_vma, then the old VMA is closed
    if (!keep) moved.vm_file?.ops.close?.();
    return dst;
  }

  // ---- faults ----

  /** handle_mm_fault(): make `addr` accessible for `kind`, or say why not. A fault on an
   *  anonymous page that is not present (do_anonymous_page) allocates no JS object: the walk
   *  works on the page number as a number and remembers the PTE's place. */
  handle_mm_fault(addr: bigint, kind: "r" | "w" | "x", thp: ThpMode): FaultResult {
    const v = this.find_vma(addr);
    if (!v) return "maperr";
    const need = kind === "r" ? VM_READ : kind === "w" ? VM_WRITE : VM_EXEC;
    if (!(v.vm_flags & need)) return "accerr";
    const vpn = Math.floor(Number(addr) / PAGE_SIZE); // exact: a VMA lies below TASK_SIZE (2^47)
    const slot = this.pgd.walk(vpn);
    const pte = this.pgd.walkLevel === 0 ? slot : -1; // -1: its table is not there yet
    const lo = pteLo(this.k.machine.mem, slot);
    if (lo & PTE_V && lo & PTE_RWX) return this.handle_present(v, addr, kind);
    if (v.vm_file) return this.do_file_fault(v, ALIGN_DOWN(addr, PAGE), kind);
    if (this.thpAllowed(v, addr, thp)) {
      if (this.fault_huge(v, addr)) return "ok";
      this.k.vmstat.inc("thp_fault_fallback");
    }
    return this.do_anonymous_page(v, vpn, pte) ? "ok" : "oom";
  }

  /** A fault on a present page (do_wp_page, or a spurious fault): a write to a write-protected
   *  page of a writable VMA (a file page, or an anonymous page fork made copy-on-write), or a
   *  stale TLB entry, which is flushed (the access is retried). */
  private handle_present(v: vm_area_struct, addr: bigint, kind: "r" | "w" | "x"): FaultResult {
    const leaf = this.pgd.lookup(addr)!;
    const page = ALIGN_DOWN(addr, PAGE);
    if (kind === "w" && !(leaf.lo & PTE_W)) return this.do_wp_page(v, page, leaf);
    this.flush_tlb_range(page, page + PAGE, "spurious");
    return "ok";
  }

  private thpAllowed(v: vm_area_struct, addr: bigint, thp: ThpMode): boolean {
    // The stack grows down page by page in Linux, so it never holds a whole 2 MiB range early.
    if (v.vm_file || thp === "never" || v.vm_flags & (VM_NOHUGEPAGE | VM_GROWSDOWN)) return false;
    if (thp === "madvise" && !(v.vm_flags & VM_HUGEPAGE)) return false;
    const base = ALIGN_DOWN(addr, PMD);
    if (base < v.vm_start || base + PMD > v.vm_end) return false;
    return this.pmdNone(base);
  }

  /** pmd_none() for the 2 MiB range at `base` (PMD-aligned): no leaf and no leaf table there.
   *  Linux takes a huge page only then; a table, even an empty one, means 4 KiB pages. */
  private pmdNone(base: bigint): boolean {
    const slot = this.pgd.walk(Number(base / PAGE));
    return this.pgd.walkLevel > 0 && (pteLo(this.k.machine.mem, slot) & PTE_V) === 0;
  }

  private fault_huge(v: vm_area_struct, addr: bigint): boolean {
    const k = this.k;
    const pfn = k.pages.alloc_pages(9);
    if (pfn < 0) return false;
    k.clear_pages(pfn, 9, "clear_huge_page");
    const base = ALIGN_DOWN(addr, PMD);
    const pa = this.pgd.pteAt(base, 1);
    if (pa < 0) {
      k.pages.__free_pages(pfn, 9);
      return false;
    }
    const [lo, hi] = makePte(pfn, PTE_V | PTE_U | PTE_A | PTE_D | pteProt(v.vm_flags));
    writePte(k.machine.mem, pa, lo, hi);
    this.rss += 512;
    this.anonHuge += 512;
    k.vmstat.inc("thp_fault_alloc");
    return true;
  }

  /** do_anonymous_page(): a zeroed page mapped at virtual page `vpn` with the VMA's
   *  permissions; `pte` is the PTE's physical address, or -1 if its table must be made. False
   *  (nothing mapped, nothing kept) when out of memory. */
  private do_anonymous_page(v: vm_area_struct, vpn: number, pte: number): boolean {
    const k = this.k;
    const pfn = k.pages.alloc_pages(0);
    if (pfn < 0) return false;
    k.clear_pages(pfn, 0);
    k.pages.flags[k.pages.idx(pfn)]! |= PG_anon;
    return this.set_pte(pte < 0 ? this.pgd.pte_alloc(vpn, 0) : pte, pfn, v.vm_flags);
  }

  /** A fault in a file mapping (do_read_fault / do_cow_fault / do_shared_fault): the file's
   *  page itself (read-only in a private mapping), or a private copy for a write. */
  private do_file_fault(v: vm_area_struct, page: bigint, kind: "r" | "w" | "x"): FaultResult {
    const pgoff = (v.vm_pgoff ?? 0) + Number((page - v.vm_start) / PAGE);
    const pfn = v.vm_file!.ops.fault(pgoff);
    if (pfn === -1) return "sigbus";
    if (pfn < 0) return "oom";
    if (v.vm_flags & VM_SHARED) {
      if (kind === "w") v.vm_file!.ops.page_mkwrite?.(pgoff);
      return this.install(page, pfn, v.vm_flags) ? "ok" : "oom";
    }
    if (kind !== "w") return this.install(page, pfn, readOnly(v.vm_flags)) ? "ok" : "oom";
    const copy = this.copy_page(pfn);
    this.k.pages.put_page(pfn);
    if (copy < 0) return "oom";
    return this.install(page, copy, v.vm_flags) ? "ok" : "oom";
  }

  /** A new anonymous page holding a copy of `pfn` (copy_user_highpage), or -1. */
  private copy_page(pfn: number): number {
    const k = this.k;
    const dst = k.pages.alloc_pages(0);
    if (dst < 0) return -1;
    k.kmem.memcpy(__va(dst * PAGE_SIZE), __va(pfn * PAGE_SIZE), PAGE_SIZE, "copy_user_highpage");
    k.pages.flags[k.pages.idx(dst)]! |= PG_anon;
    return dst;
  }

  /** A write to a present, write-protected page of a writable file VMA (do_wp_page): a shared
   *  page becomes writable (and dirty); a private one is reused if it is this mapping's own
   *  anonymous copy, and copied otherwise. */
  private do_wp_page(
    v: vm_area_struct,
    page: bigint,
    leaf: { lo: number; hi: number; pteAddr: number },
  ): FaultResult {
    const k = this.k;
    const mem = k.machine.mem;
    const pfn = ptePpn(leaf.lo, leaf.hi);
    if (v.vm_flags & VM_SHARED) {
      v.vm_file?.ops.page_mkwrite?.((v.vm_pgoff ?? 0) + Number((page - v.vm_start) / PAGE));
      writePte(mem, leaf.pteAddr, leaf.lo | PTE_W | PTE_D, leaf.hi);
    } else if (k.pages.flags[k.pages.idx(pfn)]! & PG_anon && k.pages.page_count(pfn) === 1) {
      writePte(mem, leaf.pteAddr, leaf.lo | PTE_W | PTE_D, leaf.hi);
    } else {
      const copy = this.copy_page(pfn);
      if (copy < 0) return "oom";
      const [lo, hi] = makePte(copy, PTE_V | PTE_U | PTE_A | PTE_D | pteProt(v.vm_flags));
      writePte(mem, leaf.pteAddr, lo, hi);
      k.pages.put_page(pfn);
    }
    this.flush_tlb_range(page, page + PAGE, "cow");
    return "ok";
  }

  /** Map `pfn` at `page` with the VMA's permissions (user, A and D set). */
  install(page: bigint, pfn: number, vmFlags: number): boolean {
    return this.set_pte(this.pgd.pteAt(page, 0), pfn, vmFlags);
  }

  /** set_pte_at(): map `pfn` by the PTE at physical address `pte` with the permissions of
   *  vm_flags `vmFlags` (user, A and D set); rss counts it. `pte` -1 (no memory for its table):
   *  the page is freed and false returned. */
  private set_pte(pte: number, pfn: number, vmFlags: number): boolean {
    if (pte < 0) {
      this.k.pages.__free_pages(pfn, 0);
      return false;
    }
    this.pgd.setLeaf(pte, pfn, PTE_V | PTE_U | PTE_A | PTE_D | pteProt(vmFlags));
    this.rss++;
    return true;
  }

  /** dup_mmap(): make `child` (new and empty) a copy of this address space for fork. Each VMA
   *  is copied (a file mapping takes a reference); each present page is shared, one more
   *  reference each: a private writable page is write-protected on both sides (its first
   *  write copies it, do_wp_page), and the parent's TLB entries for it are flushed. A 2 MiB
   *  leaf is split first (Linux shares the PMD; here COW works on 4 KiB pages). False when out
   *  of memory for the child's page tables (the caller frees the child). */
  dup_mmap(child: mm_struct): boolean {
    child.start_brk = this.start_brk;
    child.brk = this.brk;
    child.mmap_base = this.mmap_base;
    for (const v of this.vmas) {
      child.vmas.push({ ...v });
      v.vm_file?.ops.open?.();
    }
    const done = { wrprotected: false };
    for (const v of this.vmas) {
      if (!this.copy_page_range(child, v, done)) {
        if (done.wrprotected) this.flush_tlb_mm("fork");
        return false;
      }
    }
    if (done.wrprotected) this.flush_tlb_mm("fork");
    return true;
  }

  /** copy_page_range(): share the present pages of VMA `v` with `child`, one leaf table at a
   *  time (copy_pte_range), holes skipped whole, 2 MiB leaves split first. Sets
   *  `done.wrprotected` if a parent PTE lost W. False when out of memory for a child table. */
  private copy_page_range(child: mm_struct, v: vm_area_struct, done: { wrprotected: boolean }): boolean {
    const cow = !(v.vm_flags & VM_SHARED);
    for (let va = v.vm_start; va < v.vm_end; ) {
      const leaf = this.pgd.lookup(va);
      if (!leaf) {
        va = this.pgd.holeEnd(va);
        continue;
      }
      if (leaf.level !== 0) {
        this.split_huge_pmd(ALIGN_DOWN(va, PMD));
        continue;
      }
      const stop = ALIGN_DOWN(va, PMD) + PMD < v.vm_end ? ALIGN_DOWN(va, PMD) + PMD : v.vm_end;
      if (!this.copy_pte_range(child, va, leaf.pteAddr, Number((stop - va) / PAGE), cow, done)) return false;
      va = stop;
    }
    return true;
  }

  /** copy_pte_range(): `n` PTEs of one parent leaf table from the one at physical address
   *  `pte` (mapping `va`) on, each present page shared with `child` (one more reference, child
   *  RSS counted), write-protected on both sides if `cow`. The child's table is made at the
   *  first present page (as a walk per page made it). False when out of memory for it. */
  private copy_pte_range(
    child: mm_struct,
    va: bigint,
    pte: number,
    n: number,
    cow: boolean,
    done: { wrprotected: boolean },
  ): boolean {
    const k = this.k;
    const i32 = k.machine.mem.i32;
    const first = (pte % PAGE_SIZE) / 8;
    if (first + n > 512) throw new Error("copy_pte_range: the range runs past its table");
    const w = tableWords(k.machine.mem, Math.floor(pte / PAGE_SIZE)) + 2 * first;
    let cw = -1; // the child table's word for entry `first` (same index), once the table exists
    for (let i = 0; i < n; i++) {
      let lo = i32[w + 2 * i]!;
      if (!(lo & PTE_V) || !(lo & PTE_RWX)) continue;
      const hi = i32[w + 2 * i + 1]!;
      if (cow && lo & PTE_W) {
        lo &= ~PTE_W;
        i32[w + 2 * i] = lo;
        done.wrprotected = true;
      }
      if (cw < 0) {
        const pa = child.pgd.pteAt(va + BigInt(i) * PAGE, 0);
        if (pa < 0) return false;
        cw = tableWords(k.machine.mem, Math.floor(pa / PAGE_SIZE)) + 2 * first;
      }
      i32[cw + 2 * i] = lo;
      i32[cw + 2 * i + 1] = hi;
      k.pages.get_page(ptePpn(lo, hi));
      child.rss++;
    }
    return true;
  }

  /** flush_tlb_mm(): every entry of this ASID, on the harts of mm_cpumask. */
  flush_tlb_mm(reason: FlushReason): void {
    this.k.flush.flush_tlb_mm(this.asid, this.mm_cpumask, reason);
  }

  /** Free every page and table of the address space (exit_mmap). */
  exit_mmap(): void {
    for (const v of [...this.vmas]) this.zap_range(v.vm_start, v.vm_end, null);
    for (const v of this.vmas.splice(0)) v.vm_file?.ops.close?.();
    this.flush_tlb_mm("exit");
    this.pgd.freeUserTables();
  }

  /** /proc/self/smaps, abridged: each VMA with Size, Rss and AnonHugePages. */
  smaps(): string {
    const out: string[] = [];
    for (const v of this.vmas) {
      const perms = `${v.vm_flags & VM_READ ? "r" : "-"}${v.vm_flags & VM_WRITE ? "w" : "-"}${v.vm_flags & VM_EXEC ? "x" : "-"}p`;
      let rss = 0;
      let huge = 0;
      for (let a = v.vm_start; a < v.vm_end; ) {
        const leaf = this.pgd.lookup(a);
        const step = leaf?.level === 1 ? PMD : PAGE;
        if (leaf) {
          rss += Number(step / 1024n);
          if (leaf.level === 1) huge += Number(step / 1024n);
        }
        a = ALIGN_DOWN(a, step) + step;
      }
      out.push(
        `${v.vm_start.toString(16).padStart(8, "0")}-${v.vm_end.toString(16).padStart(8, "0")} ${perms} 00000000 00:00 0 ${v.name ?? v.vm_file?.path ?? ""}`.trimEnd(),
        `Size:           ${((v.vm_end - v.vm_start) / 1024n).toString().padStart(8)} kB`,
        `Rss:            ${rss.toString().padStart(8)} kB`,
        `AnonHugePages:  ${huge.toString().padStart(8)} kB`,
        `THPeligible:    ${v.vm_flags & VM_HUGEPAGE ? 1 : 0}`,
      );
    }
    return out.join("\n");
  }

  /** Read the PTE words of `addr`'s leaf (for tests). */
  leaf(addr: bigint): [number, number] | null {
    const l = this.pgd.lookup(addr);
    return l ? readPte(this.k.machine.mem, l.pteAddr) : null;
  }
}

/** vm_flags without write permission (a private file page is mapped read-only until a write
 *  copies it; W without R is reserved on RISC-V, so a write-only VMA keeps R). */
function readOnly(f: number): number {
  return (f & ~VM_WRITE) | (f & VM_WRITE ? VM_READ : 0);
}

/** The advice madvise knows (madvise_behavior_valid, Linux 6.18 as measured natively): 0-4,
 *  8-25; MADV_HWPOISON/SOFT_OFFLINE (100, 101) need CONFIG_MEMORY_FAILURE and the guard advice
 *  (102, 103) is Linux 6.13's: this kernel answers EINVAL to them, as kernels without them do. */
const MADV_VALID = new Set([0, 1, 2, 3, 4, ...Array.from({ length: 18 }, (_, i) => 8 + i)]);

export function protToFlags(prot: number): number {
  return (
    (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0)
  );
}

/** PTE R/W/X bits for vm_flags (write implies read on RISC-V: W without R is reserved). */
function pteProt(f: number): number {
  return (f & (VM_READ | VM_WRITE) ? PTE_R : 0) | (f & VM_WRITE ? PTE_W : 0) | (f & VM_EXEC ? PTE_X : 0);
}
