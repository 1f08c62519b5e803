import { describe, expect, it } from "vitest";
import { GFP, GFP_ATOMIC, GFP_KERNEL, GFP_KERNEL_ACCOUNT } from "../../src/kernel/kernel.js";
import { __pa, __va, PAGE_OFFSET, VMALLOC_START } from "../../src/kernel/layout.js";
import { PG_head, PG_slab } from "../../src/kernel/page_alloc.js";
import {
  calculate_order,
  get_order,
  gfp_string,
  KMALLOC_MAX_CACHE_SIZE,
  kmalloc_index,
  ZERO_SIZE_PTR,
} from "../../src/kernel/slab.js";
import { bootMm, byteRuns, type MmKernel, noLeak } from "./helpers.js";

const log = (m: MmKernel): string => m.k.printk.lines.map((l) => l.text).join("\n");
const fill = (m: MmKernel, p: bigint, n: number, byte: number): void => m.k.kmem.memset(p, byte, n);
const bytes = (m: MmKernel, p: bigint, n: number): number[] => [...m.k.kmem.read(p, n)];
const pageFlags = (m: MmKernel, p: bigint): number =>
  m.k.pages.flags[m.k.pages.idx(Math.floor(__pa(p) / 4096))]!;

describe("kmalloc caches", () => {
  it("has Linux's buckets with SLUB's slab orders (1 CPU: min_objects 8)", () => {
    const m = bootMm();
    const rows = m.slab.kmalloc_caches.normal
      .filter((s) => s !== undefined)
      .map((s) => [s.name, s.object_size, s.order, s.objects]);
    expect(rows).toEqual([
      ["kmalloc-96", 96, 0, 42],
      ["kmalloc-192", 192, 0, 21],
      ["kmalloc-8", 8, 0, 512],
      ["kmalloc-16", 16, 0, 256],
      ["kmalloc-32", 32, 0, 128],
      ["kmalloc-64", 64, 0, 64],
      ["kmalloc-128", 128, 0, 32],
      ["kmalloc-256", 256, 0, 16],
      ["kmalloc-512", 512, 0, 8],
      ["kmalloc-1k", 1024, 1, 8],
      ["kmalloc-2k", 2048, 2, 8],
      ["kmalloc-4k", 4096, 3, 8],
      ["kmalloc-8k", 8192, 3, 4],
    ]);
    expect(m.slab.kmem_cache_by_name("kmalloc-cg-128")!.account).toBe(true);
    expect(m.slab.kmem_cache_by_name("kmalloc-8")!.min_partial).toBe(5);
  });

  it("calculate_order grows with the CPU count as min_objects = 4 * (fls(cpus) + 1)", () => {
    expect(calculate_order(512, 1)).toBe(0);
    expect(calculate_order(512, 4)).toBe(1); // 16 objects
    expect(calculate_order(1024, 4)).toBe(2);
    expect(calculate_order(8192, 64)).toBe(3); // capped at PAGE_ALLOC_COSTLY_ORDER
    expect(get_order(1)).toBe(0);
    expect(get_order(4097)).toBe(1);
    expect(get_order(8193)).toBe(2);
    const m = bootMm("", { harts: 4 });
    expect(m.slab.kmem_cache_by_name("kmalloc-512")!.order).toBe(1);
    expect(m.slab.kmem_cache_by_name("kmalloc-512")!.objects).toBe(16);
  });

  it("maps sizes to buckets as __kmalloc_index does", () => {
    const m = bootMm();
    const sizes = [1, 8, 9, 16, 17, 64, 65, 96, 97, 128, 129, 192, 193, 256, 257, 1000, 1025, 4097, 8192];
    expect(sizes.map((n) => m.slab.kmalloc_slab(n, GFP_KERNEL).name)).toEqual([
      "kmalloc-8",
      "kmalloc-8",
      "kmalloc-16",
      "kmalloc-16",
      "kmalloc-32",
      "kmalloc-64",
      "kmalloc-96",
      "kmalloc-96",
      "kmalloc-128",
      "kmalloc-128",
      "kmalloc-192",
      "kmalloc-192",
      "kmalloc-256",
      "kmalloc-256",
      "kmalloc-512",
      "kmalloc-1k",
      "kmalloc-2k",
      "kmalloc-8k",
      "kmalloc-8k",
    ]);
    expect(kmalloc_index(KMALLOC_MAX_CACHE_SIZE)).toBe(13);
    expect(m.slab.kmalloc_slab(100, GFP_KERNEL_ACCOUNT).name).toBe("kmalloc-cg-128");
    expect([0, 100, 8192, 8193, 20000].map((n) => m.slab.kmalloc_size_roundup(n))).toEqual([
      0, 128, 8192, 16384, 32768,
    ]);
  });

  it("formats gfp masks as %pGg does", () => {
    expect(gfp_string(GFP_KERNEL)).toBe("0xcc0(GFP_KERNEL)");
    expect(gfp_string(GFP_KERNEL_ACCOUNT | GFP.__GFP_ZERO)).toBe("0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO)");
    expect(gfp_string(GFP_ATOMIC | GFP.__GFP_NOWARN)).toBe("0x2820(GFP_ATOMIC|__GFP_NOWARN)");
  });
});

