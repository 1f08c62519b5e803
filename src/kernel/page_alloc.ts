// The buddy allocator over RAM, with a `struct page` array (flags, refcount, order, memcg) kept
// as typed arrays indexed by page frame. Free blocks of each order sit on a doubly linked list
// threaded through the page array, as mm/page_alloc.c keeps them. Failure is a normal outcome:
// alloc_pages returns -1 and the caller handles it.

import { BUG } from "./bug.js";

export const MAX_PAGE_ORDER = 10; // blocks of up to 4 MiB, as Linux's default

/** struct page flags (a subset of Linux's). */
export const PG_buddy = 1 << 0; // head of a free block
export const PG_slab = 1 << 1;
export const PG_reserved = 1 << 2;
export const PG_head = 1 << 3; // head of an allocated block of order > 0
export const PG_table = 1 << 4; // a page-table page
export const PG_vmalloc = 1 << 5;
export const PG_anon = 1 << 7; // an anonymous user page (mapped by page tables, refcounted)
export const PG_kasan = 1 << 12; // a KASAN shadow page

export class PageAlloc {
  readonly flags: Uint32Array;
  readonly refcount: Int32Array;
  /** 1 + the order of the block a head page starts (free or allocated); 0 elsewhere. Biased so
   *  that a fresh (zero, untouched) array means "no block": the arrays of 1 GiB of RAM are
   *  allocated without being written, which kept boot from touching megabytes (start-up). */
  private readonly ord: Int8Array;
  /** Memory cgroup id a page is charged to (0 = root / none). */
  readonly memcg: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly freeHead = new Int32Array(MAX_PAGE_ORDER + 1).fill(-1);
  /** The free order-MAX_PAGE_ORDER blocks at the start of RAM that are on no list yet: blocks
   *  0 .. untouched-1. At boot every aligned 4 MiB block is free; putting them all on the list
   *  wrote four arrays at every block, a page fault each on the host (1 GiB: 256 blocks, ~1,000
   *  faults), so they join the list only when the allocator reaches them, in the order the eager
   *  list would have given (the highest first, after every block freed since). */
  private untouched = 0;
  readonly nrFree = new Float64Array(MAX_PAGE_ORDER + 1);
  /** 1 for each page freed at least once since boot. A page allocated now that never was
   *  (everUsed) is in its first allocation: it holds what RAM held at boot. */
  private readonly freed: Uint8Array;
  /** Fault injection: when >= 0, allocations left before they start failing. */
  failAfter = -1;
  allocCount = 0;

  constructor(
    readonly basePfn: number,
    readonly nrPages: number,
  ) {
    this.flags = new Uint32Array(nrPages);
    this.refcount = new Int32Array(nrPages);
    this.ord = new Int8Array(nrPages);
    this.memcg = new Int32Array(nrPages);
    this.freed = new Uint8Array(nrPages);
    // next/prev are written by pushFree before anything reads them.
    this.next = new Int32Array(nrPages);
    this.prev = new Int32Array(nrPages);
    const maxBlock = 1 << MAX_PAGE_ORDER;
    this.untouched = Math.floor(nrPages / maxBlock);
    this.nrFree[MAX_PAGE_ORDER] = this.untouched;
    let i = this.untouched * maxBlock;
    while (i < nrPages) {
      let o = MAX_PAGE_ORDER;
      while (o > 0 && (i % (1 << o) !== 0 || i + (1 << o) > nrPages)) o--;
      this.pushFree(i, o);
      i += 1 << o;
    }
  }

  /** Allocate 2^order contiguous pages; returns the first page frame number or -1. */
  alloc_pages(order: number): number {
    if (order < 0 || order > MAX_PAGE_ORDER) return -1;
    if (this.failAfter === 0) return -1;
    if (this.failAfter > 0) this.failAfter--;
    let o = order;
    while (o <= MAX_PAGE_ORDER && this.freeHead[o] === -1) o++;
    if (o > MAX_PAGE_ORDER) {
      if (this.untouched === 0) return -1;
      o = MAX_PAGE_ORDER;
      this.pushFree(--this.untouched << MAX_PAGE_ORDER, o);
      this.nrFree[o]!--; // it was counted free already
    }
    const i = this.freeHead[o]!;
    this.popFree(i, o);
    while (o > order) {
      o--;
      this.pushFree(i + (1 << o), o); // the upper half becomes a free buddy
    }
    this.ord[i] = order + 1;
    this.flags[i] = order > 0 ? PG_head : 0;
    this.refcount[i] = 1;
    this.allocCount++;
    return this.basePfn + i;
  }

  /** Free the block of 2^order pages at `pfn`, merging with free buddies. */
  __free_pages(pfn: number, order: number): void {
    let i = pfn - this.basePfn;
    if (i < 0 || i >= this.nrPages || this.orderAt(i) !== order || this.flags[i]! & PG_buddy) {
      BUG(
        "mm/page_alloc.c:__free_pages",
        `__free_pages: pfn 0x${pfn.toString(16)} order ${order} is not an allocated block (bad free)`,
      );
    }
    this.refcount[i] = 0;
    this.memcg[i] = 0;
    this.flags[i] = 0;
    this.ord[i] = 0; // no block
    this.freed.fill(1, i, i + (1 << order));
    let o = order;
    while (o < MAX_PAGE_ORDER) {
      const buddy = i ^ (1 << o);
      if (buddy + (1 << o) > this.nrPages || !(this.flags[buddy]! & PG_buddy) || this.orderAt(buddy) !== o)
        break;
      this.popFree(buddy, o);
      i = Math.min(i, buddy);
      o++;
    }
    this.pushFree(i, o);
  }

