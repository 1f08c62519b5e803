// The mutations scripts/mutate.ts applies: each deletes (or neuters) one safety step of a kernel
// path that unmaps, moves, remaps or frees memory — a TLB flush, a KASAN poisoning, a PTE
// clear, a page free — or flips one PTE bit (R W X U G A D) that the path carries over. Each
// names the test files that must catch it. `find` must occur exactly once in `file`.

export interface Mutation {
  id: string;
  file: string;
  /** The function the mutation is in. */
  fn: string;
  /** What the mutation deletes or changes, for the table. */
  what: string;
  find: string;
  replace: string;
  tests: string[];
}

const T = (name: string): string => `test/kernel/${name}.test.ts`;
const VMALLOC_TESTS = [T("vmalloc"), T("kasan")];
const MM_TESTS = [T("mm")];
const FLUSH_TESTS = [T("tlbflush"), T("vmalloc"), T("mm")];

/** RISC-V PTE bits by letter (src/mmu/pte.ts): the ones a path must carry over unchanged. */
const BITS = { R: 0x2, W: 0x4, X: 0x8, U: 0x10, G: 0x20, A: 0x40, D: 0x80 } as const;

type Site = Omit<Mutation, "id" | "what" | "replace"> & { id: string; expr: string };

/** A mutation deleting the statement `find` (replaced by `keep`, default nothing). */
function del(
  id: string,
  file: string,
  fn: string,
  what: string,
  find: string,
  tests: string[],
  keep = "",
): Mutation {
  return { id, file, fn, what: `deleted: ${what}`, find, replace: keep, tests };
}

/** A mutation replacing `find` by `replace`. */
function change(
  id: string,
  file: string,
  fn: string,
  what: string,
  find: string,
  replace: string,
  tests: string[],
): Mutation {
  return { id, file, fn, what, find, replace, tests };
}

/** One mutation per PTE bit: the PTE value `expr` (inside `find`) with that bit flipped. */
function bits(site: Site): Mutation[] {
  if (!site.find.includes(site.expr)) throw new Error(`${site.id}: '${site.expr}' is not in '${site.find}'`);
  return Object.entries(BITS).map(([name, bit]) => ({
    id: `${site.id}.${name}`,
    file: site.file,
    fn: site.fn,
    what: `PTE bit ${name} flipped in \`${site.expr}\``,
    find: site.find,
    replace: site.find.replace(site.expr, `((${site.expr}) ^ 0x${bit.toString(16)})`),
    tests: site.tests,
  }));
}

const VMALLOC = "src/kernel/vmalloc.ts";
const KASAN = "src/kernel/kasan.ts";
const PGTABLE = "src/kernel/pgtable.ts";
const FLUSH = "src/kernel/tlbflush.ts";
const MM = "src/kernel/mm.ts";
const PROCESS = "src/kernel/process.ts";
const TLB = "src/mmu/tlb.ts";
const PAGING = "src/cpu/paging.ts";

