// The host TLB: a direct-mapped cache, per access kind, from a virtual page to the RAM offset
// of its physical page. It exists only for speed. An entry is filled after a full translation
// and permission check for the current privilege context, and every change of that context
// (privilege, satp, mstatus, sfence.vma) empties it. While paging is on, each entry also names
// the modelled-TLB slot it was copied from, and the slot remembers which host entries copy it:
// when the model drops the slot (eviction or flush), dropSlot() kills those copies at once — the
// host TLB holds a subset of the model, never more, with no check on the fast path.
//
// The copies of a slot are an intrusive doubly linked list through the host entries (each entry
// is on at most one slot's list: the slot it last copied), so a fill is O(1) whatever the slot
// (bare mode's one dummy slot is copied by every entry; a superpage by many) and a drop costs
// the copies it kills. Flushes only invalidate tags: an invalid entry may stay on its old list
// until it is refilled (which moves it) or its slot is dropped (which invalidates it again).
//
// A flush (every trap and xRET changes the privilege context) invalidates only the entries filled
// since the last one, when they are few: a program that page-faults often refills a handful of
// entries between two traps, and the whole tables (3 x TLB_SIZE tags and the decode pages) would
// be rewritten twice per fault.

import { type Access, type Arena, arenaArray, kindIndex } from "../mmu/index.js";
import { TLB_BITS, TLB_SIZE } from "./trap.js";

/** Tag value that matches no page-aligned address, nor one masked to its page and alignment
 *  bits (bits 3-11 set: the translator's lookup compares `lo & (-4096 | (width - 1))`). */
const INVALID = -1;
/** prev[] of an entry on no copy list. */
const UNLINKED = -2;
/** xCode of an entry that has none. */
const NO_CODE = new Int32Array(0);
/** Fills a flush tracks one by one; past that, it rewrites the whole tables. */
const TRACKED_FILLS = 64;

export type AccessKind = Access;

interface Tables {
  lo: Int32Array;
  hi: Int32Array;
  base: Uint32Array;
  slot: Int32Array;
}

/** Bytes a host TLB takes in an arena: per kind, two arrays of TLB_SIZE 8-byte pairs; the copy
 *  lists' links (two 4-byte arrays of 3 * TLB_SIZE), the fills since the last flush, the words
 *  (HOST_W), the clock's base and the permission tables of the data context (HostTlb.ok). */
export const HOST_TLB_ARENA_BYTES =
  3 * 4 * 4 * TLB_SIZE + 2 * 4 * 3 * TLB_SIZE + 4 * TRACKED_FILLS + 32 + 8 + 1024;

/** HostTlb.words: LIVE is 1 while the data context the wasm slow path translates in (ASID,
 *  VA_BITS, the tables in `ok`, `steps`, and for its walks the root table's PPN in ROOT_LO and
 *  ROOT_HI (bits 31..0 and 63..32), the mode's LEVELS and menvcfg.ADUE) is the hart's, which a
 *  flush or a change of ADUE ends
 *  (cpu/jit/slowpath.ts); NFILLED counts the fills since the last flush. */
export const HOST_W = {
  LIVE: 0,
  NFILLED: 1,
  ASID: 2,
  VA_BITS: 3,
  ROOT_LO: 4,
  ROOT_HI: 5,
  LEVELS: 6,
  ADUE: 7,
} as const;
/** HostTlb.ok: per data kind (r, w) whether a slot's PTE flags serve it as a plain hit (at
 *  HIT + 256 * kind), and whether they permit it, A and D aside (at PERMITS + 256 * kind: a
 *  walk in wasm sets A and D where menvcfg.ADUE was set when armed, HOST_W.ADUE). */
export const HOST_OK = { HIT: 0, PERMITS: 512 } as const;
/** The value of a host-TLB tag that matches no page-aligned address. */
export const HOST_INVALID = INVALID;
/** The value of HostTlb.prev for an entry on no copy list. */
export const HOST_UNLINKED = UNLINKED;
/** How many fills a flush tracks one by one. */
export const HOST_TRACKED_FILLS = TRACKED_FILLS;

