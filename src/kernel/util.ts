// kvmalloc and friends, after mm/util.c (since 6.12 in mm/slub.c): try kmalloc, fall back to
// vmalloc; kvfree frees either; kvrealloc resizes either, with krealloc's rules for NULL and 0
// (kvrealloc of a kmalloc'd object to 0 returns ZERO_SIZE_PTR, of a vmalloc'd one NULL).
//
// kmalloc_gfp_adjust() is mainline's since 6.16 (docs/reference/vmalloc.md, "kvmalloc"): above
// a page it clears __GFP_DIRECT_RECLAIM where older kernels added __GFP_NORETRY; it still adds
// __GFP_NOWARN and drops __GFP_NOFAIL. Either way the kmalloc attempt may not reclaim hard and
// must stay quiet; here that matters to memcg (a non-blocking charge fails at once).

import { WARN_ON } from "./bug.js";
import { GFP, GFP_KERNEL, type Kernel } from "./kernel.js";
import { is_vmalloc_addr, PAGE_SIZE } from "./layout.js";
import { type SlabAllocator, with_kasan_disabled, ZERO_OR_NULL_PTR } from "./slab.js";
import { NUMA_NO_NODE, VM_ALLOW_HUGE_VMAP, type Vmalloc } from "./vmalloc.js";

export const INT_MAX = 0x7fffffff;

/** What kvmalloc needs from the vmalloc layer. */
export type VmallocApi = Pick<Vmalloc, "vmalloc_range" | "vfree" | "vrealloc">;

/** kmalloc_gfp_adjust(): the flags of kvmalloc's kmalloc attempt. Above a page it must not warn,
 *  must not direct-reclaim (unless __GFP_RETRY_MAYFAIL asks for contiguous memory) and must not
 *  be __GFP_NOFAIL: the vmalloc fallback is there for that. */
export function kmalloc_gfp_adjust(flags: number, size: number): number {
  if (size > PAGE_SIZE) {
    flags |= GFP.__GFP_NOWARN;
    if (!(flags & GFP.__GFP_RETRY_MAYFAIL)) flags &= ~GFP.__GFP_DIRECT_RECLAIM;
    flags &= ~GFP.__GFP_NOFAIL;
  }
  return flags;
}

export class Kvmalloc {
  constructor(
    private readonly k: Kernel,
    private readonly slab: SlabAllocator,
    private readonly vm: VmallocApi,
  ) {}

  /** kvmalloc(): kmalloc if it can, vmalloc otherwise (kvmalloc_node_align with no node). */
  kvmalloc(size: number, gfp: number = GFP_KERNEL, caller = "kvmalloc"): bigint {
    return this.kvmalloc_node_align(size, 1, gfp, NUMA_NO_NODE, caller);
  }

  /** kvzalloc(size, gfp): kvmalloc with __GFP_ZERO. */
  kvzalloc(size: number, gfp: number = GFP_KERNEL, caller = "kvzalloc"): bigint {
    return this.kvmalloc_node_align(size, 1, gfp | GFP.__GFP_ZERO, NUMA_NO_NODE, caller);
  }

  /** kvmalloc_node(): kvmalloc on NUMA node `node` (0 or NUMA_NO_NODE here). */
  kvmalloc_node(size: number, gfp: number, node: number, caller = "kvmalloc_node"): bigint {
    return this.kvmalloc_node_align(size, 1, gfp, node, caller);
  }

  /** __kvmalloc_node_noprof(): kmalloc if size >= align (returned if it worked or if size is at
   *  most a page); non-blocking requests stop there; sizes over INT_MAX fail; otherwise
   *  vmalloc with huge mappings allowed. */
  kvmalloc_node_align(
    size: number,
    align: number,
    gfp: number,
    node: number,
    caller = "__kvmalloc_node_noprof",
  ): bigint {
    if (size >= align) {
      const ret = this.slab.kmalloc_node(size, kmalloc_gfp_adjust(gfp, size), node, caller);
      if (ret !== 0n || size <= PAGE_SIZE) return ret;
    }
    if (!(gfp & GFP.__GFP_DIRECT_RECLAIM)) return 0n; // vmalloc cannot do non-sleeping allocations
    if (size > INT_MAX) {
      WARN_ON(
        this.k,
        !(gfp & GFP.__GFP_NOWARN),
        "mm/slub.c:__kvmalloc_node_noprof",
        `kvmalloc: size ${size} > INT_MAX`,
      );
      return 0n;
    }
    return this.vm.vmalloc_range(size, { align, gfp, vmFlags: VM_ALLOW_HUGE_VMAP, node, caller });
  }

  /** kvfree(): vfree for a vmalloc address, kfree otherwise (NULL is a no-op either way). */
  kvfree(p: bigint): void {
    if (is_vmalloc_addr(p)) this.vm.vfree(p);
    else this.slab.kfree(p, "kvfree");
  }

  /** kvrealloc(): kvrealloc_node_align with no alignment and no node. */
  kvrealloc(p: bigint, size: number, gfp: number = GFP_KERNEL): bigint {
    return this.kvrealloc_node_align(p, size, 1, gfp, NUMA_NO_NODE);
  }

  /** kvrealloc_node_align_noprof(): a vmalloc'd p goes to vrealloc; anything else to krealloc
   *  and, if that fails, to kvmalloc + a copy of min(size, ksize(p)) + kfree(p). On failure p
   *  is untouched. */
  kvrealloc_node_align(p: bigint, size: number, align: number, gfp: number, nid: number): bigint {
    if (is_vmalloc_addr(p)) return this.vm.vrealloc(p, size, gfp, align, nid);
    let n = this.slab.krealloc_node_align(p, size, align, kmalloc_gfp_adjust(gfp, size), nid);
    if (n === 0n) {
      n = this.kvmalloc_node_align(size, align, gfp, nid, "kvrealloc");
      if (n === 0n) return 0n;
      if (!ZERO_OR_NULL_PTR(p)) {
        const len = Math.min(size, this.slab.ksize(p));
        const kmem = this.k.kmem;
        with_kasan_disabled(kmem, () => kmem.memcpy(n, p, len, "kvrealloc"));
        this.slab.kfree(p, "kvrealloc");
      }
    }
    return n;
  }
}
