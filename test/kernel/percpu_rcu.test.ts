import { describe, expect, it } from "vitest";
import { KVFREE_BATCH } from "../../src/kernel/rcu.js";
import { boot } from "./helpers.js";

describe("the per-CPU allocator", () => {
  it("aligns objects, gives each CPU its own copy, and returns empty chunks to vmalloc", () => {
    const k = boot("", { harts: 2 });
    const used0 = k.vmalloc.nr_vmalloc_pages;
    const a = k.percpu.__alloc_percpu(24, 8);
    const b = k.percpu.__alloc_percpu(100, 64);
    expect(a % 8n).toBe(0n);
    expect(b % 64n).toBe(0n);
    expect(k.vmalloc.nr_vmalloc_pages).toBeGreaterThan(used0);
    k.kmem.write64(k.percpu.per_cpu_ptr(a, 0), 1n);
    k.kmem.write64(k.percpu.per_cpu_ptr(a, 1), 2n);
    expect([k.kmem.read64(k.percpu.per_cpu_ptr(a, 0)), k.kmem.read64(k.percpu.per_cpu_ptr(a, 1))]).toEqual([
      1n,
      2n,
    ]);
    k.percpu.free_percpu(a);
    k.percpu.free_percpu(b);
    expect(k.vmalloc.nr_vmalloc_pages).toBe(used0);
  });

  it("refuses bad sizes and alignments, and WARNs on a bad free", () => {
    const k = boot();
    expect(k.percpu.__alloc_percpu(0, 8)).toBe(0n);
    expect(k.percpu.__alloc_percpu(8, 3)).toBe(0n);
    k.percpu.free_percpu(0x1234n);
    expect(k.printk.dmesg()).toContain("free_percpu: bad pointer 0x1234");
  });
});

describe("kvfree_rcu", () => {
  it("frees after a grace period: when a batch fills, or at rcu_barrier()", () => {
    const k = boot();
    const ps = Array.from({ length: KVFREE_BATCH - 1 }, () => k.vmalloc.vmalloc(4096));
    for (const p of ps) k.rcu.kvfree_rcu(p);
    expect(k.vmalloc.find_vm_area(ps[0]!)).not.toBeNull(); // still waiting
    k.rcu.kvfree_rcu(k.vmalloc.vmalloc(4096)); // the batch is full: a grace period passes
    expect(k.vmalloc.find_vm_area(ps[0]!)).toBeNull();
    const q = k.vmalloc.vmalloc(4096);
    k.rcu.kvfree_rcu(q);
    k.rcu.rcu_barrier();
    expect(k.vmalloc.find_vm_area(q)).toBeNull();
    expect(k.rcu.gracePeriods).toBe(2);
  });
});