/** The entry of a virtual address: the 4 KiB page number folded with the 2 MiB one, so that a
 *  stride of 2 MiB does not land every access in the same entry. The interpreter inlines the
 *  same expression, doubled (hostTlbPairSource). */
export function hostTlbIndex(lo: number): number {
  return ((lo >>> 12) ^ (lo >>> 21)) & (TLB_SIZE - 1);
}

/** The index of an entry in the pair arrays (HostTlb: rLo, rHi, rBase, rSlot ...): 2 * entry. */
export function hostTlbPair(e: number): number {
  return e << 1;
}

/** hostTlbPair(hostTlbIndex(lo)) as JavaScript source over the int32 expression `lo`, for the
 *  generated interpreter (semantics.ts, fpu/semantics.ts, interp.ts), whose text defines
 *  TLB_PAIR_MASK = TLB_MASK << 1. */
export function hostTlbPairSource(lo: string): string {
  return `((${lo} >>> 11) ^ (${lo} >>> 20)) & TLB_PAIR_MASK`;
}

/** Four views of one kind's two pair arrays: lo and hi over the tags (lo at 8 * entry, hi after
 *  it, so the translator compares a tag as one i64), base and slot over the other array. */
function pairViews(arena: Arena | null): Tables {
  const tag = arenaArray(arena, Int32Array, 2 * TLB_SIZE).fill(INVALID);
  const bs = arenaArray(arena, Uint32Array, 2 * TLB_SIZE);
  return {
    lo: tag,
    hi: new Int32Array(tag.buffer, tag.byteOffset + 4, 2 * TLB_SIZE - 1),
    base: bs,
    slot: new Int32Array(bs.buffer, bs.byteOffset + 4, 2 * TLB_SIZE - 1),
  };
}

export class HostTlb {
  // Per kind: the virtual page's low and high tag words, the RAM offset of the physical page
  // (RAM offsets fit a uint32, phys.ts MAX_RAM) and the modelled-TLB slot copied. Entry e is at
  // index 2 * e of each view (hostTlbPair): lo and hi are views of one array of (lo, hi) pairs,
  // hi 4 bytes after lo, and base and slot of one array of (base, slot) pairs, so translated code
  // loads a tag as one i64 and indexes every view by entry * 8. In the arena when the hart has
  // one (translated code reads them), so the layout is fixed: r, w, x, each the tag pairs and the
  // (base, slot) pairs (HOST_TLB_ARENA_BYTES).
  readonly rLo: Int32Array;
  readonly rHi: Int32Array;
  readonly rBase: Uint32Array;
  readonly rSlot: Int32Array;
  readonly wLo: Int32Array;
  readonly wHi: Int32Array;
  readonly wBase: Uint32Array;
  readonly wSlot: Int32Array;
  readonly xLo: Int32Array;
  readonly xHi: Int32Array;
  readonly xBase: Uint32Array;
  readonly xSlot: Int32Array;

  /** `arena`: where the arrays live (else each on its own buffer). */
  constructor(arena: Arena | null = null) {
    this.next = arenaArray(arena, Int32Array, 3 * TLB_SIZE).fill(-1);
    this.prev = arenaArray(arena, Int32Array, 3 * TLB_SIZE).fill(UNLINKED);
    this.filled = arenaArray(arena, Int32Array, TRACKED_FILLS);
    this.words = arenaArray(arena, Int32Array, 8);
    this.steps = arenaArray(arena, Float64Array, 1);
    this.ok = arenaArray(arena, Uint8Array, 1024);
    const r = pairViews(arena);
    const w = pairViews(arena);
    const x = pairViews(arena);
    [this.rLo, this.rHi, this.rBase, this.rSlot] = [r.lo, r.hi, r.base, r.slot];
    [this.wLo, this.wHi, this.wBase, this.wSlot] = [w.lo, w.hi, w.base, w.slot];
    [this.xLo, this.xHi, this.xBase, this.xSlot] = [x.lo, x.hi, x.base, x.slot];
    this.byKind = [r, w, x];
  }

