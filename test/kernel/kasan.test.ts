import { describe, expect, it } from "vitest";
import { KernelOops } from "../../src/kernel/kaccess.js";
import {
  KASAN_REPORT_RULE,
  KASAN_SLAB_REDZONE,
  KASAN_VMALLOC_INVALID,
  type Kasan,
} from "../../src/kernel/kasan.js";
import type { Kernel } from "../../src/kernel/kernel.js";
import { __va, hex64, kasan_mem_to_shadow, VMALLOC_START } from "../../src/kernel/layout.js";
import { PG_kasan } from "../../src/kernel/page_alloc.js";
import { PAGE_KERNEL } from "../../src/kernel/pgtable.js";
import { boot as bootKernel, byteRuns } from "./helpers.js";

/** The test area: one data page and its guard page, 8 KiB into the vmalloc range. */
const P = VMALLOC_START + 0x2000n;
const AREA = 0x2000n;

interface Booted {
  kernel: Kernel;
  kasan: Kasan;
  /** Assert that every page is back: free, or a kernel page-table page (shadow page tables
   *  are never freed, as in Linux), and no shadow page is left. */
  noLeak(): void;
}

/** The kernel on the tiny TLB, with the pages of its KASAN shadow counted from boot. */
function boot(cmdline = ""): Booted {
  const kernel = bootKernel(cmdline, { tlb: "tiny" });
  const kasan = kernel.kasan!;
  const free0 = kernel.pages.nr_free_pages();
  const tables0 = kernel.pgd.nrTablePages;
  return {
    kernel,
    kasan,
    noLeak() {
      expect(kasan.nr_shadow_pages).toBe(0);
      expect(kasanPages(kernel)).toBe(0);
      const newTables = kernel.pgd.nrTablePages - tables0;
      expect(newTables).toBeLessThanOrEqual(8);
      expect(kernel.pages.nr_free_pages()).toBe(free0 - newTables);
    },
  };
}

const kasanPages = (k: Kernel): number => k.pages.flags.filter((f) => (f & PG_kasan) !== 0).length;

/** Map `n` fresh data pages at `va` (what vmalloc would do); returns their frames. */
function mapData(k: Kernel, va: bigint, n: number): number[] {
  const pfns: number[] = [];
  for (let i = 0; i < n; i++) {
    const pfn = k.pages.alloc_pages(0);
    expect(pfn).toBeGreaterThan(0);
    expect(k.pgd.mapPage(va + BigInt(i * 4096), pfn, PAGE_KERNEL)).toBe(true);
    pfns.push(pfn);
  }
  return pfns;
}

function unmapData(k: Kernel, va: bigint, pfns: number[]): void {
  k.pgd.unmapRange(va, pfns.length * 4096);
  k.flush.flush_tlb_kernel_range(va, va + BigInt(pfns.length * 4096));
  for (const pfn of pfns) k.pages.__free_pages(pfn, 0);
}

const errLines = (k: Kernel): string[] => k.printk.lines.filter((l) => l.level === "err").map((l) => l.text);

/** The lines of the last report, from its opening rule to its closing one. */
function lastReport(k: Kernel): string[] {
  const lines = errLines(k);
  const end = lines.lastIndexOf(KASAN_REPORT_RULE);
  const start = lines.lastIndexOf(KASAN_REPORT_RULE, end - 1);
  return lines.slice(start, end + 1);
}

/** A vmalloc-like area at P: shadow populated, one data page mapped, `size` bytes unpoisoned,
 *  and the mapping described as vmalloc's describe hook would. */
function area(b: Booted, size: number): () => void {
  const { kernel, kasan } = b;
  expect(kasan.populate_vmalloc(P, AREA)).toBe(true);
  const pfns = mapData(kernel, P, 1);
  kasan.kasan_unpoison_vmalloc(P, size);
  kasan.addDescriber((addr) =>
    addr >= P && addr < P + AREA
      ? [
          "The buggy address belongs to the virtual mapping at",
          ` [${hex64(P)}, ${hex64(P + AREA)}) created by:`,
          " vrealloc_test",
        ]
      : null,
  );
  return () => {
    kasan.kasan_poison_vmalloc(P, 4096);
    unmapData(kernel, P, pfns);
    kasan.release_vmalloc(P, P + AREA, VMALLOC_START, VMALLOC_START + 0x100000n);
  };
}

