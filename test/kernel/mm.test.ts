// User address spaces (mm.ts): every path that unmaps, moves, remaps or frees user memory
// clears the PTEs, frees the pages, flushes the TLB entries of the task's ASID on every hart,
// and carries the PTE bits it must (V R W X U G A D) and no others. The kernel's own accesses
// to user memory (copy_to_user / copy_from_user) go through the hart's MMU and modelled TLB
// like the task's, so a missing flush shows as an access served by a stale entry.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { EINVAL, ENOMEM } from "../../src/kernel/errno.js";
import type { Kernel, task_struct } from "../../src/kernel/index.js";
import { __va } from "../../src/kernel/layout.js";
import {
  MADV_DONTNEED,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PROT_READ,
  PROT_WRITE,
  VM_GROWSDOWN,
} from "../../src/kernel/mm.js";
import { RAM_BASE, SV48, vpnOf } from "../../src/mmu/index.js";
import { boot, paging, tlbHolds, walkFlags } from "./helpers.js";

const PAGE = 4096n;
const PMD = 2n << 20n;
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
/** A program that is never run: the tests drive the task's mm from the kernel. */
const IDLE = assemble("_start: j _start", { base: 0x10000n }).toElf();

interface UserTask {
  k: Kernel;
  t: task_struct;
  /** Free pages and kernel page-table pages before the task was spawned. */
  pagesBefore: number;
  /** Store through hart `cpu` (0 by default) as copy_to_user does; false on a fault. */
  put(va: bigint, v: bigint, cpu?: number): boolean;
  /** Load as copy_from_user does; null on a fault. */
  get(va: bigint, cpu?: number): bigint | null;
  /** The flags of the leaf the walker finds for `va` in the task's page table ("VRW-U-AD"),
   *  or null. */
  flags(va: bigint): string | null;
  /** Does hart `cpu`'s TLB hold an entry of the task's ASID for `va`? */
  cached(va: bigint, cpu?: number): boolean;
  /** Does hart `cpu`'s page-walk cache hold a table on the way to `va` for the task's ASID? */
  walkCached(va: bigint, cpu: number): boolean;
}

/** A task whose address space every hart runs in (satp = its page table and ASID). */
function userTask(cmdline = "", harts = 2, tlb = "skylake"): UserTask {
  const k = boot(cmdline, { mem: 128 << 20, harts, tlb });
  const pagesBefore = k.pages.nr_free_pages() + k.pgd.nrTablePages;
  const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
  const t = k.sched.spawn({ elf: IDLE, path: "/t", argv: ["t"], envp: [], io });
  for (const h of k.machine.harts) k.sched.switch_mm(h, t);
  const on = <T>(cpu: number, fn: () => T): T => k.onCpu(cpu, fn);
  return {
    k,
    t,
    pagesBefore,
    put: (va, v, cpu = 0) => on(cpu, () => t.uaccess.put_u64(va, v)),
    get: (va, cpu = 0) => on(cpu, () => t.uaccess.get_u64(va)),
    flags: (va) => walkFlags(k, t.mm.pgd.root, va),
    cached: (va, cpu = 0) => tlbHolds(k, cpu, va, t.mm.asid),
    walkCached: (va, cpu) => {
      const vpn = vpnOf(Number(BigInt.asIntN(32, va)), Number(va >> 32n), SV48);
      return paging(k, cpu).walker.pwc!.lookup(vpn, t.mm.asid, SV48.levels) !== null;
    },
  };
}

const alignUp = (v: bigint, a: bigint): bigint => (v + a - 1n) & ~(a - 1n);