const vmalloc: Mutation[] = [
  del(
    "purge.flush",
    VMALLOC,
    "purge_vmap_area_lazy",
    "the TLB flush of the lazily freed areas",
    "this.k.flush.flush_tlb_kernel_range(start, end);",
    VMALLOC_TESTS,
  ),
  del(
    "purge.shadow-release",
    VMALLOC,
    "purge_vmap_area_lazy",
    "kasan_release_vmalloc (the shadow pages are kept)",
    "this.kasan?.release_vmalloc(va.va_start, va.va_end, fs, fe, KASAN_VMALLOC_PAGE_RANGE);",
    VMALLOC_TESTS,
  ),
  del(
    "purge.shadow-flush",
    VMALLOC,
    "purge_vmap_area_lazy",
    "the TLB flush of the released shadow",
    "this.kasan?.flush_shadow(start, end);",
    VMALLOC_TESTS,
  ),
  del(
    "lazy.threshold",
    VMALLOC,
    "free_vmap_area_noflush",
    "the purge when more than lazy_max_pages are lazily freed",
    "if (this.vmap_lazy_nr > this.lazy_max_pages()) this.purge_vmap_area_lazy();",
    VMALLOC_TESTS,
  ),
  change(
    "lazy.no-wait",
    VMALLOC,
    "free_vmap_area_noflush",
    "the freed VA goes back to the free space at once, without the purge's flush",
    "this.lazy.push(va);\n    this.vmap_lazy_nr += Number((va.va_end - va.va_start) / PAGE);",
    "this.insert_free(va.va_start, va.va_end);",
    VMALLOC_TESTS,
  ),
  del(
    "unmap-aliases",
    VMALLOC,
    "vm_unmap_aliases",
    "the purge",
    "  vm_unmap_aliases(): void {\n    this.purge_vmap_area_lazy();",
    VMALLOC_TESTS,
    "  vm_unmap_aliases(): void {",
  ),
  del(
    "remove.poison",
    VMALLOC,
    "remove_vm_area",
    "kasan_poison_vmalloc of the area",
    "if (vm.flags & VM_ALLOC) this.kasan?.kasan_poison_vmalloc(addr, this.get_vm_area_size(vm));",
    VMALLOC_TESTS,
  ),
  del(
    "remove.unmap",
    VMALLOC,
    "remove_vm_area",
    "the PTE clear (vunmap_range_noflush)",
    "this.k.pgd.unmapRange(addr, this.get_vm_area_size(vm));",
    VMALLOC_TESTS,
  ),
  del(
    "vfree.pages",
    VMALLOC,
    "vfree_area",
    "the free of the area's pages",
    "    this.vm_area_free_pages(vm, 0, vm.nr_pages);\n  }",
    VMALLOC_TESTS,
    "  }",
  ),
  del(
    "vunmap.put-pages",
    VMALLOC,
    "vunmap",
    "the free of a VM_MAP_PUT_PAGES area's pages",
    "if (vm.flags & VM_MAP_PUT_PAGES) this.vm_area_free_pages(vm, 0, vm.nr_pages);",
    VMALLOC_TESTS,
  ),
  del(
    "vunmap.remove",
    VMALLOC,
    "vunmap",
    "remove_vm_area (the PTE clear and the lazy free)",
    "    this.remove_vm_area(addr);\n    if (vm.flags & VM_MAP_PUT_PAGES)",
    VMALLOC_TESTS,
    "    if (vm.flags & VM_MAP_PUT_PAGES)",
  ),
  change(
    "vmap.nx",
    VMALLOC,
    "vmap",
    "the caller's X bit is kept (vmap never maps executable)",
    "this.vmap_pages_range(vm, prot & ~PTE_X)",
    "this.vmap_pages_range(vm, prot)",
    VMALLOC_TESTS,
  ),
  del(
    "unmap-ram.poison",
    VMALLOC,
    "vm_unmap_ram",
    "kasan_poison_vmalloc",
    "this.kasan?.kasan_poison_vmalloc(addr, count * PAGE_SIZE);",
    VMALLOC_TESTS,
  ),
  del(
    "unmap-ram.unmap",
    VMALLOC,
    "vm_unmap_ram",
    "the PTE clear",
    "this.k.pgd.unmapRange(addr, count * PAGE_SIZE);",
    VMALLOC_TESTS,
  ),
  change(
    "unmap-ram.no-wait",
    VMALLOC,
    "vm_unmap_ram",
    "the VA goes back to the free space at once, without the purge's flush",
    "this.free_vmap_area_noflush(va!);",
    "this.insert_free(va!.va_start, va!.va_end);",
    VMALLOC_TESTS,
  ),
  del(
    "shrink.unmap",
    VMALLOC,
    "vrealloc_shrink",
    "the PTE clear of the freed tail",
    "k.pgd.unmapRange(start, (oldNr - newNr) * PAGE_SIZE);",
    VMALLOC_TESTS,
  ),
  del(
    "shrink.flush",
    VMALLOC,
    "vrealloc_shrink",
    "the TLB flush of the freed tail",
    'if (!this.bugs.has("unmap-no-flush")) k.flush.flush_tlb_kernel_range(start, end);',
    VMALLOC_TESTS,
  ),
  change(
    "shrink.flush-short",
    VMALLOC,
    "vrealloc_shrink",
    "the TLB flush stops one page short of the freed tail's end",
    ")) k.flush.flush_tlb_kernel_range(start, end);",
    ")) k.flush.flush_tlb_kernel_range(start, end - PAGE);",
    VMALLOC_TESTS,
  ),
  change(
    "shrink.range",
    VMALLOC,
    "vrealloc_shrink",
    "the unmapped tail starts one page early (a kept page is unmapped)",
    "const start = p + BigInt(newNr * PAGE_SIZE);",
    "const start = p + BigInt((newNr - 1) * PAGE_SIZE);",
    VMALLOC_TESTS,
  ),
  del(
    "shrink.pages",
    VMALLOC,
    "vrealloc_shrink",
    "the free of the tail's pages",
    "this.vm_area_free_pages(vm, newNr, oldNr);",
    VMALLOC_TESTS,
  ),
  del(
    "shrink.poison",
    VMALLOC,
    "vrealloc_shrink",
    "kasan_vrealloc (the poisoning of [size, old))",
    "this.kasan?.kasan_vrealloc(p, oldSize, size); // poisons",
    VMALLOC_TESTS,
    "// poisons",
  ),
  del(
    "shrink.zero",
    VMALLOC,
    "vrealloc_shrink",
    "the zeroing of the tail under init_on_free / init_on_alloc / __GFP_ZERO",
    'if (end > size) k.kmem.memset(p + BigInt(size), 0, end - size, "vrealloc");',
    VMALLOC_TESTS,
  ),
  del(
    "grow.unpoison",
    VMALLOC,
    "vrealloc_in_place",
    "kasan_vrealloc (the unpoisoning of [old, size))",
    'if (!this.bugs.has("kasan-stale-shadow")) this.kasan?.kasan_vrealloc(p, oldSize, size);',
    VMALLOC_TESTS,
  ),
  change(
    "grow.limit",
    VMALLOC,
    "vrealloc_in_place",
    "grow in place up to the area's size, past the pages still mapped",
    ": vm.nr_pages * PAGE_SIZE;\n    if (size > limit) return false;",
    ": this.get_vm_area_size(vm);\n    if (size > limit) return false;",
    VMALLOC_TESTS,
  ),
  del(
    "realloc-move.vfree",
    VMALLOC,
    "vrealloc",
    "the vfree of the old area after the move",
    "    this.vfree(p);\n    return n;",
    VMALLOC_TESTS,
    "    return n;",
  ),
  del(
    "realloc-move.copy",
    VMALLOC,
    "vrealloc",
    "the copy of min(old, new) bytes to the new area",
    '    this.k.kmem.memcpy(n, p, Math.min(oldSize, size), "vrealloc");\n',
    VMALLOC_TESTS,
  ),
  del(
    "free-pages.init-on-free",
    VMALLOC,
    "vm_area_free_pages",
    "the zeroing of freed pages under init_on_free",
    'if (k.config.initOnFree) k.kmem.memset(__va(pfn * PAGE_SIZE), 0, PAGE_SIZE, "free_pages");',
    VMALLOC_TESTS,
  ),
  del(
    "free-pages.uncharge",
    VMALLOC,
    "vm_area_free_pages",
    "the memcg uncharge of freed pages",
    "this.memcg?.uncharge(pfn, 1);",
    [...VMALLOC_TESTS, T("memcontrol")],
  ),
  ...bits({
    id: "vmap.prot",
    file: VMALLOC,
    fn: "vmap_pages_range",
    find: "this.k.pgd.mapPage(va, vm.pages[i]!, prot, vm.page_order",
    expr: "prot",
    tests: VMALLOC_TESTS,
  }),
];

