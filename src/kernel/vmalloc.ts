// The vmalloc layer, after mm/vmalloc.c: the vmap_area allocator over [VMALLOC_START,
// VMALLOC_END) (lowest-address first fit, one guard page), vm_struct, vmalloc / vzalloc /
// vmalloc_huge / __vmalloc_node_range, vfree with lazy purging, vmap / vunmap / vm_map_ram,
// vm_unmap_aliases, find_vm_area, vmalloc_to_page, vrealloc (mainline 6.19 plus linux-next's
// "free unused pages on vrealloc() shrink"), /proc/vmallocinfo and the Vmalloc meminfo lines.
// Page tables, TLB flushes, page contents and KASAN shadow are all real, in emulated memory.

import { PTE_X, ptePpn } from "../mmu/index.js";
import { BUG_ON, WARN_ON } from "./bug.js";
import { parseUint } from "./cmdline.js";

/** kasan_release_vmalloc() flag: free the shadow pages (the TLB flush is done once per purge). */
const KASAN_VMALLOC_PAGE_RANGE = 0x1;

import { COST, GFP, GFP_KERNEL, type Kernel } from "./kernel.js";
import {
  __va,
  hex64,
  is_vmalloc_addr,
  PAGE_SHIFT,
  PAGE_SIZE,
  PMD_SHIFT,
  PMD_SIZE,
  VMALLOC_END,
  VMALLOC_START,
} from "./layout.js";
import { PG_vmalloc } from "./page_alloc.js";
import { PAGE_KERNEL } from "./pgtable.js";
import { meminfoLine } from "./vmstat.js";

/** vm_struct flags, by name (include/linux/vmalloc.h). */
export const VM_FLAGS = {
  VM_IOREMAP: 0x1,
  VM_ALLOC: 0x2,
  VM_MAP: 0x4,
  VM_USERMAP: 0x8,
  VM_DMA_COHERENT: 0x10,
  VM_UNINITIALIZED: 0x20,
  VM_NO_GUARD: 0x40,
  VM_KASAN: 0x80,
  VM_FLUSH_RESET_PERMS: 0x100,
  VM_MAP_PUT_PAGES: 0x200,
  VM_ALLOW_HUGE_VMAP: 0x400,
  VM_SPARSE: 0x1000,
} as const;

export const {
  VM_IOREMAP,
  VM_ALLOC,
  VM_MAP,
  VM_USERMAP,
  VM_DMA_COHERENT,
  VM_UNINITIALIZED,
  VM_NO_GUARD,
  VM_KASAN,
  VM_FLUSH_RESET_PERMS,
  VM_MAP_PUT_PAGES,
  VM_ALLOW_HUGE_VMAP,
  VM_SPARSE,
} = VM_FLAGS;

/** The names of the VM_* flags set in `flags`, lowest bit first. */
export function vmFlagNames(flags: number): string[] {
  return Object.entries(VM_FLAGS)
    .filter(([, bit]) => flags & bit)
    .map(([name]) => name);
}

// vmap_area flags.
export const VMAP_RAM = 0x1;

export const NUMA_NO_NODE = -1;
const PAGE = BigInt(PAGE_SIZE);
/** vm_map_ram areas are at most this many pages (VMAP_MAX_ALLOC). */
export const VMAP_MAX_ALLOC = 64;
const REMOVE_VM_AREA = "mm/vmalloc.c:remove_vm_area";
/** The page order of a PMD (2 MiB) mapping. */
const PMD_ORDER = PMD_SHIFT - PAGE_SHIFT;

export interface vm_struct {
  addr: bigint;
  /** VA bytes, guard page included (unless VM_NO_GUARD). */
  size: number;
  flags: number;
  /** Physical page frames, one per 4 KiB page (huge mappings too). */
  pages: number[];
  page_order: number;
  nr_pages: number;
  phys_addr: number;
  caller: string;
  requested_size: number;
}

/** What __vmalloc_node_range() is asked for (its arguments, but the alignment and node). */
interface VmallocRequest {
  size: number;
  start: bigint;
  end: bigint;
  gfp: number;
  prot: number;
  vmFlags: number;
  caller: string;
}

export interface vmap_area {
  va_start: bigint;
  va_end: bigint;
  vm: vm_struct | null;
  flags: number;
}

/** What vmalloc needs from KASAN (kasan.ts); absent when kasan=off. */
export interface KasanVmallocHooks {
  populate_vmalloc(start: bigint, size: bigint): boolean;
  /** Free the shadow of [start, end) (and, at its edges, of the merged free block around it). */
  release_vmalloc(start: bigint, end: bigint, freeStart: bigint, freeEnd: bigint, flags: number): void;
  /** One TLB flush over the shadow of [start, end), after a batch of releases. */
  flush_shadow(start: bigint, end: bigint): void;
  kasan_poison_vmalloc(addr: bigint, size: number): void;
  kasan_unpoison_vmalloc(addr: bigint, size: number): void;
  kasan_vrealloc(p: bigint, oldSize: number, newSize: number): void;
}