  /** Split an allocated order-n block into 2^n order-0 pages (split_page). */
  split_page(pfn: number, order: number): void {
    const i = pfn - this.basePfn;
    if (this.orderAt(i) !== order)
      BUG(
        "mm/page_alloc.c:split_page",
        `split_page: pfn 0x${pfn.toString(16)} is not an order-${order} block`,
      );
    for (let k = 0; k < 1 << order; k++) {
      this.ord[i + k] = 1; // order 0
      this.refcount[i + k] = 1;
      this.flags[i + k] = this.flags[i]! & ~PG_head;
      this.memcg[i + k] = this.memcg[i]!;
    }
  }

  /** Has the allocated page `pfn` been allocated before (freed since boot)? If not, its
   *  contents are RAM's at boot. */
  everUsed(pfn: number): boolean {
    return this.freed[this.idx(pfn)] === 1;
  }

  /** Is every page of the allocated block of 2^order pages at `pfn` in its first allocation
   *  since boot (none freed since: everUsed)? Then the block holds what RAM held at boot. */
  neverUsed(pfn: number, order: number): boolean {
    const i = this.idx(pfn);
    const n = 1 << order;
    if (i + n > this.nrPages)
      BUG("mm/page_alloc.c:neverUsed", `block at pfn 0x${pfn.toString(16)} ends past RAM`);
    const freed = this.freed;
    for (let k = i; k < i + n; k++) if (freed[k] !== 0) return false;
    return true;
  }

  /** page_count(): the references to the page. */
  page_count(pfn: number): number {
    return this.refcount[this.idx(pfn)]!;
  }

  /** get_page(): one more reference to the order-0 page `pfn` (a mapping, the page cache). */
  get_page(pfn: number): void {
    const i = this.idx(pfn);
    if (this.refcount[i]! <= 0)
      BUG(
        "include/linux/mm.h:get_page",
        `get_page: pfn 0x${pfn.toString(16)} has refcount ${this.refcount[i]}`,
      );
    this.refcount[i]!++;
  }

  /** put_page(): drop a reference to the order-0 page `pfn`; the last one frees it. Returns
   *  true if it was freed. */
  put_page(pfn: number): boolean {
    const i = this.idx(pfn);
    if (this.refcount[i]! <= 0)
      BUG(
        "include/linux/mm.h:put_page",
        `put_page: pfn 0x${pfn.toString(16)} has refcount ${this.refcount[i]}`,
      );
    if (--this.refcount[i]! > 0) return false;
    this.flags[i]! &= ~PG_anon;
    this.__free_pages(pfn, 0);
    return true;
  }

  /** Order of the block page index `i` heads (free or allocated), or -1. */
  orderAt(i: number): number {
    return this.untouchedHead(i) ? MAX_PAGE_ORDER : this.ord[i]! - 1;
  }

  /** The struct page flags of page index `i` (a free block's head has PG_buddy). */
  pageFlags(i: number): number {
    return this.untouchedHead(i) ? PG_buddy : this.flags[i]!;
  }

  private untouchedHead(i: number): boolean {
    return i < this.untouched << MAX_PAGE_ORDER && i % (1 << MAX_PAGE_ORDER) === 0;
  }

  nr_free_pages(): number {
    let n = 0;
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) n += this.nrFree[o]! * (1 << o);
    return n;
  }

  /** Index into the page arrays of `pfn` (a kernel BUG for a pfn outside RAM). */
  idx(pfn: number): number {
    const i = pfn - this.basePfn;
    if (i < 0 || i >= this.nrPages)
      BUG("mm/page_alloc.c:pfn_to_page", `pfn 0x${pfn.toString(16)} is outside RAM`);
    return i;
  }

  /** /proc/buddyinfo. */
  buddyinfo(): string {
    const counts = Array.from(this.nrFree, (n) => n.toString().padStart(6, " ")).join(" ");
    return `Node 0, zone   Normal ${counts} `;
  }

  private pushFree(i: number, o: number): void {
    this.flags[i] = PG_buddy;
    this.ord[i] = o + 1;
    const head = this.freeHead[o]!;
    this.next[i] = head;
    this.prev[i] = -1;
    if (head >= 0) this.prev[head] = i;
    this.freeHead[o] = i;
    this.nrFree[o]!++;
  }

  private popFree(i: number, o: number): void {
    const n = this.next[i]!;
    const p = this.prev[i]!;
    if (p >= 0) this.next[p] = n;
    else this.freeHead[o] = n;
    if (n >= 0) this.prev[n] = p;
    this.flags[i] = 0;
    this.ord[i] = 0; // no block
    this.nrFree[o]!--;
  }
}