const f8Row = Array(16).fill("f8").join(" ");

describe("shadow memory", () => {
  it("reproduces Linux's shadow for vmalloc(100) and its vreallocs (docs/reference/vmalloc.md)", () => {
    const b = boot();
    const { kasan } = b;
    expect(kasan.populate_vmalloc(P, AREA)).toBe(true);
    expect(kasan.nr_shadow_pages).toBe(1);
    expect(kasanPages(b.kernel)).toBe(1);
    expect(byteRuns(kasan.shadowOf(P, 8192))).toBe("1024×f8");

    kasan.kasan_unpoison_vmalloc(P, 100);
    expect(byteRuns(kasan.shadowOf(P, 8192))).toBe("12×00 1×04 1011×f8");
    kasan.kasan_vrealloc(P, 100, 50);
    expect(byteRuns(kasan.shadowOf(P, 8192))).toBe("6×00 1×02 1017×f8");
    kasan.kasan_vrealloc(P, 50, 3000);
    expect(byteRuns(kasan.shadowOf(P, 8192))).toBe("375×00 649×f8");
    // Shrink to a granule-aligned size and grow from one: no partial granule either way.
    kasan.kasan_vrealloc(P, 3000, 64);
    expect(byteRuns(kasan.shadowOf(P, 8192))).toBe("8×00 1016×f8");
    kasan.kasan_vrealloc(P, 64, 69);
    expect(byteRuns(kasan.shadowOf(P, 8192))).toBe("8×00 1×05 1015×f8");

    kasan.kasan_poison_vmalloc(P, 4096);
    expect(byteRuns(kasan.shadowOf(P, 8192))).toBe("1024×f8");
    kasan.release_vmalloc(P, P + AREA, VMALLOC_START, VMALLOC_START + 0x100000n);
    b.noLeak();
  });

  it("is real memory: mapped at the shadow address, read through the MMU, gone after release", () => {
    const b = boot();
    const { kernel, kasan } = b;
    expect(kasan.populate_vmalloc(P, AREA)).toBe(true);
    kasan.kasan_unpoison_vmalloc(P, 20);
    const s = kasan_mem_to_shadow(P);
    expect(kernel.pgd.leafAt(s, 0)).not.toBe(0);
    // The bytes are in emulated RAM at the translated address; this read fills the TLB.
    expect(Array.from(kernel.kmem.read(s, 4))).toEqual([0, 0, 4, KASAN_VMALLOC_INVALID]);
    const flushes = kernel.vmstat.get("nr_tlb_local_flush_one") + kernel.vmstat.get("nr_tlb_local_flush_all");
    kasan.release_vmalloc(P, P + AREA, VMALLOC_START, VMALLOC_START + 0x100000n);
    expect(
      kernel.vmstat.get("nr_tlb_local_flush_one") + kernel.vmstat.get("nr_tlb_local_flush_all"),
    ).toBeGreaterThan(flushes);
    expect(kernel.pgd.leafAt(s, 0)).toBe(0);
    // The TLB entry went with the mapping: the shadow address now faults.
    expect(() => kernel.kmem.read(s, 1)).toThrow(KernelOops);
    expect(() => kernel.kmem.read(s, 1)).toThrow(/Unable to handle kernel paging request at virtual address/);
    b.noLeak();
  });

  it("populating a neighbour keeps existing shadow; release keeps pages a busy area still needs", () => {
    const b = boot();
    const { kasan } = b;
    const A = VMALLOC_START;
    const B = VMALLOC_START + 0x2000n;
    expect(kasan.populate_vmalloc(A, 0x2000n)).toBe(true);
    kasan.kasan_unpoison_vmalloc(A, 100);
    expect(kasan.populate_vmalloc(B, 0x2000n)).toBe(true);
    expect(kasan.nr_shadow_pages).toBe(1);
    expect(byteRuns(kasan.shadowOf(A, 0x4000))).toBe("12×00 1×04 2035×f8");
    // A goes away while B is busy: its free region is A itself, so the shared page stays.
    kasan.kasan_poison_vmalloc(A, 4096);
    kasan.release_vmalloc(A, A + 0x2000n, A, A + 0x2000n);
    expect(kasan.nr_shadow_pages).toBe(1);
    // B goes away and merges with the free space around it: the page goes.
    kasan.kasan_poison_vmalloc(B, 4096);
    kasan.release_vmalloc(B, B + 0x2000n, VMALLOC_START, VMALLOC_START + 0x100000n);
    expect(kasan.nr_shadow_pages).toBe(0);

    // A 64 KiB range aligned to 32 KiB owns its two shadow pages outright.
    const C = VMALLOC_START + 0x100000n;
    expect(kasan.populate_vmalloc(C, 0x10000n)).toBe(true);
    expect(kasan.nr_shadow_pages).toBe(2);
    kasan.release_vmalloc(C, C + 0x10000n);
    b.noLeak();
  });

  it("fails cleanly when a shadow page or a page-table page cannot be had", () => {
    const b = boot();
    const { kernel, kasan } = b;
    const free0 = kernel.pages.nr_free_pages();
    kernel.pages.failAfter = 0;
    expect(kasan.populate_vmalloc(P, AREA)).toBe(false);
    // The second of two shadow pages fails.
    kernel.pages.failAfter = 1;
    expect(kasan.populate_vmalloc(VMALLOC_START + 0x100000n, 0x10000n)).toBe(false);
    kernel.pages.failAfter = -1;
    expect(kasan.nr_shadow_pages).toBe(0);
    expect(kernel.pages.nr_free_pages()).toBe(free0);

    // Far away in the vmalloc range the shadow needs new page tables: let the table fail.
    const far = VMALLOC_START + (1n << 40n);
    kernel.pages.failAfter = 1;
    expect(kasan.populate_vmalloc(far, AREA)).toBe(false);
    kernel.pages.failAfter = -1;
    expect(kasan.nr_shadow_pages).toBe(0);
    expect(kernel.pages.nr_free_pages()).toBe(free0);
    expect(kasan.populate_vmalloc(far, AREA)).toBe(true);
    expect(byteRuns(kasan.shadowOf(far, 8192))).toBe("1024×f8");
    kasan.release_vmalloc(far, far + AREA, VMALLOC_START, far + (1n << 30n));
    b.noLeak();
  });

  it("warns about misaligned poisoning and leaves the shadow alone", () => {
    const b = boot();
    const { kernel, kasan } = b;
    expect(kasan.populate_vmalloc(P, AREA)).toBe(true);
    kasan.kasan_poison(P + 3n, 8, 0);
    kasan.kasan_poison(P, 12, 0);
    expect(kernel.printk.warnings).toBe(2);
    expect(byteRuns(kasan.shadowOf(P, 8192))).toBe("1024×f8");
    kasan.release_vmalloc(P, P + AREA, VMALLOC_START, VMALLOC_START + 0x100000n);
    b.noLeak();
  });
});

