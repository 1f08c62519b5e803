import { describe, expect, it } from "vitest";
import {
  __va,
  GFP,
  GFP_KERNEL,
  hex64,
  type Kernel,
  KernelOops,
  kasan_mem_to_shadow,
  PAGE_KERNEL,
  PAGE_SIZE,
  TLB_FLUSH_ALL_THRESHOLD,
  VM_MAP,
  VM_MAP_PUT_PAGES,
  VMALLOC_START,
} from "../../src/kernel/index.js";
import { PTE_X } from "../../src/mmu/index.js";
import { boot as bootKernel, byteRuns, noLeak, tlbHolds, walkFlags } from "./helpers.js";

/** The kernel on the skylake TLB, whose entries outlive the handful of accesses a test makes. */
const boot = (cmdline = "", harts = 1): Kernel => bootKernel(cmdline, { harts, tlb: "skylake" });

const vmallocUsedKb = (k: Kernel): number =>
  Number(/VmallocUsed:\s+(\d+) kB/.exec(k.vmalloc.meminfo().join("\n"))![1]);

describe("vmalloc and vfree", () => {
  it("maps pages that the kernel can write and read back through the MMU", () => {
    const k = boot();
    noLeak(k, () => {
      const p = k.vmalloc.vmalloc(3 * 4096 + 100);
      expect(p).toBeGreaterThanOrEqual(VMALLOC_START);
      k.kmem.write64(p + 8192n, 0x1122334455667788n);
      expect(k.kmem.read64(p + 8192n)).toBe(0x1122334455667788n);
      const vm = k.vmalloc.find_vm_area(p + 5000n)!;
      expect(vm.addr).toBe(p);
      expect(vm.size).toBe(5 * 4096); // 4 pages + the guard
      expect(vm.nr_pages).toBe(4);
      expect(vm.requested_size).toBe(3 * 4096 + 100);
      expect(vmallocUsedKb(k)).toBe(16);
      k.vmalloc.vfree(p);
      expect(vmallocUsedKb(k)).toBe(0);
    });
  });

  it("lowest-address first fit with a guard page between areas", () => {
    const k = boot();
    const a = k.vmalloc.vmalloc(4096);
    const b = k.vmalloc.vmalloc(8192);
    expect(a).toBe(VMALLOC_START);
    expect(b).toBe(VMALLOC_START + 8192n);
    k.vmalloc.vfree(a);
    k.vmalloc.vm_unmap_aliases();
    expect(k.vmalloc.vmalloc(4096)).toBe(VMALLOC_START); // the hole is reused after the purge
  });

  it("vzalloc returns zeroed memory even over dirty pages", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(4096);
    k.kmem.memset(p, 0xab, 4096);
    k.vmalloc.vfree(p);
    k.vmalloc.vm_unmap_aliases();
    const q = k.vmalloc.vzalloc(4096);
    expect(byteRuns(k.kmem.read(q, 4096))).toBe("4096×00");
  });

  it("vfree is lazy: VA and TLB flush wait for lazy_max_pages, then one flush covers all", () => {
    const k = boot("vmalloc.lazy_max_pages=8");
    const ps = [0, 1, 2].map(() => k.vmalloc.vmalloc(4096));
    k.vmalloc.vfree(ps[0]!);
    k.vmalloc.vfree(ps[1]!);
    expect(k.vmalloc.vmap_lazy_nr).toBe(4); // 2 pages each, guard included
    expect(k.vmalloc.vmallocinfo()).toContain("unpurged vm_area");
    const flushesBefore = k.vmstat.get("nr_tlb_local_flush_one") + k.vmstat.get("nr_tlb_local_flush_all");
    k.vmalloc.vfree(ps[2]!);
    k.vmalloc.vfree(k.vmalloc.vmalloc(8192)); // 3 pages more: 4 + 2 + 3 > 8
    expect(k.vmalloc.purges).toBe(1);
    expect(k.vmalloc.vmap_lazy_nr).toBe(0);
    const flushes = k.vmstat.get("nr_tlb_local_flush_one") + k.vmstat.get("nr_tlb_local_flush_all");
    expect(flushes).toBeGreaterThan(flushesBefore);
  });

  it("lazy_max_pages follows fls(CPUs) * 8192", () => {
    expect([1, 2, 4, 8].map((n) => boot("", n).vmalloc.lazy_max_pages())).toEqual([
      8192, 16384, 24576, 32768,
    ]);
  });

  it("vmalloc_huge maps 2 MiB leaves, and falls back to 4 KiB with nohugevmalloc", () => {
    const k = boot();
    noLeak(k, () => {
      const p = k.vmalloc.vmalloc_huge(4 << 20);
      expect(p % BigInt(2 << 20)).toBe(0n);
      const vm = k.vmalloc.find_vm_area(p)!;
      expect(vm.page_order).toBe(9);
      expect(vm.nr_pages).toBe(1024);
      expect(k.pgd.leafAt(p, 1) & 0xe).not.toBe(0);
      k.kmem.write64(p + BigInt(3 << 20), 7n);
      expect(k.kmem.read64(p + BigInt(3 << 20))).toBe(7n);
      k.vmalloc.vfree(p);
    });
    const k2 = boot("nohugevmalloc");
    const p2 = k2.vmalloc.vmalloc_huge(4 << 20);
    expect(k2.vmalloc.find_vm_area(p2)!.page_order).toBe(0);
  });

  it("allocation failure returns NULL, warns and leaks nothing", () => {
    const k = boot("kasan=off"); // so that the pages, not the shadow, run out
    noLeak(k, () => {
      k.pages.failAfter = 2;
      expect(k.vmalloc.vmalloc(16 * 4096)).toBe(0n);
      k.pages.failAfter = -1;
      expect(k.printk.dmesg()).toContain("vmalloc error: size 65536, failed to allocate pages");
      expect(k.vmalloc.__vmalloc(16 * 4096, GFP_KERNEL | GFP.__GFP_NOWARN)).not.toBe(0n);
      k.vmalloc.vfree(k.vmalloc.areas()[0]!.va_start);
    });
  });

  it("/proc/vmallocinfo shows Linux's line for a 16 KiB vmalloc", () => {
    const k = boot();
    k.vmalloc.vmalloc(16384, "swap_cgroup_swapon+0x60/0x170");
    expect(k.vmalloc.vmallocinfo()).toBe(
      "0xffff8f8000000000-0xffff8f8000005000   20480 swap_cgroup_swapon+0x60/0x170 pages=4 vmalloc N0=4",
    );
  });

  it("lazyAreas() lists vfree'd areas until the purge, as vmallocinfo's unpurged lines", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(16384);
    expect(k.vmalloc.lazyAreas()).toEqual([]);
    k.vmalloc.vfree(p);
    expect(k.vmalloc.lazyAreas().map((a) => [a.va_start, a.va_end])).toEqual([[p, p + 20480n]]);
    expect(k.vmalloc.vmallocinfo()).toContain("20480 unpurged vm_area");
    k.vmalloc.vm_unmap_aliases();
    expect(k.vmalloc.lazyAreas()).toEqual([]);
  });

  it("/proc/meminfo VmallocTotal is 32 TiB", () => {
    expect(boot().vmalloc.meminfo()[0]).toBe("VmallocTotal:   34359738368 kB");
  });

  it("vm_map_ram maps the pages; a page table it cannot get undoes the whole mapping", () => {
    const k = boot("kasan=off"); // so that only page tables need memory
    noLeak(k, () => {
      const pfns = [k.pages.alloc_pages(0), k.pages.alloc_pages(0)];
      const v = k.vmalloc.vm_map_ram(pfns);
      expect(k.vmalloc.vmalloc_to_page(v + 4096n)).toBe(pfns[1]);
      k.vmalloc.vm_unmap_ram(v, 2);
      // The next free VA is 4 KiB below a 2 MiB boundary: the second page needs a new PTE table.
      const filler = k.vmalloc.vmalloc((2 << 20) - 2 * 4096);
      const next = filler + BigInt((2 << 20) - 4096);
      k.pages.failAfter = 0;
      expect(k.vmalloc.vm_map_ram(pfns)).toBe(0n);
      k.pages.failAfter = -1;
      expect(k.pgd.lookup(next)).toBeNull(); // the first page's PTE is gone again
      expect(k.vmalloc.areas().map((a) => a.va_start)).not.toContain(next);
      expect(k.vmalloc.vmallocinfo()).toContain(`0x${next.toString(16)}-`); // its VA waits for the purge
      k.vmalloc.vfree(filler);
      for (const pfn of pfns) k.pages.__free_pages(pfn, 0);
    });
  });

  it("vmap maps caller pages that vunmap leaves alone; vmalloc_to_page finds them", () => {
    const k = boot();
    noLeak(k, () => {
      const pfns = [k.pages.alloc_pages(0), k.pages.alloc_pages(0)];
      const p = k.vmalloc.vmap(pfns);
      expect(k.vmalloc.vmalloc_to_page(p + 4096n + 12n)).toBe(pfns[1]);
      k.kmem.write64(p + 4096n, 42n);
      expect(k.kmem.read64(__va(pfns[1]! * PAGE_SIZE))).toBe(42n);
      k.vmalloc.vunmap(p);
      for (const pfn of pfns) k.pages.__free_pages(pfn, 0);
    });
  });
});