const kasan: Mutation[] = [
  change(
    "kasan.poison-vmalloc",
    KASAN,
    "kasan_poison_vmalloc",
    "KASAN_VMALLOC_INVALID written as 0 (accessible)",
    "Math.ceil(size / KASAN_GRANULE_SIZE) * KASAN_GRANULE_SIZE, KASAN_VMALLOC_INVALID);",
    "Math.ceil(size / KASAN_GRANULE_SIZE) * KASAN_GRANULE_SIZE, 0);",
    VMALLOC_TESTS,
  ),
  del(
    "kasan.vrealloc-last-granule",
    KASAN,
    "kasan_vrealloc",
    "the poisoning of the shrunk object's partial last granule",
    "      this.kasan_poison_last_granule(p, newSize);\n",
    VMALLOC_TESTS,
  ),
  del(
    "kasan.release-unmap",
    KASAN,
    "release_vmalloc",
    "the unmap and free of the released shadow pages",
    "if (sp?.vmalloc) this.unmapShadowPage(key, sp);",
    VMALLOC_TESTS,
  ),
  del(
    "kasan.flush-shadow",
    KASAN,
    "flush_shadow",
    "the TLB flush of the released shadow",
    "this.kernel.flush.flush_tlb_kernel_range(kasan_mem_to_shadow(start), kasan_mem_to_shadow(end));",
    VMALLOC_TESTS,
  ),
];

