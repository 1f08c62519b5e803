// flush_tlb_kernel_range, flush_tlb_range, flush_tlb_mm and flush_tlb_all as riscv Linux does
// them (arch/riscv/mm/tlbflush.c, own code): the current hart by sfence.vma, the others by IPI
// (a counted shootdown: on_each_cpu_mask over mm_cpumask for a user mm, every online hart for the
// kernel's global mappings); each hart fences one page at a time up to tlb_flush_all_threshold
// pages (64 in tlbflush.c) and flushes the whole ASID (or everything, for the kernel) above it.
// The cost model charges the sender for each IPI it sends and for waiting on the acks, and each
// receiver for taking the interrupt, plus every hart for its own fences. Counters per reason
// (munmap, mprotect, COW break, ...): flushes, shootdowns, IPIs sent and received, fences, TLB
// entries dropped, cycles. Two policies exist for experiments (exp shootdown): flush every hart
// instead of mm_cpumask's, and batch several user flushes into one shootdown.

import { type Hart, Paging } from "../cpu/index.js";
import { PAGE_SIZE } from "./layout.js";
import type { Vmstat } from "./vmstat.js";

/** Cycles the flush path charges (see COST in kernel.ts): a local fence; an IPI's send (per
 *  target), handling (per receiver) and the sender's wait for the acknowledgements. */
export interface FlushCost {
  charge(cpu: number, cycles: number): void;
  fence: number;
  ipiSend: number;
  ipiReceive: number;
  ipiWait: number;
}

/** tlb_flush_all_threshold in arch/riscv/mm/tlbflush.c: past this many pages, a full flush. */
export const TLB_FLUSH_ALL_THRESHOLD = 64;

/** Why a flush was made (the counters are kept per reason). */
export const FLUSH_REASONS = [
  "munmap",
  "mprotect",
  "mremap",
  "madvise",
  "cow",
  "spurious",
  "fork",
  "thp_split",
  "exit",
  "rollover",
  "kernel",
] as const;
export type FlushReason = (typeof FLUSH_REASONS)[number];

/** One reason's counters. */
export interface FlushStats {
  /** Flush requests (a range, an mm, a rollover's local flush). */
  flushes: number;
  /** Requests that reached other harts (one round of IPIs each). */
  shootdowns: number;
  ipis_sent: number;
  ipis_received: number;
  /** sfence.vma executed on all harts (a page each, or one whole-ASID / full flush). */
  fences: number;
  /** TLB entries those fences dropped. */
  entries_dropped: number;
  /** Cycles charged to the sender and, summed, to the receivers. */
  sender_cycles: number;
  receiver_cycles: number;
}

/** A reason's counters before any flush. */
export const zeroFlushStats = (): FlushStats => ({
  flushes: 0,
  shootdowns: 0,
  ipis_sent: 0,
  ipis_received: 0,
  fences: 0,
  entries_dropped: 0,
  sender_cycles: 0,
  receiver_cycles: 0,
});

/** The choices `exp shootdown` compares; the kernel's own are Linux's (mm_cpumask, 64). */
export interface FlushPolicy {
  /** Send the IPIs to every hart rather than to mm_cpumask's. */
  allHarts: boolean;
  /** Pages up to which a hart fences page by page (tlb_flush_all_threshold). */
  threshold: number;
}

/** A user flush waiting in a batch. */
interface Pending {
  asid: number;
  start: bigint;
  pages: number;
  cpumask: number;
  reason: FlushReason;
}

export class TlbFlush {
  /** Flushes that reached other harts, all reasons together. */
  shootdowns = 0;
  readonly policy: FlushPolicy = { allHarts: false, threshold: TLB_FLUSH_ALL_THRESHOLD };
  readonly stats = Object.fromEntries(FLUSH_REASONS.map((r) => [r, zeroFlushStats()])) as Record<
    FlushReason,
    FlushStats
  >;
  /** User flushes held back by beginBatch(), sent as one shootdown by endBatch(). */
  private batch: Pending[] | null = null;

  constructor(
    private readonly harts: readonly Hart[],
    private readonly vmstat: Vmstat,
    private readonly current: () => Hart,
    private readonly cost: FlushCost | null = null,
  ) {}

  /** Make every hart forget translations of [start, end) (global kernel mappings). */
  flush_tlb_kernel_range(start: bigint, end: bigint): void {
    this.flush_tlb_range(undefined, start, end);
  }

  /** [start, end) of ASID `asid` on every hart, with the per-page / flush-all rule; `asid`
   *  undefined is the kernel's form (global mappings: no ASID in the fence). */
  flush_tlb_range(
    asid: number | undefined,
    start: bigint,
    end: bigint,
    reason: FlushReason = "kernel",
  ): void {
    if (end <= start) return;
    const pages = pagesIn(start, end);
    this.shoot(reason, -1, (h) => this.localFlushRange(h, asid, [{ start, pages }]));
  }

  /** flush_tlb_range() of a user address space as arch/riscv's __flush_tlb_range does it: only
   *  the harts in `cpumask` (mm_cpumask: the harts the mm has run on, so the only ones that may
   *  hold its entries; every hart under the allHarts policy), the current one by fences, the
   *  others by IPI. In a batch, the flush waits for endBatch(). */
  flush_tlb_mm_range(asid: number, start: bigint, end: bigint, cpumask: number, reason: FlushReason): void {
    if (end <= start) return;
    const pages = pagesIn(start, end);
    if (this.batch) {
      this.batch.push({ asid, start, pages, cpumask, reason });
      return;
    }
    this.shoot(reason, this.policy.allHarts ? -1 : cpumask, (h) =>
      this.localFlushRange(h, asid, [{ start, pages }]),
    );
  }