describe("munmap and madvise(MADV_DONTNEED)", () => {
  it("munmap clears the PTE, frees the page and flushes it from every hart", () => {
    const u = userTask();
    const a = u.t.mm.do_mmap(0n, 2n * PAGE, RW, ANON);
    expect(u.put(a, 42n, 0)).toBe(true);
    expect(u.get(a, 1)).toBe(42n);
    expect([u.cached(a, 0), u.cached(a, 1)]).toEqual([true, true]);
    const free = u.k.pages.nr_free_pages();
    expect(u.t.mm.do_munmap(a, 2n * PAGE)).toBe(0n);
    expect(u.t.mm.leaf(a)).toBeNull();
    expect(u.k.pages.nr_free_pages()).toBe(free + 1);
    expect([u.cached(a, 0), u.cached(a, 1)]).toEqual([false, false]);
    expect([u.get(a, 0), u.get(a, 1)]).toEqual([null, null]);
  });

  it("munmap of a 2 MiB page clears its PMD, frees its 512 pages and flushes it", () => {
    const u = userTask("transparent_hugepage=always");
    const base = alignUp(u.t.mm.do_mmap(0n, 2n * PMD, RW, ANON), PMD);
    expect(u.put(base + 8n * PAGE, 7n)).toBe(true);
    expect(u.t.mm.pgd.lookup(base)?.level).toBe(1);
    expect(u.flags(base)).toBe("VRW-U-AD");
    const free = u.k.pages.nr_free_pages();
    expect(u.t.mm.do_munmap(base, PMD)).toBe(0n);
    expect(u.t.mm.leaf(base)).toBeNull();
    expect(u.k.pages.nr_free_pages()).toBe(free + 512);
    expect(u.cached(base + 8n * PAGE)).toBe(false);
    expect(u.get(base + 8n * PAGE)).toBeNull();
  });

  it("munmap across two leaf tables frees exactly the mapped pages inside the range (zap_pte_range)", () => {
    const u = userTask();
    const mm = u.t.mm;
    const a = alignUp(mm.do_mmap(0n, 4n * PMD, RW, ANON), PMD) + PMD; // 4 KiB pages: THP is off
    const touched = [
      a - 2n * PAGE,
      a + 3n * PAGE,
      a + PMD - PAGE,
      a + PMD,
      a + PMD + 9n * PAGE,
      a + 2n * PMD,
    ];
    for (const va of touched) expect(u.put(va, 5n)).toBe(true);
    const free = u.k.pages.nr_free_pages();
    const rss = mm.rss;
    // [a + PAGE, a + PMD + 9 pages): the second to fifth touched pages, ending at an unmapped page's start
    expect(mm.do_munmap(a + PAGE, PMD + 8n * PAGE)).toBe(0n);
    expect(touched.map((va) => mm.leaf(va) !== null)).toEqual([true, false, false, false, true, true]);
    expect(u.k.pages.nr_free_pages()).toBe(free + 3);
    expect(mm.rss).toBe(rss - 3);
    expect(u.get(a + PMD + 9n * PAGE)).toBe(5n);
    expect(u.get(a + PMD)).toBeNull();
  });

  it("MADV_DONTNEED zaps: the next read gets a fresh zero page, on every hart", () => {
    const u = userTask();
    const a = u.t.mm.do_mmap(0n, PAGE, RW, ANON);
    u.put(a, 42n, 0);
    u.get(a, 1);
    expect(u.t.mm.do_madvise(a, PAGE, MADV_DONTNEED)).toBe(0n);
    expect([u.cached(a, 0), u.cached(a, 1)]).toEqual([false, false]);
    expect([u.get(a, 1), u.get(a, 0)]).toEqual([0n, 0n]);
  });
});

describe("mprotect", () => {
  it("takes write permission away at once on every hart, and keeps U, A and D", () => {
    const u = userTask();
    const a = u.t.mm.do_mmap(0n, PAGE, RW, ANON);
    u.put(a, 1n, 0);
    u.put(a, 2n, 1);
    expect(u.flags(a)).toBe("VRW-U-AD");
    expect(u.t.mm.do_mprotect(a, PAGE, PROT_READ)).toBe(0n);
    expect(u.flags(a)).toBe("VR--U-AD");
    expect([u.put(a, 3n, 0), u.put(a, 3n, 1)]).toEqual([false, false]);
    expect(u.get(a)).toBe(2n);
  });

  it("splits a 2 MiB page at its edge; the 4 KiB pieces keep the page and its bits", () => {
    const u = userTask("transparent_hugepage=always");
    const base = alignUp(u.t.mm.do_mmap(0n, 2n * PMD, RW, ANON), PMD);
    u.put(base, 7n);
    u.put(base + PAGE, 8n);
    const huge = u.t.mm.pgd.lookup(base)!;
    expect(u.t.mm.do_mprotect(base, PAGE, PROT_READ)).toBe(0n);
    const piece = u.t.mm.pgd.lookup(base + PAGE)!;
    expect(piece.level).toBe(0);
    expect([u.flags(base), u.flags(base + PAGE)]).toEqual(["VR--U-AD", "VRW-U-AD"]);
    expect((piece.lo >>> 10) - (huge.lo >>> 10)).toBe(1); // the huge page's second 4 KiB
    expect(u.put(base + PAGE, 9n)).toBe(true);
    expect(u.put(base, 1n)).toBe(false);
    expect([u.get(base), u.get(base + PAGE)]).toEqual([7n, 9n]);
  });
});