  /** The decode page (code.ts) of each fetch entry's RAM page, at 2 * entry (hostTlbPair) as
   *  the other views, so the interpreter's fetch needs no lookup by page number; meaningful where
   *  the entry is valid. */
  readonly xCode: Int32Array[] = new Array<Int32Array>(2 * TLB_SIZE).fill(NO_CODE);

  // The copy lists. Entry code c = kind * TLB_SIZE + entry. next/prev link the codes on one
  // slot's list (-1 ends it; prev -2: c is on no list); head[slot] is the first code or -1.
  readonly next: Int32Array;
  readonly prev: Int32Array;
  private head: Int32Array = new Int32Array(64).fill(-1);
  /** Set by useHead(): the heads are where a slow path in wasm reads them and may not move. */
  private headFixed = false;

  /** The heads of the copy lists of slots 0 to head.length - 1. */
  get heads(): Int32Array {
    return this.head;
  }

  /** Keep the copy lists' heads in `head` (its length is every slot there will be: the arena's
   *  room for them, cpu/paging.ts) from now on. */
  useHead(head: Int32Array): void {
    head.fill(-1);
    const old = this.head;
    for (let s = 0; s < old.length; s++) {
      if (old[s] === -1) continue;
      if (s >= head.length) throw new Error(`host TLB: slot ${s} is listed and has no head in the new heads`);
      head[s] = old[s]!;
    }
    this.head = head;
    this.headFixed = true;
  }

  /** HOST_W words, the clock's base (the hart's steps: the model's clock is steps + the count of
   *  the chunk) and, per data kind (HOST_OK), whether a slot whose PTE flags are the index
   *  serves that kind as a plain hit in the data context, and whether they permit it. */
  readonly words: Int32Array;
  readonly steps: Float64Array;
  readonly ok: Uint8Array;

  /** Map the virtual page of (lo, hi) to the RAM page at offset `ramPage` for one access kind,
   *  as a copy of modelled-TLB slot `slot`. */
  fill(kind: AccessKind, lo: number, hi: number, ramPage: number, slot: number): void {
    const e = hostTlbIndex(lo);
    const k = kindIndex(kind);
    const t = this.tables(k);
    const c = k * TLB_SIZE + e;
    const i = hostTlbPair(e);
    const nf = this.words[HOST_W.NFILLED]!;
    if (nf < TRACKED_FILLS) this.filled[nf] = c;
    this.words[HOST_W.NFILLED] = nf + 1;
    if (this.prev[c] !== UNLINKED) this.unlink(c, t.slot[i]!);
    t.lo[i] = lo & -4096;
    t.hi[i] = hi;
    t.base[i] = ramPage;
    t.slot[i] = slot;
    this.link(c, slot);
  }

  /** Fill the fetch entry of (lo, hi) as fill() does, with `code` the RAM page's decode page. */
  fillFetch(lo: number, hi: number, ramPage: number, slot: number, code: Int32Array): void {
    this.fill("x", lo, hi, ramPage, slot);
    this.xCode[hostTlbPair(hostTlbIndex(lo))] = code;
  }

  /** The model dropped `slot`: invalidate every host entry still copying it. */
  dropSlot(slot: number): void {
    if (slot >= this.head.length) return;
    let c = this.head[slot]!;
    while (c >= 0) {
      this.tables(c >>> TLB_BITS).lo[hostTlbPair(c & (TLB_SIZE - 1))] = INVALID;
      const n = this.next[c]!;
      this.prev[c] = UNLINKED;
      this.next[c] = -1;
      c = n;
    }
    this.head[slot] = -1;
  }