describe("kmalloc, kfree, ksize", () => {
  it("ksize(kmalloc(100)) is 128; objects are direct-map addresses in PG_slab pages", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL);
      expect(p).toBeGreaterThanOrEqual(PAGE_OFFSET);
      expect(m.slab.ksize(p)).toBe(128);
      expect(pageFlags(m, p) & PG_slab).toBe(PG_slab);
      const q = m.slab.kmalloc(128, GFP_KERNEL);
      expect(q).toBe(p + 128n); // the next object of the same slab, address order
      m.k.kmem.write64(p + 8n, 0x1122334455667788n);
      expect(m.k.kmem.read64(p + 8n)).toBe(0x1122334455667788n);
      expect(m.k.vmstat.get("nr_slab_unreclaimable")).toBe(1);
      m.slab.kfree(p);
      m.slab.kfree(q);
    });
  });

  it("kmalloc(0) is ZERO_SIZE_PTR; kfree and ksize of NULL and ZERO_SIZE_PTR do nothing", () => {
    const m = bootMm();
    noLeak(m, () => {
      expect(m.slab.kmalloc(0, GFP_KERNEL)).toBe(ZERO_SIZE_PTR);
      expect(ZERO_SIZE_PTR).toBe(0x10n);
      m.slab.kfree(0n);
      m.slab.kfree(ZERO_SIZE_PTR);
      expect(m.slab.ksize(0n)).toBe(0);
      expect(m.slab.ksize(ZERO_SIZE_PTR)).toBe(0);
      expect(m.k.printk.warnings).toBe(0);
    });
  });

  it("a freed object is the next one handed out (LIFO) and keeps its old bytes without init", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(64, GFP_KERNEL);
      fill(m, p, 64, 0xab);
      m.slab.kfree(p);
      const q = m.slab.kmalloc(64, GFP_KERNEL);
      expect(q).toBe(p);
      expect(bytes(m, q, 4)).toEqual([0xab, 0xab, 0xab, 0xab]);
      m.slab.kfree(q);
      const z = m.slab.kzalloc(64, GFP_KERNEL);
      expect(z).toBe(p);
      expect(byteRuns(bytes(m, z, 64))).toBe("64×00");
      m.slab.kfree(z);
    });
  });

  it("init_on_alloc zeroes every new object, init_on_free every freed one", () => {
    const a = bootMm("init_on_alloc=1");
    noLeak(a, () => {
      const p = a.slab.kmalloc(200, GFP_KERNEL);
      fill(a, p, 256, 0xcd);
      a.slab.kfree(p);
      const q = a.slab.kmalloc(200, GFP_KERNEL);
      expect(q).toBe(p);
      expect(byteRuns(bytes(a, q, 256))).toBe("256×00"); // the whole object, not just 200
      a.slab.kfree(q);
    });
    const f = bootMm("init_on_free=1");
    noLeak(f, () => {
      const p = f.slab.kmalloc(32, GFP_KERNEL);
      const keep = f.slab.kmalloc(32, GFP_KERNEL);
      fill(f, p, 32, 0xee);
      f.slab.kfree(p);
      expect(byteRuns(bytes(f, p, 32))).toBe("32×00");
      f.slab.kfree(keep);
    });
  });

  it("large kmalloc: compound pages from the buddy allocator, ksize is the folio size", () => {
    const m = bootMm();
    noLeak(m, () => {
      const free0 = m.k.pages.nr_free_pages();
      const p = m.slab.kmalloc(8193, GFP_KERNEL);
      expect(p & 4095n).toBe(0n);
      expect(m.slab.ksize(p)).toBe(16384);
      expect(pageFlags(m, p) & (PG_head | PG_slab)).toBe(PG_head);
      expect(m.k.pages.nr_free_pages()).toBe(free0 - 4);
      expect(m.k.vmstat.get("nr_slab_unreclaimable")).toBe(4);
      expect(m.slab.meminfo()).toEqual([
        "Slab:                 16 kB",
        "SReclaimable:          0 kB",
        "SUnreclaim:           16 kB",
      ]);
      const z = m.slab.kzalloc(3 * 4096 + 1, GFP_KERNEL);
      expect(bytes(m, z + 16383n, 1)).toEqual([0]);
      m.slab.kfree(z);
      m.slab.kfree(p);
      expect(m.k.vmstat.get("nr_slab_unreclaimable")).toBe(0);
      expect(m.k.pages.nr_free_pages()).toBe(free0);
    });
  });

  it("a kmalloc bigger than a MAX_PAGE_ORDER block fails, with a WARN unless __GFP_NOWARN", () => {
    const m = bootMm();
    noLeak(m, () => {
      expect(m.slab.kmalloc(5 << 20, GFP_KERNEL | GFP.__GFP_NOWARN)).toBe(0n);
      expect(m.k.printk.warnings).toBe(0);
      expect(m.slab.kmalloc(5 << 20, GFP_KERNEL)).toBe(0n);
      expect(m.k.printk.warnings).toBe(1);
      expect(log(m)).toContain("kmalloc(5242880): order 11 > MAX_PAGE_ORDER (10)");
    });
  });

  it("kfree of something that is not a live object start WARNs and frees nothing", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL);
      const big = m.slab.kmalloc(10000, GFP_KERNEL);
      m.slab.kfree(p + 8n);
      expect(log(m)).toContain("invalid-free of");
      m.slab.kfree(big + 4096n);
      m.slab.kfree(VMALLOC_START + 0x1000n);
      expect(log(m)).toContain("is not a direct-map address");
      const pfn = m.k.pages.alloc_pages(0);
      m.slab.kfree(__va(pfn * 4096));
      expect(log(m)).toContain("page dumped because: Not a kmalloc allocation");
      m.k.pages.__free_pages(pfn, 0);
      expect(m.k.printk.warnings).toBe(4);
      expect(m.slab.ksize(p)).toBe(128); // still allocated
      m.slab.kfree(p);
      m.slab.kfree(p);
      expect(log(m)).toContain("double-free of");
      expect(m.k.printk.warnings).toBe(5);
      m.slab.kfree(big);
    });
  });

  it("objects come from this CPU's slab; a free from another CPU goes back to its slab", () => {
    const m = bootMm("", { harts: 2 });
    noLeak(m, () => {
      const a = m.slab.kmalloc(100, GFP_KERNEL);
      const b = m.k.onCpu(1, () => m.slab.kmalloc(100, GFP_KERNEL));
      expect(b >> 12n).not.toBe(a >> 12n);
      m.k.onCpu(1, () => m.slab.kfree(a));
      expect(m.slab.kmalloc(100, GFP_KERNEL)).toBe(a);
      m.slab.kfree(a);
      m.slab.kfree(b);
    });
  });

  it("keeps up to min_partial empty slabs cached until kmem_cache_shrink", () => {
    const m = bootMm();
    const s = m.slab.kmem_cache_by_name("kmalloc-4k")!;
    noLeak(m, () => {
      const free0 = m.k.pages.nr_free_pages();
      const objs = Array.from({ length: 56 }, () => m.slab.kmalloc(4096, GFP_KERNEL));
      expect(s.nr_slabs).toBe(7);
      expect(m.k.pages.nr_free_pages()).toBe(free0 - 56);
      for (const p of objs) m.slab.kfree(p);
      // min_partial = ilog2(4096) / 2 = 6: slabs 1-5 stay on the partial list, 6 finds it full
      // and goes, 7 is the active slab.
      expect(s.min_partial).toBe(6);
      expect(s.nr_slabs).toBe(6);
      expect(s.partial.size).toBe(5);
      expect(m.k.pages.nr_free_pages()).toBe(free0 - 48);
      m.slab.kmem_cache_shrink(s);
      expect(s.nr_slabs).toBe(0);
      expect(m.k.pages.nr_free_pages()).toBe(free0);
    });
  });

  it("/proc/slabinfo in version 2.1 format, objects of the active slab counted as active", () => {
    const m = bootMm();
    noLeak(m, () => {
      const ps = [1, 2, 3].map(() => m.slab.kmalloc(100, GFP_KERNEL));
      const lines = m.slab.slabinfo().split("\n");
      expect(lines[0]).toBe("slabinfo - version: 2.1");
      expect(lines[1]).toBe(
        "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
      );
      expect(lines[2]!.startsWith("kmalloc-cg-8k ")).toBe(true);
      expect(lines.at(-1)!.startsWith("kmalloc-8 ")).toBe(true);
      expect(lines).toContain(
        "kmalloc-128           32     32    128   32    1 : tunables    0    0    0 : slabdata      1      1      0",
      );
      for (const p of ps) m.slab.kfree(p);
      m.slab.kmem_cache_shrink_all();
      expect(m.slab.slabinfo().split("\n")).toContain(
        "kmalloc-128            0      0    128   32    1 : tunables    0    0    0 : slabdata      0      0      0",
      );
    });
  });
});