describe("split_huge_pmd", () => {
  it("512 PTEs onto the same pages with the leaf's bits; the 2 MiB entry flushed from every hart", () => {
    const u = userTask("transparent_hugepage=always");
    const base = alignUp(u.t.mm.do_mmap(0n, 2n * PMD, RW, ANON), PMD);
    const last = base + PMD - PAGE;
    u.put(last, 7n, 0);
    u.get(last, 1);
    expect([u.cached(base, 0), u.cached(base, 1)]).toEqual([true, true]); // the 2 MiB entry
    const huge = u.t.mm.pgd.lookup(base)!;
    u.t.mm.split_huge_pmd(base);
    expect([u.cached(base, 0), u.cached(base, 1)]).toEqual([false, false]);
    const piece = u.t.mm.pgd.lookup(last)!;
    expect([piece.level, (piece.lo >>> 10) - (huge.lo >>> 10)]).toEqual([0, 511]);
    expect(u.flags(last)).toBe("VRW-U-AD");
    expect([u.get(last, 0), u.get(last, 1)]).toEqual([7n, 7n]);
  });
});

describe("transparent huge pages", () => {
  it("a fault takes a 2 MiB page only where no page of the range is mapped, the table's last entry too", () => {
    const u = userTask("transparent_hugepage=always");
    const mm = u.t.mm;
    const base = alignUp(mm.do_mmap(0n, 3n * PMD, RW, ANON), PMD);
    u.put(base + PMD - PAGE, 1n);
    expect(mm.pgd.lookup(base)?.level).toBe(1);
    mm.split_huge_pmd(base);
    expect(mm.do_madvise(base, PMD - PAGE, MADV_DONTNEED)).toBe(0n); // only the last page left
    u.put(base, 2n);
    expect(mm.pgd.lookup(base)?.level).toBe(0);
    expect(u.get(base + PMD - PAGE)).toBe(1n);
    u.put(base + PMD, 3n); // the next range is empty: a 2 MiB page
    expect(mm.pgd.lookup(base + PMD)?.level).toBe(1);
  });
});

