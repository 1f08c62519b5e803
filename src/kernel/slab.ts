// The slab allocator, after mm/slub.c and mm/slab_common.c: the kmalloc caches (kmalloc-8 ...
// kmalloc-8k, and kmalloc-cg-* for __GFP_ACCOUNT), slabs made of buddy pages (PG_slab, the order
// of SLUB's calculate_order()), objects addressed through the direct map, a freelist per slab, a
// per-CPU active slab and the node's partial list; "large kmalloc" (> KMALLOC_MAX_CACHE_SIZE)
// straight from the buddy allocator as a compound page; kmalloc / kzalloc / kfree / ksize /
// krealloc with Linux 6.19's semantics; memcg accounting per object (obj_cgroup) and per large
// kmalloc (page charge); KASAN poisoning through the Kasan of the kernel (kernel.kasan);
// /proc/slabinfo; nr_slab_unreclaimable.
//
// Deviations from Linux (6.19, CONFIG_SLUB, no slab_debug, no KFENCE):
//  - The free pointer chain is kept out of line (TypeScript arrays), not inside the free
//    objects; there is no freelist hardening and no per-CPU lockless freelist or cpu partial
//    list (CONFIG_SLUB_CPU_PARTIAL off). Frees to another CPU's active slab go to that slab.
//  - Empty slabs are cached as in SLUB (the active slab, and up to min_partial slabs on the
//    partial list): kfree() does not always give pages back. kmem_cache_shrink() (and
//    kmem_cache_shrink_all(), what `echo 1 > /sys/kernel/slab/*/shrink` does) gives back all
//    empty slabs; tests that count free pages call it first.
//  - A bad free (a pointer inside an object, a double free, a pointer into a large kmalloc that
//    is not its start) is reported by KASAN when it is on ("BUG: KASAN: double-free" ...) and
//    by a WARN otherwise, and nothing is freed. krealloc() and ksize() of a pointer that is not
//    a live kmalloc object WARN and fail (NULL / 0), where Linux would go on undefined.
//  - No KASAN quarantine: a freed object is reused at once (LIFO, as SLUB does without KASAN).
//  - One NUMA node (0): __GFP_THISNODE with another node fails.
//  - ksize() does not unpoison the object (it has not since 6.2, "mm: Make ksize() a
//    reporting-only function"), whatever older texts say.

import { WARN_ON } from "./bug.js";
import type { KernelAccess } from "./kaccess.js";
import { KASAN_PAGE_REDZONE, KASAN_SLAB_FREE, KASAN_SLAB_REDZONE } from "./kasan.js";
import type { Kernel } from "./kernel.js";
import { COST, GFP, GFP_ATOMIC, GFP_KERNEL, GFP_KERNEL_ACCOUNT, GFP_NOWAIT } from "./kernel.js";
import { __pa, __va, hex64, PAGE_OFFSET, PAGE_SIZE } from "./layout.js";
import type { MemCgroups } from "./memcontrol.js";
import { MAX_PAGE_ORDER, PG_slab } from "./page_alloc.js";
import { NUMA_NO_NODE } from "./vmalloc.js";
import { meminfoLine } from "./vmstat.js";

/** kmalloc(0) returns this: not NULL, and any access through it faults. */
export const ZERO_SIZE_PTR = 0x10n;
export const KMALLOC_SHIFT_LOW = 3;
/** PAGE_SHIFT + 1: the largest kmalloc cache holds 8 KiB objects. */
export const KMALLOC_SHIFT_HIGH = 13;
export const KMALLOC_MIN_SIZE = 1 << KMALLOC_SHIFT_LOW;
export const KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH;
/** The largest kmalloc at all: one MAX_PAGE_ORDER block. */
export const KMALLOC_MAX_SIZE = PAGE_SIZE << MAX_PAGE_ORDER;
export const ARCH_KMALLOC_MINALIGN = 8;
export const MIN_PARTIAL = 5;
export const MAX_PARTIAL = 10;
export const PAGE_ALLOC_COSTLY_ORDER = 3;
export const MAX_OBJS_PER_PAGE = 32767;
/** sizeof(struct slabobj_ext): an accounted object costs its cgroup this much on top of its size
 *  (obj_full_size()). */
export const OBJ_EXT_SIZE = 8;

/** ZERO_OR_NULL_PTR(): NULL or ZERO_SIZE_PTR, the pointers kfree() ignores. */
export const ZERO_OR_NULL_PTR = (p: bigint): boolean => p <= ZERO_SIZE_PTR;

/** What the slab allocator needs from KASAN (kasan.ts's Kasan has all of it). */
export interface KasanSlabHooks {
  readonly enabled: boolean;
  /** Map the shadow of direct-map memory [start, start+size), fill it with `fill`, take a
   *  reference on it; false if out of memory. */
  populate(start: bigint, size: number, fill: number): boolean;
  /** Give back what populate() took over the same range. */
  depopulate(start: bigint, size: number): void;
  kasan_poison(addr: bigint, size: number, value: number): void;
  /** The first `size` bytes accessible, the rest of the `objectSize` slot a slab redzone. */
  kasan_kmalloc(obj: bigint, size: number, objectSize: number): void;
  /** Poison a freed object; true if it was not live (reported; do not free it). */
  kasan_slab_free(obj: bigint, objectSize: number, ip?: string): boolean;
  kasan_kmalloc_large(ptr: bigint, size: number, allocSize: number): void;
  kasan_report_invalid_free(addr: bigint, ip: string, type?: "double-free" | "invalid-free"): void;
  /** kasan_check_byte() without the report. */
  byteAccessible(addr: bigint): boolean;
  addDescriber(fn: (addr: bigint) => string[] | null): void;
}