describe("the access check and its report", () => {
  it("passes in-bounds accesses and reports a read between requested size and page end", () => {
    const b = boot();
    const { kernel, kasan } = b;
    expect(kernel.kmem.check).toBe(kasan.check);
    expect(
      kernel.printk.lines.some((l) => l.text === "kasan: KernelAddressSanitizer initialized (generic)"),
    ).toBe(true);
    const done = area(b, 100);
    kernel.kmem.write(P, new Uint8Array(100).fill(0x61));
    expect(kernel.kmem.read(P, 100)[99]).toBe(0x61);
    kernel.kmem.read(P + 96n, 4); // ends inside the partial granule's 4 bytes
    expect(kasan.reports).toBe(0);

    kernel.kmem.read(P + 100n, 1, "vrealloc_test");
    expect(kasan.reports).toBe(1);
    const r = lastReport(kernel);
    expect(r[0]).toBe("=".repeat(66));
    expect(r[1]).toBe("BUG: KASAN: vmalloc-out-of-bounds in vrealloc_test");
    expect(r[2]).toBe(`Read of size 1 at addr ${hex64(P + 100n)} by task swapper/0/0`);
    expect(r[2]).toBe("Read of size 1 at addr ffff8f8000002064 by task swapper/0/0");
    expect(r).toContain("CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Not tainted 6.19.0-mmlab #1");
    const v = r.indexOf("The buggy address belongs to the virtual mapping at");
    expect(r.slice(v, v + 3)).toEqual([
      "The buggy address belongs to the virtual mapping at",
      " [ffff8f8000002000, ffff8f8000004000) created by:",
      " vrealloc_test",
    ]);
    const m = r.indexOf("Memory state around the buggy address:");
    expect(m).toBeGreaterThan(v);
    expect(r.slice(m + 1)).toEqual([
      ` ffff8f8000001f00: ${f8Row}`,
      ` ffff8f8000001f80: ${f8Row}`,
      ">ffff8f8000002000: 00 00 00 00 00 00 00 00 00 00 00 00 04 f8 f8 f8",
      `${" ".repeat(55)}^`,
      ` ffff8f8000002080: ${f8Row}`,
      ` ffff8f8000002100: ${f8Row}`,
      "=".repeat(66),
    ]);
    // The '^' stands under the first hex digit of the bad granule's shadow byte.
    expect(r[m + 4]!.indexOf("^")).toBe(r[m + 3]!.indexOf("04"));
    expect(
      kernel.printk.lines.filter((l) => l.text === "Disabling lock debugging due to kernel taint"),
    ).toHaveLength(1);
    done();
    b.noLeak();
  });

  it("reports an access that straddles the end, from its first bad granule", () => {
    const b = boot("kasan_multi_shot");
    const { kernel, kasan } = b;
    kernel.current = { comm: "test_vmalloc", pid: 42 }; // the task reports name
    const done = area(b, 100);
    kernel.kmem.read(P + 96n, 8, "vrealloc_test"); // bytes 100..103 are past the end
    let r = lastReport(kernel);
    expect(r[1]).toBe("BUG: KASAN: vmalloc-out-of-bounds in vrealloc_test");
    expect(r[2]).toBe(`Read of size 8 at addr ${hex64(P + 96n)} by task test_vmalloc/42`);
    // A big write from the start: the first bad granule is the partial one (shadow 04).
    kernel.kmem.memset(P, 0, 4096, "memset");
    r = lastReport(kernel);
    expect(r[2]).toBe(`Write of size 4096 at addr ${hex64(P)} by task test_vmalloc/42`);
    expect(r[r.length - 4]!.indexOf("^")).toBe(19 + 12 * 3);
    expect(kasan.reports).toBe(2);
    done();
    b.noLeak();
  });

  it("prints only the first report without kasan_multi_shot, every one with it", () => {
    for (const [cmdline, printed] of [
      ["", 1],
      ["kasan_multi_shot", 3],
    ] as const) {
      const b = boot(cmdline);
      const { kernel, kasan } = b;
      const done = area(b, 100);
      kernel.kmem.read(P + 100n, 1);
      kernel.kmem.write8(P + 200n, 1);
      // The guard page: KASAN reports first, then the MMU faults.
      expect(() => kernel.kmem.read(P + 4096n, 1)).toThrow(/Unable to handle kernel paging request/);
      expect(kasan.reports).toBe(3);
      expect(kasan.printed).toBe(printed);
      expect(errLines(kernel).filter((l) => l.startsWith("BUG: KASAN:"))).toHaveLength(printed);
      if (printed > 1) {
        expect(errLines(kernel)).toContain("Write of size 1 at addr ffff8f80000020c8 by task swapper/0/0");
        expect(errLines(kernel)).toContain(
          "CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Tainted: [B]=BAD_PAGE 6.19.0-mmlab #1",
        );
      }
      done();
      b.noLeak();
    }
  });

  it("kasan.fault=panic stops the access after the report", () => {
    const b = boot("kasan.fault=panic");
    const { kernel, kasan } = b;
    const done = area(b, 100);
    kernel.kmem.read(P, 100);
    let oops: unknown;
    try {
      kernel.kmem.write8(P + 100n, 0x55, "vrealloc_test");
    } catch (e) {
      oops = e;
    }
    expect(oops).toBeInstanceOf(KernelOops);
    expect((oops as KernelOops).lines[0]).toBe("Kernel panic - not syncing: kasan.fault=panic set ...");
    expect((oops as KernelOops).va).toBe(P + 100n);
    expect(lastReport(kernel)[1]).toBe("BUG: KASAN: vmalloc-out-of-bounds in vrealloc_test");
    expect(kasan.printed).toBe(1);
    // The write never happened.
    kernel.kmem.check = null;
    expect(kernel.kmem.read8(P + 100n)).toBe(0);
    done();
    b.noLeak();
  });

  it("kasan.fault=panic_on_write panics on writes only", () => {
    const b = boot("kasan.fault=panic_on_write kasan_multi_shot");
    const { kernel, kasan } = b;
    const done = area(b, 100);
    kernel.kmem.read(P + 100n, 1);
    expect(() => kernel.kmem.write8(P + 100n, 1)).toThrow(
      "Kernel panic - not syncing: kasan.fault=panic_on_write set ...",
    );
    expect(kasan.printed).toBe(2);
    done();
    b.noLeak();
  });

  it("kasan=off: no shadow, no check", () => {
    const b = boot("kasan=off");
    const { kernel, kasan } = b;
    expect(kasan.enabled).toBe(false);
    expect(kernel.kmem.check).toBe(null);
    expect(kernel.printk.lines.filter((l) => l.text.startsWith("kasan:"))).toEqual([]);
    expect(kasan.populate_vmalloc(P, AREA)).toBe(true);
    expect(kasan.nr_shadow_pages).toBe(0);
    const pfns = mapData(kernel, P, 1);
    kasan.kasan_unpoison_vmalloc(P, 100);
    kernel.kmem.read(P + 100n, 1);
    kasan.check(P + 100n, 1, false, "direct");
    expect(kasan.reports).toBe(0);
    kasan.kasan_poison_vmalloc(P, 4096);
    unmapData(kernel, P, pfns);
    kasan.release_vmalloc(P, P + AREA);
    b.noLeak();
  });

  it("rejects bad parameter values and keeps the defaults", () => {
    const b = boot("kasan=maybe kasan.fault=loud");
    const { kernel, kasan } = b;
    expect(kasan.enabled).toBe(true);
    expect(kasan.fault).toBe("report");
    const warnings = kernel.printk.lines.filter((l) => l.level === "warning").map((l) => l.text);
    expect(warnings).toContain("kernel: bad value for 'kasan': expected on or off, got 'maybe'");
    expect(warnings).toContain(
      "kernel: bad value for 'kasan.fault': expected report, panic or panic_on_write, got 'loud'",
    );
    expect(kernel.unknownParams).toEqual([]);
    b.noLeak();
  });
});

