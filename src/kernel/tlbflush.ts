// flush_tlb_kernel_range, flush_tlb_range and flush_tlb_all as riscv Linux does them (arch/riscv/mm/tlbflush.c):
// on every online hart (the others by IPI: a counted shootdown), one page → one sfence.vma by
// address, more than tlb_flush_all_threshold (64) pages → a full flush, otherwise one fence per
// page. Kernel mappings are global, so fences carry no ASID.

import type { Hart } from "../cpu/index.js";
import { PAGE_SIZE } from "./layout.js";
import type { Vmstat } from "./vmstat.js";

/** Cycles charged per local fence and per remote hart reached (see COST in kernel.ts). */
export interface FlushCost {
  charge(cycles: number): void;
  fence: number;
  ipi: number;
}

export const TLB_FLUSH_ALL_THRESHOLD = 64;

export class TlbFlush {
  /** Flushes that reached other harts, and the fences executed (for experiments). */
  shootdowns = 0;

  constructor(
    private readonly harts: readonly Hart[],
    private readonly vmstat: Vmstat,
    private readonly current: () => Hart,
    private readonly cost: FlushCost | null = null,
  ) {}

  /** Make every hart forget translations of [start, end). */
  flush_tlb_kernel_range(start: bigint, end: bigint): void {
    this.flush_tlb_range(undefined, start, end);
  }

  /** flush_tlb_range() for a user address space: ASID `asid`'s entries of [start, end) on every
   *  hart (a process may have run on any of them), with the same per-page / flush-all rule;
   *  `asid` undefined is the kernel's form (global mappings: no ASID in the fence). */
  flush_tlb_range(asid: number | undefined, start: bigint, end: bigint): void {
    if (end <= start) return;
    const nr = Number((end - start + BigInt(PAGE_SIZE) - 1n) / BigInt(PAGE_SIZE));
    this.onEachHart((h) => this.localFlushRange(h, asid, start, nr));
  }

  /** flush_tlb_range() of a user address space as arch/riscv's __flush_tlb_range does it: only
   *  the harts in `cpumask` (mm_cpumask: the harts the mm has run on, so the only ones that may
   *  hold its entries), the current one by fences, the others by IPI (counted when there are
   *  any). */
  flush_tlb_mm_range(asid: number, start: bigint, end: bigint, cpumask: number): void {
    if (end <= start) return;
    const nr = Number((end - start + BigInt(PAGE_SIZE) - 1n) / BigInt(PAGE_SIZE));
    this.onEachHart((h) => this.localFlushRange(h, asid, start, nr), cpumask);
  }

  /** sfence.vma x0, x0 on every hart. */
  flush_tlb_all(): void {
    this.onEachHart((h) => {
      h.sfenceLocal(undefined, undefined);
      this.vmstat.inc("nr_tlb_local_flush_all");
    });
  }

  /** local_flush_tlb_all(): hart `h` alone drops every entry (after an ASID rollover). */
  local_flush_tlb_all(h: Hart): void {
    this.cost?.charge(this.cost.fence);
    h.sfenceLocal(undefined, undefined);
    this.vmstat.inc("nr_tlb_local_flush_all");
  }

  /** `fn` on the current hart (if in `cpumask`) and, by IPI, on every other hart of it. */
  private onEachHart(fn: (h: Hart) => void, cpumask = -1): void {
    const me = this.current();
    const inMask = (h: Hart): boolean => h.id >= 31 || (cpumask & (1 << h.id)) !== 0;
    if (inMask(me)) fn(me);
    if (this.harts.some((h) => h !== me && inMask(h))) {
      this.vmstat.inc("nr_tlb_remote_flush");
      this.shootdowns++;
    }
    for (const h of this.harts) {
      if (h === me || !inMask(h)) continue;
      this.vmstat.inc("nr_tlb_remote_flush_received");
      this.cost?.charge(this.cost.ipi);
      fn(h);
    }
  }

  private localFlushRange(h: Hart, asid: number | undefined, start: bigint, nr: number): void {
    this.cost?.charge((nr > TLB_FLUSH_ALL_THRESHOLD ? 1 : nr) * this.cost.fence);
    if (nr > TLB_FLUSH_ALL_THRESHOLD) {
      h.sfenceLocal(undefined, asid);
      this.vmstat.inc("nr_tlb_local_flush_all");
      return;
    }
    for (let i = 0; i < nr; i++) {
      h.sfenceLocal(start + BigInt(i * PAGE_SIZE), asid);
      this.vmstat.inc("nr_tlb_local_flush_one");
    }
  }
}
