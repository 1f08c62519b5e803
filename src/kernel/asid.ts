// The ASID allocator, with the facts of arch/riscv/mm/context.c (own code): an address space's
// context id is version | asid, the version counting rollovers in units of the ASID space. An
// mm keeps its ASID while its version is current (the fast path of a switch); a stale one gets
// its old number back if it is free in the new generation, or the next free one. When none is
// left, the version moves on, the bitmap is cleared but for the ASIDs each hart runs now (they
// stay reserved: those mms keep them), and every hart must flush its whole TLB before its next
// switch, so no entry tagged with a recycled ASID survives. Freed mms give nothing back: their
// ASIDs are only reused after a rollover (as in Linux). With too small an ASID space for the
// harts (num_asids <= 2 x harts, riscv's asids_init rule) the allocator is off: every mm runs
// with ASID 0 and each switch to another mm flushes the hart's TLB (set_mm_noasid).

import { BUG_ON } from "./bug.js";

/** satp.ASID is 16 bits wide in Sv39/48/57 (the privileged spec's ASIDMAX for RV64). */
export const ASID_BITS_MAX = 16;

/** The architecture's part of an address space (mm_context_t): `id` is the ASID allocator's
 *  version | ASID, 0 until the mm is first switched to. */
export interface mm_context_t {
  id: number;
}

/** What a switch needs from an address space: its context (mm->context) and the harts that may
 *  hold its entries (mm_cpumask). */
export interface mm_context {
  readonly context: mm_context_t;
  mm_cpumask: number;
}

export class AsidAllocator {
  /** Bits of ASID this kernel uses (the `asid_bits=` parameter, default all 16). */
  bits = ASID_BITS_MAX;
  /** Rollovers so far (each one costs every hart a full flush). */
  rollovers = 0;
  private num = 1 << ASID_BITS_MAX;
  private version = this.num;
  /** context_asid_map: ASIDs given out in this generation (0 is the kernel's); made by setBits
   *  (a first map here was 64 KiB allocated at every boot only to be replaced). */
  private map!: Uint8Array;
  private curIdx = 1;
  /** Per hart: the context it runs now (0 once a rollover took it), the one kept for it across
   *  the last rollover, whether it owes a full flush, and (no-ASID mode) the mm it last loaded. */
  private readonly active: number[];
  private readonly reserved: number[];
  private readonly flushPending: boolean[];
  private readonly loaded: (mm_context | null)[];

  constructor(private readonly nrHarts: number) {
    this.active = new Array<number>(nrHarts).fill(0);
    this.reserved = new Array<number>(nrHarts).fill(0);
    this.flushPending = new Array<boolean>(nrHarts).fill(false);
    this.loaded = new Array<mm_context | null>(nrHarts).fill(null);
    this.setBits(ASID_BITS_MAX);
  }

  /** Set the ASID width (boot time, before any mm ran): the map and versions start afresh. */
  setBits(bits: number): void {
    this.bits = bits;
    this.num = 2 ** bits;
    this.version = this.num;
    this.map = new Uint8Array(this.num);
    this.map[0] = 1;
    this.curIdx = 1;
  }

  /** Whether ASIDs are used at all: more than two per hart (arch/riscv asids_init). */
  enabled(): boolean {
    return this.num > 2 * this.nrHarts;
  }

  /** The ASID of a context id (what goes into satp and fences). */
  asidOf(ctx: mm_context): number {
    return this.enabled() ? ctx.context.id % this.num : 0;
  }

  /** Give `mm` a current ASID for hart `cpu` (set_mm_asid) and say whether the hart must flush
   *  its whole TLB before running it (a rollover happened since it last switched, or, without
   *  ASIDs, it ran another mm). */
  switch_mm(mm: mm_context, cpu: number): boolean {
    if (!this.enabled()) {
      const prev = this.loaded[cpu];
      if (prev === mm) return false;
      if (prev) prev.mm_cpumask &= ~(1 << cpu); // the flush leaves none of prev's entries here
      this.loaded[cpu] = mm;
      return true;
    }
    const current = mm.context.id - (mm.context.id % this.num) === this.version;
    if (current && this.active[cpu] !== 0) {
      this.active[cpu] = mm.context.id;
      return false;
    }
    if (!current) mm.context.id = this.new_context(mm.context.id);
    const flush = this.flushPending[cpu]!;
    this.flushPending[cpu] = false;
    this.active[cpu] = mm.context.id;
    return flush;
  }

  /** The hart's satp was written behind the allocator's back (a raw restore): without ASIDs it
   *  must flush before its next switch, since it no longer knows which mm its TLB holds. */
  forget(cpu: number): void {
    this.loaded[cpu] = null;
  }

  /** A context id of the current version for an mm whose id is `old` (0 or stale). */
  private new_context(old: number): number {
    if (old !== 0) {
      const asid = old % this.num;
      const next = this.version + asid;
      if (this.update_reserved(old, next)) return next;
      if (!this.map[asid]) {
        this.map[asid] = 1;
        return next;
      }
    }
    let asid = this.map.indexOf(0, this.curIdx);
    if (asid < 0) {
      this.version += this.num;
      this.flush_context();
      asid = this.map.indexOf(0, 1);
      BUG_ON(asid < 0, "new_context", "no ASID free right after a rollover");
    }
    this.map[asid] = 1;
    this.curIdx = asid;
    return this.version + asid;
  }

  /** An mm whose ASID a hart kept across the rollover keeps it (the reserved copies move to
   *  the new version); true when `old` was such a one. */
  private update_reserved(old: number, next: number): boolean {
    let hit = false;
    for (let cpu = 0; cpu < this.nrHarts; cpu++)
      if (this.reserved[cpu] === old) {
        this.reserved[cpu] = next;
        hit = true;
      }
    return hit;
  }

  /** A rollover (__flush_context): only the ASIDs the harts run now stay taken, and every hart
   *  owes a full flush. */
  private flush_context(): void {
    this.rollovers++;
    this.map.fill(0);
    this.map[0] = 1;
    for (let cpu = 0; cpu < this.nrHarts; cpu++) {
      let ctx = this.active[cpu]!;
      this.active[cpu] = 0;
      if (ctx === 0) ctx = this.reserved[cpu]!;
      this.map[ctx % this.num] = 1;
      this.reserved[cpu] = ctx;
      this.flushPending[cpu] = true;
    }
  }
}