describe("slab objects in the direct map", () => {
  it("redzones, use-after-free and double free of a kmalloc object", () => {
    const b = boot("kasan_multi_shot");
    const { kernel, kasan } = b;
    const pfn = kernel.pages.alloc_pages(0);
    const slab = __va(pfn * 4096);
    // Before populate the page is not checked at all.
    kernel.kmem.read(slab, 4096);
    expect(kasan.populate(slab, 4096, KASAN_SLAB_REDZONE)).toBe(true);
    expect(byteRuns(kasan.shadowOf(slab, 4096))).toBe("512×fc");

    const obj = slab + 128n;
    kasan.kasan_kmalloc(obj, 100, 128);
    expect(byteRuns(kasan.shadowOf(slab, 384))).toBe("16×fc 12×00 1×04 19×fc");
    kernel.kmem.read(obj, 100);
    expect(kasan.reports).toBe(0);
    kernel.kmem.read(obj + 100n, 1, "kmalloc_oob_right");
    let r = lastReport(kernel);
    expect(r[1]).toBe("BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right");
    expect(r).toContain("The buggy address belongs to the physical page:");
    expect(r.find((l) => l.startsWith("page: refcount:1"))).toContain(`pfn:0x${pfn.toString(16)}`);

    expect(kasan.kasan_slab_free(obj, 128)).toBe(false);
    expect(byteRuns(kasan.shadowOf(obj, 128))).toBe("16×fb");
    kernel.kmem.read64(obj + 8n, "kmalloc_uaf");
    r = lastReport(kernel);
    expect(r[1]).toBe("BUG: KASAN: slab-use-after-free in kmalloc_uaf");
    expect(r[2]).toBe(`Read of size 8 at addr ${hex64(obj + 8n)} by task swapper/0/0`);

    expect(kasan.kasan_slab_free(obj, 128, "kfree")).toBe(true);
    r = lastReport(kernel);
    expect(r[1]).toBe("BUG: KASAN: double-free in kfree");
    expect(r[2]).toBe(`Free of addr ${hex64(obj)} by task swapper/0/0`);
    expect(kasan.reports).toBe(3);

    // krealloc in place: the object is live again with a new size.
    kasan.kasan_kmalloc(obj, 128, 128);
    expect(byteRuns(kasan.shadowOf(obj, 128))).toBe("16×00");

    kasan.depopulate(slab, 4096);
    expect(kasan.nr_shadow_pages).toBe(0);
    kernel.kmem.read(obj + 200n, 1);
    expect(kasan.reports).toBe(3);
    kernel.pages.__free_pages(pfn, 0);
    b.noLeak();
  });

  it("checks clear_page of a direct-map page: populated shadow by check(), none skipped", () => {
    const b = boot("kasan_multi_shot");
    const { kernel, kasan } = b;
    const pfn = kernel.pages.alloc_pages(0);
    kernel.clear_pages(pfn, 0); // no shadow for it: nothing to check
    expect(kasan.reports).toBe(0);
    expect(kasan.populate(__va(pfn * 4096), 4096, KASAN_SLAB_REDZONE)).toBe(true);
    kernel.clear_pages(pfn, 0);
    const r = lastReport(kernel);
    expect(r[1]).toBe("BUG: KASAN: slab-out-of-bounds in clear_page");
    expect(r[2]).toBe(`Write of size 4096 at addr ${hex64(__va(pfn * 4096))} by task swapper/0/0`);
    kasan.depopulate(__va(pfn * 4096), 4096);
    kernel.clear_pages(pfn, 0);
    expect(kasan.reports).toBe(1);
    kernel.pages.__free_pages(pfn, 0);
    b.noLeak();
  });

  it("slab pages sharing a shadow page keep it until the last one goes; OOM is clean", () => {
    const b = boot();
    const { kernel, kasan } = b;
    const pfn = kernel.pages.alloc_pages(1);
    const s0 = __va(pfn * 4096);
    const s1 = s0 + 4096n;
    kernel.pages.failAfter = 0;
    expect(kasan.populate(s0, 4096, KASAN_SLAB_REDZONE)).toBe(false);
    kernel.pages.failAfter = -1;
    expect(kasan.nr_shadow_pages).toBe(0);
    expect(kasan.populate(s0, 4096, KASAN_SLAB_REDZONE)).toBe(true);
    expect(kasan.populate(s1, 4096, KASAN_SLAB_REDZONE)).toBe(true);
    expect(kasan.nr_shadow_pages).toBe(1);
    kasan.depopulate(s0, 4096);
    expect(kasan.nr_shadow_pages).toBe(1);
    expect(byteRuns(kasan.shadowOf(s0, 8192))).toBe("512×00 512×fc");
    kasan.depopulate(s1, 4096);
    expect(kasan.nr_shadow_pages).toBe(0);
    kernel.pages.__free_pages(pfn, 1);
    b.noLeak();
  });
});