describe("vrealloc", () => {
  it("256 KiB -> 16 KiB frees 60 of 64 pages (93.75%), same pointer, vm->size unchanged", () => {
    const k = boot("", 2);
    const p = k.vmalloc.vmalloc(256 << 10);
    const freeBefore = k.pages.nr_free_pages();
    expect(vmallocUsedKb(k)).toBe(256);
    expect(k.vmalloc.vrealloc(p, 16 << 10)).toBe(p);
    expect(k.pages.nr_free_pages() - freeBefore).toBe(60);
    expect(vmallocUsedKb(k)).toBe(16);
    const vm = k.vmalloc.find_vm_area(p)!;
    expect(vm.size).toBe((256 << 10) + 4096);
    expect(k.vmalloc.vmallocinfo()).toMatch(/ 266240 vmalloc pages=4 vmalloc N0=4$/);
  });

  it("the freed range's TLB entries are gone on every hart, and a read of it oopses", () => {
    const k = boot("", 2);
    const p = k.vmalloc.vmalloc(256 << 10);
    for (const cpu of [0, 1]) k.onCpu(cpu, () => k.kmem.read64(p + BigInt(100 << 10)));
    const cached = (cpu: number): boolean => tlbHolds(k, cpu, p + BigInt(100 << 10));
    expect([cached(0), cached(1)]).toEqual([true, true]);
    k.vmalloc.vrealloc(p, 16 << 10);
    expect([cached(0), cached(1)]).toEqual([false, false]);
    expect(k.vmstat.get("nr_tlb_remote_flush")).toBeGreaterThan(0);
    expect(() => k.kmem.read64(p + BigInt(100 << 10))).toThrow(KernelOops);
    try {
      k.kmem.read64(p + BigInt(100 << 10));
    } catch (e) {
      expect((e as KernelOops).lines[0]).toBe(
        `Unable to handle kernel paging request at virtual address ${(p + BigInt(100 << 10)).toString(16)}`,
      );
    }
  });

  it("NULL acts as vmalloc, size 0 frees and returns NULL", () => {
    const k = boot();
    noLeak(k, () => {
      const p = k.vmalloc.vrealloc(0n, 100);
      expect(k.vmalloc.find_vm_area(p)!.requested_size).toBe(100);
      expect(k.vmalloc.vrealloc(p, 0)).toBe(0n);
      expect(k.vmalloc.find_vm_area(p)).toBeNull();
    });
  });

  it("an unknown pointer and a bigger alignment WARN and return NULL", () => {
    const k = boot();
    expect(k.vmalloc.vrealloc(VMALLOC_START + 0x1000_0000n, 10)).toBe(0n);
    expect(k.printk.dmesg()).toContain("Trying to vrealloc() nonexistent vm area");
    k.vmalloc.vmalloc(4096);
    const p = k.vmalloc.vmalloc(4096); // at VMALLOC_START + 8 KiB: not 1 MiB aligned
    expect(k.vmalloc.vrealloc(p, 10, GFP_KERNEL, 1 << 20)).toBe(0n);
    expect(k.printk.dmesg()).toContain("will not reallocate with a bigger alignment (0x100000)");
  });

  it("grow within the mapped pages keeps the pointer and does not zero", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(8192);
    k.kmem.memset(p, 0x5a, 8192);
    expect(k.vmalloc.vrealloc(p, 100)).toBe(p); // shrink: frees page 2, keeps page 1 (no zeroing: no init_*)
    expect(k.vmalloc.vrealloc(p, 4000)).toBe(p); // grow in place
    expect(k.kmem.read8(p + 3000n)).toBe(0x5a);
  });

  it("grow beyond the pages copies min(old, new) and frees the old area", () => {
    const k = boot();
    noLeak(k, () => {
      const p = k.vmalloc.vmalloc(4096);
      k.kmem.write64(p, 0xdeadn);
      const q = k.vmalloc.vrealloc(p, 1 << 20);
      expect(q).not.toBe(p);
      expect(k.kmem.read64(q)).toBe(0xdeadn);
      expect(k.vmalloc.find_vm_area(p)).toBeNull();
      k.vmalloc.vfree(q);
    });
  });

  it("on failure the old memory is untouched and still valid", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(4096);
    k.kmem.write64(p, 77n);
    k.pages.failAfter = 0;
    expect(k.vmalloc.vrealloc(p, 1 << 20)).toBe(0n);
    k.pages.failAfter = -1;
    expect(k.kmem.read64(p)).toBe(77n);
    expect(k.vmalloc.find_vm_area(p)!.requested_size).toBe(4096);
  });

  it("shrink zeroes the tail under init_on_alloc / init_on_free / __GFP_ZERO only", () => {
    for (const [cmd, gfp, zeroed] of [
      ["", GFP_KERNEL, false],
      ["init_on_alloc=1", GFP_KERNEL, true],
      ["init_on_free=1", GFP_KERNEL, true],
      ["", GFP_KERNEL | GFP.__GFP_ZERO, true],
    ] as const) {
      const k = boot(cmd);
      const p = k.vmalloc.vmalloc(4096);
      k.kmem.memset(p, 0xee, 4096);
      k.vmalloc.vrealloc(p, 100, gfp);
      expect(k.kmem.read8(p + 200n)).toBe(zeroed ? 0 : 0xee);
    }
  });

  it("huge mappings, VM_USERMAP and missing __GFP_IO|__GFP_FS keep their pages on shrink", () => {
    const k = boot();
    const h = k.vmalloc.vmalloc_huge(2 << 20);
    k.vmalloc.vrealloc(h, 4096);
    expect(k.vmalloc.find_vm_area(h)!.nr_pages).toBe(512);
    const u = k.vmalloc.vmalloc_user(8 * 4096);
    k.vmalloc.vrealloc(u, 4096);
    expect(k.vmalloc.find_vm_area(u)!.nr_pages).toBe(8);
    const n = k.vmalloc.vmalloc(8 * 4096);
    k.vmalloc.vrealloc(n, 4096, GFP.__GFP_DIRECT_RECLAIM);
    expect(k.vmalloc.find_vm_area(n)!.nr_pages).toBe(8);
  });

  it("after a shrink, growing past the kept pages reallocates", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(4 * 4096);
    k.vmalloc.vrealloc(p, 4096);
    const q = k.vmalloc.vrealloc(p, 2 * 4096);
    expect(q).not.toBe(p);
  });
});