describe("mremap", () => {
  it("moves the PTEs with every bit, clears and flushes the old ones", () => {
    const u = userTask();
    const mm = u.t.mm;
    const blocker = mm.do_mmap(0n, PAGE, RW, ANON);
    const a = mm.do_mmap(0n, PAGE, RW, ANON); // just below the blocker: no growing in place
    expect(a + PAGE).toBe(blocker);
    u.put(a, 5n, 0);
    u.get(a, 1);
    const before = mm.leaf(a);
    const b = mm.do_mremap(a, PAGE, 2n * PAGE, MREMAP_MAYMOVE, 0n);
    expect(b).not.toBe(a);
    expect(mm.leaf(b)).toEqual(before);
    expect(mm.leaf(a)).toBeNull();
    expect([u.cached(a, 0), u.cached(a, 1)]).toEqual([false, false]);
    expect([u.get(a, 0), u.get(a, 1)]).toEqual([null, null]);
    expect(u.get(b)).toBe(5n);
  });

  it("shrinking unmaps and frees the tail", () => {
    const u = userTask();
    const a = u.t.mm.do_mmap(0n, 2n * PAGE, RW, ANON);
    u.put(a, 1n);
    u.put(a + PAGE, 2n);
    const free = u.k.pages.nr_free_pages();
    expect(u.t.mm.do_mremap(a, 2n * PAGE, PAGE, 0, 0n)).toBe(a);
    expect(u.k.pages.nr_free_pages()).toBe(free + 1);
    expect(u.get(a + PAGE)).toBeNull();
    expect(u.get(a)).toBe(1n);
  });

  it("MREMAP_FIXED first unmaps what was at the target", () => {
    const u = userTask();
    const mm = u.t.mm;
    const src = mm.do_mmap(0n, PAGE, RW, ANON);
    const dst = mm.do_mmap(0n, PAGE, RW, ANON);
    u.put(src, 1n);
    u.put(dst, 2n);
    const free = u.k.pages.nr_free_pages();
    expect(mm.do_mremap(src, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst)).toBe(dst);
    expect(u.k.pages.nr_free_pages()).toBe(free + 1);
    expect(u.get(dst)).toBe(1n);
    expect(mm.vmas.filter((v) => v.vm_start <= dst && dst < v.vm_end)).toHaveLength(1);
  });

  it("MREMAP_FIXED to a smaller size unmaps the old tail and moves only the new length", () => {
    const u = userTask();
    const mm = u.t.mm;
    const src = mm.do_mmap(0n, 2n * PAGE, RW, ANON);
    const dst = mm.do_mmap(0n, 4n * PAGE, RW, ANON) + 2n * PAGE;
    u.put(src, 1n);
    u.put(src + PAGE, 2n);
    expect(mm.do_mremap(src, 2n * PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst)).toBe(dst);
    expect(u.get(dst)).toBe(1n);
    expect(mm.leaf(dst + PAGE)).toBeNull(); // the old second page went, it did not land here
    expect(mm.find_vma(src)).toBeUndefined();
    // Onto the old range itself, or overlapping it: EINVAL, nothing moved.
    expect(mm.do_mremap(dst, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst)).toBe(-EINVAL);
  });

  it("MREMAP_DONTUNMAP moves the pages and keeps the old VMA, which reads zero", () => {
    const u = userTask();
    const mm = u.t.mm;
    const a = mm.do_mmap(0n, PAGE, RW, ANON);
    u.put(a, 7n);
    const b = mm.do_mremap(a, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0n);
    expect(b).not.toBe(a);
    expect(u.get(b)).toBe(7n);
    expect(mm.find_vma(a)).toBeDefined();
    expect(u.get(a)).toBe(0n);
    // It neither resizes nor works without MREMAP_MAYMOVE.
    expect(mm.do_mremap(b, PAGE, 2n * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0n)).toBe(-EINVAL);
    expect(mm.do_mremap(b, PAGE, PAGE, MREMAP_DONTUNMAP, 0n)).toBe(-EINVAL);
  });

  it("old length 0 is EINVAL for a private mapping; unknown flags are EINVAL", () => {
    const u = userTask();
    const a = u.t.mm.do_mmap(0n, PAGE, RW, ANON);
    expect(u.t.mm.do_mremap(a, 0n, PAGE, MREMAP_MAYMOVE, 0n)).toBe(-EINVAL);
    expect(u.t.mm.do_mremap(a, PAGE, PAGE, 0x80, 0n)).toBe(-EINVAL);
  });
});