const pgtable: Mutation[] = [
  del(
    "unmap-range.clear",
    PGTABLE,
    "KernelPageTable.unmapRange",
    "the PTE clear",
    "if (leaf) writePte(this.mem, leaf.pteAddr, 0, 0);",
    VMALLOC_TESTS,
  ),
  ...bits({
    id: "page-kernel",
    file: PGTABLE,
    fn: "PAGE_KERNEL",
    find: "export const PAGE_KERNEL = PTE_R | PTE_W | PTE_A | PTE_D | PTE_G;",
    expr: "PTE_R | PTE_W | PTE_A | PTE_D | PTE_G",
    tests: VMALLOC_TESTS,
  }),
];

const flush: Mutation[] = [
  del(
    "flush.remote",
    FLUSH,
    "TlbFlush.onEachHart",
    "the flush on the other harts (the shootdown)",
    "      this.cost?.charge(this.cost.ipi);\n      fn(h);",
    FLUSH_TESTS,
    "      this.cost?.charge(this.cost.ipi);",
  ),
  change(
    "flush.first-page-only",
    FLUSH,
    "TlbFlush.localFlushRange",
    "every per-page fence fences the range's first page",
    "h.sfenceLocal(start + BigInt(i * PAGE_SIZE), asid);",
    "h.sfenceLocal(start, asid);",
    FLUSH_TESTS,
  ),
  del(
    "flush.all",
    FLUSH,
    "TlbFlush.localFlushRange",
    "the full flush above tlb_flush_all_threshold",
    "      h.sfenceLocal(undefined, asid);\n      this.vmstat.inc",
    FLUSH_TESTS,
    "      this.vmstat.inc",
  ),
];

