import { describe, expect, it } from "vitest";
import { GFP, GFP_ATOMIC, GFP_KERNEL } from "../../src/kernel/kernel.js";
import { is_vmalloc_addr, PAGE_OFFSET, VMALLOC_START } from "../../src/kernel/layout.js";
import { ZERO_SIZE_PTR } from "../../src/kernel/slab.js";
import { INT_MAX, Kvmalloc, kmalloc_gfp_adjust, type VmallocApi } from "../../src/kernel/util.js";
import { NUMA_NO_NODE, VM_ALLOW_HUGE_VMAP } from "../../src/kernel/vmalloc.js";
import { bootMm, byteRuns, type MmKernel, noLeak } from "./helpers.js";

const fill = (m: MmKernel, p: bigint, n: number, byte: number): void => m.k.kmem.memset(p, byte, n);
const runs = (m: MmKernel, p: bigint, n: number): string => byteRuns(m.k.kmem.read(p, n));

/** A vmalloc that only records what it is asked (for the exact arguments kvmalloc passes). */
class FakeVmalloc implements VmallocApi {
  readonly calls: unknown[][] = [];
  next = VMALLOC_START + 0x1000n;
  vmalloc_range(...args: Parameters<VmallocApi["vmalloc_range"]>): bigint {
    this.calls.push(["vmalloc_range", ...args]);
    return this.next;
  }
  vfree(p: bigint): void {
    this.calls.push(["vfree", p]);
  }
  vrealloc(p: bigint, size: number, gfp: number, align?: number, nid?: number): bigint {
    this.calls.push(["vrealloc", p, size, gfp, align, nid]);
    return size === 0 ? 0n : p;
  }
}

function withFake(m: MmKernel): { kv: Kvmalloc; fake: FakeVmalloc } {
  const fake = new FakeVmalloc();
  return { kv: new Kvmalloc(m.k, m.slab, fake), fake };
}

describe("kmalloc_gfp_adjust", () => {
  it("above a page: no warnings, no direct reclaim unless __GFP_RETRY_MAYFAIL, no __GFP_NOFAIL", () => {
    expect(kmalloc_gfp_adjust(GFP_KERNEL, 4096)).toBe(GFP_KERNEL);
    expect(kmalloc_gfp_adjust(GFP_KERNEL | GFP.__GFP_NOFAIL, 4097)).toBe(
      (GFP_KERNEL | GFP.__GFP_NOWARN) & ~GFP.__GFP_DIRECT_RECLAIM,
    );
    expect(kmalloc_gfp_adjust(GFP_KERNEL | GFP.__GFP_RETRY_MAYFAIL, 8192)).toBe(
      GFP_KERNEL | GFP.__GFP_RETRY_MAYFAIL | GFP.__GFP_NOWARN,
    );
  });
});

