// Shared boot helper for the kernel tests: a 64 MiB machine with the tiny TLB, the kernel booted
// with its memory-management subsystems wired as the kernel wires them (slab, memcg, kvmalloc,
// vmalloc, optionally KASAN), and a leak check.

import { expect } from "vitest";
import { Machine } from "../../src/cpu/index.js";
import { Kasan } from "../../src/kernel/kasan.js";
import { Kernel } from "../../src/kernel/kernel.js";
import { MemCgroups } from "../../src/kernel/memcontrol.js";
import { SlabAllocator } from "../../src/kernel/slab.js";
import { Kvmalloc } from "../../src/kernel/util.js";
import { Vmalloc } from "../../src/kernel/vmalloc.js";

export interface MmKernel {
  k: Kernel;
  slab: SlabAllocator;
  memcg: MemCgroups;
  vm: Vmalloc;
  kv: Kvmalloc;
  kasan: Kasan | null;
}

export interface MmBootOptions {
  /** Attach KASAN (generic) and run kasan_init() after boot. */
  kasan?: boolean;
  harts?: number;
}

/** Boot a kernel with slab, memcg, vmalloc and kvmalloc (and KASAN if asked). */
export function bootMm(cmdline = "", opts: MmBootOptions = {}): MmKernel {
  const k = new Kernel(new Machine({ mem: 64 << 20, tlb: "tiny", harts: opts.harts ?? 1 }));
  const memcg = new MemCgroups(k);
  const slab = new SlabAllocator(k);
  slab.memcg = memcg;
  const vm = new Vmalloc(k);
  vm.memcg = memcg;
  k.vmalloc = vm;
  const kasan = opts.kasan ? new Kasan(k) : null;
  if (kasan) {
    k.kasan = kasan;
    vm.kasan = kasan;
  }
  k.boot(cmdline);
  if (kasan) expect(kasan.kasan_init()).toBe(true);
  return { k, slab, memcg, vm, kv: new Kvmalloc(k, slab, vm), kasan };
}

/** Pages that are free or kernel page tables (vmalloc and shadow page tables are never freed,
 *  as in Linux), after the slab caches are shrunk and lazily freed vmalloc areas purged. */
export function settledPages(m: MmKernel): number {
  m.slab.kmem_cache_shrink_all();
  m.vm.vm_unmap_aliases();
  return m.k.pages.nr_free_pages() + m.k.pgd.nrTablePages;
}

/** Run `fn` and check that every page it took is back and no KASAN shadow is left over. */
export function noLeak(m: MmKernel, fn: () => void): void {
  const before = settledPages(m);
  const shadow = m.kasan?.nr_shadow_pages ?? 0;
  fn();
  expect(settledPages(m)).toBe(before);
  expect(m.kasan?.nr_shadow_pages ?? 0).toBe(shadow);
}