/** What vmalloc needs from memory cgroups (memcontrol.ts). */
export interface MemcgVmallocHooks {
  charge(pfn: number, nrPages: number, gfp: number): boolean;
  uncharge(pfn: number, nrPages: number): void;
  mod_memcg_page_state(pfn: number, item: "vmalloc", delta: number): void;
}

/** The historic vrealloc bugs that `vrealloc.bug=` can bring back, by commit and by name. */
export const VREALLOC_BUGS = {
  d699440f58ce: "kasan-stale-shadow",
  f7a35a3c36d1: "in-place-not-returned",
  "70d1eb031a68": "zero-on-grow",
  e64f42036ef4: "shrink-keeps-pages",
  "unmap-no-flush": "unmap-no-flush",
} as const;
export type VreallocBug = (typeof VREALLOC_BUGS)[keyof typeof VREALLOC_BUGS];

const fls = (n: number): number => (n === 0 ? 0 : 32 - Math.clz32(n));
const ALIGN = (v: bigint, a: bigint): bigint => (v + a - 1n) & ~(a - 1n);

export class Vmalloc {
  /** Free VA blocks [start, end), sorted by address. */
  private readonly free: [bigint, bigint][] = [[VMALLOC_START, VMALLOC_END]];
  /** Busy areas, sorted by va_start. */
  private readonly busy: vmap_area[] = [];
  /** Freed areas whose VA and TLB flush wait for the purge. */
  private lazy: vmap_area[] = [];
  /** Pages of lazily freed VA, guard pages included. */
  vmap_lazy_nr = 0;
  /** Pages mapped by vmalloc (VmallocUsed). */
  nr_vmalloc_pages = 0;
  purges = 0;
  /** Override of lazy_max_pages() (vmalloc.lazy_max_pages=, an mmlab parameter). */
  lazyMaxPagesOverride = -1;
  /** nohugevmalloc clears it. */
  vmap_allow_huge = true;
  readonly bugs = new Set<VreallocBug>();
  kasan: KasanVmallocHooks | null = null;
  memcg: MemcgVmallocHooks | null = null;

  constructor(private readonly k: Kernel) {
    k.registerParams({
      prefix: "",
      params: [
        {
          name: "nohugevmalloc",
          help: "map vmalloc_huge() areas with 4 KiB pages only",
          parse: () => {
            this.vmap_allow_huge = false;
            return undefined;
          },
        },
      ],
    });
    k.registerParams({
      prefix: "vrealloc",
      params: [
        {
          name: "bug",
          help: `replay historic vrealloc bugs: ${Object.entries(VREALLOC_BUGS)
            .map(([id, n]) => (id === n ? n : `${id} (${n})`))
            .join(", ")}`,
          parse: (v) => this.parseBugs(v),
        },
      ],
    });
    k.registerParams({
      prefix: "vmalloc",
      params: [
        {
          name: "lazy_max_pages",
          help: "purge lazily freed vmap areas beyond this many pages (default: fls(CPUs) * 32 MiB / PAGE_SIZE)",
          parse: (v) => {
            const n = parseUint(v);
            if (n === undefined) return `expected a page count, got '${v}'`;
            this.lazyMaxPagesOverride = n;
            return undefined;
          },
        },
      ],
    });
  }

  private parseBugs(v: string | true): string | undefined {
    if (v === true) return "expected a commit id or a name";
    for (const word of v.split(",")) {
      const w = word.trim().toLowerCase();
      const hit = Object.entries(VREALLOC_BUGS).find(
        ([id, name]) => name === w || (w.length >= 7 && id.startsWith(w)),
      );
      if (!hit)
        return `unknown bug '${word}' (known: ${Object.entries(VREALLOC_BUGS)
          .map(([id, n]) => `${id}=${n}`)
          .join(", ")})`;
      this.bugs.add(hit[1]);
    }
    return undefined;
  }

  // ---- the vmap_area allocator ----

  /** lazy_max_pages(): fls(num_online_cpus) * (32 MiB / PAGE_SIZE), unless overridden. */
  lazy_max_pages(): number {
    if (this.lazyMaxPagesOverride >= 0) return this.lazyMaxPagesOverride;
    return fls(this.k.machine.harts.length) * ((32 << 20) / PAGE_SIZE);
  }

  /** Reserve `size` bytes of VA in [vstart, vend) aligned to `align`: the lowest fit. */
  private alloc_vmap_area(size: bigint, align: bigint, vstart: bigint, vend: bigint): bigint {
    this.k.charge(COST.vmapArea);
    let addr = this.find_vmap_lowest_match(size, align, vstart, vend);
    if (addr < 0n) {
      this.purge_vmap_area_lazy(); // free space held by lazy areas, then retry once
      addr = this.find_vmap_lowest_match(size, align, vstart, vend);
    }
    if (addr >= 0n) this.clip(addr, addr + size);
    return addr;
  }