describe("allocation failure", () => {
  it("kmalloc returns NULL when the page allocator fails, says why, and leaks nothing", () => {
    const m = bootMm();
    noLeak(m, () => {
      m.k.pages.failAfter = 0;
      expect(m.slab.kmalloc(100, GFP_KERNEL)).toBe(0n);
      expect(m.slab.kmalloc(100000, GFP_KERNEL)).toBe(0n);
      m.k.pages.failAfter = -1;
      expect(log(m)).toContain(
        "SLUB: Unable to allocate memory on CPU 0 (of node 0) on node -1, gfp=0xcc0(GFP_KERNEL)",
      );
      expect(log(m)).toContain(
        "  cache: kmalloc-128, object size: 128, buffer size: 128, default order: 0, min order: 0",
      );
      expect(log(m)).toContain(
        "init: page allocation failure: order:5, mode:0xcc0(GFP_KERNEL), nodemask=(null)",
      );
      const n = m.k.printk.lines.length;
      m.k.pages.failAfter = 0;
      expect(m.slab.kmalloc(100, GFP_KERNEL | GFP.__GFP_NOWARN)).toBe(0n);
      m.k.pages.failAfter = -1;
      expect(m.k.printk.lines.length).toBe(n);
    });
  });

  it("a slab of the cache's order falls back to the minimum order", () => {
    const m = bootMm();
    noLeak(m, () => {
      const s = m.slab.kmem_cache_by_name("kmalloc-2k")!;
      // Make order-2 blocks fail once: the first alloc_pages fails, the second succeeds.
      let calls = 0;
      const orig = m.k.pages.alloc_pages.bind(m.k.pages);
      m.k.pages.alloc_pages = (order: number): number => (calls++ === 0 ? -1 : orig(order));
      const p = m.slab.kmalloc(2048, GFP_KERNEL);
      m.k.pages.alloc_pages = orig;
      expect(p).not.toBe(0n);
      expect(s.total_objects).toBe(2); // an order-0 slab: min_order of 2 KiB objects
      m.slab.kfree(p);
    });
  });
});

