// The host TLB: a direct-mapped cache, per access kind, from a virtual page to the RAM offset
// of its physical page. It exists only for speed. An entry is filled after a full translation
// and permission check for the current privilege context, and every change of that context
// (privilege, satp, mstatus, sfence.vma) empties it. While paging is on, each entry also names
// the modelled-TLB slot it was copied from and that slot's generation, so it dies with the
// modelled entry (eviction or flush) — the host TLB holds a subset of the model, never more.

import type { Access } from "../mmu/index.js";
import { TLB_SIZE } from "./trap.js";

/** Tag value that matches no page-aligned address. */
const INVALID = 1;

export type AccessKind = Access;

/** The entry of a virtual address: the 4 KiB page number folded with the 2 MiB one, so that a
 *  stride of 2 MiB does not land every access in the same entry. The interpreter inlines the
 *  same expression (semantics.ts, exec.ts). */
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
  readonly rGen = new Int32Array(TLB_SIZE);
  readonly wSlot = new Int32Array(TLB_SIZE);
  readonly wGen = new Int32Array(TLB_SIZE);
  readonly xSlot = new Int32Array(TLB_SIZE);
  readonly xGen = new Int32Array(TLB_SIZE);

  /** Map the virtual page of (lo, hi) to the RAM page at offset `ramPage` for one access kind,
   *  as a copy of modelled-TLB slot `slot` at generation `gen`. */
  fill(kind: AccessKind, lo: number, hi: number, ramPage: number, slot: number, gen: number): void {
    const e = hostTlbIndex(lo);
    const [tl, th, tb] = this.arrays(kind);
    tl[e] = lo & -4096;
    th[e] = hi;
    tb[e] = ramPage;
    const [ts, tg] =
      kind === "r"
        ? [this.rSlot, this.rGen]
        : kind === "w"
          ? [this.wSlot, this.wGen]
          : [this.xSlot, this.xGen];
    ts[e] = slot;
    tg[e] = gen;
  }

  /** Drop every entry. */
  flush(): void {
    this.rLo.fill(INVALID);
    this.wLo.fill(INVALID);
    this.xLo.fill(INVALID);
  }

  /** Drop the entries of `kind` that point at RAM page offset `ramPage`. */
  dropRamPage(kind: AccessKind, ramPage: number): void {
    const [tl, , tb] = this.arrays(kind);
    for (let e = 0; e < TLB_SIZE; e++) if (tb[e] === ramPage) tl[e] = INVALID;
  }

  /** Drop every entry of one kind. */
  flushKind(kind: AccessKind): void {
    this.arrays(kind)[0].fill(INVALID);
  }

  private arrays(kind: AccessKind): [Int32Array, Int32Array, Float64Array] {
    if (kind === "r") return [this.rLo, this.rHi, this.rBase];
    if (kind === "w") return [this.wLo, this.wHi, this.wBase];
    return [this.xLo, this.xHi, this.xBase];
  }
}