describe("madvise and mprotect argument checks (Linux 6.18's order)", () => {
  it("madvise: unknown advice EINVAL, a hole ENOMEM after the advice is applied", () => {
    const u = userTask();
    const mm = u.t.mm;
    const a = mm.do_mmap(0n, PAGE, RW, ANON);
    u.put(a, 3n);
    expect(mm.do_madvise(a, PAGE, 999)).toBe(-EINVAL);
    expect(mm.do_madvise(a + 1n, PAGE, 999)).toBe(-EINVAL);
    expect(mm.do_madvise(a, 0n, MADV_DONTNEED)).toBe(0n);
    expect(mm.do_madvise(a, 3n * PAGE, MADV_DONTNEED)).toBe(-ENOMEM);
    expect(u.get(a)).toBe(0n); // zapped all the same
    expect(mm.do_madvise(1n << 40n, PAGE, MADV_DONTNEED)).toBe(-ENOMEM);
    expect(mm.do_madvise(a, PAGE, 9)).toBe(-EINVAL); // MADV_REMOVE on private anonymous memory
  });

  it("mprotect: GROWSDOWN|GROWSUP, unknown bits EINVAL; length 0 succeeds before the prot check", () => {
    const u = userTask();
    const mm = u.t.mm;
    const a = mm.do_mmap(0n, PAGE, RW, ANON);
    expect(mm.do_mprotect(a, PAGE, PROT_READ | 0x0300_0000)).toBe(-EINVAL);
    expect(mm.do_mprotect(a, PAGE, PROT_READ | 0x100)).toBe(-EINVAL);
    expect(mm.do_mprotect(a, 0n, PROT_READ | 0x100)).toBe(0n);
    expect(mm.do_mprotect(a, PAGE, PROT_READ | 0x0100_0000)).toBe(-EINVAL); // not a stack VMA
    expect(mm.do_mprotect(a, PAGE, PROT_READ | 0x8)).toBe(0n); // PROT_SEM
  });

  it("mprotect over a hole changes the part before it, then says ENOMEM (as Linux 6.x, measured)", () => {
    const u = userTask();
    const mm = u.t.mm;
    const prot = (va: bigint): number | undefined => {
      const v = mm.find_vma(va);
      return v && v.vm_flags & 7;
    };
    const a = mm.do_mmap(0n, 3n * PAGE, RW, ANON);
    expect(mm.do_munmap(a + PAGE, PAGE)).toBe(0n);
    expect(mm.do_mprotect(a, 3n * PAGE, PROT_READ)).toBe(-ENOMEM);
    expect(prot(a)).toBe(1); // the first page: read-only now
    expect(prot(a + 2n * PAGE)).toBe(3); // past the hole: untouched
    // Starting in the hole: nothing changes; past the last mapping: the mapped part changes.
    expect(mm.do_mprotect(a + PAGE, 2n * PAGE, PROT_READ)).toBe(-ENOMEM);
    expect(prot(a + 2n * PAGE)).toBe(3);
    expect(mm.do_mprotect(a + 2n * PAGE, 1n << 30n, PROT_READ)).toBe(-ENOMEM);
    expect(prot(a + 2n * PAGE)).toBe(1);
  });
});

describe("mmap(MAP_FIXED) and brk", () => {
  it("MAP_FIXED over a mapping frees its pages: the new one reads zero", () => {
    const u = userTask();
    const a = u.t.mm.do_mmap(0n, PAGE, RW, ANON);
    u.put(a, 9n);
    const free = u.k.pages.nr_free_pages();
    expect(u.t.mm.do_mmap(a, PAGE, RW, ANON | MAP_FIXED)).toBe(a);
    expect(u.k.pages.nr_free_pages()).toBe(free + 1);
    expect(u.get(a)).toBe(0n);
  });

  it("a smaller break unmaps and frees the pages above it", () => {
    const u = userTask();
    const mm = u.t.mm;
    const start = mm.brk;
    const top = alignUp(start, PAGE) + PAGE;
    expect(mm.do_brk(top + PAGE)).toBe(top + PAGE);
    u.put(top, 3n);
    const free = u.k.pages.nr_free_pages();
    expect(mm.do_brk(top)).toBe(top);
    expect(u.k.pages.nr_free_pages()).toBe(free + 1);
    expect(u.get(top)).toBeNull();
  });
});

describe("page faults", () => {
  it("a new PTE has V, U, A, D and the VMA's permissions, nothing else", () => {
    const u = userTask();
    const rw = u.t.mm.do_mmap(0n, PAGE, RW, ANON);
    const ro = u.t.mm.do_mmap(0n, PAGE, PROT_READ, ANON);
    u.put(rw, 1n);
    u.get(ro);
    expect([u.flags(rw), u.flags(ro)]).toEqual(["VRW-U-AD", "VR--U-AD"]);
  });

  it("a new 2 MiB PTE too", () => {
    const u = userTask("transparent_hugepage=always");
    const base = alignUp(u.t.mm.do_mmap(0n, 2n * PMD, PROT_READ, ANON), PMD);
    u.get(base);
    expect(u.t.mm.pgd.lookup(base)?.level).toBe(1);
    expect(u.flags(base)).toBe("VR--U-AD");
  });
});