  /** How many host entries are on `slot`'s copy list (valid ones, and ones a flush invalidated
   *  since they were filled): for tests. */
  copyCount(slot: number): number {
    let n = 0;
    for (let c = slot < this.head.length ? this.head[slot]! : -1; c >= 0; c = this.next[c]!) n++;
    return n;
  }

  /** Put code c at the head of `slot`'s list. */
  private link(c: number, slot: number): void {
    if (slot >= this.head.length) this.growHead(slot);
    const first = this.head[slot]!;
    this.next[c] = first;
    this.prev[c] = -1;
    if (first >= 0) this.prev[first] = c;
    this.head[slot] = c;
  }

  /** Take code c off `slot`'s list. */
  private unlink(c: number, slot: number): void {
    const p = this.prev[c]!;
    const n = this.next[c]!;
    if (p >= 0) this.next[p] = n;
    else this.head[slot] = n;
    if (n >= 0) this.prev[n] = p;
    this.prev[c] = UNLINKED;
    this.next[c] = -1;
  }

  /** Room for slot numbers up to `slot` (the model's size is not known when the hart is built). */
  private growHead(slot: number): void {
    if (this.headFixed) throw new Error(`host TLB: slot ${slot} has no copy-list head`);
    let size = this.head.length;
    while (size <= slot) size *= 2;
    const head = new Int32Array(size).fill(-1);
    head.set(this.head);
    this.head = head;
  }

  /** Entry codes filled since the last flush (the first TRACKED_FILLS of nFilled). */
  readonly filled: Int32Array;

  /** Drop every entry: only those filled since the last flush are valid (drops and the other
   *  flushes only invalidate), so those are enough when they are few. */
  flush(): void {
    const w = this.words;
    w[HOST_W.LIVE] = 0;
    const n = w[HOST_W.NFILLED]!;
    w[HOST_W.NFILLED] = 0;
    if (n > TRACKED_FILLS) {
      this.rLo.fill(INVALID);
      this.wLo.fill(INVALID);
      this.xLo.fill(INVALID);
      this.xCode.fill(NO_CODE);
      return;
    }
    for (let j = 0; j < n; j++) {
      const c = this.filled[j]!;
      const i = hostTlbPair(c & (TLB_SIZE - 1));
      const k = c >>> TLB_BITS;
      this.tables(k).lo[i] = INVALID;
      if (k === 2) this.xCode[i] = NO_CODE;
    }
  }

  /** Drop the entries of `kind` that point at RAM page offset `ramPage`. As flush(): only the
   *  entries filled since the last flush can be valid, so when they are few only those are
   *  looked at (each new code page drops its writable entries: a scan of the whole table per
   *  page cost about 3 ms of a glibc program's start, run cold). */
  dropRamPage(kind: AccessKind, ramPage: number): void {
    const k = kindIndex(kind);
    const t = this.tables(k);
    const n = this.words[HOST_W.NFILLED]!;
    if (n > TRACKED_FILLS) {
      for (let i = 0; i < 2 * TLB_SIZE; i += 2) if (t.base[i] === ramPage) t.lo[i] = INVALID;
      return;
    }
    for (let j = 0; j < n; j++) {
      const c = this.filled[j]!;
      const i = hostTlbPair(c & (TLB_SIZE - 1));
      if (c >>> TLB_BITS === k && t.base[i] === ramPage) t.lo[i] = INVALID;
    }
  }

  /** Drop every entry of one kind. */
  flushKind(kind: AccessKind): void {
    this.tables(kindIndex(kind)).lo.fill(INVALID);
    if (kind === "x") this.xCode.fill(NO_CODE);
  }

  /** The arrays of kind index k (0 = r, 1 = w, 2 = x). */
  private tables(k: number): Tables {
    return this.byKind[k]!;
  }

  private readonly byKind: readonly Tables[];
}