/** Which kmalloc caches an allocation comes from (enum kmalloc_cache_type, the two we have). */
export type KmallocType = "normal" | "cgroup";

/** struct kmem_cache (with its single kmem_cache_node folded in). */
export interface kmem_cache {
  name: string;
  /** The size callers get (ksize()). */
  object_size: number;
  /** The size of a slot in the slab. */
  size: number;
  align: number;
  /** Where SLUB keeps the free pointer in a free object (here only informational). */
  offset: number;
  /** oo: the slab order and objects per slab; min: the fallback order. */
  order: number;
  objects: number;
  min_order: number;
  min_partial: number;
  /** SLAB_ACCOUNT: every object is charged to the current memcg (the kmalloc-cg-* caches). */
  account: boolean;
  type: KmallocType;
  /** The active slab of each CPU (kmem_cache_cpu.slab). */
  cpu_slab: (slab | null)[];
  /** The node's partial list, head first. */
  partial: Set<slab>;
  nr_slabs: number;
  total_objects: number;
}

/** struct slab. */
export interface slab {
  slab_cache: kmem_cache;
  /** The first page frame. */
  pfn: number;
  order: number;
  /** slab_address(): the direct-map address of the first object. */
  addr: bigint;
  objects: number;
  inuse: number;
  /** Index of the first free object, -1 when the slab is full. */
  freelist: number;
  /** The free pointer of each free object: the next free index or -1. */
  next: Int32Array;
  /** 1 for allocated objects (what SLUB's debug object map would say). */
  allocated: Uint8Array;
  /** The size each live object was allocated with (KASAN's alloc size, for reports). */
  req: Int32Array;
  /** slab->obj_exts: the memcg id each object is charged to (0 = none); made on first need. */
  obj_exts: Int32Array | null;
  /** The CPU whose active slab this is, or -1. */
  frozen: number;
  /** Whether KASAN shadow was populated for it (and must be depopulated). */
  kasan: boolean;
}

/** What a pointer handed to krealloc() is. */
type KmallocObject = { slab: slab; idx: number } | { head: number; l: large_kmalloc } | { bad: string };

interface large_kmalloc {
  order: number;
  /** The size asked for (KASAN's alloc size). */
  size: number;
  kasan: boolean;
}

/** kmalloc_info[]: the name suffix and size of each kmalloc index. */
const KMALLOC_INFO: readonly (readonly [string, number])[] = [
  ["", 0],
  ["96", 96],
  ["192", 192],
  ["8", 8],
  ["16", 16],
  ["32", 32],
  ["64", 64],
  ["128", 128],
  ["256", 256],
  ["512", 512],
  ["1k", 1024],
  ["2k", 2048],
  ["4k", 4096],
  ["8k", 8192],
];

/** __kmalloc_index(): which kmalloc cache serves `size` (1 ... KMALLOC_MAX_CACHE_SIZE). */
export function kmalloc_index(size: number): number {
  if (size <= KMALLOC_MIN_SIZE) return KMALLOC_SHIFT_LOW;
  if (size > 64 && size <= 96) return 1;
  if (size > 128 && size <= 192) return 2;
  for (let i = KMALLOC_SHIFT_LOW; i <= KMALLOC_SHIFT_HIGH; i++) if (size <= 1 << i) return i;
  throw new RangeError(`kmalloc_index: ${size} is larger than KMALLOC_MAX_CACHE_SIZE`);
}

const fls = (n: number): number => (n === 0 ? 0 : 32 - Math.clz32(n));

/** get_order(): the smallest order whose block holds `size` bytes (size >= 1). */
export function get_order(size: number): number {
  let order = 0;
  while (PAGE_SIZE * 2 ** order < size) order++;
  return order;
}

const order_objects = (order: number, size: number): number => Math.floor((PAGE_SIZE << order) / size);

function calc_slab_order(size: number, minOrder: number, maxOrder: number, fractLeftover: number): number {
  let order = minOrder;
  for (; order <= maxOrder; order++) {
    const slabSize = PAGE_SIZE << order;
    if (slabSize % size <= slabSize / fractLeftover) break;
  }
  return order;
}

/** calculate_order() (6.8+): the smallest order that holds min_objects objects with at most 1/16
 *  of the slab wasted, accepting more waste (up to 1/2) before going past slub_max_order. */
export function calculate_order(size: number, nrCpus: number): number {
  const slubMaxOrder = PAGE_ALLOC_COSTLY_ORDER;
  let minObjects = 4 * (fls(nrCpus) + 1);
  const maxObjects = Math.max(order_objects(slubMaxOrder, size), 1);
  minObjects = Math.min(minObjects, maxObjects);
  const minOrder = get_order(minObjects * size);
  if (order_objects(minOrder, size) > MAX_OBJS_PER_PAGE) return get_order(size * MAX_OBJS_PER_PAGE) - 1;
  for (let fraction = 16; fraction > 1; fraction /= 2) {
    const order = calc_slab_order(size, minOrder, slubMaxOrder, fraction);
    if (order <= slubMaxOrder) return order;
  }
  return get_order(size);
}