describe("krealloc", () => {
  it("stays in place within the bucket and moves, preserving contents, across it", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL);
      fill(m, p, 128, 0x5a);
      expect(m.slab.krealloc(p, 120, GFP_KERNEL)).toBe(p);
      expect(m.slab.krealloc(p, 50, GFP_KERNEL)).toBe(p);
      expect(m.slab.krealloc(p, 128, GFP_KERNEL)).toBe(p);
      const cache128 = m.slab.kmem_cache_by_name("kmalloc-128")!;
      const q = m.slab.krealloc(p, 200, GFP_KERNEL);
      expect(q).not.toBe(p);
      expect(m.slab.ksize(q)).toBe(256);
      expect(byteRuns(bytes(m, q, 128))).toBe("128×5a");
      // The old object was freed: the next kmalloc(100) gets it back.
      expect(m.slab.kmalloc(100, GFP_KERNEL)).toBe(p);
      expect(cache128.total_objects).toBe(32);
      m.slab.kfree(p);
      m.slab.kfree(q);
    });
  });

  it("NULL and ZERO_SIZE_PTR act as kmalloc; size 0 frees and returns ZERO_SIZE_PTR", () => {
    const m = bootMm();
    noLeak(m, () => {
      const a = m.slab.krealloc(0n, 10, GFP_KERNEL);
      expect(m.slab.ksize(a)).toBe(16);
      const b = m.slab.krealloc(ZERO_SIZE_PTR, 10, GFP_KERNEL);
      expect(m.slab.ksize(b)).toBe(16);
      expect(m.slab.krealloc(a, 0, GFP_KERNEL)).toBe(ZERO_SIZE_PTR);
      expect(m.slab.kmalloc(16, GFP_KERNEL)).toBe(a); // a was freed
      m.slab.kfree(a);
      m.slab.kfree(b);
      expect(m.slab.krealloc(0n, 0, GFP_KERNEL)).toBe(ZERO_SIZE_PTR);
    });
  });

  it("zeroes the spare tail in place only under __GFP_ZERO or init_on_alloc", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(128, GFP_KERNEL);
      fill(m, p, 128, 0x77);
      expect(m.slab.krealloc(p, 64, GFP_KERNEL)).toBe(p);
      expect(byteRuns(bytes(m, p + 64n, 64))).toBe("64×77");
      expect(m.slab.krealloc(p, 64, GFP_KERNEL | GFP.__GFP_ZERO)).toBe(p);
      expect(byteRuns(bytes(m, p, 64))).toBe("64×77");
      expect(byteRuns(bytes(m, p + 64n, 64))).toBe("64×00");
      m.slab.kfree(p);
    });
    const a = bootMm("init_on_alloc=1");
    noLeak(a, () => {
      const p = a.slab.kmalloc(128, GFP_KERNEL);
      fill(a, p, 128, 0x77);
      expect(a.slab.krealloc(p, 100, GFP_KERNEL)).toBe(p);
      expect(bytes(a, p + 99n, 2)).toEqual([0x77, 0]);
      a.slab.kfree(p);
    });
  });

  it("large kmalloc: in place up to the folio size, by copy beyond", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(10000, GFP_KERNEL);
      fill(m, p, 16384, 0x42);
      expect(m.slab.krealloc(p, 16384, GFP_KERNEL)).toBe(p);
      expect(m.slab.krealloc(p, 9000, GFP_KERNEL)).toBe(p);
      const q = m.slab.krealloc(p, 20000, GFP_KERNEL);
      expect(q).not.toBe(p);
      expect(m.slab.ksize(q)).toBe(32768);
      expect(bytes(m, q + 16383n, 2)).toEqual([0x42, bytes(m, q + 16384n, 1)[0]]);
      expect(byteRuns(bytes(m, q, 16384))).toBe("16384×42");
      const r = m.slab.krealloc(q, 100, GFP_KERNEL);
      expect(r).toBe(q); // shrinking never moves
      m.slab.kfree(r);
    });
  });

  it("moves an object that lacks the alignment asked for, and copies only min(new, ksize)", () => {
    const m = bootMm();
    noLeak(m, () => {
      const a = m.slab.kmalloc(128, GFP_KERNEL);
      const b = m.slab.kmalloc(128, GFP_KERNEL); // a + 128: not 256-aligned
      expect(b % 256n).toBe(128n);
      fill(m, b, 128, 0x11);
      const c = m.slab.krealloc_node_align(b, 64, 256, GFP_KERNEL, -1);
      expect(c).not.toBe(b);
      expect(m.slab.ksize(c)).toBe(64);
      expect(byteRuns(bytes(m, c, 64))).toBe("64×11");
      // __GFP_THISNODE for a node this machine does not have: a new object is needed and fails.
      expect(m.slab.krealloc_node_align(c, 64, 1, GFP_KERNEL | GFP.__GFP_THISNODE, 1)).toBe(0n);
      expect(m.slab.ksize(c)).toBe(64);
      m.slab.kfree(a);
      m.slab.kfree(c);
    });
  });

  it("on failure returns NULL and leaves the old object untouched and allocated", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL);
      fill(m, p, 100, 0x33);
      m.k.pages.failAfter = 0;
      expect(m.slab.krealloc(p, 1000, GFP_KERNEL | GFP.__GFP_NOWARN)).toBe(0n);
      expect(m.slab.krealloc(p, 50000, GFP_KERNEL | GFP.__GFP_NOWARN)).toBe(0n);
      m.k.pages.failAfter = -1;
      expect(m.slab.ksize(p)).toBe(128);
      expect(byteRuns(bytes(m, p, 100))).toBe("100×33");
      expect(m.slab.kmalloc(100, GFP_KERNEL)).toBe(p + 128n); // p is still taken
      m.slab.kfree(p + 128n);
      m.slab.kfree(p);
    });
  });

  it("krealloc of a freed or foreign pointer WARNs and fails", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL);
      m.slab.kfree(p);
      expect(m.slab.krealloc(p, 50, GFP_KERNEL)).toBe(0n);
      expect(log(m)).toContain("use-after-free of an object in kmalloc-128");
      expect(m.k.printk.warnings).toBe(1);
    });
  });
});