describe("kvmalloc", () => {
  it("uses kmalloc when it can: small and large kmalloc sizes", () => {
    const m = bootMm();
    noLeak(m, () => {
      const { kv, fake } = withFake(m);
      const a = kv.kvmalloc(100);
      const b = kv.kvmalloc(8192);
      const c = kv.kvmalloc(8193);
      for (const p of [a, b, c]) expect(p).toBeGreaterThanOrEqual(PAGE_OFFSET);
      expect([a, b, c].map((p) => m.slab.ksize(p))).toEqual([128, 8192, 16384]);
      expect(fake.calls).toEqual([]);
      for (const p of [a, b, c]) kv.kvfree(p);
    });
  });

  it("falls back to vmalloc with Linux's arguments when kmalloc fails, quietly", () => {
    const m = bootMm();
    noLeak(m, () => {
      const { kv, fake } = withFake(m);
      const p = kv.kvmalloc(5 << 20, GFP_KERNEL, "bpf_prog_alloc");
      expect(p).toBe(fake.next);
      expect(fake.calls).toEqual([
        [
          "vmalloc_range",
          5 << 20,
          {
            align: 1,
            gfp: GFP_KERNEL,
            vmFlags: VM_ALLOW_HUGE_VMAP,
            node: NUMA_NO_NODE,
            caller: "bpf_prog_alloc",
          },
        ],
      ]);
      expect(m.k.printk.warnings).toBe(0); // kmalloc's order-11 attempt was __GFP_NOWARN
      kv.kvfree(p);
      expect(fake.calls.at(-1)).toEqual(["vfree", p]);
    });
  });

  it("really vmallocs (huge mapping allowed) and frees with the real vmalloc", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.kv.kvmalloc(5 << 20);
      expect(is_vmalloc_addr(p)).toBe(true);
      const vm = m.vmalloc.find_vm_area(p)!;
      expect(vm.flags & VM_ALLOW_HUGE_VMAP).toBe(VM_ALLOW_HUGE_VMAP);
      expect(vm.page_order).toBe(9);
      m.k.kmem.write64(p + BigInt((5 << 20) - 8), 42n);
      expect(m.k.kmem.read64(p + BigInt((5 << 20) - 8))).toBe(42n);
      m.kv.kvfree(p);
    });
  });

  it("sizes up to a page never fall back; non-blocking requests do not either", () => {
    const m = bootMm();
    noLeak(m, () => {
      const { kv, fake } = withFake(m);
      m.k.pages.failAfter = 0;
      expect(kv.kvmalloc(4096, GFP_KERNEL | GFP.__GFP_NOWARN)).toBe(0n);
      m.k.pages.failAfter = -1;
      expect(kv.kvmalloc(5 << 20, GFP_ATOMIC)).toBe(0n);
      expect(fake.calls).toEqual([]);
    });
  });

  it("sizes over INT_MAX fail with a WARN unless __GFP_NOWARN", () => {
    const m = bootMm();
    const { kv, fake } = withFake(m);
    expect(kv.kvmalloc(INT_MAX + 1, GFP_KERNEL | GFP.__GFP_NOWARN)).toBe(0n);
    expect(m.k.printk.warnings).toBe(0);
    expect(kv.kvmalloc(INT_MAX + 1)).toBe(0n);
    expect(m.k.printk.warnings).toBe(1);
    expect(fake.calls).toEqual([]);
  });

  it("an alignment bigger than the size skips kmalloc (kvmalloc_node_align)", () => {
    const m = bootMm();
    const { kv, fake } = withFake(m);
    kv.kvmalloc_node_align(100, 4096, GFP_KERNEL, NUMA_NO_NODE);
    expect(fake.calls[0]!.slice(0, 2)).toEqual(["vmalloc_range", 100]);
    expect(fake.calls[0]![2]).toMatchObject({ align: 4096 });
    // Which makes kvmalloc(0) (0 < align 1) a zero-sized vmalloc: NULL and a WARN from vmalloc.
    expect(m.kv.kvmalloc(0)).toBe(0n);
    expect(m.k.printk.lines.map((l) => l.text)).toContain("vmalloc: zero-sized allocation");
  });

  it("kvzalloc zeroes on both paths", () => {
    const m = bootMm();
    noLeak(m, () => {
      const a = m.kv.kvmalloc(100);
      fill(m, a, 128, 0x99);
      m.kv.kvfree(a);
      const z = m.kv.kvzalloc(100);
      expect(z).toBe(a);
      expect(runs(m, z, 128)).toBe("128×00");
      const v = m.kv.kvzalloc(5 << 20);
      expect(is_vmalloc_addr(v)).toBe(true);
      expect(runs(m, v + BigInt(3 << 20), 4096)).toBe("4096×00");
      m.kv.kvfree(z);
      m.kv.kvfree(v);
    });
  });
});

describe("kvfree", () => {
  it("NULL and ZERO_SIZE_PTR are no-ops, kmalloc'd goes to kfree, vmalloc'd to vfree", () => {
    const m = bootMm();
    noLeak(m, () => {
      const { kv, fake } = withFake(m);
      kv.kvfree(0n);
      kv.kvfree(ZERO_SIZE_PTR);
      const p = kv.kvmalloc(64);
      kv.kvfree(p);
      expect(m.slab.kmalloc(64, GFP_KERNEL)).toBe(p); // it was freed
      m.slab.kfree(p);
      kv.kvfree(VMALLOC_START + 0x5000n);
      expect(fake.calls).toEqual([["vfree", VMALLOC_START + 0x5000n]]);
      expect(m.k.printk.warnings).toBe(0);
    });
  });
});