/** Run `fn` with KASAN checks off for this context (kasan_disable_current() ...
 *  kasan_enable_current()), as SLUB's own accesses and the krealloc/kvrealloc copies are. */
export function with_kasan_disabled<T>(kmem: KernelAccess, fn: () => T): T {
  const check = kmem.check;
  kmem.check = null;
  try {
    return fn();
  } finally {
    kmem.check = check;
  }
}

/** "%#x(%pGg)": a gfp mask in hex with its flag names, as allocation-failure messages print it. */
export function gfp_string(gfp: number): string {
  const table: [number, string][] = [
    [GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT"],
    [GFP_KERNEL, "GFP_KERNEL"],
    [GFP_ATOMIC, "GFP_ATOMIC"],
    [GFP_NOWAIT, "GFP_NOWAIT"],
    ...Object.entries(GFP).map(([name, bit]): [number, string] => [bit, name]),
  ];
  const names: string[] = [];
  let rest = gfp;
  for (const [mask, name] of table) {
    if (mask !== 0 && (rest & mask) === mask) {
      names.push(name);
      rest &= ~mask;
    }
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return `0x${gfp.toString(16)}(${names.join("|")})`;
}

export class SlabAllocator {
  /** kmalloc_caches[type][index]. */
  readonly kmalloc_caches: Record<KmallocType, kmem_cache[]> = { normal: [], cgroup: [] };
  /** slab_caches, in creation order. */
  readonly slab_caches: kmem_cache[] = [];
  /** Memory cgroups, when the kernel has them (set by the kernel's setup). */
  memcg: MemCgroups | null = null;
  /** The comm a page-allocation-failure message names. */
  comm = "init";
  /** Every page of every slab, by page frame. */
  private readonly slabByPfn = new Map<number, slab>();
  /** Large kmallocs by their first page frame. */
  private readonly large = new Map<number, large_kmalloc>();
  private describedBy: KasanSlabHooks | null = null;

  constructor(private readonly k: Kernel) {
    const nrCpus = k.machine.harts.length;
    for (const type of ["normal", "cgroup"] as const) {
      // create_kmalloc_caches(): 8, 16, 32, 64, 96, 128, 192, 256, ... 8k.
      for (let i = KMALLOC_SHIFT_LOW; i <= KMALLOC_SHIFT_HIGH; i++) {
        this.new_kmalloc_cache(i, type, nrCpus);
        if (i === 6) this.new_kmalloc_cache(1, type, nrCpus);
        if (i === 7) this.new_kmalloc_cache(2, type, nrCpus);
      }
    }
  }

  // ---- the kmalloc API ----

  /** kmalloc(): `size` bytes, or 0n. kmalloc(0) is ZERO_SIZE_PTR. */
  kmalloc(size: number, gfp: number = GFP_KERNEL, caller = "kmalloc"): bigint {
    return this.kmalloc_node(size, gfp, NUMA_NO_NODE, caller);
  }

  /** kzalloc(): kmalloc with __GFP_ZERO. */
  kzalloc(size: number, gfp: number = GFP_KERNEL, caller = "kzalloc"): bigint {
    return this.kmalloc_node(size, gfp | GFP.__GFP_ZERO, NUMA_NO_NODE, caller);
  }

  /** __do_kmalloc_node(): a slab object for sizes up to KMALLOC_MAX_CACHE_SIZE, a large kmalloc
   *  above; 0n on failure (or for another node under __GFP_THISNODE). */
  kmalloc_node(size: number, gfp: number, node: number, caller = "kmalloc_node"): bigint {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`${caller}: size must be a non-negative integer, got ${size}`);
    }
    this.k.charge(COST.access);
    if (size === 0) return ZERO_SIZE_PTR;
    if (gfp & GFP.__GFP_THISNODE && node !== NUMA_NO_NODE && node !== 0) return 0n; // no such node
    if (size > KMALLOC_MAX_CACHE_SIZE) return this.__kmalloc_large_node(size, gfp);
    const s = this.kmalloc_slab(size, gfp);
    const obj = this.slab_alloc_node(s, gfp);
    if (obj === 0n) return 0n;
    if (!this.slab_post_alloc_hook(s, obj, gfp)) return 0n;
    const sl = this.slabByPfn.get(this.virt_to_pfn(obj))!;
    sl.req[this.obj_to_index(sl, obj)] = size;
    this.kasan()?.kasan_kmalloc(obj, size, s.object_size);
    return obj;
  }

  /** kfree(): NULL and ZERO_SIZE_PTR are no-ops; anything that is not a live kmalloc object is
   *  reported (KASAN or WARN) and left alone. */
  kfree(p: bigint, caller = "kfree"): void {
    if (ZERO_OR_NULL_PTR(p)) return;
    this.k.charge(COST.access);
    const pfn = this.virt_to_pfn(p);
    if (WARN_ON(this.k, pfn < 0, "mm/slub.c:kfree", () => `kfree: 0x${hex64(p)} is not a direct-map address`))
      return;
    const sl = this.slabByPfn.get(pfn);
    if (sl) {
      this.slab_free(sl, p, caller);
      return;
    }
    const head = this.large_head(pfn);
    const notKmalloc = () =>
      `page: pfn:0x${pfn.toString(16)} (kfree(0x${hex64(p)}))\npage dumped because: Not a kmalloc allocation`;
    if (WARN_ON(this.k, head < 0, "mm/slub.c:free_large_kmalloc", notKmalloc)) return;
    if (p !== __va(head * PAGE_SIZE)) {
      this.bad_free(
        p,
        caller,
        "invalid-free",
        `not the start of the large kmalloc at 0x${hex64(__va(head * PAGE_SIZE))}`,
      );
      return;
    }
    this.free_large_kmalloc(head, p);
  }

  /** ksize(): the usable size of a kmalloc object: its cache's object size (128 for
   *  kmalloc(100)), or the folio size of a large kmalloc. 0 for NULL and ZERO_SIZE_PTR. */
  ksize(p: bigint): number {
    if (ZERO_OR_NULL_PTR(p)) return 0;
    const kasan = this.kasan();
    if (kasan && !kasan.byteAccessible(p)) {
      this.k.kmem.check?.(p, 1, false, "ksize"); // kasan_check_byte() reports
      return 0;
    }
    return this.__ksize(p);
  }

  /** krealloc(): resize a kmalloc object (krealloc_node_align with align 1, no node). */
  krealloc(p: bigint, newSize: number, gfp: number = GFP_KERNEL): bigint {
    return this.krealloc_node_align(p, newSize, 1, gfp, NUMA_NO_NODE);
  }

  /** krealloc_node_align(): newSize 0 frees p and returns ZERO_SIZE_PTR; otherwise
   *  __do_krealloc(), and the old object is freed if a new one was made. On failure p is
   *  untouched and still valid. */
  krealloc_node_align(p: bigint, newSize: number, align: number, gfp: number, nid: number): bigint {
    if (newSize === 0) {
      this.kfree(p, "krealloc");
      return ZERO_SIZE_PTR;
    }
    const ret = this.__do_krealloc(p, newSize, align, gfp, nid);
    if (ret !== 0n && ret !== p) this.kfree(p, "krealloc");
    return ret;
  }

  /** kmalloc_size_roundup(): the size kmalloc(size) really gives. */
  kmalloc_size_roundup(size: number): number {
    if (size > 0 && size <= KMALLOC_MAX_CACHE_SIZE) return this.kmalloc_slab(size, 0).object_size;
    if (size > 0 && size <= KMALLOC_MAX_SIZE) return PAGE_SIZE << get_order(size);
    return size;
  }

  /** kmalloc_slab(): the cache kmalloc(size, gfp) uses. */
  kmalloc_slab(size: number, gfp: number): kmem_cache {
    return this.kmalloc_caches[this.kmalloc_type(gfp)][kmalloc_index(size)]!;
  }

  // ---- caches ----

  kmem_cache_by_name(name: string): kmem_cache | undefined {
    return this.slab_caches.find((s) => s.name === name);
  }

  /** kmem_cache_shrink(): deactivate the CPU slabs and free every empty slab. */
  kmem_cache_shrink(s: kmem_cache): void {
    for (let cpu = 0; cpu < s.cpu_slab.length; cpu++) {
      const sl = s.cpu_slab[cpu];
      if (sl) {
        s.cpu_slab[cpu] = null;
        this.deactivate_slab(s, sl);
      }
    }
    for (const sl of [...s.partial]) {
      if (sl.inuse === 0) {
        s.partial.delete(sl);
        this.discard_slab(s, sl);
      }
    }
  }

  /** kmem_cache_shrink() of every cache: all empty slabs go back to the page allocator. */
  kmem_cache_shrink_all(): void {
    for (const s of this.slab_caches) this.kmem_cache_shrink(s);
  }

  /** Pages held by slabs and large kmallocs (nr_slab_unreclaimable). */
  nr_slab_pages(): number {
    return this.k.vmstat.get("nr_slab_unreclaimable");
  }

  /** /proc/slabinfo (version 2.1), newest cache first as Linux lists them. */
  slabinfo(): string {
    const out = [
      "slabinfo - version: 2.1",
      "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>" +
        " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
    ];
    const cg = this.memcg?.memcg_kmem_online() ?? false;
    for (const s of [...this.slab_caches].reverse()) {
      if (s.type === "cgroup" && !cg) continue;
      let free = 0;
      for (const sl of s.partial) free += sl.objects - sl.inuse;
      out.push(
        `${s.name.padEnd(17)} ${String(s.total_objects - free).padStart(6)} ${String(s.total_objects).padStart(6)} ` +
          `${String(s.size).padStart(6)} ${String(s.objects).padStart(4)} ${String(1 << s.order).padStart(4)}` +
          ` : tunables ${"0".padStart(4)} ${"0".padStart(4)} ${"0".padStart(4)}` +
          ` : slabdata ${String(s.nr_slabs).padStart(6)} ${String(s.nr_slabs).padStart(6)} ${"0".padStart(6)}`,
      );
    }
    return out.join("\n");
  }

  /** The Slab lines of /proc/meminfo. */
  meminfo(): string[] {
    const kb = this.nr_slab_pages() * (PAGE_SIZE / 1024);
    return [meminfoLine("Slab", kb), meminfoLine("SReclaimable", 0), meminfoLine("SUnreclaim", kb)];
  }

  // ---- internals ----

  private new_kmalloc_cache(idx: number, type: KmallocType, nrCpus: number): void {
    const [suffix, size] = KMALLOC_INFO[idx]!;
    const order = calculate_order(size, nrCpus);
    const s: kmem_cache = {
      name: type === "cgroup" ? `kmalloc-cg-${suffix}` : `kmalloc-${suffix}`,
      object_size: size,
      size,
      align: ARCH_KMALLOC_MINALIGN,
      offset: Math.floor(size / 2 / 8) * 8,
      order,
      objects: order_objects(order, size),
      min_order: get_order(size),
      min_partial: Math.max(MIN_PARTIAL, Math.min(MAX_PARTIAL, Math.floor(Math.log2(size) / 2))),
      account: type === "cgroup",
      type,
      cpu_slab: new Array<slab | null>(nrCpus).fill(null),
      partial: new Set(),
      nr_slabs: 0,
      total_objects: 0,
    };
    this.kmalloc_caches[type][idx] = s;
    this.slab_caches.push(s);
  }

  /** kmalloc_type(): __GFP_ACCOUNT allocations use the kmalloc-cg-* caches while kernel memory
   *  is accounted (with cgroup.memory=nokmem those alias the normal ones). */
  private kmalloc_type(gfp: number): KmallocType {
    return gfp & GFP.__GFP_ACCOUNT && this.memcg?.memcg_kmem_online() ? "cgroup" : "normal";
  }

  private kasan(): KasanSlabHooks | null {
    const kasan: KasanSlabHooks | null = this.k.kasan;
    if (!kasan?.enabled) return null;
    if (kasan !== this.describedBy) {
      kasan.addDescriber(this.describe);
      this.describedBy = kasan;
    }
    return kasan;
  }

  /** The page frame of a direct-map address of RAM, or -1. */
  private virt_to_pfn(p: bigint): number {
    if (p < PAGE_OFFSET || p >= PAGE_OFFSET + BigInt(this.k.pages.nrPages * PAGE_SIZE)) return -1;
    return Math.floor(__pa(p) / PAGE_SIZE);
  }

  private obj_to_index(sl: slab, p: bigint): number {
    return Math.floor(Number(p - sl.addr) / sl.slab_cache.size);
  }

  /** The first frame of the large kmalloc containing pfn, or -1. */
  private large_head(pfn: number): number {
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const head = pfn - (pfn % (1 << order));
      const l = this.large.get(head);
      if (l && pfn < head + (1 << l.order)) return head;
    }
    return -1;
  }

  /** slab_alloc_node(): an object from this CPU's active slab, else from a partial slab, else
   *  from a new slab. 0n if no page could be had. */
  private slab_alloc_node(s: kmem_cache, gfp: number): bigint {
    const cpu = this.k.cpu;
    let sl = s.cpu_slab[cpu] ?? null;
    if (!sl || sl.freelist < 0) {
      if (sl) {
        s.cpu_slab[cpu] = null;
        this.deactivate_slab(s, sl);
      }
      sl = this.get_partial(s) ?? this.new_slab(s);
      if (!sl) {
        this.slab_out_of_memory(s, gfp);
        return 0n;
      }
      sl.frozen = cpu;
      s.cpu_slab[cpu] = sl;
    }
    const i = sl.freelist;
    sl.freelist = sl.next[i]!;
    sl.inuse++;
    sl.allocated[i] = 1;
    return sl.addr + BigInt(i * s.size);
  }

  /** slab_post_alloc_hook(): zero the object under init_on_alloc / __GFP_ZERO, then charge it to
   *  the current memcg (an over-limit charge gives the object back and fails). */
  private slab_post_alloc_hook(s: kmem_cache, obj: bigint, gfp: number): boolean {
    const k = this.k;
    if (gfp & GFP.__GFP_ZERO || k.config.initOnAlloc) {
      with_kasan_disabled(k.kmem, () => k.kmem.memset(obj, 0, s.object_size, "slab_post_alloc_hook"));
    }
    const memcg = this.memcg;
    if (memcg?.memcg_kmem_online() && (gfp & GFP.__GFP_ACCOUNT || s.account)) {
      const id = memcg.current_obj_cgroup();
      if (id !== 0) {
        const sl = this.slabByPfn.get(this.virt_to_pfn(obj))!;
        const idx = this.obj_to_index(sl, obj);
        const full = s.size + OBJ_EXT_SIZE;
        if (!memcg.obj_cgroup_charge(id, gfp, full)) {
          this.do_slab_free(s, sl, idx); // memcg_alloc_abort_single()
          return false;
        }
        sl.obj_exts ??= new Int32Array(sl.objects);
        sl.obj_exts[idx] = id;
        memcg.mod_memcg_state(id, "slab_unreclaimable", full);
      }
    }
    return true;
  }

  /** slab_free(): memcg uncharge, init_on_free, KASAN poisoning, then back on the freelist. */
  private slab_free(sl: slab, p: bigint, caller: string): void {
    const s = sl.slab_cache;
    const off = Number(p - sl.addr);
    const idx = Math.floor(off / s.size);
    if (off % s.size !== 0 || idx >= sl.objects) {
      this.bad_free(p, caller, "invalid-free", `not the start of an object in ${s.name}`);
      return;
    }
    if (!sl.allocated[idx]) {
      this.bad_free(p, caller, "double-free", `object in ${s.name} is not allocated`);
      return;
    }
    const id = sl.obj_exts?.[idx] ?? 0;
    if (id !== 0 && this.memcg) {
      sl.obj_exts![idx] = 0;
      const full = s.size + OBJ_EXT_SIZE;
      this.memcg.obj_cgroup_uncharge(id, full);
      this.memcg.mod_memcg_state(id, "slab_unreclaimable", -full);
    }
    const k = this.k;
    if (k.config.initOnFree)
      with_kasan_disabled(k.kmem, () => k.kmem.memset(p, 0, s.object_size, "slab_free_hook"));
    if (this.kasan()?.kasan_slab_free(p, s.object_size, caller)) return;
    this.do_slab_free(s, sl, idx);
  }

  /** do_slab_free(): push the object; a full slab goes on the partial list, an empty one is
   *  discarded when the partial list already holds min_partial slabs. */
  private do_slab_free(s: kmem_cache, sl: slab, idx: number): void {
    sl.allocated[idx] = 0;
    sl.req[idx] = 0;
    sl.next[idx] = sl.freelist;
    sl.freelist = idx;
    const wasFull = sl.inuse === sl.objects;
    sl.inuse--;
    if (sl.frozen >= 0) return;
    if (wasFull) s.partial.add(sl);
    if (sl.inuse === 0 && s.partial.size >= s.min_partial) {
      s.partial.delete(sl);
      this.discard_slab(s, sl);
    }
  }

  /** A bad free: KASAN's report when it is on, else a WARN. */
  private bad_free(p: bigint, caller: string, type: "double-free" | "invalid-free", why: string): void {
    const kasan = this.kasan();
    if (kasan) kasan.kasan_report_invalid_free(p, caller, type);
    else WARN_ON(this.k, true, `mm/slub.c:${caller}`, `${caller}: ${type} of 0x${hex64(p)}: ${why}`);
  }

  /** deactivate_slab(): a CPU gives up its active slab. */
  private deactivate_slab(s: kmem_cache, sl: slab): void {
    sl.frozen = -1;
    if (sl.inuse === 0 && s.partial.size >= s.min_partial) this.discard_slab(s, sl);
    else if (sl.freelist >= 0) s.partial.add(sl);
  }

  /** get_partial(): take the first slab off the partial list. */
  private get_partial(s: kmem_cache): slab | null {
    for (const sl of s.partial) {
      s.partial.delete(sl);
      return sl;
    }
    return null;
  }

  /** new_slab() / allocate_slab(): pages of the cache's order, falling back to the minimum order;
   *  objects chained in address order; PG_slab; KASAN shadow: objects free, the rest redzone. */
  private new_slab(s: kmem_cache): slab | null {
    const k = this.k;
    const page = this.alloc_slab_page(s);
    if (!page) return null;
    const { pfn, order } = page;
    const bytes = PAGE_SIZE << order;
    const objects = Math.floor(bytes / s.size);
    const addr = __va(pfn * PAGE_SIZE);
    const kasan = this.kasan();
    if (kasan) {
      if (!kasan.populate(addr, bytes, KASAN_SLAB_REDZONE)) {
        k.pages.__free_pages(pfn, order);
        return null;
      }
      kasan.kasan_poison(addr, objects * s.size, KASAN_SLAB_FREE);
    }
    const next = new Int32Array(objects);
    for (let i = 0; i < objects; i++) next[i] = i + 1 < objects ? i + 1 : -1;
    const sl: slab = {
      slab_cache: s,
      pfn,
      order,
      addr,
      objects,
      inuse: 0,
      freelist: 0,
      next,
      allocated: new Uint8Array(objects),
      req: new Int32Array(objects),
      obj_exts: null,
      frozen: -1,
      kasan: kasan !== null,
    };
    const first = k.pages.idx(pfn);
    for (let i = 0; i < 1 << order; i++) {
      k.pages.flags[first + i]! |= PG_slab;
      this.slabByPfn.set(pfn + i, sl);
    }
    k.vmstat.inc("nr_slab_unreclaimable", 1 << order);
    s.nr_slabs++;
    s.total_objects += objects;
    return sl;
  }

  /** alloc_slab_page(): the pages of a new slab, of the cache's order or, failing that, its
   *  minimum order; null if neither can be had. */
  private alloc_slab_page(s: kmem_cache): { pfn: number; order: number } | null {
    const k = this.k;
    for (const order of s.order === s.min_order ? [s.order] : [s.order, s.min_order]) {
      const pfn = k.pages.alloc_pages(order);
      if (pfn < 0) continue;
      k.charge(COST.pageAlloc);
      return { pfn, order };
    }
    return null;
  }

  /** discard_slab(): the slab's pages go back to the page allocator. */
  private discard_slab(s: kmem_cache, sl: slab): void {
    const k = this.k;
    const bytes = PAGE_SIZE << sl.order;
    if (sl.kasan) k.kasan?.depopulate(sl.addr, bytes);
    if (k.config.initOnFree)
      with_kasan_disabled(k.kmem, () => k.kmem.memset(sl.addr, 0, bytes, "free_pages_prepare"));
    const first = k.pages.idx(sl.pfn);
    for (let i = 0; i < 1 << sl.order; i++) {
      k.pages.flags[first + i]! &= ~PG_slab;
      this.slabByPfn.delete(sl.pfn + i);
    }
    k.vmstat.dec("nr_slab_unreclaimable", 1 << sl.order);
    s.nr_slabs--;
    s.total_objects -= sl.objects;
    k.pages.__free_pages(sl.pfn, sl.order);
  }

  /** slab_out_of_memory(): SLUB's allocation-failure message (unless __GFP_NOWARN). */
  private slab_out_of_memory(s: kmem_cache, gfp: number): void {
    if (gfp & GFP.__GFP_NOWARN) return;
    let free = 0;
    for (const sl of s.partial) free += sl.objects - sl.inuse;
    const p = this.k.printk;
    p.log(
      "warning",
      `SLUB: Unable to allocate memory on CPU ${this.k.cpu} (of node 0) on node -1, gfp=${gfp_string(gfp)}`,
    );
    p.log(
      "warning",
      `  cache: ${s.name}, object size: ${s.object_size}, buffer size: ${s.size}, default order: ${s.order}, min order: ${s.min_order}`,
    );
    p.log("warning", `  node 0: slabs: ${s.nr_slabs}, objs: ${s.total_objects}, free: ${free}`);
  }

  /** __kmalloc_large_node(): a compound page of get_order(size) from the buddy allocator,
   *  charged to the memcg with __GFP_ACCOUNT and counted as unreclaimable slab. */
  private __kmalloc_large_node(size: number, gfp: number): bigint {
    const k = this.k;
    const order = get_order(size);
    const pfn = this.alloc_large_pages(size, order, gfp);
    if (pfn < 0) return 0n;
    if (gfp & GFP.__GFP_ACCOUNT && this.memcg && !this.memcg.charge(pfn, 1 << order, gfp)) {
      k.pages.__free_pages(pfn, order);
      return 0n;
    }
    const bytes = PAGE_SIZE << order;
    const ptr = __va(pfn * PAGE_SIZE);
    const kasan = this.kasan();
    if (kasan && !kasan.populate(ptr, bytes, KASAN_PAGE_REDZONE)) {
      this.memcg?.uncharge(pfn, 1 << order);
      k.pages.__free_pages(pfn, order);
      return 0n;
    }
    if (gfp & GFP.__GFP_ZERO || k.config.initOnAlloc) {
      with_kasan_disabled(k.kmem, () => k.kmem.memset(ptr, 0, bytes, "clear_page"));
    }
    this.large.set(pfn, { order, size, kasan: kasan !== null });
    k.vmstat.inc("nr_slab_unreclaimable", 1 << order);
    this.memcg?.mod_memcg_page_state(pfn, "slab_unreclaimable", bytes);
    kasan?.kasan_kmalloc_large(ptr, size, bytes);
    return ptr;
  }

  /** The compound page of a large kmalloc of `size` bytes (order `order`), or -1 after the
   *  page allocator's warning (unless __GFP_NOWARN). */
  private alloc_large_pages(size: number, order: number, gfp: number): number {
    const k = this.k;
    const warn = !(gfp & GFP.__GFP_NOWARN);
    if (order > MAX_PAGE_ORDER) {
      const where = "mm/page_alloc.c:__alloc_frozen_pages_noprof";
      WARN_ON(k, warn, where, `kmalloc(${size}): order ${order} > MAX_PAGE_ORDER (${MAX_PAGE_ORDER})`);
      return -1;
    }
    const pfn = k.pages.alloc_pages(order);
    if (pfn < 0) {
      const mode = gfp_string(gfp);
      if (warn)
        k.printk.log(
          "warning",
          `${this.comm}: page allocation failure: order:${order}, mode:${mode}, nodemask=(null)`,
        );
      return -1;
    }
    k.charge(COST.pageAlloc);
    return pfn;
  }

  /** free_large_kmalloc(): uncount, uncharge and depopulate a large kmalloc, then free its pages. */
  private free_large_kmalloc(pfn: number, p: bigint): void {
    const k = this.k;
    const l = this.large.get(pfn)!;
    const bytes = PAGE_SIZE << l.order;
    this.large.delete(pfn);
    k.vmstat.dec("nr_slab_unreclaimable", 1 << l.order);
    this.memcg?.mod_memcg_page_state(pfn, "slab_unreclaimable", -bytes);
    this.memcg?.uncharge(pfn, 1 << l.order);
    if (l.kasan) k.kasan?.depopulate(p, bytes);
    if (k.config.initOnFree)
      with_kasan_disabled(k.kmem, () => k.kmem.memset(p, 0, bytes, "free_pages_prepare"));
    k.pages.__free_pages(pfn, l.order);
  }

  /** What p is: a live slab object, a large kmalloc, or neither (with why, for the WARN). */
  private lookup(p: bigint): KmallocObject {
    const pfn = this.virt_to_pfn(p);
    if (pfn < 0) return { bad: "not a direct-map address" };
    const sl = this.slabByPfn.get(pfn);
    if (sl) {
      const off = Number(p - sl.addr);
      const idx = Math.floor(off / sl.slab_cache.size);
      if (off % sl.slab_cache.size !== 0 || idx >= sl.objects) {
        return { bad: `not the start of an object in ${sl.slab_cache.name}` };
      }
      if (!sl.allocated[idx]) return { bad: `use-after-free of an object in ${sl.slab_cache.name}` };
      return { slab: sl, idx };
    }
    const head = this.large_head(pfn);
    if (head < 0) return { bad: "Not a kmalloc allocation" };
    if (p !== __va(head * PAGE_SIZE)) return { bad: "not the start of a large kmalloc" };
    return { head, l: this.large.get(head)! };
  }

  /** __ksize(): the object size of p's cache, or the compound page's size (0 after a WARN if p
   *  is neither). */
  private __ksize(p: bigint): number {
    const pfn = this.virt_to_pfn(p);
    const sl = pfn < 0 ? undefined : this.slabByPfn.get(pfn);
    if (sl) return sl.slab_cache.object_size;
    const head = pfn < 0 ? -1 : this.large_head(pfn);
    const notObject = head < 0 || p !== __va(head * PAGE_SIZE);
    if (
      WARN_ON(
        this.k,
        notObject,
        "mm/slab_common.c:__ksize",
        () => `ksize(0x${hex64(p)}): not a kmalloc object`,
      )
    )
      return 0;
    return PAGE_SIZE << this.large.get(head)!.order;
  }

  /** __do_krealloc() (6.19, with the alignment/node rules of 2cd8231796b5 and the bounded copy
   *  of its 2026 fix): in place when newSize fits ksize(p) and p has the alignment, zeroing
   *  the spare tail under init_on_alloc / __GFP_ZERO; otherwise kmalloc, copy
   *  min(newSize, ksize(p)). */
  private __do_krealloc(p: bigint, newSize: number, align: number, gfp: number, nid: number): bigint {
    const k = this.k;
    let ks = 0;
    if (!ZERO_OR_NULL_PTR(p)) {
      const kasan = this.kasan();
      if (kasan && !kasan.byteAccessible(p)) {
        k.kmem.check?.(p, 1, false, "krealloc"); // kasan_check_byte()
        return 0n;
      }
      const where = this.lookup(p);
      if ("bad" in where) {
        WARN_ON(k, true, "mm/slub.c:__do_krealloc", `krealloc(0x${hex64(p)}): ${where.bad}`);
        return 0n;
      }
      ks = "slab" in where ? where.slab.slab_cache.object_size : PAGE_SIZE << where.l.order;
      const thisNodeMiss = gfp & GFP.__GFP_THISNODE && nid !== NUMA_NO_NODE && nid !== 0;
      if (!thisNodeMiss && newSize <= ks && p % BigInt(align) === 0n) {
        if (gfp & GFP.__GFP_ZERO || k.config.initOnAlloc) {
          with_kasan_disabled(k.kmem, () => k.kmem.memset(p + BigInt(newSize), 0, ks - newSize, "krealloc"));
        }
        // kasan_krealloc(): re-poison precisely for the new size.
        if ("slab" in where) {
          where.slab.req[where.idx] = newSize;
          this.kasan()?.kasan_kmalloc(p, newSize, where.slab.slab_cache.object_size);
        } else {
          where.l.size = newSize;
          this.kasan()?.kasan_kmalloc_large(p, newSize, ks);
        }
        return p;
      }
    }
    const ret = this.kmalloc_node(newSize, gfp, nid, "krealloc");
    if (ret !== 0n && !ZERO_OR_NULL_PTR(p)) {
      with_kasan_disabled(k.kmem, () => k.kmem.memcpy(ret, p, Math.min(newSize, ks), "krealloc"));
    }
    return ret;
  }

  /** KASAN's description of a slab address (describe_object_addr()). */
  private readonly describe = (addr: bigint): string[] | null => {
    const pfn = this.virt_to_pfn(addr);
    const sl = pfn < 0 ? undefined : this.slabByPfn.get(pfn);
    if (!sl) return null;
    const s = sl.slab_cache;
    const idx = Math.min(this.obj_to_index(sl, addr), sl.objects - 1);
    const obj = sl.addr + BigInt(idx * s.size);
    const live = sl.allocated[idx] === 1;
    const allocSize = live ? sl.req[idx]! : s.object_size;
    const end = obj + BigInt(allocSize);
    const [relBytes, relType] = addr >= end ? [addr - end, "to the right"] : [addr - obj, "inside"];
    const state = !live ? "freed " : addr >= end ? "allocated " : "";
    return [
      `The buggy address belongs to the object at ${hex64(obj)}`,
      ` which belongs to the cache ${s.name} of size ${s.object_size}`,
      `The buggy address is located ${relBytes} bytes ${relType} of`,
      ` ${state}${allocSize}-byte region [${hex64(obj)}, ${hex64(end)})`,
    ];
  };
}