describe("memcg accounting of kmalloc", () => {
  it("charges __GFP_ACCOUNT objects (object size + obj_ext) to the current cgroup", () => {
    const m = bootMm();
    const cg = m.memcg.mem_cgroup_create("a");
    m.memcg.set_active_memcg(cg);
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL_ACCOUNT);
      expect(m.slab.kmem_cache_by_name("kmalloc-cg-128")!.total_objects).toBe(32);
      expect(m.memcg.memcg_page_state(cg, "slab_unreclaimable")).toBe(136);
      expect(m.memcg.memory_current(cg)).toBe(4096);
      expect(m.memcg.memory_stat(cg)).toContain("kernel 4096\n");
      const q = m.slab.kmalloc(100, GFP_KERNEL); // not accounted
      expect(m.memcg.memcg_page_state(cg, "slab_unreclaimable")).toBe(136);
      m.slab.kfree(p);
      m.slab.kfree(q);
      expect(m.memcg.memory_current(cg)).toBe(0);
      expect(m.memcg.memcg_page_state(cg, "slab_unreclaimable")).toBe(0);
      expect(m.memcg.memcg_page_state(cg, "kernel")).toBe(0);
    });
  });

  it("an over-limit charge fails the kmalloc and leaves every count unchanged", () => {
    const m = bootMm();
    const cg = m.memcg.mem_cgroup_create("small", 8192);
    m.memcg.set_active_memcg(cg);
    noLeak(m, () => {
      const p = m.slab.kmalloc(4096, GFP_KERNEL_ACCOUNT); // 4104 bytes: 2 pages
      expect(m.memcg.memory_current(cg)).toBe(8192);
      const s = m.slab.kmem_cache_by_name("kmalloc-cg-4k")!;
      const stat = m.memcg.memory_stat(cg);
      expect(m.slab.kmalloc(4096, GFP_KERNEL_ACCOUNT)).toBe(0n);
      expect(m.memcg.memory_current(cg)).toBe(8192);
      expect(m.memcg.memory_stat(cg)).toBe(stat);
      expect(s.cpu_slab[0]!.inuse).toBe(1); // the object was given back
      expect(m.memcg.memory_events(cg)).toBe("low 0\nhigh 0\nmax 18\noom 1\noom_kill 0\noom_group_kill 0");
      // A large kmalloc is charged as pages: 16 KiB does not fit either.
      expect(m.slab.kmalloc(16384, GFP_KERNEL_ACCOUNT | GFP.__GFP_NORETRY)).toBe(0n);
      expect(m.memcg.memory_current(cg)).toBe(8192);
      m.slab.kfree(p);
      expect(m.memcg.memory_current(cg)).toBe(0);
    });
  });

  it("a large kmalloc is charged and counted as slab by pages", () => {
    const m = bootMm();
    const cg = m.memcg.mem_cgroup_create("big", "1M");
    m.memcg.set_active_memcg(cg);
    noLeak(m, () => {
      const p = m.slab.kmalloc(16384, GFP_KERNEL_ACCOUNT);
      expect(m.k.pages.memcg[m.k.pages.idx(Math.floor(__pa(p) / 4096))]).toBe(cg);
      expect(m.memcg.memory_current(cg)).toBe(16384);
      expect(m.memcg.memcg_page_state(cg, "slab_unreclaimable")).toBe(16384);
      expect(m.memcg.memory_stat(cg)).toContain("kernel 16384\n");
      m.slab.kfree(p);
      expect(m.memcg.memory_current(cg)).toBe(0);
      expect(m.memcg.memcg_page_state(cg, "slab_unreclaimable")).toBe(0);
    });
  });

  it("the root cgroup is not charged; nokmem uses the normal caches and charges nothing", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL_ACCOUNT);
      expect(m.slab.kmem_cache_by_name("kmalloc-cg-128")!.total_objects).toBe(32);
      expect(m.memcg.memory_current(0)).toBe(0);
      m.slab.kfree(p);
    });
    const n = bootMm("cgroup.memory=nokmem");
    const cg = n.memcg.mem_cgroup_create("a");
    n.memcg.set_active_memcg(cg);
    noLeak(n, () => {
      const p = n.slab.kmalloc(100, GFP_KERNEL_ACCOUNT);
      expect(n.slab.kmalloc_slab(100, GFP_KERNEL_ACCOUNT).name).toBe("kmalloc-128");
      expect(n.memcg.memory_current(cg)).toBe(0);
      expect(n.slab.slabinfo()).not.toContain("kmalloc-cg");
      n.slab.kfree(p);
    });
  });
});

