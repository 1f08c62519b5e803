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
  PTE_U,
  PTE_V,
  PTE_W,
  PTE_X,
  ptePpn,
  readPte,
  writePte,
} from "../mmu/index.js";
import { EEXIST, EFAULT, EINVAL, ENOMEM } from "./errno.js";
import type { Kernel } from "./kernel.js";
import { __va, PAGE_SIZE, PMD_SIZE } from "./layout.js";
import { KernelPageTable } from "./pgtable.js";

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MADV_DONTNEED = 4;
export const MADV_HUGEPAGE = 14;
export const MADV_NOHUGEPAGE = 15;

// vm_flags
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_GROWSDOWN = 0x100;
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

export interface vm_area_struct {
  vm_start: bigint;
  vm_end: bigint;
  vm_flags: number;
  /** Backing bytes for a private file mapping (copied on fault), and their offset. */
  file?: { data: Uint8Array; offset: number; path: string };
  name?: string;
}

/** A fault that cannot be resolved: SIGSEGV with si_code MAPERR (no VMA) or ACCERR (permission). */
export type FaultResult = "ok" | "maperr" | "accerr" | "oom";

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
  anonHuge = 0;

  constructor(
    private readonly k: Kernel,
    readonly asid: number,
  ) {
    this.pgd = new KernelPageTable(k.machine.mem, k.pages, (pfn) => k.zeroPagePhys(pfn), k.pgd.root);
  }

  // ---- VMAs ----

  find_vma(addr: bigint): vm_area_struct | undefined {
    return this.vmas.find((v) => addr >= v.vm_start && addr < v.vm_end);
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
    if (v.file) tail.file = { ...v.file, offset: v.file.offset + Number(addr - v.vm_start) };
    v.vm_end = addr;
    this.insert_vma(tail);
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
    return start >= PAGE * 16n ? start : -1n;
  }

  private rangeFree(s: bigint, e: bigint): boolean {
    return this.vmas.every((v) => v.vm_end <= s || v.vm_start >= e);
  }

  // ---- mmap family ----

  /** mmap(): returns the address or a negative errno. */
  do_mmap(addr: bigint, len: bigint, prot: number, flags: number, file?: vm_area_struct["file"]): bigint {
    if (len <= 0n) return -EINVAL;
    len = ALIGN_UP(len, PAGE);
    if (addr % PAGE !== 0n && flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) return -EINVAL;
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
    const v: vm_area_struct = { vm_start: start, vm_end: start + len, vm_flags: protToFlags(prot) };
    if (file) v.file = file;
    this.insert_vma(v);
    return start;
  }

  /** munmap(): unmap [start, start+len), freeing pages, flushing the TLBs. 0 or -errno. */
  do_munmap(start: bigint, len: bigint): bigint {
    if (start % PAGE !== 0n || len <= 0n) return -EINVAL;
    const end = start + ALIGN_UP(len, PAGE);
    this.split_at(start);
    this.split_at(end);
    this.zap_range(start, end);
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i]!;
      if (v.vm_start >= start && v.vm_end <= end) this.vmas.splice(i, 1);
    }
    return 0n;
  }

  /** Unmap and free the pages of [start, end) (splitting 2 MiB leaves it cuts), then flush. */
  zap_range(start: bigint, end: bigint): void {
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
      writePte(this.k.machine.mem, leaf.pteAddr, 0, 0);
      this.k.pages.__free_pages(ptePpn(leaf.lo, leaf.hi), 0);
      this.rss--;
      any = true;
      va += PAGE;
    }
    if (any) this.flush_tlb_range(start, end);
  }

  /** flush_tlb_range(): this ASID's entries for [start, end) on every hart. */
  flush_tlb_range(start: bigint, end: bigint): void {
    this.k.flush.flush_tlb_range(this.asid, start, end);
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
    for (let i = 0; i < 512; i++) {
      const pa = this.pgd.pteAt(base + BigInt(i) * PAGE, 0);
      if (pa < 0) throw new Error("split_huge_pmd: out of memory for a page table");
      const [lo, hi] = makePte(pfn + i, flags);
      writePte(mem, pa, lo, hi);
    }
    this.anonHuge -= 512;
    this.k.vmstat.inc("thp_split_pmd");
    this.flush_tlb_range(base, base + PMD); // the 2 MiB entry must go: one fence in it drops it
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

  /** mprotect(): change protections, splitting VMAs and 2 MiB leaves at the edges. */
  do_mprotect(start: bigint, len: bigint, prot: number): bigint {
    if (start % PAGE !== 0n) return -EINVAL;
    const end = start + ALIGN_UP(len, PAGE);
    for (let a = start; a < end; ) {
      const v = this.find_vma(a);
      if (!v) return -ENOMEM;
      a = v.vm_end;
    }
    this.split_at(start);
    this.split_at(end);
    for (const edge of [start, end]) {
      const leaf = this.pgd.lookup(edge);
      if (leaf?.level === 1 && edge % PMD !== 0n) this.split_huge_pmd(ALIGN_DOWN(edge, PMD));
    }
    const f = protToFlags(prot);
    for (const v of this.vmas) {
      if (v.vm_start >= start && v.vm_end <= end) v.vm_flags = (v.vm_flags & ~7) | f;
    }
    for (let va = start; va < end; ) {
      const leaf = this.pgd.lookup(va);
      const step = leaf?.level === 1 ? PMD : PAGE;
      if (leaf) {
        // pte_modify(): the page and A/D stay, R/W/X are the new ones (docs/reference/mutation-tests.md,
        // "mprotect keeps A and D"). V and U stay set, G stays clear, as Linux's new protection has them.
        const lo = (leaf.lo & ~(PTE_R | PTE_W | PTE_X)) | pteProt(f);
        writePte(this.k.machine.mem, leaf.pteAddr, lo, leaf.hi);
      }
      va = ALIGN_DOWN(va, step) + step;
    }
    this.flush_tlb_range(start, end);
    return 0n;
  }

  /** madvise(): DONTNEED zaps, HUGEPAGE / NOHUGEPAGE set the THP advice. */
  do_madvise(start: bigint, len: bigint, advice: number): bigint {
    if (start % PAGE !== 0n) return -EINVAL;
    const end = start + ALIGN_UP(len, PAGE);
    if (advice === MADV_DONTNEED) {
      this.zap_range(start, end);
      return 0n;
    }
    if (advice === MADV_HUGEPAGE || advice === MADV_NOHUGEPAGE) {
      this.split_at(start);
      this.split_at(end);
      for (const v of this.vmas) {
        if (v.vm_start < start || v.vm_end > end) continue;
        v.vm_flags &= ~(VM_HUGEPAGE | VM_NOHUGEPAGE);
        v.vm_flags |= advice === MADV_HUGEPAGE ? VM_HUGEPAGE : VM_NOHUGEPAGE;
      }
      return 0n;
    }
    return 0n; // other advice is a hint this kernel may ignore, as Linux may
  }

  /** mremap(): grow in place, shrink (freeing), or move with MREMAP_MAYMOVE / MREMAP_FIXED. */
  do_mremap(old: bigint, oldLen: bigint, newLen: bigint, flags: number, newAddr: bigint): bigint {
    if (old % PAGE !== 0n || newLen <= 0n) return -EINVAL;
    oldLen = ALIGN_UP(oldLen, PAGE);
    newLen = ALIGN_UP(newLen, PAGE);
    const v = this.find_vma(old);
    if (!v || old + oldLen > v.vm_end) return -EFAULT;
    if (flags & MREMAP_FIXED) {
      if (!(flags & MREMAP_MAYMOVE) || newAddr % PAGE !== 0n) return -EINVAL;
      this.do_munmap(newAddr, newLen);
      return this.move_vma(old, oldLen, newLen, newAddr);
    }
    if (newLen <= oldLen) {
      if (newLen < oldLen) this.do_munmap(old + newLen, oldLen - newLen);
      return old;
    }
    if (old + oldLen === v.vm_end && this.rangeFree(v.vm_end, old + newLen) && old + newLen <= TASK_SIZE) {
      v.vm_end = old + newLen; // grow in place
      return old;
    }
    if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
    const dst = this.get_unmapped_area(newLen, 0n);
    if (dst < 0n) return -ENOMEM;
    return this.move_vma(old, oldLen, newLen, dst);
  }

  /** Move the pages of [old, old+oldLen) to `dst` (their PTEs move; the data is not copied). */
  private move_vma(old: bigint, oldLen: bigint, newLen: bigint, dst: bigint): bigint {
    const src = this.find_vma(old)!;
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
    this.flush_tlb_range(old, old + oldLen);
    this.vmas.splice(this.vmas.indexOf(moved), 1);
    const nv: vm_area_struct = { ...src, vm_start: dst, vm_end: dst + newLen };
    this.insert_vma(nv);
    return dst;
  }

  // ---- faults ----

  /** handle_mm_fault(): make `addr` accessible for `kind`, or say why not. */
  handle_mm_fault(addr: bigint, kind: "r" | "w" | "x", thp: ThpMode): FaultResult {
    const v = this.find_vma(addr);
    if (!v) return "maperr";
    const need = kind === "r" ? VM_READ : kind === "w" ? VM_WRITE : VM_EXEC;
    if (!(v.vm_flags & need)) return "accerr";
    const leaf = this.pgd.lookup(addr);
    if (leaf) {
      // Present with the right permission: a stale TLB entry. Flush it and retry.
      this.flush_tlb_range(ALIGN_DOWN(addr, PAGE), ALIGN_DOWN(addr, PAGE) + PAGE);
      return "ok";
    }
    if (this.thpAllowed(v, addr, thp)) {
      if (this.fault_huge(v, addr)) return "ok";
      this.k.vmstat.inc("thp_fault_fallback");
    }
    return this.fault_page(v, ALIGN_DOWN(addr, PAGE)) ? "ok" : "oom";
  }

  private thpAllowed(v: vm_area_struct, addr: bigint, thp: ThpMode): boolean {
    // The stack grows down page by page in Linux, so it never holds a whole 2 MiB range early.
    if (v.file || thp === "never" || v.vm_flags & (VM_NOHUGEPAGE | VM_GROWSDOWN)) return false;
    if (thp === "madvise" && !(v.vm_flags & VM_HUGEPAGE)) return false;
    const base = ALIGN_DOWN(addr, PMD);
    if (base < v.vm_start || base + PMD > v.vm_end) return false;
    for (let a = base; a < base + PMD; a += PAGE) if (this.pgd.lookup(a)) return false;
    return true;
  }

  private fault_huge(v: vm_area_struct, addr: bigint): boolean {
    const k = this.k;
    const pfn = k.pages.alloc_pages(9);
    if (pfn < 0) return false;
    k.kmem.memset(__va(pfn * PAGE_SIZE), 0, PMD_SIZE, "clear_huge_page");
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

  private fault_page(v: vm_area_struct, page: bigint): boolean {
    const k = this.k;
    const pfn = k.pages.alloc_pages(0);
    if (pfn < 0) return false;
    const kva = __va(pfn * PAGE_SIZE);
    k.kmem.memset(kva, 0, PAGE_SIZE, "clear_page");
    if (v.file) {
      const off = v.file.offset + Number(page - v.vm_start);
      const bytes = v.file.data.subarray(
        Math.max(0, off),
        Math.max(0, Math.min(v.file.data.length, off + PAGE_SIZE)),
      );
      if (bytes.length) k.kmem.write(kva, bytes, "filemap_fault");
    }
    return this.install(page, pfn, v.vm_flags);
  }

  /** Map `pfn` at `page` with the VMA's permissions (user, A and D set). */
  install(page: bigint, pfn: number, vmFlags: number): boolean {
    const pa = this.pgd.pteAt(page, 0);
    if (pa < 0) {
      this.k.pages.__free_pages(pfn, 0);
      return false;
    }
    const [lo, hi] = makePte(pfn, PTE_V | PTE_U | PTE_A | PTE_D | pteProt(vmFlags));
    writePte(this.k.machine.mem, pa, lo, hi);
    this.rss++;
    return true;
  }

  /** Free every page and table of the address space (exit_mmap). */
  exit_mmap(): void {
    for (const v of [...this.vmas]) this.zap_range(v.vm_start, v.vm_end);
    this.vmas.length = 0;
    for (const h of this.k.machine.harts) h.sfenceLocal(undefined, this.asid);
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
        `${v.vm_start.toString(16).padStart(8, "0")}-${v.vm_end.toString(16).padStart(8, "0")} ${perms} 00000000 00:00 0 ${v.name ?? v.file?.path ?? ""}`.trimEnd(),
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

export function protToFlags(prot: number): number {
  return (
    (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0)
  );
}

/** PTE R/W/X bits for vm_flags (write implies read on RISC-V: W without R is reserved). */
function pteProt(f: number): number {
  return (f & (VM_READ | VM_WRITE) ? PTE_R : 0) | (f & VM_WRITE ? PTE_W : 0) | (f & VM_EXEC ? PTE_X : 0);
}
