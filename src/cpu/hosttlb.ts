// The host TLB: a direct-mapped cache, per access kind, from a virtual page to the RAM offset
// of its physical page. It exists only for speed. An entry is filled after a full translation
// and permission check for the current privilege context, and every change of that context
// (privilege, satp, mstatus, sfence.vma) empties it. While paging is on, each entry also names
// the modelled-TLB slot it was copied from, and the slot remembers which host entries copy it:
// when the model drops the slot (eviction or flush), dropSlot() kills those copies at once — the
// host TLB holds a subset of the model, never more, with no check on the fast path.

import type { Access } from "../mmu/index.js";
import { TLB_SIZE } from "./trap.js";

/** Tag value that matches no page-aligned address. */
const INVALID = 1;

export type AccessKind = Access;

const KIND_INDEX: Record<AccessKind, number> = { r: 0, w: 1, x: 2 };

interface Tables {
  lo: Int32Array;
  hi: Int32Array;
  base: Float64Array;
  slot: Int32Array;
}

/** The entry of a virtual address: the 4 KiB page number folded with the 2 MiB one, so that a
 *  stride of 2 MiB does not land every access in the same entry. The interpreter inlines the
 *  same expression (semantics.ts, interp.ts). */
export function hostTlbIndex(lo: number): number {
  return ((lo >>> 12) ^ (lo >>> 21)) & (TLB_SIZE - 1);
}

export class HostTlb {
  readonly rLo = new Int32Array(TLB_SIZE).fill(INVALID);
  readonly rHi = new Int32Array(TLB_SIZE);
  readonly rBase = new Float64Array(TLB_SIZE);
  readonly wLo = new Int32Array(TLB_SIZE).fill(INVALID);
  readonly wHi = new Int32Array(TLB_SIZE);
  readonly wBase = new Float64Array(TLB_SIZE);
  readonly xLo = new Int32Array(TLB_SIZE).fill(INVALID);
  readonly xHi = new Int32Array(TLB_SIZE);
  readonly xBase = new Float64Array(TLB_SIZE);
  readonly rSlot = new Int32Array(TLB_SIZE);
  readonly wSlot = new Int32Array(TLB_SIZE);
  readonly xSlot = new Int32Array(TLB_SIZE);

  /** Host entries copying each modelled-TLB slot, as kind * TLB_SIZE + entry (may hold stale
   *  codes: dropSlot checks that the entry still copies the slot). */
  private readonly copies: number[][] = [];

  /** Map the virtual page of (lo, hi) to the RAM page at offset `ramPage` for one access kind,
   *  as a copy of modelled-TLB slot `slot`. */
  fill(kind: AccessKind, lo: number, hi: number, ramPage: number, slot: number): void {
    const e = hostTlbIndex(lo);
    const k = KIND_INDEX[kind];
    const t = this.tables(k);
    t.lo[e] = lo & -4096;
    t.hi[e] = hi;
    t.base[e] = ramPage;
    t.slot[e] = slot;
    let list = this.copies[slot];
    if (!list) {
      list = [];
      this.copies[slot] = list;
    }
    if (list.length >= 64) this.compact(slot, list);
    list.push(k * TLB_SIZE + e);
  }

  /** The model dropped `slot`: invalidate every host entry still copying it. */
  dropSlot(slot: number): void {
    const list = this.copies[slot];
    if (!list) return;
    for (const code of list) {
      const e = code & (TLB_SIZE - 1);
      const t = this.tables((code - e) / TLB_SIZE);
      if (t.slot[e] === slot) t.lo[e] = INVALID;
    }
    list.length = 0;
  }

  /** Keep only the codes whose entry is valid and still copies `slot`. */
  private compact(slot: number, list: number[]): void {
    let j = 0;
    for (const code of list) {
      const e = code & (TLB_SIZE - 1);
      const t = this.tables((code - e) / TLB_SIZE);
      if (t.slot[e] === slot && t.lo[e] !== INVALID) list[j++] = code;
    }
    list.length = j;
  }

  /** Drop every entry. */
  flush(): void {
    this.rLo.fill(INVALID);
    this.wLo.fill(INVALID);
    this.xLo.fill(INVALID);
  }

  /** Drop the entries of `kind` that point at RAM page offset `ramPage`. */
  dropRamPage(kind: AccessKind, ramPage: number): void {
    const t = this.tables(KIND_INDEX[kind]);
    for (let e = 0; e < TLB_SIZE; e++) if (t.base[e] === ramPage) t.lo[e] = INVALID;
  }

  /** Drop every entry of one kind. */
  flushKind(kind: AccessKind): void {
    this.tables(KIND_INDEX[kind]).lo.fill(INVALID);
  }

  /** The arrays of kind index k (0 = r, 1 = w, 2 = x). */
  private tables(k: number): Tables {
    return this.byKind[k]!;
  }

  private readonly byKind: readonly Tables[] = [
    { lo: this.rLo, hi: this.rHi, base: this.rBase, slot: this.rSlot },
    { lo: this.wLo, hi: this.wHi, base: this.wBase, slot: this.wSlot },
    { lo: this.xLo, hi: this.xHi, base: this.xBase, slot: this.xSlot },
  ];
}