  /** flush_tlb_mm(): every entry of ASID `asid` on the harts of `cpumask` (every hart under the
   *  allHarts policy): one whole-ASID fence each, whatever the threshold (arch/riscv passes
   *  FLUSH_TLB_MAX_SIZE, which always flushes the ASID). Not held back by a batch. */
  flush_tlb_mm(asid: number, cpumask: number, reason: FlushReason): void {
    this.shoot(reason, this.policy.allHarts ? -1 : cpumask, (h) => {
      this.fence(h, undefined, asid);
      this.vmstat.inc("nr_tlb_local_flush_all");
      return 1;
    });
  }

  /** Hold user flushes back until endBatch() (nested calls are not supported). */
  beginBatch(): void {
    if (this.batch) throw new Error("not supported: nested TLB flush batches");
    this.batch = [];
  }

  /** Send the held flushes: per ASID, one shootdown to the union of their cpumasks, each hart
   *  fencing every page of every range (or flushing the ASID past the threshold in total).
   *  The counters go to the first flush's reason. */
  endBatch(): void {
    const batch = this.batch ?? [];
    this.batch = null;
    const byAsid = new Map<number, Pending[]>();
    for (const p of batch) byAsid.set(p.asid, [...(byAsid.get(p.asid) ?? []), p]);
    for (const [asid, list] of byAsid) {
      const mask = this.policy.allHarts ? -1 : list.reduce((m, p) => m | p.cpumask, 0);
      this.stats[list[0]!.reason].flushes += list.length - 1;
      this.shoot(list[0]!.reason, mask, (h) => this.localFlushRange(h, asid, list));
    }
  }

  /** sfence.vma x0, x0 on every hart. */
  flush_tlb_all(): void {
    this.shoot("kernel", -1, (h) => {
      this.fence(h, undefined, undefined);
      this.vmstat.inc("nr_tlb_local_flush_all");
      return 1;
    });
  }

  /** local_flush_tlb_all(): hart `h` alone drops every entry (after an ASID rollover, or a
   *  switch of mm without ASIDs). */
  local_flush_tlb_all(h: Hart): void {
    const s = this.stats.rollover;
    s.flushes++;
    const dropped = this.fence(h, undefined, undefined);
    s.fences++;
    s.entries_dropped += dropped;
    this.vmstat.inc("nr_tlb_local_flush_all");
    if (this.cost) {
      this.cost.charge(h.id, this.cost.fence);
      s.sender_cycles += this.cost.fence;
    }
  }

  /** `fn` (returning the fences it made) on the current hart if it is in `cpumask` and, by
   *  IPI, on every other hart of it: the counters and the cost model's charges. */
  private shoot(reason: FlushReason, cpumask: number, fn: (h: Hart) => number): void {
    const s = this.stats[reason];
    s.flushes++;
    const me = this.current();
    const inMask = (h: Hart): boolean => h.id >= 31 || (cpumask & (1 << h.id)) !== 0;
    const cost = this.cost;
    const remote = this.harts.filter((h) => h !== me && inMask(h));
    if (inMask(me)) this.onHart(s, me, fn, 0);
    if (remote.length === 0) return;
    this.vmstat.inc("nr_tlb_remote_flush");
    this.shootdowns++;
    s.shootdowns++;
    s.ipis_sent += remote.length;
    if (cost) this.charge(s, me, remote.length * cost.ipiSend + cost.ipiWait, true);
    for (const h of remote) {
      this.vmstat.inc("nr_tlb_remote_flush_received");
      s.ipis_received++;
      this.onHart(s, h, fn, cost?.ipiReceive ?? 0);
    }
  }

  /** Hart `h` runs `fn`; its fences (and `extra` cycles) are charged to it. */
  private onHart(s: FlushStats, h: Hart, fn: (h: Hart) => number, extra: number): void {
    const before = this.dropped(h);
    const fences = fn(h);
    s.fences += fences;
    s.entries_dropped += this.dropped(h) - before;
    if (this.cost) this.charge(s, h, fences * this.cost.fence + extra, h === this.current());
  }

  private charge(s: FlushStats, h: Hart, cycles: number, sender: boolean): void {
    this.cost?.charge(h.id, cycles);
    if (sender) s.sender_cycles += cycles;
    else s.receiver_cycles += cycles;
  }

  /** The ranges on hart `h`: a fence per page up to the threshold in total, else one flush of
   *  the ASID (of everything, for the kernel). Returns the fences made. */
  private localFlushRange(
    h: Hart,
    asid: number | undefined,
    ranges: readonly { start: bigint; pages: number }[],
  ): number {
    const total = ranges.reduce((n, r) => n + r.pages, 0);
    if (total > this.policy.threshold) {
      this.fence(h, undefined, asid);
      this.vmstat.inc("nr_tlb_local_flush_all");
      return 1;
    }
    for (const r of ranges)
      for (let i = 0; i < r.pages; i++) {
        this.fence(h, r.start + BigInt(i * PAGE_SIZE), asid);
        this.vmstat.inc("nr_tlb_local_flush_one");
      }
    return total;
  }

  /** One sfence.vma on hart `h`; returns the entries it dropped. */
  private fence(h: Hart, va: bigint | undefined, asid: number | undefined): number {
    const before = this.dropped(h);
    h.sfenceLocal(va, asid);
    return this.dropped(h) - before;
  }

  /** TLB entries hart `h`'s modelled TLB has dropped by fences so far. */
  private dropped(h: Hart): number {
    return h.translator instanceof Paging ? h.translator.tlb.flushes.dropped : 0;
  }
}

/** Pages touched by [start, end). */
function pagesIn(start: bigint, end: bigint): number {
  return Number((end - start + BigInt(PAGE_SIZE) - 1n) / BigInt(PAGE_SIZE));
}