describe("kvrealloc", () => {
  it("NULL acts as kvmalloc", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.kv.kvrealloc(0n, 100);
      expect(m.slab.ksize(p)).toBe(128);
      const v = m.kv.kvrealloc(0n, 5 << 20);
      expect(is_vmalloc_addr(v)).toBe(true);
      m.kv.kvfree(p);
      m.kv.kvfree(v);
    });
  });

  it("size 0: ZERO_SIZE_PTR for a kmalloc'd p (freed), NULL for a vmalloc'd p (vfreed)", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.kv.kvmalloc(100);
      expect(m.kv.kvrealloc(p, 0)).toBe(ZERO_SIZE_PTR);
      expect(m.slab.kmalloc(100, GFP_KERNEL)).toBe(p);
      m.slab.kfree(p);
      const v = m.vmalloc.vmalloc(16384);
      expect(m.kv.kvrealloc(v, 0)).toBe(0n);
      expect(m.vmalloc.find_vm_area(v)).toBeNull();
      expect(m.kv.kvrealloc(ZERO_SIZE_PTR, 0)).toBe(ZERO_SIZE_PTR);
    });
  });

  it("a kmalloc'd p: in place within its bucket, moved by krealloc beyond it", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.kv.kvmalloc(100);
      fill(m, p, 100, 0x21);
      expect(m.kv.kvrealloc(p, 120)).toBe(p);
      const q = m.kv.kvrealloc(p, 300);
      expect(q).not.toBe(p);
      expect(m.slab.ksize(q)).toBe(512);
      expect(runs(m, q, 100)).toBe("100×21");
      m.kv.kvfree(q);
    });
  });

  it("a kmalloc'd p that krealloc cannot grow moves to vmalloc, copying min(size, ksize)", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.kv.kvmalloc(100);
      fill(m, p, 128, 0x3c);
      const v = m.kv.kvrealloc(p, 5 << 20);
      expect(is_vmalloc_addr(v)).toBe(true);
      expect(runs(m, v, 128)).toBe("128×3c");
      expect(m.slab.kmalloc(100, GFP_KERNEL)).toBe(p); // p was kfree'd
      m.slab.kfree(p);
      expect(m.k.printk.warnings).toBe(0);
      m.kv.kvfree(v);
    });
  });

  it("a vmalloc'd p goes to vrealloc with align and node", () => {
    const m = bootMm();
    const { kv, fake } = withFake(m);
    const v = VMALLOC_START + 0x3000n;
    kv.kvrealloc_node_align(v, 8192, 4096, GFP_KERNEL, 0);
    expect(fake.calls).toEqual([["vrealloc", v, 8192, GFP_KERNEL, 4096, 0]]);
  });

  it("a vmalloc'd p grows through the real vrealloc, keeping its contents", () => {
    const m = bootMm();
    noLeak(m, () => {
      const v = m.kv.kvmalloc(5 << 20);
      m.k.kmem.write64(v, 0x55aa55aa55aa55aan);
      const w = m.kv.kvrealloc(v, 6 << 20);
      expect(m.k.kmem.read64(w)).toBe(0x55aa55aa55aa55aan);
      m.kv.kvfree(w);
    });
  });

  it("on failure returns NULL and leaves a kmalloc'd p untouched and allocated", () => {
    const m = bootMm();
    noLeak(m, () => {
      const p = m.kv.kvmalloc(100);
      fill(m, p, 100, 0x6e);
      m.k.pages.failAfter = 0;
      expect(m.kv.kvrealloc(p, 300, GFP_KERNEL | GFP.__GFP_NOWARN)).toBe(0n);
      expect(m.kv.kvrealloc(p, 1 << 20, GFP_KERNEL | GFP.__GFP_NOWARN)).toBe(0n);
      m.k.pages.failAfter = -1;
      expect(runs(m, p, 100)).toBe("100×6e");
      expect(m.slab.ksize(p)).toBe(128);
      expect(m.slab.kmalloc(100, GFP_KERNEL)).toBe(p + 128n);
      m.slab.kfree(p + 128n);
      m.kv.kvfree(p);
    });
  });

  it("with KASAN: the copy reads the whole old bucket without a report, the new tail is poisoned", () => {
    const m = bootMm("", { kasan: true });
    noLeak(m, () => {
      const p = m.kv.kvmalloc(100);
      const q = m.kv.kvrealloc(p, 5000);
      expect(m.k.printk.lines.filter((l) => l.text.startsWith("BUG: KASAN"))).toEqual([]);
      m.k.kmem.read(q + 5000n, 1, "past_end");
      expect(m.k.printk.lines.map((l) => l.text)).toContain("BUG: KASAN: slab-out-of-bounds in past_end");
      m.kv.kvfree(q);
    });
  });
});