describe("vrealloc.bug: the history, replayed", () => {
  it("f7a35a3c36d1: the in-place region is computed but not returned", () => {
    for (const [cmd, moves] of [
      ["", false],
      ["vrealloc.bug=f7a35a3c36d1", true],
    ] as const) {
      const k = boot(cmd);
      const p = k.vmalloc.vmalloc(8192);
      expect(k.vmalloc.vrealloc(p, 100)).toBe(p); // shrink: unaffected
      const q = k.vmalloc.vrealloc(p, 200); // in place: should stay
      expect(q === p ? "in place" : "moved").toBe(moves ? "moved" : "in place");
    }
  });
  it("e64f42036ef4: shrink keeps its pages", () => {
    const k = boot("vrealloc.bug=shrink-keeps-pages");
    const p = k.vmalloc.vmalloc(256 << 10);
    k.vmalloc.vrealloc(p, 16 << 10);
    expect(k.vmalloc.find_vm_area(p)!.nr_pages).toBe(64);
    expect(vmallocUsedKb(k)).toBe(256);
  });
  it("70d1eb031a68: zeroing happens on grow, not on shrink under init_on_alloc", () => {
    const k = boot("init_on_alloc=1 vrealloc.bug=70d1eb031a68");
    const p = k.vmalloc.vmalloc(4096);
    k.kmem.memset(p, 0xee, 4096);
    k.vmalloc.vrealloc(p, 100);
    expect(k.kmem.read8(p + 200n)).toBe(0xee);
  });
  it("unmap-no-flush: the freed range stays readable through a stale TLB entry", () => {
    const k = boot("vrealloc.bug=unmap-no-flush");
    const p = k.vmalloc.vmalloc(256 << 10);
    k.kmem.read64(p + BigInt(100 << 10));
    k.vmalloc.vrealloc(p, 16 << 10);
    expect(() => k.kmem.read64(p + BigInt(100 << 10))).not.toThrow();
  });
  it("an unknown bug name is reported with the known ones", () => {
    const k = boot("vrealloc.bug=nope");
    expect(k.printk.dmesg()).toContain("vrealloc: bad value for 'bug': unknown bug 'nope'");
  });
});

