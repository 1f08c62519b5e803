// The kernel's page-table helper (src/kernel/pgtable.ts): holeEnd, which lets an address space's
// teardown skip the ranges of empty tables instead of looking up every 4 KiB page; and new
// tables, empty whether their page was used before or is in its first allocation.

import { describe, expect, it } from "vitest";
import { Machine } from "../../src/cpu/index.js";
import { bootKernel } from "../../src/kernel/index.js";
import { PG_table } from "../../src/kernel/page_alloc.js";
import { PAGE_KERNEL } from "../../src/kernel/pgtable.js";
import { bootMm } from "./helpers.js";

const PAGE = 4096n;
const PMD = 2n << 20n;
const PUD = 1n << 30n;
const PGD = 1n << 39n;

describe("KernelPageTable.holeEnd", () => {
  it("is the end of the run of invalid entries on the walk, at each level", () => {
    const { k } = bootMm();
    const pgd = k.pgd;
    const va = 0x12_3456_7000n; // user half, nothing mapped yet: an empty root entry
    const rootSpan = (a: bigint): bigint => a - (a % PGD);
    // Root entries from va's (0) on are empty up to the first of the kernel's, the vmalloc
    // range's (0xffff8f8000000000, entry 287): the hole runs to that entry's span.
    expect(pgd.holeEnd(va)).toBe(287n * PGD);
    expect(pgd.mapRange(va, 0x8000_0000 + (8 << 20), 4096, PAGE_KERNEL, 0)).toBe(true);
    // va's tables now exist down to level 0: a hole runs to the next valid entry of its table
    // (va itself, just after) or to the table's end (after va: its 2 MiB, 1 GiB and 512 GiB).
    const pmd = va - (va % PMD);
    const pud = va - (va % PUD);
    expect(pgd.holeEnd(pmd)).toBe(va);
    expect(pgd.holeEnd(va - PAGE)).toBe(va);
    expect(pgd.holeEnd(va + PAGE)).toBe(pmd + PMD);
    expect(pgd.holeEnd(pud)).toBe(pmd);
    expect(pgd.holeEnd(pmd + PMD)).toBe(pud + PUD);
    expect(pgd.holeEnd(pud + PUD)).toBe(rootSpan(va) + PGD);
    expect(pgd.holeEnd(va)).toBe(va + PAGE); // mapped: the end of its page
  });
});

describe("KernelPageTable.walk, pte_alloc and setLeaf (the fault path's)", () => {
  it("stops at the first invalid entry, at a leaf or at the PTE, and says the level", () => {
    const { k } = bootMm();
    const pgd = k.pgd;
    const va = 0x12_3456_7000n;
    const vpn = Number(va / PAGE);
    expect(pgd.walk(vpn)).toBe(pgd.root * 4096 + 8 * Number((va >> 39n) & 511n));
    expect(pgd.walkLevel).toBe(3);
    const pte = pgd.pte_alloc(vpn, 0); // the tables made down to the PTE, which is empty
    expect(pte).toBe(pgd.pteAt(va, 0));
    expect(pgd.walk(vpn)).toBe(pte);
    expect(pgd.walkLevel).toBe(0);
    expect(pgd.leafAt(va, 0)).toBe(0);
    pgd.setLeaf(pte, 0x80123, PAGE_KERNEL | 1);
    expect(pgd.lookup(va)).toEqual({ level: 0, lo: (0x80123 << 10) | PAGE_KERNEL | 1, hi: 0, pteAddr: pte });
    expect(pgd.walk(vpn + 1)).toBe(pte + 8); // the next PTE of the same table, empty
    expect(pgd.walkLevel).toBe(0);
    // A 2 MiB leaf stops the walk at level 1.
    const huge = 0x40_0000_0000n;
    expect(pgd.mapPage(huge, 0x80200, PAGE_KERNEL, 1)).toBe(true);
    expect(pgd.walk(Number(huge / PAGE) + 5)).toBe(pgd.pteAt(huge, 1));
    expect(pgd.walkLevel).toBe(1);
  });

  it("setLeaf writes a page frame above 2^22 across both words, and refuses a non-RAM address", () => {
    const { k } = bootMm();
    const pte = k.pgd.pte_alloc(Number(0x7_0000_0000n / PAGE), 0);
    k.pgd.setLeaf(pte, 0x1_2345_6789, PAGE_KERNEL | 1);
    const leaf = k.pgd.lookup(0x7_0000_0000n);
    expect([leaf?.lo, leaf?.hi]).toEqual([
      ((0x1_2345_6789 % 2 ** 22) << 10) | PAGE_KERNEL | 1,
      Math.floor(0x1_2345_6789 / 2 ** 22),
    ]);
    expect(() => k.pgd.setLeaf(8, 1, 1)).toThrow(/not in RAM/);
  });
});

describe("a new table", () => {
  it("is empty on a page used before (zeroed) as on a page in its first allocation", () => {
    const { k } = bootMm();
    const va = 0x12_3456_7000n; // user half: the mapping below makes its tables
    // A page written all over, then freed: the next order-0 allocation, so the first new table.
    const dirty = k.pages.alloc_pages(0);
    const off = dirty * 4096 - 0x8000_0000;
    k.machine.mem.u8.fill(0xff, off, off + 4096);
    k.pages.__free_pages(dirty, 0);
    const before = k.pgd.nrTablePages;
    expect(k.pgd.mapRange(va, 0x8000_0000 + (8 << 20), 4096, PAGE_KERNEL, 0)).toBe(true);
    expect(k.pgd.nrTablePages - before).toBe(3); // the tables below the root
    expect(k.pages.pageFlags(dirty - 0x80000) & PG_table).toBe(PG_table);
    const words = new BigUint64Array(k.machine.mem.u8.buffer, off, 512);
    expect(words.filter((w) => w !== 0n).length).toBe(1); // its one entry, the rest zeroed
    expect(k.pgd.lookup(va)?.level).toBe(0);
    for (let i = 1n; i < 512n; i++) expect(k.pgd.lookup(va + i * PAGE)).toBeNull();
  });
});

describe("boot on a new machine only", () => {
  // New tables trust a page in its first allocation to hold RAM's boot-time zero; a second boot,
  // or a boot on a machine that has run, would break that, so bootKernel refuses both.
  it("refuses a second boot on the same machine", () => {
    const m = new Machine({ mem: 64 << 20 });
    bootKernel(m, "kasan=off");
    expect(() => bootKernel(m, "kasan=off")).toThrow(/boots on a new machine/);
  });

  it("refuses a machine that has run", () => {
    const m = new Machine({ mem: 64 << 20 });
    m.harts[0]!.steps = 1;
    expect(() => bootKernel(m, "kasan=off")).toThrow(/boots on a new machine/);
  });
});
