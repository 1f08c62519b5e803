import { describe, expect, it } from "vitest";
import { MAX_PAGE_ORDER, PageAlloc } from "../../src/kernel/index.js";
import { PG_buddy } from "../../src/kernel/page_alloc.js";

const BASE = 0x80000;

describe("the buddy allocator", () => {
  it("starts with RAM in the largest aligned blocks and counts them per order", () => {
    const pa = new PageAlloc(BASE, 1024 + 8 + 1);
    expect(pa.nrFree[MAX_PAGE_ORDER]).toBe(1);
    expect(pa.nrFree[3]).toBe(1);
    expect(pa.nrFree[0]).toBe(1);
    expect(pa.nr_free_pages()).toBe(1033);
  });

  it("hands out the boot-time 4 MiB blocks highest first, after any block freed since", () => {
    const M = 1 << MAX_PAGE_ORDER;
    const pa = new PageAlloc(BASE, 4 * M + 3);
    // Untouched blocks look free: the head of each has its order and PG_buddy.
    expect([pa.orderAt(0), pa.orderAt(M), pa.orderAt(1)]).toEqual([MAX_PAGE_ORDER, MAX_PAGE_ORDER, -1]);
    expect(pa.pageFlags(2 * M) & PG_buddy).toBe(PG_buddy);
    const a = pa.alloc_pages(MAX_PAGE_ORDER);
    const b = pa.alloc_pages(MAX_PAGE_ORDER);
    expect([a, b]).toEqual([BASE + 3 * M, BASE + 2 * M]);
    expect(pa.pageFlags(3 * M) & PG_buddy).toBe(0);
    pa.__free_pages(a, MAX_PAGE_ORDER); // freed: on the list, taken before the untouched ones
    expect(pa.nrFree[MAX_PAGE_ORDER]).toBe(3);
    expect(pa.alloc_pages(MAX_PAGE_ORDER)).toBe(a);
    expect(pa.alloc_pages(0)).toBe(BASE + 4 * M + 2); // the tail's order-0 block (an order-1 at +4M)
    expect(pa.alloc_pages(3)).toBe(BASE + M); // then a split of the next untouched block
    expect(pa.nr_free_pages()).toBe(4 * M + 3 - 2 * M - 1 - 8);
  });

  it("splits a larger block and merges buddies back on free", () => {
    const pa = new PageAlloc(BASE, 1024);
    const p = pa.alloc_pages(0);
    expect(p).toBe(BASE);
    // 1024 = one order-10 block, split down: one free block at each order 0..9.
    for (let o = 0; o < MAX_PAGE_ORDER; o++) expect(pa.nrFree[o]).toBe(1);
    expect(pa.nrFree[MAX_PAGE_ORDER]).toBe(0);
    pa.__free_pages(p, 0);
    expect(pa.nrFree[MAX_PAGE_ORDER]).toBe(1);
    expect(pa.nr_free_pages()).toBe(1024);
  });

  it("gives naturally aligned blocks, and fails cleanly when none is left", () => {
    const pa = new PageAlloc(BASE, 1024);
    const a = pa.alloc_pages(9);
    const b = pa.alloc_pages(9);
    expect([a % 512, b % 512]).toEqual([0, 0]);
    expect(pa.alloc_pages(0)).toBe(-1);
    expect(pa.alloc_pages(MAX_PAGE_ORDER + 1)).toBe(-1);
    pa.__free_pages(a, 9);
    pa.__free_pages(b, 9);
    expect(pa.nr_free_pages()).toBe(1024);
  });

  it("refuses a bad free loudly", () => {
    const pa = new PageAlloc(BASE, 1024);
    const p = pa.alloc_pages(1);
    expect(() => pa.__free_pages(p, 0)).toThrow(/is not an allocated block/);
    pa.__free_pages(p, 1);
    expect(() => pa.__free_pages(p, 1)).toThrow(/bad free/);
  });

  it("split_page turns an order-n block into 2^n order-0 pages, each freeable", () => {
    const pa = new PageAlloc(BASE, 1024);
    const p = pa.alloc_pages(2);
    pa.split_page(p, 2);
    for (let i = 3; i >= 0; i--) pa.__free_pages(p + i, 0);
    expect(pa.nr_free_pages()).toBe(1024);
    expect(pa.nrFree[MAX_PAGE_ORDER]).toBe(1);
  });

  it("fault injection: failAfter allocations succeed, then they fail", () => {
    const pa = new PageAlloc(BASE, 1024);
    pa.failAfter = 2;
    expect(pa.alloc_pages(0)).toBeGreaterThan(0);
    expect(pa.alloc_pages(0)).toBeGreaterThan(0);
    expect(pa.alloc_pages(0)).toBe(-1);
  });

  it("tells a page in its first allocation since boot from one allocated before (everUsed)", () => {
    const pa = new PageAlloc(BASE, 1024);
    const a = pa.alloc_pages(0);
    const b = pa.alloc_pages(2);
    expect([pa.everUsed(a), pa.everUsed(b), pa.everUsed(b + 3)]).toEqual([false, false, false]);
    pa.__free_pages(b, 2);
    expect(pa.alloc_pages(2)).toBe(b); // the freed block again: every page of it used before
    expect([0, 1, 2, 3].map((k) => pa.everUsed(b + k))).toEqual([true, true, true, true]);
    expect(pa.everUsed(a)).toBe(false);
    expect(pa.everUsed(pa.alloc_pages(0))).toBe(false); // never handed out before
    pa.put_page(a);
    expect(pa.alloc_pages(0)).toBe(a);
    expect(pa.everUsed(a)).toBe(true);
  });

  it("tells a block none of whose pages was freed since boot (neverUsed)", () => {
    const pa = new PageAlloc(BASE, 1024);
    const a = pa.alloc_pages(3);
    expect(pa.neverUsed(a, 3)).toBe(true);
    pa.split_page(a, 3);
    pa.put_page(a + 5); // the only free order-0 page now
    expect(pa.alloc_pages(0)).toBe(a + 5);
    expect([pa.neverUsed(a, 0), pa.neverUsed(a + 5, 0), pa.neverUsed(a, 2), pa.neverUsed(a + 4, 2)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(() => pa.neverUsed(BASE + 1023, 1)).toThrow(/ends past RAM/);
  });

  it("prints /proc/buddyinfo as Linux does", () => {
    const pa = new PageAlloc(BASE, 1024 + 2);
    expect(pa.buddyinfo()).toBe(
      "Node 0, zone   Normal      0      1      0      0      0      0      0      0      0      0      1 ",
    );
  });
});