describe("vrealloc with KASAN (on by default)", () => {
  it("a read between requested_size and the end of its page is a KASAN report", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(256 << 10);
    k.vmalloc.vrealloc(p, 100);
    k.kmem.read8(p + 99n, "ok");
    expect(k.kasan!.reports).toBe(0);
    k.kmem.read8(p + 200n, "vrealloc_reader");
    expect(k.kasan!.reports).toBe(1);
    const log = k.printk.dmesg();
    expect(log).toContain("BUG: KASAN: vmalloc-out-of-bounds in vrealloc_reader");
    expect(log).toContain(`Read of size 1 at addr ${(p + 200n).toString(16)} by task swapper/0/0`);
    expect(log).toContain("The buggy address belongs to the virtual mapping at");
    expect(log).toContain("Memory state around the buggy address:");
  });

  it("d699440f58ce: without kasan_vrealloc, a reused area keeps stale shadow (a false report)", () => {
    for (const [cmd, reports] of [
      ["", 0],
      ["vrealloc.bug=d699440f58ce", 1],
    ] as const) {
      const k = boot(cmd);
      const p = k.vmalloc.vmalloc(8192);
      k.vmalloc.vrealloc(p, 100); // shrink: [100, 8192) poisoned
      k.vmalloc.vrealloc(p, 4000); // grow in place: [100, 4000) must be unpoisoned again
      k.kmem.write8(p + 3000n, 1, "push_insn_history");
      expect(k.kasan!.reports).toBe(reports);
    }
  });

  it("kasan.fault=panic stops the task with an oops", () => {
    const k = boot("kasan.fault=panic");
    const p = k.vmalloc.vmalloc(100);
    expect(() => k.kmem.read8(p + 100n)).toThrow(KernelOops);
  });
});