const mm: Mutation[] = [
  del(
    "zap.clear-pmd",
    MM,
    "mm_struct.zap_range",
    "the clear of a 2 MiB leaf",
    "          writePte(this.k.machine.mem, leaf.pteAddr, 0, 0);\n          this.k.pages.__free_pages",
    MM_TESTS,
    "          this.k.pages.__free_pages",
  ),
  del(
    "zap.free-pmd",
    MM,
    "mm_struct.zap_range",
    "the free of a 2 MiB page",
    "this.k.pages.__free_pages(ptePpn(leaf.lo, leaf.hi), 9);",
    MM_TESTS,
  ),
  del(
    "zap.clear-pte",
    MM,
    "mm_struct.zap_range",
    "the clear of a 4 KiB PTE",
    "      writePte(this.k.machine.mem, leaf.pteAddr, 0, 0);\n      this.k.pages.put_page",
    MM_TESTS,
    "      this.k.pages.put_page",
  ),
  del(
    "zap.free-pte",
    MM,
    "mm_struct.zap_range",
    "the free of a 4 KiB page (the mapping's reference dropped: put_page)",
    "this.k.pages.put_page(ptePpn(leaf.lo, leaf.hi));",
    MM_TESTS,
  ),
  del(
    "zap.flush",
    MM,
    "mm_struct.zap_range",
    "the TLB flush (munmap, MADV_DONTNEED, mremap's shrink, brk, exit)",
    "if (any) this.flush_tlb_range(start, end);",
    MM_TESTS,
  ),
  change(
    "flush-range.asid",
    MM,
    "mm_struct.flush_tlb_range",
    "the flush fences ASID 0, not the task's",
    "this.k.flush.flush_tlb_range(this.asid, start, end);",
    "this.k.flush.flush_tlb_range(0, start, end);",
    MM_TESTS,
  ),
  del(
    "munmap.vmas",
    MM,
    "mm_struct.do_munmap",
    "the removal of the unmapped VMAs",
    "      this.vmas.splice(i, 1);\n      v.vm_file?.ops.close?.();",
    MM_TESTS,
    "      v.vm_file?.ops.close?.();",
  ),
  del(
    "map-fixed.unmap",
    MM,
    "mm_struct.do_mmap",
    "MAP_FIXED's munmap of what was there",
    "      this.do_munmap(addr, len);\n      start = addr;",
    MM_TESTS,
    "      start = addr;",
  ),
  del(
    "brk.unmap",
    MM,
    "mm_struct.do_brk",
    "the munmap above a lowered break",
    "this.do_munmap(newEnd, oldEnd - newEnd);",
    MM_TESTS,
  ),
  del(
    "split.flush",
    MM,
    "mm_struct.split_huge_pmd",
    "the TLB flush of the 2 MiB entry",
    "this.flush_tlb_range(base, base + PMD); // the 2 MiB entry",
    MM_TESTS,
    "// the 2 MiB entry",
  ),
  change(
    "split.pfn",
    MM,
    "mm_struct.split_huge_pmd",
    "every 4 KiB piece maps the huge page's first page",
    "makePte(pfn + i, flags)",
    "makePte(pfn, flags)",
    MM_TESTS,
  ),
  ...bits({
    id: "split.bits",
    file: MM,
    fn: "mm_struct.split_huge_pmd",
    find: "const flags = leaf.lo & PTE_FLAGS;",
    expr: "leaf.lo & PTE_FLAGS",
    tests: MM_TESTS,
  }),
  del(
    "mprotect.flush",
    MM,
    "mm_struct.do_mprotect",
    "the TLB flush",
    "    this.flush_tlb_range(start, end);\n    return 0n;\n  }\n\n  /** madvise",
    MM_TESTS,
    "    return 0n;\n  }\n\n  /** madvise",
  ),
  del(
    "mprotect.pte",
    MM,
    "mm_struct.do_mprotect",
    "the PTE update (only the VMA changes)",
    "writePte(this.k.machine.mem, leaf.pteAddr, lo, leaf.hi);",
    MM_TESTS,
  ),
  del(
    "mprotect.split",
    MM,
    "mm_struct.do_mprotect",
    "the split of a 2 MiB leaf cut by the range",
    "if (leaf?.level === 1 && edge % PMD !== 0n) this.split_huge_pmd(ALIGN_DOWN(edge, PMD));",
    MM_TESTS,
  ),
  ...bits({
    id: "mprotect.bits",
    file: MM,
    fn: "mm_struct.do_mprotect",
    find: "const lo = (leaf.lo & ~(PTE_R | PTE_W | PTE_X)) | pteProt(f);",
    expr: "(leaf.lo & ~(PTE_R | PTE_W | PTE_X)) | pteProt(f)",
    tests: MM_TESTS,
  }),
  del(
    "madvise.dontneed",
    MM,
    "mm_struct.do_madvise",
    "MADV_DONTNEED's zap",
    "      this.zap_range(start, end);\n      return 0n;",
    MM_TESTS,
    "      return 0n;",
  ),
  del(
    "mremap.shrink",
    MM,
    "mm_struct.do_mremap",
    "the munmap of the tail on shrink",
    "if (newLen < oldLen) this.do_munmap(old + newLen, oldLen - newLen);",
    MM_TESTS,
  ),
  del(
    "mremap.fixed-unmap",
    MM,
    "mm_struct.do_mremap",
    "MREMAP_FIXED's munmap of the target",
    "this.do_munmap(newAddr, newLen);",
    MM_TESTS,
  ),
  change(
    "mremap.grow-over",
    MM,
    "mm_struct.do_mremap",
    "grow in place without checking that the range after the VMA is free",
    "this.rangeFree(v.vm_end, old + newLen) && old + newLen <= TASK_SIZE",
    "old + newLen <= TASK_SIZE",
    MM_TESTS,
  ),
  del(
    "mremap.move-clear",
    MM,
    "mm_struct.move_vma",
    "the clear of the old PTE",
    "      writePte(mem, leaf.pteAddr, 0, 0);\n    }",
    MM_TESTS,
    "    }",
  ),
  del(
    "mremap.move-flush",
    MM,
    "mm_struct.move_vma",
    "the TLB flush of the old range",
    "this.flush_tlb_range(old, old + oldLen);",
    MM_TESTS,
  ),
  ...bits({
    id: "mremap.move-bits",
    file: MM,
    fn: "mm_struct.move_vma",
    find: "writePte(mem, pa, leaf.lo, leaf.hi);",
    expr: "leaf.lo",
    tests: MM_TESTS,
  }),
  ...bits({
    id: "fault.bits",
    file: MM,
    fn: "mm_struct.install",
    find: "makePte(pfn, PTE_V | PTE_U | PTE_A | PTE_D | pteProt(vmFlags))",
    expr: "PTE_V | PTE_U | PTE_A | PTE_D | pteProt(vmFlags)",
    tests: MM_TESTS,
  }),
  ...bits({
    id: "thp-fault.bits",
    file: MM,
    fn: "mm_struct.fault_huge",
    find: "makePte(pfn, PTE_V | PTE_U | PTE_A | PTE_D | pteProt(v.vm_flags))",
    expr: "PTE_V | PTE_U | PTE_A | PTE_D | pteProt(v.vm_flags)",
    tests: MM_TESTS,
  }),
  del(
    "exit.zap",
    MM,
    "mm_struct.exit_mmap",
    "the zap of every VMA",
    "for (const v of [...this.vmas]) this.zap_range(v.vm_start, v.vm_end);",
    MM_TESTS,
  ),
  del(
    "exit.flush",
    MM,
    "mm_struct.exit_mmap",
    "the flush of the ASID (TLB and walk caches) on every hart",
    "for (const h of this.k.machine.harts) h.sfenceLocal(undefined, this.asid);",
    MM_TESTS,
  ),
  del(
    "exit.tables",
    MM,
    "mm_struct.exit_mmap",
    "the free of the page tables",
    "this.pgd.freeUserTables();",
    MM_TESTS,
  ),
  del(
    "exit-task.mm",
    PROCESS,
    "Scheduler.exitTask",
    "exit_mmap",
    "    this.saveUser(h, t);\n    t.mm.exit_mmap();",
    [T("mm"), T("process")],
    "    this.saveUser(h, t);",
  ),
];