describe("KASAN", () => {
  const reports = (m: MmKernel): string[] =>
    m.k.printk.lines.filter((l) => l.text.startsWith("BUG: KASAN")).map((l) => l.text);

  it("poisons past the requested size and after kfree, and describes the object", () => {
    const m = bootMm("kasan_multi_shot", { kasan: true });
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL);
      m.k.kmem.read(p, 100, "test_read");
      expect(reports(m)).toEqual([]);
      m.k.kmem.read(p + 100n, 1, "test_read");
      expect(reports(m)).toEqual(["BUG: KASAN: slab-out-of-bounds in test_read"]);
      expect(log(m)).toContain(
        `The buggy address belongs to the object at ${(p).toString(16)}\n which belongs to the cache kmalloc-128 of size 128\nThe buggy address is located 0 bytes to the right of\n allocated 100-byte region [${p.toString(16)}, ${(p + 100n).toString(16)})`,
      );
      expect(m.slab.ksize(p)).toBe(128); // reporting only: the tail stays poisoned
      m.k.kmem.read(p + 120n, 1, "after_ksize");
      expect(reports(m)).toHaveLength(2);
      m.slab.kfree(p);
      m.k.kmem.read(p, 1, "uaf_read");
      expect(reports(m)[2]).toBe("BUG: KASAN: slab-use-after-free in uaf_read");
      expect(log(m)).toContain(" freed 128-byte region");
      m.slab.kfree(p);
      expect(reports(m)[3]).toBe("BUG: KASAN: double-free in kfree");
      const q = m.slab.kmalloc(64, GFP_KERNEL);
      m.slab.kfree(q + 8n);
      expect(reports(m)[4]).toBe("BUG: KASAN: invalid-free in kfree");
      m.slab.kfree(q);
      expect(m.k.printk.warnings).toBe(0);
    });
  });

  it("krealloc in place re-poisons for the new size; memory that moved is poisoned", () => {
    const m = bootMm("kasan_multi_shot", { kasan: true });
    noLeak(m, () => {
      const p = m.slab.kmalloc(100, GFP_KERNEL);
      expect(m.slab.krealloc(p, 50, GFP_KERNEL)).toBe(p);
      m.k.kmem.read(p + 50n, 1, "shrunk");
      expect(reports(m)).toEqual(["BUG: KASAN: slab-out-of-bounds in shrunk"]);
      expect(m.slab.krealloc(p, 128, GFP_KERNEL)).toBe(p);
      m.k.kmem.read(p, 128, "grown");
      expect(reports(m)).toHaveLength(1);
      const q = m.slab.krealloc(p, 300, GFP_KERNEL);
      m.k.kmem.read(q, 300, "moved");
      expect(reports(m)).toHaveLength(1);
      m.k.kmem.read(p, 1, "old");
      expect(reports(m)[1]).toBe("BUG: KASAN: slab-use-after-free in old");
      m.slab.kfree(q);
    });
  });

  it("large kmalloc: a page redzone after the requested size; shadow given back on free", () => {
    const m = bootMm("", { kasan: true });
    noLeak(m, () => {
      const p = m.slab.kmalloc(10000, GFP_KERNEL);
      m.k.kmem.write(p, new Uint8Array(10000), "fill");
      expect(reports(m)).toEqual([]);
      m.k.kmem.read(p + 10000n, 8, "past_end");
      expect(reports(m)).toEqual(["BUG: KASAN: slab-out-of-bounds in past_end"]);
      m.slab.kfree(p);
    });
  });
});