describe("what vfree, vunmap, vm_unmap_ram, the purge and vrealloc's shrink must do", () => {
  const flags = (k: Kernel, va: bigint): string | null => walkFlags(k, k.pgd.root, va);
  /** The pages of [start, end) that hart `cpu` still holds a TLB entry for. */
  const cached = (k: Kernel, cpu: number, start: bigint, end: bigint): bigint[] => {
    const out: bigint[] = [];
    for (let va = start; va < end; va += 4096n) if (tlbHolds(k, cpu, va)) out.push(va);
    return out;
  };

  it("vfree: the purge flushes the freed VA from every hart; the next area there reads its own page", () => {
    const k = boot("", 2);
    const p = k.vmalloc.vmalloc(4096);
    for (const cpu of [0, 1]) k.onCpu(cpu, () => k.kmem.write64(p, 0x1111n));
    k.vmalloc.vfree(p);
    expect([tlbHolds(k, 0, p), tlbHolds(k, 1, p)]).toEqual([true, true]); // lazily: until the purge
    k.vmalloc.vm_unmap_aliases();
    expect([tlbHolds(k, 0, p), tlbHolds(k, 1, p)]).toEqual([false, false]);
    const q = k.vmalloc.vmalloc(4096);
    expect(q).toBe(p);
    k.onCpu(1, () => k.kmem.write64(q, 0x2222n));
    expect(k.kmem.read64(__va(k.vmalloc.vmalloc_to_page(q) * PAGE_SIZE))).toBe(0x2222n);
  });

  it(`vfree of more than ${TLB_FLUSH_ALL_THRESHOLD} pages: the purge's full flush leaves no page cached`, () => {
    const k = boot("", 2);
    const size = 2 * TLB_FLUSH_ALL_THRESHOLD * PAGE_SIZE;
    const p = k.vmalloc.vmalloc(size);
    const end = p + BigInt(size);
    for (const cpu of [0, 1]) k.onCpu(cpu, () => k.kmem.memset(p, 1, size));
    expect([cached(k, 0, p, end).length, cached(k, 1, p, end).length]).toEqual([128, 128]);
    k.vmalloc.vfree(p);
    k.vmalloc.vm_unmap_aliases();
    expect([cached(k, 0, p, end), cached(k, 1, p, end)]).toEqual([[], []]);
  });

  it("vfree: KASAN poisons the whole area at once; the purge releases and flushes its shadow", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(7 * 4096); // with its guard page, one whole shadow page (32 KiB)
    expect(p % 32768n).toBe(0n);
    k.kmem.read8(p); // the KASAN check reads the shadow through the TLB
    const shadow = kasan_mem_to_shadow(p);
    expect(tlbHolds(k, 0, shadow)).toBe(true);
    const shadowPages = k.kasan!.nr_shadow_pages;
    k.vmalloc.vfree(p);
    expect(byteRuns(k.kasan!.shadowOf(p, 7 * 4096))).toBe("3584×f8");
    k.vmalloc.vm_unmap_aliases();
    expect(k.kasan!.nr_shadow_pages).toBe(shadowPages - 1);
    expect(tlbHolds(k, 0, shadow)).toBe(false);
  });

  it("vfree under init_on_free zeroes the pages before they go back", () => {
    const k = boot("init_on_free=1");
    const p = k.vmalloc.vmalloc(4096);
    k.kmem.memset(p, 0xab, 4096);
    const pfn = k.vmalloc.vmalloc_to_page(p);
    k.vmalloc.vfree(p);
    expect(byteRuns(k.kmem.read(__va(pfn * PAGE_SIZE), 4096))).toBe("4096×00");
  });

  it("vunmap clears the PTEs at once; the purge flushes the VA from every hart and frees it", () => {
    const k = boot("", 2);
    const pfns = [k.pages.alloc_pages(0), k.pages.alloc_pages(0)];
    const v = k.vmalloc.vmap(pfns);
    for (const cpu of [0, 1]) k.onCpu(cpu, () => k.kmem.write64(v + 4096n, 1n));
    k.vmalloc.vunmap(v);
    expect([flags(k, v), flags(k, v + 4096n)]).toEqual([null, null]);
    k.vmalloc.vm_unmap_aliases();
    expect([cached(k, 0, v, v + 8192n), cached(k, 1, v, v + 8192n)]).toEqual([[], []]);
    expect(k.vmalloc.vmap(pfns)).toBe(v); // the VA is free again
  });

  it("vunmap frees the pages of a VM_MAP_PUT_PAGES area, and only those", () => {
    const k = boot();
    noLeak(k, () => {
      const given = [k.pages.alloc_pages(0), k.pages.alloc_pages(0)];
      k.vmalloc.vunmap(k.vmalloc.vmap(given, VM_MAP | VM_MAP_PUT_PAGES));
      const kept = [k.pages.alloc_pages(0)];
      k.vmalloc.vunmap(k.vmalloc.vmap(kept));
      expect(k.pages.refcount[k.pages.idx(kept[0]!)]).toBe(1); // still the caller's
      k.pages.__free_pages(kept[0]!, 0);
    });
  });

  it("vm_unmap_ram: KASAN poisons, the PTEs go, the VA waits for the purge, which flushes it", () => {
    const k = boot();
    const pfns = [k.pages.alloc_pages(0), k.pages.alloc_pages(0)];
    const v = k.vmalloc.vm_map_ram(pfns);
    k.kmem.write64(v + 4096n, 1n);
    k.vmalloc.vm_unmap_ram(v, 2);
    expect(byteRuns(k.kasan!.shadowOf(v, 8192))).toBe("1024×f8");
    expect(flags(k, v + 4096n)).toBeNull();
    expect(k.vmalloc.vmallocinfo()).toContain(`0x${hex64(v)}-0x${hex64(v + 8192n)}    8192 unpurged vm_area`);
    k.vmalloc.vm_unmap_aliases();
    expect(tlbHolds(k, 0, v + 4096n)).toBe(false);
    expect(k.vmalloc.vm_map_ram(pfns)).toBe(v); // the VA is free again
  });

  it("the bits: vmalloc maps V R W G A D, vmap never X, 2 MiB leaves the same", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(4096);
    expect(flags(k, p)).toBe("VRW--GAD");
    const v = k.vmalloc.vmap([k.pages.alloc_pages(0)], VM_MAP, PAGE_KERNEL | PTE_X);
    expect(flags(k, v)).toBe("VRW--GAD");
    const h = k.vmalloc.vmalloc_huge(2 << 20);
    expect(k.pgd.lookup(h)?.level).toBe(1);
    expect(flags(k, h)).toBe("VRW--GAD");
  });

  it("vrealloc's shrink leaves the kept pages' PTEs exactly as they were", () => {
    const k = boot();
    const p = k.vmalloc.vmalloc(8 * 4096);
    const kept = k.pgd.lookup(p + 4096n);
    k.vmalloc.vrealloc(p, 2 * 4096);
    expect(k.pgd.lookup(p + 4096n)).toEqual(kept);
    expect(flags(k, p + 2n * 4096n)).toBeNull();
  });

  it("vrealloc's shrink flushes every page of the freed tail from every hart", () => {
    const k = boot("", 2);
    const p = k.vmalloc.vmalloc(16 * 4096);
    const end = p + 16n * 4096n;
    for (const cpu of [0, 1]) k.onCpu(cpu, () => k.kmem.memset(p, 1, 16 * 4096));
    expect([cached(k, 0, p, end).length, cached(k, 1, p, end).length]).toEqual([16, 16]);
    k.vmalloc.vrealloc(p, 4 * 4096);
    expect([cached(k, 0, p + 4n * 4096n, end), cached(k, 1, p + 4n * 4096n, end)]).toEqual([[], []]);
  });
});