  private find_vmap_lowest_match(size: bigint, align: bigint, vstart: bigint, vend: bigint): bigint {
    for (const [s, e] of this.free) {
      if (e <= vstart) continue;
      if (s >= vend) break;
      const start = ALIGN(s > vstart ? s : vstart, align);
      const end = e < vend ? e : vend;
      if (start + size <= end) return start;
    }
    return -1n;
  }

  /** Remove [s, e) from the free blocks (it lies inside one). */
  private clip(s: bigint, e: bigint): void {
    const i = this.free.findIndex(([fs, fe]) => fs <= s && e <= fe);
    BUG_ON(i < 0, "mm/vmalloc.c:va_clip", () => `clip of busy range 0x${hex64(s)}-0x${hex64(e)}`);
    const [fs, fe] = this.free[i]!;
    const parts: [bigint, bigint][] = [];
    if (fs < s) parts.push([fs, s]);
    if (e < fe) parts.push([e, fe]);
    this.free.splice(i, 1, ...parts);
  }

  /** Give [s, e) back to the free blocks, merging neighbours; returns the merged block. */
  private insert_free(s: bigint, e: bigint): [bigint, bigint] {
    let i = 0;
    while (i < this.free.length && this.free[i]![0] < s) i++;
    this.free.splice(i, 0, [s, e]);
    if (i + 1 < this.free.length && this.free[i]![1] === this.free[i + 1]![0]) {
      this.free[i]![1] = this.free[i + 1]![1];
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1]![1] === this.free[i]![0]) {
      this.free[i - 1]![1] = this.free[i]![1];
      this.free.splice(i, 1);
      i--;
    }
    return this.free[i]!;
  }

  private insert_busy(va: vmap_area): void {
    let lo = 0;
    let hi = this.busy.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.busy[mid]!.va_start < va.va_start) lo = mid + 1;
      else hi = mid;
    }
    this.busy.splice(lo, 0, va);
  }

  /** The busy vmap_area containing `addr` (find_vmap_area). */
  find_vmap_area(addr: bigint): vmap_area | null {
    let lo = 0;
    let hi = this.busy.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const va = this.busy[mid]!;
      if (addr < va.va_start) hi = mid - 1;
      else if (addr >= va.va_end) lo = mid + 1;
      else return va;
    }
    return null;
  }

  /** The vm_struct of the area containing `addr`, or null. */
  find_vm_area(addr: bigint): vm_struct | null {
    return this.find_vmap_area(addr)?.vm ?? null;
  }

  /** The area that starts at `addr`; otherwise null, after the WARN Linux's `fn` (vfree,
   *  vunmap) gives for a pointer that is not one. */
  private area_at(addr: bigint, fn: string): vm_struct | null {
    const vm = this.find_vm_area(addr);
    if (vm?.addr === addr) return vm;
    WARN_ON(
      this.k,
      true,
      `mm/vmalloc.c:${fn}`,
      () => `Trying to ${fn}() nonexistent vm area (${hex64(addr)})`,
    );
    return null;
  }

  private unlink_busy(va: vmap_area): void {
    const i = this.busy.indexOf(va);
    BUG_ON(i < 0, "mm/vmalloc.c:unlink_va", () => `area 0x${hex64(va.va_start)} is not busy`);
    this.busy.splice(i, 1);
  }

  /** Queue a freed area's VA for the lazy purge; purge when over lazy_max_pages. */
  private free_vmap_area_noflush(va: vmap_area): void {
    this.lazy.push(va);
    this.vmap_lazy_nr += Number((va.va_end - va.va_start) / PAGE);
    if (this.vmap_lazy_nr > this.lazy_max_pages()) this.purge_vmap_area_lazy();
  }

  /** One flush over every lazy area, then their VAs (and KASAN shadow) go back to the free space. */
  purge_vmap_area_lazy(): boolean {
    if (!this.lazy.length) return false;
    let start = this.lazy[0]!.va_start;
    let end = this.lazy[0]!.va_end;
    for (const va of this.lazy) {
      if (va.va_start < start) start = va.va_start;
      if (va.va_end > end) end = va.va_end;
    }
    this.k.flush.flush_tlb_kernel_range(start, end);
    for (const va of this.lazy) {
      const [fs, fe] = this.insert_free(va.va_start, va.va_end);
      this.kasan?.release_vmalloc(va.va_start, va.va_end, fs, fe, KASAN_VMALLOC_PAGE_RANGE);
    }
    this.kasan?.flush_shadow(start, end);
    this.lazy = [];
    this.vmap_lazy_nr = 0;
    this.purges++;
    return true;
  }

  /** vm_unmap_aliases(): flush every lazily freed alias now. */
  vm_unmap_aliases(): void {
    this.purge_vmap_area_lazy();
  }

  /** Reserve VA for an area (guard included unless VM_NO_GUARD) and its vm_struct. */
  private __get_vm_area_node(
    size: number,
    align: number,
    shift: number,
    flags: number,
    start: bigint,
    end: bigint,
    caller: string,
  ): vm_struct | null {
    const unit = 2 ** shift;
    const sz = Math.ceil(size / unit) * unit;
    const total = sz + (flags & VM_NO_GUARD ? 0 : PAGE_SIZE);
    const addr = this.alloc_vmap_area(BigInt(total), BigInt(Math.max(align, PAGE_SIZE)), start, end);
    if (addr < 0n) return null;
    const vm: vm_struct = {
      addr,
      size: total,
      flags,
      pages: [],
      page_order: 0,
      nr_pages: 0,
      phys_addr: 0,
      caller,
      requested_size: size,
    };
    const va: vmap_area = { va_start: addr, va_end: addr + BigInt(total), vm, flags: 0 };
    if (flags & VM_ALLOC && this.kasan && !this.kasan.populate_vmalloc(addr, BigInt(total))) {
      this.insert_free(addr, addr + BigInt(total));
      return null;
    }
    this.insert_busy(va);
    return vm;
  }

  /** get_vm_area_caller(): an area without pages (vmap and ioremap style). */
  get_vm_area_caller(size: number, flags: number, caller: string): vm_struct | null {
    const sz = PAGE_SIZE * Math.ceil(size / PAGE_SIZE);
    return this.__get_vm_area_node(sz, 1, PAGE_SHIFT, flags, VMALLOC_START, VMALLOC_END, caller);
  }

  /** get_vm_area_size(): the mapped size, without the guard page. */
  get_vm_area_size(vm: vm_struct): number {
    return vm.flags & VM_NO_GUARD ? vm.size : vm.size - PAGE_SIZE;
  }

  /** Unlink the area at `addr` from the busy tree, poison its shadow and unmap it (no flush).
   *  Its VA goes to the lazy list. */
  remove_vm_area(addr: bigint): vm_struct | null {
    const unaligned = addr % PAGE !== 0n;
    if (WARN_ON(this.k, unaligned, REMOVE_VM_AREA, () => `Trying to vfree() bad address (0x${hex64(addr)})`))
      return null;
    const va = this.find_vmap_area(addr);
    if (!va?.vm || va.va_start !== addr) return null;
    const vm = va.vm;
    this.unlink_busy(va);
    if (vm.flags & VM_ALLOC) this.kasan?.kasan_poison_vmalloc(addr, this.get_vm_area_size(vm));
    this.k.pgd.unmapRange(addr, this.get_vm_area_size(vm));
    this.free_vmap_area_noflush(va);
    return vm;
  }

  // ---- pages ----

  /** Allocate nr_pages pages (as 2^order blocks split into 4 KiB struct pages); returns how many
   *  pages were obtained, pushing their frames onto vm.pages. */
  private vm_area_alloc_pages(vm: vm_struct, gfp: number, order: number, nrPages: number): number {
    const k = this.k;
    while (vm.pages.length < nrPages) {
      const pfn = k.pages.alloc_pages(order);
      if (pfn < 0) break;
      k.charge(COST.pageAlloc);
      if (order > 0) k.pages.split_page(pfn, order);
      for (let i = 0; i < 1 << order; i++) {
        if (this.memcg && gfp & GFP.__GFP_ACCOUNT && !this.memcg.charge(pfn + i, 1, gfp)) {
          for (let j = i; j < 1 << order; j++) k.pages.__free_pages(pfn + j, 0);
          return vm.pages.length;
        }
        k.pages.flags[k.pages.idx(pfn + i)]! |= PG_vmalloc;
        vm.pages.push(pfn + i);
      }
    }
    return vm.pages.length;
  }

  /** Free pages [from, to) of vm.pages with their counters (vm_area_free_pages). */
  private vm_area_free_pages(vm: vm_struct, from: number, to: number): void {
    const k = this.k;
    const n = to - from;
    // The statistic goes first, while pages[0] still carries its memcg (as vfree does it).
    if (!(vm.flags & VM_MAP_PUT_PAGES) && vm.pages.length && n > 0) {
      this.memcg?.mod_memcg_page_state(vm.pages[0]!, "vmalloc", -n);
    }
    for (let i = from; i < to; i++) {
      const pfn = vm.pages[i]!;
      if (k.config.initOnFree) k.kmem.memset(__va(pfn * PAGE_SIZE), 0, PAGE_SIZE, "free_pages");
      this.memcg?.uncharge(pfn, 1);
      k.pages.flags[k.pages.idx(pfn)]! &= ~PG_vmalloc;
      k.pages.__free_pages(pfn, 0);
    }
    this.nr_vmalloc_pages -= n;
    k.vmstat.dec("nr_vmalloc", n);
  }

  /** Map vm's pages at vm.addr: 4 KiB PTEs, or 2 MiB leaves when page_order is 9. */
  private vmap_pages_range(vm: vm_struct, prot: number): boolean {
    const step = 1 << vm.page_order;
    for (let i = 0; i < vm.nr_pages; i += step) {
      this.k.charge(COST.pte);
      const va = vm.addr + BigInt(i * PAGE_SIZE);
      if (!this.k.pgd.mapPage(va, vm.pages[i]!, prot, vm.page_order === PMD_ORDER ? 1 : 0)) return false;
    }
    return true;
  }

  // ---- the allocation API ----

  /** __vmalloc_node_range(): the allocator behind every vmalloc variant. Returns 0n on failure. */
  __vmalloc_node_range(
    size: number,
    align: number,
    start: bigint,
    end: bigint,
    gfp: number,
    prot: number,
    vmFlags: number,
    _node: number,
    caller: string,
  ): bigint {
    const k = this.k;
    if (WARN_ON(k, size <= 0, "mm/vmalloc.c:__vmalloc_node_range_noprof", "vmalloc: zero-sized allocation"))
      return 0n;
    if (!(gfp & GFP.__GFP_DIRECT_RECLAIM)) {
      // This kernel's vmalloc may sleep (page tables, pages): non-blocking requests fail, as
      // they did in Linux before the 2025 no-block series (test_vmalloc's no_block test: xfail).
      this.warnAlloc(gfp, `vmalloc error: size ${size}, non-blocking allocations are not supported`);
      return 0n;
    }
    if (size / PAGE_SIZE > k.pages.nrPages) {
      this.warnAlloc(gfp, `vmalloc error: size ${size}, exceeds total pages`);
      return 0n;
    }
    const req: VmallocRequest = { size, start, end, gfp, prot, vmFlags, caller };
    if (this.vmap_allow_huge && vmFlags & VM_ALLOW_HUGE_VMAP && size >= PMD_SIZE) {
      const p = this.vmalloc_try(req, { shift: PMD_SHIFT, align: Math.max(align, PMD_SIZE), quiet: true });
      if (p !== 0n) return p;
      // Any failure of the huge path falls back to 4 KiB pages and the original alignment.
    }
    return this.vmalloc_try(req, { shift: PAGE_SHIFT, align, quiet: false });
  }

  /** One attempt of __vmalloc_node_range() with pages of 2^shift bytes: the area, its pages and
   *  their mapping, then the KASAN unpoisoning. 0n on failure, with everything given back (and
   *  an allocation warning unless `quiet`). */
  private vmalloc_try(req: VmallocRequest, how: { shift: number; align: number; quiet: boolean }): bigint {
    const { size, start, end, gfp, caller } = req;
    const flags = VM_ALLOC | VM_UNINITIALIZED | req.vmFlags;
    const vm = this.__get_vm_area_node(size, how.align, how.shift, flags, start, end, caller);
    if (!vm) {
      const range = `0x${hex64(start)} - 0x${hex64(end)}`;
      if (!how.quiet)
        this.warnAlloc(
          gfp,
          `vmalloc_node_range for size ${size} failed: Address range restricted to ${range}`,
        );
      return 0n;
    }
    if (!this.__vmalloc_area_node(vm, gfp, req.prot, how.shift)) {
      if (!how.quiet) this.warnAlloc(gfp, `vmalloc error: size ${size}, failed to allocate pages`);
      this.vfree_area(vm);
      return 0n;
    }
    this.kasan?.kasan_unpoison_vmalloc(vm.addr, size);
    vm.flags &= ~VM_UNINITIALIZED;
    return vm.addr;
  }

  /** __vmalloc_area_node(): the area's pages (2^shift bytes each, split into 4 KiB struct
   *  pages), counted, zeroed if asked, and mapped. False if a page or a page table could not
   *  be had; the caller frees the area and what it holds. */
  private __vmalloc_area_node(vm: vm_struct, gfp: number, prot: number, shift: number): boolean {
    const k = this.k;
    const nrPages = this.get_vm_area_size(vm) / PAGE_SIZE;
    vm.page_order = shift - PAGE_SHIFT;
    const got = this.vm_area_alloc_pages(vm, gfp, vm.page_order, nrPages);
    vm.nr_pages = got;
    this.nr_vmalloc_pages += got;
    k.vmstat.inc("nr_vmalloc", got);
    if (gfp & GFP.__GFP_ACCOUNT && got > 0) this.memcg?.mod_memcg_page_state(vm.pages[0]!, "vmalloc", got);
    if (gfp & GFP.__GFP_ZERO || k.config.initOnAlloc) {
      // As the page allocator does it: through the direct map, before the pages are mapped here.
      for (const pfn of vm.pages) k.kmem.memset(__va(pfn * PAGE_SIZE), 0, PAGE_SIZE, "clear_page");
    }
    return got === nrPages && this.vmap_pages_range(vm, prot);
  }

  private warnAlloc(gfp: number, msg: string): void {
    if (gfp & GFP.__GFP_NOWARN) return;
    this.k.printk.log("warning", `${msg}, mode:0x${gfp.toString(16)}`);
  }

  vmalloc(size: number, caller = "vmalloc"): bigint {
    return this.__vmalloc_node(size, 1, GFP_KERNEL, NUMA_NO_NODE, caller);
  }

  vzalloc(size: number, caller = "vzalloc"): bigint {
    return this.__vmalloc_node(size, 1, GFP_KERNEL | GFP.__GFP_ZERO, NUMA_NO_NODE, caller);
  }

  /** vmalloc_huge(): 2 MiB leaves when the size allows and huge vmalloc is on. */
  vmalloc_huge(size: number, gfp = GFP_KERNEL, caller = "vmalloc_huge"): bigint {
    return this.vmalloc_range(size, { gfp, vmFlags: VM_ALLOW_HUGE_VMAP, caller });
  }

  /** vmalloc_user(): zeroed, may be mapped to user space (VM_USERMAP). */
  vmalloc_user(size: number, caller = "vmalloc_user"): bigint {
    const gfp = GFP_KERNEL | GFP.__GFP_ZERO;
    return this.vmalloc_range(size, { align: PAGE_SIZE, gfp, vmFlags: VM_USERMAP, caller });
  }

  __vmalloc_node(size: number, align: number, gfp: number, node: number, caller: string): bigint {
    return this.vmalloc_range(size, { align, gfp, node, caller });
  }

  /** __vmalloc_node_range() over the whole vmalloc range with PAGE_KERNEL, as the vmalloc
   *  variants above and kvmalloc's fallback (VM_ALLOW_HUGE_VMAP, mm/slub.c) ask for it. */
  vmalloc_range(
    size: number,
    opts: { align?: number; gfp: number; vmFlags?: number; node?: number; caller: string },
  ): bigint {
    const { align = 1, gfp, vmFlags = 0, node = NUMA_NO_NODE, caller } = opts;
    return this.__vmalloc_node_range(
      size,
      align,
      VMALLOC_START,
      VMALLOC_END,
      gfp,
      PAGE_KERNEL,
      vmFlags,
      node,
      caller,
    );
  }

  /** __vmalloc(): vmalloc with the caller's gfp flags (GFP_KERNEL or stricter). */
  __vmalloc(size: number, gfp: number, caller = "__vmalloc"): bigint {
    return this.__vmalloc_node(size, 1, gfp, NUMA_NO_NODE, caller);
  }

  /** vfree(): unmap now, free the pages now, leave the VA and its TLB flush to the lazy purge. */
  vfree(addr: bigint): void {
    if (addr === 0n) return;
    const vm = this.area_at(addr, "vfree");
    if (vm) this.vfree_area(vm);
  }

  private vfree_area(vm: vm_struct): void {
    if (!this.remove_vm_area(vm.addr)) return;
    if (!(vm.flags & VM_ALLOC) && !(vm.flags & VM_MAP_PUT_PAGES)) return; // vmap: the pages are the caller's
    this.vm_area_free_pages(vm, 0, vm.nr_pages);
  }

  /** vmap(): map `pages` (4 KiB frames) contiguously. VM_FLUSH_RESET_PERMS is refused. */
  vmap(pages: number[], flags: number = VM_MAP, prot = PAGE_KERNEL, caller = "vmap"): bigint {
    if (pages.length > this.k.pages.nrPages) return 0n;
    const resetPerms = (flags & VM_FLUSH_RESET_PERMS) !== 0;
    if (WARN_ON(this.k, resetPerms, "mm/vmalloc.c:vmap", "vmap: VM_FLUSH_RESET_PERMS is not supported"))
      return 0n;
    const vm = this.get_vm_area_caller(pages.length * PAGE_SIZE, (flags & ~VM_NO_GUARD) | VM_MAP, caller);
    if (!vm) return 0n;
    vm.pages = [...pages];
    vm.nr_pages = pages.length;
    if (!this.vmap_pages_range(vm, prot & ~PTE_X)) {
      this.remove_vm_area(vm.addr);
      return 0n;
    }
    if (!(flags & VM_MAP_PUT_PAGES)) vm.nr_pages = 0;
    return vm.addr;
  }

  /** vunmap(): release a vmap() area; its pages stay the caller's (unless VM_MAP_PUT_PAGES). */
  vunmap(addr: bigint): void {
    const vm = this.area_at(addr, "vunmap");
    if (!vm) return;
    this.remove_vm_area(addr);
    if (vm.flags & VM_MAP_PUT_PAGES) this.vm_area_free_pages(vm, 0, vm.nr_pages);
  }

  /** vm_map_ram(): a short-lived mapping of up to VMAP_MAX_ALLOC pages, no vm_struct. 0n if
   *  the VA, its shadow or a page table cannot be had (what was done is undone). */
  vm_map_ram(pages: number[]): bigint {
    if (pages.length === 0 || pages.length > VMAP_MAX_ALLOC) return 0n;
    const size = BigInt(pages.length * PAGE_SIZE);
    const addr = this.alloc_vmap_area(size, PAGE, VMALLOC_START, VMALLOC_END);
    if (addr < 0n) return 0n;
    if (this.kasan && !this.kasan.populate_vmalloc(addr, size)) {
      this.insert_free(addr, addr + size);
      return 0n;
    }
    this.insert_busy({ va_start: addr, va_end: addr + size, vm: null, flags: VMAP_RAM });
    this.kasan?.kasan_unpoison_vmalloc(addr, Number(size));
    for (const [i, pfn] of pages.entries()) {
      if (!this.k.pgd.mapPage(addr + BigInt(i * PAGE_SIZE), pfn, PAGE_KERNEL)) {
        this.vm_unmap_ram(addr, pages.length);
        return 0n;
      }
    }
    return addr;
  }

  /** vm_unmap_ram(): undo vm_map_ram(); the VA is freed lazily. */
  vm_unmap_ram(addr: bigint, count: number): void {
    const va = this.find_vmap_area(addr);
    const bad =
      !va || va.vm !== null || va.va_start !== addr || va.va_end - addr !== BigInt(count * PAGE_SIZE);
    if (WARN_ON(this.k, bad, "mm/vmalloc.c:vm_unmap_ram", () => `vm_unmap_ram: bad address 0x${hex64(addr)}`))
      return;
    this.unlink_busy(va!);
    this.kasan?.kasan_poison_vmalloc(addr, count * PAGE_SIZE);
    this.k.pgd.unmapRange(addr, count * PAGE_SIZE);
    this.free_vmap_area_noflush(va!);
  }

  /** vmalloc_to_page(): the frame mapped at `addr` (from the page table), or -1. */
  vmalloc_to_page(addr: bigint): number {
    const leaf = this.k.pgd.lookup(addr);
    if (!leaf) return -1;
    const pagesIn = Number((addr % BigInt(PAGE_SIZE * 512 ** leaf.level)) / PAGE);
    return ptePpn(leaf.lo, leaf.hi) + pagesIn;
  }

  // ---- vrealloc ----

  /** vrealloc_node_align(): resize a vmalloc'd object (docs/reference/vmalloc.md, "vrealloc").
   *  NULL acts as vmalloc, size 0 frees; on failure p stays valid and untouched. */
  vrealloc(
    p: bigint,
    size: number,
    gfp = GFP_KERNEL,
    align = 1,
    nid = NUMA_NO_NODE,
    caller = "vrealloc",
  ): bigint {
    if (size === 0) {
      this.vfree(p);
      return 0n;
    }
    if (p === 0n) return this.__vmalloc_node(size, align, gfp, nid, caller);
    const vm = this.vrealloc_area(p, align);
    if (!vm) return 0n;
    const oldSize = vm.requested_size;
    const wrongNode = gfp & GFP.__GFP_THISNODE && nid !== NUMA_NO_NODE && nid !== 0;
    if (!wrongNode) {
      if (size <= oldSize) return this.vrealloc_shrink(p, vm, oldSize, size, gfp);
      if (this.vrealloc_in_place(p, vm, oldSize, size, gfp)) return p;
    }
    const n = this.__vmalloc_node(size, align, gfp, nid, caller);
    if (n === 0n) return 0n;
    this.k.kmem.memcpy(n, p, Math.min(oldSize, size), "vrealloc");
    this.vfree(p);
    return n;
  }

  /** The area vrealloc() may resize at p; null after the WARN Linux gives for an unknown
   *  pointer, an area smaller than its requested size, or a bigger alignment than p has. */
  private vrealloc_area(p: bigint, align: number): vm_struct | null {
    const k = this.k;
    const where = "mm/vmalloc.c:vrealloc_node_align_noprof";
    const vm = this.find_vm_area(p);
    if (!vm) {
      WARN_ON(k, true, where, () => `Trying to vrealloc() nonexistent vm area (${hex64(p)})`);
      return null;
    }
    const mismatched = this.get_vm_area_size(vm) < vm.requested_size;
    if (WARN_ON(k, mismatched, where, "vrealloc() has mismatched area vs requested sizes")) return null;
    const misaligned = p % BigInt(align) !== 0n;
    if (
      WARN_ON(
        k,
        misaligned,
        where,
        () => `will not reallocate with a bigger alignment (0x${align.toString(16)})`,
      )
    )
      return null;
    return vm;
  }

  /** Grow within the pages still mapped: the new bytes are unpoisoned, not zeroed (they were
   *  zeroed at allocation or at the shrink that left them). False if the area is too small. */
  private vrealloc_in_place(p: bigint, vm: vm_struct, oldSize: number, size: number, gfp: number): boolean {
    const k = this.k;
    const limit = this.bugs.has("shrink-keeps-pages") ? this.get_vm_area_size(vm) : vm.nr_pages * PAGE_SIZE;
    if (size > limit) return false;
    vm.requested_size = size;
    // d699440f58ce: reusing the area must unpoison [old, size) again.
    if (!this.bugs.has("kasan-stale-shadow")) this.kasan?.kasan_vrealloc(p, oldSize, size);
    if (this.bugs.has("zero-on-grow") && (k.config.initOnAlloc || gfp & GFP.__GFP_ZERO)) {
      k.kmem.memset(p + BigInt(oldSize), 0, size - oldSize, "vrealloc");
    }
    return !this.bugs.has("in-place-not-returned");
  }

  /** The shrink (or same-size) path: zero the tail under init_on_free / init_on_alloc /
   *  __GFP_ZERO, and free the pages past the new size with an immediate TLB flush. */
  private vrealloc_shrink(p: bigint, vm: vm_struct, oldSize: number, size: number, gfp: number): bigint {
    const k = this.k;
    const zero = this.bugs.has("zero-on-grow")
      ? k.config.initOnFree
      : k.config.initOnFree || k.config.initOnAlloc || (gfp & GFP.__GFP_ZERO) !== 0;
    if (zero && oldSize > size) {
      // Only the still-mapped part: beyond nr_pages nothing is mapped after an earlier shrink.
      const end = Math.min(oldSize, vm.nr_pages * PAGE_SIZE);
      if (end > size) k.kmem.memset(p + BigInt(size), 0, end - size, "vrealloc");
    }
    const newNr = Math.ceil(size / PAGE_SIZE);
    const oldNr = vm.nr_pages;
    const canFree =
      !this.bugs.has("shrink-keeps-pages") &&
      oldNr > newNr &&
      vm.page_order === 0 &&
      !(vm.flags & (VM_USERMAP | VM_FLUSH_RESET_PERMS)) &&
      (gfp & (GFP.__GFP_IO | GFP.__GFP_FS)) === (GFP.__GFP_IO | GFP.__GFP_FS);
    if (canFree) {
      vm.nr_pages = newNr;
      const start = p + BigInt(newNr * PAGE_SIZE);
      const end = p + BigInt(oldNr * PAGE_SIZE);
      k.pgd.unmapRange(start, (oldNr - newNr) * PAGE_SIZE);
      if (!this.bugs.has("unmap-no-flush")) k.flush.flush_tlb_kernel_range(start, end);
      this.vm_area_free_pages(vm, newNr, oldNr);
      vm.pages.length = newNr;
    }
    vm.requested_size = size;
    this.kasan?.kasan_vrealloc(p, oldSize, size); // poisons [size, old); before d699440f58ce too
    return p;
  }

  // ---- /proc ----

  /** /proc/vmallocinfo. */
  vmallocinfo(): string {
    const lines: string[] = [];
    for (const va of this.busy) {
      const size = va.va_end - va.va_start;
      const head = `0x${hex64(va.va_start)}-0x${hex64(va.va_end)} ${size.toString().padStart(7, " ")}`;
      if (!va.vm) {
        if (va.flags & VMAP_RAM) lines.push(`${head} vm_map_ram`);
        continue;
      }
      const vm = va.vm;
      if (vm.flags & VM_UNINITIALIZED) continue;
      let line = `${head} ${vm.caller}`;
      if (vm.nr_pages) line += ` pages=${vm.nr_pages}`;
      if (vm.phys_addr) line += ` phys=0x${vm.phys_addr.toString(16)}`;
      if (vm.flags & VM_IOREMAP) line += " ioremap";
      if (vm.flags & VM_SPARSE) line += " sparse";
      if (vm.flags & VM_ALLOC) line += " vmalloc";
      if (vm.flags & VM_MAP) line += " vmap";
      if (vm.flags & VM_USERMAP) line += " user";
      if (vm.flags & VM_DMA_COHERENT) line += " dma-coherent";
      if (vm.nr_pages * 8 > PAGE_SIZE) line += " vpages";
      if (vm.nr_pages) line += ` N0=${vm.nr_pages}`;
      lines.push(line);
    }
    for (const va of this.lazy) {
      const size = va.va_end - va.va_start;
      lines.push(
        `0x${hex64(va.va_start)}-0x${hex64(va.va_end)} ${size.toString().padStart(7, " ")} unpurged vm_area`,
      );
    }
    return lines.join("\n");
  }

  /** The Vmalloc lines of /proc/meminfo. */
  meminfo(): string[] {
    return [
      meminfoLine("VmallocTotal", (VMALLOC_END - VMALLOC_START) >> 10n),
      meminfoLine("VmallocUsed", this.nr_vmalloc_pages * 4),
      meminfoLine("VmallocChunk", 0),
    ];
  }

  /** Busy areas, for tests and the console. */
  areas(): readonly vmap_area[] {
    return this.busy;
  }

  /** Lazily freed areas awaiting the purge (their VA and TLB flush), in the order freed: the
   *  "unpurged vm_area" lines of vmallocinfo, for the web page's map. */
  lazyAreas(): readonly vmap_area[] {
    return this.lazy;
  }

  /** Is `addr` in the vmalloc range? */
  is_vmalloc_addr(addr: bigint): boolean {
    return is_vmalloc_addr(addr);
  }
}