describe("exit", () => {
  it("no TLB entry or walk-cache entry of the task's ASID survives on any hart; every page comes back", () => {
    const { k, t, put, cached, walkCached, pagesBefore } = userTask("", 2, "champsim");
    const a = t.mm.do_mmap(0n, PAGE, RW, ANON);
    for (const cpu of [0, 1]) put(a, 1n, cpu);
    expect([walkCached(a, 0), walkCached(a, 1)]).toEqual([true, true]);
    k.sched.exitTask(t, 0);
    expect([cached(a, 0), cached(a, 1)]).toEqual([false, false]);
    expect([walkCached(a, 0), walkCached(a, 1)]).toEqual([false, false]);
    expect(k.pages.nr_free_pages() + k.pgd.nrTablePages).toBe(pagesBefore);
  });

  it("the walk caches are flushed even when no mapping was large enough for a full flush", () => {
    const { k, t, put, walkCached } = userTask("", 2, "champsim");
    const stack = t.mm.vmas.find((v) => v.vm_flags & VM_GROWSDOWN)!;
    t.mm.do_munmap(stack.vm_start, stack.vm_end - stack.vm_start); // 8 MiB: its zap fences the whole ASID
    const a = t.mm.do_mmap(0n, PAGE, RW, ANON);
    for (const cpu of [0, 1]) put(a, 1n, cpu);
    k.sched.exitTask(t, 0); // every zap is a few pages: fences by address, which keep the walk caches
    expect([walkCached(a, 0), walkCached(a, 1)]).toEqual([false, false]);
  });
});

describe("clear_pages (clear_page, clear_huge_page)", () => {
  /** RAM offset of page frame `pfn`. */
  const ramOff = (pfn: number): number => pfn * 4096 - RAM_BASE;
  /** What clearing the block at `pfn` cost: translations, bytes and clock cycles. */
  const cost = (k: Kernel, pfn: number, order: number): number[] => {
    const before = [k.kmem.translations, k.kmem.bytes, k.machine.clocks[0]!];
    k.clear_pages(pfn, order);
    return [k.kmem.translations, k.kmem.bytes, k.machine.clocks[0]!].map((v, i) => v - before[i]!);
  };

  it("zeroes a page allocated before, and charges a fresh page's clearing the same", () => {
    const k = boot("kasan=off");
    const pfn = k.pages.alloc_pages(0);
    const fresh = cost(k, pfn, 0);
    const off = ramOff(pfn);
    k.machine.mem.u8.fill(0xa5, off, off + 4096); // the page used, then freed
    k.pages.__free_pages(pfn, 0);
    expect(k.pages.alloc_pages(0)).toBe(pfn);
    expect(cost(k, pfn, 0)).toEqual(fresh);
    expect(k.machine.mem.u8.subarray(off, off + 4096).every((b) => b === 0)).toBe(true);
    expect(fresh[1]).toBe(4096);
  });

  it("costs what memset of the block's direct-map address costs, with KASAN on; whole pages only", () => {
    const k = boot();
    const pfn = k.pages.alloc_pages(2);
    const viaClear = cost(k, pfn, 2);
    const before = [k.kmem.translations, k.kmem.bytes, k.machine.clocks[0]!];
    k.kmem.memset(__va(pfn * 4096), 0, 4 * 4096, "clear_page");
    const viaMemset = [k.kmem.translations, k.kmem.bytes, k.machine.clocks[0]!].map((v, i) => v - before[i]!);
    expect(viaClear).toEqual(viaMemset);
    expect(viaClear.slice(0, 2)).toEqual([4, 4 * 4096]);
    expect(() => k.kmem.clearDirect(ramOff(pfn) + 8, 4096, true)).toThrow(/not whole pages/);
    expect(() => k.kmem.clearDirect(ramOff(pfn), 100, true)).toThrow(/not whole pages/);
  });

  it("leaves the host memory of a block in its first allocation unwritten: RAM is zero at boot", () => {
    const k = boot("kasan=off");
    const pfn = k.pages.alloc_pages(1);
    const off = ramOff(pfn);
    // Not something the kernel does (it writes only pages it allocated): a marker shows the
    // clearing did not write the block.
    k.machine.mem.u8[off + 4100] = 7;
    expect(cost(k, pfn, 1)[1]).toBe(8192);
    expect(k.machine.mem.u8[off + 4100]).toBe(7);
  });
});