const mmu: Mutation[] = [
  change(
    "tlb.fence-exact-vpn",
    TLB,
    "TlbModel.sfence",
    "a fence by address drops only entries whose first page is that page (superpages survive)",
    "if (vpn !== undefined && !this.leafCovers(s, vpn)) return;",
    "if (vpn !== undefined && this.leafVpn[s] !== vpn) return;",
    [T("mm"), T("vmalloc"), "test/mmu/tlb.test.ts"],
  ),
  change(
    "tlb.fence-asid-global",
    TLB,
    "TlbModel.sfence",
    "a fence by ASID drops the other ASIDs' entries and keeps its own",
    "if (asid !== undefined && (this.global[s] || this.asid[s] !== asid)) return;",
    "if (asid !== undefined && (this.global[s] || this.asid[s] === asid)) return;",
    [T("mm"), "test/mmu/tlb.test.ts"],
  ),
  del(
    "tlb.host-drop",
    TLB,
    "TlbModel.drop",
    "the host TLB's copies are not killed when the model drops an entry",
    "    this.onDrop?.(s);\n  }",
    [T("mm"), "test/mmu/paging.test.ts", "test/mmu/guest.test.ts"],
    "  }",
  ),
  del(
    "paging.pwc-flush",
    PAGING,
    "Paging.sfence",
    "the walk caches are not flushed by a fence without an address",
    "if (vpn === undefined) this.walker.pwc?.flush(asid);",
    [T("mm"), "test/mmu/walk.test.ts", "test/mmu/paging.test.ts"],
  ),
];

export const MUTATIONS: Mutation[] = [...vmalloc, ...kasan, ...pgtable, ...flush, ...mm, ...mmu];

const ids = new Set<string>();
for (const m of MUTATIONS) {
  if (ids.has(m.id)) throw new Error(`mutation ${m.id} is listed twice`);
  ids.add(m.id);
}
